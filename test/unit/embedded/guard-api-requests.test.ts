import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../../../embedded/start-api-server.ts';
import type { Deps } from '../../../pipeline/deps.ts';
import { sendRawRequest } from './raw-request.ts';

const FORBIDDEN_HOST = {
  status: 403,
  contentType: 'application/json',
  body: '{"error":{"code":"FORBIDDEN","message":"the Host header must name this loopback server"}}\n',
};
const FORBIDDEN_PAGE = {
  status: 403,
  contentType: 'application/json',
  body: '{"error":{"code":"FORBIDDEN","message":"requests from web pages are refused"}}\n',
};

/** The unknown route answers before any dependency is used, so no deps are needed here. */
describe('the embedded HTTP API guard', () => {
  let api: ApiServer;
  let port: number;

  beforeAll(async () => {
    api = await startApiServer({ port: 0, deps: {} as Deps });
    port = Number(new URL(api.url).port);
  });
  afterAll(async () => {
    await api?.stop();
  });

  const notFound = () => ({
    status: 404,
    contentType: 'application/json',
    body: `${JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no route for "/nope"' } }, null, 2)}\n`,
  });

  it.each(['127.0.0.1', 'localhost', '[::1]', 'LOCALHOST'])(
    'routes a request whose Host is %s with the server port',
    async (name) => {
      const response = await sendRawRequest(port, {
        path: '/nope',
        headers: { host: `${name}:${port}` },
      });

      expect(response).toEqual(notFound());
    },
  );

  it.each(['127.0.0.1', 'localhost', '[::1]'])(
    'routes a request whose Host is %s without a port, which no browser sends for this port',
    async (name) => {
      const response = await sendRawRequest(port, { path: '/nope', headers: { host: name } });

      expect(response).toEqual(notFound());
    },
  );

  it.each([
    ['a rebinding name', () => `attacker.example:${port}`],
    ['a loopback name with another port', () => `127.0.0.1:${port + 1}`],
    ['a loopback name with a port appended twice', () => `127.0.0.1:${port}:${port}`],
    ['the unspecified address', () => `0.0.0.0:${port}`],
  ])('refuses a Host header that is %s', async (_label, host) => {
    const response = await sendRawRequest(port, { path: '/nope', headers: { host: host() } });

    expect(response).toEqual(FORBIDDEN_HOST);
  });

  it("refuses a bearer token that is not this start's, and serves the right one or none", async () => {
    const send = (authorization?: string) =>
      sendRawRequest(port, {
        path: '/nope',
        headers: {
          host: `127.0.0.1:${port}`,
          ...(authorization === undefined ? {} : { authorization }),
        },
      });

    expect(await send('Bearer wrong')).toEqual({
      status: 403,
      contentType: 'application/json',
      body: `${JSON.stringify({ error: { code: 'FORBIDDEN', message: "the bearer token is not this backend's; send the apiToken of backend.json in the state dir of the running serve, or none" } })}\n`,
    });
    expect(await send(`Bearer ${api.bearerToken}`)).toEqual(notFound());
    expect(await send()).toEqual(notFound());
  });

  it('refuses a submission carrying a foreign Origin before reading it', async () => {
    const response = await sendRawRequest(port, {
      method: 'POST',
      path: '/clusters/demo/revisions',
      headers: { origin: 'http://attacker.example', 'content-type': 'text/plain' },
      body: 'clusterName: demo\n',
    });

    expect(response).toEqual(FORBIDDEN_PAGE);
  });

  it.each([
    ['Origin null', { origin: 'null' }],
    ['an Origin on another loopback port', { origin: 'http://127.0.0.1:1' }],
    ['Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site same-site', { 'sec-fetch-site': 'same-site' }],
  ])('refuses a request with %s', async (_label, headers) => {
    const response = await sendRawRequest(port, { path: '/nope', headers });

    expect(response).toEqual(FORBIDDEN_PAGE);
  });

  it('routes a request whose Origin is the API itself', async () => {
    const response = await sendRawRequest(port, {
      path: '/nope',
      headers: { origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin' },
    });

    expect(response).toEqual(notFound());
  });

  it('routes a request from fetch, which sends neither Origin nor Sec-Fetch-Site', async () => {
    const response = await fetch(`${api.url}/nope`);

    expect({
      status: response.status,
      contentType: response.headers.get('content-type'),
      body: await response.text(),
    }).toEqual(notFound());
  });
});
