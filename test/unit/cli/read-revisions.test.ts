import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackendSession } from '../../../cli/backend-session.ts';
import { main } from '../../../cli/main.ts';
import { QueueNotices, readQueuePlace } from '../../../cli/place-in-queue.ts';
import { readRevisions } from '../../../cli/read-revisions.ts';
import { handleApiRequest } from '../../../http-api/handle-api-request.ts';
import type { Deps } from '../../../pipeline/deps.ts';
import { hasStarted } from '../../../revisions/has-started.ts';
import type { RevisionStatus } from '../../../schemas/revision.ts';
import { MemoryRevisionStore } from '../../support/memory-revision-store.ts';
import { captureIo } from './capture-io.ts';

/**
 * The API's router on a loopback port over an in-memory revision table, counting the list
 * requests it answers, so a test sees how many pages a reader asked for.
 */
async function serveRevisions(revisions: MemoryRevisionStore) {
  const listRequests: string[] = [];
  const deps = { revisions } as unknown as Deps;
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.endsWith('/revisions')) listRequests.push(url.search);
    void handleApiRequest(
      {
        method: request.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: {},
        body: undefined,
        identity: 'local:tester',
      },
      deps,
    ).then((answer) => response.writeHead(answer.status, answer.headers).end(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const session: BackendSession = {
    apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    description: 'test API',
    close: async () => {},
  };
  servers.push(server);

  return { session, listRequests };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Allocates revisions 1..n of `demo`; `paths[i]` are the statuses revision i+1 went through. */
async function clusterWith(paths: RevisionStatus[][]): Promise<MemoryRevisionStore> {
  const revisions = new MemoryRevisionStore();
  for (const [index, statuses] of paths.entries()) {
    await revisions.allocate({
      cluster: 'demo',
      source: { kind: 'api' },
      submitter: 'tester',
      correlationId: `c-${index + 1}`,
      inputKey: `clusters/demo/inputs/${index + 1}.yaml`,
      inputSha256: String(index + 1),
    });
    for (const status of statuses) await revisions.transition('demo', index + 1, status);
  }

  return revisions;
}

const RAN: RevisionStatus[] = ['RUNNING', 'PLANNED'];

describe('readRevisions', () => {
  it('reads 130 revisions in two pages of at most 100, newest first', async () => {
    const { session, listRequests } = await serveRevisions(
      await clusterWith(Array.from({ length: 130 }, () => RAN)),
    );

    const read = await readRevisions(session, 'demo', {});

    expect(read.revisions.map((revision) => revision.revision)).toEqual(
      Array.from({ length: 130 }, (_, index) => 130 - index),
    );
    expect(read.more).toBe(false);
    expect(listRequests).toEqual(['?limit=100', '?limit=100&before=31']);
  });

  it('stops at the count it was given and says more are left', async () => {
    const { session, listRequests } = await serveRevisions(
      await clusterWith(Array.from({ length: 30 }, () => RAN)),
    );

    const read = await readRevisions(session, 'demo', { count: 20 });

    expect(read.revisions.map((revision) => revision.revision)).toEqual(
      Array.from({ length: 20 }, (_, index) => 30 - index),
    );
    expect(read.more).toBe(true);
    expect(listRequests).toEqual(['?limit=20']);
  });

  it('throws the API error for a cluster with no record instead of an empty list', async () => {
    const { session } = await serveRevisions(new MemoryRevisionStore());

    await expect(readRevisions(session, 'demo', {})).rejects.toThrow(
      'cluster demo has no revisions',
    );
  });
});

describe('the queue as the CLI reads it', () => {
  // 1-3 ran, 4 was refused without running, 5-7 wait: nothing older than 3 can still wait.
  const paths: RevisionStatus[][] = [RAN, RAN, RAN, ['FAILED'], [], [], []];

  it('places revision 7 third, behind 5 and 6, reading no further than revision 3', async () => {
    const { session } = await serveRevisions(await clusterWith(paths));

    const read = await readRevisions(session, 'demo', { before: 8, stop: hasStarted });
    const place = await readQueuePlace(session, 'demo', 7);

    expect(read.revisions.map((revision) => revision.revision)).toEqual([7, 6, 5, 4, 3]);
    expect(read.more).toBe(true);
    expect(place).toEqual({ queued: true, position: 3 });
  });

  it('counts a revision that has started as out of the queue, and one refused as not started', async () => {
    const revisions = await clusterWith(paths);

    expect(hasStarted((await revisions.get('demo', 3))!)).toBe(true);
    expect(hasStarted((await revisions.get('demo', 4))!)).toBe(false);
    expect(hasStarted((await revisions.get('demo', 5))!)).toBe(false);
  });
});

describe('QueueNotices', () => {
  const AT_2 = 'queued at position 2: waiting for revision 5 of cluster demo, which holds the lock';
  const AT_1 = 'queued at position 1: waiting for revision 6 of cluster demo, which holds the lock';

  it('says now when the place changed, nothing while it did not, and still after 30 s', () => {
    const notices = new QueueNotices(AT_2, 0);

    expect([
      notices.next(AT_2, 2_000),
      notices.next(AT_1, 4_000),
      notices.next(AT_1, 6_000),
      notices.next(AT_1, 33_999),
      notices.next(AT_1, 34_000),
      notices.next(AT_1, 36_000),
    ]).toEqual([undefined, `now ${AT_1}`, undefined, undefined, `still ${AT_1}`, undefined]);
  });
});

describe('readRevisions against an answer that is not a kube-aws revision list', () => {
  /** A loopback server that answers every request with `body`, counting the requests. */
  async function serveFixed(body: unknown) {
    let requests = 0;
    const server: Server = createServer((_request, response) => {
      requests += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    const session: BackendSession = {
      apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      description: 'a stranger',
      close: async () => {},
    };

    return { session, requests: () => requests };
  }

  it('stops at the second page when a server answers the same page forever', async () => {
    const revisions = await clusterWith([RAN]);
    const [revision] = (await revisions.listPage('demo', { limit: 1 })).revisions;
    const { session, requests } = await serveFixed({
      revisions: [revision],
      links: { next: '/clusters/demo/revisions?limit=100&before=1' },
    });

    await expect(readRevisions(session, 'demo', {})).rejects.toThrow(
      `the API's revision list must go down, newest first, below 1 (received revision 1); is ${session.apiUrl} a kube-aws backend?`,
    );
    expect(requests()).toBe(2);
  });

  it('names the field of a page of another shape', async () => {
    const { session } = await serveFixed({ revisions: 'x', links: { next: 'y' } });

    await expect(readRevisions(session, 'demo', {})).rejects.toThrow(
      /^the API's revision list must hold revisions \(received revisions: .+\); is http:\/\/127\.0\.0\.1:\d+ a kube-aws backend\?$/,
    );
  });
});

describe('status when the cluster record lags behind its revisions', () => {
  it('shows the newest listed revision and its status, as a killed backend can leave the counter one behind', async () => {
    const revisions = await clusterWith([RAN, RAN]);
    const record = revisions.clusters.get('demo');
    if (record !== undefined) revisions.clusters.set('demo', { ...record, latestRevision: 1 });
    const { session } = await serveRevisions(revisions);
    const io = captureIo();

    expect(await main(['status', 'demo', '--api', session.apiUrl], io)).toBe(0);
    expect(io.stdout().split('\n')[1]).toMatch(/^latest {8}2 PLANNED \(updated .+\)$/);
  });
});
