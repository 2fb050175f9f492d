import { describe, expect, it } from 'vitest';
import { validateClusterYaml } from '../../../cluster-config/validate-cluster-yaml.ts';

const BASE = [
  'clusterName: demo',
  'externalDNSName: api.demo.example.com',
  'region: us-east-1',
  'availabilityZone: us-east-1a',
  '',
].join('\n');

function errors(text: string): string[] {
  return validateClusterYaml(text).report.errors.map(
    (finding) =>
      `${finding.line}:${finding.column} ${finding.path} ${finding.rule} ${finding.message}`,
  );
}

const TAG_RULE = 'unknown-tag';
const TAG_TEXT = 'must not carry a YAML tag other than the core ones such as !!str';

describe('YAML tags in cluster.yaml', () => {
  it.each([
    ["keyName: !!js/function 'f'", '5:10 keyName', '!!js/function'],
    ['keyName: !foo x', '5:10 keyName', '!foo'],
    ['keyName: &k !bar x', '5:13 keyName', '!bar'],
    ['keyName: k\n!baz workerCount: 1', '6:1 workerCount', '!baz'],
    ['keyName: k\nstackTags: {a: !q x}', '6:16 stackTags.a', '!q'],
    ['keyName: k\nstackTags: !!set {a}', '6:12 stackTags', '!!set'],
  ])('refuses the tag in %j at its position', (line, where, tag) => {
    expect(errors(`${BASE}${line}\n`)).toEqual([
      `${where} ${TAG_RULE} ${where.split(' ')[1]} ${TAG_TEXT} (received ${tag}); remove the tag`,
    ]);
  });

  it('accepts core tags such as !!str and the bare ! of a plain string', () => {
    expect(errors(`${BASE}keyName: !!str k\nworkerInstanceType: ! m5.large\n`)).toEqual([]);
  });

  it('calls a YAML 1.1 timestamp a date rather than a mapping', () => {
    expect(errors(`${BASE}keyName: 2001-12-14\n`)).toEqual([
      '5:10 keyName invalid-type keyName must be a string (received a date)',
    ]);
  });

  it('calls a !!binary value binary data rather than a mapping', () => {
    expect(errors(`${BASE}keyName: !!binary aGVsbG8=\n`)).toEqual([
      '5:19 keyName invalid-type keyName must be a string (received binary data)',
    ]);
  });
});
