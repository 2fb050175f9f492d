import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvariantError } from '../../lib/errors.ts';
import { canonicalJson } from '../../lib/hash.ts';
import { assertPlaintextWithinLimit, assetOfContext } from '../../pki/key-service-guards.ts';
import type { EncryptionContext, KeyService } from '../../ports/key-service.ts';

export const LOCAL_KEY_FILE_NAME = 'asset-key.bin';

const KEY_BYTES = 32;
const MAGIC = Buffer.from('KAL', 'ascii');
const VERSION = 1;
const KEY_CHECK_BYTES = 8;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + 1 + KEY_CHECK_BYTES;

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
    await assertPrivateDirectory(directory);
    const created = await createKeyFile(path);
    const key = created ?? (await readPrivateKeyFile(path));
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

/**
 * Writes a fresh key to a private temporary file and hard-links it into place, so no reader ever
 * sees a half-written key; returns undefined when another process got there first.
 */
async function createKeyFile(path: string): Promise<Buffer | undefined> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const key = randomBytes(KEY_BYTES);
  await writeFile(temporary, key, { mode: 0o600, flag: 'wx' });
  try {
    await link(temporary, path);

    return key;
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  } finally {
    await unlink(temporary);
  }
}

/** Group or other write access would let another user swap the key file between our checks. */
async function assertPrivateDirectory(directory: string): Promise<void> {
  const stats = await stat(directory);
  if (!stats.isDirectory()) {
    throw new InvariantError(
      `${directory} must be a directory for the key file (received ${describeType(stats)}); ` +
        'choose another state directory',
    );
  }
  if ((stats.mode & 0o022) !== 0) {
    throw new InvariantError(
      `${directory} must not be writable by group or others (received mode ${octal(stats.mode)}); ` +
        `run chmod 700 ${directory}`,
    );
  }
}

/**
 * Opens without following links and checks the opened file itself, so what is checked is what
 * is read.
 */
async function readPrivateKeyFile(path: string): Promise<Buffer> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    // O_NONBLOCK: a FIFO planted as the key file would otherwise hang the open until a writer came.
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOOP') throw error;
    throw new InvariantError(
      `${path} must be a regular file (received a symbolic link); ` +
        'replace it with the key file itself, or remove it to lose every sealed asset',
      { cause: error },
    );
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      throw new InvariantError(
        `${path} must be a regular file (received ${describeType(stats)}); ` +
          'replace it with the key file itself, or remove it to lose every sealed asset',
      );
    }
    const uid = process.getuid?.();
    if (uid !== undefined && stats.uid !== uid) {
      throw new InvariantError(
        `${path} must be owned by uid ${uid}, the user running the backend (received uid ${stats.uid}); ` +
          `if you trust its content run chown ${uid} ${path}, otherwise remove it`,
      );
    }
    if ((stats.mode & 0o077) !== 0) {
      throw new InvariantError(
        `${path} must not be readable or writable by group or others (received mode ${octal(stats.mode)}); ` +
          `if you trust its content run chmod 600 ${path}, otherwise remove it`,
      );
    }

    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

function describeType(stats: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean }) {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';

  return 'a special file';
}
