/**
 * KMS in AWS, a local AES-256-GCM key file when embedded. The encryption context is always
 * enforced: a ciphertext decrypts only with the exact context it was made with.
 */
export type EncryptionContext = Readonly<Record<string, string>>;

/** KMS refuses larger plaintext in one Encrypt call. */
export const KMS_PLAINTEXT_LIMIT_BYTES = 4096;

export interface KeyService {
  /** The key identifier recorded beside each ciphertext (an ARN in AWS). */
  readonly keyId: string;
  encrypt(plaintext: Uint8Array, context: EncryptionContext): Promise<Uint8Array>;
  decrypt(ciphertext: Uint8Array, context: EncryptionContext): Promise<Uint8Array>;
  /**
   * Re-encrypts under a new context without the plaintext ever reaching the caller (KMS
   * ReEncrypt), which is how backend-sealed keys become node-decryptable ones.
   */
  reEncrypt(
    ciphertext: Uint8Array,
    from: EncryptionContext,
    to: EncryptionContext,
  ): Promise<Uint8Array>;
}
