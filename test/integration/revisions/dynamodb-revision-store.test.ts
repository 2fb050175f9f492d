import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbRevisionStore } from '../../../adapters/aws/dynamodb-revision-store.ts';
import type { NewRevision } from '../../../ports/revision-store.ts';
import { createRevisionTable, type DynaliteServer, startDynalite } from '../../support/dynalite.ts';
import { requireTool } from '../../support/external-tools.ts';
import { type MotoServer, motoClientConfig, startMoto } from '../../support/moto.ts';

const hasMoto = requireTool('moto_server', ['--help']);

interface Backend {
  name: string;
  /**
   * Whether concurrent conditional writes are atomic, as in DynamoDB. moto_server answers on
   * several threads and checks a condition and writes the item without a lock (moto 5.2,
   * `dynamodb/models`), so two racing writers can both pass; races are asserted where the
   * emulator serialises writes like the real service does.
   */
  atomicConditions: boolean;
  start(): Promise<{ clientConfig: DynaliteServer['clientConfig']; stop(): Promise<void> }>;
}

const backends: Backend[] = [
  { name: 'dynalite', atomicConditions: true, start: () => startDynalite() },
  ...(hasMoto
    ? [
        {
          name: 'moto',
          atomicConditions: false,
          start: async () => {
            const moto: MotoServer = await startMoto();
            return { clientConfig: motoClientConfig(moto.endpoint), stop: () => moto.stop() };
          },
        },
      ]
    : []),
];

function newRevision(cluster: string, n = 0): NewRevision {
  return {
    cluster,
    source: { kind: 'api', idempotencyKey: `key-${n}` },
    submitter: 'alice',
    correlationId: `corr-${n}`,
    inputKey: `clusters/${cluster}/inputs/abc.yaml`,
    inputSha256: 'abc',
  };
}

describe.each(backends)('DynamoDbRevisionStore on $name', (backend) => {
  let server: Awaited<ReturnType<Backend['start']>>;
  let clock = new Date('2026-12-04T12:00:00.000Z');
  const stores: DynamoDbRevisionStore[] = [];
  let lastTableName = '';

  async function openStore(): Promise<DynamoDbRevisionStore> {
    const tableName = await createRevisionTable(server.clientConfig);
    lastTableName = tableName;
    const store = new DynamoDbRevisionStore({
      tableName,
      client: server.clientConfig,
      now: () => clock,
    });
    stores.push(store);
    return store;
  }

  beforeAll(async () => {
    server = await backend.start();
  });

  afterAll(async () => {
    for (const store of stores) store.destroy();
    await server?.stop();
  });

  it.runIf(backend.atomicConditions)(
    'allocates 1..20 without gap or duplicate under 20 parallel allocations',
    async () => {
      const store = await openStore();

      const allocated = await Promise.all(
        Array.from({ length: 20 }, (_, index) => store.allocate(newRevision('alpha', index))),
      );

      const numbers = allocated.map((revision) => revision.revision).sort((a, b) => a - b);
      expect(numbers).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
      expect((await store.getCluster('alpha'))?.latestRevision).toBe(20);
      const listed = await store.list('alpha');
      expect(listed.map((revision) => revision.revision)).toEqual(
        Array.from({ length: 20 }, (_, index) => 20 - index),
      );
    },
  );

  it('repairs the counter after a writer crashed between its item write and the counter update', async () => {
    const store = await openStore();
    await store.allocate(newRevision('beta'));
    // A crashed allocator left item 2 behind without raising latestRevision past 1.
    const raw = new DynamoDBClient(server.clientConfig);
    await raw.send(
      new PutItemCommand({
        TableName: lastTableName,
        Item: {
          pk: { S: 'cluster#beta' },
          sk: { S: 'rev#0000000002' },
          cluster: { S: 'beta' },
          revision: { N: '2' },
          status: { S: 'QUEUED' },
          transitions: { L: [] },
          source: { M: { kind: { S: 'api' } } },
          submitter: { S: 'bob' },
          correlationId: { S: 'c' },
          inputKey: { S: 'k' },
          inputSha256: { S: 'h' },
          executionName: { S: 'beta-2' },
          createdAt: { S: clock.toISOString() },
          updatedAt: { S: clock.toISOString() },
        },
      }),
    );
    raw.destroy();
    expect((await store.getCluster('beta'))?.latestRevision).toBe(1);

    const next = await store.allocate(newRevision('beta'));

    expect(next.revision).toBe(3);
    expect(next.executionName).toBe('beta-3');
    expect((await store.getCluster('beta'))?.latestRevision).toBe(3);
    expect((await store.get('beta', 2))?.submitter).toBe('bob');
  });

  it('grants the lock to one revision and refuses others until the holder releases it', async () => {
    const store = await openStore();

    expect(await store.acquireLock('gamma', 1, 60_000)).toBe(true);
    expect(await store.acquireLock('gamma', 2, 60_000)).toBe(false);
    expect(await store.acquireLock('gamma', 1, 60_000)).toBe(true);
    await store.releaseLock('gamma', 2);
    expect((await store.getCluster('gamma'))?.lock?.revision).toBe(1);
    await store.releaseLock('gamma', 1);
    expect((await store.getCluster('gamma'))?.lock).toBeUndefined();
    expect(await store.acquireLock('gamma', 2, 60_000)).toBe(true);
    expect((await store.getCluster('gamma'))?.lock).toEqual({
      revision: 2,
      expiresAt: '2026-12-04T12:01:00.000Z',
    });
  });

  it.runIf(backend.atomicConditions)(
    'lets exactly one of ten parallel revisions take a free lock',
    async () => {
      const store = await openStore();

      const results = await Promise.all(
        Array.from({ length: 10 }, (_, index) => store.acquireLock('delta', index + 1, 60_000)),
      );

      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true) + 1;
      expect((await store.getCluster('delta'))?.lock?.revision).toBe(winner);
    },
  );

  it('hands an expired lease to another revision', async () => {
    const store = await openStore();
    await store.acquireLock('epsilon', 1, 1_000);

    clock = new Date(clock.getTime() + 1_001);
    const taken = await store.acquireLock('epsilon', 2, 1_000);

    expect(taken).toBe(true);
    expect((await store.getCluster('epsilon'))?.lock?.revision).toBe(2);
  });

  it.runIf(backend.atomicConditions)(
    'gives an idempotency key to exactly one of 20 racing claims and the winner to the rest',
    async () => {
      const store = await openStore();

      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          store.claimIdempotencyKey('s3', 'bucket/clusters/a/cluster.yaml/v1', index + 1),
        ),
      );

      const winners = results.filter((result) => result === undefined);
      expect(winners).toHaveLength(1);
      const winner = results.indexOf(undefined) + 1;
      expect(results.filter((result) => result === winner)).toHaveLength(19);
      expect(await store.lookupIdempotencyKey('s3', 'bucket/clusters/a/cluster.yaml/v1')).toBe(
        winner,
      );
      expect(await store.lookupIdempotencyKey('api', 'bucket/clusters/a/cluster.yaml/v1')).toBe(
        undefined,
      );
    },
  );

  it('refuses to make a revision lastApplied unless it is APPLIED', async () => {
    const store = await openStore();
    const first = await store.allocate(newRevision('zeta'));
    await store.transition('zeta', first.revision, 'RUNNING');

    await expect(store.setLastApplied('zeta', first.revision)).rejects.toThrow(
      'revision 1 of zeta is not APPLIED; only an applied revision becomes lastApplied',
    );
    expect((await store.getCluster('zeta'))?.lastApplied).toBeUndefined();

    await store.transition('zeta', first.revision, 'APPLIED', { state: 'Record Result' });
    await store.setLastApplied('zeta', first.revision);
    await store.setLastApplied('zeta', first.revision);
    expect((await store.getCluster('zeta'))?.lastApplied).toBe(1);
    await expect(store.setLastApplied('zeta', 9)).rejects.toThrow(
      'revision 9 of cluster zeta does not exist',
    );
  });

  it('appends transitions in order and refuses to leave a final status', async () => {
    const store = await openStore();
    const revision = await store.allocate(newRevision('eta'));

    clock = new Date('2026-12-04T13:00:00.000Z');
    await store.transition('eta', 1, 'RUNNING', { detail: 'lock acquired' });
    clock = new Date('2026-12-04T13:05:00.000Z');
    const failed = await store.transition(
      'eta',
      1,
      'FAILED',
      { state: 'Check Apply', detail: 'boom' },
      { error: { name: 'Error', message: 'boom' } },
    );

    expect(failed.transitions).toEqual([
      { status: 'QUEUED', at: revision.createdAt },
      { status: 'RUNNING', at: '2026-12-04T13:00:00.000Z', detail: 'lock acquired' },
      { status: 'FAILED', at: '2026-12-04T13:05:00.000Z', state: 'Check Apply', detail: 'boom' },
    ]);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toEqual({ name: 'Error', message: 'boom' });
    await expect(store.transition('eta', 1, 'APPLIED')).rejects.toThrow(
      'revision 1 of eta is already final; it cannot become APPLIED',
    );
    expect((await store.get('eta', 1))?.transitions).toHaveLength(3);
  });

  it.runIf(backend.atomicConditions)(
    'records a guarded transition once when two callers race to start the same revision',
    async () => {
      const store = await openStore();
      await store.allocate(newRevision('kappa'));

      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () =>
          store.transition('kappa', 1, 'RUNNING', { detail: 'started' }, {}, { from: ['QUEUED'] }),
        ),
      );

      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const refused = results.find((result) => result.status === 'rejected');
      expect((refused as PromiseRejectedResult).reason).toMatchObject({
        name: 'ConflictError',
        message: 'revision 1 of kappa is not QUEUED; it cannot become RUNNING',
      });
      expect((await store.get('kappa', 1))?.transitions.map((entry) => entry.status)).toEqual([
        'QUEUED',
        'RUNNING',
      ]);
    },
  );

  it('settles a pending idempotency claim once and refuses to move a settled one', async () => {
    const store = await openStore();
    expect(await store.claimIdempotencyKey('api', 'k1', 0)).toBeUndefined();
    expect(await store.claimIdempotencyKey('api', 'k1', 0)).toBe(0);

    await store.settleIdempotencyKey('api', 'k1', 4);
    await store.settleIdempotencyKey('api', 'k1', 4);

    expect(await store.lookupIdempotencyKey('api', 'k1')).toBe(4);
    await expect(store.settleIdempotencyKey('api', 'k1', 5)).rejects.toThrow(
      'idempotency key k1 in api is not pending; it cannot be settled to revision 5',
    );
  });

  it('lets a pending claim be taken over only after its lease', async () => {
    const store = await openStore();
    const start = clock;
    expect(await store.claimIdempotencyKey('s3', 'b/k?versionId=1', 0)).toBeUndefined();

    clock = new Date(start.getTime() + 4 * 60_000);
    expect(await store.claimIdempotencyKey('s3', 'b/k?versionId=1', 0)).toBe(0);
    clock = new Date(start.getTime() + 5 * 60_000 + 1);
    expect(await store.claimIdempotencyKey('s3', 'b/k?versionId=1', 0)).toBeUndefined();
    expect(await store.claimIdempotencyKey('s3', 'b/k?versionId=1', 0)).toBe(0);
    await store.settleIdempotencyKey('s3', 'b/k?versionId=1', 3);
    clock = new Date(start.getTime() + 60 * 60_000);
    expect(await store.claimIdempotencyKey('s3', 'b/k?versionId=1', 0)).toBe(3);
  });

  it('updates fields without touching identity, status or history', async () => {
    const store = await openStore();
    await store.allocate(newRevision('theta'));

    const updated = await store.update('theta', 1, {
      templateKey: 'clusters/theta/templates/x.json',
      revision: 99,
      transitions: [],
      status: 'APPLIED',
    });

    expect(updated.revision).toBe(1);
    expect(updated.status).toBe('QUEUED');
    expect(updated.transitions).toHaveLength(1);
    expect(updated.templateKey).toBe('clusters/theta/templates/x.json');
    await expect(store.update('theta', 2, { templateKey: 'x' })).rejects.toThrow(
      'revision 2 of cluster theta does not exist',
    );
  });

  it('lists revisions newest first a page at a time, below a given number', async () => {
    const store = await openStore();
    for (let n = 1; n <= 7; n += 1) await store.allocate(newRevision('kappa', n));
    const numbers = (page: { revisions: Array<{ revision: number }>; more: boolean }) => ({
      revisions: page.revisions.map((revision) => revision.revision),
      more: page.more,
    });

    expect(numbers(await store.listPage('kappa', { limit: 3 }))).toEqual({
      revisions: [7, 6, 5],
      more: true,
    });
    expect(numbers(await store.listPage('kappa', { limit: 3, before: 5 }))).toEqual({
      revisions: [4, 3, 2],
      more: true,
    });
    expect(numbers(await store.listPage('kappa', { limit: 3, before: 2 }))).toEqual({
      revisions: [1],
      more: false,
    });
    expect(numbers(await store.listPage('kappa', { limit: 4, before: 5 }))).toEqual({
      revisions: [4, 3, 2, 1],
      more: false,
    });
    expect(numbers(await store.listPage('kappa', { limit: 3, before: 1 }))).toEqual({
      revisions: [],
      more: false,
    });
    // The cluster record sorts after every revision: it is never listed as one.
    expect(numbers(await store.listPage('kappa', { limit: 100 })).revisions).toHaveLength(7);
  });

  it('fills a page that DynamoDB cut at 1 MB by reading on', async () => {
    const store = await openStore();
    for (let n = 1; n <= 6; n += 1) await store.allocate(newRevision('lambda', n));
    // 300 KB on each revision: a query returns at most 1 MB, so three or four items a call.
    const raw = new DynamoDBClient(server.clientConfig);
    for (let n = 1; n <= 6; n += 1) {
      await raw.send(
        new UpdateItemCommand({
          TableName: lastTableName,
          Key: { pk: { S: 'cluster#lambda' }, sk: { S: `rev#${String(n).padStart(10, '0')}` } },
          UpdateExpression: 'SET padding = :padding',
          ExpressionAttributeValues: { ':padding': { S: 'x'.repeat(300_000) } },
        }),
      );
    }
    raw.destroy();

    const page = await store.listPage('lambda', { limit: 5 });

    expect(page.revisions.map((revision) => revision.revision)).toEqual([6, 5, 4, 3, 2]);
    expect(page.more).toBe(true);
  });

  it('answers undefined for a revision or cluster that does not exist', async () => {
    const store = await openStore();

    expect(await store.get('iota', 1)).toBeUndefined();
    expect(await store.getCluster('iota')).toBeUndefined();
    expect(await store.list('iota')).toEqual([]);
    expect(await store.listPage('iota', { limit: 10 })).toEqual({ revisions: [], more: false });
  });
});
