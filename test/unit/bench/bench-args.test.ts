import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
const TSX = path.join(REPO_ROOT, 'node_modules/.bin/tsx');

/** Runs a bench script with arguments that end before any benchmark starts. */
function runScript(script: string, args: string[]) {
  const run = spawnSync(TSX, [path.join(REPO_ROOT, 'bench', script), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });

  return { code: run.status, stdout: run.stdout, firstErrorLine: run.stderr.split('\n')[0] };
}

describe('bench script arguments', () => {
  it('prints the usage and exits 0 for --help', () => {
    const run = runScript('run-all.ts', ['--help']);

    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe(
      'usage: npm run bench [-- --quick] [-- --only PARTS] [-- --out FILE]',
    );
  });

  it('names an unknown part and exits 2 without a stack trace', () => {
    const run = runScript('run-all.ts', ['--only', 'pipeline,bogus']);

    expect([run.code, run.firstErrorLine]).toEqual([
      2,
      'npm run bench: --only must name validation, pipeline, throughput, pki, render, functions (received bogus)',
    ]);
  });

  it('refuses a soak duration that is not a positive number with exit 2', () => {
    const run = runScript('soak.ts', ['--duration', 'abc']);

    expect([run.code, run.firstErrorLine]).toEqual([
      2,
      'npm run soak: --duration must be a positive number (received "abc")',
    ]);
  });

  it('refuses an unknown soak flag with exit 2', () => {
    const run = runScript('soak.ts', ['--bogus']);

    expect(run.code).toBe(2);
    expect(run.firstErrorLine).toMatch(/^npm run soak: Unknown option '--bogus'/);
  });
});
