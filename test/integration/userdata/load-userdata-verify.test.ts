import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactKeys } from '../../../lib/artifact-keys.ts';
import { sha256Hex } from '../../../lib/hash.ts';
import {
  LOADER_SCRIPT_PATH,
  renderLoaderUserdata,
} from '../../../stack/userdata/render-loader-userdata.ts';
import { requireTool } from '../../support/external-tools.ts';
import { type MotoServer, motoClientConfig, startMoto } from '../../support/moto.ts';
import { findFile, parseUserdata } from '../../unit/userdata/rendered-userdata.ts';

const hasMoto = requireTool('moto_server', ['--help']);
const hasAwsCli = requireTool('aws', ['--version']);
const BUCKET = 'demo-artifacts';

/**
 * Runs the rendered loader script for real against moto. Only what a build machine lacks is
 * stubbed on PATH: `docker run <image>` becomes the aws CLI pointed at moto, `coreos-cloudinit`
 * records the file it was given, `sleep` returns at once. The node's /var/lib/kube-aws is
 * rewritten to a scratch directory (a test-only substitution in the script text).
 */
describe.skipIf(!hasMoto || !hasAwsCli)('the loader script fetches and verifies userdata', () => {
  let moto: MotoServer;
  let s3: S3Client;
  let scratch: string;

  beforeAll(async () => {
    moto = await startMoto();
    s3 = new S3Client({ ...motoClientConfig(moto.endpoint), forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    scratch = mkdtempSync(join(tmpdir(), 'load-userdata-'));
    const bin = join(scratch, 'bin');
    mkdirSync(bin);
    const stub = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/bin/bash\nset -euo pipefail\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    // docker run --rm --net=host <image> <aws arguments...>
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash parameter expansion
    stub('docker', 'shift 4\nexec aws --endpoint-url "${MOTO_ENDPOINT}" "$@"');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash parameter expansion
    stub('coreos-cloudinit', 'cp "${1#--from-file=}" "${APPLIED}"');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash parameter expansion
    stub('sleep', 'echo "slept $1" >> "${SLEPT}"');
  }, 30_000);
  afterAll(async () => {
    s3?.destroy();
    await moto?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  const runLoader = async (stored: string, claimed: string, label: string) => {
    const key = artifactKeys.userdata('demo', label, sha256Hex(claimed));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: stored }));
    const userdata = renderLoaderUserdata('worker', `s3://${BUCKET}/${key}`, 'us-east-1');
    const nodeDir = join(scratch, label);
    mkdirSync(nodeDir);
    const script = findFile(parseUserdata(userdata), LOADER_SCRIPT_PATH).content.replaceAll(
      '/var/lib/kube-aws',
      join(nodeDir, 'var'),
    );
    const applied = join(nodeDir, 'applied');
    const result = spawnSync('bash', ['-c', script], {
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: `${join(scratch, 'bin')}:${process.env.PATH ?? ''}`,
        HOME: nodeDir,
        MOTO_ENDPOINT: moto.endpoint,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_CONFIG_FILE: join(nodeDir, 'no-config'),
        APPLIED: applied,
        SLEPT: join(nodeDir, 'slept'),
      },
    });
    const read = (path: string) => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    };

    return {
      status: result.status,
      stderr: result.stderr,
      applied: read(applied),
      target: read(join(nodeDir, 'var', 'userdata')),
      slept: read(join(nodeDir, 'slept')),
      url: `s3://${BUCKET}/${key}`,
      key,
    };
  };

  it('applies the object when its bytes hash to the sha256 in its key', async () => {
    const text = '#cloud-config\nwrite_files: []\n# é non-ASCII survives\n';

    const run = await runLoader(text, text, 'worker-good');

    expect(run).toMatchObject({ status: 0, stderr: '', applied: text, target: text });
    expect(run.slept).toBeUndefined();
  });

  it('refuses to apply an object swapped in the bucket, retries, then fails loudly', async () => {
    const genuine = '#cloud-config\nwrite_files: []\n';
    const swapped = '#cloud-config\nruncmd: [touch /pwned]\n';

    const run = await runLoader(swapped, genuine, 'worker-swapped');

    const mismatch = `load-userdata: ${run.url} has sha256 ${sha256Hex(swapped)}, expected ${sha256Hex(genuine)}; not applying it\n`;
    expect(run).toMatchObject({ status: 1, applied: undefined, target: undefined });
    expect(run.stderr).toBe(
      `${mismatch.repeat(5)}load-userdata: cannot copy a verified ${run.url}; giving up\n`,
    );
    expect(run.slept).toBe('slept 10\n'.repeat(4));
  });
});
