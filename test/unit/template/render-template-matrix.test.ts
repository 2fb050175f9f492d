import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../lib/hash.ts';
import { checkTemplateSize } from '../../../stack/template/check-limits.ts';
import { findBrokenReferences } from '../../../stack/template/check-references.ts';
import { renderTemplate } from '../../../stack/template/render-template.ts';
import {
  type CfnLintFinding,
  hasCfnLint,
  readAcceptedRules,
  runCfnLint,
} from '../../support/cfn-lint.ts';
import { MATRIX, matrixInput } from './template-matrix.ts';

const workDir = mkdtempSync(join(tmpdir(), 'template-matrix-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const fileOf = (name: string) => join(workDir, `${name.replace(/[^a-z0-9]+/gi, '-')}.json`);
let lintFindings: CfnLintFinding[] = [];

beforeAll(() => {
  if (!hasCfnLint) return;
  for (const { name, config } of MATRIX) {
    writeFileSync(fileOf(name), canonicalJson(renderTemplate(matrixInput(config)).template, 1));
  }
  lintFindings = runCfnLint(
    MATRIX.map(({ name }) => fileOf(name)),
    readAcceptedRules(),
  );
}, 120_000);

describe.each(MATRIX)('template for $name', ({ name, config }) => {
  it('renders byte-identical canonical JSON twice', () => {
    const first = canonicalJson(renderTemplate(matrixInput(config)).template);
    const second = canonicalJson(renderTemplate(matrixInput(structuredClone(config))).template);

    expect(second).toBe(first);
  });

  it('leaves its input unchanged', () => {
    const input = matrixInput(structuredClone(config));
    const before = canonicalJson(input);
    renderTemplate(input);

    expect(canonicalJson(input)).toBe(before);
  });

  it('resolves every reference', () => {
    expect(findBrokenReferences(renderTemplate(matrixInput(config)).template)).toEqual([]);
  });

  it('maps every resource to cluster.yaml keys', () => {
    const { template, resourceMap } = renderTemplate(matrixInput(config));
    const resources = (template as { Resources: object }).Resources;

    expect(Object.keys(resourceMap).sort()).toEqual(Object.keys(resources).sort());
  });

  it('stays under the TemplateURL size limit', () => {
    const { template } = renderTemplate(matrixInput(config));

    expect(checkTemplateSize(template)).toBeLessThan(60_000);
  });

  it.skipIf(!hasCfnLint)('passes cfn-lint apart from the accepted rules', () => {
    expect(lintFindings.filter((finding) => finding.file === fileOf(name))).toEqual([]);
  });
});

describe('cfn-lint exceptions', () => {
  it('accepts exactly the rules the exceptions document lists', () => {
    expect(readAcceptedRules()).toEqual(['W3010']);
  });
});
