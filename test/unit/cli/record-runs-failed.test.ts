import { describe, expect, it } from 'vitest';
import { recordRunsFailed } from '../../../embedded/record-interrupted-runs.ts';
import type { Deps } from '../../../pipeline/deps.ts';
import { MemoryRevisionStore } from '../../support/memory-revision-store.ts';

const ABORTED = { Error: 'States.Aborted', Cause: 'interrupted (SIGINT)' };

/** Revision 1 of demo, RUNNING and holding the lock, as a run in progress leaves it. */
async function openRunningRevision(): Promise<{ deps: Deps; store: MemoryRevisionStore }> {
  const store = new MemoryRevisionStore();
  await store.allocate({
    cluster: 'demo',
    source: { kind: 'cli' },
    submitter: 'test',
    correlationId: 'c-1',
    inputKey: 'in',
    inputSha256: 'sha',
  });
  await store.acquireLock('demo', 1, 60_000);
  await store.transition('demo', 1, 'RUNNING');
  // Only the revision store is reached: nothing is queued, so no execution starts.
  const deps = { revisions: store, queueMode: 'queue', now: () => new Date() } as unknown as Deps;

  return { deps, store };
}

const run = { name: 'demo-1', input: { cluster: 'demo', revision: 1, correlationId: 'c-1' } };

describe('recordRunsFailed', () => {
  it('records a running revision FAILED and says it released the lock', async () => {
    const { deps, store } = await openRunningRevision();

    const recorded = await recordRunsFailed([run], ABORTED, deps);

    expect(recorded).toEqual([
      {
        cluster: 'demo',
        revision: 1,
        status: 'FAILED',
        alreadyFinished: false,
        releasedLock: true,
      },
    ]);
    expect((await store.get('demo', 1))?.status).toBe('FAILED');
    expect((await store.getCluster('demo'))?.lock).toBeUndefined();
  });

  it('keeps a status Record Result wrote before the abort and claims no lock release', async () => {
    const { deps, store } = await openRunningRevision();
    await store.transition('demo', 1, 'PLANNED', { state: 'Record Result' });
    await store.releaseLock('demo', 1);

    const recorded = await recordRunsFailed([run], ABORTED, deps);

    expect(recorded).toEqual([
      {
        cluster: 'demo',
        revision: 1,
        status: 'PLANNED',
        alreadyFinished: true,
        releasedLock: false,
      },
    ]);
    expect((await store.get('demo', 1))?.status).toBe('PLANNED');
  });

  it('reports the release of a lock that a finished revision still held', async () => {
    const { deps, store } = await openRunningRevision();
    await store.transition('demo', 1, 'PLANNED', { state: 'Record Result' });

    const recorded = await recordRunsFailed([run], ABORTED, deps);

    expect(recorded).toEqual([
      {
        cluster: 'demo',
        revision: 1,
        status: 'PLANNED',
        alreadyFinished: true,
        releasedLock: true,
      },
    ]);
    expect((await store.getCluster('demo'))?.lock).toBeUndefined();
  });
});
