import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockStateDir } from '../../../embedded/state-dir-lock.ts';

describe('lockStateDir', () => {
  let stateDir: string;

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-lock-'));
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('refuses a state dir another live process holds, naming its pid', async () => {
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    try {
      await writeFile(path.join(stateDir, 'backend.lock'), `${holder.pid}\n`);

      await expect(lockStateDir(stateDir)).rejects.toThrow(
        `${stateDir} is in use by another kube-aws process (pid ${holder.pid}); wait for it to finish, or pass another --state-dir`,
      );
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('takes over a lock left by a process that has exited, and releases it', async () => {
    const exited = spawnSync(process.execPath, ['-e', '0']).pid;
    const file = path.join(stateDir, 'backend.lock');
    await writeFile(file, `${exited}\n`);

    const release = await lockStateDir(stateDir);
    expect(await readFile(file, 'utf8')).toBe(`${process.pid}\n`);
    await release();

    await expect(readFile(file, 'utf8')).rejects.toThrow('ENOENT');
  });
});
