import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildS3Url, S3ObjectStore } from '../../../adapters/aws/s3-object-store.ts';
import { requireTool } from '../../support/external-tools.ts';
import { motoClientConfig, startMoto } from '../../support/moto.ts';

const hasMoto = requireTool('moto_server', ['--help']);
const require = createRequire(import.meta.url);

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverInstance;

interface Backend {
  name: string;
  versioned: boolean;
  start(bucket: string): Promise<{
    store: S3ObjectStore;
    openBucket(name: string): S3ObjectStore;
    stop(): Promise<void>;
  }>;
}

const backends: Backend[] = [
  {
    name: 's3rver',
    versioned: false,
    start: async (bucket) => {
      const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
      const server = new S3rver({
        address: '127.0.0.1',
        port: 0,
        silent: true,
        directory,
        configureBuckets: [{ name: bucket }],
      });
      const { port } = await server.run();
      const openBucket = (name: string) =>
        new S3ObjectStore({
          bucket: name,
          region: 'us-east-1',
          endpoint: `http://127.0.0.1:${port}`,
          credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        });
      const store = openBucket(bucket);
      return {
        store,
        openBucket,
        stop: async () => {
          store.destroy();
          await server.close();
          await rm(directory, { recursive: true, force: true });
        },
      };
    },
  },
  ...(hasMoto
    ? [
        {
          name: 'moto',
          versioned: true,
          start: async (bucket: string) => {
            const moto = await startMoto();
            const config = motoClientConfig(moto.endpoint);
            const admin = new S3Client({ ...config, forcePathStyle: true });
            await admin.send(new CreateBucketCommand({ Bucket: bucket }));
            await admin.send(
              new PutBucketVersioningCommand({
                Bucket: bucket,
                VersioningConfiguration: { Status: 'Enabled' },
              }),
            );
            admin.destroy();
            const openBucket = (name: string) => new S3ObjectStore({ bucket: name, ...config });
            const store = openBucket(bucket);
            return {
              store,
              openBucket,
              stop: async () => {
                store.destroy();
                await moto.stop();
              },
            };
          },
        },
      ]
    : []),
];

describe.each(backends)('S3ObjectStore on $name', (backend) => {
  let started: Awaited<ReturnType<Backend['start']>>;

  beforeAll(async () => {
    started = await backend.start('artefacts');
  });

  afterAll(async () => {
    await started?.stop();
  });

  it('returns exactly the bytes it stored, text and binary', async () => {
    const binary = Uint8Array.from({ length: 70_000 }, (_, index) => (index * 31) % 256);

    await started.store.put('clusters/a/cluster.yaml', 'clusterName: a\n', 'application/yaml');
    await started.store.put('clusters/a/blob.bin', binary, 'application/octet-stream');

    expect(Buffer.from((await started.store.get('clusters/a/cluster.yaml'))!).toString()).toBe(
      'clusterName: a\n',
    );
    expect(Buffer.from((await started.store.get('clusters/a/blob.bin'))!)).toEqual(
      Buffer.from(binary),
    );
  });

  it('answers undefined for a key that does not exist', async () => {
    expect(await started.store.get('clusters/missing/cluster.yaml')).toBeUndefined();
  });

  it('raises the missing bucket instead of answering undefined', async () => {
    const absent = started.openBucket('no-such-bucket');

    await expect(absent.get('clusters/a/cluster.yaml')).rejects.toMatchObject({
      name: 'NoSuchBucket',
    });
    absent.destroy();
  });

  it('lists the keys under a prefix in order', async () => {
    await started.store.put('clusters/b/revisions/000002/x', 'x', 'text/plain');
    await started.store.put('clusters/b/revisions/000001/x', 'x', 'text/plain');
    await started.store.put('clusters/bb/other', 'x', 'text/plain');

    expect(await started.store.list('clusters/b/')).toEqual([
      'clusters/b/revisions/000001/x',
      'clusters/b/revisions/000002/x',
    ]);
  });

  it('reports the version id when the bucket is versioned', async () => {
    const first = await started.store.put('clusters/c/cluster.yaml', 'one', 'application/yaml');
    const second = await started.store.put('clusters/c/cluster.yaml', 'two', 'application/yaml');

    if (backend.versioned) {
      expect(typeof first.versionId).toBe('string');
      expect(second.versionId).not.toBe(first.versionId);
    } else {
      expect(first).toEqual({});
    }
  });

  it('reads the version an event names, not the newest, when the bucket is versioned', async () => {
    const first = await started.store.put('clusters/d/cluster.yaml', 'one', 'application/yaml');
    await started.store.put('clusters/d/cluster.yaml', 'two', 'application/yaml');

    const read = await started.store.get('clusters/d/cluster.yaml', {
      ...(first.versionId === undefined ? {} : { versionId: first.versionId }),
    });

    expect(Buffer.from(read!).toString()).toBe(backend.versioned ? 'one' : 'two');
  });

  it('refuses an object over maxBytes by its size, without reading it', async () => {
    await started.store.put('clusters/e/cluster.yaml', 'x'.repeat(2048), 'application/yaml');

    await expect(
      started.store.get('clusters/e/cluster.yaml', { maxBytes: 1024 }),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'clusters/e/cluster.yaml must be at most 1024 bytes (received 2048)',
    });
    expect((await started.store.get('clusters/e/cluster.yaml', { maxBytes: 2048 }))?.length).toBe(
      2048,
    );
  });

  it('hands out a real S3 address, never the emulator address', () => {
    expect(started.store.urlFor('clusters/a/templates/abc.json')).toBe(
      'https://artefacts.s3.amazonaws.com/clusters/a/templates/abc.json',
    );
  });
});

describe('buildS3Url', () => {
  it('uses the regional host outside us-east-1 and encodes each key segment', () => {
    expect(buildS3Url('b', 'eu-west-1', 'a b/c+d.json', 'virtual-hosted')).toBe(
      'https://b.s3.eu-west-1.amazonaws.com/a%20b/c%2Bd.json',
    );
  });

  it('puts the bucket in the path for the path style', () => {
    expect(buildS3Url('b', 'us-east-1', 'k/t.json', 'path')).toBe(
      'https://s3.us-east-1.amazonaws.com/b/k/t.json',
    );
  });
});
