import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { artifactKeys } from '../../../lib/artifact-keys.ts';
import { submitClusterYaml } from '../../../pipeline/submit.ts';
import { AssetManifestSchema } from '../../../pki/asset-manifest.ts';
import { useEmbeddedBackendPerTest } from '../../support/embedded-backend-per-test.ts';

const EXAMPLE = path.resolve(import.meta.dirname, '../../../examples/cluster.yaml');

/** What the audit record keeps of a run's TLS assets once every state, Record included, ran. */
describe('the fingerprints a finished revision records', () => {
  const backend = useEmbeddedBackendPerTest('kube-aws-fingerprints-');

  it('are its manifest fingerprints, one per asset, after Record Result', async () => {
    const running = backend();
    const deps = running.deps;
    const body = await readFile(EXAMPLE, 'utf8');
    await submitClusterYaml({ body, source: { kind: 'cli' }, submitter: 'test' }, deps);
    await running.waitForIdle();

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
