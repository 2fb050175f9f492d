/** Where the CLI writes; tests pass buffers, `bin/kube-aws.js` the process streams. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Working directory that relative paths and the default state dir resolve against. */
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  env: process.env,
};

/** Exit codes shared by every command: the contract scripts rely on. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A usage mistake: printed with the command's help hint, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `1 error`, `2 errors`: counts in messages read as English. */
export function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
