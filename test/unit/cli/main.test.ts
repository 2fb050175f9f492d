import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.ts';
import { captureIo } from './capture-io.ts';

describe('kube-aws main', () => {
  it('prints the overview and exits 0 for --help', async () => {
    const io = captureIo();

    expect(await main(['--help'], io)).toBe(0);
    expect(io.stdout()).toContain('Usage: kube-aws <command> [options]');
  });

  it('prints the package version for --version', async () => {
    const io = captureIo();

    expect(await main(['--version'], io)).toBe(0);
    expect(io.stdout()).toBe('0.1.0\n');
  });

  it('exits 2 for an unknown command', async () => {
    const io = captureIo();

    expect(await main(['deploy'], io)).toBe(2);
    expect(io.stderr()).toBe('kube-aws: unknown command "deploy"; run kube-aws --help\n');
  });

  it('prints the command help for validate --help', async () => {
    const io = captureIo();

    expect(await main(['validate', '--help'], io)).toBe(0);
    expect(io.stdout()).toContain('Usage: kube-aws validate <cluster.yaml> [--format text|json]');
  });

  it('exits 2 for validate of a file that does not exist', async () => {
    const io = captureIo();

    expect(await main(['validate', 'missing.yaml'], io)).toBe(2);
    expect(io.stderr()).toBe('kube-aws validate: missing.yaml cannot be read (received ENOENT)\n');
  });

  it('exits 2 for validate with an unknown --format', async () => {
    const io = captureIo();

    expect(await main(['validate', 'examples/cluster.yaml', '--format', 'xml'], io)).toBe(2);
    expect(io.stderr()).toBe(
      'kube-aws validate: --format must be text or json (received xml); run kube-aws validate --help\n',
    );
  });

  it('exits 0 for validate of the example cluster', async () => {
    const io = captureIo();

    expect(await main(['validate', 'examples/cluster.yaml', '--format', 'json'], io)).toBe(0);
    expect(JSON.parse(io.stdout()).valid).toBe(true);
  });

  it('exits 1 and prints file:line:column for a field of the wrong type', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kube-aws-cli-'));
    await writeFile(
      path.join(dir, 'bad.yaml'),
      'clusterName: demo\nexternalDNSName: demo.example.com\nkeyName: k\nregion: us-east-1\nworkerCount: two\ninstanceCIDR: 10.0.0.0/24\navailabilityZone: us-east-1a\n',
    );
    const io = { ...captureIo(), cwd: dir };
    const captured = captureIo();
    io.out = captured.out;

    expect(await main(['validate', 'bad.yaml'], io)).toBe(1);
    expect(captured.stdout()).toBe(
      'bad.yaml:5:14: error: workerCount must be an integer (received "two")\n',
    );
  });

  it('passes --state-dir written before the command on to the command', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kube-aws-cli-'));
    const io = captureIo();
    const missing = path.join(dir, 'missing');

    expect(await main(['--state-dir', missing, 'status', 'demo'], io)).toBe(1);
    expect(io.stderr()).toBe(
      `kube-aws status: ${missing} does not exist, and no backend runs on it (received no state); pass --state-dir or set KUBE_AWS_STATE_DIR to the state dir that up or serve used\n`,
    );
  });

  it('exits 2 for --state-dir without a directory before the command', async () => {
    const io = captureIo();

    expect(await main(['--state-dir'], io)).toBe(2);
    expect(io.stderr()).toBe('kube-aws: --state-dir needs a directory; run kube-aws --help\n');
  });

  it('names the command once when up gets no file', async () => {
    const io = captureIo();

    expect(await main(['up'], io)).toBe(2);
    expect(io.stderr()).toBe(
      'kube-aws up: needs exactly one file (received 0); run kube-aws up --help\n',
    );
  });

  it('names an unknown option plainly', async () => {
    const io = captureIo();

    expect(await main(['up', 'examples/cluster.yaml', '--bogus'], io)).toBe(2);
    expect(io.stderr()).toBe('kube-aws up: unknown option --bogus; run kube-aws up --help\n');
  });

  it('exits 2 for an --api that is not an http URL', async () => {
    const io = captureIo();

    expect(await main(['status', 'demo', '--api', 'notaurl'], io)).toBe(2);
    expect(io.stderr()).toBe(
      'kube-aws status: --api must be an http:// or https:// URL (received notaurl); run kube-aws status --help\n',
    );
  });

  it('refuses a cluster name the API would refuse as a usage error, before any backend is asked', async () => {
    const io = captureIo();

    expect(await main(['history', '../x', '--api', 'http://127.0.0.1:1'], io)).toBe(2);
    expect(io.stderr()).toBe(
      'kube-aws history: cluster name must start with a letter and hold only letters, digits and hyphens, at most 128 (received "../x"); run kube-aws history --help\n',
    );
  });

  it.each([
    [
      ['history', 'demo', '--limit', '0'],
      'kube-aws history: --limit must be a whole number of at least 1 (received "0"); run kube-aws history --help\n',
    ],
    [
      ['history', 'demo', '--limit', '5', '--all'],
      'kube-aws history: takes --limit N or --all, not both; run kube-aws history --help\n',
    ],
  ])('exits 2 for %j before any backend is asked', async (args, stderr) => {
    const io = captureIo();

    expect(await main([...args, '--api', 'http://127.0.0.1:1'], io)).toBe(2);
    expect(io.stderr()).toBe(stderr);
  });

  it.each([
    [['status', 'demo', '--state-dir=']],
    [['history', 'demo', '--state-dir', '']],
    [['--state-dir=', 'history', 'demo']],
  ])('refuses an empty --state-dir in %j with exit 2, creating nothing', async (args) => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'kube-aws-empty-state-'));
    const io = { ...captureIo(), cwd };

    expect(await main(args, io)).toBe(2);
    expect(io.stderr()).toMatch(
      /^kube-aws (status|history): --state-dir must name a directory \(received an empty value\); run kube-aws (status|history) --help\n$/,
    );
    expect(await readdir(cwd)).toEqual([]);
    await rm(cwd, { recursive: true, force: true });
  });

  it('refuses a file over 256 KiB from its first bytes, in validate and before up starts a backend', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'kube-aws-big-'));
    await writeFile(path.join(cwd, 'big.yaml'), '#'.repeat(300_000));
    const validate = { ...captureIo(), cwd };
    const up = { ...captureIo(), cwd };
    const finding =
      'big.yaml: error: big.yaml must be at most 262144 bytes (received 300000 bytes)\n';

    expect(await main(['validate', 'big.yaml'], validate)).toBe(1);
    expect(await main(['up', 'big.yaml', '--state-dir', 'state'], up)).toBe(1);
    expect(validate.stdout()).toBe(finding);
    expect([up.stdout(), up.stderr()]).toEqual([
      '',
      `${finding}big.yaml: not submitted (1 error)\n`,
    ]);
    expect(await readdir(cwd)).toEqual(['big.yaml']);
    await rm(cwd, { recursive: true, force: true });
  });

  it('names an unknown help topic as an unknown command and exits 2', async () => {
    const io = captureIo();

    expect(await main(['help', 'histroy'], io)).toBe(2);
    expect(io.stderr()).toBe('kube-aws: unknown command "histroy"; did you mean history?\n');
  });

  it('reads --limit 05 as 5, as the API reads limit=05', async () => {
    const io = captureIo();

    // Parsed before any backend is asked: a refused limit would exit 2 here.
    expect(
      await main(['history', 'demo', '--limit', '05', '--api', 'http://127.0.0.1:1'], io),
    ).toBe(1);
    expect(io.stderr()).not.toContain('--limit');
  });

  it('prints the help of up for help up, as up --help does, and exits 0', async () => {
    const viaHelp = captureIo();
    const viaFlag = captureIo();

    expect(await main(['help', 'up'], viaHelp)).toBe(0);
    expect(await main(['up', '--help'], viaFlag)).toBe(0);
    expect(viaHelp.stdout()).toBe(viaFlag.stdout());
    expect(viaHelp.stdout()).toMatch(/^Usage: kube-aws up /);
  });

  it('passes a global --state-dir to the command without breaking -- or a last option', async () => {
    const dashes = captureIo();
    const lastOption = captureIo();

    expect(
      await main(
        ['--state-dir', '/nonexistent/x', 'status', '--api', 'http://127.0.0.1:1', '--', '../x'],
        dashes,
      ),
    ).toBe(2);
    expect(
      await main(['--state-dir', '/nonexistent/x', 'up', 'cluster.yaml', '--rotate'], lastOption),
    ).toBe(2);
    // `--` ends the options: the name after it is checked as a name, not counted as three.
    expect(dashes.stderr()).toContain('cluster name must start with a letter');
    expect(lastOption.stderr()).toBe(
      'kube-aws up: --rotate needs a value (received none); run kube-aws up --help\n',
    );
  });

  it('says an option got another option instead of its value, and how to pass one with -', async () => {
    const io = captureIo();

    expect(await main(['up', 'cluster.yaml', '--rotate', '--verbose'], io)).toBe(2);
    expect(io.stderr()).toBe(
      'kube-aws up: --rotate needs a value (received another option); write --rotate=<value> for a value that starts with -; run kube-aws up --help\n',
    );
  });

  it('says which option needs a value, in its own words, and exits 2', async () => {
    const io = captureIo();

    expect(await main(['up', 'cluster.yaml', '--rotate'], io)).toBe(2);
    expect(io.stderr()).toBe(
      'kube-aws up: --rotate needs a value (received none); run kube-aws up --help\n',
    );
  });

  it('refuses --limit for status, which reads only the latest revision and the queue', async () => {
    const io = captureIo();

    expect(await main(['status', 'demo', '--limit', '5', '--api', 'http://127.0.0.1:1'], io)).toBe(
      2,
    );
    expect(io.stderr()).toBe(
      'kube-aws status: unknown option --limit; run kube-aws status --help\n',
    );
  });

  it('says connection refused for an --api where nothing listens', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
    const io = captureIo();

    expect(await main(['status', 'demo', '--api', `http://127.0.0.1:${port}`], io)).toBe(1);
    expect(io.stderr()).toBe(
      `using backend at http://127.0.0.1:${port}\nkube-aws status: http://127.0.0.1:${port} did not answer (received connection refused); is the backend running?\n`,
    );
  });
});
