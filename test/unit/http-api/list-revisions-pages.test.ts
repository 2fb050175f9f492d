import { describe, expect, it } from 'vitest';
import type { ApiRequest } from '../../../http-api/api-types.ts';
import { handleApiRequest } from '../../../http-api/handle-api-request.ts';
import type { Deps } from '../../../pipeline/deps.ts';
import { MemoryRevisionStore } from '../../support/memory-revision-store.ts';

function get(route: string, query: Record<string, string> = {}): ApiRequest {
  return { method: 'GET', path: route, query, headers: {}, body: undefined, identity: 'tester' };
}

/** A cluster with `count` revisions; every port but the revision store throws if touched. */
async function clusterWith(count: number): Promise<Deps> {
  const revisions = new MemoryRevisionStore();
  for (let n = 1; n <= count; n += 1) {
    await revisions.allocate({
      cluster: 'demo',
      source: { kind: 'api' },
      submitter: 'tester',
      correlationId: `c-${n}`,
      inputKey: `clusters/demo/inputs/${n}.yaml`,
      inputSha256: String(n),
    });
  }

  return new Proxy({ revisions } as unknown as Deps, {
    get: (target, property) => {
      if (property === 'revisions') return target.revisions;
      // An async function returns the bag, so `await` asks whether it is a promise.
      if (property === 'then') return undefined;
      throw new Error(`test used deps.${String(property)}`);
    },
  });
}

/** Follows `links.next` from the first page and returns the revision numbers of each page. */
async function readAllPages(deps: Deps, query: Record<string, string>): Promise<number[][]> {
  const pages: number[][] = [];
  let answer = await handleApiRequest(get('/clusters/demo/revisions', query), deps);
  for (;;) {
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.body) as {
      revisions: Array<{ revision: number }>;
      links: { next?: string };
    };
    pages.push(body.revisions.map((revision) => revision.revision));
    if (body.links.next === undefined) return pages;
    const next = new URL(body.links.next, 'http://api.invalid');
    answer = await handleApiRequest(
      get(next.pathname, Object.fromEntries(next.searchParams)),
      deps,
    );
  }
}

describe('GET /clusters/{name}/revisions in pages', () => {
  it('answers the newest 50 by default and links to the next page until none are left', async () => {
    const deps = await clusterWith(120);

    const pages = await readAllPages(deps, {});

    expect(pages.map((page) => page.length)).toEqual([50, 50, 20]);
    expect(pages.flat()).toEqual(Array.from({ length: 120 }, (_, index) => 120 - index));
  });

  it('keeps the limit the caller chose in the next link', async () => {
    const deps = await clusterWith(5);

    const first = JSON.parse(
      (await handleApiRequest(get('/clusters/demo/revisions', { limit: '2' }), deps)).body,
    );

    expect(first.links).toEqual({ next: '/clusters/demo/revisions?limit=2&before=4' });
    expect(await readAllPages(deps, { limit: '2' })).toEqual([[5, 4], [3, 2], [1]]);
  });

  it('reads a limit with leading zeros as the number it pads', async () => {
    const deps = await clusterWith(3);

    const body = JSON.parse(
      (await handleApiRequest(get('/clusters/demo/revisions', { limit: '02' }), deps)).body,
    );

    expect(body.links).toEqual({ next: '/clusters/demo/revisions?limit=2&before=2' });
  });

  it('answers an empty page with no next link below revision 1', async () => {
    const deps = await clusterWith(3);

    const body = JSON.parse(
      (await handleApiRequest(get('/clusters/demo/revisions', { before: '1' }), deps)).body,
    );

    expect(body).toEqual({ cluster: 'demo', revisions: [], links: {} });
  });

  it.each([
    [{ limit: '0' }, 'limit must be an integer from 1 to 100 (received "0")'],
    [{ limit: '101' }, 'limit must be an integer from 1 to 100 (received "101")'],
    [{ limit: 'ten' }, 'limit must be an integer from 1 to 100 (received "ten")'],
    [{ before: '-1' }, 'before must be an integer from 1 to 999999999 (received "-1")'],
    [
      { limt: '5' },
      'query parameter "limt" is not known; the revisions list takes limit and before',
    ],
  ])('refuses %o with 400 and says why', async (query, message) => {
    const deps = await clusterWith(1);

    const answer = await handleApiRequest(get('/clusters/demo/revisions', query), deps);

    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error.message).toBe(message);
  });
});
