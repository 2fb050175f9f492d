import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateClusterYamlBytes } from '../../../cluster-config/validate-cluster-yaml.ts';
import type { Finding } from '../../../schemas/finding.ts';

/**
 * Every file under test/fixtures/invalid is a cluster.yaml with at least one error; its sibling
 * `<name>.expected.json` holds the exact findings. `UPDATE_CORPUS=1` rewrites the expectations
 * (review the diff before committing it).
 */
const CORPUS = 'test/fixtures/invalid';
const names = readdirSync(CORPUS)
  .filter((file) => file.endsWith('.yaml'))
  .map((file) => file.slice(0, -'.yaml'.length))
  .sort();

type ExpectedFinding = Omit<Finding, 'file'>;

function runCase(name: string): ExpectedFinding[] {
  const { report } = validateClusterYamlBytes(
    readFileSync(join(CORPUS, `${name}.yaml`)),
    `${name}.yaml`,
  );
  return [...report.errors, ...report.warnings]
    .sort((a, b) => a.line - b.line || a.column - b.column)
    .map(({ severity, line, column, path, rule, message }) => ({
      severity,
      line,
      column,
      path,
      rule,
      message,
    }));
}

describe('invalid cluster.yaml corpus', () => {
  it('holds at least 60 files', () => {
    expect(names.length).toBeGreaterThanOrEqual(60);
  });

  it.each(names)('reports the expected findings for %s', (name) => {
    const findings = runCase(name);
    const expectedFile = join(CORPUS, `${name}.expected.json`);
    if (process.env.UPDATE_CORPUS === '1') {
      writeFileSync(expectedFile, `${JSON.stringify(findings, null, 2)}\n`);
    }
    const expected = JSON.parse(readFileSync(expectedFile, 'utf8')) as ExpectedFinding[];

    expect(findings).toEqual(expected);
    expect(findings.some((finding) => finding.severity === 'error')).toBe(true);
  });
});
