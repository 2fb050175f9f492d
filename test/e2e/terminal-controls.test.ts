import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-process.ts';

const EXAMPLE = path.resolve(import.meta.dirname, '../../examples/cluster.yaml');

describe('the kube-aws process writing to a terminal', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kube-aws-terminal-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('escapes a newline and a tab in a file name, so the name cannot start a line of its own', async () => {
    const file = path.join(dir, 'a\tb\nkube-aws: all good.yaml');
    await copyFile(EXAMPLE, file);

    const run = await runCli(['validate', file], {});

    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${dir}/a\\tb\\nkube-aws: all good.yaml: valid (0 warnings)\n`);
  });

  it('escapes the control characters of a file name it echoes, keeping its own newlines', async () => {
    const file = path.join(dir, 'e\u001b[31mvil\u001b]0;title\u0007\r\u202e.yaml');

    const run = await runCli(['validate', file], {});

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `kube-aws validate: ${dir}/e\\u001b[31mvil\\u001b]0;title\\u0007\\r\\u202e.yaml cannot be read (received ENOENT)\n`,
    );
  });
});
