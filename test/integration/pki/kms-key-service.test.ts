import { CreateKeyCommand, KMSClient, KMSServiceException } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KmsKeyService, mapKmsError } from '../../../adapters/aws/kms-key-service.ts';
import { DependencyError, InvariantError, ValidationError } from '../../../lib/errors.ts';
import { backendEncryptionContext, nodeEncryptionContext } from '../../../schemas/node-assets.ts';
import { requireTool } from '../../support/external-tools.ts';
import { type MotoServer, motoClientConfig, startMoto } from '../../support/moto.ts';

const hasMoto = requireTool('moto_server', ['--help']);
const backend = backendEncryptionContext('demo', 'apiserver');
const node = nodeEncryptionContext('demo', 'apiserver');
const plaintext = new TextEncoder().encode('sealed material for the test');

describe.skipIf(!hasMoto)('KmsKeyService against moto', () => {
  let moto: MotoServer;
  let service: KmsKeyService;
  let keyArn: string;

  beforeAll(async () => {
    moto = await startMoto();
    const config = motoClientConfig(moto.endpoint);
    const created = await new KMSClient(config).send(new CreateKeyCommand({}));
    keyArn = created.KeyMetadata?.Arn ?? '';
    service = new KmsKeyService({ ...config, keyId: keyArn });
  });
  afterAll(async () => {
    await moto?.stop();
  });

  it('decrypts what it encrypted with the same encryption context', async () => {
    const sealed = await service.encrypt(plaintext, backend);

    expect(Buffer.from(sealed).includes(Buffer.from(plaintext))).toBe(false);
    expect(Buffer.from(await service.decrypt(sealed, backend))).toEqual(Buffer.from(plaintext));
  });

  it('refuses to decrypt with another encryption context, naming the asset', async () => {
    const sealed = await service.encrypt(plaintext, backend);

    const attempt = service.decrypt(sealed, node);

    await expect(attempt).rejects.toThrow(InvariantError);
    await expect(attempt).rejects.toThrow(
      `ciphertext of asset apiserver must open with its encryption context under key ${keyArn} ` +
        '(received InvalidCiphertextException from Decrypt)',
    );
  });

  it('re-encrypts a backend-sealed key into one that opens only with the node context', async () => {
    const sealed = await service.encrypt(plaintext, backend);

    const forNode = await service.reEncrypt(sealed, backend, node);

    expect(Buffer.from(await service.decrypt(forNode, node))).toEqual(Buffer.from(plaintext));
    await expect(service.decrypt(forNode, backend)).rejects.toThrow(InvariantError);
  });

  it('refuses plaintext over 4096 bytes by asset name before calling KMS', async () => {
    await expect(service.encrypt(new Uint8Array(4097), backend)).rejects.toThrow(
      'asset apiserver plaintext must be at most 4096 bytes (received 4097 bytes); ' +
        'KMS encrypts one asset of at most 4096 bytes per call',
    );
    await expect(service.encrypt(new Uint8Array(4096), backend)).resolves.toBeInstanceOf(
      Uint8Array,
    );
  });

  it('reports a key that does not exist as a validation error naming the asset', async () => {
    const missing = new KmsKeyService({
      ...motoClientConfig(moto.endpoint),
      keyId: 'arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000',
    });

    const attempt = missing.encrypt(plaintext, backend);

    await expect(attempt).rejects.toThrow(ValidationError);
    await expect(attempt).rejects.toThrow(
      /^kmsKeyArn must name a KMS key usable for Encrypt \(received arn:aws:kms:us-east-1:123456789012:key\/0{8}-0{4}-0{4}-0{4}-0{12}, NotFoundException for asset apiserver: .*\); check the key's region, state and key policy$/,
    );
  });
});

describe('mapKmsError', () => {
  // KMS has no modelled class for throttling or 5xx: the SDK raises its base exception by name.
  const serviceError = (name: string, httpStatusCode: number) =>
    new KMSServiceException({
      name,
      message: 'Rate exceeded',
      $fault: httpStatusCode >= 500 ? 'server' : 'client',
      $metadata: { httpStatusCode },
    });

  it('maps throttling to a retryable dependency error naming the asset', () => {
    const error = serviceError('ThrottlingException', 400);

    const mapped = mapKmsError(error, 'Encrypt', 'etcd-ca', 'key-1');

    expect(mapped).toBeInstanceOf(DependencyError);
    expect(mapped.message).toBe(
      'kms Encrypt of asset etcd-ca failed (received ThrottlingException)',
    );
    expect(mapped.cause).toBe(error);
  });

  it('maps a server fault of unknown kind to a retryable dependency error', () => {
    const error = serviceError('ServiceUnavailable', 503);

    expect(mapKmsError(error, 'Decrypt', 'kubelet', 'key-1')).toBeInstanceOf(DependencyError);
  });

  it('maps a network failure to a retryable dependency error', () => {
    const error = Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });

    expect(mapKmsError(error, 'ReEncrypt', 'kubelet', 'key-1').message).toBe(
      'kms ReEncrypt of asset kubelet failed (received TimeoutError)',
    );
  });

  it('maps an unknown client fault to an invariant error', () => {
    const error = serviceError('ValidationException', 400);

    expect(mapKmsError(error, 'Encrypt', 'kubelet', 'key-1')).toBeInstanceOf(InvariantError);
  });

  it('maps access denied to a validation error with a remedy', () => {
    const error = Object.assign(new Error('User is not authorized'), {
      name: 'AccessDeniedException',
    });

    const mapped = mapKmsError(error, 'Decrypt', 'kube-ca', 'key-1');

    expect(mapped).toBeInstanceOf(ValidationError);
    expect(mapped.message).toBe(
      'kmsKeyArn must name a KMS key usable for Decrypt (received key-1, AccessDeniedException ' +
        "for asset kube-ca: User is not authorized); check the key's region, state and key policy",
    );
  });
});
