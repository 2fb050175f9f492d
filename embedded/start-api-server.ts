import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener } from 'node:http';
import { userInfo } from 'node:os';
import { MAX_BODY_BYTES } from '../http-api/api-types.ts';
import { handleApiRequest } from '../http-api/handle-api-request.ts';
import { acceptCorrelationId } from '../lib/correlation-id.ts';
import { describeError } from '../lib/errors.ts';
import { logger } from '../lib/logger.ts';
import type { Deps } from '../pipeline/deps.ts';
import type { PeerCheck } from './check-peer-user.ts';
import { guardApiRequests } from './guard-loopback-request.ts';
import { listenOnLoopback } from './listen-on-loopback.ts';
import { isClientAbort, logClientAbortOnce } from './log-client-abort.ts';

export interface ApiServer {
  url: string;
  /**
   * What a client must send as `Authorization: Bearer <token>` on a system where the peer's
   * user cannot be read from the kernel (not Linux); on Linux nothing needs it.
   */
  bearerToken: string;
  /**
   * From now on every request that is not a read (GET, HEAD) is answered 503 UNAVAILABLE, so
   * nothing new is accepted by a process that is stopping; reads go on for followers.
   */
  refuseSubmissions(): void;
  /** Stops listening, lets the requests in progress finish, then closes every connection. */
  stop(): Promise<void>;
}

/** What a submission gets while the backend is stopping (see ApiServer.refuseSubmissions). */
export const STOPPING_ANSWER =
  '{"error":{"code":"UNAVAILABLE","message":"the backend is stopping; submit again after it restarts"}}\n';

/**
 * A request whose body has not fully arrived by then is answered 408 and closed; Node's own
 * default holds a stalled body for 300 s. API Gateway's integration limit is 29 s.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export async function startApiServer(options: {
  port: number;
  deps: Deps;
  /** Milliseconds to receive a whole request; DEFAULT_REQUEST_TIMEOUT_MS when absent. */
  requestTimeoutMs?: number;
  /** The fallback bearer token (see ApiServer.bearerToken); a random one when absent. */
  bearerToken?: string;
  /** Who may connect; the process-wide check of the peer's uid when absent. */
  peerCheck?: PeerCheck;
}): Promise<ApiServer> {
  const bearerToken = options.bearerToken ?? randomBytes(32).toString('base64url');
  const identity = `local:${safeUserName()}`;
  let refusing = false;
  const inProgress = new Set<Promise<void>>();
  const handleRequest: RequestListener = (req, res) => {
    const handled = (async () => {
      const { body, bytes } = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (refusing && req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(STOPPING_ANSWER);
        return;
      }
      // A liveness probe for scripts that wait for the backend; it touches no state.
      if (url.pathname === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(req.method === 'HEAD' ? undefined : '{"status":"ok"}\n');
        return;
      }
      const correlationHeader = req.headers['x-correlation-id'];
      const response = await handleApiRequest(
        {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: readQuery(url.searchParams),
          headers: flattenHeaders(req),
          body,
          bodyBytes: bytes,
          identity,
          correlationId:
            (typeof correlationHeader === 'string'
              ? acceptCorrelationId(correlationHeader)
              : undefined) ?? randomUUID(),
        },
        options.deps,
      );
      res.writeHead(response.status, response.headers);
      res.end(response.body);
    })().catch((error: unknown) => {
      if (isClientAbort(req, error)) {
        logClientAbortOnce(req);

        return;
      }
      logger.error('api server request failed', { error: describeError(error) });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"INTERNAL","message":"the request failed inside the backend"}}\n');
    });
    inProgress.add(handled);
    void handled.finally(() => inProgress.delete(handled));
  };
  // The guard refuses other Hosts and other Origins (DNS rebinding and cross-site pages) and
  // connections that other local users opened: 127.0.0.1 alone keeps out only other hosts.
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const server = createServer(
    {
      requestTimeout,
      headersTimeout: Math.min(requestTimeout, 15_000),
      // Node checks the timeouts on this interval (30 s by default), so it bounds the overshoot.
      connectionsCheckingInterval: Math.min(requestTimeout, 5_000),
    },
    guardApiRequests(handleRequest, {
      bearerToken,
      ...(options.peerCheck === undefined ? {} : { peerCheck: options.peerCheck }),
    }),
  );
  const port = await listenOnLoopback(server, options.port, '--port');

  return {
    url: `http://127.0.0.1:${port}`,
    bearerToken,
    refuseSubmissions: () => {
      refusing = true;
    },
    stop: async () => {
      // A request already received is answered (a submission cut off after its write would
      // leave the caller with an empty reply); idle keep-alive connections close now.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      while (inProgress.size > 0) await Promise.allSettled([...inProgress]);
      server.closeAllConnections();
      await closed;
    },
  };
}

/**
 * Keeps the body up to the first chunk past the limit, which is enough for the router to answer
 * 413, and counts every byte, which the 413 reports.
 */
async function readBody(req: IncomingMessage): Promise<{ body?: Buffer; bytes: number }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    if (bytes <= MAX_BODY_BYTES) chunks.push(buffer);
    bytes += buffer.byteLength;
  }
  if (bytes === 0) return { bytes };

  return { body: Buffer.concat(chunks), bytes };
}

/** A repeated parameter keeps every value, comma-joined as API Gateway's HTTP API does. */
function readQuery(params: URLSearchParams): Record<string, string> {
  const query: Record<string, string> = {};
  for (const name of new Set(params.keys())) query[name] = params.getAll(name).join(',');

  return query;
}

function flattenHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }

  return headers;
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    // Containers without a passwd entry for the uid have no user name to report.
    return `uid-${process.getuid?.() ?? 'unknown'}`;
  }
}
