import { describe, expect, it } from 'vitest';
import { CachedObjectStore } from '../../../adapters/embedded/cached-object-store.ts';
import { artifactKeys, isWrittenOnceArtifactKey } from '../../../lib/artifact-keys.ts';
import type { GetObjectOptions } from '../../../ports/object-store.ts';
import { MemoryObjectStore } from '../../support/memory-object-store.ts';

/** The memory store, counting the reads that reach it and failing writes on demand. */
class CountingStore extends MemoryObjectStore {
  readonly reads: string[] = [];
  failNextPut = false;
  /** When set, a read waits for this before answering. */
  gate: Promise<void> | undefined;

  override async put(key: string, body: string | Uint8Array, contentType: string) {
    if (this.failNextPut) {
      this.failNextPut = false;
      throw new Error(`put ${key} failed`);
    }

    return super.put(key, body, contentType);
  }

  override async get(key: string, options: GetObjectOptions = {}) {
    this.reads.push(options.versionId === undefined ? key : `${key}@${options.versionId}`);
    const body = await super.get(key, options);
    await this.gate;

    return body;
  }
}

const CONFIG = artifactKeys.config('demo', 1);
const LATEST = artifactKeys.latestAssets('demo');

function makeCache(maxBytes = 1024) {
  const store = new CountingStore();
  const cache = new CachedObjectStore(store, { isImmutable: isWrittenOnceArtifactKey, maxBytes });

  return { store, cache };
}

const text = (body: Uint8Array | undefined) =>
  body === undefined ? 'absent' : Buffer.from(body).toString('utf8');

describe('CachedObjectStore', () => {
  it('answers a read of a written-once object it wrote without reaching the store', async () => {
    const { store, cache } = makeCache();
    await cache.put(CONFIG, '{"a":1}', 'application/json');

    const first = await cache.get(CONFIG);
    first?.fill(0);

    expect(text(await cache.get(CONFIG))).toBe('{"a":1}');
    expect(store.reads).toEqual([]);
  });

  it('reads a pointer that may change from the store every time', async () => {
    const { store, cache } = makeCache();
    await cache.put(LATEST, 'one', 'application/json');
    await store.put(LATEST, 'two', 'application/json');

    expect(text(await cache.get(LATEST))).toBe('two');
    expect(store.reads).toEqual([LATEST]);
  });

  it('keeps an object it read, and reads a named version from the store', async () => {
    const { store, cache } = makeCache();
    await store.put(CONFIG, '{"b":2}', 'application/json');

    await cache.get(CONFIG);
    await cache.get(CONFIG);
    await cache.get(CONFIG, { versionId: 'v1' });

    expect(store.reads).toEqual([CONFIG, `${CONFIG}@v1`]);
  });

  it('forgets an object whose rewrite failed, so the next read asks the store', async () => {
    const { store, cache } = makeCache();
    await cache.put(CONFIG, 'old', 'application/json');
    store.failNextPut = true;

    await expect(cache.put(CONFIG, 'new', 'application/json')).rejects.toThrow(
      `put ${CONFIG} failed`,
    );

    expect(text(await cache.get(CONFIG))).toBe('old');
    expect(store.reads).toEqual([CONFIG]);
  });

  it('does not keep the older body of a read that a write overtook', async () => {
    const { store, cache } = makeCache();
    await store.put(CONFIG, 'old', 'application/json');
    let open = () => {};
    store.gate = new Promise((resolve) => {
      open = resolve;
    });

    const slowRead = cache.get(CONFIG);
    await cache.put(CONFIG, 'new', 'application/json');
    open();

    expect(text(await slowRead)).toBe('old');
    expect(text(await cache.get(CONFIG))).toBe('new');
    expect(store.reads).toEqual([CONFIG]);
  });

  it('does not keep a read that any write overlapped, and keeps the next one', async () => {
    const { store, cache } = makeCache();
    await store.put(CONFIG, 'same', 'application/json');
    let open = () => {};
    store.gate = new Promise((resolve) => {
      open = resolve;
    });

    const slowRead = cache.get(CONFIG);
    await cache.put(artifactKeys.config('other', 1), 'x', 'application/json');
    open();
    await slowRead;
    store.gate = undefined;
    await cache.get(CONFIG);
    await cache.get(CONFIG);

    expect(store.reads).toEqual([CONFIG, CONFIG]);
  });

  it('drops the least recently used objects beyond its byte budget', async () => {
    const { store, cache } = makeCache(10);
    const keys = [1, 2, 3].map((revision) => artifactKeys.config('demo', revision));
    await cache.put(keys[0] ?? '', '1234', 'application/json');
    await cache.put(keys[1] ?? '', '5678', 'application/json');
    await cache.get(keys[0] ?? '');
    await cache.put(keys[2] ?? '', 'abcd', 'application/json');

    await cache.get(keys[0] ?? '');
    await cache.get(keys[1] ?? '');

    expect(store.reads).toEqual([keys[1]]);
  });

  it('refuses from the store an object over the read limit even when it holds it', async () => {
    const { cache } = makeCache();
    await cache.put(CONFIG, '0123456789', 'application/json');

    await expect(cache.get(CONFIG, { maxBytes: 4 })).rejects.toThrow(
      `${CONFIG} must be at most 4 bytes (received 10)`,
    );
  });
});

describe('isWrittenOnceArtifactKey', () => {
  it('holds for keys by content hash or under one revision, not for pointers or submissions', () => {
    const sha = 'a'.repeat(64);
    const keys = {
      input: artifactKeys.input('demo', 1),
      submittedInput: artifactKeys.submittedInput('demo', sha),
      config: artifactKeys.config('demo', 1),
      assetManifest: artifactKeys.assetManifest('demo', 1),
      nodeAssets: artifactKeys.nodeAssets('demo', 1),
      resourceMap: artifactKeys.resourceMap('demo', 1),
      template: artifactKeys.template('demo', sha),
      userdata: artifactKeys.userdata('demo', 'controller0', sha),
      latestAssets: artifactKeys.latestAssets('demo'),
      submission: artifactKeys.submission('demo'),
      submissionValidation: artifactKeys.submissionValidation('demo'),
    };

    expect(
      Object.fromEntries(
        Object.entries(keys).map(([name, key]) => [name, isWrittenOnceArtifactKey(key)]),
      ),
    ).toEqual({
      input: true,
      submittedInput: true,
      config: true,
      assetManifest: true,
      nodeAssets: true,
      resourceMap: true,
      template: true,
      userdata: true,
      latestAssets: false,
      submission: false,
      submissionValidation: false,
    });
  });
});
