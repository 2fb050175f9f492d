import type { GetObjectOptions, ObjectStore } from '../../ports/object-store.ts';

export interface CachedObjectStoreOptions {
  /** Keys whose content never changes once written: only these are kept. */
  isImmutable: (key: string) => boolean;
  /** Bytes kept at most; the least recently used objects leave first. */
  maxBytes: number;
}

/**
 * A store that keeps the immutable objects it wrote or read, so the states of one run, which
 * run in one process in the embedded backend, do not read back over HTTP what an earlier state
 * just wrote. Only sound while this process is the store's only writer of those keys, as the
 * embedded backend is of its artefacts bucket; Lambda functions never use it.
 */
export class CachedObjectStore implements ObjectStore {
  readonly bucket: string;
  private readonly entries = new Map<string, Uint8Array>();
  /**
   * Writes started so far, to any key: a read that overlapped any write is not kept, so it can
   * never keep a body older than what was written meanwhile. One number, however many keys.
   */
  private writesStarted = 0;
  private cachedBytes = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly options: CachedObjectStoreOptions,
  ) {
    this.bucket = store.bucket;
  }

  async put(
    key: string,
    body: string | Uint8Array,
    contentType: string,
  ): Promise<{ versionId?: string }> {
    // Forgotten first: if the write fails, the store may hold either version.
    this.forget(key);
    this.writesStarted += 1;
    const result = await this.store.put(key, body, contentType);
    if (this.options.isImmutable(key)) {
      this.remember(key, typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
    }

    return result;
  }

  async get(key: string, options: GetObjectOptions = {}): Promise<Uint8Array | undefined> {
    const cached = this.entries.get(key);
    const fits = options.maxBytes === undefined || (cached?.length ?? 0) <= options.maxBytes;
    if (cached !== undefined && options.versionId === undefined && fits) {
      // Re-inserted so the Map's order stays least recently used first.
      this.entries.delete(key);
      this.entries.set(key, cached);

      return Uint8Array.from(cached);
    }

    const writesBefore = this.writesStarted;
    const body = await this.store.get(key, options);
    const unchanged = this.writesStarted === writesBefore;
    if (body !== undefined && unchanged && options.versionId === undefined) {
      if (this.options.isImmutable(key)) this.remember(key, body);
    }

    return body;
  }

  list(prefix: string): Promise<string[]> {
    return this.store.list(prefix);
  }

  urlFor(key: string): string {
    return this.store.urlFor(key);
  }

  private remember(key: string, body: Uint8Array): void {
    if (body.length > this.options.maxBytes) return;
    this.forget(key);
    this.entries.set(key, Uint8Array.from(body));
    this.cachedBytes += body.length;
    for (const [oldest, value] of this.entries) {
      if (this.cachedBytes <= this.options.maxBytes) break;
      this.entries.delete(oldest);
      this.cachedBytes -= value.length;
    }
  }

  private forget(key: string): void {
    const previous = this.entries.get(key);
    if (previous === undefined) return;
    this.entries.delete(key);
    this.cachedBytes -= previous.length;
  }
}
