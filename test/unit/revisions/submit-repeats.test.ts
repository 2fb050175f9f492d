import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptCorrelationId } from '../../../lib/correlation-id.ts';
import { sha256Hex } from '../../../lib/hash.ts';
import { submitClusterYaml } from '../../../pipeline/submit.ts';
import { type DynaliteServer, startDynalite } from '../../support/dynalite.ts';
import { EXAMPLE_YAML, openWorld } from './step-harness.ts';

const api = { kind: 'api' as const };
/** An upload to a bucket without versioning: no versionId reaches submit. */
const unversioned = {
  kind: 's3' as const,
  bucket: 'submissions',
  key: 'clusters/demo/cluster.yaml',
};
const DOCUMENT_A = EXAMPLE_YAML;
const DOCUMENT_B = `${EXAMPLE_YAML}# b\n`;

describe('submitClusterYaml repeats', () => {
  let dynalite: DynaliteServer;

  beforeAll(async () => {
    dynalite = await startDynalite();
  });

  afterAll(async () => {
    await dynalite?.stop();
  });

  it('makes revisions 1, 2 and 3 from unversioned uploads of A, then B, then A again', async () => {
    const { deps, store } = await openWorld(dynalite);
    const upload = (body: string) =>
      submitClusterYaml({ body, source: unversioned, submitter: 's3' }, deps);

    const answers = [await upload(DOCUMENT_A), await upload(DOCUMENT_B), await upload(DOCUMENT_A)];

    expect(answers.map((answer) => [answer.revision, answer.outcome])).toEqual([
      [1, 'started'],
      [2, 'queued'],
      [3, 'queued'],
    ]);
    const revisions = await store.list('demo');
    expect(revisions.map((revision) => [revision.revision, revision.inputSha256])).toEqual([
      [3, sha256Hex(DOCUMENT_A)],
      [2, sha256Hex(DOCUMENT_B)],
      [1, sha256Hex(DOCUMENT_A)],
    ]);
  });

  it('answers 30 deliveries of one unversioned upload, 10 at once, with its one revision', async () => {
    const { deps, store } = await openWorld(dynalite);
    await submitClusterYaml({ body: DOCUMENT_B, source: unversioned, submitter: 's3' }, deps);
    const deliver = () =>
      submitClusterYaml({ body: DOCUMENT_A, source: unversioned, submitter: 's3' }, deps);

    const answers = [];
    for (let burst = 0; burst < 3; burst++) {
      answers.push(...(await Promise.all(Array.from({ length: 10 }, deliver))));
    }

    expect(new Set(answers.map((answer) => answer.revision))).toEqual(new Set([2]));
    expect(answers.filter((answer) => answer.outcome === 'duplicate')).toHaveLength(29);
    expect((await store.list('demo')).map((revision) => revision.revision)).toEqual([2, 1]);
  });

  it('refuses a reused Idempotency-Key that adds a rotation and replacement, and rotates nothing', async () => {
    const { deps, store, workflow } = await openWorld(dynalite);
    const request = { body: EXAMPLE_YAML, source: api, submitter: 'alice', idempotencyKey: 'k-1' };
    await submitClusterYaml(request, deps);

    const retried = submitClusterYaml({ ...request, rotate: ['all'], allowReplace: true }, deps);

    await expect(retried).rejects.toMatchObject({
      name: 'ConflictError',
      message:
        'Idempotency-Key was already used for revision 1 with other options (received rotate ' +
        'all, allowReplace true; revision 1 has rotate none, allowReplace false); use a new key',
    });
    expect((await store.list('demo')).map((revision) => revision.rotate)).toEqual([undefined]);
    expect(workflow.names()).toEqual(['demo-1']);
  });

  it('answers a reused Idempotency-Key with the same rotations in another order as a duplicate', async () => {
    const { deps } = await openWorld(dynalite);
    const request = { body: EXAMPLE_YAML, source: api, submitter: 'alice', idempotencyKey: 'k-2' };
    const first = await submitClusterYaml({ ...request, rotate: ['kubelet', 'apiserver'] }, deps);

    const retried = await submitClusterYaml({ ...request, rotate: ['apiserver', 'kubelet'] }, deps);

    expect(retried).toEqual({ ...first, outcome: 'duplicate' });
  });

  it('replaces a 15 000-character correlation id with a generated one in the revision and execution', async () => {
    const { deps, store, workflow } = await openWorld(dynalite);

    await submitClusterYaml(
      { body: EXAMPLE_YAML, source: api, submitter: 'a', correlationId: 'x'.repeat(15_000) },
      deps,
    );

    const correlationId = (await store.get('demo', 1))?.correlationId;
    expect(correlationId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(workflow.starts).toEqual([
      { name: 'demo-1', input: { cluster: 'demo', revision: 1, correlationId } },
    ]);
  });

  it.each([
    ['ci-job:4711.2', 'ci-job:4711.2'],
    ['a'.repeat(64), 'a'.repeat(64)],
    ['a'.repeat(65), undefined],
    ['', undefined],
    ['two words', undefined],
    ['line\nbreak', undefined],
    ['ünïcode', undefined],
  ])('accepts the correlation id %j as %j', (received, accepted) => {
    expect(acceptCorrelationId(received)).toBe(accepted);
  });
});
