import { randomBytes } from 'node:crypto';
import { rename, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { readPrivateFile } from '../adapters/embedded/private-file.ts';
import { InvariantError } from '../lib/errors.ts';
import { findListenerUids, PROC_NET_TCP } from './find-peer-uid.ts';
import { assertStateDir } from './state-dir.ts';

export const BackendFileSchema = z.object({
  pid: z.int().positive(),
  apiUrl: z.string(),
  s3Endpoint: z.string(),
  submissionsBucket: z.string(),
  artifactsBucket: z.string(),
  startedAt: z.string(),
  /**
   * The HTTP API's bearer token, which a system that is not Linux needs on every request (see
   * guardApiRequests). It lives here rather than in a file of its own because this file is
   * already 0600, written atomically, read only after the state dir and the file itself are
   * checked, and describes one start: a reader gets the token and the URL it is good for from the
   * same write. New at each start, never kept per state dir: a file left behind by a serve that
   * crashed then holds a token no server accepts, so a client that sends it to whatever listens
   * on that port by then gives nothing away. Absent from files of a serve that predates it.
   */
  apiToken: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43,256}$/)
    .optional(),
});
export type BackendFile = z.infer<typeof BackendFileSchema>;

export const BACKEND_FILE_NAME = 'backend.json';
/** The only address serve listens on; anything else in the file was not written by serve. */
const LOOPBACK_API_URL = /^http:\/\/127\.0\.0\.1:([1-9][0-9]{0,4})$/;
const NOT_REGULAR_REMEDY = 'remove it; kube-aws serve writes a new one when it starts';

/**
 * Written by `serve` while it runs, so the CLI can find it; removed on a clean stop. Written to
 * a private temporary file first and renamed into place, so a reader never sees half of it and a
 * link planted under its name is replaced rather than followed.
 */
export async function writeBackendFile(stateDir: string, content: BackendFile): Promise<void> {
  const file = path.join(stateDir, BACKEND_FILE_NAME);
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await rename(temporary, file);
  } catch (error: unknown) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

export async function removeBackendFile(stateDir: string): Promise<void> {
  await rm(path.join(stateDir, BACKEND_FILE_NAME), { force: true });
}

/**
 * The running backend of this state dir, or undefined when none runs. A missing state dir has
 * none; an existing one is checked first (ours, private, not a link), since its backend.json
 * decides where the CLI sends cluster.yaml. A file left by an exited process counts as none; so
 * does one that is not what serve writes, which `reportStale` hears about once, with its reason.
 * A live backend at an address serve never listens on is refused. On Linux, a file whose port
 * no socket of this user listens on (the pid was reused, and the port is free or another user's)
 * counts as none too, so the CLI never sends cluster.yaml and the token to a stranger.
 */
export async function readLiveBackend(
  stateDir: string,
  reportStale: (line: string) => void = () => {},
  tcpTablePath = PROC_NET_TCP,
): Promise<BackendFile | undefined> {
  const file = path.join(stateDir, BACKEND_FILE_NAME);
  let content: Buffer;
  try {
    await assertStateDir(stateDir);
    content = await readPrivateFile(file, NOT_REGULAR_REMEDY);
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const backend = parseBackendFile(content);
  if (typeof backend === 'string') {
    reportStale(
      `${file} must hold the JSON that kube-aws serve writes (received ${backend}); ` +
        'treating it as stale: no backend runs on this state dir\n',
    );
    return undefined;
  }
  if (!isProcessAlive(backend.pid)) return undefined;
  const port = readLoopbackPort(backend.apiUrl);
  if (port === undefined) {
    throw new InvariantError(
      `${file} apiUrl must be http://127.0.0.1:<port>, where kube-aws serve listens ` +
        `(received ${describeValue(backend.apiUrl)}); this file is not ours: remove it, ` +
        'and stop whatever process wrote it',
    );
  }
  // A live pid may be a reused one: the file is trusted, and the token sent, only while this
  // user listens on its port. Where the socket table cannot be read, the pid has to do.
  const listener = await describeForeignListener(port, tcpTablePath);
  if (listener !== undefined) {
    reportStale(
      `${file} apiUrl must be a port this user (uid ${process.getuid?.()}) listens on ` +
        `(received ${backend.apiUrl}, ${listener}); treating it as stale: no backend runs on ` +
        'this state dir\n',
    );
    return undefined;
  }

  return backend;
}

/** Why nobody of ours listens on 127.0.0.1:`port`, or undefined when we do or cannot tell. */
async function describeForeignListener(
  port: number,
  tablePath: string,
): Promise<string | undefined> {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  const owners = await findListenerUids('127.0.0.1', port, tablePath);
  if (owners === 'unavailable') return undefined;
  if (owners.length === 0) return 'where nothing listens';
  const others = owners.filter((owner) => owner !== uid);

  return others.length === 0 ? undefined : `where uid ${others[0]} listens`;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);

    return true;
  } catch (error: unknown) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The file's content, or why it is not a backend file (never its text: it may be anything). */
function parseBackendFile(content: Buffer): BackendFile | string {
  let json: unknown;
  try {
    json = JSON.parse(content.toString('utf8'));
  } catch (error: unknown) {
    if (!(error instanceof SyntaxError)) throw error;

    return `${content.byteLength} bytes that are not complete JSON`;
  }
  const parsed = BackendFileSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];

  return `${issue?.path.join('.') || 'the document'}: ${issue?.message ?? 'invalid'}`;
}

function readLoopbackPort(url: string): number | undefined {
  const port = Number(LOOPBACK_API_URL.exec(url)?.[1]);

  return port > 0 && port <= 65535 ? port : undefined;
}

/** A short, printable rendering of an untrusted string for a message. */
function describeValue(value: string): string {
  const printable = JSON.stringify(value);

  return printable.length > 80 ? `${printable.slice(0, 77)}..."` : printable;
}
