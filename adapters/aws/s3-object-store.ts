import type * as S3Sdk from '@aws-sdk/client-s3';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import {
  type GetObjectOptions,
  type ObjectStore,
  ObjectTooLargeError,
} from '../../ports/object-store.ts';
import { rethrowSdkError } from './classify-sdk-error.ts';
import { LazyClient, loadOnce } from './load-once.ts';

export interface S3ObjectStoreOptions {
  bucket: string;
  region: string;
  endpoint?: string;
  credentials?: S3ClientConfig['credentials'];
  /** Emulators (s3rver, moto) need path-style requests; real S3 prefers virtual-hosted. */
  forcePathStyle?: boolean;
  /**
   * The form of `TemplateURL`. Both are real S3 address forms, which CloudFormation (and moto,
   * which maps them onto its own S3) accept; an emulator's own address is never handed out.
   */
  templateUrlStyle?: 'virtual-hosted' | 'path';
}

const loadS3Sdk = loadOnce(() => import('@aws-sdk/client-s3'));

/** Bounded listing: 1,000 keys a page, at most 1,000 pages. */
const MAX_LIST_PAGES = 1000;

/** The artefacts and submissions store over S3 (real S3, moto or s3rver). */
export class S3ObjectStore implements ObjectStore {
  readonly bucket: string;
  private readonly client: LazyClient<typeof S3Sdk, S3Client>;
  private readonly region: string;
  private readonly templateUrlStyle: 'virtual-hosted' | 'path';

  constructor(options: S3ObjectStoreOptions) {
    this.bucket = options.bucket;
    this.region = options.region;
    this.templateUrlStyle = options.templateUrlStyle ?? 'virtual-hosted';
    const config: S3ClientConfig = {
      region: options.region,
      endpoint: options.endpoint,
      credentials: options.credentials,
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      // Without these, the SDK streams uploads with aws-chunked framing and trailing checksums,
      // which s3rver stores verbatim (the framing ends up inside the object).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
    this.client = new LazyClient(loadS3Sdk, (sdk) => new sdk.S3Client(config));
  }

  destroy(): void {
    this.client.destroy();
  }

  async put(
    key: string,
    body: string | Uint8Array,
    contentType: string,
  ): Promise<{ versionId?: string }> {
    const { sdk, client } = await this.client.get();
    try {
      const result = await client.send(
        new sdk.PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
          ContentType: contentType,
        }),
      );

      return result.VersionId === undefined ? {} : { versionId: result.VersionId };
    } catch (error: unknown) {
      return rethrowSdkError(error, 'S3', 'PutObject');
    }
  }

  async get(key: string, options: GetObjectOptions = {}): Promise<Uint8Array | undefined> {
    const { sdk, client } = await this.client.get();
    try {
      const result = await client.send(
        new sdk.GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ...(options.versionId === undefined ? {} : { VersionId: options.versionId }),
        }),
      );
      if (result.Body === undefined) return new Uint8Array();
      const size = result.ContentLength ?? 0;
      if (options.maxBytes !== undefined && size > options.maxBytes) {
        // Not reading the rest: a huge upload must not reach memory to be refused.
        (result.Body as { destroy?: () => void }).destroy?.();
        throw new ObjectTooLargeError(key, options.maxBytes, size);
      }

      return await result.Body.transformToByteArray();
    } catch (error: unknown) {
      if (isMissingObject(error)) return undefined;
      return rethrowSdkError(error, 'S3', 'GetObject');
    }
  }

  async list(prefix: string): Promise<string[]> {
    const { sdk, client } = await this.client.get();
    const keys: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      try {
        const result = await client.send(
          new sdk.ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            ContinuationToken: token,
          }),
        );
        for (const object of result.Contents ?? []) {
          if (object.Key !== undefined) keys.push(object.Key);
        }
        token = result.IsTruncated === true ? result.NextContinuationToken : undefined;
      } catch (error: unknown) {
        return rethrowSdkError(error, 'S3', 'ListObjectsV2');
      }
      if (token === undefined) break;
    }

    return keys.sort();
  }

  urlFor(key: string): string {
    return buildS3Url(this.bucket, this.region, key, this.templateUrlStyle);
  }
}

/**
 * A real S3 address of an object. us-east-1 keeps the global host for the virtual-hosted form,
 * which is the form CloudFormation documents for `TemplateURL`.
 */
export function buildS3Url(
  bucket: string,
  region: string,
  key: string,
  style: 'virtual-hosted' | 'path',
): string {
  const path = key.split('/').map(encodeURIComponent).join('/');
  if (style === 'path') return `https://s3.${region}.amazonaws.com/${bucket}/${path}`;
  const host = region === 'us-east-1' ? 's3.amazonaws.com' : `s3.${region}.amazonaws.com`;

  return `https://${bucket}.${host}/${path}`;
}

/** Only a missing key means "absent"; a missing bucket is a configuration fault and surfaces. */
function isMissingObject(error: unknown): boolean {
  return (error as { name?: unknown } | undefined)?.name === 'NoSuchKey';
}
