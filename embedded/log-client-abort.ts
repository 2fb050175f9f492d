import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { logger } from '../lib/logger.ts';

const reported = new WeakSet<Socket>();

/** Whether a request failed because its client went away before the whole body arrived. */
export function isClientAbort(req: IncomingMessage, error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;

  return code === 'ECONNRESET' || code === 'ECONNABORTED' || (req.destroyed && !req.complete);
}

/**
 * A client hanging up is the client's business, not a backend fault: WARN, and once per
 * connection, so a slow or flaky client cannot flood the log.
 */
export function logClientAbortOnce(req: IncomingMessage): void {
  if (reported.has(req.socket)) return;
  reported.add(req.socket);
  logger.warn('api client connection aborted', { method: req.method });
}
