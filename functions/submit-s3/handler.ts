import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { handleS3Upload } from '../../pipeline/handle-s3-upload.ts';
import { loadAwsDeps, logWithCorrelation, serialiseErrorName } from '../lambda-runtime.ts';

/** The `detail` of an EventBridge "Object Created" event from S3. */
interface ObjectCreatedDetail {
  bucket: { name: string };
  object: { key: string; 'version-id'?: string };
  requester?: string;
  'source-ip-address'?: string;
}

type ObjectCreatedEvent = EventBridgeEvent<'Object Created', ObjectCreatedDetail>;

/** An upload of `clusters/<name>/cluster.yaml`: submit it and write validation.json beside it. */
export const handler = middy(async (event: ObjectCreatedEvent) =>
  handleS3Upload(
    {
      bucket: event.detail.bucket.name,
      // S3 notifications URL-encode keys (spaces as '+'); decoding is a no-op for the keys accepted.
      key: decodeURIComponent(event.detail.object.key.replace(/\+/g, ' ')),
      ...(event.detail.object['version-id']
        ? { versionId: event.detail.object['version-id'] }
        : {}),
      submitter: event.detail.requester ?? 'unknown',
      correlationId: event.id,
    },
    loadAwsDeps(),
  ),
)
  .use(logWithCorrelation((event: ObjectCreatedEvent) => event.id))
  .use(serialiseErrorName());
