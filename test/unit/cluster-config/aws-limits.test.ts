import { describe, expect, it } from 'vitest';
import { validateClusterYaml } from '../../../cluster-config/validate-cluster-yaml.ts';

const MINIMAL = [
  'clusterName: demo',
  'externalDNSName: api.demo.example.com',
  'keyName: demo-admin',
  'region: us-east-1',
  'availabilityZone: us-east-1a',
  '',
].join('\n');

function errors(extra: string, base = MINIMAL): string[] {
  return validateClusterYaml(`${base}${extra}`).report.errors.map(
    (finding) => `${finding.line}:${finding.column} ${finding.rule} ${finding.message}`,
  );
}

describe('TLS lifetimes', () => {
  it('accepts a CA and certificates of 36 500 days, a hundred years', () => {
    expect(errors('tlsCADurationDays: 36500\ntlsCertDurationDays: 36500\n')).toEqual([]);
  });

  it('refuses lifetimes that would end after year 9999 or overflow a date', () => {
    expect(errors('tlsCADurationDays: 99999999\ntlsCertDurationDays: 36501\n')).toEqual([
      '6:1 tls-duration tlsCADurationDays must be from 1 to 36500 days (received 99999999)',
      '7:1 tls-duration tlsCertDurationDays must be from 1 to 36500 days (received 36501)',
    ]);
  });

  it('refuses certificates that outlive their CA', () => {
    expect(errors('tlsCADurationDays: 36500\ntlsCertDurationDays: 36499\n')).toEqual([]);
    expect(errors('tlsCADurationDays: 100\ntlsCertDurationDays: 101\n')).toEqual([
      '7:1 tls-duration-order tlsCertDurationDays must not exceed tlsCADurationDays 100, the ' +
        'lifetime of the CA that signs the certificates (received 101)',
    ]);
  });
});

const WITHOUT_KEY = MINIMAL.replace('keyName: demo-admin\n', '');
const ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

describe('values AWS would reject', () => {
  it.each([
    ['"a\\0b"', '"a\\u0000b"'],
    ['"a\\nb"', '"a\\nb"'],
    ['"k$\x7bAWS::StackName}"', '"k$\x7bAWS::StackName}"'],
    ['"ключ"', '"ключ"'],
  ])('refuses keyName %s', (value, received) => {
    expect(errors(`keyName: ${value}\n`, WITHOUT_KEY)).toEqual([
      `5:1 key-name-format keyName must be printable ASCII without \${ (received ${received}); ` +
        'use the name of the EC2 key pair as the EC2 console shows it',
    ]);
  });

  it('refuses a keyName over 255 characters with its length', () => {
    expect(errors(`keyName: ${'k'.repeat(256)}\n`, WITHOUT_KEY)).toEqual([
      '5:1 key-name-length keyName must be at most 255 characters (received 256 characters)',
    ]);
  });

  it('accepts a keyName with spaces and punctuation', () => {
    expect(errors('keyName: "my key (2024) #1"\n', WITHOUT_KEY)).toEqual([]);
  });

  it('checks every instance type against the EC2 type pattern', () => {
    const text = [
      'controllerInstanceType: m7i-flex.2xlarge',
      'workerInstanceType: "m5.large; rm -rf"',
      'nodePools:',
      '  - name: big',
      `    instanceType: ${'x'.repeat(61)}.big`,
      '',
    ].join('\n');
    expect(errors(text)).toEqual([
      '7:1 instance-type-format workerInstanceType must be an EC2 instance type such as ' +
        'm5.large, at most 64 characters (received "m5.large; rm -rf")',
      `10:5 instance-type-format nodePools[0].instanceType must be an EC2 instance type such as ` +
        `m5.large, at most 64 characters (received "${'x'.repeat(61)}.big")`,
    ]);
  });

  it('accepts one-line public keys of every known type, with and without a comment', () => {
    const keys = [
      ED25519,
      `${ED25519} alice@laptop`,
      'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 bob',
      'ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQ=',
      'sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t yubikey',
    ];
    const list = keys.map((key) => `  - ${key}\n`).join('');
    expect(errors(`sshAuthorizedKeys:\n${list}`)).toEqual([]);
  });

  it.each([
    [`"${ED25519}\\nssh-rsa AAAA evil"`, `"${ED25519}\\nssh-rsa AAAA evil"`],
    [`"${ED25519} a\\u001b[2Jb"`, `"${ED25519} a\\u001b[2Jb"`],
    ['command="sh" ssh-rsa AAAAB3', '"command=\\"sh\\" ssh-rsa AAAAB3"'],
    ['ssh-dss AAAAB3NzaC1kc3M=', '"ssh-dss AAAAB3NzaC1kc3M="'],
    ['ssh-ed25519', '"ssh-ed25519"'],
  ])('refuses the authorized key %s', (value, received) => {
    expect(errors(`sshAuthorizedKeys:\n  - ${value}\n`)).toEqual([
      '7:5 ssh-key-format sshAuthorizedKeys[0] must be one public key line such as ssh-ed25519 ' +
        'AAAAC3Nza... user@host, of type ssh-rsa, ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ' +
        `sk-... (received ${received}); copy the one line of the .pub file`,
    ]);
  });

  it.each([
    ['0.05', []],
    ['"0.123456"', []],
    ['999', []],
    ['1e-7', ['1e-7']],
    ['"1000"', ['"1000"']],
    ['"0.0000001"', ['"0.0000001"']],
    ['0', ['0']],
  ])('judges workerSpotPrice %s', (value, received) => {
    expect(errors(`workerSpotPrice: ${value}\n`)).toEqual(
      received.map(
        (text) =>
          '6:1 spot-price-format workerSpotPrice must be a positive price in US dollars such as ' +
          `0.05, with at most 3 digits before the point and 6 after (received ${text})`,
      ),
    );
  });

  it('bounds worker and node pool counts at 1000', () => {
    const text = [
      'workerCount: 1000',
      'nodePools:',
      '  - name: many',
      '    count: 1001',
      '    minSize: 1001',
      '    maxSize: 5000',
      '',
    ].join('\n');
    expect(errors(text)).toEqual([
      '9:12 value-out-of-range nodePools[0].count must be at most 1000 (received 1001)',
      '10:14 value-out-of-range nodePools[0].minSize must be at most 1000 (received 1001)',
      '11:14 value-out-of-range nodePools[0].maxSize must be at most 1000 (received 5000)',
    ]);
    expect(errors('workerCount: 1001\n')).toEqual([
      '6:14 value-out-of-range workerCount must be at most 1000 (received 1001)',
    ]);
  });
});

describe('stack tags', () => {
  it('accepts 49 tags and refuses 50, since the deployer adds KubernetesCluster', () => {
    const tags = (count: number) =>
      Array.from({ length: count }, (_, index) => `  t${index}: v\n`).join('');
    expect(errors(`stackTags:\n${tags(49)}`)).toEqual([]);
    expect(errors(`stackTags:\n${tags(50)}`)).toEqual([
      '6:1 stack-tags-count stackTags must hold at most 49 tags, as CloudFormation allows 50 ' +
        'and the deployer adds KubernetesCluster (received 50)',
    ]);
  });

  it('refuses a KubernetesCluster tag, control characters and over-long keys and values', () => {
    const text = [
      'stackTags:',
      '  KubernetesCluster: other',
      '  "a\\tb": v',
      '  ok: "line\\nbreak"',
      `  ${'k'.repeat(129)}: v`,
      `  long: ${'v'.repeat(257)}`,
      '',
    ].join('\n');
    expect(errors(text)).toEqual([
      '7:3 stack-tag-reserved stackTags.KubernetesCluster must not be set: the deployer tags ' +
        'the stack with KubernetesCluster itself; remove the tag',
      '8:3 stack-tag-key stackTags.a\\tb must have a key without control characters (received "a\\tb")',
      '9:3 stack-tag-value stackTags.ok must be a value without control characters (received "line\\nbreak")',
      `10:3 stack-tag-key stackTags.${'k'.repeat(129)} must have a key of 1 to 128 characters ` +
        '(received 129 characters)',
      '11:3 stack-tag-value stackTags.long must be at most 256 characters (received 257 characters)',
    ]);
  });
});

describe('externalDNSName', () => {
  const withName = (name: string) => MINIMAL.replace('api.demo.example.com', name);

  it.each(['localhost', 'api', '10.0.0.1', 'api.localhost', 'api.example.123'])(
    'refuses %s',
    (name) => {
      expect(errors('', withName(name))).toEqual([
        '2:1 dns-name-format externalDNSName must be a DNS name of letters, digits and hyphens ' +
          'in at least two dot-separated labels such as api.example.com, not an IP address or ' +
          `localhost (received "${name}")`,
      ]);
    },
  );

  it('accepts a two-label name with digits in the lower labels', () => {
    expect(errors('', withName('k8s-1.example.io.'))).toEqual([]);
  });
});
