import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ValidationError } from '../../../lib/errors.ts';
import { DependencyError } from '../../../lib/errors.ts';
import { sha256Hex } from '../../../lib/hash.ts';
import { submitClusterYaml } from '../../../pipeline/submit.ts';
import { type DynaliteServer, startDynalite } from '../../support/dynalite.ts';
import { EXAMPLE_YAML, openWorld } from './step-harness.ts';

const api = { kind: 'api' as const };

describe('submitClusterYaml', () => {
  let dynalite: DynaliteServer;

  beforeAll(async () => {
    dynalite = await startDynalite();
  });

  afterAll(async () => {
    await dynalite?.stop();
  });

  it('stores the input by content hash, allocates revision 1 and starts execution demo-1', async () => {
    const { deps, store, artifacts, workflow } = await openWorld(dynalite);

    const result = await submitClusterYaml(
      { body: EXAMPLE_YAML, source: api, submitter: 'alice', correlationId: 'corr-1' },
      deps,
    );

    const arn = 'arn:aws:states:us-east-1:123456789012:execution:provision:demo-1';
    expect(result).toEqual({
      outcome: 'started',
      cluster: 'demo',
      revision: 1,
      executionArn: arn,
      warnings: [],
    });
    expect(workflow.starts).toEqual([
      { name: 'demo-1', input: { cluster: 'demo', revision: 1, correlationId: 'corr-1' } },
    ]);
    const revision = await store.get('demo', 1);
    const inputKey = `clusters/demo/inputs/${sha256Hex(EXAMPLE_YAML)}.yaml`;
    expect(revision).toMatchObject({
      status: 'RUNNING',
      executionName: 'demo-1',
      executionArn: arn,
      inputKey,
      inputSha256: sha256Hex(EXAMPLE_YAML),
      submitter: 'alice',
    });
    expect(revision?.transitions.map((entry) => entry.status)).toEqual(['QUEUED', 'RUNNING']);
    expect(artifacts.text(inputKey)).toBe(EXAMPLE_YAML);
    expect((await store.getCluster('demo'))?.lock?.revision).toBe(1);
  });

  it('numbers 20 parallel submissions 1..20 and runs one while the rest queue in order', async () => {
    const { deps, store, workflow } = await openWorld(dynalite);

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        submitClusterYaml(
          { body: `${EXAMPLE_YAML}# change ${index}\n`, source: api, submitter: `user-${index}` },
          deps,
        ),
      ),
    );

    const byRevision = [...results].sort((left, right) => left.revision - right.revision);
    expect(byRevision.map((result) => result.revision)).toEqual(
      Array.from({ length: 20 }, (_, index) => index + 1),
    );
    expect(byRevision[0]?.outcome).toBe('started');
    for (const queued of byRevision.slice(1)) {
      expect(queued.outcome).toBe('queued');
      // The position counts the queued revisions up to this one when it was answered.
      expect(queued.queuePosition).toBeGreaterThanOrEqual(1);
      expect(queued.queuePosition).toBeLessThanOrEqual(queued.revision);
    }
    const statuses = (await store.list('demo')).map((revision) => revision.status);
    expect(statuses.filter((status) => status === 'RUNNING')).toHaveLength(1);
    expect(statuses.filter((status) => status === 'QUEUED')).toHaveLength(19);
    expect(workflow.names()).toEqual(['demo-1']);
  });

  it('turns 50 deliveries of one S3 object version into one revision and one execution', async () => {
    const { deps, store, workflow } = await openWorld(dynalite);
    const source = {
      kind: 's3' as const,
      bucket: 'submissions',
      key: 'clusters/demo/cluster.yaml',
      versionId: 'v1',
    };

    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        submitClusterYaml(
          { body: EXAMPLE_YAML, source, submitter: 's3', expectedCluster: 'demo' },
          deps,
        ),
      ),
    );

    expect(new Set(results.map((result) => result.revision))).toEqual(new Set([1]));
    expect(results.filter((result) => result.outcome === 'started')).toHaveLength(1);
    expect(results.filter((result) => result.outcome === 'duplicate')).toHaveLength(49);
    expect((await store.list('demo')).map((revision) => revision.revision)).toEqual([1]);
    expect(workflow.names()).toEqual(['demo-1']);

    const next = await submitClusterYaml(
      { body: EXAMPLE_YAML, source: { ...source, versionId: 'v2' }, submitter: 's3' },
      deps,
    );
    expect([next.outcome, next.revision, next.queuePosition]).toEqual(['queued', 2, 1]);
  });

  it('answers a retried POST with the first revision and refuses the key for another document', async () => {
    const { deps } = await openWorld(dynalite);
    const request = { body: EXAMPLE_YAML, source: api, submitter: 'alice', idempotencyKey: 'k-1' };

    const first = await submitClusterYaml(request, deps);
    const retried = await submitClusterYaml(request, deps);

    expect(first.outcome).toBe('started');
    expect(retried).toEqual({ ...first, outcome: 'duplicate' });
    await expect(
      submitClusterYaml({ ...request, body: `${EXAMPLE_YAML}# other\n` }, deps),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: `Idempotency-Key was already used for revision 1 with a different document (received sha256 ${sha256Hex(`${EXAMPLE_YAML}# other\n`)}); use a new key`,
    });
  });

  it('refuses a submission with ConflictError while a run holds the lock in reject mode', async () => {
    const { deps, store } = await openWorld(dynalite, { queueMode: 'reject' });
    await submitClusterYaml({ body: EXAMPLE_YAML, source: api, submitter: 'alice' }, deps);

    await expect(
      submitClusterYaml({ body: `${EXAMPLE_YAML}# again\n`, source: api, submitter: 'bob' }, deps),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      status: 409,
      message:
        'cluster demo is busy with revision 1 and queueing is off; submit again when it finishes',
    });
    expect((await store.list('demo')).map((revision) => revision.revision)).toEqual([1]);
  });

  it('starts one of 10 racing submissions in reject mode and records every loser as rejected', async () => {
    const { deps, store, workflow } = await openWorld(dynalite, { queueMode: 'reject' });

    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, index) =>
        submitClusterYaml(
          { body: `${EXAMPLE_YAML}# race ${index}\n`, source: api, submitter: `user-${index}` },
          deps,
        ),
      ),
    );

    const started = results.filter((result) => result.status === 'fulfilled');
    expect(started.map((result) => result.value.outcome)).toEqual(['started']);
    for (const result of results.filter((entry) => entry.status === 'rejected')) {
      expect(result.reason).toMatchObject({ name: 'ConflictError' });
      expect(result.reason.message).toMatch(
        /^cluster demo is busy with revision \d+ and queueing is off; submit again when it finishes$/,
      );
    }
    const revisions = await store.list('demo');
    expect(revisions.filter((revision) => revision.status === 'RUNNING')).toHaveLength(1);
    expect(revisions.filter((revision) => revision.status === 'QUEUED')).toEqual([]);
    for (const loser of revisions.filter((revision) => revision.status === 'FAILED')) {
      expect(loser.transitions.at(-1)?.detail).toBe('rejected: cluster busy');
    }
    expect(workflow.names()).toEqual(['demo-1']);
  });

  it('starts the execution on a retried POST when the first attempt failed to start it', async () => {
    const { deps, store, workflow } = await openWorld(dynalite);
    const flaky = {
      ...deps,
      workflow: {
        start: async () => {
          throw new DependencyError(
            'Step Functions StartExecution failed (received ThrottlingException: Rate exceeded)',
          );
        },
        describe: workflow.describe.bind(workflow),
        history: workflow.history.bind(workflow),
      },
    };
    const request = { body: EXAMPLE_YAML, source: api, submitter: 'alice', idempotencyKey: 'k-9' };

    await expect(submitClusterYaml(request, flaky)).rejects.toThrow(
      'Step Functions StartExecution failed (received ThrottlingException: Rate exceeded)',
    );
    expect((await store.get('demo', 1))?.status).toBe('RUNNING');
    const retried = await submitClusterYaml(request, deps);

    expect(retried).toMatchObject({
      outcome: 'duplicate',
      revision: 1,
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:provision:demo-1',
    });
    expect(workflow.names()).toEqual(['demo-1']);
    expect((await store.get('demo', 1))?.executionArn).toBe(retried.executionArn);
  });

  it('rejects an invalid document with its findings and writes nothing', async () => {
    const { deps, store, artifacts } = await openWorld(dynalite);

    const failure = await submitClusterYaml(
      {
        body: EXAMPLE_YAML.replace('workerCount: 2', 'workerCont: 2'),
        source: api,
        submitter: 'a',
      },
      deps,
    ).catch((error: unknown) => error);

    expect(failure).toMatchObject({ name: 'ValidationError', status: 400 });
    const findings = (failure as { findings: { rule: string; line: number; path: string }[] })
      .findings;
    expect(findings.map((finding) => [finding.rule, finding.path])).toEqual([
      ['unknown-key', 'workerCont'],
    ]);
    expect(await store.getCluster('demo')).toBeUndefined();
    expect(artifacts.objects.size).toBe(0);
  });

  it('rejects a document over 256 KiB with the file-too-large rule', async () => {
    const { deps } = await openWorld(dynalite);

    const failure = await submitClusterYaml(
      { body: `${EXAMPLE_YAML}#${'x'.repeat(262_144)}\n`, source: api, submitter: 'a' },
      deps,
    ).catch((error: unknown) => error);

    expect((failure as { findings: { rule: string }[] }).findings.map((f) => f.rule)).toEqual([
      'file-too-large',
    ]);
  });

  it('rejects an upload whose clusterName differs from its folder', async () => {
    const { deps } = await openWorld(dynalite);

    const refused = submitClusterYaml(
      { body: EXAMPLE_YAML, source: api, submitter: 'a', expectedCluster: 'other' },
      deps,
    );

    await expect(refused).rejects.toThrow(
      'clusterName must equal the upload folder clusters/other/ (received demo); move the file or change clusterName',
    );
    const findings = await refused.catch((error: ValidationError) => error.findings);
    // examples/cluster.yaml writes `clusterName: demo` on its third line.
    expect(findings).toMatchObject([
      { rule: 'cluster-name-mismatch', path: 'clusterName', line: 3, column: 1 },
    ]);
  });
});
