import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  assertPrivateDirectory,
  createPrivateFile,
  readPrivateFile,
} from '../adapters/embedded/private-file.ts';
import { InvariantError, NotFoundError } from '../lib/errors.ts';
import type { SigV4Credentials } from './verify-sigv4-request.ts';

/** The state dir's secret for the S3 endpoint and the revision table, one line of base64url. */
export const ENDPOINT_SECRET_FILE_NAME = 'endpoint-secret.txt';
/** Readable on purpose: the secret alone is what keeps other local users out. */
export const ENDPOINT_ACCESS_KEY_ID = 'kube-aws-local';

const SECRET_BYTES = 32;
/** 32 bytes or more in base64url (43 characters for 32 bytes); hex fits the same alphabet. */
const SECRET_LINE = /^[A-Za-z0-9_-]{43,256}\n?$/;
const NOT_REGULAR_REMEDY =
  'replace it with the secret file itself, or remove it to get a new secret at the next start';

/**
 * The key the embedded S3 endpoint and revision table accept: a fixed access key id and the
 * state dir's own secret, created (0600, in a 0700 directory) at first use and reused after, so
 * uploads signed with the printed key keep working across restarts. A secret file that others
 * could have planted or read, or that is malformed, is refused rather than adopted.
 */
export async function openEndpointCredentials(stateDir: string): Promise<SigV4Credentials> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await assertPrivateDirectory(stateDir, 'the endpoint secret');
  const file = path.join(stateDir, ENDPOINT_SECRET_FILE_NAME);
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  if (await createPrivateFile(file, Buffer.from(`${secret}\n`, 'ascii'))) {
    return { accessKeyId: ENDPOINT_ACCESS_KEY_ID, secretAccessKey: secret };
  }

  return readEndpointCredentials(stateDir);
}

/**
 * The key of a state dir whose backend has started at least once; never creates anything, so a
 * mistyped state dir is said rather than given a fresh key.
 */
export async function readEndpointCredentials(stateDir: string): Promise<SigV4Credentials> {
  const file = path.join(stateDir, ENDPOINT_SECRET_FILE_NAME);
  let content: Buffer;
  try {
    content = await readPrivateFile(file, NOT_REGULAR_REMEDY);
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new NotFoundError(
      `${file} does not exist (received no secret); start the backend once with kube-aws serve ` +
        '(npm start) or kube-aws up on this state dir to create it',
      { cause: error },
    );
  }
  const text = content.toString('latin1');
  if (!SECRET_LINE.test(text)) {
    throw new InvariantError(
      `${file} must hold one line of 43 to 256 base64url characters (received ${content.byteLength} bytes); ` +
        'remove it to get a new secret at the next start, then use the key that serve prints',
    );
  }

  return { accessKeyId: ENDPOINT_ACCESS_KEY_ID, secretAccessKey: text.trimEnd() };
}
