import { lstat, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATE } from '../../state-machines/state-names.ts';
import { hasCfnLint, runCfnLint } from '../support/cfn-lint.ts';
import { pollUntil, runCli, type ServeProcess, startServe } from './cli-process.ts';
import { listFiles, openPrivateKeys } from './open-private-keys.ts';
import { type ScannedBlob, scanForSecrets } from './scan-for-secrets.ts';

const EXAMPLE = path.resolve(import.meta.dirname, '../../examples/cluster.yaml');
const TERMINAL = ['PLANNED', 'APPLIED', 'NOOP', 'ROLLED_BACK', 'FAILED', 'NEEDS_RECOVERY'];
const MALFORMED =
  'clusterName: demo\nexternalDNSName: demo.k8s.example.com\nkeyName: demo-admin\nregion: us-east-1\nworkerCount: two\n';

interface RevisionBody {
  revision: number;
  status: string;
  source: { kind: string };
}

/** The embedded product as a user meets it: the CLI, `serve`, the HTTP API and the S3 bucket. */
describe('the embedded backend end to end', () => {
  let stateDir: string;
  let outDir: string;
  let serve: ServeProcess | undefined;
  /** The state dir's endpoint key, as `kube-aws credentials` prints it. */
  let credentials: { accessKeyId: string; secretAccessKey: string };
  /** Every line any process of the run printed, logger output included, for the secret scan. */
  const printed: string[] = [];
  const env = {
    KUBE_AWS_LOG_LEVEL: 'INFO',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-e2e-'));
    outDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-e2e-out-'));
  });
  afterAll(async () => {
    await serve?.stop();
    await rm(stateDir, { recursive: true, force: true });
    await rm(outDir, { recursive: true, force: true });
  });

  const api = async (
    method: string,
    route: string,
    body?: string,
    contentType = 'application/yaml',
  ) => {
    const response = await fetch(`${serve!.apiUrl}${route}`, {
      method,
      ...(body === undefined ? {} : { body, headers: { 'content-type': contentType } }),
    });

    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const waitForTerminal = (revision: number) =>
    pollUntil(`revision ${revision} to finish`, async () => {
      const answer = await api('GET', `/clusters/demo/revisions/${revision}`);
      const body = answer.body as unknown as RevisionBody;
      return TERMINAL.includes(body.status) ? body : undefined;
    });
  const s3Client = () =>
    new S3Client({
      region: 'us-east-1',
      endpoint: serve!.s3Endpoint,
      forcePathStyle: true,
      credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });

  it('runs every state of `up examples/cluster.yaml` in-process and records revision 1 PLANNED', async () => {
    const run = await runCli(['up', EXAMPLE, '--state-dir', stateDir], env);
    printed.push(run.stdout, run.stderr);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const state of [
      STATE.validate,
      STATE.encryptAssets,
      STATE.renderStack,
      STATE.startApply,
      STATE.recordResult,
    ]) {
      expect(run.stdout).toMatch(new RegExp(`^  ${state} +succeeded +\\d+\\.\\d\\ds$`, 'm'));
    }
    // A first revision issues every asset, its three CAs included, and says so.
    expect(run.stdout).toMatch(
      new RegExp(
        `^  ${STATE.generateAssets} +succeeded +\\d+\\.\\d\\ds  issued 14 \\(new CAs: kube-ca, etcd-ca, front-proxy-ca\\), reused 0$`,
        'm',
      ),
    );
    expect(run.stdout).toMatch(/^revision 1 of cluster demo: PLANNED \(\d+\.\d+s\)$/m);
    expect(run.stdout).toContain('nothing was deployed');
    expect(run.stdout).toMatch(
      /^changes: \d+ Add\nthe full change preview prints with --verbose\n$/m,
    );
    expect(run.stdout).not.toContain('change preview:');
    console.info(`up examples/cluster.yaml (in-process, cold) took ${run.seconds.toFixed(1)} s`);
  });

  it('records a revision for a POST and for an S3 upload to the running backend', async () => {
    serve = await startServe(stateDir, env);
    expect(serve.output()).toContain(`npx kube-aws history demo --state-dir ${stateDir}\n`);
    const printedKey = await runCli(['credentials', '--state-dir', stateDir], env);
    const exports =
      /^export AWS_ACCESS_KEY_ID=(kube-aws-local)\nexport AWS_SECRET_ACCESS_KEY=([A-Za-z0-9_-]{43})\n$/.exec(
        printedKey.stdout,
      );
    expect([printedKey.code, printedKey.stderr, exports !== null]).toEqual([0, '', true]);
    credentials = { accessKeyId: exports![1]!, secretAccessKey: exports![2]! };
    expect(serve.output()).toContain(
      `AWS_ACCESS_KEY_ID=kube-aws-local AWS_SECRET_ACCESS_KEY=${credentials.secretAccessKey} aws --region us-east-1 --endpoint-url ${serve.s3Endpoint} s3 cp`,
    );
    const health = await fetch(`${serve.apiUrl}/healthz`);
    expect([health.status, await health.text()]).toEqual([200, '{"status":"ok"}\n']);

    const posted = await api('POST', '/clusters', await readFile(EXAMPLE, 'utf8'));
    expect(posted.status).toBe(202);
    expect(posted.body).toMatchObject({ cluster: 'demo', revision: 2 });
    expect((await waitForTerminal(2)).status).toBe('PLANNED');

    const s3 = s3Client();
    await s3.send(
      new PutObjectCommand({
        Bucket: 'kube-aws-submissions',
        Key: 'clusters/demo/cluster.yaml',
        Body: await readFile(EXAMPLE),
        ContentType: 'application/yaml',
      }),
    );
    const validation = await pollUntil('validation.json', () => readValidation(s3));
    s3.destroy();
    expect(validation).toMatchObject({ valid: true, cluster: 'demo', revision: 3 });
    expect(await waitForTerminal(3)).toMatchObject({ status: 'PLANNED', source: { kind: 's3' } });
  });

  it('lists the three revisions with `history demo` through the running backend', async () => {
    const run = await runCli(['history', 'demo', '--state-dir', stateDir], env);

    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^REVISION +STATUS +SOURCE +SUBMITTER +CREATED +UPDATED$/);
    expect(lines.slice(1).map((line) => line.split(/ +/).slice(0, 3))).toEqual([
      ['3', 'PLANNED', 's3'],
      ['2', 'PLANNED', 'api'],
      ['1', 'PLANNED', 'cli'],
    ]);
  });

  it('shows the newest two with `history demo --limit 2` and says older ones are left out', async () => {
    const run = await runCli(['history', 'demo', '--limit', '2', '--state-dir', stateDir], env);

    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.slice(1, 3).map((line) => line.split(/ +/)[0])).toEqual(['3', '2']);
    expect(lines.slice(3)).toEqual([
      'showing the newest 2 of 3 revisions; --limit N shows more, --all every one',
    ]);
    const all = await runCli(
      ['history', 'demo', '--all', '--format', 'json', '--state-dir', stateDir],
      env,
    );
    expect(JSON.parse(all.stdout).map((revision: RevisionBody) => revision.revision)).toEqual([
      3, 2, 1,
    ]);
    expect(all.stderr).not.toContain('--limit N');
  });

  it('shows the cluster record with `status demo` through the running backend', async () => {
    const run = await runCli(['status', 'demo', '--state-dir', stateDir], env);

    expect(run.code).toBe(0);
    expect(run.stdout.replace(/\(updated [^)]+\)/, '(updated T)')).toBe(
      'cluster       demo\nlatest        3 PLANNED (updated T)\nlast applied  none\nlock          free\nqueued        none\n',
    );
  });

  it('answers a malformed POST with 400 naming field, line and column, and records nothing', async () => {
    const answer = await api('POST', '/clusters', MALFORMED);

    expect(answer.status).toBe(400);
    expect(answer.body.valid).toBe(false);
    expect(answer.body.errors).toContainEqual(
      expect.objectContaining({ path: 'workerCount', line: 5, column: 14, rule: 'invalid-type' }),
    );
    const list = await api('GET', '/clusters/demo/revisions');
    expect((list.body.revisions as RevisionBody[]).map((revision) => revision.revision)).toEqual([
      3, 2, 1,
    ]);
  });

  it('writes validation.json naming line and column beside a malformed upload', async () => {
    const s3 = s3Client();
    await s3.send(
      new PutObjectCommand({
        Bucket: 'kube-aws-submissions',
        Key: 'clusters/demo/cluster.yaml',
        Body: MALFORMED,
      }),
    );
    const validation = await pollUntil('a failing validation.json', async () => {
      const current = await readValidation(s3);
      return current?.valid === false ? current : undefined;
    });
    s3.destroy();

    expect(validation.errors).toContainEqual(
      expect.objectContaining({ path: 'workerCount', line: 5, column: 14 }),
    );
    const list = await api('GET', '/clusters/demo/revisions');
    expect(list.body.revisions as RevisionBody[]).toHaveLength(3);
  });

  it('keeps revisions, execution history and the endpoint key across a restart of serve', async () => {
    printed.push(serve!.output());
    expect(await serve!.stop()).toBe(0);
    await expect(stat(path.join(stateDir, 'backend.json'))).rejects.toThrow('ENOENT');
    serve = await startServe(stateDir, env);
    expect(serve.output()).toContain(
      `AWS_ACCESS_KEY_ID=kube-aws-local AWS_SECRET_ACCESS_KEY=${credentials.secretAccessKey} aws`,
    );

    const list = await api('GET', '/clusters/demo/revisions');
    expect((list.body.revisions as RevisionBody[]).map((revision) => revision.status)).toEqual([
      'PLANNED',
      'PLANNED',
      'PLANNED',
    ]);
    const history = await api('GET', '/clusters/demo/revisions/1/history');
    const events = history.body.events as Array<{ type: string; state?: string }>;
    expect(events[0]?.type).toBe('ExecutionStarted');
    expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
  });

  it('exports the same template bytes twice, and the export passes cfn-lint', async () => {
    const first = await runCli(
      ['render', EXAMPLE, '--export', '--out', outDir, '--state-dir', stateDir],
      env,
    );
    expect(first.code).toBe(0);
    const file = path.join(outDir, 'demo.stack-template.json');
    expect(first.stdout.replace(/revision \d+/, 'revision N')).toBe(
      [
        `using running backend at ${serve!.apiUrl} (pid ${serve!.pid})`,
        `${path.relative(path.resolve(import.meta.dirname, '../..'), file)} written from revision N (PLANNED; the revision is recorded, see kube-aws history demo)`,
        'review copy, not deployable: assets are encrypted with the local key of the state dir and userdata is in the local bucket; set the KUBE_AWS_* variables for a deployable export (see README, AWS mode)',
        '',
      ].join('\n'),
    );
    const newest = await api('GET', '/clusters/demo/revisions?limit=1');
    expect((newest.body.revisions as RevisionBody[])[0]?.source).toEqual({ kind: 'export' });
    const bytes = await readFile(file);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // A link planted where the export goes is replaced, never written through.
    const victim = path.join(outDir, 'victim.txt');
    await writeFile(victim, 'untouched\n', { mode: 0o644 });
    await rm(file);
    await symlink(victim, file);

    const second = await runCli(
      ['render', EXAMPLE, '--export', '--out', outDir, '--state-dir', stateDir],
      env,
    );
    expect(second.code).toBe(0);
    expect((await readFile(file)).equals(bytes)).toBe(true);
    expect((await lstat(file)).isFile()).toBe(true);
    expect(await readFile(victim, 'utf8')).toBe('untouched\n');
    printed.push(first.stdout, first.stderr, second.stdout, second.stderr);
    if (hasCfnLint)
      expect(runCfnLint([file]).filter((finding) => finding.rule.startsWith('E'))).toEqual([]);
  });

  it('refuses an --out that is a file with exit 2 before recording any revision', async () => {
    const before = await api('GET', '/clusters/demo');
    const blocker = path.join(outDir, 'not-a-folder');
    await writeFile(blocker, 'x\n');

    const run = await runCli(
      ['render', EXAMPLE, '--export', '--out', blocker, '--state-dir', stateDir],
      env,
    );

    expect(run).toMatchObject({
      code: 2,
      stdout: '',
      stderr: `kube-aws render: --out must be a directory (received ${blocker}, which is a file); run kube-aws render --help\n`,
    });
    expect((await api('GET', '/clusters/demo')).body.latestRevision).toBe(
      before.body.latestRevision,
    );
    await rm(blocker);
  });

  it('finds no PEM private key and no plaintext key bytes in any stored object, revision, event or log line', async () => {
    printed.push(serve!.output());
    const list = await api('GET', '/clusters/demo/revisions');
    const revisions = list.body.revisions as RevisionBody[];
    const blobs: ScannedBlob[] = [
      { source: 'printed output', bytes: Buffer.from(printed.join('\n')) },
      { source: 'revision items', bytes: Buffer.from(JSON.stringify(revisions)) },
    ];
    for (const revision of revisions) {
      const history = await api('GET', `/clusters/demo/revisions/${revision.revision}/history`);
      blobs.push({
        source: `history of revision ${revision.revision}`,
        bytes: Buffer.from(JSON.stringify(history.body)),
      });
    }
    // The AES key file is the one secret the state dir must hold; everything else is scanned.
    const files = [...(await listFiles(stateDir)), ...(await listFiles(outDir))];
    for (const file of files.filter((candidate) => !candidate.endsWith('asset-key.bin'))) {
      blobs.push({ source: file, bytes: await readFile(file) });
    }
    const secrets = await openPrivateKeys(stateDir, blobs);

    expect(secrets.length).toBeGreaterThanOrEqual(4);
    expect(scanForSecrets(blobs, secrets)).toEqual([]);
  });
});

async function readValidation(s3: S3Client): Promise<Record<string, unknown> | undefined> {
  try {
    const object = await s3.send(
      new GetObjectCommand({
        Bucket: 'kube-aws-submissions',
        Key: 'clusters/demo/validation.json',
      }),
    );
    return JSON.parse(await object.Body!.transformToString()) as Record<string, unknown>;
  } catch (error: unknown) {
    if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
    // s3rver writes objects in place, so a read during an overwrite can see part of the file:
    // invalid JSON, or a body shorter than its Content-Length that Node reports as aborted.
    if (error instanceof SyntaxError) return undefined;
    const { message, code } = error as { message?: string; code?: string };
    if (message === 'aborted' || code === 'ECONNRESET') return undefined;
    throw error;
  }
}
