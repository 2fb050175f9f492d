import { open } from 'node:fs/promises';
import path from 'node:path';
import { escapeControlCharacters } from '../cluster-config/escape-control-characters.ts';
import { findTooLarge } from '../cluster-config/validate-cluster-yaml.ts';
import { MAX_FILE_BYTES } from '../cluster-config/yaml-source.ts';
import type { Finding } from '../schemas/finding.ts';
import type { CliIo } from './cli-io.ts';

/** A file that cannot be read is a usage error (exit 2), not a validation failure. */
export class UnreadableFileError extends Error {
  override readonly name = 'UnreadableFileError';
}

export interface InputFile {
  text: string;
  bytes: Uint8Array;
  /** The path as the user typed it, which findings repeat so editors can jump to it. */
  displayName: string;
  /**
   * Set when the file is over MAX_FILE_BYTES: only its first bytes were read (a huge file or an
   * endless pipe never reaches memory), and this finding is the whole answer.
   */
  tooLarge?: Finding;
}

/** Reads at most one byte past the size limit, which is all a refusal needs. */
export async function readInputFile(file: string, io: CliIo): Promise<InputFile> {
  if (file === '') throw new UnreadableFileError('needs a file name (received an empty one)');
  const shown = escapeControlCharacters(file);
  try {
    const handle = await open(path.resolve(io.cwd, file), 'r');
    try {
      const stats = await handle.stat();
      const limit = MAX_FILE_BYTES + 1;
      const buffer = Buffer.alloc(limit);
      let read = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, read, limit - read, null);
        if (bytesRead === 0) break;
        read += bytesRead;
        if (read === limit) break;
      }
      const bytes = buffer.subarray(0, read);
      if (read > MAX_FILE_BYTES) {
        const size = stats.isFile() ? stats.size : undefined;
        return { bytes, text: '', displayName: file, tooLarge: findTooLarge(file, size) };
      }

      return { bytes, text: bytes.toString('utf8'), displayName: file };
    } finally {
      await handle.close();
    }
  } catch (error: unknown) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
    throw new UnreadableFileError(`${shown} cannot be read (received ${code})`, {
      cause: error,
    });
  }
}
