import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateClusterYaml } from '../../../cluster-config/validate-cluster-yaml.ts';

function validateFixture(name: string) {
  return validateClusterYaml(readFileSync(`test/fixtures/kube-aws-2016/${name}`, 'utf8'), name);
}

describe('kube-aws 2016 files', () => {
  it('accepts a v0.8.3 file unchanged, warning only about what is no longer used', () => {
    const { report, config } = validateFixture('cluster-v0.8.3.yaml');
    expect(report.errors).toEqual([]);
    expect(
      report.warnings.map((finding) => `${finding.line}:${finding.column} ${finding.message}`),
    ).toEqual([
      '34:1 kubernetesVersion v1.4.3_coreos.0 is a hyperkube tag that registry.k8s.io does not ' +
        'serve; v1.34.2 is used instead',
      '35:1 hyperkubeImageRepo is ignored; images come from registry.k8s.io with pinned versions',
      '36:1 containerRuntime docker is no longer supported by Kubernetes; containerd is used instead',
    ]);
    expect(config).toMatchObject({
      hostedZoneId: 'Z3M3LMPEXAMPLE',
      workerSpotPrice: 0.05,
      kubernetesVersion: 'v1.34.2',
      containerRuntime: 'containerd',
      subnets: [
        { availabilityZone: 'us-west-2a', instanceCIDR: '10.0.0.0/24' },
        { availabilityZone: 'us-west-2b', instanceCIDR: '10.0.1.0/24' },
      ],
    });
  });

  it('accepts a v0.6.1 single-AZ file with hostedZone, warning that hostedZone is deprecated', () => {
    const { report, config } = validateFixture('cluster-v0.6.1.yaml');
    expect(report.errors).toEqual([]);
    expect(
      report.warnings.map((finding) => `${finding.line}:${finding.column} ${finding.rule}`),
    ).toEqual(['8:1 deprecated-key', '25:1 deprecated-value', '26:1 deprecated-key']);
    expect(config?.hostedZone).toBe('example.com.');
    expect(config?.subnets).toEqual([
      { availabilityZone: 'us-east-1c', instanceCIDR: '10.0.0.0/24' },
    ]);
  });

  it('reads yes and on as true, as kube-aws YAML 1.1 parser did', () => {
    const text = [
      'clusterName: demo',
      'externalDNSName: api.example.com',
      'keyName: k',
      'region: us-east-1',
      'availabilityZone: us-east-1a',
      'createRecordSet: yes',
      'hostedZoneId: Z123',
      'useCalico: on',
      '',
    ].join('\n');
    const { report, config } = validateClusterYaml(text);
    expect(report.errors).toEqual([]);
    expect([config?.createRecordSet, config?.useCalico]).toEqual([true, true]);
  });
});

describe('YAML 1.1 as gopkg.in/yaml.v2 reads it', () => {
  const head = [
    'externalDNSName: api.example.com',
    'keyName: k',
    'region: us-east-1',
    'availabilityZone: us-east-1a',
  ];

  it('reads an unquoted base-60 number as a string, which an int key refuses', () => {
    const { report } = validateClusterYaml(
      ['clusterName: demo', ...head, 'workerCount: 1:30', ''].join('\n'),
    );

    expect(
      report.errors.map((finding) => `${finding.line}:${finding.column} ${finding.message}`),
    ).toEqual(['6:14 workerCount must be an integer (received "1:30")']);
  });

  it('keeps a base-60 looking value of a string key as written', () => {
    const { report, config } = validateClusterYaml(
      ['clusterName: demo', ...head, 'stackTags:', '  window: 1:30', ''].join('\n'),
    );

    expect(report.errors).toEqual([]);
    expect(config?.stackTags).toEqual({ window: '1:30' });
  });

  it('merges an anchored mapping and places findings on the merged keys at their anchor lines', () => {
    const text = [
      'stackTags: &tags',
      '  clusterName: merged',
      '  team: platform',
      '<<: *tags',
      ...head,
      '',
    ].join('\n');
    const { report, config } = validateClusterYaml(text);

    expect(
      report.errors.map((finding) => `${finding.line}:${finding.column} ${finding.message}`),
    ).toEqual(['3:3 team is not a known key']);
    expect(config).toBeUndefined();
  });

  it('accepts a clusterName merged from an anchor, as kube-aws did', () => {
    const merged = validateClusterYaml(
      ['stackTags: &tags', '  clusterName: merged', '<<: *tags', ...head, ''].join('\n'),
    );

    expect(merged.report.errors).toEqual([]);
    expect(merged.config?.clusterName).toBe('merged');
    expect(merged.config?.stackTags).toEqual({ clusterName: 'merged' });
  });

  it('treats a quoted << as an ordinary key, not a merge', () => {
    const { report } = validateClusterYaml(
      ['clusterName: demo', ...head, '"<<": {workerCount: 3}', ''].join('\n'),
    );

    expect(
      report.errors.map((finding) => `${finding.line}:${finding.column} ${finding.message}`),
    ).toEqual(['6:1 << is not a known key']);
  });
});
