import { type AddressInfo, createServer } from 'node:net';
import { afterAll, beforeAll } from 'vitest';

/**
 * readLiveBackend trusts backend.json only while this user listens on its port: one listener of
 * ours on 127.0.0.1 for the describe block that calls this, and the URL a file should name.
 */
export function useOwnListener(): { readonly apiUrl: string } {
  const listening = { apiUrl: '', server: createServer() };
  beforeAll(async () => {
    await new Promise<void>((resolve) => listening.server.listen(0, '127.0.0.1', resolve));
    listening.apiUrl = `http://127.0.0.1:${(listening.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => listening.server.close(resolve));
  });

  return listening;
}
