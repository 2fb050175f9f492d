import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.ts';
import { captureIo } from './capture-io.ts';

const EXAMPLE = path.resolve(import.meta.dirname, '../../../examples/cluster.yaml');

/** A server on 127.0.0.1 that answers every request with one status and body, and logs paths. */
async function startFakeApi(status: number, body: string) {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(`${req.method} ${req.url}`);
    req.resume();
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return { server, url, paths };
}

describe('up against an API that is not this backend', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  const runUp = async (status: number, body: string) => {
    const fake = await startFakeApi(status, body);
    servers.push(fake.server);
    const io = captureIo();
    const code = await main(['up', EXAMPLE, '--api', fake.url], io);

    return { code, io, fake };
  };

  it('stops at a 202 whose cluster name would change the paths it requests next', async () => {
    const { code, io, fake } = await runUp(202, '{"cluster":"a/../../b","revision":1}');

    expect(code).toBe(1);
    expect(io.stderr()).toBe(
      `kube-aws up: the API's 202 answer must hold a cluster name and revision number (received cluster: Invalid string: must match pattern /^[a-zA-Z][-a-zA-Z0-9]*$/); is ${fake.url} a kube-aws backend?\n`,
    );
    expect(fake.paths).toEqual(['POST /clusters']);
  });

  it('stops at a 202 whose revision is not a number', async () => {
    const { code, io } = await runUp(202, '{"cluster":"demo","revision":"1?x="}');

    expect(code).toBe(1);
    expect(io.stderr()).toContain(
      '(received revision: Invalid input: expected number, received string)',
    );
  });

  it('says a body that is not JSON is not JSON, with its start', async () => {
    const { code, io, fake } = await runUp(202, '<html>hello</html>');

    expect(code).toBe(1);
    expect(io.stderr()).toBe(
      `kube-aws up: ${fake.url} answered 202 with a body that is not JSON (received "<html>hello</html>"); is it a kube-aws backend?\n`,
    );
  });

  it('reports a 400 whose findings are not a list as the API error, not a crash', async () => {
    const { code, io } = await runUp(400, '{"errors":"x","error":{"message":"bad input"}}');

    expect(code).toBe(1);
    expect(io.stderr()).toBe('kube-aws up: bad input\n');
  });
});
