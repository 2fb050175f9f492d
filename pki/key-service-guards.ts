import { InvariantError } from '../lib/errors.ts';
import { type EncryptionContext, KMS_PLAINTEXT_LIMIT_BYTES } from '../ports/key-service.ts';

/** The asset a context names, for error messages; never the plaintext or the ciphertext. */
export function assetOfContext(context: EncryptionContext): string {
  return context['kube-aws:asset'] ?? 'unnamed';
}

/** Refuses, by asset name, what one KMS Encrypt call would refuse; both key services apply it. */
export function assertPlaintextWithinLimit(
  plaintext: Uint8Array,
  context: EncryptionContext,
): void {
  if (plaintext.byteLength <= KMS_PLAINTEXT_LIMIT_BYTES) return;

  throw new InvariantError(
    `asset ${assetOfContext(context)} plaintext must be at most ${KMS_PLAINTEXT_LIMIT_BYTES} bytes ` +
      `(received ${plaintext.byteLength} bytes); KMS encrypts one asset of at most 4096 bytes per call`,
  );
}
