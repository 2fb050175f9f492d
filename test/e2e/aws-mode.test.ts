import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateKeyPairCommand, DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATE } from '../../state-machines/state-names.ts';
import { createRevisionTable } from '../support/dynalite.ts';
import { requireTool } from '../support/external-tools.ts';
import { type MotoServer, motoClientConfig, startMoto } from '../support/moto.ts';
import { buildAwsModeEnv, createMotoAccount } from './aws-mode-env.ts';
import { runCli } from './cli-process.ts';

const hasMoto = requireTool('moto_server', ['--help']);
const EXAMPLE = path.resolve(import.meta.dirname, '../../examples/cluster.yaml');

/** `up` and `render --export` with KUBE_AWS_* set: the same ASL in-process, applied in moto. */
describe.skipIf(!hasMoto)('the CLI in AWS mode against moto', () => {
  let moto: MotoServer;
  let workDir: string;
  let clusterFile: string;
  let env: NodeJS.ProcessEnv;
  let keyArn: string;

  beforeAll(async () => {
    moto = await startMoto();
    workDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-aws-mode-'));
    const config = motoClientConfig(moto.endpoint);
    ({ keyArn } = await createMotoAccount(moto.endpoint));
    // What the cluster's AWS checks look up: the key pair, the zone and an image.
    const ec2 = new EC2Client(config);
    await ec2.send(new CreateKeyPairCommand({ KeyName: 'demo-admin' }));
    const images = await ec2.send(new DescribeImagesCommand({}));
    ec2.destroy();
    const route53 = new Route53Client(config);
    const zone = await route53.send(
      new CreateHostedZoneCommand({ Name: 'k8s.example.com', CallerReference: 'aws-mode-e2e' }),
    );
    route53.destroy();
    const table = await createRevisionTable(config, 'kube-aws-revisions-moto');

    clusterFile = path.join(workDir, 'cluster.yaml');
    await writeFile(
      clusterFile,
      (await readFile(EXAMPLE, 'utf8'))
        .replace(
          /^hostedZoneId: .*$/m,
          `hostedZoneId: ${(zone.HostedZone?.Id ?? '').replace('/hostedzone/', '')}`,
        )
        .replace(/^kmsKeyArn: .*$/m, `kmsKeyArn: ${keyArn}`)
        .concat(`amiId: ${images.Images?.[0]?.ImageId ?? ''}\n`),
    );
    env = buildAwsModeEnv({
      endpoint: moto.endpoint,
      table,
      keyArn: keyArn,
      stateDir: path.join(workDir, 'state'),
    });
  });
  afterAll(async () => {
    await moto?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('applies `up` for real: revision 1 APPLIED and the stack CREATE_COMPLETE', async () => {
    const run = await runCli(['up', clusterFile], env, 240_000);

    expect(run.stderr).toBe('');
    expect(run.stdout.split('\n')[0]).toBe(
      `using AWS mode in this process (runs apply for real): buckets kube-aws-submissions-moto and kube-aws-artifacts-moto, table kube-aws-revisions-moto, key ${keyArn}, region us-east-1 via ${moto.endpoint}`,
    );
    expect(run.stdout).toMatch(new RegExp(`^  ${STATE.startApply} +succeeded`, 'm'));
    expect(run.stdout).toMatch(/^revision 1 of cluster demo: APPLIED \(\d+\.\d+s\)$/m);
    expect(run.code).toBe(0);
    const cloudFormation = new CloudFormationClient(motoClientConfig(moto.endpoint));
    const stacks = await cloudFormation.send(new DescribeStacksCommand({ StackName: 'demo' }));
    cloudFormation.destroy();
    expect(stacks.Stacks?.[0]?.StackStatus).toBe('CREATE_COMPLETE');
  });

  it('exports a deployable template whose assets are KMS ciphertext', async () => {
    const outDir = path.join(workDir, 'out');
    // A change from what `up` applied, so the preview has something to plan in any test order.
    const changedFile = path.join(workDir, 'changed.yaml');
    await writeFile(
      changedFile,
      (await readFile(clusterFile, 'utf8')).replace('workerCount: 2', 'workerCount: 3'),
    );
    const run = await runCli(['render', changedFile, '--export', '--out', outDir], env, 240_000);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.replace(/revision \d+/, 'revision N')).toBe(
      [
        `using AWS mode in this process (the stack change is previewed, not applied): buckets kube-aws-submissions-moto and kube-aws-artifacts-moto, table kube-aws-revisions-moto, key ${keyArn}, region us-east-1 via ${moto.endpoint}`,
        `${path.relative(process.cwd(), path.join(outDir, 'demo.stack-template.json'))} written from revision N (PLANNED; the revision is recorded, see kube-aws history demo)`,
        `deployable: assets are ciphertext of KMS key ${keyArn} and userdata is in s3://kube-aws-artifacts-moto; deploy with aws cloudformation deploy --capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM`,
        '',
      ].join('\n'),
    );
    const template = await readFile(path.join(outDir, 'demo.stack-template.json'), 'utf8');
    expect(template).not.toContain('PRIVATE KEY');
  });

  it('answers status from AWS without creating a local state dir', async () => {
    const stateDir = path.join(workDir, 'reader-state');
    const run = await runCli(['status', 'demo'], { ...env, KUBE_AWS_STATE_DIR: stateDir }, 120_000);

    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      `using AWS mode in this process (reads only): buckets kube-aws-submissions-moto and kube-aws-artifacts-moto, table kube-aws-revisions-moto, key ${keyArn}, region us-east-1 via ${moto.endpoint}\n`,
    );
    expect(run.stdout).toMatch(/^latest {8}\d+ \w+ \(updated [^)]+\)$/m);
    expect(run.stdout).toContain('last applied  1\n');
    await expect(stat(stateDir)).rejects.toThrow('ENOENT');
  });
});
