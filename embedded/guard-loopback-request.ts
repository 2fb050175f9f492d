import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { logger } from '../lib/logger.ts';

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

/**
 * Answers a refused request at once and closes the connection, so an unread body cannot keep
 * the socket open. The reason is one of our constant phrases, never request data.
 */
export function refuseRequest(
  req: IncomingMessage,
  res: ServerResponse,
  reason: string,
  render: (reason: string) => { contentType: string; body: string },
): void {
  logger.warn('loopback request refused', { reason, method: req.method });
  const { contentType, body } = render(reason);
  req.resume();
  res.writeHead(403, { 'content-type': contentType, connection: 'close' });
  res.end(body);
}

/** The HTTP API's guard: loopback Host, and no Origin but its own. */
export function guardApiRequests(handler: RequestListener): RequestListener {
  return (req, res) => {
    const reason = findLoopbackRefusal(req, { allowOwnOrigin: true });
    if (reason === undefined) {
      handler(req, res);

      return;
    }
    refuseRequest(req, res, reason, (message) => ({
      contentType: 'application/json',
      body: `${JSON.stringify({ error: { code: 'FORBIDDEN', message } })}\n`,
    }));
  };
}
