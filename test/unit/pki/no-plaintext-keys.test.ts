import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSET_NAMES } from '../../../pki/asset-catalogue.ts';
import { type AssetManifest, AssetManifestSchema } from '../../../pki/asset-manifest.ts';
import { backendEncryptionContext } from '../../../schemas/node-assets.ts';
import { CLUSTER, PkiHarness, type RunOutcome } from './pki-harness.ts';

/**
 * The secure promise, checked on everything the two steps leave behind: no object in the store
 * and no step output holds a PEM private key or any run of its bytes.
 */
describe('private key confinement', () => {
  let harness: PkiHarness;
  const outcomes: RunOutcome[] = [];
  const fragments: string[] = [];

  beforeAll(async () => {
    harness = await PkiHarness.create();
    outcomes.push(await harness.run());
    outcomes.push(await harness.run({ externalDNSName: 'api.example.org' }, ['kube-ca']));

    for (const outcome of outcomes) {
      const manifest: AssetManifest = AssetManifestSchema.parse(
        JSON.parse(harness.artifacts.text(outcome.assets.manifestKey)),
      );
      for (const asset of manifest.assets) {
        const pem = Buffer.from(
          await harness.keys.decrypt(
            Buffer.from(asset.sealedKey, 'base64'),
            backendEncryptionContext(CLUSTER, asset.name),
          ),
        ).toString('utf8');
        const body = pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
        const der = Buffer.from(body, 'base64');
        // 48-character slices of the base64 body, and the same bytes in hex and base64 again.
        for (let offset = 0; offset + 48 <= body.length; offset += 400) {
          fragments.push(body.slice(offset, offset + 48));
        }
        fragments.push(der.subarray(100, 132).toString('hex'));
        fragments.push(der.subarray(300, 336).toString('base64'));
      }
    }
  });
  afterAll(async () => {
    await harness.dispose();
  });

  it('collects key fragments of every asset in both revisions', () => {
    expect(fragments.length).toBeGreaterThan(ASSET_NAMES.length * 2 * 4);
  });

  it('finds no PEM private key and no key fragment in any stored object', () => {
    expect(harness.artifacts.objects.size).toBeGreaterThanOrEqual(7);
    for (const [key, body] of harness.artifacts.objects) {
      const text = Buffer.from(body).toString('utf8');
      const latin = Buffer.from(body).toString('latin1');

      expect(text.includes('PRIVATE KEY-----'), key).toBe(false);
      for (const fragment of fragments) {
        expect(text.includes(fragment) || latin.includes(fragment), key).toBe(false);
      }
    }
  });

  it('finds no PEM private key and no key fragment in the step outputs', () => {
    for (const outcome of outcomes) {
      expect(outcome.outputs.includes('PRIVATE KEY-----')).toBe(false);
      for (const fragment of fragments) expect(outcome.outputs.includes(fragment)).toBe(false);
    }
  });
});
