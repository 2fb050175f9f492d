import { createRequire } from 'node:module';
import type { SigV4Credentials } from './verify-sigv4-request.ts';

const require = createRequire(import.meta.url);
// s3rver keeps its accounts in a process-wide registry and has no option to add one.
const accounts = require('s3rver/lib/models/account.js') as {
  DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secretAccessKey: string): void };
};

/**
 * Makes s3rver know the state dir's access key id: it answers InvalidAccessKeyId to any id not
 * in its registry, even for the SigV4 requests whose signature it never computes. The signature
 * itself is checked by the guard in front (`guardS3Requests`), which also refuses the version 2
 * signatures that s3rver would check against its registry, so only the guard's check counts.
 */
export function registerS3rverKey(credentials: SigV4Credentials): void {
  accounts.DUMMY_ACCOUNT.createKeyPair(credentials.accessKeyId, credentials.secretAccessKey);
}
