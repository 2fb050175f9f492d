import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isProcessAlive } from './backend-file.ts';

const LOCK_FILE = 'backend.lock';
/** Bounded: a stale lock is replaced at most this many times in one start. */
const MAX_TAKEOVERS = 3;

/**
 * One embedded backend per state dir: its on-disk table cannot be opened twice. Takes the lock
 * file (or replaces one whose process has exited) and returns its release; a live holder is an
 * error that names it.
 */
export async function lockStateDir(stateDir: string): Promise<() => Promise<void>> {
  const file = path.join(stateDir, LOCK_FILE);
  for (let attempt = 0; attempt < MAX_TAKEOVERS; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });

      return () => rm(file, { force: true });
    } catch (error: unknown) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(holder) && holder !== process.pid && isProcessAlive(holder)) {
      throw new Error(
        `${stateDir} is in use by another kube-aws process (pid ${holder}); wait for it to finish, or pass another --state-dir`,
      );
    }
    // The holder exited without cleaning up (killed, crashed): its lock means nothing now.
    await rm(file, { force: true });
  }

  throw new Error(`${stateDir} lock could not be taken after ${MAX_TAKEOVERS} attempts; retry`);
}
