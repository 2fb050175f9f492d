import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../lib/hash.ts';
import { checkTemplateSize } from '../../../stack/template/check-limits.ts';
import { findBrokenReferences } from '../../../stack/template/check-references.ts';
import { renderTemplate } from '../../../stack/template/render-template.ts';
import { hasCfnLint, readAcceptedRules, runCfnLint } from '../../support/cfn-lint.ts';
import { MATRIX, matrixInput } from './template-matrix.ts';

const workDir = mkdtempSync(join(tmpdir(), 'template-matrix-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe.each(MATRIX)('template for $name', ({ name, config }) => {
  it('renders byte-identical canonical JSON twice', () => {
    const first = canonicalJson(renderTemplate(matrixInput(config)).template);
    const second = canonicalJson(renderTemplate(matrixInput(structuredClone(config))).template);

    expect(second).toBe(first);
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
    const file = join(workDir, `${name.replace(/[^a-z0-9]+/gi, '-')}.json`);
    writeFileSync(file, canonicalJson(renderTemplate(matrixInput(config)).template, 1));

    expect(runCfnLint(file, readAcceptedRules())).toEqual([]);
  });
});

describe('cfn-lint exceptions', () => {
  it('accepts exactly the rules the exceptions document lists', () => {
    expect(readAcceptedRules()).toEqual(['W3010']);
  });
});
