import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { sha256Hex } from '../lib/hash.ts';
import {
  ByteBudget,
  readDeclaredLength,
  readWholeBody,
  replayRequest,
} from './buffer-request-body.ts';
import { getSharedPeerCheck, type PeerCheck } from './check-peer-user.ts';
import { findLoopbackRefusal, refuseRequest, withPeerCheck } from './guard-loopback-request.ts';
import { isClientAbort, logClientAbortOnce } from './log-client-abort.ts';
import { findSigV4Failure, type SigV4Credentials } from './verify-sigv4-request.ts';

/**
 * The largest body the guard reads to check against its signed sha256: submissions are at most
 * 256 KiB, artefacts a few MiB, and the aws CLI uploads in 8 MiB parts.
 */
export const MAX_S3_BODY_BYTES = 16 * 1024 * 1024;
/** What all bodies being checked may hold together: ten 8 MiB parts of one `aws s3 cp` fit. */
export const MAX_S3_BUFFERED_BYTES = 96 * 1024 * 1024;
const HEX_SHA256 = /^[0-9a-f]{64}$/;
/** Methods that carry no body s3rver would store, so an unsigned payload changes nothing. */
const BODYLESS_METHODS = ['GET', 'HEAD', 'DELETE'];

export interface S3GuardOptions {
  /** The only buckets a request may name. */
  buckets: readonly string[];
  credentials: SigV4Credentials;
  /** Who may connect; the process-wide check of the peer's uid when absent. */
  peerCheck?: PeerCheck;
}

/** What the guard does with a request whose signature is right. */
type Admission = { kind: 'pass' } | { kind: 'verify-body'; sha256: string };

/**
 * Puts a guard in front of s3rver, which accepts anonymous requests, browser form posts and keys
 * that climb out of its directory, and stores any body whatever its signed sha256 says. A
 * request gets through only from a process of this user with a non-browser client on a loopback
 * Host, signed with the state dir's key, to a known bucket and a key without `..`; a body is
 * read, checked against the sha256 its signature covers, and only then handed to s3rver.
 */
export function guardS3Requests(
  handler: RequestListener,
  options: S3GuardOptions,
): RequestListener {
  const budget = new ByteBudget(MAX_S3_BUFFERED_BYTES);
  const guarded: RequestListener = (req, res) => {
    const admission = findS3Refusal(req, options);
    if (typeof admission === 'string') {
      refuseS3Request(req, res, admission);

      return;
    }
    if (admission.kind === 'pass') {
      handler(req, res);

      return;
    }
    forwardVerifiedBody(req, res, admission.sha256, budget, handler);
  };

  return withPeerCheck(guarded, {
    peerCheck: options.peerCheck ?? getSharedPeerCheck(),
    refuse: (req, res, reason) => refuseS3Request(req, res, reason),
  });
}

function forwardVerifiedBody(
  req: IncomingMessage,
  res: ServerResponse,
  sha256: string,
  budget: ByteBudget,
  handler: RequestListener,
): void {
  const length = readDeclaredLength(req, MAX_S3_BODY_BYTES);
  if (typeof length === 'string') {
    const tooLarge = length.startsWith('the request body is larger');
    refuseS3Request(
      req,
      res,
      length,
      tooLarge ? 400 : 403,
      tooLarge ? 'EntityTooLarge' : undefined,
    );

    return;
  }
  if (!budget.tryReserve(length)) {
    refuseS3Request(req, res, 'too many request bodies are in flight; retry', 503, 'SlowDown');

    return;
  }
  res.once('close', () => budget.release(length));
  readWholeBody(req).then(
    (body) => {
      if (sha256Hex(body) !== sha256) {
        refuseS3Request(
          req,
          res,
          'the body does not match the signed x-amz-content-sha256',
          400,
          'XAmzContentSHA256Mismatch',
        );

        return;
      }
      handler(replayRequest(req, body), res);
    },
    (error: unknown) => {
      if (isClientAbort(req, error)) logClientAbortOnce(req);
      res.destroy();
    },
  );
}

function refuseS3Request(
  req: IncomingMessage,
  res: ServerResponse,
  reason: string,
  status = 403,
  code = 'AccessDenied',
): void {
  refuseRequest(
    req,
    res,
    reason,
    (message) => ({
      contentType: 'application/xml',
      body:
        '<?xml version="1.0" encoding="UTF-8"?>\n' +
        `<Error><Code>${code}</Code><Message>${message}</Message></Error>\n`,
    }),
    status,
  );
}

/** Returns why the request is refused, or how it may reach s3rver. */
export function findS3Refusal(req: IncomingMessage, options: S3GuardOptions): string | Admission {
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

  const signatureRefusal = findSignatureRefusal(req, query, options.credentials);
  if (signatureRefusal !== undefined) return signatureRefusal;

  return admitPayload(req);
}

/**
 * s3rver never compares the body with `x-amz-content-sha256`, so a body swapped after signing
 * would be stored. A hex hash is checked here against the body; an unsigned payload is taken
 * only where there is no body to store. Neither the SDK nor aws CLI v1 sends anything else to
 * an http endpoint: both sign the sha256 of every body, and the product presigns nothing.
 */
function admitPayload(req: IncomingMessage): string | Admission {
  const method = req.method ?? 'GET';
  if (!req.headers.authorization) {
    return method === 'GET' || method === 'HEAD'
      ? { kind: 'pass' }
      : 'presigned urls may only GET or HEAD';
  }
  const claimed = String(req.headers['x-amz-content-sha256']).toLowerCase();
  if (HEX_SHA256.test(claimed)) return { kind: 'verify-body', sha256: claimed };
  if (claimed === 'unsigned-payload' && BODYLESS_METHODS.includes(method)) return { kind: 'pass' };

  return 'the x-amz-content-sha256 header must be the hex sha256 of the body';
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
  if (key.includes('\\')) return 'the object key has a backslash';
  // XML cannot carry most of them, and a key s3rver listed with one made every listing of its
  // prefix fail with 500: no product key has one.
  if (hasControlCharacter(key)) return 'the object key has a control character';
  if (key.split('/').some((segment) => segment === '..' || segment === '.')) {
    return 'the object key must not have . or .. segments';
  }

  return undefined;
}

function hasControlCharacter(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) return true;
  }

  return false;
}
