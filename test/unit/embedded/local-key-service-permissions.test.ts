import { execFileSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LOCAL_KEY_FILE_NAME,
  LocalKeyService,
} from '../../../adapters/embedded/local-key-service.ts';

const uid = process.getuid?.();
const isRoot = uid === 0;

describe.skipIf(uid === undefined)('LocalKeyService.open on a planted or exposed key', () => {
  let root: string;
  let directory: string;
  let keyPath: string;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kube-aws-key-perms-'));
    directory = path.join(root, 'state');
    keyPath = path.join(directory, LOCAL_KEY_FILE_NAME);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const plantKey = async (fileMode: number, directoryMode: number) => {
    await mkdir(directory, { mode: 0o700 });
    await writeFile(keyPath, Buffer.alloc(32, 7), { mode: fileMode });
    await chmod(keyPath, fileMode);
    await chmod(directory, directoryMode);
  };

  it('creates a new key 0600 in a 0700 directory and opens it again', async () => {
    const first = await LocalKeyService.open(directory);
    const second = await LocalKeyService.open(directory);

    expect((await stat(keyPath)).mode & 0o777).toBe(0o600);
    expect((await stat(directory)).mode & 0o777).toBe(0o700);
    expect(second.keyId).toBe(first.keyId);
  });

  it('refuses a 0644 key file planted in a 0777 directory, naming the directory first', async () => {
    await plantKey(0o644, 0o777);

    await expect(LocalKeyService.open(directory)).rejects.toThrow(
      `${directory} must not be writable by group or others (received mode 0777); run chmod 700 ${directory}`,
    );
  });

  it.each(['0644', '0640', '0604', '0660', '0601'])(
    'refuses a key file with mode %s',
    async (mode) => {
      await plantKey(Number.parseInt(mode, 8), 0o700);

      await expect(LocalKeyService.open(directory)).rejects.toThrow(
        `${keyPath} must not be readable or writable by group or others (received mode ${mode}); ` +
          `if you trust its content run chmod 600 ${keyPath}, otherwise remove it`,
      );
    },
  );

  it.each(['0770', '0702', '0720'])('refuses a key directory with mode %s', async (mode) => {
    await plantKey(0o600, Number.parseInt(mode, 8));

    await expect(LocalKeyService.open(directory)).rejects.toThrow(
      `${directory} must not be writable by group or others (received mode ${mode}); run chmod 700 ${directory}`,
    );
  });

  it('opens a planted key once it is 0600 in a 0700 directory', async () => {
    await plantKey(0o600, 0o700);

    await expect(LocalKeyService.open(directory)).resolves.toBeInstanceOf(LocalKeyService);
  });

  it('refuses a key file that is a symbolic link to a private file', async () => {
    await mkdir(directory, { mode: 0o700 });
    const elsewhere = path.join(root, 'elsewhere.bin');
    await writeFile(elsewhere, Buffer.alloc(32, 7), { mode: 0o600 });
    await symlink(elsewhere, keyPath);

    await expect(LocalKeyService.open(directory)).rejects.toThrow(
      `${keyPath} must be a regular file (received a symbolic link); ` +
        'replace it with the key file itself, or remove it to lose every sealed asset',
    );
  });

  it('refuses a key path that is a FIFO', async () => {
    await mkdir(directory, { mode: 0o700 });
    execFileSync('mkfifo', ['-m', '600', keyPath]);

    await expect(LocalKeyService.open(directory)).rejects.toThrow(
      `${keyPath} must be a regular file (received a FIFO); ` +
        'replace it with the key file itself, or remove it to lose every sealed asset',
    );
  });

  it.skipIf(!isRoot)('refuses a key file owned by another user', async () => {
    await plantKey(0o600, 0o700);
    await chown(keyPath, 12345, 12345);

    await expect(LocalKeyService.open(directory)).rejects.toThrow(
      `${keyPath} must be owned by uid ${uid}, the user running the backend (received uid 12345); ` +
        `if you trust its content run chown ${uid} ${keyPath}, otherwise remove it`,
    );
  });
});
