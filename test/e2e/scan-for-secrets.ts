import { gunzipSync } from 'node:zlib';

export interface ScannedBlob {
  source: string;
  bytes: Uint8Array;
}

export interface SecretHit {
  source: string;
  what: string;
}

const BASE64_RUN = /[A-Za-z0-9+/]{120,}={0,2}/g;

/**
 * Looks for PEM private-key markers and for any of `secrets` (raw bytes) in every blob, and in
 * every gzip stream hidden in a long base64 run (userdata is gzip+base64), one level deep.
 */
export function scanForSecrets(
  blobs: readonly ScannedBlob[],
  secrets: readonly Uint8Array[],
): SecretHit[] {
  const hits: SecretHit[] = [];
  const queue = blobs.map((blob) => ({ ...blob, depth: 0 }));
  for (let index = 0; index < queue.length; index++) {
    const blob = queue[index]!;
    const buffer = Buffer.from(blob.bytes);
    if (buffer.includes('PRIVATE KEY-----'))
      hits.push({ source: blob.source, what: 'PEM private key marker' });
    secrets.forEach((secret, secretIndex) => {
      if (secret.length > 0 && buffer.includes(Buffer.from(secret))) {
        hits.push({ source: blob.source, what: `plaintext key bytes #${secretIndex}` });
      }
    });
    if (blob.depth > 0) continue;
    for (const run of buffer.toString('latin1').match(BASE64_RUN) ?? []) {
      const decoded = Buffer.from(run, 'base64');
      if (decoded[0] === 0x1f && decoded[1] === 0x8b) {
        queue.push({ source: `${blob.source} (gzip+base64)`, bytes: tryGunzip(decoded), depth: 1 });
      }
    }
  }

  return hits;
}

function tryGunzip(data: Buffer): Uint8Array {
  try {
    return gunzipSync(data);
  } catch {
    // A base64 run that only looks like gzip is not userdata; nothing to scan inside it.
    return new Uint8Array();
  }
}
