import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-process.ts';

describe('kube-aws validate of a file with a collection as a mapping key', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kube-aws-collection-key-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it.each([
    ['a flow mapping at the top level', '{a: 1, b: 2}: 3\n', '1:1: error: the top level'],
    [
      'a sequence inside a node pool',
      'clusterName: demo\nnodePools:\n  - name: a\n    ? [x, y]\n    : 1\n',
      '4:7: error: nodePools[0]',
    ],
  ])(
    'prints only the finding for %s, and no warning of the parser on stderr',
    async (_name, text, where) => {
      const file = path.join(root, 'cluster.yaml');
      await writeFile(file, text);

      const run = await runCli(['validate', file], {}, 30_000);

      expect(run.code).toBe(1);
      expect(run.stdout).toBe(`${file}:${where} has a key that is not a plain name\n`);
      expect(run.stderr).toBe('');
    },
  );
});
