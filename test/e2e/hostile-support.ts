import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import {
  type EmbeddedBackend,
  startEmbeddedBackend,
} from '../../embedded/start-embedded-backend.ts';
import { logger } from '../../lib/logger.ts';
import { TERMINAL_STATUSES } from '../../schemas/revision.ts';

/** Cluster names a hostile request could try to create or reach; each is listed after each test. */
export const WATCHED_CLUSTERS = ['demo', 'x', 'etc', 'a', 'b', 'hostile', 'kubernetes'];
/** Every wait in these suites ends; a server that hangs fails the test instead of the run. */
export const SOCKET_DEADLINE_MS = 5_000;

export interface HostileBackend {
  backend: EmbeddedBackend;
  stateDir: string;
}

export async function startHostileBackend(
  stateDir: string,
  options: { requestTimeoutMs?: number } = {},
): Promise<EmbeddedBackend> {
  logger.setLogLevel('SILENT');

  return startEmbeddedBackend({ stateDir, apiPort: 0, s3Port: 0, ...options });
}

/**
 * What a request could leave behind: every stored object (both buckets, on disk), every execution
 * record, and the revisions of the watched clusters. Two equal snapshots mean nothing was written.
 */
export async function snapshotState(backend: EmbeddedBackend, stateDir: string): Promise<string[]> {
  await backend.waitForIdle();
  const files = [
    ...(await listTree(path.join(stateDir, 's3'))).map((file) => `s3/${file}`),
    ...(await listTree(path.join(stateDir, 'executions'))).map((file) => `executions/${file}`),
  ];
  const revisions: string[] = [];
  for (const cluster of WATCHED_CLUSTERS) {
    for (const revision of await backend.deps.revisions.list(cluster)) {
      revisions.push(`revision ${cluster}/${revision.revision} ${revision.status}`);
    }
  }

  return [...files, ...revisions].sort();
}

async function listTree(root: string): Promise<string[]> {
  try {
    const entries = await readdir(root, { recursive: true, withFileTypes: true });
    return entries
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)));
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

export interface RawAnswer {
  /** The status line's code, or undefined when the server closed or stayed silent. */
  status: number | undefined;
  text: string;
  /** Whether the deadline passed with the connection still open and nothing received. */
  timedOut: boolean;
}

/**
 * Writes `chunks` to a raw TCP connection (pausing `pauseMs` between them), optionally half-closes,
 * then reads until the server closes, an answer has fully arrived, or `deadlineMs` passes.
 */
export function sendRaw(
  url: string,
  chunks: readonly (string | Buffer)[],
  options: { pauseMs?: number; endAfter?: boolean; deadlineMs?: number } = {},
): Promise<RawAnswer> {
  const { port, hostname } = new URL(url);
  const deadlineMs = options.deadlineMs ?? SOCKET_DEADLINE_MS;

  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (timedOut: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = received.toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      resolve({ status: status === undefined ? undefined : Number(status), text, timedOut });
    };
    const timer = setTimeout(() => finish(true), deadlineMs);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (isComplete(received.toString('latin1'))) finish(false);
    });
    socket.on('close', () => finish(false));
    socket.on('error', () => finish(false));
    socket.on('connect', () => {
      void (async () => {
        for (const [index, chunk] of chunks.entries()) {
          if (settled) return;
          if (index > 0 && options.pauseMs !== undefined) {
            await new Promise((wait) => setTimeout(wait, options.pauseMs));
          }
          socket.write(chunk);
        }
        if (options.endAfter === true) socket.end();
      })();
    });
  });
}

/** A whole HTTP/1.1 answer: headers plus the Content-Length body, or a chunked body's last chunk. */
function isComplete(text: string): boolean {
  const headerEnd = text.indexOf('\r\n\r\n');
  if (headerEnd < 0) return false;
  const head = text.slice(0, headerEnd).toLowerCase();
  const body = text.slice(headerEnd + 4);
  const length = /\r\ncontent-length: (\d+)/.exec(head)?.[1];
  if (length !== undefined) return Buffer.byteLength(body, 'latin1') >= Number(length);
  if (head.includes('transfer-encoding: chunked')) return body.endsWith('0\r\n\r\n');

  return head.includes('connection: close');
}

export function isTerminal(status: unknown): boolean {
  return (TERMINAL_STATUSES as readonly unknown[]).includes(status);
}

export interface JsonAnswer {
  status: number;
  body: Record<string, unknown>;
}

export async function callJson(
  backend: EmbeddedBackend,
  method: string,
  route: string,
  options: {
    body?: string | Uint8Array;
    contentType?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<JsonAnswer> {
  const response = await fetch(`${backend.apiUrl}${route}`, {
    method,
    headers: {
      ...(options.contentType === undefined ? {} : { 'content-type': options.contentType }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: options.body }),
    signal: AbortSignal.timeout(30_000),
  });

  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export function errorCodeOf(answer: JsonAnswer): unknown {
  return (answer.body.error as { code?: unknown } | undefined)?.code;
}
