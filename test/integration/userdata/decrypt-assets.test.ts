import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NodeRole, nodeEncryptionContext } from '../../../schemas/node-assets.ts';
import { renderUserdata } from '../../../stack/userdata/render-userdata.ts';
import { requireTool } from '../../support/external-tools.ts';
import { type MotoServer, motoClientConfig, startMoto } from '../../support/moto.ts';
import { buildNodeAssets, exampleConfig } from '../../unit/userdata/node-assets-fixture.ts';
import { materialiseUserdata } from './materialise-userdata.ts';

const hasTools = requireTool('moto_server', ['--help']) && requireTool('aws');

/** A PEM-shaped test fixture, not a key: its body is the base64 of a readable label. */
function plaintextOf(path: string): string {
  return `-----BEGIN PRIVATE KEY-----\n${Buffer.from(`key material of ${path}`).toString('base64')}\n-----END PRIVATE KEY-----\n`;
}

/**
 * The real decrypt script, rendered into a controller's userdata and written out as cloudinit
 * would, runs against KMS in moto through the machine's `aws` CLI (the node runs the same CLI in a
 * container). The ciphertexts are made by moto's KMS with each asset's node context.
 */
describe.skipIf(!hasTools)('decrypt-assets script', () => {
  let moto: MotoServer;
  let kms: KMSClient;
  let keyId: string;
  const scratch = mkdtempSync(join(tmpdir(), 'decrypt-assets-'));

  const encrypt = async (
    asset: string,
    path: string,
    context = nodeEncryptionContext('demo', asset),
  ) => {
    const result = await kms.send(
      new EncryptCommand({
        KeyId: keyId,
        Plaintext: Buffer.from(plaintextOf(path)),
        EncryptionContext: context,
      }),
    );

    return Buffer.from(result.CiphertextBlob ?? new Uint8Array()).toString('base64');
  };

  async function renderOnDisk(root: string, role: NodeRole = 'controller'): Promise<string[]> {
    const probe = buildNodeAssets('demo');
    const ciphertexts = new Map<string, string>();
    const keys = probe.assets.filter((a) => a.kind === 'private-key' && a.roles.includes(role));
    for (const asset of keys) {
      ciphertexts.set(asset.path, await encrypt(asset.name, asset.path));
    }
    const nodeAssets = buildNodeAssets('demo', (_asset, path) => ciphertexts.get(path) ?? '');
    const text = renderUserdata(role, {
      config: exampleConfig(),
      nodeAssets,
      controllerIndex: role === 'controller' ? 0 : undefined,
    });
    materialiseUserdata(text, root);

    return [...ciphertexts.keys()].sort();
  }

  function runDecrypt(root: string) {
    const result = spawnSync('bash', [join(root, 'opt/bin/decrypt-assets')], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        HOME: root,
        PKI_DIR: join(root, 'etc/kubernetes/pki'),
        AWS_CLI: 'aws',
        AWS_ENDPOINT_URL: moto.endpoint,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_CONFIG_FILE: join(root, 'no-aws-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(root, 'no-aws-credentials'),
      },
      timeout: 120_000,
    });

    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  beforeAll(async () => {
    moto = await startMoto();
    kms = new KMSClient(motoClientConfig(moto.endpoint));
    const created = await kms.send(new CreateKeyCommand({ Description: 'decrypt-assets test' }));
    keyId = created.KeyMetadata?.KeyId ?? '';
  });

  afterAll(async () => {
    kms?.destroy();
    await moto?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('decrypts every key once, then leaves the files untouched on the next run', async () => {
    const root = mkdtempSync(join(scratch, 'run-'));
    const keyPaths = await renderOnDisk(root);
    const onDisk = (path: string) => join(root, path);

    const first = runDecrypt(root);

    expect(first.status).toBe(0);
    expect(first.stderr).toBe('');
    expect(first.stdout).toBe(
      [
        ...keyPaths.map((path) => `decrypt-assets: decrypted ${onDisk(path)}`),
        `decrypt-assets: ${keyPaths.length} decrypted, 0 unchanged`,
        '',
      ].join('\n'),
    );
    for (const path of keyPaths) {
      expect(readFileSync(onDisk(path), 'utf8')).toBe(plaintextOf(path));
      expect(statSync(onDisk(path)).mode & 0o777).toBe(0o600);
    }
    const before = keyPaths.map((path) => {
      const stat = statSync(onDisk(path));
      return { path, ino: stat.ino, mtimeMs: stat.mtimeMs };
    });

    const second = runDecrypt(root);

    expect(second).toEqual({
      status: 0,
      stdout: `decrypt-assets: 0 decrypted, ${keyPaths.length} unchanged\n`,
      stderr: '',
    });
    const after = keyPaths.map((path) => {
      const stat = statSync(onDisk(path));
      return { path, ino: stat.ino, mtimeMs: stat.mtimeMs };
    });
    expect(after).toEqual(before);
  });

  it('decrypts again only the key whose ciphertext changed', async () => {
    const root = mkdtempSync(join(scratch, 'rotate-'));
    const keyPaths = await renderOnDisk(root);
    expect(runDecrypt(root).status).toBe(0);
    const rotated = '/etc/kubernetes/pki/etcd/server.key';
    writeFileSync(
      join(root, `${rotated}.enc`),
      Buffer.from(await encrypt('etcd-server', rotated), 'base64'),
    );

    const result = runDecrypt(root);

    expect(result).toEqual({
      status: 0,
      stdout: `decrypt-assets: decrypted ${join(root, rotated)}\ndecrypt-assets: 1 decrypted, ${keyPaths.length - 1} unchanged\n`,
      stderr: '',
    });
  });

  it('decrypts a key again when its plaintext file has gone', async () => {
    const root = mkdtempSync(join(scratch, 'deleted-'));
    await renderOnDisk(root, 'worker');
    const key = '/etc/kubernetes/pki/kubelet.key';
    expect(runDecrypt(root).status).toBe(0);
    rmSync(join(root, key));

    const result = runDecrypt(root);

    expect(result).toEqual({
      status: 0,
      stdout: `decrypt-assets: decrypted ${join(root, key)}\ndecrypt-assets: 1 decrypted, 0 unchanged\n`,
      stderr: '',
    });
    expect(readFileSync(join(root, key), 'utf8')).toBe(plaintextOf(key));
  });

  it('fails loudly, naming the file, when the encryption context does not match', async () => {
    const root = mkdtempSync(join(scratch, 'wrong-context-'));
    await renderOnDisk(root, 'worker');
    const victim = '/etc/kubernetes/pki/kubelet.key';
    const wrongContext = nodeEncryptionContext('demo', 'apiserver');
    writeFileSync(join(root, `${victim}.ctx`), `${JSON.stringify(wrongContext)}\n`);

    const result = runDecrypt(root);

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('InvalidCiphertextException');
    expect(
      result.stderr.endsWith(`decrypt-assets: ${join(root, victim)}.enc: kms decrypt failed\n`),
    ).toBe(true);
    expect(existsSync(join(root, victim))).toBe(false);
    const leftovers = readdirSync(join(root, 'etc/kubernetes/pki')).filter((name) =>
      /^kubelet\.key\.[A-Za-z0-9]{6}$/.test(name),
    );
    expect(leftovers).toEqual([]);
  });
});
