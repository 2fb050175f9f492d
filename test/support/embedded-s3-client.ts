import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { EmbeddedBackend } from '../../embedded/start-embedded-backend.ts';

/**
 * An SDK client of the embedded backend's S3 endpoint, signed with the state dir's key, path
 * style, with checksums only where required (s3rver answers no others); `config` adds to it.
 */
export function openEmbeddedS3Client(
  backend: Pick<EmbeddedBackend, 's3Endpoint' | 'endpointCredentials'>,
  config: Partial<S3ClientConfig> = {},
): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint: backend.s3Endpoint,
    forcePathStyle: true,
    credentials: backend.endpointCredentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    ...config,
  });
}
