import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type EmbeddedBackend,
  startEmbeddedBackend,
} from '../../../embedded/start-embedded-backend.ts';
import { artifactKeys } from '../../../lib/artifact-keys.ts';
import { submitClusterYaml } from '../../../pipeline/submit.ts';
import { AssetManifestSchema } from '../../../pki/asset-manifest.ts';

const EXAMPLE = path.resolve(import.meta.dirname, '../../../examples/cluster.yaml');

/** What the audit record keeps of a run's TLS assets once every state, Record included, ran. */
describe('the fingerprints a finished revision records', () => {
  let stateDir: string | undefined;
  let backend: EmbeddedBackend | undefined;

  afterEach(async () => {
    await backend?.stop();
    if (stateDir !== undefined) await rm(stateDir, { recursive: true, force: true });
  });

  it('are its manifest fingerprints, one per asset, after Record Result', async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-fingerprints-'));
    backend = await startEmbeddedBackend({ stateDir, apiPort: 0, s3Port: 0 });
    const deps = backend.deps;
    const body = await readFile(EXAMPLE, 'utf8');
    await submitClusterYaml({ body, source: { kind: 'cli' }, submitter: 'test' }, deps);
    await backend.waitForIdle();

    const revision = await deps.revisions.get('demo', 1);
    const manifest = AssetManifestSchema.parse(
      JSON.parse(
        Buffer.from(
          (await deps.artifacts.get(artifactKeys.assetManifest('demo', 1))) ?? [],
        ).toString('utf8'),
      ),
    );

    expect(revision?.status).toBe('PLANNED');
    expect(revision?.assetFingerprints).toEqual(
      Object.fromEntries(manifest.assets.map((asset) => [asset.name, asset.fingerprint])),
    );
  });
});
