import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';

export const BackendFileSchema = z.object({
  pid: z.int(),
  apiUrl: z.string(),
  s3Endpoint: z.string(),
  submissionsBucket: z.string(),
  artifactsBucket: z.string(),
  startedAt: z.string(),
});
export type BackendFile = z.infer<typeof BackendFileSchema>;

const FILE_NAME = 'backend.json';

/** Written by `serve` while it runs, so the CLI can find it; removed on a clean stop. */
export async function writeBackendFile(stateDir: string, content: BackendFile): Promise<void> {
  await writeFile(path.join(stateDir, FILE_NAME), `${JSON.stringify(content, null, 2)}\n`, {
    mode: 0o600,
  });
}

export async function removeBackendFile(stateDir: string): Promise<void> {
  await rm(path.join(stateDir, FILE_NAME), { force: true });
}

/** The running backend of this state dir, or undefined when none runs (a stale file counts as none). */
export async function readLiveBackend(stateDir: string): Promise<BackendFile | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(stateDir, FILE_NAME), 'utf8');
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = BackendFileSchema.safeParse(JSON.parse(text));
  if (!parsed.success || !isProcessAlive(parsed.data.pid)) return undefined;

  return parsed.data;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);

    return true;
  } catch (error: unknown) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
