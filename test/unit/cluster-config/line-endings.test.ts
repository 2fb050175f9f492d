import { describe, expect, it } from 'vitest';
import {
  validateClusterYaml,
  validateClusterYamlBytes,
} from '../../../cluster-config/validate-cluster-yaml.ts';

const LINES = [
  'clusterName: demo',
  'externalDNSName: api.demo.example.com',
  'keyName: demo-admin',
  'region: us-east-1',
  'availabilityZone: us-east-1a',
  'workerCount: three',
  '',
];

function errors(text: string): string[] {
  return validateClusterYaml(text).report.errors.map(
    (finding) => `${finding.line}:${finding.column} ${finding.rule} ${finding.message}`,
  );
}

describe('line endings', () => {
  const ENDINGS = ['\r', '\r\n', '\n'];
  it.each([
    ['CR', (_: number) => '\r'],
    ['CRLF', (_: number) => '\r\n'],
    ['mixed', (index: number) => ENDINGS[index % 3] ?? '\n'],
  ])(
    'reads a file with %s line endings and places findings on the lines the user sees',
    (_, end) => {
      const text = LINES.map((line, index) => `${line}${end(index)}`).join('');
      expect(errors(text)).toEqual([
        '6:14 invalid-type workerCount must be an integer (received "three")',
      ]);
    },
  );

  it('accepts a valid file with CR-only line endings and reads its values', () => {
    const text = LINES.slice(0, 5).join('\r');
    const { report, config } = validateClusterYaml(text);
    expect(report.errors).toEqual([]);
    expect(config?.keyName).toBe('demo-admin');
  });

  it('counts a lone CR as a line break when placing an invalid byte', () => {
    const bytes = Uint8Array.from([...Buffer.from('clusterName: demo\rkeyName: a'), 0xff, 0x0a]);
    const { report } = validateClusterYamlBytes(bytes);
    expect(report.errors.map((finding) => `${finding.line}:${finding.column}`)).toEqual(['2:11']);
  });
});
