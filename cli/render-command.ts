import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatFindingsText, type PublicReport } from '../cluster-config/format-findings.ts';
import {
  type BackendSession,
  callApi,
  describeApiError,
  openBackendSession,
} from './backend-session.ts';
import { type CliIo, EXIT, InterruptedError, UsageError } from './cli-io.ts';
import {
  describeFailedValidation,
  describeOversizedInput,
  relabel,
} from './describe-failed-validation.ts';
import { followExecution } from './follow-execution.ts';
import { readInputFile } from './read-input-file.ts';

const RENDER_DEADLINE_MS = 10 * 60 * 1000;

/**
 * `kube-aws render <file> --export [--out DIR]`: runs the file through the embedded workflow
 * (validate, generate, encrypt, render; the apply is a preview) and writes the stored template.
 * Assets kept in the state dir are reused, so a rerun writes the same bytes.
 */
export async function runRenderCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      export: { type: 'boolean', default: false },
      out: { type: 'string', default: '.' },
      api: { type: 'string' },
      'state-dir': { type: 'string' },
    },
    allowPositionals: true,
  });
  if (positionals.length !== 1)
    throw new UsageError(`needs exactly one file (received ${positionals.length})`);
  if (!values.export) throw new UsageError('render needs --export (the only render target)');
  // Before anything is submitted: a revision recorded for a file that cannot be written helps
  // nobody.
  await checkOutDir(path.resolve(io.cwd, values.out), values.out);
  const input = await readInputFile(positionals[0]!, io);
  // Over the size limit: refused here, as the API would, without sending megabytes to it.
  const oversized = describeOversizedInput(input);
  if (oversized !== undefined) {
    io.err(oversized);
    return EXIT.failed;
  }

  const interruptions = io.watchInterruptions?.();
  const session = await openBackendSession(values, io, { previewOnly: true });
  try {
    io.out(`using ${session.description}\n`);
    const answer = await callApi(session, 'POST', '/clusters', {
      text: input.text,
      contentType: 'application/yaml',
      // history shows the revision as an export, not as an up.
      headers: { 'x-kube-aws-client': 'cli-export' },
    });
    if (answer.status === 400 && (answer.body as PublicReport).errors !== undefined) {
      const report = relabel(answer.body as PublicReport, input.displayName);
      io.err(`${formatFindingsText({ ...report, warnings: [] }).trimEnd()}\n`);
      return EXIT.failed;
    }
    if (answer.status !== 202) {
      io.err(`kube-aws render: ${describeApiError(answer)}\n`);
      return EXIT.failed;
    }
    const { cluster, revision } = answer.body as { cluster: string; revision: number };
    const finished = await followExecution(session, {
      cluster,
      revision,
      deadlineMs: RENDER_DEADLINE_MS,
      ...(interruptions === undefined ? {} : { signal: interruptions.signal }),
    });
    const template = await callApi(
      session,
      'GET',
      `/clusters/${cluster}/revisions/${revision}/template`,
    );
    if (template.status !== 200) {
      const reason =
        finished.error === undefined
          ? describeApiError(template)
          : `${finished.error.name}: ${finished.error.message}`;
      io.err(
        `kube-aws render: revision ${revision} ended ${finished.status} without a template (${reason})\n`,
      );
      io.err(await describeFailedValidation(session, finished, input.displayName));
      return EXIT.failed;
    }

    const outDir = path.resolve(io.cwd, values.out);
    const target = path.join(outDir, `${cluster}.stack-template.json`);
    await mkdir(outDir, { recursive: true });
    // A fresh random name opened exclusively ('wx'): a link planted in a shared directory is
    // never followed, and the 0600 mode always applies to the file we wrote.
    const temporary = `${target}.${randomBytes(8).toString('hex')}.tmp`;
    await writeFile(temporary, formatTemplate(template.body), { mode: 0o600, flag: 'wx' });
    await rename(temporary, target);
    io.out(
      `${path.relative(io.cwd, target) || target} written from revision ${revision} (${finished.status}; the revision is recorded, see kube-aws history ${cluster})\n`,
    );
    io.out(`${describeExport(session)}\n`);

    return EXIT.ok;
  } catch (error: unknown) {
    if (!(error instanceof InterruptedError)) throw error;
    // Same as up: a run inside this process is recorded FAILED; one elsewhere goes on.
    const recorded =
      (await session.interrupt?.(`interrupted (${error.reason}) during kube-aws render`)) ?? [];
    const what = recorded.map(
      ({ cluster, revision }) =>
        `revision ${revision} of cluster ${cluster} recorded FAILED (interrupted)`,
    );
    io.err(
      `kube-aws render: interrupted (${error.reason}); ${what.length === 0 ? 'no file written' : `${what.join(', ')}; no file written`}\n`,
    );

    return EXIT.failed;
  } finally {
    interruptions?.dispose();
    await session.close();
  }
}

/**
 * `--out` must be a directory this user can write, or a path whose nearest existing folder is
 * one (it is created). Anything else is a usage error.
 */
async function checkOutDir(resolved: string, given: string): Promise<void> {
  let candidate = resolved;
  for (;;) {
    const found = await stat(candidate).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    });
    if (found !== undefined) {
      if (!found.isDirectory()) {
        const what = candidate === resolved ? 'is a file' : `is inside ${candidate}, a file`;
        throw new UsageError(`--out must be a directory (received ${given}, which ${what})`);
      }
      try {
        await access(candidate, constants.W_OK);
      } catch {
        throw new UsageError(
          `--out must be a directory you can write (received ${given}; ${candidate} is not writable)`,
        );
      }
      return;
    }
    const parent = path.dirname(candidate);
    if (parent === candidate) return;
    candidate = parent;
  }
}

/** Whether the written template can be deployed as it is, and why. */
function describeExport(session: BackendSession): string {
  if (session.awsConfig !== undefined) {
    return `deployable: assets are ciphertext of KMS key ${session.awsConfig.assetKeyArn} and userdata is in s3://${session.awsConfig.artifactsBucket}; deploy with aws cloudformation deploy --capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM`;
  }
  if (session.mode === 'embedded') {
    return 'review copy, not deployable: assets are encrypted with the local key of the state dir and userdata is in the local bucket; set the KUBE_AWS_* variables for a deployable export (see README, AWS mode)';
  }

  return `deployable only if the ${session.description} runs in AWS mode (an embedded backend exports review copies)`;
}

/** Stable two-space JSON, so equal templates give equal files. */
function formatTemplate(template: unknown): string {
  return `${JSON.stringify(template, null, 2)}\n`;
}
