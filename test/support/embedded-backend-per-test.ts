import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import {
  type EmbeddedBackend,
  startEmbeddedBackend,
} from '../../embedded/start-embedded-backend.ts';
import type { ObjectStore } from '../../ports/object-store.ts';

/**
 * Starts an embedded backend on free ports and a fresh state dir (named after `prefix`) before
 * each test of the calling `describe`, and stops it and removes the dir after it. Returns the
 * running backend, to call inside a test; a test may stop it itself (the stop runs once).
 */
export function useEmbeddedBackendPerTest(prefix: string): () => EmbeddedBackend {
  let stateDir: string | undefined;
  let backend: EmbeddedBackend | undefined;

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), prefix));
    const started = await startEmbeddedBackend({ stateDir, apiPort: 0, s3Port: 0 });
    let stopping: Promise<void> | undefined;
    backend = { ...started, stop: () => (stopping ??= started.stop()) };
  });
  afterEach(async () => {
    await backend?.stop();
    backend = undefined;
    if (stateDir !== undefined) await rm(stateDir, { recursive: true, force: true });
  });

  return () => {
    if (backend === undefined) throw new Error('the embedded backend runs only inside a test');
    return backend;
  };
}

/**
 * Holds every write to `store` until `release` is called: `reached` settles when the first one
 * arrives, so a test can act (stop, interrupt) while a run or submission is mid-write.
 */
export function holdWrites(store: ObjectStore): { reached: Promise<void>; release: () => void } {
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let arrived = () => {};
  const reached = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const put = store.put.bind(store);
  store.put = async (...args) => {
    arrived();
    await held;
    return put(...args);
  };

  return { reached, release };
}
