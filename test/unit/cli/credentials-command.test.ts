import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.ts';
import { COMMAND_HELP, OVERVIEW } from '../../../cli/usage-text.ts';
import {
  ENDPOINT_SECRET_FILE_NAME,
  openEndpointCredentials,
} from '../../../embedded/endpoint-credentials.ts';
import { captureIo } from './capture-io.ts';

describe('kube-aws credentials', () => {
  let root: string;
  let stateDir: string;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kube-aws-credentials-'));
    stateDir = path.join(root, 'state');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it.each([
    ['--state-dir after the command', (dir: string) => ['credentials', '--state-dir', dir], {}],
    ['--state-dir before the command', (dir: string) => ['--state-dir', dir, 'credentials'], {}],
    ['KUBE_AWS_STATE_DIR', () => ['credentials'], { KUBE_AWS_STATE_DIR: 'state' }],
  ])('prints the export lines of the state dir key, given %s', async (_label, argv, env) => {
    const { secretAccessKey } = await openEndpointCredentials(stateDir);
    const io = captureIo(env);
    io.cwd = root;

    expect(await main(argv(stateDir), io)).toBe(0);
    expect([io.stdout(), io.stderr()]).toEqual([
      `export AWS_ACCESS_KEY_ID=kube-aws-local\nexport AWS_SECRET_ACCESS_KEY=${secretAccessKey}\n`,
      '',
    ]);
  });

  it('exits 1 naming the missing key file and how to make it, and creates nothing', async () => {
    const io = captureIo();

    expect(await main(['credentials', '--state-dir', stateDir], io)).toBe(1);
    expect([io.stdout(), io.stderr()]).toEqual([
      '',
      `kube-aws credentials: ${path.join(stateDir, ENDPOINT_SECRET_FILE_NAME)} does not exist (received no secret); ` +
        'start the backend once with kube-aws serve (npm start) or kube-aws up on this state dir to create it\n',
    ]);
    await expect(stat(stateDir)).rejects.toThrow('ENOENT');
  });

  it('exits 2 for an argument', async () => {
    const io = captureIo();

    expect(await main(['credentials', 'demo', '--state-dir', stateDir], io)).toBe(2);
    expect(io.stderr()).toBe(
      'kube-aws credentials: credentials takes no arguments (received demo); run kube-aws credentials --help\n',
    );
  });

  it('prints its help for credentials --help and is listed in the overview', async () => {
    const io = captureIo();

    expect(await main(['credentials', '--help'], io)).toBe(0);
    expect(io.stdout()).toBe(COMMAND_HELP.credentials);
    expect(io.stdout()).toMatch(/^Usage: kube-aws credentials \[--state-dir DIR\]\n/);
    expect(OVERVIEW).toContain(
      "  credentials                      print export lines with the embedded S3 endpoint's key\n",
    );
  });
});
