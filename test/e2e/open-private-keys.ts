import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { LocalKeyService } from '../../adapters/embedded/local-key-service.ts';
import { AssetManifestSchema } from '../../pki/asset-manifest.ts';
import type { KeyService } from '../../ports/key-service.ts';
import { backendEncryptionContext } from '../../schemas/node-assets.ts';
import type { ScannedBlob } from './scan-for-secrets.ts';

export async function listFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });

  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/**
 * Opens every backend-sealed private key of every asset manifest among `blobs` with the state
 * dir's key file, and returns the forms a leak would take: the DER bytes, their one-line base64
 * and the PEM's first body line.
 */
export async function openPrivateKeys(
  stateDir: string,
  blobs: readonly ScannedBlob[],
): Promise<Uint8Array[]> {
  return openSealedKeys(blobs, await LocalKeyService.open(stateDir));
}

/** As {@link openPrivateKeys}, with any key service (KMS in the moto suite). */
export async function openSealedKeys(
  blobs: readonly ScannedBlob[],
  keys: KeyService,
): Promise<Uint8Array[]> {
  const secrets = new Map<string, Uint8Array>();
  for (const blob of blobs) {
    const parsed = AssetManifestSchema.safeParse(tryJson(blob.bytes));
    if (!parsed.success) continue;
    for (const asset of parsed.data.assets) {
      const pem = Buffer.from(
        await keys.decrypt(
          Buffer.from(asset.sealedKey, 'base64'),
          backendEncryptionContext(parsed.data.cluster, asset.name),
        ),
      ).toString('utf8');
      const body = pem.split('\n').filter((line) => line !== '' && !line.startsWith('-----'));
      const der = Buffer.from(body.join(''), 'base64');
      secrets.set(`${asset.name}:der`, der);
      secrets.set(`${asset.name}:base64`, Buffer.from(der.toString('base64')));
      secrets.set(`${asset.name}:pem-line`, Buffer.from(body[0] ?? ''));
    }
  }

  return [...secrets.values()];
}

function tryJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return undefined;
  }
}
