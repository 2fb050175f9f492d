import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RevisionStore } from '../../../ports/revision-store.ts';
import { startNextQueued } from '../../../revisions/start-next-queued.ts';
import type { Revision } from '../../../schemas/revision.ts';
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
      list: async (): Promise<Revision[]> => stale,
    });

    const started = await startNextQueued('demo', { ...deps, revisions });

    expect(started?.revision).toBe(2);
    expect(workflow.names()).toEqual(['demo-2']);
    expect((await store.getCluster('demo'))?.lock?.revision).toBe(2);
    expect((await store.get('demo', 1))?.status).toBe('FAILED');
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
