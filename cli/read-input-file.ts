import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { escapeControlCharacters } from '../cluster-config/escape-control-characters.ts';
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
}

export async function readInputFile(file: string, io: CliIo): Promise<InputFile> {
  try {
    const bytes = await readFile(path.resolve(io.cwd, file));

    return { bytes, text: bytes.toString('utf8'), displayName: file };
  } catch (error: unknown) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
    throw new UnreadableFileError(
      `${escapeControlCharacters(file)} cannot be read (received ${code})`,
      { cause: error },
    );
  }
}
