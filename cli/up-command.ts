import { parseArgs } from 'node:util';
import * as z from 'zod';
import { formatFindingsText } from '../cluster-config/format-findings.ts';
import { resolveStateDir } from '../embedded/state-dir.ts';
import { CLUSTER_NAME_MAX_LENGTH, CLUSTER_NAME_PATTERN } from '../lib/cluster-name.ts';
import { ENV } from '../lib/env-names.ts';
import { PublicFindingSchema, PublicReportSchema } from '../schemas/finding.ts';
import { type Revision, TERMINAL_STATUSES } from '../schemas/revision.ts';
import {
  type BackendSession,
  BackendUnreachableError,
  callApi,
  describeApiError,
  openBackendSession,
} from './backend-session.ts';
import { checkRotateNames } from './check-rotate-names.ts';
import { type CliIo, EXIT, InterruptedError, UsageError } from './cli-io.ts';
import { describeAnswerProblem } from './describe-answer-problem.ts';
import {
  describeChangePreview,
  summariseChanges,
  summariseChangesSincePlan,
} from './describe-change-preview.ts';
import {
  describeFailedValidation,
  describeOversizedInput,
  describeRefusedSubmission,
  relabel,
} from './describe-failed-validation.ts';
import { followExecution, formatExecutionEvent } from './follow-execution.ts';
import {
  describeQueueExit,
  describeQueuePlace,
  findQueuedAt,
  findQueueExit,
  QUEUE_CHECK_MS,
  type QueueExit,
  QueueNotices,
  readQueuePlace,
} from './place-in-queue.ts';
import { readInputFile } from './read-input-file.ts';

const SUCCESSFUL = new Set(['PLANNED', 'APPLIED', 'NOOP']);

/** The 202 of `POST /clusters`, as far as `up` relies on it. */
const SubmitAnswerSchema = z.object({
  cluster: z.string().max(CLUSTER_NAME_MAX_LENGTH).regex(CLUSTER_NAME_PATTERN),
  revision: z.int().min(1),
  executionArn: z.string().max(2048).optional(),
  queuePosition: z.int().min(1).optional(),
  warnings: z.array(PublicFindingSchema).optional(),
});

const FOLLOW_DEADLINE_MS = 2 * 60 * 60 * 1000;

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
  if (values.rotate !== undefined) checkRotateNames(values.rotate);
  const input = await readInputFile(positionals[0]!, io);
  // Over the size limit: refused here, as the API would, without sending megabytes to it.
  const oversized = describeOversizedInput(input);
  if (oversized !== undefined) {
    io.err(oversized);
    return EXIT.failed;
  }

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
    if (answer.status === 400) {
      const report = PublicReportSchema.safeParse(answer.body);
      if (report.success) {
        io.err(describeRefusedSubmission(report.data, input.displayName));
        return EXIT.failed;
      }
    }
    if (answer.status !== 202) {
      io.err(`kube-aws up: ${describeApiError(answer)}\n`);
      return EXIT.failed;
    }
    // Names and numbers from the answer go into the paths of every later request and into the
    // output, so an answer of another shape (a server that is not this backend) stops here.
    const parsed = SubmitAnswerSchema.safeParse(answer.body);
    if (!parsed.success) {
      io.err(
        `kube-aws up: the API's 202 answer must hold a cluster name and revision number ` +
          `(received ${describeAnswerProblem(parsed.error)}); is ${session.apiUrl} a kube-aws backend?\n`,
      );
      return EXIT.failed;
    }
    const submitted = parsed.data;
    const warnings = relabel(
      { valid: true, errors: [], warnings: submitted.warnings ?? [] },
      input.displayName,
    );
    if (warnings.warnings.length > 0) io.err(formatFindingsText(warnings));
    submittedRevision = { cluster: submitted.cluster, revision: submitted.revision };
    io.out(`revision ${submitted.revision} of cluster ${submitted.cluster} submitted\n`);
    if (submitted.executionArn !== undefined) io.out(`execution ${submitted.executionArn}\n`);
    let queuedSince: number | undefined;
    let notices: QueueNotices | undefined;
    let lastCheck = 0;
    if (submitted.queuePosition !== undefined) {
      // The submit answer's position may be stale by now: the queue is read again.
      const place = await readQueuePlace(session, submitted.cluster, submitted.revision);
      const text = describeQueuePlace(submitted.cluster, submitted.revision, place);
      io.out(`${text}\n`);
      if (place.queued) {
        queuedSince = Date.now();
        lastCheck = queuedSince;
        notices = new QueueNotices(text, queuedSince);
      }
    }
    let lastPolled: Revision | undefined;
    /** Says once that the revision left the queue, from when and into what the backend says. */
    const leaveQueue = (exit: QueueExit | undefined) => {
      if (queuedSince === undefined) return;
      const queuedAt = lastPolled === undefined ? undefined : findQueuedAt(lastPolled);
      const seconds =
        exit?.at === undefined || queuedAt === undefined
          ? (Date.now() - queuedSince) / 1000
          : Math.max(0, (Date.parse(exit.at) - Date.parse(queuedAt)) / 1000);
      io.out(`${describeQueueExit(submitted.revision, exit?.status ?? 'RUNNING', seconds)}\n`);
      queuedSince = undefined;
    };

    const revision = await followExecution(session, {
      cluster: submitted.cluster,
      revision: submitted.revision,
      deadlineMs: FOLLOW_DEADLINE_MS,
      onEvent: (event, events) => {
        // A history event means the run started: the revision was moved to RUNNING first.
        leaveQueue({ status: 'RUNNING', at: events[0]?.timestamp });
        for (const line of formatExecutionEvent(event, events)) io.out(line);
      },
      onPoll: async (current) => {
        lastPolled = current;
        if (queuedSince === undefined) return;
        if (current.status !== 'QUEUED') {
          leaveQueue(findQueueExit(current));
        } else if (Date.now() - lastCheck >= QUEUE_CHECK_MS) {
          lastCheck = Date.now();
          const place = await readQueuePlace(session, submitted.cluster, submitted.revision);
          // The revision may have left the queue since this poll read it; the next poll says so.
          const notice = place.queued
            ? notices?.next(
                describeQueuePlace(submitted.cluster, submitted.revision, place),
                lastCheck,
              )
            : undefined;
          if (notice !== undefined) io.out(`${notice}\n`);
        }
      },
      ...(interruptions === undefined ? {} : { signal: interruptions.signal }),
    });
    printOutcome(revision, (Date.now() - started) / 1000, values.verbose === true, io);
    io.err(await describeFailedValidation(session, revision, input.displayName));

    return SUCCESSFUL.has(revision.status) ? EXIT.ok : EXIT.failed;
  } catch (error: unknown) {
    if (error instanceof BackendUnreachableError && submittedRevision !== undefined) {
      io.err(
        `kube-aws up: ${describeLostBackend(error, session, submittedRevision, values, io)}\n`,
      );
      return EXIT.failed;
    }
    if (!(error instanceof InterruptedError)) throw error;

    return await reportInterruption(error.reason, session, submittedRevision, io);
  } finally {
    interruptions?.dispose();
    await session.close();
  }
}

/**
 * The backend went away while `up` followed a revision (a stopped `serve`): what happened, where
 * the outcome is kept, and the command that reads it. It names no cause it cannot know.
 */
export function describeLostBackend(
  error: BackendUnreachableError,
  session: BackendSession,
  run: { cluster: string; revision: number },
  flags: { api?: string | undefined; 'state-dir'?: string | undefined },
  io: CliIo,
): string {
  const what = `the backend at ${session.apiUrl} stopped while following revision ${run.revision} of cluster ${run.cluster} (received ${error.received})`;
  if (flags.api !== undefined) {
    return `${what}; the run's final status is recorded by that backend: read it with kube-aws history ${run.cluster} --api ${flags.api} once it answers again`;
  }
  const stateDir = resolveStateDir(flags['state-dir'], io.env, io.cwd);
  const option = flags['state-dir'] === undefined ? '' : ` --state-dir ${flags['state-dir']}`;

  return `${what}; the run's final status is recorded in the state dir ${stateDir}: read it with kube-aws history ${run.cluster}${option}`;
}

/**
 * Ctrl-C, SIGTERM or a closed pipe: a run inside this process is aborted and recorded FAILED
 * (lock released) unless it had already recorded its final status; a run in a backend elsewhere
 * goes on, and only the following stops. The exit code follows the submitted revision's status.
 */
async function reportInterruption(
  reason: string,
  session: BackendSession,
  submitted: { cluster: string; revision: number } | undefined,
  io: CliIo,
): Promise<number> {
  if (session.interrupt !== undefined) {
    const recorded: InterruptedRun[] = await session.interrupt(
      `interrupted (${reason}) while kube-aws up ran it in-process; submit the file again`,
    );
    const own =
      submitted === undefined ? undefined : await readOwnRun(session, submitted, recorded);
    const { message, code } = describeInterruptedRuns(reason, recorded, own);
    io.err(message);

    return code;
  }
  const what =
    submitted === undefined
      ? 'nothing was followed'
      : `revision ${submitted.revision} of cluster ${submitted.cluster} goes on in the ${session.description}; follow it with kube-aws history ${submitted.cluster}`;
  io.err(`kube-aws up: interrupted (${reason}); ${what}\n`);

  return EXIT.failed;
}

/**
 * One run the backend's interrupt handled. Its results carry what the store holds now (the
 * embedded backend's `recordRunsFailed`); the fields are optional because the session's type
 * promises only the names.
 */
export interface InterruptedRun {
  cluster: string;
  revision: number;
  status?: string;
  alreadyFinished?: boolean;
  releasedLock?: boolean;
}

/** The submitted revision's run: from the interrupt's results, else as the API reads it now. */
async function readOwnRun(
  session: BackendSession,
  submitted: { cluster: string; revision: number },
  recorded: readonly InterruptedRun[],
): Promise<InterruptedRun | undefined> {
  const found = recorded.find(
    (run) => run.cluster === submitted.cluster && run.revision === submitted.revision,
  );
  if (found !== undefined) return found;
  const answer = await callApi(
    session,
    'GET',
    `/clusters/${encodeURIComponent(submitted.cluster)}/revisions/${submitted.revision}`,
  );
  if (answer.status !== 200) return undefined;
  const status = (answer.body as Revision).status;

  return { ...submitted, status, alreadyFinished: TERMINAL_STATUSES.includes(status) };
}

/**
 * The interruption line, saying for each run what the store holds: recorded FAILED now, or the
 * final status it had reached before; a lock release is named only when this stop made it.
 */
export function describeInterruptedRuns(
  reason: string,
  recorded: readonly InterruptedRun[],
  own: InterruptedRun | undefined,
): { message: string; code: number } {
  const runs = [...recorded];
  if (own !== undefined && own.alreadyFinished === true && !runs.includes(own)) runs.push(own);
  const parts = runs.map((run) => {
    const name = `revision ${run.revision} of cluster ${run.cluster}`;
    if (run.alreadyFinished === true) return `${name} had already finished: ${run.status}`;

    return run.releasedLock === false
      ? `${name} recorded FAILED (interrupted)`
      : `${name} recorded FAILED (interrupted) and the cluster lock released`;
  });
  const message =
    parts.length === 0
      ? `kube-aws up: interrupted (${reason}); no run was in progress\n`
      : `kube-aws up: interrupted (${reason}); ${parts.join(', ')}\n`;
  const finished = own?.alreadyFinished === true && SUCCESSFUL.has(own.status ?? '');

  return { message, code: finished ? EXIT.ok : EXIT.failed };
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
  const sincePlan = summariseChangesSincePlan(revision.changeSummary);
  if (sincePlan !== '') io.out(`${sincePlan}\n`);
  const preview = describeChangePreview(revision.changeSummary);
  if (verbose && preview !== '') io.out(`change preview:\n${preview}\n`);
  else if (preview !== '') io.out('the full change preview prints with --verbose\n');
  if (revision.error !== undefined)
    io.out(`error: ${revision.error.name}: ${revision.error.message}\n`);
}
