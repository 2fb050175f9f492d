import { describe, expect, it } from 'vitest';
import { LocalCloudInventory } from '../../../adapters/embedded/local-cloud-inventory.ts';
import { LocalDnsZones } from '../../../adapters/embedded/local-dns-zones.ts';
import type { ApiRequest } from '../../../http-api/api-types.ts';
import { handleApiRequest } from '../../../http-api/handle-api-request.ts';
import { artifactKeys } from '../../../lib/artifact-keys.ts';
import { ValidationError } from '../../../lib/errors.ts';
import { sha256Hex } from '../../../lib/hash.ts';
import type { Deps } from '../../../pipeline/deps.ts';
import { validateStep } from '../../../pipeline/validate-step.ts';
import { MemoryObjectStore } from '../../support/memory-object-store.ts';
import { MemoryRevisionStore } from '../../support/memory-revision-store.ts';

/** Three errors on lines 6 to 8, stored as a revision's input as if it arrived unchecked. */
const THREE_ERRORS = [
  'clusterName: demo',
  'externalDNSName: api.demo.example.com',
  'keyName: demo-admin',
  'region: us-east-1',
  'availabilityZone: us-east-1a',
  'workerCount: two',
  'vpcCIDR: 10.0.0.0/33',
  'workerCont: 3',
  '',
].join('\n');
const LOCATION = 's3://memory/clusters/demo/revisions/000001/validation.json';
const REPORT_KEY = artifactKeys.validation('demo', 1);

function get(route: string): ApiRequest {
  return { method: 'GET', path: route, headers: {}, body: undefined, identity: 'local:tester' };
}

/** A port these tests must never reach. */
function unused<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get: (_target, property) => {
      throw new Error(`test used ${name}.${String(property)}`);
    },
  });
}

/** Validate fails the revision's input, then Record Failure marks the revision FAILED. */
async function failValidation(yaml: string): Promise<{ deps: Deps; error: unknown }> {
  const artifacts = new MemoryObjectStore();
  const revisions = new MemoryRevisionStore();
  const inputKey = artifactKeys.input('demo', 1);
  await artifacts.put(inputKey, yaml, 'application/yaml');
  await revisions.allocate({
    cluster: 'demo',
    source: { kind: 's3', bucket: 'submissions', key: 'clusters/demo/cluster.yaml' },
    submitter: 'tester',
    correlationId: 'correlation-1',
    inputKey,
    inputSha256: sha256Hex(yaml),
  });
  const deps: Deps = {
    artifacts,
    revisions,
    inventory: new LocalCloudInventory(),
    dns: LocalDnsZones.fromZones([]),
    keys: unused('keys'),
    deployer: unused('deployer'),
    workflow: unused('workflow'),
    queueMode: 'queue',
    now: () => new Date('2026-12-04T12:00:00Z'),
  };
  const input = {
    cluster: 'demo',
    revision: 1,
    correlationId: 'correlation-1',
    step: 'validate' as const,
    state: { cluster: 'demo', revision: 1, correlationId: 'correlation-1' },
  };
  const error = await validateStep(input, deps).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (error instanceof ValidationError) {
    const failure = { name: error.name, message: error.message };
    await deps.revisions.transition('demo', 1, 'FAILED', {}, { error: failure });
  }

  return { deps, error };
}

describe('a revision that fails the Validate state', () => {
  it('throws an error naming the first finding, the count and where every finding is', async () => {
    const { error } = await failValidation(THREE_ERRORS);

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toBe(
      'cluster.yaml is invalid: workerCount must be an integer (received "two") (and 2 more); ' +
        `every finding is in ${LOCATION}`,
    );
  });

  it('is answered by GET .../validation with every finding, its line and column', async () => {
    const { deps } = await failValidation(THREE_ERRORS);

    const response = await handleApiRequest(get('/clusters/demo/revisions/1/validation'), deps);

    expect(response.status).toBe(200);
    const finding = (
      line: number,
      column: number,
      path: string,
      rule: string,
      message: string,
    ) => ({
      file: 'cluster.yaml',
      line,
      column,
      path,
      rule,
      message,
    });
    expect(JSON.parse(response.body)).toEqual({
      cluster: 'demo',
      revision: 1,
      location: LOCATION,
      valid: false,
      errors: [
        finding(
          6,
          14,
          'workerCount',
          'invalid-type',
          'workerCount must be an integer (received "two")',
        ),
        finding(
          7,
          1,
          'vpcCIDR',
          'cidr-format',
          'vpcCIDR must be an IPv4 CIDR such as 10.0.0.0/16 (received "10.0.0.0/33")',
        ),
        finding(
          8,
          1,
          'workerCont',
          'unknown-key',
          'workerCont is not a known key; did you mean workerCount?',
        ),
      ],
      warnings: [],
    });
  });

  it('keeps the warnings beside the errors, the missing clusterName at the document start', async () => {
    const { deps } = await failValidation(THREE_ERRORS.replace('clusterName: demo\n', '---\n'));
    const body = JSON.parse(
      (await handleApiRequest(get('/clusters/demo/revisions/1/validation'), deps)).body,
    );

    expect(
      body.warnings.map(
        (f: { line: number; column: number; rule: string }) => `${f.line}:${f.column} ${f.rule}`,
      ),
    ).toEqual(['1:1 cluster-name-default']);
    expect(body.errors).toHaveLength(3);
  });

  it('answers 404 naming the status for a revision that stored no findings', async () => {
    const { deps } = await failValidation(THREE_ERRORS);
    await deps.revisions.allocate({
      cluster: 'demo',
      source: { kind: 'api' },
      submitter: 'tester',
      correlationId: 'correlation-2',
      inputKey: artifactKeys.input('demo', 2),
      inputSha256: sha256Hex(''),
    });

    const response = await handleApiRequest(get('/clusters/demo/revisions/2/validation'), deps);

    expect(response.status).toBe(404);
    expect(JSON.parse(response.body)).toEqual({
      error: {
        code: 'NOT_FOUND',
        message: 'revision 2 of cluster demo has no stored validation findings (status QUEUED)',
      },
    });
  });

  it('records the sha256 of the stored report on the revision', async () => {
    const { deps } = await failValidation(THREE_ERRORS);
    const stored = await deps.artifacts.get(REPORT_KEY);

    expect((await deps.revisions.get('demo', 1))?.validationReportSha256).toBe(
      sha256Hex(stored as Uint8Array),
    );
  });

  it('answers 500 INTEGRITY naming the key and the remedy when the report was changed', async () => {
    const { deps } = await failValidation(THREE_ERRORS);
    const recorded = (await deps.revisions.get('demo', 1))?.validationReportSha256;
    const planted = JSON.stringify({ valid: false, errors: [], warnings: [] });
    await deps.artifacts.put(REPORT_KEY, planted, 'application/json');

    const response = await handleApiRequest(get('/clusters/demo/revisions/1/validation'), deps);

    expect(response.status).toBe(500);
    expect(JSON.parse(response.body)).toEqual({
      error: {
        code: 'INTEGRITY',
        message:
          `${REPORT_KEY} must have the recorded sha256 ${recorded} (received ${sha256Hex(planted)}); ` +
          'the report was changed outside the product: run kube-aws validate on the file, or ' +
          'submit it again',
      },
    });
  });

  it('answers 500 INTEGRITY when the recorded report was removed from the bucket', async () => {
    const { deps } = await failValidation(THREE_ERRORS);
    const recorded = (await deps.revisions.get('demo', 1))?.validationReportSha256;
    (deps.artifacts as MemoryObjectStore).objects.delete(REPORT_KEY);

    const response = await handleApiRequest(get('/clusters/demo/revisions/1/validation'), deps);

    expect(response.status).toBe(500);
    expect(JSON.parse(response.body).error.message).toBe(
      `${REPORT_KEY} must have the recorded sha256 ${recorded} (received no object); the report ` +
        'was changed outside the product: run kube-aws validate on the file, or submit it again',
    );
  });

  it('answers 404 naming the status for a PLANNED revision whatever the bucket holds', async () => {
    const { deps } = await failValidation(THREE_ERRORS);
    await deps.revisions.update('demo', 1, { status: 'PLANNED' });

    const response = await handleApiRequest(get('/clusters/demo/revisions/1/validation'), deps);

    expect(response.status).toBe(404);
    expect(JSON.parse(response.body)).toEqual({
      error: {
        code: 'NOT_FOUND',
        message: 'revision 1 of cluster demo has no stored validation findings (status PLANNED)',
      },
    });
  });

  it('answers a FAILED revision from before the hash was recorded with its stored report', async () => {
    const { deps } = await failValidation(THREE_ERRORS);
    await deps.revisions.update('demo', 1, { validationReportSha256: undefined });

    const response = await handleApiRequest(get('/clusters/demo/revisions/1/validation'), deps);

    expect(response.status).toBe(200);
    expect(JSON.parse(response.body).errors).toHaveLength(3);
  });

  it('answers 404 for a FAILED revision without a hash that failed in another state', async () => {
    const { deps } = await failValidation(THREE_ERRORS);
    await deps.revisions.update('demo', 1, {
      validationReportSha256: undefined,
      error: { name: 'DependencyError', message: 'the stack update failed' },
    });

    const response = await handleApiRequest(get('/clusters/demo/revisions/1/validation'), deps);

    expect(response.status).toBe(404);
    expect(JSON.parse(response.body).error.message).toBe(
      'revision 1 of cluster demo has no stored validation findings (status FAILED)',
    );
  });

  it('answers 500 INTEGRITY when an unhashed report was replaced by another shape', async () => {
    const { deps } = await failValidation(THREE_ERRORS);
    await deps.revisions.update('demo', 1, { validationReportSha256: undefined });
    await deps.artifacts.put(REPORT_KEY, '{"valid": "yes"}', 'application/json');

    const response = await handleApiRequest(get('/clusters/demo/revisions/1/validation'), deps);

    expect(response.status).toBe(500);
    expect(JSON.parse(response.body)).toEqual({
      error: {
        code: 'INTEGRITY',
        message: `${REPORT_KEY} must be the JSON report Validate wrote (received another shape); run kube-aws validate on the file, or submit it again`,
      },
    });
  });
});
