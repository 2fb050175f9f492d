import type * as KmsSdk from '@aws-sdk/client-kms';
import type { KMSClient } from '@aws-sdk/client-kms';
import { DependencyError, InvariantError, ValidationError } from '../../lib/errors.ts';
import { assertPlaintextWithinLimit, assetOfContext } from '../../pki/key-service-guards.ts';
import type { EncryptionContext, KeyService } from '../../ports/key-service.ts';
import { isServiceException } from './classify-sdk-error.ts';
import { LazyClient, loadOnce } from './load-once.ts';

const loadKmsSdk = loadOnce(() => import('@aws-sdk/client-kms'));

export interface KmsKeyServiceOptions {
  /** Key ARN, key id or alias (`kmsKeyArn` of cluster.yaml). */
  keyId: string;
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

type KmsOperation = 'Encrypt' | 'Decrypt' | 'ReEncrypt';

// The user's key or grants are wrong: no retry cures these, a changed kmsKeyArn or policy does.
const KEY_SETUP_ERRORS = new Set([
  'AccessDeniedException',
  'NotFoundException',
  'InvalidArnException',
  'DisabledException',
  'KMSInvalidStateException',
  'KeyUnavailableException',
  'InvalidKeyUsageException',
  'UnrecognizedClientException',
]);

// The stored ciphertext does not open with the context we give: our bug or tampering.
const CIPHERTEXT_ERRORS = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);

const RETRYABLE_ERRORS = new Set([
  'ThrottlingException',
  'LimitExceededException',
  'KMSInternalException',
  'DependencyTimeoutException',
]);

/**
 * KMS as the key service: one Encrypt per asset under `keyId`, with the encryption context enforced
 * by KMS itself. Instance roles get kms:Decrypt only for the `purpose=node` context, so keys sealed
 * with `purpose=backend` (CA keys among them) never open on a node.
 */
export class KmsKeyService implements KeyService {
  readonly keyId: string;
  readonly #client: LazyClient<typeof KmsSdk, KMSClient>;

  constructor(options: KmsKeyServiceOptions) {
    this.keyId = options.keyId;
    this.#client = new LazyClient(
      loadKmsSdk,
      (sdk) =>
        new sdk.KMSClient({
          region: options.region,
          endpoint: options.endpoint,
          credentials: options.credentials,
        }),
    );
  }

  async encrypt(plaintext: Uint8Array, context: EncryptionContext): Promise<Uint8Array> {
    assertPlaintextWithinLimit(plaintext, context);
    const output = await this.#send('Encrypt', context, (sdk, client) =>
      client.send(
        new sdk.EncryptCommand({
          KeyId: this.keyId,
          Plaintext: plaintext,
          EncryptionContext: { ...context },
        }),
      ),
    );

    return requireBlob(output.CiphertextBlob, 'Encrypt', context);
  }

  async decrypt(ciphertext: Uint8Array, context: EncryptionContext): Promise<Uint8Array> {
    const output = await this.#send('Decrypt', context, (sdk, client) =>
      client.send(
        // No KeyId: a symmetric ciphertext names its key, and assets sealed before the cluster
        // moved to another kmsKeyArn must still open so they can be moved to the new key.
        new sdk.DecryptCommand({ CiphertextBlob: ciphertext, EncryptionContext: { ...context } }),
      ),
    );

    return requireBlob(output.Plaintext, 'Decrypt', context);
  }

  async reEncrypt(
    ciphertext: Uint8Array,
    from: EncryptionContext,
    to: EncryptionContext,
  ): Promise<Uint8Array> {
    const output = await this.#send('ReEncrypt', to, (sdk, client) =>
      client.send(
        new sdk.ReEncryptCommand({
          CiphertextBlob: ciphertext,
          SourceEncryptionContext: { ...from },
          DestinationKeyId: this.keyId,
          DestinationEncryptionContext: { ...to },
        }),
      ),
    );

    return requireBlob(output.CiphertextBlob, 'ReEncrypt', to);
  }

  async #send<T>(
    operation: KmsOperation,
    context: EncryptionContext,
    call: (sdk: typeof KmsSdk, client: KMSClient) => Promise<T>,
  ): Promise<T> {
    const { sdk, client } = await this.#client.get();
    try {
      return await call(sdk, client);
    } catch (error: unknown) {
      throw mapKmsError(error, operation, assetOfContext(context), this.keyId);
    }
  }
}

/**
 * Turns a KMS SDK error into the product's error classes: throttling and server faults are
 * retryable DependencyErrors, key set-up problems are ValidationErrors the user can fix, and a
 * ciphertext that does not open is an InvariantError. Every message names the asset.
 */
export function mapKmsError(
  error: unknown,
  operation: KmsOperation,
  asset: string,
  keyId: string,
): Error {
  const name = error instanceof Error ? error.name : 'UnknownError';
  const status = isServiceException(error)
    ? (error as { $metadata: { httpStatusCode?: number } }).$metadata.httpStatusCode
    : undefined;
  const detail = error instanceof Error ? error.message : String(error);

  if (KEY_SETUP_ERRORS.has(name)) {
    return new ValidationError(
      `kmsKeyArn must name a KMS key usable for ${operation} (received ${keyId}, ${name} ` +
        `for asset ${asset}: ${detail}); check the key's region, state and key policy`,
      [],
      { cause: error },
    );
  }
  if (CIPHERTEXT_ERRORS.has(name)) {
    return new InvariantError(
      `ciphertext of asset ${asset} must open with its encryption context under key ${keyId} ` +
        `(received ${name} from ${operation})`,
      { cause: error },
    );
  }
  if (RETRYABLE_ERRORS.has(name) || (status !== undefined && status >= 500)) {
    return new DependencyError(`kms ${operation} of asset ${asset} failed (received ${name})`, {
      cause: error,
    });
  }
  if (!isServiceException(error)) {
    // Network failures and timeouts never reached KMS's error handling: a retry may cure them.
    return new DependencyError(`kms ${operation} of asset ${asset} failed (received ${name})`, {
      cause: error,
    });
  }

  return new InvariantError(`kms ${operation} of asset ${asset} failed (received ${name})`, {
    cause: error,
  });
}

function requireBlob(
  blob: Uint8Array | undefined,
  operation: KmsOperation,
  context: EncryptionContext,
): Uint8Array {
  if (blob !== undefined) return blob;

  throw new DependencyError(
    `kms ${operation} of asset ${assetOfContext(context)} returned no data (received an empty response)`,
  );
}
