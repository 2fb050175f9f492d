import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { logger } from '../lib/logger.ts';
import { getSharedPeerCheck, OTHER_USER_REFUSAL, type PeerCheck } from './check-peer-user.ts';

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * Why a request to a loopback-only server comes from somewhere it must not: a Host other than a
 * loopback name, alone or with the port the connection arrived on (DNS rebinding), or a browser talking
 * cross-site. Returns undefined for curl, the CLI and the SDKs, which send neither.
 *
 * `allowOwnOrigin` lets a request whose Origin is this very server through (the HTTP API); the
 * S3 endpoint is never called from a page, so there any Origin is refused.
 */
export function findLoopbackRefusal(
  req: IncomingMessage,
  options: { allowOwnOrigin: boolean },
): string | undefined {
  const port = req.socket.localPort;
  const ownHosts = LOOPBACK_NAMES.map((name) => `${name}:${port}`);
  const host = req.headers.host?.toLowerCase();
  // A bare loopback name is fine too: a browser always sends a non-default port, and what
  // rebinding needs is a name of the attacker's, never a loopback one.
  if (host === undefined || !(ownHosts.includes(host) || LOOPBACK_NAMES.includes(host))) {
    return 'the Host header must name this loopback server';
  }

  const origin = req.headers.origin;
  if (origin !== undefined) {
    const ownOrigin = options.allowOwnOrigin && ownHosts.some((own) => origin === `http://${own}`);
    if (!ownOrigin) return 'requests from web pages are refused';
  }
  const fetchSite = req.headers['sec-fetch-site'];
  // `none` is a URL typed into the address bar; only the API may be browsed that way.
  const ownSite = fetchSite === 'same-origin' || fetchSite === 'none';
  if (fetchSite !== undefined && !(options.allowOwnOrigin && ownSite)) {
    return 'requests from web pages are refused';
  }

  return undefined;
}

/** How long a refused client may keep sending the body it was told to stop sending. */
const REFUSED_DRAIN_MS = 1_000;

/**
 * Answers a refused request at once and closes the connection. The unread body is discarded,
 * not kept, and a client still sending after REFUSED_DRAIN_MS is cut off, so a refused request
 * holds neither memory nor the socket. The reason is one of our constant phrases, never request
 * data. `status` is 403 unless the refusal is about size (400) or load (503).
 */
export function refuseRequest(
  req: IncomingMessage,
  res: ServerResponse,
  reason: string,
  render: (reason: string) => { contentType: string; body: string },
  status = 403,
): void {
  logger.warn('loopback request refused', { reason, method: req.method });
  const { contentType, body } = render(reason);
  req.resume();
  res.writeHead(status, { 'content-type': contentType, connection: 'close' });
  res.end(body);
  const socket = req.socket;
  res.once('finish', () => {
    const timer = setTimeout(() => socket.destroy(), REFUSED_DRAIN_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  });
}

/**
 * Runs `handler` only for a connection that passes the peer check. `onUnavailable` decides where
 * the kernel cannot say who the peer is: the HTTP API then asks for its bearer token, while the
 * S3 endpoint and the revision table rely on their signatures alone.
 */
export function withPeerCheck(
  handler: RequestListener,
  options: {
    peerCheck: PeerCheck;
    refuse: (req: IncomingMessage, res: ServerResponse, reason: string) => void;
    onUnavailable?: (req: IncomingMessage) => string | undefined;
  },
): RequestListener {
  return (req, res) => {
    options.peerCheck(req.socket).then(
      (verdict) => {
        const reason =
          verdict === 'same-user'
            ? undefined
            : verdict === 'other-user'
              ? OTHER_USER_REFUSAL
              : options.onUnavailable?.(req);
        if (reason === undefined) {
          handler(req, res);

          return;
        }
        options.refuse(req, res, reason);
      },
      () => options.refuse(req, res, OTHER_USER_REFUSAL),
    );
  };
}

export interface ApiGuardOptions {
  /** The check of who holds the client socket; one shared by the whole process when absent. */
  peerCheck?: PeerCheck;
  /**
   * Asked for (`Authorization: Bearer <token>`) only where the peer's user cannot be read from
   * the kernel; without one, such a system refuses every request.
   */
  bearerToken?: string;
}

/**
 * The HTTP API's guard: loopback Host, no Origin but its own, and a client run by the same
 * local user as this process.
 *
 * Why the peer's uid rather than a token on every request: loopback TCP is open to every local
 * user, and in AWS mode the API deploys for real with the server user's credentials. Linux
 * names the owner of each TCP socket in `/proc/net/tcp`, so the API can tell its own user's
 * curl, CLI and scripts from anyone else's without any header, and nothing changes for them.
 * Where that table is missing (not Linux) the API falls back to a bearer token.
 */
export function guardApiRequests(
  handler: RequestListener,
  options: ApiGuardOptions = {},
): RequestListener {
  const refuse = (req: IncomingMessage, res: ServerResponse, reason: string) =>
    refuseRequest(req, res, reason, (message) => ({
      contentType: 'application/json',
      body: `${JSON.stringify({ error: { code: 'FORBIDDEN', message } })}\n`,
    }));
  const checked = withPeerCheck(handler, {
    peerCheck: options.peerCheck ?? getSharedPeerCheck(),
    refuse,
    onUnavailable: (req) => findBearerRefusal(req, options.bearerToken),
  });

  return (req, res) => {
    const reason =
      findLoopbackRefusal(req, { allowOwnOrigin: true }) ??
      findWrongBearer(req, options.bearerToken);
    if (reason === undefined) {
      checked(req, res);

      return;
    }
    refuse(req, res, reason);
  };
}

/**
 * A bearer token that is not this start's is refused wherever it is sent, also where the peer's
 * user suffices: a wrong credential is a mistake (a stale copy of backend.json, another
 * backend's token) the caller should hear of, not one that works by accident.
 */
function findWrongBearer(req: IncomingMessage, token: string | undefined): string | undefined {
  const header = req.headers.authorization;
  if (token === undefined || header === undefined || !header.startsWith('Bearer ')) {
    return undefined;
  }

  return isToken(header.slice(7), token)
    ? undefined
    : "the bearer token is not this backend's; send the apiToken of backend.json in the state dir of the running serve, or none";
}

function isToken(candidate: string, token: string): boolean {
  // Hashes first, so the comparison takes the same time whatever the lengths.
  const digest = (text: string) => createHash('sha256').update(text).digest();

  return timingSafeEqual(digest(candidate), digest(token));
}

function findBearerRefusal(req: IncomingMessage, token: string | undefined): string | undefined {
  const refusal =
    'this system cannot tell local users apart; send Authorization: Bearer with the apiToken of backend.json in the state dir (kube-aws sends it itself, and to --api when that is the address serve printed)';
  const header = req.headers.authorization;
  if (token === undefined || header === undefined || !header.startsWith('Bearer ')) return refusal;

  return isToken(header.slice(7), token) ? undefined : refusal;
}
