import type { IncomingMessage, ServerResponse } from 'node:http';

/** The handler, adding each request's handling to `inProgress` until it has finished. */
export function trackRequests(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  inProgress: Set<Promise<void>>,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    // Koa answers its own errors; the promise only says when the middleware is done.
    const handled = handle(req, res).catch(() => undefined);
    inProgress.add(handled);
    void handled.finally(() => inProgress.delete(handled));
  };
}
