import { describe, expect, it } from 'vitest';
import { validateClusterYaml } from '../../../cluster-config/validate-cluster-yaml.ts';

/** Ten levels of nine aliases each: 9^10 (about 3.5 billion) nodes once expanded. */
function buildAliasBomb(): string {
  const lines = ['l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let level = 1; level <= 10; level += 1) {
    lines.push(
      `l${level}: &l${level} [${Array(9)
        .fill(`*l${level - 1}`)
        .join(', ')}]`,
    );
  }
  return `${lines.join('\n')}\n`;
}

describe('hostile cluster.yaml input', () => {
  it('rejects a billion-laughs alias bomb without expanding it', () => {
    const before = process.memoryUsage().heapUsed;
    const { report } = validateClusterYaml(buildAliasBomb());
    const growth = process.memoryUsage().heapUsed - before;

    expect(report.errors.map((finding) => finding.rule)).toEqual(['yaml-alias-limit']);
    // The expanded document would need gigabytes; refusing it must stay within a few MiB.
    expect(growth).toBeLessThan(32 * 1024 * 1024);
  });

  it('reports a key named __proto__ in a list item without polluting Object.prototype', () => {
    const text = [
      'clusterName: demo',
      'subnets:',
      '  - __proto__: {polluted: yes}',
      '    availabilityZone: us-east-1a',
      '    instanceCIDR: 10.0.0.0/24',
      '',
    ].join('\n');
    const { report } = validateClusterYaml(text);
    expect(report.errors.filter((finding) => finding.rule === 'unknown-key')).toEqual([
      {
        severity: 'error',
        file: 'cluster.yaml',
        line: 3,
        column: 5,
        path: 'subnets[0].__proto__',
        rule: 'unknown-key',
        message: 'subnets[0].__proto__ is not a known key',
      },
    ]);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('accepts a few anchors, aliases and merge keys as ordinary YAML', () => {
    const text = [
      'clusterName: demo',
      'externalDNSName: api.example.com',
      'keyName: k',
      'region: us-east-1',
      'availabilityZone: us-east-1a',
      'nodePools:',
      '  - &pool',
      '    name: general',
      '    instanceType: m5.large',
      '    count: 2',
      '  - <<: *pool',
      '    name: batch',
      '',
    ].join('\n');
    const { report, config } = validateClusterYaml(text);
    expect(report.errors).toEqual([]);
    expect(
      config?.nodePools.map((pool) => `${pool.name} ${pool.instanceType} ${pool.count}`),
    ).toEqual(['general m5.large 2', 'batch m5.large 2']);
  });

  it('refuses 9 anchors that each merge a list of 50 aliases of the previous by the alias limit', () => {
    const lines = ['a0: &a0 {k: 1}'];
    for (let level = 1; level <= 9; level++) {
      const sources = Array.from({ length: 50 }, () => `*a${level - 1}`).join(', ');
      lines.push(`a${level}: &a${level}`, `  <<: [${sources}]`);
    }

    const { report } = validateClusterYaml(`${lines.join('\n')}\n`);

    expect(report.errors.map((finding) => finding.message)).toEqual([
      'aliases expand to too many nodes (limit 100); write the values out',
    ]);
  });

  it('merges the latest anchor of a name that is defined twice, as the YAML library resolves it', () => {
    const text = [
      'clusterName: demo',
      'externalDNSName: api.example.com',
      'keyName: k',
      'region: us-east-1',
      'availabilityZone: us-east-1a',
      'nodePools:',
      '  - &pool {name: one, instanceType: m5.large}',
      '  - &pool {name: two, instanceType: Large}',
      '  - <<: *pool',
      '    name: three',
      '',
    ].join('\n');

    const { report } = validateClusterYaml(text);

    // The merged key is placed where it is written: inside the second anchor, on line 8.
    expect(
      report.errors.map((finding) => `${finding.line}:${finding.column} ${finding.message}`),
    ).toEqual([
      '8:23 nodePools[1].instanceType must be an EC2 instance type such as m5.large, at most 64 characters (received "Large")',
      '8:23 nodePools[2].instanceType must be an EC2 instance type such as m5.large, at most 64 characters (received "Large")',
    ]);
  });

  it('caps the report of 13 000 unknown keys at 100 findings plus one that counts the rest', () => {
    const text = Array.from(
      { length: 13_000 },
      (_, index) => `clusterNam${String(index).padStart(5, '0')}: 1\n`,
    ).join('');
    const { report } = validateClusterYaml(text);

    expect(report.valid).toBe(false);
    // The missing clusterName's warning at 1:1 takes one of the 100 places.
    expect(
      report.warnings.map((finding) => `${finding.line}:${finding.column} ${finding.rule}`),
    ).toEqual(['1:1 cluster-name-default']);
    expect(report.errors).toHaveLength(100);
    expect(report.errors[0]?.message).toBe(
      'clusterNam00000 is not a known key; did you mean clusterName?',
    );
    // Four required keys and 13 000 unknown ones, less the 99 errors shown.
    expect(report.errors[99]).toEqual({
      severity: 'error',
      file: 'cluster.yaml',
      line: 96,
      column: 1,
      path: '',
      rule: 'too-many-findings',
      message:
        'cluster.yaml reports at most 100 findings at once (received 12905 more, 12905 of them ' +
        'errors); fix the findings above and validate again',
    });
  });

  it('reports 20 000 syntax errors on one line as 100 findings plus one that counts the rest', () => {
    const { report } = validateClusterYaml(`x: ${'"a" '.repeat(20_000)}\n`);

    expect(report.errors).toHaveLength(101);
    expect(report.errors[0]?.message).toBe(
      'invalid YAML: unexpected double-quoted-scalar at node end',
    );
    // 19 999 distinct places, one per stray scalar, less the 100 shown.
    expect(report.errors[100]).toEqual({
      severity: 'error',
      file: 'cluster.yaml',
      line: 1,
      column: 408,
      path: '',
      rule: 'too-many-findings',
      message:
        'cluster.yaml reports at most 100 findings at once (received 19899 more, 19899 of them ' +
        'errors); fix the findings above and validate again',
    });
  });

  it('shortens a 250 000-character key to 256 characters in its finding', () => {
    const { report } = validateClusterYaml(`? ${'k'.repeat(250_000)}\n: 1\n`);
    const shown = `${'k'.repeat(253)}...`;

    expect(report.errors.filter((finding) => finding.rule === 'unknown-key')).toEqual([
      {
        severity: 'error',
        file: 'cluster.yaml',
        line: 1,
        column: 3,
        path: shown,
        rule: 'unknown-key',
        message: `${shown} is not a known key`,
      },
    ]);
  });
});
