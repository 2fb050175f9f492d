import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.ts';
import { captureIo } from './capture-io.ts';

const NAMES =
  'all, kube-ca, etcd-ca, front-proxy-ca, apiserver, apiserver-kubelet-client, kubelet, admin, ' +
  'controller-manager, scheduler, etcd-server, etcd-peer, apiserver-etcd-client, ' +
  'front-proxy-client, service-account';

describe('up --rotate names', () => {
  it('exits 2 for an unknown asset before reading the file or starting a backend, naming the valid names', async () => {
    const stateDir = path.join(await mkdtemp(path.join(tmpdir(), 'kube-aws-rotate-')), 'state');
    const io = captureIo();

    expect(
      await main(['up', 'missing.yaml', '--rotate', 'bogus', '--state-dir', stateDir], io),
    ).toBe(2);
    expect(io.stderr()).toBe(
      `kube-aws up: --rotate must name TLS assets or all (received "bogus"); the names are ${NAMES}; run kube-aws up --help\n`,
    );
    expect(io.stdout()).toBe('');
    await expect(stat(stateDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('suggests the closest asset for a near miss among valid names', async () => {
    const io = captureIo();

    expect(await main(['up', 'missing.yaml', '--rotate', 'apiserver, kubelt'], io)).toBe(2);
    expect(io.stderr()).toBe(
      `kube-aws up: --rotate must name TLS assets or all (received "kubelt"); did you mean kubelet; the names are ${NAMES}; run kube-aws up --help\n`,
    );
  });

  it('accepts valid names and all, and goes on to read the file', async () => {
    const io = captureIo();

    expect(await main(['up', 'missing.yaml', '--rotate', 'apiserver,etcd-peer,all'], io)).toBe(2);
    expect(io.stderr()).toBe('kube-aws up: missing.yaml cannot be read (received ENOENT)\n');
  });
});
