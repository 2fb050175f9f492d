import {
  type GetObjectOptions,
  type ObjectStore,
  ObjectTooLargeError,
} from '../../ports/object-store.ts';

/** An in-memory ObjectStore for unit tests; `objects` exposes what was written, for scans. */
export class MemoryObjectStore implements ObjectStore {
  readonly bucket = 'memory';
  readonly objects = new Map<string, Uint8Array>();

  async put(key: string, body: string | Uint8Array, _contentType: string) {
    this.objects.set(key, typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body));

    return {};
  }

  async get(key: string, options: GetObjectOptions = {}): Promise<Uint8Array | undefined> {
    const body = this.objects.get(key);
    if (body !== undefined && options.maxBytes !== undefined && body.length > options.maxBytes) {
      throw new ObjectTooLargeError(key, options.maxBytes, body.length);
    }

    return body === undefined ? undefined : Buffer.from(body);
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  urlFor(key: string): string {
    return `memory://${this.bucket}/${key}`;
  }

  /** The body of `key` as UTF-8 text; throws when absent so a test cannot pass on a missing key. */
  text(key: string): string {
    const body = this.objects.get(key);
    if (body === undefined) throw new Error(`memory object store has no object ${key}`);

    return Buffer.from(body).toString('utf8');
  }
}
