import { chmod, chown, lstat, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  assertStateDir,
  openStateDir,
  openStateSubdirectory,
} from '../../../embedded/state-dir.ts';

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

describe('state dir checks', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kube-aws-state-dir-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('creates a missing state dir 0700 and returns the top-most directory it made', async () => {
    const stateDir = path.join(root, 'a', 'state');

    expect(await openStateDir(stateDir)).toBe(path.join(root, 'a'));
    expect((await lstat(stateDir)).mode & 0o777).toBe(0o700);
    expect(await openStateDir(stateDir)).toBeUndefined();
  });

  it('refuses a state dir that is a symbolic link', async () => {
    const target = path.join(root, 'target');
    await mkdir(target, { mode: 0o700 });
    const stateDir = path.join(root, 'state');
    await symlink(target, stateDir);

    await expect(openStateDir(stateDir)).rejects.toThrow(
      `${stateDir} must be a directory for kube-aws state (received a symbolic link); choose another state directory`,
    );
  });

  it.skipIf(!isRoot)(
    'refuses a state dir owned by another user, even one not writable by others',
    async () => {
      const stateDir = path.join(root, 'owned');
      await mkdir(stateDir, { mode: 0o755 });
      await chown(stateDir, NOBODY, NOBODY);

      await expect(assertStateDir(stateDir)).rejects.toThrow(
        `${stateDir} must be owned by uid 0, the user running the backend (received uid ${NOBODY}); ` +
          `choose another state directory, or if you trust its content run chown -R 0 ${stateDir}`,
      );
    },
  );

  it('refuses a state dir that group or others may write', async () => {
    const stateDir = path.join(root, 'shared');
    await mkdir(stateDir);
    await chmod(stateDir, 0o777);

    await expect(assertStateDir(stateDir)).rejects.toThrow(
      `${stateDir} must not be writable by group or others (received mode 0777); run chmod 700 ${stateDir}`,
    );
  });

  it('refuses a state dir that is a regular file, naming it as one', async () => {
    const stateDir = path.join(root, 'file');
    await writeFile(stateDir, '');

    await expect(assertStateDir(stateDir)).rejects.toThrow(
      `${stateDir} must be a directory for kube-aws state (received a regular file); choose another state directory`,
    );
  });

  it.each(['s3', 'dynamodb', 'executions'] as const)(
    'creates %s/ 0700 inside the state dir',
    async (name) => {
      await openStateDir(root);

      expect(await openStateSubdirectory(root, name)).toBe(path.join(root, name));
      expect((await lstat(path.join(root, name))).mode & 0o777).toBe(0o700);
    },
  );

  it.each(['s3', 'dynamodb', 'executions'] as const)(
    'refuses %s/ when it is a symbolic link',
    async (name) => {
      const elsewhere = path.join(root, 'elsewhere');
      await mkdir(elsewhere);
      const stateDir = path.join(root, 'state');
      await mkdir(stateDir, { mode: 0o700 });
      await symlink(elsewhere, path.join(stateDir, name));

      await expect(openStateSubdirectory(stateDir, name)).rejects.toThrow(
        `${path.join(stateDir, name)} must be a directory for kube-aws state (received a symbolic link); choose another state directory`,
      );
    },
  );

  it.skipIf(!isRoot)('refuses executions/ owned by another user', async () => {
    const stateDir = path.join(root, 'state');
    const executions = path.join(stateDir, 'executions');
    await mkdir(executions, { recursive: true, mode: 0o700 });
    await chown(executions, NOBODY, NOBODY);

    await expect(openStateSubdirectory(stateDir, 'executions')).rejects.toThrow(
      `${executions} must be owned by uid 0, the user running the backend (received uid ${NOBODY}); ` +
        `choose another state directory, or if you trust its content run chown -R 0 ${executions}`,
    );
  });
});
