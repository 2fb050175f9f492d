import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../../../embedded/start-api-server.ts';
import type { Deps } from '../../../pipeline/deps.ts';
import { sendRawRequest } from './raw-request.ts';

const REFUSED = {
  status: 403,
  contentType: 'application/json',
  body: '{"error":{"code":"FORBIDDEN","message":"this system cannot tell local users apart; send Authorization: Bearer with the apiToken of backend.json in the state dir (kube-aws sends it itself, and to --api when that is the address serve printed)"}}\n',
};

/** A system without `/proc/net/tcp`, stood in for by a peer check that cannot answer. */
describe('the HTTP API where the peer user cannot be read', () => {
  let api: ApiServer;
  let port: number;

  beforeAll(async () => {
    api = await startApiServer({
      port: 0,
      deps: {} as Deps,
      bearerToken: 'token-of-this-user',
      peerCheck: () => Promise.resolve('unavailable'),
    });
    port = Number(new URL(api.url).port);
  });
  afterAll(async () => {
    await api?.stop();
  });

  it.each([
    ['no authorization header', {}],
    ['the token without the Bearer scheme', { authorization: 'token-of-this-user' }],
  ])('refuses a request with %s', async (_label, headers) => {
    expect(await sendRawRequest(port, { path: '/nope', headers })).toEqual(REFUSED);
  });

  it('refuses a request with another token, saying the token is wrong', async () => {
    const headers = { authorization: 'Bearer token-of-someone-else' };

    expect(await sendRawRequest(port, { path: '/nope', headers })).toEqual({
      ...REFUSED,
      body: `${JSON.stringify({ error: { code: 'FORBIDDEN', message: "the bearer token is not this backend's; send the apiToken of backend.json in the state dir of the running serve, or none" } })}\n`,
    });
  });

  it('routes a request carrying the bearer token', async () => {
    const response = await sendRawRequest(port, {
      path: '/healthz',
      headers: { authorization: 'Bearer token-of-this-user' },
    });

    expect([response.status, response.body]).toEqual([200, '{"status":"ok"}\n']);
  });
});
