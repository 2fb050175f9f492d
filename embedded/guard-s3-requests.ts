import type { IncomingMessage, RequestListener } from 'node:http';
import { findLoopbackRefusal, refuseRequest } from './guard-loopback-request.ts';
import { findSigV4Failure, type SigV4Credentials } from './verify-sigv4-request.ts';

export interface S3GuardOptions {
  /** The only buckets a request may name. */
  buckets: readonly string[];
  credentials: SigV4Credentials;
}

/**
 * Puts a guard in front of s3rver, which accepts anonymous requests, browser form posts and keys
 * that climb out of its directory. A request gets through only from a non-browser client on a
 * loopback Host, signed with the state dir's key, to a known bucket and a key without `..`.
 */
export function guardS3Requests(
  handler: RequestListener,
  options: S3GuardOptions,
): RequestListener {
  return (req, res) => {
    const reason = findS3Refusal(req, options);
    if (reason === undefined) {
      handler(req, res);

      return;
    }
    refuseRequest(req, res, reason, (message) => ({
      contentType: 'application/xml',
      body:
        '<?xml version="1.0" encoding="UTF-8"?>\n' +
        `<Error><Code>AccessDenied</Code><Message>${message}</Message></Error>\n`,
    }));
  };
}

/** Returns why the request is refused, or undefined when it may reach s3rver. */
export function findS3Refusal(req: IncomingMessage, options: S3GuardOptions): string | undefined {
  const loopback = findLoopbackRefusal(req, { allowOwnOrigin: false });
  if (loopback !== undefined) return loopback;
  const contentType = String(req.headers['content-type'] ?? '').toLowerCase();
  if (contentType.startsWith('multipart/form-data')) return 'form uploads are refused';

  const rawUrl = req.url ?? '';
  if (!rawUrl.startsWith('/')) return 'the request target must be a path';
  const queryStart = rawUrl.indexOf('?');
  const rawPath = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
  const query = new URLSearchParams(queryStart === -1 ? '' : rawUrl.slice(queryStart + 1));
  const pathRefusal = findPathRefusal(rawPath, options.buckets);
  if (pathRefusal !== undefined) return pathRefusal;
  // DeleteObjects names its keys in the body, where no path check reaches; nothing here uses it.
  if (req.method === 'POST' && (queryStart === -1 || query.has('delete'))) {
    return 'this POST request is refused';
  }
  const copySource = req.headers['x-amz-copy-source'];
  if (copySource !== undefined) {
    const source = String(copySource).split('?')[0] as string;
    const sourceRefusal = findPathRefusal(
      source.startsWith('/') ? source : `/${source}`,
      options.buckets,
    );
    if (sourceRefusal !== undefined) return `the copy source is refused: ${sourceRefusal}`;
  }

  return findSignatureRefusal(req, query, options.credentials);
}

function findSignatureRefusal(
  req: IncomingMessage,
  query: URLSearchParams,
  credentials: SigV4Credentials,
): string | undefined {
  const authorization = req.headers.authorization;
  const presignedV4 = query.has('X-Amz-Algorithm') || query.has('X-Amz-Signature');
  // s3rver checks version 2 signatures itself, but against its built-in S3RVER/S3RVER key, which
  // anyone can read; only SigV4 is checked against this state dir's key, so only SigV4 gets in.
  if (authorization?.startsWith('AWS ') || query.has('Signature') || query.has('AWSAccessKeyId')) {
    return 'signature version 2 is refused';
  }
  if (!authorization && !presignedV4) return 'requests must be signed';
  const failure = findSigV4Failure(req, { credentials, service: 's3' });

  return failure === undefined ? undefined : `the request signature is refused: ${failure}`;
}

/**
 * `/<bucket>` or `/<bucket>/<key>`, decoded as s3rver decodes it: a known bucket and a key that
 * cannot step out of the bucket's directory on disk.
 */
function findPathRefusal(rawPath: string, buckets: readonly string[]): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return 'the path is not valid percent-encoding';
  }
  if (decoded === '/') return undefined;
  const slash = decoded.indexOf('/', 1);
  const bucket = slash === -1 ? decoded.slice(1) : decoded.slice(1, slash);
  if (!buckets.includes(bucket)) return 'the bucket is unknown';
  if (slash === -1) return undefined;

  const key = decoded.slice(slash + 1);
  if (key.startsWith('/')) return 'the object key must not start with /';
  if (key.includes('\\') || key.includes('\0')) return 'the object key has a backslash or NUL';
  if (key.split('/').some((segment) => segment === '..' || segment === '.')) {
    return 'the object key must not have . or .. segments';
  }

  return undefined;
}
