import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.ts';
import { validateClusterYaml } from '../../../cluster-config/validate-cluster-yaml.ts';
import { captureIo } from '../cli/capture-io.ts';

const WITHOUT_NAME = [
  'externalDNSName: api.demo.example.com',
  'keyName: demo-admin',
  'region: us-east-1',
  'availabilityZone: us-east-1a',
  '',
].join('\n');
const MESSAGE =
  'clusterName is missing (defaulting to "kubernetes", a name another cluster may also have); ' +
  'set clusterName to name this cluster';

describe('a cluster.yaml without clusterName', () => {
  it('is valid with one warning at the first content line, after the leading comments', () => {
    const { report, config } = validateClusterYaml(`# my cluster\n\n${WITHOUT_NAME}`);

    expect(report).toEqual({
      valid: true,
      errors: [],
      warnings: [
        {
          severity: 'warning',
          file: 'cluster.yaml',
          line: 3,
          column: 1,
          path: 'clusterName',
          rule: 'cluster-name-default',
          message: MESSAGE,
        },
      ],
    });
    expect(config?.clusterName).toBe('kubernetes');
  });

  it('names the line of the --- marker when the document has one', () => {
    const { report } = validateClusterYaml(`# my cluster\n---\n${WITHOUT_NAME}`);

    expect(report.warnings.map((finding) => `${finding.line}:${finding.column}`)).toEqual(['2:1']);
  });

  it('warns beside the errors of an invalid file and leaves its verdict to them', () => {
    const { report } = validateClusterYaml(`${WITHOUT_NAME}workerCount: two\n`);

    expect(report.valid).toBe(false);
    expect(report.errors.map((finding) => finding.rule)).toEqual(['invalid-type']);
    expect(report.warnings.map((finding) => finding.rule)).toEqual(['cluster-name-default']);
  });

  it('does not warn when clusterName is written, even as the default kubernetes', () => {
    const { report } = validateClusterYaml(`clusterName: kubernetes\n${WITHOUT_NAME}`);

    expect(report).toEqual({ valid: true, errors: [], warnings: [] });
  });
});

describe('kube-aws validate of a file without clusterName', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kube-aws-no-name-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the warning with line and column and exits 0', async () => {
    await writeFile(path.join(dir, 'cluster.yaml'), WITHOUT_NAME);
    const io = { ...captureIo(), cwd: dir };
    const captured = captureIo();
    io.out = captured.out;
    io.err = captured.err;

    expect(await main(['validate', 'cluster.yaml'], io)).toBe(0);
    expect(captured.stdout()).toBe(
      `cluster.yaml:1:1: warning: ${MESSAGE}\ncluster.yaml: valid (1 warning)\n`,
    );
    expect(captured.stderr()).toBe('');
  });
});
