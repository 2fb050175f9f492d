import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalKeyService } from '../../../adapters/embedded/local-key-service.ts';
import { artifactKeys } from '../../../lib/artifact-keys.ts';
import { canonicalJson } from '../../../lib/hash.ts';
import { logger } from '../../../lib/logger.ts';
import type { Deps } from '../../../pipeline/deps.ts';
import { encryptStep } from '../../../pipeline/encrypt-step.ts';
import { generateAssetsStep } from '../../../pipeline/generate-assets-step.ts';
import type { KeyService } from '../../../ports/key-service.ts';
import {
  type ClusterConfig,
  type ClusterConfigInput,
  ClusterConfigSchema,
} from '../../../schemas/cluster-config.ts';
import type { AssetsResult, EncryptionResult, TaskInput } from '../../../schemas/state-payloads.ts';
import { MemoryObjectStore } from '../../support/memory-object-store.ts';
import { MemoryRevisionStore } from '../../support/memory-revision-store.ts';

export const CLUSTER = 'demo';
export const START = new Date('2026-12-04T12:00:00.000Z');

export const baseConfig: ClusterConfigInput = {
  clusterName: CLUSTER,
  externalDNSName: 'k8s.example.com',
  keyName: 'ops',
  region: 'eu-west-1',
  controllerCount: 2,
};

export interface RunOutcome {
  revision: number;
  assets: AssetsResult;
  encryption: EncryptionResult;
  outputs: string;
}

/**
 * Drives Generate Assets and Encrypt the way the workflow does: one revision per submission,
 * the normalised config stored where Validate puts it, a clock the test moves.
 */
export class PkiHarness {
  readonly artifacts = new MemoryObjectStore();
  clock = START;
  readonly revisions = new MemoryRevisionStore(() => this.clock);

  private constructor(
    /** The key service the steps use; a test may swap it to model a change of key. */
    public keys: KeyService,
    readonly directory: string,
  ) {}

  /** Uses `keys` when given (KMS on moto), else a local key file in a fresh directory. */
  static async create(keys?: KeyService): Promise<PkiHarness> {
    logger.setLogLevel('SILENT');
    const directory = await mkdtemp(join(tmpdir(), 'pki-'));

    return new PkiHarness(keys ?? (await LocalKeyService.open(directory)), directory);
  }

  async dispose(): Promise<void> {
    await rm(this.directory, { recursive: true, force: true });
  }

  get deps(): Deps {
    const unused = new Proxy(
      {},
      {
        get: () => {
          throw new Error('not used by PKI steps');
        },
      },
    );

    return {
      artifacts: this.artifacts,
      revisions: this.revisions,
      keys: this.keys,
      deployer: unused as Deps['deployer'],
      dns: unused as Deps['dns'],
      inventory: unused as Deps['inventory'],
      workflow: unused as Deps['workflow'],
      queueMode: 'queue',
      now: () => this.clock,
    };
  }

  /** Submits `overrides` on top of the base config and runs both steps. */
  async run(overrides: Partial<ClusterConfigInput> = {}, rotate?: string[]): Promise<RunOutcome> {
    const config: ClusterConfig = ClusterConfigSchema.parse({ ...baseConfig, ...overrides });
    const allocated = await this.revisions.allocate({
      cluster: CLUSTER,
      source: { kind: 'cli' },
      submitter: 'tester',
      correlationId: 'corr-1',
      inputKey: 'unused',
      inputSha256: 'unused',
      rotate,
    });
    const revision = allocated.revision;
    const configKey = artifactKeys.config(CLUSTER, revision);
    await this.artifacts.put(configKey, canonicalJson(config), 'application/json');
    const input: TaskInput = {
      cluster: CLUSTER,
      revision,
      correlationId: 'corr-1',
      step: 'generate-assets',
      state: {
        cluster: CLUSTER,
        revision,
        correlationId: 'corr-1',
        validation: { configKey, configSha256: 'unused', warnings: 0 },
      },
    };
    const assets = await generateAssetsStep(input, this.deps);
    const encryption = await encryptStep(
      { ...input, step: 'encrypt', state: { ...input.state, assets } },
      this.deps,
    );

    return { revision, assets, encryption, outputs: JSON.stringify({ assets, encryption }) };
  }
}
