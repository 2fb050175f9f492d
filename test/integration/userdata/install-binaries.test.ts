import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderUserdata } from '../../../stack/userdata/render-userdata.ts';
import { CNI_PLUGINS_VERSION } from '../../../stack/userdata/versions.ts';
import { requireTool } from '../../support/external-tools.ts';
import { buildNodeAssets, exampleConfig } from '../../unit/userdata/node-assets-fixture.ts';
import { findFile, parseUserdata } from '../../unit/userdata/rendered-userdata.ts';

const hasTools = requireTool('curl') && requireTool('tar');
const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * The rendered install script runs against a download server on 127.0.0.1 that stands in for
 * dl.k8s.io and the CNI release page, so checksum handling and re-runs are tested offline.
 */
describe.skipIf(!hasTools)('install-kubernetes-binaries script', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'install-binaries-'));
  const files = new Map<string, Buffer>();
  const requests: string[] = [];
  let server: Server;
  let base: string;
  const script = findFile(
    parseUserdata(
      renderUserdata('worker', { config: exampleConfig(), nodeAssets: buildNodeAssets('demo') }),
    ),
    '/opt/bin/install-kubernetes-binaries',
  ).content;
  writeFileSync(join(scratch, 'install'), script);

  const kubelet = Buffer.from('#!/bin/sh\necho kubelet\n');
  const cniArchiveName = `cni-plugins-linux-${arch}-${CNI_PLUGINS_VERSION}.tgz`;

  beforeAll(async () => {
    const cniSource = join(scratch, 'cni-source');
    mkdirSync(cniSource);
    writeFileSync(join(cniSource, 'bridge'), 'bridge plugin');
    spawnSync('tar', ['-czf', join(scratch, cniArchiveName), '-C', cniSource, 'bridge']);
    const cniArchive = readFileSync(join(scratch, cniArchiveName));
    files.set(`/k8s/${arch}/kubelet`, kubelet);
    files.set(`/k8s/${arch}/kubelet.sha256`, Buffer.from(sha256(kubelet)));
    files.set(`/cni/${cniArchiveName}`, cniArchive);
    files.set(
      `/cni/${cniArchiveName}.sha256`,
      Buffer.from(`${sha256(cniArchive)}  ${cniArchiveName}\n`),
    );

    server = createServer((request, response) => {
      requests.push(request.url ?? '');
      const body = files.get(request.url ?? '');
      response.writeHead(body === undefined ? 404 : 200).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(scratch, { recursive: true, force: true });
  });

  function runInstall(root: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        'bash',
        [join(scratch, 'install')],
        {
          env: {
            PATH: process.env.PATH,
            KUBERNETES_DOWNLOAD_URL: `${base}/k8s`,
            CNI_PLUGINS_DOWNLOAD_URL: `${base}/cni`,
            BIN_DIR: join(root, 'bin'),
            CNI_BIN_DIR: join(root, 'cni'),
          },
          timeout: 60_000,
        },
        (error, stdout, stderr) =>
          resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr }),
      );
    });
  }

  it('installs verified binaries once and skips them on the next boot', async () => {
    const root = mkdtempSync(join(scratch, 'ok-'));

    const first = await runInstall(root);

    expect(first).toEqual({
      code: 0,
      stdout: `install-kubernetes-binaries: installed kubelet v1.34.2\ninstall-kubernetes-binaries: installed CNI plugins ${CNI_PLUGINS_VERSION}\n`,
      stderr: '',
    });
    expect(readFileSync(join(root, 'bin/kubelet'))).toEqual(kubelet);
    expect(readFileSync(join(root, 'cni/bridge'), 'utf8')).toBe('bridge plugin');
    requests.length = 0;

    const second = await runInstall(root);

    expect(second).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(requests).toEqual([]);
  });

  it('refuses a download whose sha256 differs and leaves nothing behind', async () => {
    const root = mkdtempSync(join(scratch, 'tampered-'));
    files.set(`/k8s/${arch}/kubelet`, Buffer.from('#!/bin/sh\necho tampered\n'));

    const result = await runInstall(root);
    files.set(`/k8s/${arch}/kubelet`, kubelet);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `install-kubernetes-binaries: ${base}/k8s/${arch}/kubelet does not match its published sha256\n`,
    );
    expect(existsSync(join(root, 'bin/kubelet'))).toBe(false);
    expect(readdirSync(join(root, 'bin'))).toEqual([]);
  });
});
