import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  validateClusterYaml,
  validateClusterYamlBytes,
} from '../../../cluster-config/validate-cluster-yaml.ts';

const MINIMAL = [
  'clusterName: demo',
  'externalDNSName: api.demo.example.com',
  'keyName: demo-admin',
  'region: us-east-1',
  'availabilityZone: us-east-1a',
  '',
].join('\n');

function messages(text: string): string[] {
  const { report } = validateClusterYaml(text);
  return [...report.errors, ...report.warnings].map(
    (finding) => `${finding.line}:${finding.column} ${finding.rule} ${finding.message}`,
  );
}

describe('validateClusterYaml', () => {
  it.each(['examples/cluster.yaml', 'examples/existing-vpc.yaml'])(
    'accepts %s without findings',
    (file) => {
      const { report, config } = validateClusterYaml(readFileSync(file, 'utf8'), file);
      expect(report).toEqual({ valid: true, errors: [], warnings: [] });
      expect(config?.subnets.length).toBeGreaterThan(0);
    },
  );

  it('applies defaults and back-fills subnets from the single-AZ keys', () => {
    const { config } = validateClusterYaml(MINIMAL);
    expect(config?.subnets).toEqual([
      { availabilityZone: 'us-east-1a', instanceCIDR: '10.0.0.0/24' },
    ]);
    expect(config?.instanceCIDR).toBe('10.0.0.0/24');
    expect(config?.workerCount).toBe(1);
  });

  it('stores the bare hosted zone ID and a zone name with its final dot', () => {
    const { config, report } = validateClusterYaml(
      `${MINIMAL}createRecordSet: true\nhostedZoneId: /hostedzone/Z123ABC\n`,
    );
    expect(report.errors).toEqual([]);
    expect(config?.hostedZoneId).toBe('Z123ABC');
    const named = validateClusterYaml(`${MINIMAL}createRecordSet: true\nhostedZone: example.com\n`);
    expect(named.config?.hostedZone).toBe('example.com.');
    expect(named.report.warnings.map((finding) => finding.message)).toEqual([
      'hostedZone is deprecated; use hostedZoneId',
    ]);
  });

  it('reports a misspelt key with a suggestion at the key position', () => {
    expect(messages(`${MINIMAL}workerCont: 3\n`)).toEqual([
      '6:1 unknown-key workerCont is not a known key; did you mean workerCount?',
    ]);
  });

  it('reports a wrong type at the value position with the received value', () => {
    expect(messages(`${MINIMAL}workerCount: three\n`)).toEqual([
      '6:14 invalid-type workerCount must be an integer (received "three")',
    ]);
  });

  it('keeps a numeric workerSpotPrice valid as kube-aws did', () => {
    const { report, config } = validateClusterYaml(`${MINIMAL}workerSpotPrice: 0.05\n`);
    expect(report.errors).toEqual([]);
    expect(config?.workerSpotPrice).toBe(0.05);
  });

  it('reports every finding of a file at once, sorted by line and column', () => {
    const text = `workerCount: -1\n${MINIMAL}podCIDR: 10.0.0.0/8\nfoo: 1\n`;
    expect(messages(text)).toEqual([
      '1:14 value-out-of-range workerCount must be at least 0 (received -1)',
      '7:1 cidr-overlap podCIDR must not overlap vpcCIDR 10.0.0.0/16 (received 10.0.0.0/8)',
      '7:1 cidr-overlap podCIDR must not overlap serviceCIDR 10.3.0.0/24 (received 10.0.0.0/8)',
      '8:1 unknown-key foo is not a known key',
    ]);
  });

  it('treats __proto__ and constructor as unknown keys without touching any prototype', () => {
    const text = `${MINIMAL}__proto__:\n  polluted: true\nconstructor: x\nstackTags:\n  __proto__: y\n`;
    const { report } = validateClusterYaml(text);
    expect(report.errors.map((finding) => `${finding.path} ${finding.rule}`)).toEqual([
      '__proto__ unknown-key',
      'constructor unknown-key',
      'stackTags.__proto__ unknown-key',
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('strips a UTF-8 byte order mark', () => {
    expect(validateClusterYaml(`\uFEFF${MINIMAL}`).report.valid).toBe(true);
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(MINIMAL)]);
    expect(validateClusterYamlBytes(bytes).report.valid).toBe(true);
  });

  it('refuses bytes that are not UTF-8 with the position of the first bad byte', () => {
    const bytes = Buffer.concat([
      Buffer.from('clusterName: demo\nkeyName: d'),
      Buffer.from([0xff, 0x41]),
    ]);
    expect(validateClusterYamlBytes(bytes).report.errors).toEqual([
      {
        severity: 'error',
        file: 'cluster.yaml',
        line: 2,
        column: 11,
        path: '',
        rule: 'invalid-utf8',
        message:
          'cluster.yaml must be UTF-8 text (received byte 0xff at offset 28); save the file as UTF-8',
      },
    ]);
  });

  it('refuses text over 256 KiB before parsing it', () => {
    const text = `# ${'x'.repeat(256 * 1024)}\n`;
    expect(messages(text)).toEqual([
      `0:0 file-too-large cluster.yaml must be at most 262144 bytes (received ${text.length} bytes)`,
    ]);
  });

  it.each([
    ['- a\n- b\n', 'a list'],
    ['just text\n', 'a string of 9 characters, not keys'],
    ['', 'an empty document'],
    ['# only a comment\n', 'an empty document'],
  ])('refuses a document that is not a mapping: %j', (text, received) => {
    expect(messages(text)).toEqual([
      `0:0 not-a-mapping cluster.yaml must be a mapping of keys such as clusterName: demo (received ${received})`,
    ]);
  });

  it('refuses deeply nested brackets before handing them to the parser', () => {
    const text = `stackTags: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    expect(messages(text)).toEqual([
      '1:44 nesting-too-deep cluster.yaml nests brackets more than 32 levels deep',
    ]);
  });

  it('refuses 120 000 nested brackets after a comment with an apostrophe in milliseconds', () => {
    const text = `# don't\nx: ${'['.repeat(120_000)}${']'.repeat(120_000)}`;
    expect(messages(text)).toEqual([
      '2:36 nesting-too-deep cluster.yaml nests brackets more than 32 levels deep',
    ]);
  });

  it('refuses 100 000 compact nested list items before parsing them', () => {
    expect(messages(`x:\n${'- '.repeat(100_000)}a\n`)).toEqual([
      '2:65 nesting-too-deep cluster.yaml nests list items more than 32 levels deep',
    ]);
  });

  it('refuses deeply nested block mappings', () => {
    const lines = Array.from({ length: 40 }, (_, depth) => `${'  '.repeat(depth)}k${depth}:`);
    const result = messages(`${lines.join('\n')} 1\n`);
    const path = Array.from({ length: 33 }, (_, depth) => `k${depth}`).join('.');
    expect(result).toEqual([`34:67 nesting-too-deep ${path} is nested more than 32 levels deep`]);
  });

  it('warns about record keys that have no effect without createRecordSet', () => {
    expect(messages(`${MINIMAL}recordSetTTL: 60\nhostedZoneId: Z123\n`)).toEqual([
      '6:1 record-set-ttl-unused recordSetTTL has no effect when createRecordSet is false (received 60)',
      '7:1 hosted-zone-unused hostedZoneId has no effect when createRecordSet is false (received "Z123")',
    ]);
  });
});
