import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbRevisionStore } from '../../../adapters/aws/dynamodb-revision-store.ts';
import { LocalCloudInventory } from '../../../adapters/embedded/local-cloud-inventory.ts';
import { LocalDnsZones } from '../../../adapters/embedded/local-dns-zones.ts';
import { LocalKeyService } from '../../../adapters/embedded/local-key-service.ts';
import { LocalWorkflow } from '../../../adapters/embedded/local-workflow.ts';
import { PreviewDeployer } from '../../../adapters/embedded/preview-deployer.ts';
import type { ApiRequest } from '../../../http-api/api-types.ts';
import { handleApiRequest } from '../../../http-api/handle-api-request.ts';
import { sha256Hex } from '../../../lib/hash.ts';
import type { Deps } from '../../../pipeline/deps.ts';
import { type DynaliteServer, startDynalite } from '../../support/dynalite.ts';
import { MemoryObjectStore } from '../../support/memory-object-store.ts';

const EXAMPLE = new URL('../../../examples/cluster.yaml', import.meta.url);

function post(body: string, headers: Record<string, string>): ApiRequest {
  return { method: 'POST', path: '/clusters', headers, body, identity: 'local:tester' };
}

function get(route: string): ApiRequest {
  return { method: 'GET', path: route, headers: {}, body: undefined, identity: 'local:tester' };
}

/** The router over a real revision table (dynalite); runs are recorded, not executed. */
describe('handleApiRequest routes', () => {
  let dynalite: DynaliteServer;
  let stateDir: string;
  let deps: Deps;
  let revisions: DynamoDbRevisionStore;
  let clusterYaml: string;
  const started: string[] = [];

  beforeAll(async () => {
    dynalite = await startDynalite();
    clusterYaml = await readFile(EXAMPLE, 'utf8');
  });
  afterAll(async () => {
    await dynalite.stop();
  });
  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-api-'));
    revisions = new DynamoDbRevisionStore({
      tableName: await dynalite.createRevisionTable(),
      client: dynalite.clientConfig,
    });
    const workflow = new LocalWorkflow({ stateDir, runTask: async () => ({}) });
    deps = {
      artifacts: new MemoryObjectStore(),
      revisions,
      keys: await LocalKeyService.open(stateDir),
      deployer: new PreviewDeployer(),
      dns: LocalDnsZones.fromZones([]),
      inventory: new LocalCloudInventory(),
      // Records each start instead of running it: these tests are about the HTTP contract.
      workflow: {
        start: async (name) => {
          started.push(name);
          return {
            executionArn: `arn:aws:states:us-east-1:000000000000:execution:provision:${name}`,
          };
        },
        describe: (arn) => workflow.describe(arn),
        history: (arn) => workflow.history(arn),
      },
      queueMode: 'queue',
      now: () => new Date(),
    };
  });
  afterEach(async () => {
    revisions.destroy();
    started.length = 0;
    await rm(stateDir, { recursive: true, force: true });
  });

  it('answers a YAML POST with 202, the revision, its execution and links', async () => {
    const response = await handleApiRequest(
      post(clusterYaml, { 'Content-Type': 'application/yaml' }),
      deps,
    );

    expect(response.status).toBe(202);
    expect(JSON.parse(response.body)).toEqual({
      cluster: 'demo',
      revision: 1,
      outcome: 'started',
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:provision:demo-1',
      warnings: [],
      links: {
        self: '/clusters/demo/revisions/1',
        cluster: '/clusters/demo',
        template: '/clusters/demo/revisions/1/template',
        history: '/clusters/demo/revisions/1/history',
      },
    });
    expect(started).toEqual(['demo-1']);
  });

  it('accepts the document wrapped as {"clusterYaml": ...} in JSON', async () => {
    const response = await handleApiRequest(
      post(JSON.stringify({ clusterYaml }), { 'content-type': 'application/json; charset=utf-8' }),
      deps,
    );

    expect(response.status).toBe(202);
    expect(JSON.parse(response.body).revision).toBe(1);
  });

  it('answers a JSON config object with a wrong type with 400 at its line and column in the body', async () => {
    const body = '{\n  "clusterName": "demo",\n  "workerCount": "two"\n}';
    const response = await handleApiRequest(
      post(body, { 'content-type': 'application/json' }),
      deps,
    );

    expect(response.status).toBe(400);
    const answer = JSON.parse(response.body);
    expect(answer.valid).toBe(false);
    expect(answer.errors).toContainEqual(
      expect.objectContaining({
        file: 'request.json',
        path: 'workerCount',
        line: 3,
        column: 18,
        rule: 'invalid-type',
      }),
    );
    expect(await revisions.getCluster('demo')).toBeUndefined();
  });

  it('returns the first answer for a retried POST with the same Idempotency-Key', async () => {
    const headers = { 'content-type': 'application/yaml', 'Idempotency-Key': 'retry-1' };
    const first = await handleApiRequest(post(clusterYaml, headers), deps);
    const second = await handleApiRequest(post(clusterYaml, headers), deps);

    expect(JSON.parse(second.body)).toMatchObject({
      revision: JSON.parse(first.body).revision,
      outcome: 'duplicate',
    });
    expect((await revisions.list('demo')).map((revision) => revision.revision)).toEqual([1]);
  });

  it('records the rotation and replacement the submitter asks for in headers', async () => {
    const response = await handleApiRequest(
      post(clusterYaml, {
        'content-type': 'application/yaml',
        'X-Kube-Aws-Rotate': 'apiserver, kubelet',
        'X-Kube-Aws-Allow-Replace': 'true',
      }),
      deps,
    );

    expect(response.status).toBe(202);
    const revision = await revisions.get('demo', 1);
    expect([revision?.rotate, revision?.allowReplace]).toEqual([['apiserver', 'kubelet'], true]);
  });

  it.each([
    [
      { 'X-Kube-Aws-Rotate': 'apiserver,kube-proxy' },
      'rotate[1] must name an asset or all (received kube-proxy); assets are ',
    ],
    [
      { 'X-Kube-Aws-Allow-Replace': 'yes' },
      'X-Kube-Aws-Allow-Replace header must be true or false (received "yes")',
    ],
    [
      { 'X-Kube-Aws-Rotate': 'apiserver,,kubelet' },
      'X-Kube-Aws-Rotate must name TLS assets, comma-separated with none empty (received "apiserver,,kubelet"); send e.g. apiserver,kubelet or all',
    ],
  ])('answers 400 and records nothing for the request headers %o', async (headers, message) => {
    const response = await handleApiRequest(
      post(clusterYaml, { 'content-type': 'application/yaml', ...headers }),
      deps,
    );

    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).error.message).toContain(message);
    expect(await revisions.getCluster('demo')).toBeUndefined();
  });

  it('answers 409 when the cluster is locked and queueing is off', async () => {
    await handleApiRequest(post(clusterYaml, { 'content-type': 'application/yaml' }), deps);
    await revisions.acquireLock('demo', 1, 60_000);

    const response = await handleApiRequest(
      post(clusterYaml, { 'content-type': 'application/yaml' }),
      { ...deps, queueMode: 'reject' },
    );

    expect(response.status).toBe(409);
    expect(JSON.parse(response.body).error.code).toBe('CONFLICT');
  });

  it('lists revisions without their change summaries, each with a link to the whole revision', async () => {
    await handleApiRequest(post(clusterYaml, { 'content-type': 'application/yaml' }), deps);
    const changeSummary = { state: 'PLANNED', changes: [] };
    await deps.revisions.update('demo', 1, { changeSummary });

    const list = JSON.parse((await handleApiRequest(get('/clusters/demo/revisions'), deps)).body);
    const one = JSON.parse((await handleApiRequest(get('/clusters/demo/revisions/1'), deps)).body);

    expect(list.revisions[0]).not.toHaveProperty('changeSummary');
    expect(list.revisions[0].links).toEqual({ self: '/clusters/demo/revisions/1' });
    expect(one.changeSummary).toEqual(changeSummary);
  });

  it('serves the cluster record, the revision list and one revision', async () => {
    await handleApiRequest(post(clusterYaml, { 'content-type': 'application/yaml' }), deps);

    const cluster = JSON.parse((await handleApiRequest(get('/clusters/demo'), deps)).body);
    const list = JSON.parse((await handleApiRequest(get('/clusters/demo/revisions'), deps)).body);
    const one = JSON.parse((await handleApiRequest(get('/clusters/demo/revisions/1'), deps)).body);

    expect(cluster).toMatchObject({ cluster: 'demo', latestRevision: 1 });
    expect(list.revisions.map((revision: { revision: number }) => revision.revision)).toEqual([1]);
    expect(one).toMatchObject({
      cluster: 'demo',
      revision: 1,
      submitter: 'local:tester',
      source: { kind: 'api' },
    });
  });

  it('answers 404 JSON for an unknown cluster, revision and a revision without a template', async () => {
    await handleApiRequest(post(clusterYaml, { 'content-type': 'application/yaml' }), deps);

    const answers = await Promise.all(
      ['/clusters/ghost', '/clusters/demo/revisions/7', '/clusters/demo/revisions/1/template'].map(
        async (route) => {
          const response = await handleApiRequest(get(route), deps);
          return { status: response.status, body: JSON.parse(response.body) };
        },
      ),
    );

    expect(answers.map((answer) => answer.status)).toEqual([404, 404, 404]);
    expect(answers.map((answer) => answer.body.error.message)).toEqual([
      'cluster ghost has no revisions',
      'cluster demo has no revision 7',
      expect.stringMatching(/^revision 1 of cluster demo has no rendered template \(status \w+\)$/),
    ]);
  });

  it('serves a stored template only while its bytes match the recorded sha256', async () => {
    await handleApiRequest(post(clusterYaml, { 'content-type': 'application/yaml' }), deps);
    const template = '{"Resources":{}}';
    const templateKey = 'clusters/demo/templates/recorded.json';
    await deps.artifacts.put(templateKey, template, 'application/json');
    await deps.revisions.update('demo', 1, { templateKey, templateSha256: sha256Hex(template) });

    const served = await handleApiRequest(get('/clusters/demo/revisions/1/template'), deps);
    await deps.artifacts.put(templateKey, '{"tampered":true}', 'application/json');
    const tampered = await handleApiRequest(get('/clusters/demo/revisions/1/template'), deps);

    expect([served.status, served.body]).toEqual([200, template]);
    expect([tampered.status, JSON.parse(tampered.body).error.code]).toEqual([500, 'INTEGRITY']);
    expect(JSON.parse(tampered.body).error.message).toBe(
      `${templateKey} must have the recorded sha256 ${sha256Hex(template)} (received ${sha256Hex('{"tampered":true}')}); the object was changed outside the product: submit the cluster again to rewrite it`,
    );
  });
});
