import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(REPO_ROOT, 'bin/kube-aws.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs `node bin/kube-aws.js ...args` from the repository root and collects its output. */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  deadlineMs = 120_000,
  /** Another program to run instead (a shell for pipelines); `args` are then its own. */
  program?: string,
): Promise<CliRun> {
  const started = Date.now();
  const child = spawn(program ?? process.execPath, program === undefined ? [BIN, ...args] : args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `kube-aws ${args.join(' ')} did not finish within ${deadlineMs} ms: ${stdout}${stderr}`,
        ),
      );
    }, deadlineMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 });
    });
  });
}

export interface ServeProcess {
  apiUrl: string;
  pid: number;
  s3Endpoint: string;
  output: () => string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `kube-aws serve` on free ports and waits until it has written backend.json. */
export async function startServe(
  stateDir: string,
  env: NodeJS.ProcessEnv,
  deadlineMs = 30_000,
): Promise<ServeProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [BIN, 'serve', '--port', '0', '--s3-port', '0', '--state-dir', stateDir],
    { cwd: REPO_ROOT, env: { ...process.env, ...env } },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}: ${output}`);
    const backend = await readFile(path.join(stateDir, 'backend.json'), 'utf8').catch(
      () => undefined,
    );
    if (backend !== undefined && output.includes('HTTP API')) {
      const { apiUrl, s3Endpoint } = JSON.parse(backend) as { apiUrl: string; s3Endpoint: string };

      return {
        apiUrl,
        pid: child.pid ?? 0,
        s3Endpoint,
        output: () => output,
        stop: () =>
          new Promise((resolve) => {
            child.once('exit', (code) => resolve(code));
            child.kill('SIGTERM');
          }),
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`serve did not write backend.json within ${deadlineMs} ms: ${output}`);
}

/** Polls `probe` every 100 ms until it returns a value, or throws after the deadline. */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  deadlineMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not happen within ${deadlineMs} ms`);
}

export interface CliChild {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code; kills the process after the deadline. */
  exited: Promise<number | null>;
}

/** Starts `node bin/kube-aws.js ...args` without waiting, for tests that signal it mid-run. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv, deadlineMs = 120_000): CliChild {
  return spawnNode([BIN, ...args], env, deadlineMs);
}

/** Starts `node ...argv` in the repository without waiting, collecting its output. */
export function spawnNode(argv: string[], env: NodeJS.ProcessEnv, deadlineMs = 120_000): CliChild {
  const child = spawn(process.execPath, argv, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });

  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/**
 * Pauses `run` (SIGSTOP) the moment its stdout first holds `text`, so a test can act while the
 * command is certainly mid-way; rejects if it exits first. The test resumes it with SIGCONT.
 */
export function pauseWhenPrinted(run: CliChild, text: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const pauseAtText = () => {
      if (!run.stdout().includes(text)) return;
      run.child.kill('SIGSTOP');
      run.child.stdout?.off('data', pauseAtText);
      resolve();
    };
    run.child.stdout?.on('data', pauseAtText);
    run.child.once('exit', (code) =>
      reject(new Error(`the command exited with ${code} before printing ${text}: ${run.stdout()}`)),
    );
  });
}
