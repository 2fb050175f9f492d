import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

/**
 * A cap on the bytes all requests in flight on one server may hold in memory at once: each
 * request reserves its declared length before its body is read and gives it back when its
 * response is done, whether it was served, refused or aborted.
 */
export class ByteBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  tryReserve(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;

    return true;
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  get reserved(): number {
    return this.used;
  }
}

/**
 * The declared Content-Length, or a reason to refuse: a buffering guard must know the size
 * before it reads, and a chunked body has none.
 */
export function readDeclaredLength(req: IncomingMessage, maxBytes: number): number | string {
  if (req.headers['transfer-encoding'] !== undefined) return 'a chunked body is refused';
  const header = req.headers['content-length'];
  if (header === undefined) return 0;
  if (!/^\d{1,12}$/.test(header)) return 'the content-length header is malformed';
  const length = Number(header);

  return length > maxBytes ? `the request body is larger than ${describeBytes(maxBytes)}` : length;
}

function describeBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}

/**
 * The whole body, which HTTP framing bounds to the declared Content-Length. Rejects when the
 * client goes away first; the chunks read so far are then dropped with the closure.
 */
export function readWholeBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) {
        chunks.length = 0;
        reject(Object.assign(new Error('request aborted'), { code: 'ECONNRESET' }));
      }
    });
  });
}

/**
 * An emulator reads the body from the request stream, which the guard has drained: it gets a
 * stream of the same bytes with the request's method, URL and headers.
 */
export function replayRequest(req: IncomingMessage, body: Buffer): IncomingMessage {
  const replay = Readable.from(body.byteLength === 0 ? [] : [body], { objectMode: false });

  return Object.assign(replay, {
    method: req.method,
    url: req.url,
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    httpVersion: req.httpVersion,
    httpVersionMajor: req.httpVersionMajor,
    httpVersionMinor: req.httpVersionMinor,
    complete: true,
    socket: req.socket,
    connection: req.socket,
  }) as unknown as IncomingMessage;
}
