import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
const BIN = path.join(REPO_ROOT, 'bin/kube-aws.js');
const DEADLINE_MS = 30_000;
/** From the spawn: covers the winner's whole start, the checks and its stop. */
const EXIT_DEADLINE_MS = 50_000;

interface Serve {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Two `kube-aws serve` processes started together on one new state dir. */
describe('serve started twice at once', () => {
  let root: string;
  const serves: Serve[] = [];

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kube-aws-serve-race-'));
  });
  afterEach(async () => {
    for (const { child } of serves.splice(0)) child.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  });

  it('serves from one process, refuses the other naming the holder, and keeps the state dir', async () => {
    const stateDir = path.join(root, 'new', 'state');
    serves.push(startServe(stateDir), startServe(stateDir));

    const first = await Promise.race(
      serves.map((serve, index) => serve.exited.then((code) => ({ index, code }))),
    );
    const loser = serves[first.index] as Serve;
    const winner = serves[1 - first.index] as Serve;
    const winnerPid = winner.child.pid;
    const backendFile = await waitForFile(path.join(stateDir, 'backend.json'), winner);

    expect(first.code).toBe(1);
    expect([
      `kube-aws serve: ${stateDir} is in use by another kube-aws process (pid ${winnerPid}); wait for it to finish, or pass another --state-dir\n`,
      `kube-aws serve: a backend already runs on ${stateDir} (pid ${winnerPid}, ${backendFile.apiUrl}); stop it first\n`,
    ]).toContain(loser.stderr());
    expect(backendFile.pid).toBe(winnerPid);
    expect((await fetch(`${backendFile.apiUrl}/clusters/demo`)).status).toBe(404);

    winner.child.kill('SIGTERM');
    expect(await winner.exited).toBe(0);
    expect((await readdir(stateDir)).sort()).toEqual([
      'asset-key.bin',
      'dynamodb',
      'endpoint-secret.txt',
      'executions',
      's3',
    ]);
  }, 60_000);
});

function startServe(stateDir: string): Serve {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--port', '0', '--s3-port', '0', '--state-dir', stateDir],
    { cwd: REPO_ROOT, env: { ...process.env } },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`serve did not exit in ${EXIT_DEADLINE_MS} ms`)),
      EXIT_DEADLINE_MS,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  // Only the loser is expected to exit unasked; the winner's pending deadline must not fail the run.
  exited.catch(() => undefined);

  return { child, stderr: () => stderr, exited };
}

async function waitForFile(file: string, serve: Serve): Promise<{ pid: number; apiUrl: string }> {
  const deadline = Date.now() + DEADLINE_MS;
  while (Date.now() < deadline) {
    if (serve.child.exitCode !== null) {
      throw new Error(`serve exited with ${serve.child.exitCode}: ${serve.stderr()}`);
    }
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text !== undefined) return JSON.parse(text) as { pid: number; apiUrl: string };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  throw new Error(`${file} did not appear within ${DEADLINE_MS} ms`);
}
