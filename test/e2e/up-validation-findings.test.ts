import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import {
  type EmbeddedBackend,
  startEmbeddedBackend,
} from '../../embedded/start-embedded-backend.ts';
import { STATE } from '../../state-machines/state-names.ts';
import { createRevisionTable } from '../support/dynalite.ts';
import { requireTool } from '../support/external-tools.ts';
import { type MotoServer, motoClientConfig, startMoto } from '../support/moto.ts';
import { captureIo } from '../unit/cli/capture-io.ts';
import { buildAwsModeEnv, createMotoAccount } from './aws-mode-env.ts';
import { runCli } from './cli-process.ts';

const hasMoto = requireTool('moto_server', ['--help']);
const EXAMPLE = path.resolve(import.meta.dirname, '../../examples/cluster.yaml');
const NO_NAME_WARNING =
  'clusterName is missing (defaulting to "kubernetes", a name another cluster may also have); ' +
  'set clusterName to name this cluster';

/** `up` against an embedded backend started here: what the submit answer's findings print as. */
describe('kube-aws up of a file with findings, against a running embedded backend', () => {
  let workDir: string;
  let backend: EmbeddedBackend;

  beforeEach(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-up-findings-'));
    backend = await startEmbeddedBackend({
      stateDir: path.join(workDir, 'state'),
      apiPort: 0,
      s3Port: 0,
    });
  });
  afterEach(async () => {
    await backend.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  async function up(
    text: string,
    file = 'cluster.yaml',
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    await writeFile(path.join(workDir, file), text);
    const io = { ...captureIo({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }) };
    const captured = captureIo();
    const code = await main(['up', file, '--api', backend.apiUrl], {
      ...io,
      cwd: workDir,
      out: captured.out,
      err: captured.err,
    });

    return { code, stdout: captured.stdout(), stderr: captured.stderr() };
  }

  it('names the file as the user did in a finding about the whole file, as validate does', async () => {
    const run = await up('# nothing here yet\n', 'staging.yaml');

    expect(run.stderr).toBe(
      [
        'staging.yaml: error: staging.yaml must be a mapping of keys such as clusterName: demo (received an empty document)',
        'staging.yaml: not submitted (1 error)',
        '',
      ].join('\n'),
    );
    expect(run.code).toBe(1);
    const local = await runCli(['validate', path.join(workDir, 'staging.yaml')], {});
    expect(local.stdout).toContain(
      ' must be a mapping of keys such as clusterName: demo (received an empty document)',
    );
  });

  it('prints three errors on three lines with line and column, as validate does, and exits 1', async () => {
    const run = await up(
      [
        'clusterName: demo',
        'externalDNSName: api.demo.example.com',
        'keyName: demo-admin',
        'region: us-east-1',
        'availabilityZone: us-east-1a',
        'workerCount: two',
        'vpcCIDR: 10.0.0.0/33',
        'workerCont: 3',
        '',
      ].join('\n'),
    );

    expect(run.stdout).toBe(`using backend at ${backend.apiUrl}\n`);
    expect(run.stderr).toBe(
      [
        'cluster.yaml:6:14: error: workerCount must be an integer (received "two")',
        'cluster.yaml:7:1: error: vpcCIDR must be an IPv4 CIDR such as 10.0.0.0/16 (received "10.0.0.0/33")',
        'cluster.yaml:8:1: error: workerCont is not a known key; did you mean workerCount?',
        'cluster.yaml: not submitted (3 errors)',
        '',
      ].join('\n'),
    );
    expect(run.code).toBe(1);
  });

  it('prints the first 50 of 60 findings and says validate lists them all', async () => {
    const unknown = Array.from({ length: 60 }, (_, index) => `extra${index}: 1`);
    const run = await up(`${(await readFile(EXAMPLE, 'utf8')).trimEnd()}\n${unknown.join('\n')}\n`);

    const lines = run.stderr.split('\n');
    expect(lines).toHaveLength(53);
    expect(lines[0]).toMatch(/^cluster\.yaml:\d+:1: error: extra0 is not a known key$/);
    expect(lines[49]).toMatch(/^cluster\.yaml:\d+:1: error: extra49 is not a known key$/);
    expect(lines.slice(50)).toEqual([
      '... and 10 more findings (kube-aws validate cluster.yaml lists them all)',
      'cluster.yaml: not submitted (60 errors)',
      '',
    ]);
    expect(run.code).toBe(1);
  });

  it('prints the missing clusterName warning and goes on to a PLANNED revision, exit 0', async () => {
    const example = await readFile(EXAMPLE, 'utf8');
    const unnamed = example.replace(/^clusterName: demo\n/m, '');
    // The example opens with comments, which come before the document itself.
    const start = unnamed.split('\n').findIndex((line) => /^[a-zA-Z]/.test(line)) + 1;
    const run = await up(unnamed);

    expect(run.stderr).toBe(`cluster.yaml:${start}:1: warning: ${NO_NAME_WARNING}\n`);
    expect(run.stdout).toContain('revision 1 of cluster kubernetes submitted\n');
    expect(run.stdout).toMatch(/^revision 1 of cluster kubernetes: PLANNED \(\d+\.\d+s\)$/m);
    expect(run.code).toBe(0);
  });
});

/**
 * `up` in AWS mode against moto: the file passes the offline rules, so it is submitted, and the
 * Validate state's account checks fail it. Every finding is printed, not only the first.
 */
describe.skipIf(!hasMoto)('kube-aws up of a file that fails the Validate state in AWS mode', () => {
  let moto: MotoServer;
  let workDir: string;
  let env: NodeJS.ProcessEnv;
  let clusterFile: string;
  let text: string;

  beforeAll(async () => {
    moto = await startMoto();
    workDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-validate-state-'));
    const config = motoClientConfig(moto.endpoint);
    const { keyArn: assetKey } = await createMotoAccount(moto.endpoint);
    const table = await createRevisionTable(config, 'kube-aws-revisions-moto');
    // The example as it is: its hosted zone, key pair and KMS key do not exist in this account.
    text = await readFile(EXAMPLE, 'utf8');
    clusterFile = path.join(workDir, 'cluster.yaml');
    await writeFile(clusterFile, text);
    env = buildAwsModeEnv({
      endpoint: moto.endpoint,
      table,
      keyArn: assetKey,
      stateDir: path.join(workDir, 'state'),
    });
  });
  afterAll(async () => {
    await moto?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  const lineOf = (key: string) => text.split('\n').findIndex((line) => line.startsWith(key)) + 1;
  const location = 's3://kube-aws-artifacts-moto/clusters/demo/revisions/000001/validation.json';

  it('prints all three account findings with line and column after the run, then in status and history', async () => {
    const findings = [
      `:${lineOf('hostedZoneId:')}:1: error: hostedZoneId must name an existing Route 53 hosted ` +
        'zone (received "Z0EXAMPLE1234567890AB")',
      `:${lineOf('keyName:')}:1: error: keyName must name an EC2 key pair in region us-east-1 ` +
        '(received "demo-admin")',
      `:${lineOf('kmsKeyArn:')}:1: error: kmsKeyArn must name an enabled key this backend may ` +
        'encrypt with (received ' +
        '"arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"); the key ' +
        'does not exist',
    ];
    const message =
      'cluster.yaml is invalid: hostedZoneId must name an existing Route 53 hosted zone ' +
      `(received "Z0EXAMPLE1234567890AB") (and 2 more); every finding is in ${location}`;

    const up = await runCli(['up', clusterFile], env, 120_000);

    expect(up.stderr).toBe(
      findings.map((finding) => `${clusterFile}${finding}\n`).join('') +
        `${clusterFile}: revision 1 failed validation (3 errors, 0 warnings)\n`,
    );
    expect(up.stdout).toMatch(new RegExp(`^  ${STATE.validate} +failed +ValidationError$`, 'm'));
    expect(up.stdout).toMatch(new RegExp(`^  ${STATE.runFailed} +failed +ValidationError$`, 'm'));
    // The message prints once, on the error line, before the findings on stderr.
    expect(up.stdout.split(message)).toHaveLength(2);
    expect(up.stdout).toMatch(/^revision 1 of cluster demo: FAILED \(\d+\.\d+s\)$/m);
    expect(up.stdout).toContain(`error: ValidationError: ${message}\n`);
    expect(up.code).toBe(1);

    const s3 = new S3Client({ ...motoClientConfig(moto.endpoint), forcePathStyle: true });
    const stored = await s3.send(
      new GetObjectCommand({
        Bucket: 'kube-aws-artifacts-moto',
        Key: 'clusters/demo/revisions/000001/validation.json',
      }),
    );
    const report = JSON.parse((await stored.Body?.transformToString()) ?? '');
    s3.destroy();
    expect(report.errors.map((finding: { rule: string }) => finding.rule)).toEqual([
      'hosted-zone-not-found',
      'key-pair-not-found',
      'kms-key-unusable',
    ]);

    // Where an upload's failure shows: status names the uploaded document cluster.yaml.
    const status = await runCli(['status', 'demo'], env, 60_000);

    expect(status.stdout.replace(/\(updated [^)]+\)/, '(updated T)')).toBe(
      [
        'cluster       demo',
        'latest        1 FAILED (updated T)',
        `error         ValidationError: ${message}`,
        'last applied  none',
        'lock          free',
        'queued        none',
        ...findings.map((finding) => `cluster.yaml${finding}`),
        'cluster.yaml: revision 1 failed validation (3 errors, 0 warnings)',
        '',
      ].join('\n'),
    );
    expect(status.code).toBe(0);

    const history = await runCli(['history', 'demo'], env, 60_000);

    expect(history.stdout.split('\n').slice(2)).toEqual([
      `revision 1: ValidationError: ${message}`,
      '',
    ]);
    expect(history.code).toBe(0);
  });
});
