/**
 * Runs `load` on the first call and hands every later call the same promise. The adapters import
 * their SDK module and build their client this way, so a function loads only the clients it
 * talks to, and only when it first does (importing every client costs a cold start seconds). A
 * failed load is forgotten, so the next call tries again instead of replaying the rejection.
 */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;

  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });

    return pending;
  };
}

/** An SDK client built on first use from a module loaded on first use. */
export class LazyClient<TSdk, TClient extends { destroy(): void }> {
  #built: TClient | undefined;
  readonly #load: () => Promise<{ sdk: TSdk; client: TClient }>;

  constructor(loadSdk: () => Promise<TSdk>, build: (sdk: TSdk) => TClient) {
    this.#load = loadOnce(async () => {
      const sdk = await loadSdk();
      this.#built ??= build(sdk);

      return { sdk, client: this.#built };
    });
  }

  /** The SDK module and the client, loading and building them on the first call. */
  get(): Promise<{ sdk: TSdk; client: TClient }> {
    return this.#load();
  }

  /** Closes the client's connections; a client never built has none. */
  destroy(): void {
    this.#built?.destroy();
  }
}
