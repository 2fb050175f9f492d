import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RevisionPage, RevisionStore } from '../../../ports/revision-store.ts';
import { listQueued, startNextQueued } from '../../../revisions/start-next-queued.ts';
import { type DynaliteServer, startDynalite } from '../../support/dynalite.ts';
import { openWorld } from './step-harness.ts';

function newRevision(note: string) {
  return {
    cluster: 'demo',
    source: { kind: 'api' as const },
    submitter: note,
    correlationId: `corr-${note}`,
    inputKey: 'clusters/demo/inputs/x.yaml',
    inputSha256: 'x',
  };
}

describe('startNextQueued', () => {
  let dynalite: DynaliteServer;

  beforeAll(async () => {
    dynalite = await startDynalite();
  });

  afterAll(async () => {
    await dynalite?.stop();
  });

  it('starts the oldest queued revision with its own execution name and correlation id', async () => {
    const { deps, store, workflow } = await openWorld(dynalite);
    await store.allocate(newRevision('a'));
    await store.allocate(newRevision('b'));

    const started = await startNextQueued('demo', deps);

    expect(started?.revision).toBe(1);
    expect(workflow.starts).toEqual([
      { name: 'demo-1', input: { cluster: 'demo', revision: 1, correlationId: 'corr-a' } },
    ]);
    expect(await startNextQueued('demo', deps)).toBeUndefined();
    expect((await store.get('demo', 2))?.status).toBe('QUEUED');
  });

  it('frees the lock and moves on when the oldest queued revision became final meanwhile', async () => {
    const { deps, store, workflow } = await openWorld(dynalite);
    await store.allocate(newRevision('a'));
    await store.allocate(newRevision('b'));
    const stale = await store.list('demo');
    await store.transition('demo', 1, 'FAILED', { detail: 'rejected: cluster busy' });
    // The listing was read before revision 1 was refused, as a racing caller would see it.
    const revisions: RevisionStore = Object.assign(Object.create(store) as RevisionStore, {
      listPage: async (): Promise<RevisionPage> => ({ revisions: stale, more: false }),
    });

    const started = await startNextQueued('demo', { ...deps, revisions });

    expect(started?.revision).toBe(2);
    expect(workflow.names()).toEqual(['demo-2']);
    expect((await store.getCluster('demo'))?.lock?.revision).toBe(2);
    expect((await store.get('demo', 1))?.status).toBe('FAILED');
  });

  it('finds the queue by reading down to the newest revision that started, a page at a time', async () => {
    const { store } = await openWorld(dynalite);
    // 1-5 ran; 6 was refused without running; 7-36 wait (30, more than one page of 25).
    for (let n = 1; n <= 36; n += 1) await store.allocate(newRevision(String(n)));
    for (let n = 1; n <= 5; n += 1) {
      await store.transition('demo', n, 'RUNNING');
      await store.transition('demo', n, 'PLANNED');
    }
    await store.transition('demo', 6, 'FAILED', { detail: 'rejected' });
    const pages: Array<number | undefined> = [];
    const revisions: RevisionStore = Object.assign(Object.create(store) as RevisionStore, {
      listPage: (cluster: string, page: { limit: number; before?: number }) => {
        pages.push(page.before);
        return store.listPage(cluster, page);
      },
    });

    const queued = await listQueued('demo', { revisions });

    expect(queued.map((revision) => revision.revision)).toEqual(
      Array.from({ length: 30 }, (_, index) => index + 7),
    );
    // Revisions 36-12, then 11 down to 5, which started: 4 to 1 are never read.
    expect(pages).toEqual([undefined, 12]);
  });

  it('starts nothing while another revision holds the lock', async () => {
    const { deps, store, workflow } = await openWorld(dynalite);
    await store.allocate(newRevision('a'));
    await store.acquireLock('demo', 99, 60_000);

    expect(await startNextQueued('demo', deps)).toBeUndefined();
    expect(workflow.starts).toEqual([]);
    expect((await store.get('demo', 1))?.status).toBe('QUEUED');
  });
});
