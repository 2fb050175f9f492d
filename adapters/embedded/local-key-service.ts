import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InvariantError } from '../../lib/errors.ts';
import { canonicalJson } from '../../lib/hash.ts';
import { assertPlaintextWithinLimit, assetOfContext } from '../../pki/key-service-guards.ts';
import type { EncryptionContext, KeyService } from '../../ports/key-service.ts';
import { assertPrivateDirectory, createPrivateFile, readPrivateFile } from './private-file.ts';

export const LOCAL_KEY_FILE_NAME = 'asset-key.bin';

const KEY_BYTES = 32;
const MAGIC = Buffer.from('KAL', 'ascii');
const VERSION = 1;
const KEY_CHECK_BYTES = 8;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + 1 + KEY_CHECK_BYTES;
const NOT_REGULAR_REMEDY =
  'replace it with the key file itself, or remove it to lose every sealed asset';

/**
 * The embedded stand-in for KMS: AES-256-GCM under one key kept in a 0600 file. The encryption
 * context is bound as additional authenticated data, so a ciphertext opens only with the exact
 * context it was sealed with, as with KMS.
 *
 * Ciphertext layout (version 1): `KAL` | version byte | first 8 bytes of sha256(key) | 12-byte
 * nonce | encrypted data | 16-byte tag. The header is authenticated too.
 */
export class LocalKeyService implements KeyService {
  readonly keyId: string;
  readonly #key: Buffer;
  readonly #keyCheck: Buffer;

  private constructor(key: Buffer) {
    const digest = createHash('sha256').update(key).digest();
    this.#key = key;
    this.#keyCheck = digest.subarray(0, KEY_CHECK_BYTES);
    this.keyId = `local:${digest.subarray(0, 16).toString('hex')}`;
  }

  /**
   * Opens the key file in `directory`, creating it (0600, in a 0700 directory) on first use. Two
   * processes racing on first use both end up with the key the winner wrote. A key file someone
   * else could have planted or read (not ours, not private, not a plain file, or in a directory
   * others may write) is refused rather than adopted.
   */
  static async open(directory: string): Promise<LocalKeyService> {
    const path = join(directory, LOCAL_KEY_FILE_NAME);
    await mkdir(directory, { recursive: true, mode: 0o700 });
    await assertPrivateDirectory(directory, 'the key file');
    const created = await createKeyFile(path);
    const key = created ?? (await readPrivateFile(path, NOT_REGULAR_REMEDY));
    if (key.byteLength !== KEY_BYTES) {
      throw new InvariantError(
        `${path} must hold a ${KEY_BYTES}-byte key (received ${key.byteLength} bytes); ` +
          'restore the file from backup, or delete it to lose every sealed asset',
      );
    }

    return new LocalKeyService(key);
  }

  async encrypt(plaintext: Uint8Array, context: EncryptionContext): Promise<Uint8Array> {
    assertPlaintextWithinLimit(plaintext, context);
    const header = Buffer.concat([MAGIC, Buffer.of(VERSION), this.#keyCheck]);
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce);
    cipher.setAAD(additionalData(header, context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);

    return Buffer.concat([header, nonce, body, cipher.getAuthTag()]);
  }

  async decrypt(ciphertext: Uint8Array, context: EncryptionContext): Promise<Uint8Array> {
    const asset = assetOfContext(context);
    const blob = Buffer.from(ciphertext);
    if (
      blob.byteLength < HEADER_BYTES + NONCE_BYTES + TAG_BYTES ||
      !blob.subarray(0, 3).equals(MAGIC)
    ) {
      throw new InvariantError(
        `ciphertext of asset ${asset} is not a local key service ciphertext (received ${blob.byteLength} bytes)`,
      );
    }
    const version = blob[MAGIC.length];
    if (version !== VERSION) {
      throw new InvariantError(
        `ciphertext of asset ${asset} must have format version ${VERSION} (received ${version})`,
      );
    }
    const keyCheck = blob.subarray(MAGIC.length + 1, HEADER_BYTES);
    if (!keyCheck.equals(this.#keyCheck)) {
      throw new InvariantError(
        `ciphertext of asset ${asset} must be sealed with key ${this.keyId} ` +
          `(received a key starting ${keyCheck.toString('hex')})`,
      );
    }

    const nonce = blob.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.#key, nonce);
    decipher.setAAD(additionalData(blob.subarray(0, HEADER_BYTES), context));
    decipher.setAuthTag(blob.subarray(blob.byteLength - TAG_BYTES));
    try {
      const body = blob.subarray(HEADER_BYTES + NONCE_BYTES, blob.byteLength - TAG_BYTES);

      return Buffer.concat([decipher.update(body), decipher.final()]);
    } catch (error: unknown) {
      throw new InvariantError(
        `ciphertext of asset ${asset} must match its encryption context ` +
          `(received ${canonicalJson(context)}); it was sealed with another context or altered`,
        { cause: error },
      );
    }
  }

  async reEncrypt(
    ciphertext: Uint8Array,
    from: EncryptionContext,
    to: EncryptionContext,
  ): Promise<Uint8Array> {
    const plaintext = await this.decrypt(ciphertext, from);
    try {
      return await this.encrypt(plaintext, to);
    } finally {
      plaintext.fill(0);
    }
  }
}

function additionalData(header: Buffer, context: EncryptionContext): Buffer {
  return Buffer.concat([header, Buffer.from(canonicalJson(context), 'utf8')]);
}

/** Returns the fresh key, or undefined when another process created the file first. */
async function createKeyFile(path: string): Promise<Buffer | undefined> {
  const key = randomBytes(KEY_BYTES);

  return (await createPrivateFile(path, key)) ? key : undefined;
}
