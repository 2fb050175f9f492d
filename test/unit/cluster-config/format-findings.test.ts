import { describe, expect, it } from 'vitest';
import {
  formatFindingsJson,
  formatFindingsText,
  toPublicReport,
} from '../../../cluster-config/format-findings.ts';
import { validateClusterYaml } from '../../../cluster-config/validate-cluster-yaml.ts';

const TEXT = [
  'clusterName: demo',
  'externalDNSName: api.demo.example.com',
  'keyName: demo-admin',
  'region: us-east-1',
  'availabilityZone: us-east-1a',
  'hyperkubeImageRepo: quay.io/coreos/hyperkube',
  'workerCount: three',
  '',
].join('\n');

describe('formatFindingsText', () => {
  it('prints one file:line:column line per finding, in file order', () => {
    const { report } = validateClusterYaml(TEXT, 'demo.yaml');
    expect(formatFindingsText(report)).toBe(
      'demo.yaml:6:1: warning: hyperkubeImageRepo is ignored; images come from registry.k8s.io with pinned versions\n' +
        'demo.yaml:7:14: error: workerCount must be an integer (received "three")\n',
    );
  });

  it('prints a whole-file finding without line and column', () => {
    const { report } = validateClusterYaml('- a\n', 'list.yaml');
    expect(formatFindingsText(report)).toBe(
      'list.yaml: error: list.yaml must be a mapping of keys such as clusterName: demo (received a list)\n',
    );
  });

  it('escapes control characters of a key name, so it cannot colour or forge a line', () => {
    const clean = TEXT.replace(/hyperkube.*\n|workerCount.*\n/g, '');
    const text = `${clean}"evil\\e[31mRED\\nfake.yaml:1:1: error: forged\\r": 1\n`;
    const { report } = validateClusterYaml(text, 'demo.yaml');
    expect(formatFindingsText(report)).toBe(
      'demo.yaml:6:1: error: evil\\u001b[31mRED\\nfake.yaml:1:1: error: forged\\r is not a known key\n',
    );
  });

  it('escapes DEL, C1 controls and the Unicode line separators in a received value', () => {
    const text = TEXT.replace('workerCount: three', 'workerCount: "a\\x7fb\\x9bc\\u2028d\\u2029e"');
    const { report } = validateClusterYaml(text, 'demo.yaml');
    expect(formatFindingsText(report).split('\n')[1]).toBe(
      'demo.yaml:7:14: error: workerCount must be an integer (received "a\\u007fb\\u009bc\\u2028d\\u2029e")',
    );
  });

  it('escapes a control character of the file name inside the message too', () => {
    const { report } = validateClusterYaml('- a\n', 'x\ny.yaml');
    expect(report.errors.map((finding) => [finding.file, finding.message])).toEqual([
      [
        'x\ny.yaml',
        'x\\ny.yaml must be a mapping of keys such as clusterName: demo (received a list)',
      ],
    ]);
  });

  it('escapes a control character in the file name', () => {
    const { report } = validateClusterYaml('- a\n', 'x\u001b]0;title\u0007.yaml');
    expect(formatFindingsText(report)).toBe(
      'x\\u001b]0;title\\u0007.yaml: error: x\\u001b]0;title\\u0007.yaml must be a mapping of keys ' +
        'such as clusterName: demo (received a list)\n',
    );
  });

  it('prints nothing for a clean file', () => {
    const { report } = validateClusterYaml(TEXT.replace(/hyperkube.*\n|workerCount.*\n/g, ''));
    expect(formatFindingsText(report)).toBe('');
  });
});

describe('toPublicReport', () => {
  it('gives each finding file, line, column, path, rule and message', () => {
    const { report } = validateClusterYaml(TEXT, 'demo.yaml');
    expect(toPublicReport(report)).toEqual({
      valid: false,
      errors: [
        {
          file: 'demo.yaml',
          line: 7,
          column: 14,
          path: 'workerCount',
          rule: 'invalid-type',
          message: 'workerCount must be an integer (received "three")',
        },
      ],
      warnings: [
        {
          file: 'demo.yaml',
          line: 6,
          column: 1,
          path: 'hyperkubeImageRepo',
          rule: 'deprecated-key',
          message:
            'hyperkubeImageRepo is ignored; images come from registry.k8s.io with pinned versions',
        },
      ],
    });
    expect(JSON.parse(formatFindingsJson(report))).toEqual(toPublicReport(report));
  });
});
