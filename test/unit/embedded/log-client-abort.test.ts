import { connect } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ApiServer, startApiServer } from '../../../embedded/start-api-server.ts';
import { logger } from '../../../lib/logger.ts';
import type { Deps } from '../../../pipeline/deps.ts';

/** Sends a head that promises more body than follows, then hangs up. */
function abortMidBody(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.write(
        'POST /clusters HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/yaml\r\n' +
          'Content-Length: 1000\r\n\r\nclusterName: half',
      );
      setTimeout(() => socket.destroy(), 50);
    });
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
}

async function waitForCalls(spy: { mock: { calls: unknown[] } }, count: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (spy.mock.calls.length < count && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The request is dropped while its body is read, before any dependency is used. */
describe('an API client that hangs up mid-body', () => {
  let api: ApiServer;
  let port: number;

  beforeAll(async () => {
    api = await startApiServer({ port: 0, deps: {} as Deps });
    port = Number(new URL(api.url).port);
  });
  afterAll(async () => {
    await api?.stop();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('is logged once per connection at WARN with the method only, never at ERROR', async () => {
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);

    for (let index = 0; index < 3; index += 1) await abortMidBody(port);
    await waitForCalls(warn, 3);
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(warn.mock.calls).toEqual([
      ['api client connection aborted', { method: 'POST' }],
      ['api client connection aborted', { method: 'POST' }],
      ['api client connection aborted', { method: 'POST' }],
    ]);
    expect(error.mock.calls).toEqual([]);
  });
});
