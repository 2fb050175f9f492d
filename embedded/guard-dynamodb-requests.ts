import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { sha256Hex } from '../lib/hash.ts';
import { findLoopbackRefusal, refuseRequest } from './guard-loopback-request.ts';
import { isClientAbort, logClientAbortOnce } from './log-client-abort.ts';
import { findSigV4Failure, type SigV4Credentials } from './verify-sigv4-request.ts';

/** A revision item is at most 400 KB; no request of ours comes near this. */
export const MAX_DYNAMODB_BODY_BYTES = 1024 * 1024;

export interface DynamoDbGuardOptions {
  credentials: SigV4Credentials;
}

/**
 * Puts a guard in front of dynalite, which checks no signature at all. A request gets through
 * only as `POST /` from a non-browser client on a loopback Host, with a body of at most 1 MiB
 * whose SigV4 signature (which covers the body's sha256) verifies with the state dir's key.
 * The body is read here, checked, then handed to dynalite as if it came off the socket.
 */
export function guardDynamoDbRequests(
  handler: RequestListener,
  options: DynamoDbGuardOptions,
): RequestListener {
  return (req, res) => {
    const early = findDynamoDbRefusal(req);
    if (early !== undefined) {
      refuseDynamoDbRequest(req, res, early);

      return;
    }
    readBoundedBody(req).then(
      (body) => {
        if (body === undefined) {
          refuseDynamoDbRequest(req, res, 'the request body is larger than 1 MiB');

          return;
        }
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
}

/** Returns why the request is refused before its body is read, or undefined to read it. */
export function findDynamoDbRefusal(req: IncomingMessage): string | undefined {
  const loopback = findLoopbackRefusal(req, { allowOwnOrigin: false });
  if (loopback !== undefined) return loopback;
  if (req.method !== 'POST' || req.url !== '/') return 'only POST / is served';
  if (Number(req.headers['content-length'] ?? 0) > MAX_DYNAMODB_BODY_BYTES) {
    return 'the request body is larger than 1 MiB';
  }
  if (req.headers.authorization === undefined) return 'requests must be signed';

  return undefined;
}

function refuseDynamoDbRequest(req: IncomingMessage, res: ServerResponse, reason: string): void {
  refuseRequest(req, res, reason, (message) => ({
    contentType: 'application/x-amz-json-1.0',
    body: JSON.stringify({
      __type: 'com.amazon.coral.service#UnrecognizedClientException',
      message,
    }),
  }));
}

/** The whole body, or undefined as soon as it passes the limit (the rest is left unread). */
function readBoundedBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > MAX_DYNAMODB_BODY_BYTES) {
        req.off('data', onData);
        req.pause();
        resolve(undefined);

        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete)
        reject(Object.assign(new Error('request aborted'), { code: 'ECONNRESET' }));
    });
  });
}

/**
 * dynalite reads the body from the request stream, which the guard has drained: it gets a stream
 * of the same bytes with the request's method, URL and headers.
 */
function replayRequest(req: IncomingMessage, body: Buffer): IncomingMessage {
  const replay = Readable.from(body.byteLength === 0 ? [] : [body], { objectMode: false });

  return Object.assign(replay, {
    method: req.method,
    url: req.url,
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    httpVersion: req.httpVersion,
    socket: req.socket,
  }) as unknown as IncomingMessage;
}
