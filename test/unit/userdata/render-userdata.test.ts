import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateCloudConfig } from '../../../cloud-config/validate-cloud-config.ts';
import type { NodeRole } from '../../../schemas/node-assets.ts';
import { renderLoaderUserdata } from '../../../stack/userdata/render-loader-userdata.ts';
import {
  encodeUserdata,
  renderUserdata,
  USERDATA_LIMIT_BYTES,
} from '../../../stack/userdata/render-userdata.ts';
import { buildNodeAssets, exampleConfig } from './node-assets-fixture.ts';
import { findFile, parseUserdata } from './rendered-userdata.ts';

const config = exampleConfig();
const nodeAssets = buildNodeAssets('demo');
const render = (role: NodeRole, controllerIndex?: number, cfg = config) =>
  renderUserdata(role, { config: cfg, nodeAssets, controllerIndex });

// Units the rendered ones may depend on that Flatcar itself provides.
const FLATCAR_UNITS = [
  'network-online.target',
  'multi-user.target',
  'shutdown.target',
  'docker.service',
  'containerd.service',
  'dev-xvdf.device',
];

describe('renderUserdata', () => {
  it.each([
    ['controller', 0, config],
    ['controller', 2, exampleConfig({ controllerCount: 3 })],
    ['controller', 0, exampleConfig({ useCalico: true, createRecordSet: false })],
    ['worker', undefined, config],
  ] as const)('renders a %s (index %s) cloud-config the validator accepts', (role, index, cfg) => {
    const text = render(role, index, cfg);

    expect(text.startsWith('#cloud-config\n')).toBe(true);
    expect(validateCloudConfig(text)).toEqual([]);
  });

  it('renders byte-identical output and encoding for the same input', () => {
    for (const role of ['controller', 'worker'] as const) {
      const first = render(role, role === 'controller' ? 0 : undefined);
      const second = renderUserdata(role, {
        config: exampleConfig(),
        nodeAssets: buildNodeAssets('demo'),
        controllerIndex: role === 'controller' ? 0 : undefined,
      });

      expect(second).toBe(first);
      expect(encodeUserdata(second)).toEqual(encodeUserdata(first));
    }
  });

  it('gives a worker the CA and kubelet certificate as PEM and the kubelet key only as ciphertext', () => {
    const parsed = parseUserdata(render('worker'));
    const pki = parsed.files.filter((file) => file.path.startsWith('/etc/kubernetes/pki/'));
    const kubeletKey = nodeAssets.assets.find((asset) => asset.path.endsWith('/kubelet.key'));

    expect(pki.map((file) => `${file.path} ${file.permissions} ${file.encoding ?? ''}`)).toEqual([
      '/etc/kubernetes/pki/ca.crt 0644 ',
      '/etc/kubernetes/pki/kubelet.crt 0644 ',
      '/etc/kubernetes/pki/kubelet.key.ctx 0644 ',
      '/etc/kubernetes/pki/kubelet.key.enc 0600 b64',
    ]);
    expect(findFile(parsed, '/etc/kubernetes/pki/kubelet.key.enc').content).toBe(
      kubeletKey?.content,
    );
    expect(findFile(parsed, '/etc/kubernetes/pki/kubelet.key.ctx').content).toBe(
      '{"kube-aws:asset":"kubelet","kube-aws:cluster":"demo","kube-aws:purpose":"node"}\n',
    );
  });

  it('writes every private key of a controller as .enc and .ctx, never in plain', () => {
    const parsed = parseUserdata(render('controller', 0));
    const keys = nodeAssets.assets.filter(
      (asset) => asset.kind === 'private-key' && asset.roles.includes('controller'),
    );

    for (const key of keys) {
      expect(findFile(parsed, `${key.path}.enc`).content).toBe(key.content);
      expect(findFile(parsed, `${key.path}.ctx`).content).toContain(
        `"kube-aws:asset":"${key.name}"`,
      );
      expect(parsed.files.some((file) => file.path === key.path)).toBe(false);
    }
  });

  it('lists the units in dependency order, each enabled and started', () => {
    const controller = parseUserdata(render('controller', 0));
    const worker = parseUserdata(render('worker'));

    expect(controller.units.map((u) => `${u.name} ${u.enable} ${u.command}`)).toEqual([
      'decrypt-assets.service true start',
      'kubelet-install.service true start',
      'format-etcd-volume.service true start',
      'var-lib-etcd.mount true start',
      'kubelet.service true start',
      'install-addons.service true start',
    ]);
    expect(worker.units.map((u) => u.name)).toEqual([
      'decrypt-assets.service',
      'kubelet-install.service',
      'kubelet.service',
    ]);
  });

  it('writes every script a unit runs and depends only on rendered or Flatcar units', () => {
    for (const [role, index] of [
      ['controller', 0],
      ['worker', undefined],
    ] as const) {
      const parsed = parseUserdata(render(role, index));
      const unitNames = parsed.units.map((unit) => unit.name);
      for (const unit of parsed.units) {
        const execStart = /^ExecStart=(\S+)/m.exec(unit.content)?.[1];
        // kubelet itself is downloaded by kubelet-install.service; a mount unit runs nothing.
        if (execStart === undefined) expect(unit.name).toBe('var-lib-etcd.mount');
        else if (execStart !== '/opt/bin/kubelet') {
          expect(findFile(parsed, execStart).permissions).toBe('0700');
        }
        const dependencies = [
          ...unit.content.matchAll(/^(?:After|Requires|Wants|Before)=(.*)$/gm),
        ].flatMap((match) => (match[1] ?? '').split(' '));
        for (const dependency of dependencies) {
          expect([...unitNames, ...FLATCAR_UNITS]).toContain(dependency);
        }
      }
    }
  });

  it('forms one etcd cluster of all controllers and names this member by index', () => {
    const parsed = parseUserdata(render('controller', 1, exampleConfig({ controllerCount: 3 })));
    const etcd = findFile(parsed, '/etc/kubernetes/manifests/etcd.yaml').content;

    expect(etcd).toContain('- --name=controller1\n');
    expect(etcd).toContain(
      '- --initial-cluster=controller0=https://10.0.0.50:2380,controller1=https://10.0.0.51:2380,' +
        'controller2=https://10.0.0.52:2380\n',
    );
    expect(etcd).toContain('- --listen-peer-urls=https://10.0.0.51:2380\n');
    expect(parsed.files.some((file) => file.path.startsWith('/etc/kubernetes/addons/'))).toBe(
      false,
    );
  });

  it('points kubeconfigs at the local API server on controllers and the public name on workers', () => {
    const server = (text: string) =>
      /server: (\S+)/.exec(
        findFile(parseUserdata(text), '/etc/kubernetes/kubelet.conf').content,
      )?.[1];

    expect(server(render('controller', 0))).toBe('https://127.0.0.1:443');
    expect(server(render('worker'))).toBe('https://demo.k8s.example.com');
    expect(server(render('worker', undefined, exampleConfig({ createRecordSet: false })))).toBe(
      'https://10.0.0.50',
    );
  });

  it('installs flannel by default and the Calico operator when useCalico is set', () => {
    const flannel = parseUserdata(render('controller', 0));
    const calico = parseUserdata(render('controller', 0, exampleConfig({ useCalico: true })));

    expect(findFile(flannel, '/etc/kubernetes/addons/flannel.yaml').content).toContain(
      '"Network": "10.2.0.0/16"',
    );
    expect(findFile(calico, '/etc/kubernetes/addons/calico-installation.yaml').content).toContain(
      'cidr: 10.2.0.0/16',
    );
    expect(findFile(calico, '/opt/bin/install-addons').content).toContain('tigera-operator.yaml');
  });

  it('quotes YAML 1.1 booleans so cloudinit and Kubernetes read them as strings', () => {
    const text = render('worker', undefined, exampleConfig({ clusterName: 'yes' }));
    const kubeconfig = findFile(parseUserdata(text), '/etc/kubernetes/kubelet.conf').content;

    expect(kubeconfig).toContain('  - name: "yes"\n');
    expect(kubeconfig).toContain('      cluster: "yes"\n');
  });

  it('authorises the configured SSH keys for the core user', () => {
    const keys = ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample ops@example.com'];
    const text = render('worker', undefined, exampleConfig({ sshAuthorizedKeys: keys }));

    expect(parse(text).ssh_authorized_keys).toEqual(keys);
    expect(validateCloudConfig(text)).toEqual([]);
  });

  it('refuses a private key without an encryption context', () => {
    const assets = buildNodeAssets('demo');
    const key = assets.assets.find((asset) => asset.path.endsWith('/kubelet.key'));
    if (key !== undefined) delete key.encryptionContext;

    expect(() => renderUserdata('worker', { config, nodeAssets: assets })).toThrow(
      'nodeAssets kubelet /etc/kubernetes/pki/kubelet.key must carry an encryptionContext (received none)',
    );
  });

  it('refuses a controller index outside the controller count', () => {
    expect(() => render('controller', 1)).toThrow('controllerIndex must lie in 0..0 (received 1)');
  });
});

describe('encodeUserdata', () => {
  it('gzips with a fixed header and decodes back to the text', () => {
    const text = render('worker');
    const encoded = encodeUserdata(text);
    const gzipped = Buffer.from(encoded.base64, 'base64');

    expect(gzipped.length).toBe(encoded.gzippedBytes);
    expect([...gzipped.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]);
    expect(gunzipSync(gzipped).toString('utf8')).toBe(text);
  });

  it('reports the sizes of the example cluster against the EC2 limit', () => {
    const sizes = {
      controller: encodeUserdata(render('controller', 0)).gzippedBytes,
      worker: encodeUserdata(render('worker')).gzippedBytes,
      loader: encodeUserdata(
        renderLoaderUserdata(
          'controller',
          `s3://demo-artifacts/userdata/controller-${'b'.repeat(64)}`,
          'us-east-1',
        ),
      ).gzippedBytes,
    };
    console.info(
      `gzipped userdata bytes (limit ${USERDATA_LIMIT_BYTES}): ${JSON.stringify(sizes)}`,
    );

    expect(sizes.worker).toBeLessThanOrEqual(USERDATA_LIMIT_BYTES);
    expect(sizes.loader).toBeLessThanOrEqual(USERDATA_LIMIT_BYTES);
  });
});

describe('renderLoaderUserdata', () => {
  it('renders a valid cloud-config that copies the full userdata from S3 and applies it', () => {
    const text = renderLoaderUserdata(
      'worker',
      `s3://demo-artifacts/userdata/worker-${'a'.repeat(64)}`,
      'eu-west-1',
    );
    const script = findFile(parseUserdata(text), '/opt/bin/load-userdata').content;

    expect(validateCloudConfig(text)).toEqual([]);
    const copy = `--region eu-west-1 s3 cp s3://demo-artifacts/userdata/worker-${'a'.repeat(64)} - > "\${tmp}"`;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash parameter expansion
    const apply = 'exec coreos-cloudinit --from-file="${target}"\n';
    expect(script).toContain(copy);
    expect(script).toContain(apply);
  });

  it('checks the fetched bytes against the sha256 at the end of the key before applying them', () => {
    const text = renderLoaderUserdata(
      'worker',
      `s3://demo-artifacts/userdata/worker-${'c'.repeat(64)}`,
      'us-east-1',
    );
    const script = findFile(parseUserdata(text), '/opt/bin/load-userdata').content;

    expect(script).toContain(`expected=${'c'.repeat(64)}\n`);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash parameter expansion
    expect(script).toContain('if [[ "${actual}" == "${expected}" ]]; then\n      break\n');
  });

  it.each([
    's3://demo-artifacts/userdata/worker',
    `s3://demo-artifacts/userdata/worker-${'A'.repeat(64)}`,
    `s3://demo-artifacts/userdata/worker-${'a'.repeat(63)}`,
    `s3://demo-artifacts/userdata/worker-${'a'.repeat(64)}/x`,
  ])('refuses an S3 URL that does not end in a sha256 (%s)', (url) => {
    expect(() => renderLoaderUserdata('worker', url, 'us-east-1')).toThrow(
      `s3Url must end in -<sha256 of the object> so the loader can check it (received ${url})`,
    );
  });

  it('refuses an S3 URL with characters a shell would interpret', () => {
    expect(() => renderLoaderUserdata('worker', 's3://bucket/key;reboot', 'us-east-1')).toThrow(
      's3Url must be s3://<bucket>/<key> with a plain key (received s3://bucket/key;reboot)',
    );
  });
});
