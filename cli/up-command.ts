import { parseArgs } from 'node:util';
import { formatFindingsText, type PublicReport } from '../cluster-config/format-findings.ts';
import { ENV } from '../lib/env-names.ts';
import type { ExecutionEvent } from '../ports/workflow.ts';
import type { ValidationReport } from '../schemas/finding.ts';
import type { Revision } from '../schemas/revision.ts';
import {
  type BackendSession,
  callApi,
  describeApiError,
  openBackendSession,
} from './backend-session.ts';
import { type CliIo, countOf, EXIT, InterruptedError, UsageError } from './cli-io.ts';
import { describeChangePreview, summariseChanges } from './describe-change-preview.ts';
import { followExecution } from './follow-execution.ts';
import { readInputFile } from './read-input-file.ts';

const SUCCESSFUL = new Set(['PLANNED', 'APPLIED', 'NOOP']);
const FOLLOW_DEADLINE_MS = 2 * 60 * 60 * 1000;
/** How often a queued `up` says it still waits. */
const QUEUED_NOTICE_MS = 30_000;

/** `kube-aws up <file> [--api URL]`: submit, follow the run state by state, print the outcome. */
export async function runUpCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      api: { type: 'string' },
      'state-dir': { type: 'string' },
      rotate: { type: 'string' },
      'allow-replace': { type: 'boolean' },
      verbose: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  if (positionals.length !== 1)
    throw new UsageError(`needs exactly one file (received ${positionals.length})`);
  const input = await readInputFile(positionals[0]!, io);

  const started = Date.now();
  const interruptions = io.watchInterruptions?.();
  const session = await openBackendSession(values, io);
  let submittedRevision: { cluster: string; revision: number } | undefined;
  try {
    io.out(`using ${session.description}\n`);
    const answer = await callApi(session, 'POST', '/clusters', {
      text: input.text,
      contentType: 'application/yaml',
      headers: {
        ...(values.rotate === undefined ? {} : { 'x-kube-aws-rotate': values.rotate }),
        ...(values['allow-replace'] === true ? { 'x-kube-aws-allow-replace': 'true' } : {}),
      },
    });
    if (answer.status === 400 && (answer.body as PublicReport).errors !== undefined) {
      const report = answer.body as PublicReport;
      const relabelled = relabel(report, input.displayName);
      io.err(`${formatFindingsText(relabelled).trimEnd()}\n`);
      io.err(`${input.displayName}: not submitted (${countOf(report.errors.length, 'error')})\n`);
      return EXIT.failed;
    }
    if (answer.status !== 202) {
      io.err(`kube-aws up: ${describeApiError(answer)}\n`);
      return EXIT.failed;
    }
    const submitted = answer.body as {
      cluster: string;
      revision: number;
      executionArn?: string;
      queuePosition?: number;
      warnings?: PublicReport['warnings'];
    };
    const warnings = relabel(
      { valid: true, errors: [], warnings: submitted.warnings ?? [] },
      input.displayName,
    );
    if (warnings.warnings.length > 0) io.err(formatFindingsText(warnings));
    submittedRevision = { cluster: submitted.cluster, revision: submitted.revision };
    io.out(`revision ${submitted.revision} of cluster ${submitted.cluster} submitted\n`);
    if (submitted.executionArn !== undefined) io.out(`execution ${submitted.executionArn}\n`);
    let queuedSince: number | undefined;
    let lastNotice = 0;
    if (submitted.queuePosition !== undefined) {
      io.out(
        `queued at position ${submitted.queuePosition}: ${await describeLockHolder(session, submitted.cluster)}\n`,
      );
      queuedSince = Date.now();
      lastNotice = queuedSince;
    }

    const revision = await followExecution(session, {
      cluster: submitted.cluster,
      revision: submitted.revision,
      deadlineMs: FOLLOW_DEADLINE_MS,
      onEvent: (event, events) => printEvent(event, events, io),
      onPoll: async (current) => {
        if (queuedSince === undefined) return;
        if (current.status !== 'QUEUED') {
          io.out(
            `revision ${current.revision} left the queue after ${Math.round((Date.now() - queuedSince) / 1000)} s: ${current.status}\n`,
          );
          queuedSince = undefined;
        } else if (Date.now() - lastNotice >= QUEUED_NOTICE_MS) {
          lastNotice = Date.now();
          io.out(`still queued: ${await describeLockHolder(session, submitted.cluster)}\n`);
        }
      },
      ...(interruptions === undefined ? {} : { signal: interruptions.signal }),
    });
    printOutcome(revision, (Date.now() - started) / 1000, values.verbose === true, io);

    return SUCCESSFUL.has(revision.status) ? EXIT.ok : EXIT.failed;
  } catch (error: unknown) {
    if (!(error instanceof InterruptedError)) throw error;

    return await reportInterruption(error.reason, session, submittedRevision, io);
  } finally {
    interruptions?.dispose();
    await session.close();
  }
}

/** Who holds the cluster's lock, so a queued `up` says whom it waits for. */
async function describeLockHolder(session: BackendSession, cluster: string): Promise<string> {
  const answer = await callApi(session, 'GET', `/clusters/${encodeURIComponent(cluster)}`);
  const holder = (answer.body as { lock?: { revision: number; expiresAt: string } } | undefined)
    ?.lock;
  if (answer.status !== 200 || holder === undefined) return 'waiting for the cluster lock';

  return `waiting for revision ${holder.revision} of cluster ${cluster}, which holds the lock (lease until ${holder.expiresAt})`;
}

/**
 * Ctrl-C, SIGTERM or a closed pipe: a run inside this process is aborted and recorded FAILED
 * (lock released); a run in a backend elsewhere goes on, and only the following stops.
 */
async function reportInterruption(
  reason: string,
  session: BackendSession,
  submitted: { cluster: string; revision: number } | undefined,
  io: CliIo,
): Promise<number> {
  if (session.interrupt !== undefined) {
    const recorded = await session.interrupt(
      `interrupted (${reason}) while kube-aws up ran it in-process; submit the file again`,
    );
    const names = recorded.map(
      ({ cluster, revision }) => `revision ${revision} of cluster ${cluster}`,
    );
    io.err(
      names.length === 0
        ? `kube-aws up: interrupted (${reason}); no run was in progress\n`
        : `kube-aws up: interrupted (${reason}); ${names.join(', ')} recorded FAILED (interrupted) and the cluster lock released\n`,
    );

    return EXIT.failed;
  }
  const what =
    submitted === undefined
      ? 'nothing was followed'
      : `revision ${submitted.revision} of cluster ${submitted.cluster} goes on in the ${session.description}; follow it with kube-aws history ${submitted.cluster}`;
  io.err(`kube-aws up: interrupted (${reason}); ${what}\n`);

  return EXIT.failed;
}

function printEvent(event: ExecutionEvent, events: readonly ExecutionEvent[], io: CliIo): void {
  const state = event.state ?? '';
  if (event.type === 'StateExited') {
    const entered = events.findLast(
      (candidate) => candidate.type === 'StateEntered' && candidate.state === state,
    );
    const seconds =
      entered === undefined
        ? 0
        : (Date.parse(event.timestamp) - Date.parse(entered.timestamp)) / 1000;
    io.out(`  ${state.padEnd(18)} succeeded  ${seconds.toFixed(2)}s\n`);
  } else if (event.type === 'StateFailed') {
    io.out(`  ${state.padEnd(18)} failed     ${event.error ?? 'Error'}: ${event.cause ?? ''}\n`);
  } else if (event.type === 'StateRetried') {
    io.out(`  ${state.padEnd(18)} retrying   ${event.cause ?? ''}\n`);
  }
}

function printOutcome(revision: Revision, seconds: number, verbose: boolean, io: CliIo): void {
  io.out(
    `revision ${revision.revision} of cluster ${revision.cluster}: ${revision.status} (${seconds.toFixed(1)}s)\n`,
  );
  if (revision.status === 'PLANNED') {
    io.out(
      'nothing was deployed: the embedded backend computes the change and records it as PLANNED.\n',
    );
    io.out(
      `To apply for real, set AWS credentials, ${ENV.region}, ${ENV.artifactsBucket}, ${ENV.submissionsBucket}, ${ENV.revisionsTable} and ${ENV.assetKeyArn} (AWS_ENDPOINT_URL for an emulator); see README, AWS mode.\n`,
    );
  }
  const counted = summariseChanges(revision.changeSummary);
  if (counted !== '') io.out(`${counted}\n`);
  const preview = describeChangePreview(revision.changeSummary);
  if (verbose && preview !== '') io.out(`change preview:\n${preview}\n`);
  else if (preview !== '') io.out('the full change preview prints with --verbose\n');
  if (revision.error !== undefined)
    io.out(`error: ${revision.error.name}: ${revision.error.message}\n`);
}

/**
 * The API's public findings carry no severity (their list says it) and name the uploaded
 * document; restore the severity and show the path the user typed.
 */
export function relabel(report: PublicReport, file: string): ValidationReport {
  return {
    valid: report.valid,
    errors: report.errors.map((finding) => ({ ...finding, file, severity: 'error' as const })),
    warnings: report.warnings.map((finding) => ({
      ...finding,
      file,
      severity: 'warning' as const,
    })),
  };
}
