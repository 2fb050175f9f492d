import path from 'node:path';

/** Overrides the default `.local/` state directory of the CLI and the embedded backend. */
export const STATE_DIR_ENV = 'KUBE_AWS_STATE_DIR';

/** `--state-dir` wins, then `$KUBE_AWS_STATE_DIR`, then `.local/` in the working directory. */
export function resolveStateDir(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
): string {
  return path.resolve(cwd, flag ?? env[STATE_DIR_ENV] ?? '.local');
}
