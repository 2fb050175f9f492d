import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, openBackendSession } from '../../../cli/backend-session.ts';
import { main } from '../../../cli/main.ts';
import { writeServeBackendFile } from '../../../cli/serve-command.ts';
import { createPeerCheck } from '../../../embedded/check-peer-user.ts';
import {
  type EmbeddedBackend,
  startEmbeddedBackend,
} from '../../../embedded/start-embedded-backend.ts';
import { captureIo } from '../../unit/cli/capture-io.ts';

const EXAMPLE = path.resolve(import.meta.dirname, '../../../examples/cluster.yaml');
const REFUSAL =
  '{"error":{"code":"FORBIDDEN","message":"this system cannot tell local users apart; send Authorization: Bearer with the apiToken of backend.json in the state dir (kube-aws sends it itself, and to --api when that is the address serve printed)"}}\n';

const WRONG_TOKEN =
  '{"error":{"code":"FORBIDDEN","message":"the bearer token is not this backend\'s; send the apiToken of backend.json in the state dir of the running serve, or none"}}\n';

/** The token with its last character changed: as long, and wrong. */
function alter(text: string): string {
  return `${text.slice(0, -1)}${text.endsWith('A') ? 'B' : 'A'}`;
}

/**
 * A serve on a system without `/proc/net/tcp` (macOS, Windows): the real peer check, pointed at
 * a table path that does not exist, answers `unavailable` for every connection, so the HTTP API
 * lets in only requests that carry the bearer token serve wrote to backend.json.
 */
describe('the CLI and a serve that cannot tell local users apart', () => {
  let root: string;
  let stateDir: string;
  let backend: EmbeddedBackend;
  let token: string;
  /** What this process writes to stdout and stderr meanwhile: the logger's lines among it. */
  const written: string[] = [];
  const restores: Array<() => void> = [];

  beforeAll(async () => {
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream);
      stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
        written.push(Buffer.from(chunk).toString('utf8'));
        return write(chunk, ...rest);
      }) as typeof stream.write;
      restores.push(() => {
        stream.write = write;
      });
    }
    root = await mkdtemp(path.join(tmpdir(), 'kube-aws-bearer-'));
    stateDir = path.join(root, 'state');
    backend = await startEmbeddedBackend({
      stateDir,
      apiPort: 0,
      s3Port: 0,
      apiPeerCheck: createPeerCheck({ tablePath: path.join(root, 'no-proc-net-tcp') }),
    });
    // What serve does once its backend listens: the CLI finds it, and its token, through this.
    await writeServeBackendFile(stateDir, backend);
    token = backend.apiBearerToken;
  });
  afterAll(async () => {
    for (const restore of restores.splice(0)) restore();
    await backend?.stop();
    await rm(root, { recursive: true, force: true });
  });

  const post = (headers: Record<string, string>) =>
    readFile(EXAMPLE).then((yaml) =>
      fetch(`${backend.apiUrl}/clusters`, {
        method: 'POST',
        headers: { 'content-type': 'application/yaml', ...headers },
        body: yaml,
      }),
    );

  it('keeps the token in backend.json, private to this user', async () => {
    const file = path.join(stateDir, 'backend.json');

    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((JSON.parse(await readFile(file, 'utf8')) as { apiToken: string }).apiToken).toBe(token);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it.each([
    ['no authorization header', (): Record<string, string> => ({}), REFUSAL],
    ['a wrong token', () => ({ authorization: `Bearer ${alter(token)}` }), WRONG_TOKEN],
    ['a longer token', () => ({ authorization: `Bearer ${token}A` }), WRONG_TOKEN],
    ['the token without the Bearer scheme', () => ({ authorization: token }), REFUSAL],
  ])('refuses a submission with %s with 403, recording nothing', async (_label, headers, body) => {
    const answer = await post(headers());

    expect([answer.status, await answer.text()]).toEqual([403, body]);
    expect(await backend.deps.revisions.list('demo')).toEqual([]);
  });

  it('submits with up and reads history, sending the token and printing it nowhere', async () => {
    const up = captureIo();
    const history = captureIo();

    const upCode = await main(['up', EXAMPLE, '--state-dir', stateDir, '--verbose'], up);
    const historyCode = await main(
      ['history', 'demo', '--state-dir', stateDir, '--format', 'json'],
      history,
    );

    expect([upCode, up.stderr()]).toEqual([0, '']);
    expect(up.stdout()).toMatch(
      new RegExp(
        `^using running backend at ${backend.apiUrl} \\(pid ${process.pid}\\)\n` +
          'revision 1 of cluster demo submitted\n(.*\n)*revision 1 of cluster demo: PLANNED \\(',
      ),
    );
    // --verbose printed the whole change preview: the longest output up has.
    expect(up.stdout()).toContain('change preview:\n');
    expect(historyCode).toBe(0);
    expect(history.stderr()).toBe(
      `using running backend at ${backend.apiUrl} (pid ${process.pid})\n`,
    );
    const revisions = JSON.parse(history.stdout()) as Array<{ revision: number; status: string }>;
    expect(revisions.map(({ revision, status }) => [revision, status])).toEqual([[1, 'PLANNED']]);
    for (const text of [up.stdout(), up.stderr(), history.stdout(), history.stderr()]) {
      expect(text).not.toContain(token);
    }
  });

  it('logs each refusal without the token it was sent', () => {
    const refusals = written.filter((line) => line.includes('"loopback request refused"'));

    expect(refusals).toHaveLength(4);
    expect(written.join('')).not.toContain(token);
    expect(written.join('')).not.toContain(alter(token));
  });

  it('sends the token to --api when it is the address serve recorded, and to no other', async () => {
    const same = captureIo();
    const other = captureIo();
    const otherUrl = backend.apiUrl.replace('127.0.0.1', 'localhost');

    const sameCode = await main(
      [
        'history',
        'demo',
        '--api',
        `${backend.apiUrl}/`,
        '--state-dir',
        stateDir,
        '--format',
        'json',
      ],
      same,
    );
    const otherCode = await main(
      ['history', 'demo', '--api', otherUrl, '--state-dir', stateDir, '--format', 'json'],
      other,
    );

    expect(sameCode).toBe(0);
    expect(JSON.parse(same.stdout())).toHaveLength(1);
    expect(otherCode).toBe(1);
    expect(other.stderr()).toContain('cannot tell local users apart; send Authorization: Bearer');
    for (const text of [same.stdout(), same.stderr(), other.stdout(), other.stderr()]) {
      expect(text).not.toContain(token);
    }
  });

  it('takes a new token at the next start and refuses the one before', async () => {
    await backend.stop();
    backend = await startEmbeddedBackend({
      stateDir,
      apiPort: 0,
      s3Port: 0,
      apiPeerCheck: createPeerCheck({ tablePath: path.join(root, 'no-proc-net-tcp') }),
    });
    const get = (bearer: string) =>
      fetch(`${backend.apiUrl}/clusters/absent`, {
        headers: { authorization: `Bearer ${bearer}` },
      });

    expect(backend.apiBearerToken).not.toBe(token);
    expect([(await get(token)).status, (await get(backend.apiBearerToken)).status]).toEqual([
      403, 404,
    ]);
  });
});

describe('the CLI and the backend it runs in-process where local users cannot be told apart', () => {
  it('submits with the in-process backend token, which a request without it lacks', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'kube-aws-bearer-in-process-'));
    const stateDir = path.join(root, 'state');
    const io = captureIo();
    const session = await openBackendSession({ 'state-dir': stateDir }, io, {
      apiPeerCheck: createPeerCheck({ tablePath: path.join(root, 'no-proc-net-tcp') }),
    });
    try {
      const bare = await fetch(`${session.apiUrl}/clusters/demo`);
      const submitted = await callApi(session, 'POST', '/clusters', {
        text: await readFile(EXAMPLE, 'utf8'),
        contentType: 'application/yaml',
      });

      expect([bare.status, await bare.text()]).toEqual([403, REFUSAL]);
      expect(submitted.status).toBe(202);
      expect(submitted.body).toMatchObject({ cluster: 'demo', revision: 1 });
      expect([io.stdout(), io.stderr()]).toEqual(['', '']);
    } finally {
      await session.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
