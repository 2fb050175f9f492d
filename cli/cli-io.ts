import { escapeTerminalControls } from '../cluster-config/escape-control-characters.ts';
/** Where the CLI writes; tests pass buffers, `bin/kube-aws.js` the process streams. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Working directory that relative paths and the default state dir resolve against. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /**
   * Starts watching for what ends a long command early (SIGINT, SIGTERM, a reader that closed
   * the pipe); absent for test buffers, which are never interrupted.
   */
  watchInterruptions?: () => Interruptions;
}

export interface Interruptions {
  /** Aborted with the reason (`SIGINT`, `SIGTERM`, `EPIPE`) when the command should stop. */
  signal: AbortSignal;
  dispose(): void;
}

/** Closed when a reader of stdout or stderr went away (`| head`); writes after it are dropped. */
const closedOutput = new AbortController();
const closedStreams = new Set<NodeJS.WriteStream>();

function writeTo(stream: NodeJS.WriteStream, text: string): void {
  if (closedStreams.has(stream)) return;
  stream.write(escapeTerminalControls(text));
}

/** Stream errors other than a closed pipe still crash the process, as they would unwatched. */
function watchClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    closedStreams.add(stream);
    if (!closedOutput.signal.aborted) closedOutput.abort('EPIPE');
  });
}

let watchingPipes = false;

/** Exit codes of a command ended by a second signal, as a shell reports a process it killed. */
const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * A second Ctrl-C while a command records what the first one cut short: stop now, and say what
 * is left, as the recording did not finish.
 */
function onSecondSignal(signal: NodeJS.Signals): void {
  writeTo(
    process.stderr,
    `kube-aws: stopped at once by a second ${signal}; a run this process was running and had ` +
      'not yet recorded stays RUNNING until the next backend start on its state dir records it ' +
      'FAILED (interrupted)\n',
  );
  process.exit(SIGNAL_EXIT[signal] ?? 1);
}

export const processIo: CliIo = {
  out: (text) => writeTo(process.stdout, text),
  err: (text) => writeTo(process.stderr, text),
  cwd: process.cwd(),
  env: process.env,
  watchInterruptions: () => {
    const controller = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      controller.abort(signal);
      // The command now records what it leaves behind; a second signal ends it at once.
      process.once('SIGINT', onSecondSignal);
      process.once('SIGTERM', onSecondSignal);
    };
    const onClosed = () => controller.abort(closedOutput.signal.reason);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    if (closedOutput.signal.aborted) onClosed();
    closedOutput.signal.addEventListener('abort', onClosed, { once: true });

    return {
      signal: controller.signal,
      dispose: () => {
        for (const listener of [onSignal, onSecondSignal]) {
          process.off('SIGINT', listener);
          process.off('SIGTERM', listener);
        }
        closedOutput.signal.removeEventListener('abort', onClosed);
      },
    };
  },
};

/**
 * Makes a closed stdout or stderr (`kube-aws history demo | head`) end the output quietly
 * instead of crashing on EPIPE. Called once by `main` when it writes to the process streams.
 */
export function watchProcessPipes(): void {
  if (watchingPipes) return;
  watchingPipes = true;
  watchClosedPipe(process.stdout);
  watchClosedPipe(process.stderr);
}

/** Exit codes shared by every command: the contract scripts rely on. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Thrown by a follow loop when the command was interrupted; carries the reason. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  constructor(readonly reason: string) {
    super(`interrupted (${reason})`);
  }
}

/** The reason an interruption signal carries, as text. */
export function describeInterruption(signal: AbortSignal): string {
  return typeof signal.reason === 'string' ? signal.reason : 'interrupted';
}

/** A usage mistake: printed with the command's help hint, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `1 error`, `2 errors`: counts in messages read as English. */
export function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
