import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type EmbeddedBackend,
  startEmbeddedBackend,
} from '../../../embedded/start-embedded-backend.ts';
import { artifactKeys } from '../../../lib/artifact-keys.ts';
import { canonicalJson } from '../../../lib/hash.ts';
import { submitClusterYaml } from '../../../pipeline/submit.ts';
import { AssetManifestSchema } from '../../../pki/asset-manifest.ts';
import { generateRsaKeyPair, issueCertificate } from '../../../pki/issue-certificate.ts';

const EXAMPLE = path.resolve(import.meta.dirname, '../../../examples/cluster.yaml');
const POINTER = artifactKeys.latestAssets('demo');
const FORGED = 'clusters/demo/revisions/000099/assets.json';

/** The tester's attack on the embedded backend, through its own S3 endpoint's object store. */
describe('the embedded backend given a forged asset manifest', () => {
  let stateDir: string;
  let backend: EmbeddedBackend | undefined;

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-tamper-'));
  });
  afterEach(async () => {
    await backend?.stop();
    backend = undefined;
    await rm(stateDir, { recursive: true, force: true });
  });

  it('fails the next revision with the check that caught it and ships nothing of the attacker', async () => {
    backend = await startEmbeddedBackend({ stateDir, apiPort: 0, s3Port: 0, waitOverrideMs: 10 });
    const deps = backend.deps;
    const yaml = await readFile(EXAMPLE, 'utf8');
    const submit = (body: string) =>
      submitClusterYaml({ body, source: { kind: 'cli' }, submitter: 'test' }, deps);
    await submit(yaml);
    await backend.waitForIdle();
    expect((await deps.revisions.get('demo', 1))?.status).toBe('PLANNED');

    const pair = await generateRsaKeyPair();
    const forgedCa = issueCertificate({
      request: { commonName: 'kube-ca', organization: 'kube-aws', dns: [], ip: [], profile: 'ca' },
      publicKey: pair.publicKey,
      signingKey: pair.privateKey,
      notBefore: new Date(),
      notAfter: new Date(Date.now() + 86_400_000),
    }).replace(/\n/g, '\r\n');
    const original = AssetManifestSchema.parse(
      JSON.parse(
        Buffer.from(
          (await deps.artifacts.get(artifactKeys.assetManifest('demo', 1))) ?? [],
        ).toString('utf8'),
      ),
    );
    const forged = {
      ...original,
      assets: original.assets.map((asset) =>
        asset.name === 'kube-ca' ? { ...asset, certificate: forgedCa } : asset,
      ),
    };
    await deps.artifacts.put(FORGED, canonicalJson(forged, 2), 'application/json');
    const pointer = JSON.parse(Buffer.from((await deps.artifacts.get(POINTER)) ?? []).toString());
    await deps.artifacts.put(
      POINTER,
      canonicalJson({ ...pointer, manifestKey: FORGED }, 2),
      'application/json',
    );

    await submit(yaml.replace('workerCount: 2', 'workerCount: 3'));
    await backend.waitForIdle();

    const second = await deps.revisions.get('demo', 2);
    expect([second?.status, second?.error, second?.assetFingerprints]).toEqual([
      'FAILED',
      {
        name: 'IntegrityError',
        message:
          `${POINTER} manifestKey must be clusters/demo/revisions/000001/assets.json, the ` +
          `manifest of its revision 1 (received ${FORGED}); restore ${POINTER} or re-issue ` +
          'every asset with up --rotate all',
      },
      undefined,
    ]);
    const keys = (await deps.artifacts.list('clusters/demo/')).filter((key) => key !== FORGED);
    const bodies = await Promise.all(keys.map(async (key) => deps.artifacts.get(key)));
    // A line from the middle of the forged certificate: its own key and signature, nothing shared.
    const needle = forgedCa.split('\r\n')[5] ?? 'missing line';
    const holding = keys.filter((_, index) =>
      Buffer.from(bodies[index] ?? [])
        .toString('utf8')
        .includes(needle),
    );
    expect(holding).toEqual([]);
    expect(await deps.artifacts.list('clusters/demo/revisions/000002/')).toEqual([
      artifactKeys.config('demo', 2),
    ]);
  });
});
