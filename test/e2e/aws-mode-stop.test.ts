import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateKeyPairCommand, DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeRecovery } from '../../cli/backend-session.ts';
import { readAwsModeConfig, startAwsBackend } from '../../embedded/start-aws-backend.ts';
import { STATE } from '../../state-machines/state-names.ts';
import { createRevisionTable } from '../support/dynalite.ts';
import { requireTool } from '../support/external-tools.ts';
import { type MotoServer, motoClientConfig, startMoto } from '../support/moto.ts';
import { buildAwsModeEnv, createMotoAccount } from './aws-mode-env.ts';
import { type CliChild, pollUntil, runCli, spawnCli } from './cli-process.ts';

const hasMoto = requireTool('moto_server', ['--help']);
const EXAMPLE = path.resolve(import.meta.dirname, '../../examples/cluster.yaml');

/**
 * A run cut off in AWS mode, by SIGKILL or by a two-signal stop of `serve`: nothing may stay
 * RUNNING or locked behind it. Moto finishes a stack change at once, but the definition's first
 * Wait For Stack pause (5 s) leaves the run in that state long enough to stop it there.
 */
describe.skipIf(!hasMoto)('a run cut off in AWS mode against moto', () => {
  let moto: MotoServer;
  let workDir: string;
  let stateDir: string;
  let env: NodeJS.ProcessEnv;
  let template: string;
  const children: CliChild[] = [];

  beforeAll(async () => {
    moto = await startMoto();
    workDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-aws-stop-'));
    stateDir = path.join(workDir, 'state');
    const config = motoClientConfig(moto.endpoint);
    const { keyArn } = await createMotoAccount(moto.endpoint);
    const ec2 = new EC2Client(config);
    await ec2.send(new CreateKeyPairCommand({ KeyName: 'demo-admin' }));
    const images = await ec2.send(new DescribeImagesCommand({}));
    ec2.destroy();
    const route53 = new Route53Client(config);
    const zone = await route53.send(
      new CreateHostedZoneCommand({ Name: 'k8s.example.com', CallerReference: 'aws-stop-e2e' }),
    );
    route53.destroy();
    const table = await createRevisionTable(config, 'kube-aws-revisions-moto');
    template = (await readFile(EXAMPLE, 'utf8'))
      .replace(
        /^hostedZoneId: .*$/m,
        `hostedZoneId: ${(zone.HostedZone?.Id ?? '').replace('/hostedzone/', '')}`,
      )
      .replace(/^kmsKeyArn: .*$/m, `kmsKeyArn: ${keyArn}`)
      .concat(`amiId: ${images.Images?.[0]?.ImageId ?? ''}\n`);
    env = buildAwsModeEnv({
      endpoint: moto.endpoint,
      table,
      keyArn: keyArn,
      stateDir: stateDir,
    });
    // The backends this file starts in-process read the endpoint and credentials the SDK's way.
    Object.assign(process.env, env);
  });
  afterEach(async () => {
    for (const serve of children.splice(0)) {
      if (serve.child.exitCode === null && serve.child.signalCode === null) {
        serve.child.kill('SIGKILL');
        await serve.exited;
      }
    }
  });
  afterAll(async () => {
    await moto?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  /**
   * A cluster file with `workers` workers: each count is a real stack change. The record of a
   * stack no revision applied counts as someone else's, so a run that is killed uses its own name.
   */
  const writeClusterFile = async (workers: number, dnsName = 'demo.k8s.example.com') => {
    const file = path.join(workDir, `cluster-${workers}-${dnsName}.yaml`);
    await writeFile(
      file,
      template
        .replace('workerCount: 2', `workerCount: ${workers}`)
        .replace(/^externalDNSName: .*$/m, `externalDNSName: ${dnsName}`),
    );

    return file;
  };

  /** `serve` in AWS mode on a free port, and revision `revision` submitted to it. */
  const serveAndSubmit = async (workers: number, revision: number, dnsName?: string) => {
    const serve = spawnCli(['serve', '--port', '0'], env, 180_000);
    children.push(serve);
    const apiUrl = await pollUntil('the serve banner', async () => {
      if (serve.child.exitCode !== null) throw new Error(`serve exited: ${serve.stderr()}`);

      return /HTTP API {5}(http:\/\/127\.0\.0\.1:\d+)/.exec(serve.stdout())?.[1];
    });
    const answer = await fetch(`${apiUrl}/clusters`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: await readFile(await writeClusterFile(workers, dnsName), 'utf8'),
    });
    expect(answer.status).toBe(202);
    expect(await answer.json()).toMatchObject({ cluster: 'demo', revision, outcome: 'started' });
    await waitForWaitForStack(serve, revision);

    return serve;
  };

  /** Resolves once revision `revision`'s execution has entered Wait For Stack. */
  const waitForWaitForStack = (serve: CliChild, revision: number) =>
    pollUntil(
      `revision ${revision} entering ${STATE.waitForStack}`,
      async () => {
        if (serve.child.exitCode !== null) throw new Error(`serve exited: ${serve.stderr()}`);
        const names = await readdirOrEmpty(path.join(stateDir, 'executions'));
        for (const name of names.filter((file) => file.endsWith('.json'))) {
          const text = await readFile(path.join(stateDir, 'executions', name), 'utf8');
          const record = JSON.parse(text) as {
            input: { revision: number };
            events: Array<{ type: string; state?: string }>;
          };
          const entered = record.events.some(
            (event) => event.type === 'StateEntered' && event.state === STATE.waitForStack,
          );
          if (record.input.revision === revision && entered) return true;
        }

        return undefined;
      },
      120_000,
    );

  const readRevision = async (revision: number) => {
    const reader = await startAwsBackend({
      stateDir,
      apiPort: 0,
      config: readConfig(env),
      readOnly: true,
    });
    try {
      const answer = await fetch(`${reader.apiUrl}/clusters/demo/revisions/${revision}`);

      return (await answer.json()) as { status: string; error?: { name: string; message: string } };
    } finally {
      await reader.stop();
    }
  };

  const status = async () => {
    const run = await runCli(['status', 'demo'], env, 120_000);

    return run.stdout.replace(/\(updated [^)]+\)/, '(updated T)');
  };

  it('records a run killed in Wait For Stack FAILED at the next start, and the next up runs at once', async () => {
    const serve = await serveAndSubmit(2, 1, 'killed.k8s.example.com');
    serve.child.kill('SIGKILL');
    await serve.exited;
    expect(await status()).toContain('latest        1 RUNNING (updated T)\n');

    const up = await runCli(['up', await writeClusterFile(2)], env, 240_000);

    expect(up.stdout).not.toContain('queued');
    expect(up.stdout).toMatch(/^revision 2 of cluster demo: (APPLIED|NOOP) \(\d+\.\d+s\)$/m);
    expect(up.code).toBe(0);
    const first = await readRevision(1);
    expect(first.status).toBe('FAILED');
    expect(first.error).toEqual({
      name: 'States.Aborted',
      message:
        'the process running this revision stopped before it finished; stack demo is CREATE_COMPLETE now; submit the file again',
    });
  }, 300_000);

  it('names the stack still changing in the cause and reports the recovered line the CLI prints', async () => {
    const serve = await serveAndSubmit(3, 3);
    serve.child.kill('SIGKILL');
    await serve.exited;
    // Moto never leaves a stack mid-update, so this one reading stands in for CloudFormation.
    const read: string[] = [];
    const backend = await startAwsBackend({
      stateDir,
      apiPort: 0,
      config: readConfig(env),
      readStackStatus: async (stackName) => {
        read.push(stackName);

        return 'UPDATE_IN_PROGRESS';
      },
    });
    await backend.stop();

    expect(read).toEqual(['demo']);
    expect(describeRecovery(backend.recovery)).toEqual([
      'recovered: revision 3 of cluster demo was cut off by a stopped process; recorded FAILED and its lock released',
    ]);
    expect((await readRevision(3)).error?.message).toBe(
      'the process running this revision stopped before it finished; stack demo is still UPDATE_IN_PROGRESS, so it may still be changing: wait until aws cloudformation describe-stacks --stack-name demo shows it settled, then submit the file again',
    );
    expect(await status()).toContain(
      'latest        3 FAILED (updated T)\n' +
        'error         States.Aborted: the process running this revision stopped before it finished; stack demo is still UPDATE_IN_PROGRESS, so it may still be changing: wait until aws cloudformation describe-stacks --stack-name demo shows it settled, then submit the file again\n' +
        'last applied  2\nlock          free\n',
    );
  }, 300_000);

  it('stops serve at a second SIGINT, recording the run FAILED (interrupted) and saying so', async () => {
    const serve = await serveAndSubmit(4, 4);
    serve.child.kill('SIGINT');
    await pollUntil('the waiting line', async () =>
      serve.stdout().includes('waiting for') ? true : undefined,
    );
    serve.child.kill('SIGINT');

    expect(await serve.exited).toBe(1);
    // The backend's own log lines (JSON) share stdout; the CLI's lines are the rest.
    const lines = serve
      .stdout()
      .split('\n')
      .filter((line) => !line.startsWith('{'));
    expect(
      lines
        .slice(lines.indexOf('received SIGINT; finishing runs in progress and stopping'))
        .join('\n'),
    ).toBe(
      [
        'received SIGINT; finishing runs in progress and stopping',
        'waiting for revision 4 of cluster demo to finish; press Ctrl-C again to stop now and record it FAILED (interrupted)',
        'received SIGINT again; revision 4 of cluster demo recorded FAILED (interrupted) and the cluster lock released',
        'stopped',
        '',
      ].join('\n'),
    );
    expect(await status()).toContain(
      'latest        4 FAILED (updated T)\n' +
        'error         States.Aborted: interrupted (second SIGINT) while kube-aws serve was stopping; submit the file again\n' +
        'last applied  2\nlock          free\nqueued        none\n',
    );
    expect((await readRevision(4)).error?.message).toBe(
      'interrupted (second SIGINT) while kube-aws serve was stopping; submit the file again',
    );
  }, 300_000);

  it('stops serve at one SIGTERM once the run in progress has finished', async () => {
    const serve = await serveAndSubmit(5, 5);
    serve.child.kill('SIGTERM');

    expect(await serve.exited).toBe(0);
    const lines = serve
      .stdout()
      .split('\n')
      .filter((line) => !line.startsWith('{'));
    expect(
      lines.slice(lines.indexOf('received SIGTERM; finishing runs in progress and stopping')),
    ).toEqual([
      'received SIGTERM; finishing runs in progress and stopping',
      'waiting for revision 5 of cluster demo to finish; press Ctrl-C again to stop now and record it FAILED (interrupted)',
      'stopped',
      '',
    ]);
    expect(await status()).toContain(
      'latest        5 APPLIED (updated T)\nlast applied  5\nlock          free\nqueued        none\n',
    );
  }, 300_000);
});

function readConfig(env: NodeJS.ProcessEnv) {
  const config = readAwsModeConfig(env);
  if (config === undefined) throw new Error('the AWS mode variables are not set');

  return config;
}

async function readdirOrEmpty(directory: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  try {
    return await readdir(directory);
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
