import { execFileSync } from 'node:child_process';
import {
  chmod,
  chown,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ENDPOINT_SECRET_FILE_NAME,
  openEndpointCredentials,
  readEndpointCredentials,
} from '../../../embedded/endpoint-credentials.ts';

const uid = process.getuid?.();
const isRoot = uid === 0;
const PLANTED = `${'A'.repeat(43)}\n`;

describe.skipIf(uid === undefined)('the endpoint secret of a state dir', () => {
  let root: string;
  let stateDir: string;
  let secretPath: string;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kube-aws-endpoint-secret-'));
    stateDir = path.join(root, 'state');
    secretPath = path.join(stateDir, ENDPOINT_SECRET_FILE_NAME);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const plantSecret = async (content: string, fileMode: number) => {
    await mkdir(stateDir, { mode: 0o700 });
    await writeFile(secretPath, content, { mode: fileMode });
    await chmod(secretPath, fileMode);
  };
  const unsafe = (received: string) =>
    `${secretPath} must be a regular file (received ${received}); ` +
    'replace it with the secret file itself, or remove it to get a new secret at the next start';

  it('creates a 32-byte base64url secret 0600 in a 0700 dir and returns the same one after', async () => {
    const first = await openEndpointCredentials(stateDir);
    const second = await openEndpointCredentials(stateDir);

    expect(first.accessKeyId).toBe('kube-aws-local');
    expect(first.secretAccessKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(first.secretAccessKey, 'base64url').byteLength).toBe(32);
    expect(await readFile(secretPath, 'utf8')).toBe(`${first.secretAccessKey}\n`);
    expect((await stat(secretPath)).mode & 0o777).toBe(0o600);
    expect((await stat(stateDir)).mode & 0o777).toBe(0o700);
    expect(second).toEqual(first);
    expect(await readEndpointCredentials(stateDir)).toEqual(first);
  });

  it('gives two state dirs two different secrets', async () => {
    const first = await openEndpointCredentials(stateDir);
    const other = await openEndpointCredentials(path.join(root, 'other'));

    expect(other.secretAccessKey).not.toBe(first.secretAccessKey);
  });

  it('adopts a planted secret once it is 0600 and well formed', async () => {
    await plantSecret(PLANTED, 0o600);

    await expect(openEndpointCredentials(stateDir)).resolves.toEqual({
      accessKeyId: 'kube-aws-local',
      secretAccessKey: 'A'.repeat(43),
    });
  });

  it.each(['0644', '0640', '0604', '0660'])('refuses a secret file with mode %s', async (mode) => {
    await plantSecret(PLANTED, Number.parseInt(mode, 8));

    await expect(openEndpointCredentials(stateDir)).rejects.toThrow(
      `${secretPath} must not be readable or writable by group or others (received mode ${mode}); ` +
        `if you trust its content run chmod 600 ${secretPath}, otherwise remove it`,
    );
  });

  it.each([
    ['too short', `${'A'.repeat(42)}\n`, 43],
    ['with a character outside base64url', `${'A'.repeat(42)}+\n`, 44],
    ['on two lines', `${'A'.repeat(43)}\n${'A'.repeat(43)}\n`, 88],
    ['empty', '', 0],
  ])('refuses a secret file that is %s', async (_label, content, bytes) => {
    await plantSecret(content, 0o600);

    await expect(openEndpointCredentials(stateDir)).rejects.toThrow(
      `${secretPath} must hold one line of 43 to 256 base64url characters (received ${bytes} bytes); ` +
        'remove it to get a new secret at the next start, then use the key that serve prints',
    );
  });

  it('refuses a secret file that is a symbolic link to a private file', async () => {
    await mkdir(stateDir, { mode: 0o700 });
    const elsewhere = path.join(root, 'elsewhere.txt');
    await writeFile(elsewhere, PLANTED, { mode: 0o600 });
    await symlink(elsewhere, secretPath);

    await expect(openEndpointCredentials(stateDir)).rejects.toThrow(unsafe('a symbolic link'));
  });

  it('refuses a secret path that is a FIFO or a directory', async () => {
    await mkdir(stateDir, { mode: 0o700 });
    execFileSync('mkfifo', ['-m', '600', secretPath]);
    const fifo = await openEndpointCredentials(stateDir).catch((error: Error) => error.message);
    await rm(secretPath);
    await mkdir(secretPath, { mode: 0o700 });
    const directory = await openEndpointCredentials(stateDir).catch(
      (error: Error) => error.message,
    );

    expect([fifo, directory]).toEqual([unsafe('a FIFO'), unsafe('a directory')]);
  });

  it('refuses a state dir that group or others may write', async () => {
    await plantSecret(PLANTED, 0o600);
    await chmod(stateDir, 0o770);

    await expect(openEndpointCredentials(stateDir)).rejects.toThrow(
      `${stateDir} must not be writable by group or others (received mode 0770); run chmod 700 ${stateDir}`,
    );
  });

  it('says how to get a key when the state dir has none, and creates nothing', async () => {
    await expect(readEndpointCredentials(stateDir)).rejects.toThrow(
      `${secretPath} does not exist (received no secret); start the backend once with kube-aws serve ` +
        '(npm start) or kube-aws up on this state dir to create it',
    );
    await expect(stat(stateDir)).rejects.toThrow('ENOENT');
  });

  it.skipIf(!isRoot)('refuses a secret file owned by another user', async () => {
    await plantSecret(PLANTED, 0o600);
    await chown(secretPath, 12345, 12345);

    await expect(openEndpointCredentials(stateDir)).rejects.toThrow(
      `${secretPath} must be owned by uid ${uid}, the user running the backend (received uid 12345); ` +
        `if you trust its content run chown ${uid} ${secretPath}, otherwise remove it`,
    );
  });
});
