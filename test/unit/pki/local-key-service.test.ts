import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LOCAL_KEY_FILE_NAME,
  LocalKeyService,
} from '../../../adapters/embedded/local-key-service.ts';
import { InvariantError } from '../../../lib/errors.ts';
import { sha256Hex } from '../../../lib/hash.ts';
import { backendEncryptionContext, nodeEncryptionContext } from '../../../schemas/node-assets.ts';

const backend = backendEncryptionContext('demo', 'apiserver');
const node = nodeEncryptionContext('demo', 'apiserver');
const plaintext = new TextEncoder().encode('not really a key, but secret bytes');

describe('LocalKeyService', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'local-key-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('creates a 32-byte key file with mode 0600 and derives its key id from it', async () => {
    const service = await LocalKeyService.open(join(directory, 'keys'));

    const path = join(directory, 'keys', LOCAL_KEY_FILE_NAME);
    const key = await readFile(path);
    expect(key.byteLength).toBe(32);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(directory, 'keys'))).mode & 0o777).toBe(0o700);
    expect(service.keyId).toBe(`local:${sha256Hex(key).slice(0, 32)}`);
  });

  it('reopens the same key file, so an earlier ciphertext still decrypts', async () => {
    const first = await LocalKeyService.open(directory);
    const sealed = await first.encrypt(plaintext, backend);

    const second = await LocalKeyService.open(directory);

    expect(second.keyId).toBe(first.keyId);
    expect(Buffer.from(await second.decrypt(sealed, backend))).toEqual(Buffer.from(plaintext));
  });

  it('gives both racing first openers the same key', async () => {
    const services = await Promise.all(
      Array.from({ length: 8 }, () => LocalKeyService.open(directory)),
    );

    expect(new Set(services.map((service) => service.keyId)).size).toBe(1);
  });

  it('writes a versioned header and never the plaintext into the ciphertext', async () => {
    const service = await LocalKeyService.open(directory);

    const sealed = Buffer.from(await service.encrypt(plaintext, backend));

    expect(sealed.subarray(0, 4)).toEqual(Buffer.from([0x4b, 0x41, 0x4c, 0x01]));
    expect(sealed.byteLength).toBe(4 + 8 + 12 + plaintext.byteLength + 16);
    expect(sealed.includes(Buffer.from(plaintext))).toBe(false);
  });

  it('refuses to decrypt with another encryption context and names the asset', async () => {
    const service = await LocalKeyService.open(directory);
    const sealed = await service.encrypt(plaintext, backend);

    const attempt = service.decrypt(sealed, node);

    await expect(attempt).rejects.toThrow(InvariantError);
    await expect(attempt).rejects.toThrow(
      'ciphertext of asset apiserver must match its encryption context (received ' +
        '{"kube-aws:asset":"apiserver","kube-aws:cluster":"demo","kube-aws:purpose":"node"}); ' +
        'it was sealed with another context or altered',
    );
  });

  it('refuses a ciphertext sealed under another key file', async () => {
    const other = await LocalKeyService.open(join(directory, 'other'));
    const service = await LocalKeyService.open(directory);
    const sealed = await other.encrypt(plaintext, backend);
    const otherCheck = Buffer.from(sealed).subarray(4, 12).toString('hex');

    await expect(service.decrypt(sealed, backend)).rejects.toThrow(
      `ciphertext of asset apiserver must be sealed with key ${service.keyId} ` +
        `(received a key starting ${otherCheck})`,
    );
  });

  it('refuses an altered ciphertext', async () => {
    const service = await LocalKeyService.open(directory);
    const sealed = Buffer.from(await service.encrypt(plaintext, backend));
    sealed[30] = (sealed[30] ?? 0) ^ 0x01;

    await expect(service.decrypt(sealed, backend)).rejects.toThrow(
      /^ciphertext of asset apiserver must match its encryption context/,
    );
  });

  it('refuses bytes that are not a local ciphertext', async () => {
    const service = await LocalKeyService.open(directory);

    await expect(service.decrypt(new Uint8Array(10), backend)).rejects.toThrow(
      'ciphertext of asset apiserver is not a local key service ciphertext (received 10 bytes)',
    );
  });

  it('re-encrypts from the backend context to the node context', async () => {
    const service = await LocalKeyService.open(directory);
    const sealed = await service.encrypt(plaintext, backend);

    const forNode = await service.reEncrypt(sealed, backend, node);

    expect(Buffer.from(await service.decrypt(forNode, node))).toEqual(Buffer.from(plaintext));
    await expect(service.decrypt(forNode, backend)).rejects.toThrow(InvariantError);
  });

  it('refuses plaintext over 4096 bytes by asset name', async () => {
    const service = await LocalKeyService.open(directory);

    await expect(service.encrypt(new Uint8Array(4097), backend)).rejects.toThrow(
      'asset apiserver plaintext must be at most 4096 bytes (received 4097 bytes); ' +
        'KMS encrypts one asset of at most 4096 bytes per call',
    );
    await expect(service.encrypt(new Uint8Array(4096), backend)).resolves.toBeInstanceOf(Buffer);
  });
});
