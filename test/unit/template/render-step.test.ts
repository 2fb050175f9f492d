// biome-ignore-all lint/suspicious/noExplicitAny: assertions walk rendered template JSON freely
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { artifactKeys } from '../../../lib/artifact-keys.ts';
import { InvariantError } from '../../../lib/errors.ts';
import { canonicalJson, sha256Hex } from '../../../lib/hash.ts';
import type { Deps } from '../../../pipeline/deps.ts';
import { renderStep } from '../../../pipeline/render-step.ts';
import type { ClusterConfig } from '../../../schemas/cluster-config.ts';
import type { NodeAssets } from '../../../schemas/node-assets.ts';
import type { TaskInput } from '../../../schemas/state-payloads.ts';
import { renderLoaderUserdata } from '../../../stack/userdata/render-loader-userdata.ts';
import { MemoryObjectStore } from '../../support/memory-object-store.ts';
import { buildNodeAssets, exampleConfig } from '../userdata/node-assets-fixture.ts';

const CONFIG_KEY = artifactKeys.config('demo', 3);
const NODE_ASSETS_KEY = artifactKeys.nodeAssets('demo', 3);

const taskInput: TaskInput = {
  cluster: 'demo',
  revision: 3,
  correlationId: 'corr-1',
  step: 'render',
  state: {
    cluster: 'demo',
    revision: 3,
    correlationId: 'corr-1',
    validation: { configKey: CONFIG_KEY, configSha256: 'x', warnings: 0 },
    encryption: { nodeAssetsKey: NODE_ASSETS_KEY, encrypted: [], reused: [] },
  },
};

/** The render step reads and writes only the artefacts store. */
async function harness(config: ClusterConfig, nodeAssets: NodeAssets) {
  const artifacts = new MemoryObjectStore();
  await artifacts.put(CONFIG_KEY, canonicalJson(config), 'application/json');
  await artifacts.put(NODE_ASSETS_KEY, canonicalJson(nodeAssets), 'application/json');

  return { artifacts, deps: { artifacts } as Partial<Deps> as Deps };
}

function incompressible(seed: string, bytes: number): string {
  const blocks = Array.from({ length: Math.ceil(bytes / 32) }, (_, index) =>
    createHash('sha256').update(`${seed}:${index}`).digest(),
  );

  return Buffer.concat(blocks).subarray(0, bytes).toString('base64');
}

interface StoredTemplate {
  Resources: Record<string, { Properties: Record<string, any> }>;
}

describe('renderStep', () => {
  it('stores the template under its content hash with the resource map beside the revision', async () => {
    const { artifacts, deps } = await harness(exampleConfig(), buildNodeAssets('demo'));

    const result = await renderStep(taskInput, deps);
    const body = artifacts.text(result.templateKey);

    expect(result.templateKey).toBe(artifactKeys.template('demo', sha256Hex(body)));
    expect(result.templateSha256).toBe(sha256Hex(body));
    expect(result.templateBytes).toBe(Buffer.byteLength(body));
    expect(result.resourceMapKey).toBe(artifactKeys.resourceMap('demo', 3));
    expect(Object.keys(JSON.parse(artifacts.text(result.resourceMapKey)))).toContain('Controller0');
    expect(Object.keys(result.userdataBytes)).toEqual(['controller0', 'worker']);
    // Real-sized controller assets and static pods exceed 16 KiB gzipped; a worker's fit.
    expect(result.userdataBytes.worker).toBeLessThanOrEqual(16384);
    expect([...artifacts.objects.keys()].filter((key) => key.includes('/userdata/'))).toEqual([
      expect.stringMatching(/^clusters\/demo\/userdata\/controller0-[0-9a-f]{64}$/),
    ]);
  });

  it('renders the same template key twice from the same inputs', async () => {
    const first = await renderStep(
      taskInput,
      (await harness(exampleConfig(), buildNodeAssets('demo'))).deps,
    );
    const second = await renderStep(
      taskInput,
      (await harness(exampleConfig(), buildNodeAssets('demo'))).deps,
    );

    expect(second).toEqual(first);
  });

  it('gives each controller its own userdata', async () => {
    const config = exampleConfig({ controllerCount: 3 });
    const { artifacts, deps } = await harness(config, buildNodeAssets('demo'));

    const result = await renderStep(taskInput, deps);
    const template = JSON.parse(artifacts.text(result.templateKey)) as StoredTemplate;
    const userdata = [0, 1, 2].map(
      (index) => template.Resources[`Controller${index}`]?.Properties.UserData,
    );

    expect(Object.keys(result.userdataBytes)).toEqual([
      'controller0',
      'controller1',
      'controller2',
      'worker',
    ]);
    expect(new Set(userdata).size).toBe(3);
  });

  it('offloads userdata above the EC2 limit and boots a loader that may read only that object', async () => {
    // 12 KB of incompressible ciphertext per private key pushes every node past 16 KiB gzipped.
    const bulky = buildNodeAssets('demo', (asset, path) =>
      incompressible(`${asset}${path}`, 12_000),
    );
    const { artifacts, deps } = await harness(exampleConfig(), bulky);

    const result = await renderStep(taskInput, deps);
    const template = JSON.parse(artifacts.text(result.templateKey)) as StoredTemplate;
    const offloaded = [...artifacts.objects.keys()].filter((key) => key.includes('/userdata/'));
    const controllerKey = offloaded.find((key) => key.includes('/controller0-'));
    const controllerUserdata = template.Resources.Controller0?.Properties.UserData as string;
    const statements = template.Resources.ControllerRole?.Properties.Policies[0].PolicyDocument
      .Statement as Array<Record<string, unknown>>;

    expect(offloaded).toHaveLength(2);
    expect(result.userdataBytes.controller0).toBeGreaterThan(16384);
    expect(controllerKey).toBe(
      artifactKeys.userdata('demo', 'controller0', sha256Hex(artifacts.text(controllerKey ?? ''))),
    );
    expect(gunzipSync(Buffer.from(controllerUserdata, 'base64')).toString('utf8')).toBe(
      renderLoaderUserdata('controller', `s3://memory/${controllerKey}`, 'us-east-1'),
    );
    expect(statements.at(-1)).toEqual({
      Sid: 'ReadOffloadedUserdata',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::memory/${controllerKey}` }],
    });
  });

  it('fails as an invariant when the earlier steps left no pointers', async () => {
    const { deps } = await harness(exampleConfig(), buildNodeAssets('demo'));
    const input = { ...taskInput, state: { ...taskInput.state, encryption: undefined } };

    await expect(renderStep(input, deps)).rejects.toThrowError(
      new InvariantError(
        'state.validation.configKey and state.encryption.nodeAssetsKey must be set before render ' +
          `(received ${CONFIG_KEY} and none)`,
      ),
    );
  });
});
