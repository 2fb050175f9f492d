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
import {
  findSigV4Failure,
  findSigV4HeaderFailure,
  type SigV4Credentials,
} from './verify-sigv4-request.ts';

/** A revision item is at most 400 KB; no request of ours comes near this. */
export const MAX_DYNAMODB_BODY_BYTES = 1024 * 1024;
/**
 * What all requests in flight may hold together. The pipeline's requests are a few KiB and at
 * most one run per core is in flight, so this is never reached by the product itself.
 */
export const MAX_DYNAMODB_BUFFERED_BYTES = 8 * 1024 * 1024;

export interface DynamoDbGuardOptions {
  credentials: SigV4Credentials;
  /** Who may connect; the process-wide check of the peer's uid when absent. */
  peerCheck?: PeerCheck;
  /** What all bodies being read may hold together; MAX_DYNAMODB_BUFFERED_BYTES when absent. */
  maxBufferedBytes?: number;
}

/**
 * Puts a guard in front of dynalite, which checks no signature at all. A request gets through
 * only as `POST /` from a process of this user with a non-browser client on a loopback Host,
 * with a declared body of at most 1 MiB and a SigV4 signature (which covers the body's sha256)
 * that verifies with the state dir's key. Everything but the body hash is checked before a byte
 * of the body is read, so a stranger cannot make the guard hold memory. The body is then read,
 * checked, and handed to dynalite as if it came off the socket.
 */
export function guardDynamoDbRequests(
  handler: RequestListener,
  options: DynamoDbGuardOptions,
): RequestListener {
  const budget = new ByteBudget(options.maxBufferedBytes ?? MAX_DYNAMODB_BUFFERED_BYTES);
  const guarded: RequestListener = (req, res) => {
    const early = findDynamoDbRefusal(req, options.credentials);
    if (typeof early === 'string') {
      refuseDynamoDbRequest(req, res, early);

      return;
    }
    if (!budget.tryReserve(early)) {
      refuseDynamoDbRequest(req, res, 'too many request bodies are in flight; retry', 503);

      return;
    }
    // Given back once the response is done, whatever became of the request.
    res.once('close', () => budget.release(early));
    readWholeBody(req).then(
      (body) => {
        const failure = findSigV4Failure(req, {
          credentials: options.credentials,
          service: 'dynamodb',
          bodyHash: sha256Hex(body),
        });
        if (failure !== undefined) {
          refuseDynamoDbRequest(req, res, `the request signature is refused: ${failure}`);

          return;
        }
        handler(replayRequest(req, body), res);
      },
      (error: unknown) => {
        // Only the client can end a body early; there is no one left to answer.
        if (isClientAbort(req, error)) logClientAbortOnce(req);
        res.destroy();
      },
    );
  };

  return withPeerCheck(guarded, {
    peerCheck: options.peerCheck ?? getSharedPeerCheck(),
    refuse: refuseDynamoDbRequest,
  });
}

/**
 * Returns why the request is refused before its body is read, or the body length to read. The
 * body length is the declared one; HTTP framing stops the body there.
 */
export function findDynamoDbRefusal(
  req: IncomingMessage,
  credentials: SigV4Credentials,
): string | number {
  const loopback = findLoopbackRefusal(req, { allowOwnOrigin: false });
  if (loopback !== undefined) return loopback;
  if (req.method !== 'POST' || req.url !== '/') return 'only POST / is served';
  const length = readDeclaredLength(req, MAX_DYNAMODB_BODY_BYTES);
  if (typeof length === 'string') return length;
  if (req.headers.authorization === undefined) return 'requests must be signed';
  const failure = findSigV4HeaderFailure(req, {
    credentials,
    service: 'dynamodb',
    bodyHashFollows: true,
  });

  return failure === undefined ? length : `the request signature is refused: ${failure}`;
}

function refuseDynamoDbRequest(
  req: IncomingMessage,
  res: ServerResponse,
  reason: string,
  status = 403,
): void {
  refuseRequest(
    req,
    res,
    reason,
    (message) => ({
      contentType: 'application/x-amz-json-1.0',
      body: JSON.stringify({
        __type:
          status === 503
            ? 'com.amazon.coral.availability#ThrottlingException'
            : 'com.amazon.coral.service#UnrecognizedClientException',
        message,
      }),
    }),
    status,
  );
}
