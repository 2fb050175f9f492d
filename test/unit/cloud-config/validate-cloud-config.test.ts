import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  formatCloudConfigEntry,
  validateCloudConfig,
  validateUserCloudConfig,
} from '../../../cloud-config/validate-cloud-config.ts';

const cc = (...lines: string[]) => `#cloud-config\n${lines.join('\n')}\n`;

describe('validateCloudConfig', () => {
  // The announcement's snippet spaced its lines out for reading; in the rendered worker file the
  // key sat on line 4, which is what kube-aws printed.
  it('reports the misspelt flannel key of the kube-aws announcement on line 4', () => {
    const text = cc('coreos:', '  flannel:', '    interrface: $private_ipv4');

    const lines = validateCloudConfig(text).map((e) => formatCloudConfigEntry('UserDataWorker', e));

    expect(lines).toEqual(['UserDataWorker: line 4: warning: unrecognized key "interrface"']);
  });

  it('accepts a well-formed config with no entries', () => {
    const text = cc(
      'hostname: node1',
      'ssh_authorized_keys:',
      '  - ssh-ed25519 AAAA',
      'coreos:',
      '  update:',
      '    reboot-strategy: off',
      '  locksmith:',
      '    window_start: Sun 1:00',
      '    window_length: 1h30m',
      '  units:',
      '    - name: a.service',
      '      command: start',
      '      enable: true',
      '      drop-ins:',
      '        - name: 10-x.conf',
      '          content: "[Service]"',
      'write_files:',
      '  - path: /etc/x',
      '    permissions: 0644',
      '    owner: root',
      '    encoding: b64',
      '    content: aGVsbG8=',
      'users:',
      '  - name: core',
      '    groups: [docker]',
      'manage_etc_hosts: localhost',
    );

    expect(validateCloudConfig(text)).toEqual([]);
  });

  it('treats empty userdata and scripts as valid', () => {
    expect(validateCloudConfig('')).toEqual([]);
    expect(validateCloudConfig('#!/bin/bash\nanything: [\n')).toEqual([]);
  });

  it('leaves Ignition configs of either version field unvalidated', () => {
    expect(validateCloudConfig('{"ignitionVersion": 1}')).toEqual([]);
    expect(validateCloudConfig('{"ignition": {"version": "3.4.0"}}')).toEqual([]);
    expect(validateCloudConfig('{"hostname": "x"}')).toEqual([
      { line: 1, severity: 'error', message: 'must be "#cloud-config" or begin with "#!"' },
    ]);
  });

  it.each([
    ['# cloud-config\n'],
    ['\n#cloud-config\n'],
    ['\uFEFF#cloud-config\n'],
    ['#cloud-config extra\n'],
    ['hostname: x\n'],
  ])('rejects a first line other than the exact header (%j)', (text) => {
    expect(validateCloudConfig(text)).toEqual([
      { line: 1, severity: 'error', message: 'must be "#cloud-config" or begin with "#!"' },
    ]);
  });

  it('accepts a document that holds only the header and comments', () => {
    expect(validateCloudConfig('#cloud-config\n# nothing yet\n')).toEqual([]);
  });

  it('warns when the document is not a mapping', () => {
    expect(validateCloudConfig(cc('- hostname: a'))).toEqual([
      { line: 2, severity: 'warning', message: 'incorrect type for "" (want struct)' },
    ]);
  });

  it('accepts the header followed by trailing whitespace', () => {
    expect(validateCloudConfig('#cloud-config  \t\nhostname: x\n')).toEqual([]);
  });

  it('reports a YAML syntax error alone, on its line', () => {
    const text = cc('hostname: a', 'coreos: b: c');

    expect(validateCloudConfig(text)).toEqual([
      {
        line: 3,
        severity: 'error',
        message: 'nested mappings are not allowed in compact mappings',
      },
    ]);
  });

  it('reports a duplicate key as a YAML error on the second occurrence', () => {
    expect(validateCloudConfig(cc('hostname: a', 'hostname: b'))).toEqual([
      { line: 3, severity: 'error', message: 'map keys must be unique' },
    ]);
  });

  it('normalises dashes in key names before matching and reports the normalised name', () => {
    const text = cc('coreos:', '  update:', '    reboot-strategy: off', '    reboot-stratgy: x');

    expect(validateCloudConfig(text)).toEqual([
      { line: 5, severity: 'warning', message: 'unrecognized key "reboot_stratgy"' },
    ]);
  });

  it('warns about unknown keys at every level of the schema', () => {
    const text = cc(
      'hostnme: a',
      'coreos:',
      '  etcd2:',
      '    nmae: x',
      '  units:',
      '    - name: a.service',
      '      enabled: true',
      '      drop_ins:',
      '        - name: a.conf',
      '          contents: x',
      'write_files:',
      '  - path: /etc/a',
      '    mode: 0644',
      'users:',
      '  - name: core',
      '    sudo: all',
    );

    expect(validateCloudConfig(text)).toEqual([
      { line: 2, severity: 'warning', message: 'unrecognized key "hostnme"' },
      {
        line: 4,
        severity: 'warning',
        message: 'deprecated key "etcd2" (etcd2 is no longer shipped in Container Linux)',
      },
      { line: 5, severity: 'warning', message: 'unrecognized key "nmae"' },
      { line: 8, severity: 'warning', message: 'unrecognized key "enabled"' },
      { line: 11, severity: 'warning', message: 'unrecognized key "contents"' },
      { line: 14, severity: 'warning', message: 'unrecognized key "mode"' },
      { line: 17, severity: 'warning', message: 'unrecognized key "sudo"' },
    ]);
  });

  it('warns about incompatible types with cloudinit kind names and indexed list items', () => {
    const text = cc(
      'hostname: [a]',
      'ssh_authorized_keys: key',
      'coreos:',
      '  units:',
      '    - name: a.service',
      '      enable: "true"',
      '      mask: 1',
      '  etcd:',
      '    cluster_active_size: 1.5',
      '    retry_interval: 3',
      '  fleet: on',
      'users:',
      '  - core',
      'manage_etc_hosts:',
    );

    const deprecation = (name: string) =>
      `deprecated key "${name}" (${name} is no longer shipped in Container Linux)`;
    expect(validateCloudConfig(text)).toEqual([
      { line: 2, severity: 'warning', message: 'incorrect type for "hostname" (want string)' },
      {
        line: 3,
        severity: 'warning',
        message: 'incorrect type for "ssh_authorized_keys" (want []string)',
      },
      { line: 7, severity: 'warning', message: 'incorrect type for "enable" (want bool)' },
      { line: 8, severity: 'warning', message: 'incorrect type for "mask" (want bool)' },
      { line: 9, severity: 'warning', message: deprecation('etcd') },
      {
        line: 10,
        severity: 'warning',
        message: 'incorrect type for "cluster_active_size" (want int)',
      },
      { line: 12, severity: 'warning', message: deprecation('fleet') },
      { line: 12, severity: 'warning', message: 'incorrect type for "fleet" (want struct)' },
      { line: 14, severity: 'warning', message: 'incorrect type for "users[0]" (want struct)' },
      {
        line: 15,
        severity: 'warning',
        message: 'incorrect type for "manage_etc_hosts" (want string)',
      },
    ]);
  });

  it('warns about deprecated keys with their reasons', () => {
    const text = cc(
      'coreos:',
      '  etcd2:',
      '    ca_file: /a',
      '    peer_ca_file: /b',
      'users:',
      '  - name: core',
      '    coreos_ssh_import_github: me',
    );

    expect(validateCloudConfig(text).map((e) => `${e.line} ${e.message}`)).toEqual([
      '3 deprecated key "etcd2" (etcd2 is no longer shipped in Container Linux)',
      '4 deprecated key "ca_file" (ca_file obsoleted by trusted_ca_file and client_cert_auth)',
      '5 deprecated key "peer_ca_file" (peer_ca_file obsoleted peer_trusted_ca_file and ' +
        'peer_client_cert_auth)',
      '8 deprecated key "coreos_ssh_import_github" (trying to fetch from a remote endpoint ' +
        'introduces too many intermittent errors)',
    ]);
  });

  it('flags etcd2-only options given to legacy etcd', () => {
    const text = cc('coreos:', '  etcd:', '    listen_client_urls: http://0.0.0.0:2379');

    expect(validateCloudConfig(text).map((e) => e.message)).toEqual([
      'deprecated key "etcd" (etcd is no longer shipped in Container Linux)',
      'deprecated key "listen_client_urls" (etcd2 options no longer work for etcd)',
    ]);
  });

  it('rejects values that do not match their pattern, printing the value as written', () => {
    const text = cc(
      'coreos:',
      '  update:',
      '    reboot-strategy: false',
      '  locksmith:',
      '    window_start: Sun 25:00',
      '    window_length: 90',
      '  units:',
      '    - name: a.service',
      '      command: begin',
      'write_files:',
      '  - path: /etc/a',
      '    permissions: 0800',
    );

    expect(validateCloudConfig(text)).toEqual([
      { line: 4, severity: 'error', message: 'invalid value false' },
      { line: 6, severity: 'error', message: 'invalid value Sun 25:00' },
      { line: 7, severity: 'error', message: 'invalid value 90' },
      { line: 10, severity: 'error', message: 'invalid value begin' },
      { line: 13, severity: 'error', message: 'invalid value 0800' },
    ]);
  });

  it('treats an empty value as valid for a pattern', () => {
    expect(validateCloudConfig(cc('coreos:', '  update:', '    reboot_strategy: ""'))).toEqual([]);
  });

  it('accepts the proxy values of etcd2 only from its list', () => {
    const text = cc('coreos:', '  etcd2:', '    proxy: on', '    proxy_dial_timeout: 5');
    const bad = cc('coreos:', '  etcd2:', '    proxy: maybe');

    expect(validateCloudConfig(text).filter((e) => e.severity === 'error')).toEqual([]);
    expect(validateCloudConfig(bad).filter((e) => e.severity === 'error')).toEqual([
      { line: 4, severity: 'error', message: 'invalid value maybe' },
    ]);
  });

  it('reports content that its encoding cannot decode, on the content line', () => {
    const gz = gzipSync(Buffer.from('hello')).toString('base64');
    const text = cc(
      'write_files:',
      '  - path: /etc/a',
      '    encoding: base64',
      '    content: "not base64!"',
      '  - path: /etc/b',
      '    encoding: gzip+base64',
      `    content: ${Buffer.from('plain').toString('base64')}`,
      '  - path: /etc/c',
      '    encoding: gz+b64',
      `    content: ${gz}`,
      '  - path: /etc/d',
      '    encoding: rot13',
      '    content: x',
    );

    expect(validateCloudConfig(text)).toEqual([
      { line: 5, severity: 'error', message: 'content cannot be decoded as "base64"' },
      { line: 8, severity: 'error', message: 'content cannot be decoded as "gzip+base64"' },
      { line: 14, severity: 'error', message: 'content cannot be decoded as "rot13"' },
      { line: 13, severity: 'error', message: 'invalid value rot13' },
    ]);
  });

  it('rejects files written under /usr', () => {
    const text = cc(
      'write_files:',
      '  - path: /usr/local/bin/tool',
      '  - path: /opt/bin/tool',
      '  - path: /etc/../usr/share/x',
    );

    expect(validateCloudConfig(text)).toEqual([
      { line: 3, severity: 'error', message: 'file cannot be written to a read-only filesystem' },
      { line: 5, severity: 'error', message: 'file cannot be written to a read-only filesystem' },
    ]);
  });

  it('notes write_files placed under coreos after the unknown-key warning', () => {
    const text = cc('coreos:', '  write_files:', '    - path: /etc/a');

    expect(validateCloudConfig(text)).toEqual([
      { line: 3, severity: 'warning', message: 'unrecognized key "write_files"' },
      { line: 3, severity: 'info', message: "write_files doesn't belong under coreos" },
    ]);
  });

  it('warns about an invalid legacy etcd discovery URL first', () => {
    const text = cc('coreos:', '  etcd:', '    discovery: "disco very"');

    expect(validateCloudConfig(text)).toEqual([
      { line: 4, severity: 'warning', message: 'discovery URL is not valid' },
      {
        line: 3,
        severity: 'warning',
        message: 'deprecated key "etcd" (etcd is no longer shipped in Container Linux)',
      },
    ]);
    const valid = cc('coreos:', '  etcd:', '    discovery: https://discovery.etcd.io/abc');
    expect(validateCloudConfig(valid).map((e) => e.message)).not.toContain(
      'discovery URL is not valid',
    );
  });

  it('places a key on its own line even when a block scalar above mentions it', () => {
    const text = cc(
      'write_files:',
      '  - path: /etc/a',
      '    content: |',
      '      hostnme: not a key',
      'hostnme: a',
    );

    expect(validateCloudConfig(text)).toEqual([
      { line: 6, severity: 'warning', message: 'unrecognized key "hostnme"' },
    ]);
  });
});

describe('validateUserCloudConfig', () => {
  it('numbers lines of a header-less fragment from its own first line', () => {
    const entries = validateUserCloudConfig('coreos:\n  units:\n    - nam: a\n', 'extra-units');

    expect(entries).toEqual([
      { source: 'extra-units', line: 3, severity: 'warning', message: 'unrecognized key "nam"' },
    ]);
  });

  it('keeps line numbers of a text that has its own header and adds the offset', () => {
    const entries = validateUserCloudConfig('#cloud-config\nhostnme: a\n', 'cluster.yaml', 10);

    expect(entries).toEqual([
      {
        source: 'cluster.yaml',
        line: 12,
        severity: 'warning',
        message: 'unrecognized key "hostnme"',
      },
    ]);
  });
});
