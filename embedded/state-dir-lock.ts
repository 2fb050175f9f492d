import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createPrivateFile } from '../adapters/embedded/private-file.ts';
import { isProcessAlive } from './backend-file.ts';
import { assertStateDir } from './state-dir.ts';

const LOCK_FILE = 'backend.lock';
const CLAIM_PREFIX = 'backend.lock.claim-';
/**
 * A lock file without a pid is taken as still being written for this long, and a takeover
 * claim counts for this long; both take milliseconds when their process runs.
 */
export const LOCK_GRACE_MS = 10_000;
/** Bounded: two processes replacing one stale lock back off and retry at most this often. */
const MAX_ATTEMPTS = 10;

/** Locks this process holds, by lock file path, with the inode of the file it created. */
const heldLocks = new Map<string, number>();
/** This process's own attempts on one lock run one after the other (see {@link inspectLock}). */
const attempts = new Map<string, Promise<unknown>>();

type LockState =
  | { kind: 'absent' }
  | { kind: 'stale' }
  | { kind: 'held'; holder: 'other-process' | 'this-process'; pid: number }
  | { kind: 'held'; holder: 'being-written'; ageMs: number };

/**
 * One embedded backend per state dir: its on-disk table cannot be opened twice. Checks the state
 * dir, takes the lock file (or replaces one whose process has exited) and returns its release; a
 * live holder is an error that names it.
 *
 * The lock file appears with its pid already inside (written to a temporary file, then linked to
 * `backend.lock`, which fails if it exists), so no one ever reads a half-written lock of ours.
 */
export async function lockStateDir(stateDir: string): Promise<() => Promise<void>> {
  await assertStateDir(stateDir);
  const file = path.join(stateDir, LOCK_FILE);
  // Settled promises only: an attempt starts once the one before it has finished either way.
  const previous = attempts.get(file) ?? Promise.resolve();
  const attempt = previous.then(() => takeLock(stateDir, file));
  const settled = attempt.then(
    () => undefined,
    () => undefined,
  );
  attempts.set(file, settled);
  void settled.then(() => {
    if (attempts.get(file) === settled) attempts.delete(file);
  });

  return attempt;
}

async function takeLock(stateDir: string, file: string): Promise<() => Promise<void>> {
  const content = Buffer.from(`${process.pid}\n`, 'ascii');
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (await createPrivateFile(file, content)) return holdLock(file);

    const state = await inspectLock(file);
    if (state.kind === 'held') throw describeHolder(stateDir, file, state);
    if (state.kind === 'absent') continue;
    if (await replaceStaleLock(stateDir, file)) return holdLock(file);
    // Another process is replacing the stale lock too: look again after a random pause, so two
    // that saw each other's claim do not meet again.
    await delay(10 + Math.floor(Math.random() * 40));
  }

  throw new Error(`${stateDir} lock could not be taken after ${MAX_ATTEMPTS} attempts; retry`);
}

async function holdLock(file: string): Promise<() => Promise<void>> {
  const inode = (await lstat(file)).ino;
  heldLocks.set(file, inode);

  return async () => {
    if (heldLocks.get(file) !== inode) return;
    heldLocks.delete(file);
    // Only the file this process created. An inode number alone may be reused by a newer file;
    // with our pid inside too it is ours, as no other live process has that pid.
    const current = await lstat(file).catch(ignoreMissing);
    const text = await readFile(file, 'latin1').catch(ignoreMissing);
    if (current?.ino === inode && text === `${process.pid}\n`) {
      await unlink(file).catch(ignoreMissing);
    }
  };
}

/**
 * Reads the lock through one descriptor, so its pid and its age belong to the same file. A lock
 * without a readable pid is held while young: a kube-aws that wrote the pid in a second step may
 * be about to write it. A lock with our own pid that this process does not hold was left by an
 * earlier process that had our pid (common in containers); our own attempts never overlap, so it
 * cannot be one of them in progress.
 */
async function inspectLock(file: string): Promise<LockState> {
  let text: string;
  let modifiedMs: number;
  try {
    const handle = await open(
      file,
      constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
    );
    try {
      modifiedMs = (await handle.stat()).mtimeMs;
      text = await handle.readFile('latin1');
    } finally {
      await handle.close();
    }
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    throw error;
  }
  const match = /^([1-9][0-9]{0,9})\n$/.exec(text);
  if (match === null) {
    const ageMs = Math.max(0, Date.now() - modifiedMs);

    return ageMs < LOCK_GRACE_MS
      ? { kind: 'held', holder: 'being-written', ageMs }
      : { kind: 'stale' };
  }
  const pid = Number(match[1]);
  if (pid === process.pid) {
    return heldLocks.has(file) ? { kind: 'held', holder: 'this-process', pid } : { kind: 'stale' };
  }

  return isProcessAlive(pid) ? { kind: 'held', holder: 'other-process', pid } : { kind: 'stale' };
}

/**
 * Replaces a stale lock with ours; false when another process is doing the same or the lock is
 * no longer stale.
 *
 * Why two processes can never both end up holding the lock:
 * - The lock is replaced by renaming a complete file over it, so `backend.lock` never goes
 *   missing here and a plain taker's link keeps failing; plain takers win only after a release.
 * - A replacer first creates its own claim file, then lists the claims, and goes on only when it
 *   sees no other live one. Of two replacers, the one that lists second does so after the
 *   other's claim exists (each creates before it lists), so at most one goes on while both
 *   claims exist. A claim is removed only after its replacement is done, and a replacer that
 *   goes on re-reads the lock first, so it finds the other's fresh lock held and stops.
 * - Claims of exited processes, or older than the grace period, are ignored: that rests on a
 *   replacer taking less than the grace period between its claim and its rename.
 */
async function replaceStaleLock(stateDir: string, file: string): Promise<boolean> {
  const nonce = randomBytes(6).toString('hex');
  const claim = path.join(stateDir, `${CLAIM_PREFIX}${process.pid}-${nonce}`);
  await writeFile(claim, '', { flag: 'wx', mode: 0o600 });
  try {
    if (await hasRivalClaim(stateDir, claim)) return false;
    if ((await inspectLock(file)).kind !== 'stale') return false;
    const temporary = `${file}.${nonce}.tmp`;
    await writeFile(temporary, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
    try {
      await rename(temporary, file);
    } catch (error: unknown) {
      await unlink(temporary).catch(ignoreMissing);
      throw error;
    }

    return true;
  } finally {
    await unlink(claim).catch(ignoreMissing);
  }
}

async function hasRivalClaim(stateDir: string, ownClaim: string): Promise<boolean> {
  let rival = false;
  for (const name of await readdir(stateDir)) {
    const candidate = path.join(stateDir, name);
    if (!name.startsWith(CLAIM_PREFIX) || candidate === ownClaim) continue;
    const pid = Number(/^([1-9][0-9]{0,9})-/.exec(name.slice(CLAIM_PREFIX.length))?.[1]);
    const stats = await lstat(candidate).catch(ignoreMissing);
    if (stats === undefined) continue;
    // Our own pid on another claim: left by an earlier process, since our attempts never overlap.
    const live =
      Number.isInteger(pid) &&
      pid !== process.pid &&
      isProcessAlive(pid) &&
      Math.max(0, Date.now() - stats.mtimeMs) < LOCK_GRACE_MS;
    if (live) rival = true;
    else await unlink(candidate).catch(ignoreMissing);
  }

  return rival;
}

function describeHolder(
  stateDir: string,
  file: string,
  state: Extract<LockState, { kind: 'held' }>,
): Error {
  if (state.holder === 'being-written') {
    return new Error(
      `${file} is being written by another kube-aws process (received no pid yet, ${Math.round(state.ageMs)} ms old); ` +
        'retry in a few seconds, or pass another --state-dir',
    );
  }
  if (state.holder === 'this-process') {
    return new Error(
      `${stateDir} is in use by another backend in this process (pid ${state.pid}); stop it first, or pass another --state-dir`,
    );
  }

  return new Error(
    `${stateDir} is in use by another kube-aws process (pid ${state.pid}); wait for it to finish, or pass another --state-dir`,
  );
}

function ignoreMissing(error: unknown): undefined {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  throw error;
}
