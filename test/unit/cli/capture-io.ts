import type { CliIo } from '../../../cli/cli-io.ts';

/** A CliIo that keeps what the command writes, for exact assertions on stdout and stderr. */
export function captureIo(
  env: NodeJS.ProcessEnv = {},
): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';

  return {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    cwd: process.cwd(),
    env,
    stdout: () => out,
    stderr: () => err,
  };
}
