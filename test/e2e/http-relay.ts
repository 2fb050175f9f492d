import { createServer, request } from 'node:http';

export interface RelayHooks {
  /** Called when a request arrives, before it is forwarded. */
  onRequest?: (method: string) => void;
  /** Called when the target's answer arrives, before it is passed on. */
  onAnswer?: (method: string) => void;
}

export interface Relay {
  url: string;
  close(): Promise<void>;
}

/**
 * A loopback HTTP relay to `target`, for tests that pause the target process: it calls hooks as
 * requests and answers pass, so a test can stop and resume the target between them (the kernel
 * queues what arrives meanwhile). It names the target in `Host`, as the API only answers requests
 * addressed to it.
 */
export async function startRelay(target: URL, hooks: RelayHooks = {}): Promise<Relay> {
  const server = createServer((incoming, answer) => {
    const method = incoming.method ?? 'GET';
    hooks.onRequest?.(method);
    const outgoing = request(
      {
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: { ...incoming.headers, host: target.host },
      },
      (response) => {
        hooks.onAnswer?.(method);
        answer.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(answer);
      },
    );
    outgoing.on('error', () => answer.destroy());
    incoming.pipe(outgoing);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error(`relay must listen on a TCP port (received ${String(address)})`);
  }

  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise((closed) => {
        server.closeAllConnections();
        server.close(() => closed());
      }),
  };
}
