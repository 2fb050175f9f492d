import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { link, lstat, open, unlink, writeFile } from 'node:fs/promises';
import { InvariantError } from '../../lib/errors.ts';

/**
 * Writes `content` to a private (0600) temporary file and hard-links it into place, so no reader
 * ever sees it half-written and an existing file is never replaced. Returns false when the file
 * already existed (another process, or an earlier start, got there first).
 */
export async function createPrivateFile(path: string, content: Uint8Array): Promise<boolean> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, content, { mode: 0o600, flag: 'wx' });
  try {
    await link(temporary, path);

    return true;
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temporary);
  }
}

/**
 * A directory we may trust with private files: a real directory (a symbolic link could be turned
 * elsewhere by whoever owns it), owned by us, and writable by no one else (group or other write
 * access would let another user swap a private file between our checks). `purpose` completes
 * "must be a directory for ..." (e.g. `the key file`).
 */
export async function assertPrivateDirectory(directory: string, purpose: string): Promise<void> {
  const stats = await assertOwnDirectory(directory, purpose);
  if ((stats.mode & 0o022) !== 0) {
    throw new InvariantError(
      `${directory} must not be writable by group or others (received mode ${octal(stats.mode)}); ` +
        `run chmod 700 ${directory}`,
    );
  }
}

/**
 * A real directory (not a link to one) owned by the user running the backend; returns its stats.
 * Enough for a directory inside a private one, where no one else can reach it to write.
 */
export async function assertOwnDirectory(directory: string, purpose: string): Promise<Stats> {
  const stats = await lstat(directory);
  if (!stats.isDirectory()) {
    throw new InvariantError(
      `${directory} must be a directory for ${purpose} (received ${describeType(stats)}); ` +
        'choose another state directory',
    );
  }
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw new InvariantError(
      `${directory} must be owned by uid ${uid}, the user running the backend (received uid ${stats.uid}); ` +
        `choose another state directory, or if you trust its content run chown -R ${uid} ${directory}`,
    );
  }

  return stats;
}

/**
 * Reads a file only if it is a regular file owned by us that no one else may read or write. Opens
 * without following links and checks the opened file itself, so what is checked is what is read.
 * `notRegularRemedy` is what a user can do about a link or special file in its place.
 */
export async function readPrivateFile(path: string, notRegularRemedy: string): Promise<Buffer> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    // O_NONBLOCK: a FIFO planted as the file would otherwise hang the open until a writer came.
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOOP') throw error;
    throw new InvariantError(
      `${path} must be a regular file (received a symbolic link); ${notRegularRemedy}`,
      { cause: error },
    );
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      throw new InvariantError(
        `${path} must be a regular file (received ${describeType(stats)}); ${notRegularRemedy}`,
      );
    }
    const uid = process.getuid?.();
    if (uid !== undefined && stats.uid !== uid) {
      throw new InvariantError(
        `${path} must be owned by uid ${uid}, the user running the backend (received uid ${stats.uid}); ` +
          `if you trust its content run chown ${uid} ${path}, otherwise remove it`,
      );
    }
    if ((stats.mode & 0o077) !== 0) {
      throw new InvariantError(
        `${path} must not be readable or writable by group or others (received mode ${octal(stats.mode)}); ` +
          `if you trust its content run chmod 600 ${path}, otherwise remove it`,
      );
    }

    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

function describeType(stats: Stats): string {
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFile()) return 'a regular file';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';

  return 'a special file';
}
