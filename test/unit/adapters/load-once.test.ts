import { describe, expect, it } from 'vitest';
import { LazyClient, loadOnce } from '../../../adapters/aws/load-once.ts';

describe('loadOnce', () => {
  it('runs the load once and hands every caller the same value', async () => {
    let loads = 0;
    const load = loadOnce(async () => {
      loads += 1;
      return { module: loads };
    });

    const [first, second] = await Promise.all([load(), load()]);
    const third = await load();

    expect(loads).toBe(1);
    expect(second).toBe(first);
    expect(third).toBe(first);
  });

  it('does not run the load until the first call', () => {
    let loads = 0;
    loadOnce(async () => {
      loads += 1;
    });

    expect(loads).toBe(0);
  });

  it('loads again on the next call after a failed load', async () => {
    let loads = 0;
    const load = loadOnce(async () => {
      loads += 1;
      if (loads === 1) throw new Error('module not found');
      return 'loaded';
    });

    await expect(load()).rejects.toThrow('module not found');
    await expect(load()).resolves.toBe('loaded');
    expect(loads).toBe(2);
  });
});

class FakeClient {
  destroyed = 0;
  constructor(readonly config: string) {}
  destroy(): void {
    this.destroyed += 1;
  }
}

describe('LazyClient', () => {
  it('builds one client from the loaded module on first use and reuses it', async () => {
    const sdk = { FakeClient };
    let builds = 0;
    const lazy = new LazyClient(
      async () => sdk,
      (loaded) => {
        builds += 1;
        return new loaded.FakeClient('eu-west-1');
      },
    );

    const [first, second] = await Promise.all([lazy.get(), lazy.get()]);

    expect(builds).toBe(1);
    expect(first.sdk).toBe(sdk);
    expect(first.client.config).toBe('eu-west-1');
    expect(second.client).toBe(first.client);
  });

  it('destroys the client it built, and nothing when none was built', async () => {
    const unused = new LazyClient(
      async () => ({ FakeClient }),
      () => {
        throw new Error('must not build');
      },
    );
    unused.destroy();

    const used = new LazyClient(
      async () => ({ FakeClient }),
      (loaded) => new loaded.FakeClient('us-east-1'),
    );
    const { client } = await used.get();
    used.destroy();

    expect(client.destroyed).toBe(1);
  });
});
