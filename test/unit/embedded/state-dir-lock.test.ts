import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LOCK_GRACE_MS, lockStateDir } from '../../../embedded/state-dir-lock.ts';

const CONTENDER = path.join(import.meta.dirname, 'lock-contender.ts');
const CONTENDERS = 6;
const ROUNDS = 25;
const ANSWER_DEADLINE_MS = 15_000;

interface Contender {
  child: ChildProcessWithoutNullStreams;
  lines: Interface;
  ask(command: string): Promise<string>;
}

describe('lockStateDir', () => {
  let root: string;
  let stateDir: string;
  let lockFile: string;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kube-aws-lock-'));
    stateDir = root;
    lockFile = path.join(stateDir, 'backend.lock');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes the lock with the pid already inside and leaves no temporary file', async () => {
    const release = await lockStateDir(stateDir);

    expect(await readFile(lockFile, 'utf8')).toBe(`${process.pid}\n`);
    expect(await readdir(stateDir)).toEqual(['backend.lock']);
    await release();
    expect(await readdir(stateDir)).toEqual([]);
  });

  it('refuses a second lock in the same process while the first is held', async () => {
    const release = await lockStateDir(stateDir);
    try {
      await expect(lockStateDir(stateDir)).rejects.toThrow(
        `${stateDir} is in use by another backend in this process (pid ${process.pid}); stop it first, or pass another --state-dir`,
      );
    } finally {
      await release();
    }
  });

  it('gives exactly one of six concurrent callers in this process the lock', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: CONTENDERS }, () => lockStateDir(stateDir)),
    );
    const held = results.filter((result) => result.status === 'fulfilled');

    expect(held).toHaveLength(1);
    await held[0]?.value();
  });

  it('treats an empty lock younger than the grace period as held', async () => {
    await writeFile(lockFile, '', { mode: 0o600 });

    await expect(lockStateDir(stateDir)).rejects.toThrow(
      new RegExp(
        `^${escapeRegExp(lockFile)} is being written by another kube-aws process \\(received no pid yet, \\d+ ms old\\); ` +
          'retry in a few seconds, or pass another --state-dir$',
      ),
    );
    expect(await readFile(lockFile, 'utf8')).toBe('');
  });

  it('replaces an unparseable lock older than the grace period', async () => {
    await writeFile(lockFile, 'garbage', { mode: 0o600 });
    const old = new Date(Date.now() - LOCK_GRACE_MS - 1000);
    await utimes(lockFile, old, old);

    const release = await lockStateDir(stateDir);
    expect(await readFile(lockFile, 'utf8')).toBe(`${process.pid}\n`);
    await release();
  });

  it('replaces a lock that carries our pid but that this process does not hold', async () => {
    await writeFile(lockFile, `${process.pid}\n`, { mode: 0o600 });

    const release = await lockStateDir(stateDir);
    const inode = (await stat(lockFile)).ino;
    await release();

    await expect(stat(lockFile)).rejects.toThrow('ENOENT');
    expect(inode).toBeGreaterThan(0);
  });

  it('leaves a lock it no longer owns in place on release', async () => {
    const release = await lockStateDir(stateDir);
    await rm(lockFile);
    await writeFile(lockFile, '4242\n', { mode: 0o600 });

    await release();

    expect(await readFile(lockFile, 'utf8')).toBe('4242\n');
  });

  describe('across processes', () => {
    let contenders: Contender[];

    beforeAll(async () => {
      contenders = Array.from({ length: CONTENDERS }, () => startContender());
      // Ready once each answers: tsx has loaded the module by then.
      const probe = await mkdtemp(path.join(tmpdir(), 'kube-aws-lock-probe-'));
      try {
        for (const contender of contenders) {
          expect(await contender.ask(`lock ${probe}`)).toBe('held');
          expect(await contender.ask('release')).toBe('released');
        }
      } finally {
        await rm(probe, { recursive: true, force: true });
      }
    }, 60_000);
    afterAll(() => {
      for (const { child } of contenders) child.kill('SIGKILL');
    });

    const contend = async (directory: string) => {
      const answers = await Promise.all(contenders.map((c) => c.ask(`lock ${directory}`)));
      const holders = answers.filter((answer) => answer === 'held').length;
      const busy = answers.filter((answer) => answer.startsWith('busy ')).length;
      await Promise.all(
        contenders.map((c, index) => (answers[index] === 'held' ? c.ask('release') : undefined)),
      );

      return { holders, busy, answers };
    };

    it(`gives exactly one of ${CONTENDERS} processes a free lock, in each of ${ROUNDS} rounds`, async () => {
      const outcomes: Array<{ holders: number; busy: number }> = [];
      for (let round = 0; round < ROUNDS; round++) {
        const directory = await mkdtemp(path.join(root, 'round-'));
        const { holders, busy } = await contend(directory);
        outcomes.push({ holders, busy });
      }

      expect(outcomes).toEqual(Array(ROUNDS).fill({ holders: 1, busy: CONTENDERS - 1 }));
    }, 120_000);

    it(`gives exactly one of ${CONTENDERS} processes a stale lock, in each of ${ROUNDS} rounds`, async () => {
      const exited = await exitedPid();
      const outcomes: Array<{ holders: number; busy: number }> = [];
      for (let round = 0; round < ROUNDS; round++) {
        const directory = await mkdtemp(path.join(root, 'stale-'));
        await writeFile(path.join(directory, 'backend.lock'), `${exited}\n`, { mode: 0o600 });
        const { holders, busy } = await contend(directory);
        outcomes.push({ holders, busy });
        expect(await readdir(directory)).toEqual([]);
      }

      expect(outcomes).toEqual(Array(ROUNDS).fill({ holders: 1, busy: CONTENDERS - 1 }));
    }, 120_000);
  });
});

function startContender(): Contender {
  const child = spawn(process.execPath, ['--import', 'tsx', CONTENDER], {
    cwd: path.join(import.meta.dirname, '../../..'),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines = createInterface({ input: child.stdout });
  const waiting: Array<(line: string) => void> = [];
  lines.on('line', (line) => waiting.shift()?.(line));

  return {
    child,
    lines,
    ask: (command) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`contender did not answer ${command} in ${ANSWER_DEADLINE_MS} ms`)),
          ANSWER_DEADLINE_MS,
        );
        waiting.push((line) => {
          clearTimeout(timer);
          resolve(line);
        });
        child.stdin.write(`${command}\n`);
      }),
  };
}

function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);

  return new Promise((resolve) => child.once('exit', () => resolve(child.pid ?? 0)));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
