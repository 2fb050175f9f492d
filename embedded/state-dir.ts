import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { assertOwnDirectory, assertPrivateDirectory } from '../adapters/embedded/private-file.ts';

/** Overrides the default `.local/` state directory of the CLI and the embedded backend. */
export const STATE_DIR_ENV = 'KUBE_AWS_STATE_DIR';

/** The directories the embedded backend keeps inside the state dir. */
export const STATE_SUBDIRECTORIES = ['s3', 'dynamodb', 'executions'] as const;
export type StateSubdirectory = (typeof STATE_SUBDIRECTORIES)[number];

const PURPOSE = 'kube-aws state';

/** `--state-dir` with an empty value: it would resolve to the working directory itself. */
export class EmptyStateDirError extends Error {
  override readonly name = 'EmptyStateDirError';

  constructor() {
    super('--state-dir must name a directory (received an empty value)');
  }
}

/**
 * `--state-dir` wins, then `$KUBE_AWS_STATE_DIR`, then `.local/` in the working directory. An
 * empty variable counts as unset, as shells treat `VAR=`; an empty flag is refused, as it would
 * make the working directory itself the state dir and fill it with the backend's files.
 */
export function resolveStateDir(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
): string {
  if (flag === '') throw new EmptyStateDirError();
  const fromEnv = env[STATE_DIR_ENV] === '' ? undefined : env[STATE_DIR_ENV];

  return path.resolve(cwd, flag ?? fromEnv ?? '.local');
}

/**
 * Refuses a state dir that another user could have prepared or can change: a symbolic link, one
 * owned by someone else, or one that group or others may write. Call it before reading anything
 * in the state dir, since whatever such a directory holds may be planted.
 */
export async function assertStateDir(stateDir: string): Promise<void> {
  await assertPrivateDirectory(stateDir, PURPOSE);
}

/**
 * Creates the state dir (0700) when missing and checks it as {@link assertStateDir} does.
 * Returns the top-most directory this call created, undefined when the state dir existed.
 */
export async function openStateDir(stateDir: string): Promise<string | undefined> {
  const created = await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await assertStateDir(stateDir);

  return created;
}

/**
 * Creates `<stateDir>/<name>` (0700) when missing and refuses one that is a symbolic link or
 * belongs to someone else: s3rver, dynalite and the execution histories would otherwise store
 * every object and history wherever it points. Call after {@link openStateDir}.
 */
export async function openStateSubdirectory(
  stateDir: string,
  name: StateSubdirectory,
): Promise<string> {
  const directory = path.join(stateDir, name);
  try {
    await mkdir(directory, { mode: 0o700 });
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  await assertOwnDirectory(directory, PURPOSE);

  return directory;
}
