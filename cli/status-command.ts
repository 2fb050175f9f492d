import { hasStarted } from '../revisions/has-started.ts';
import type { ClusterRecord } from '../schemas/revision.ts';
import { callApi, describeApiError, openBackendSession } from './backend-session.ts';
import { type CliIo, EXIT } from './cli-io.ts';
import { describeFailedValidation } from './describe-failed-validation.ts';
import { describeRefusedUpload, describeRevisionError } from './describe-revision-error.ts';
import { parseClusterCommand } from './parse-cluster-command.ts';
import { findLatestNumber, readRevisions } from './read-revisions.ts';

/**
 * `kube-aws status <cluster>`: latest and last applied revision, the lock and the queue; the
 * error of a failed latest revision, and its findings when it failed validation.
 */
export async function runStatusCommand(args: string[], io: CliIo): Promise<number> {
  const { cluster, format, backend } = parseClusterCommand(args);

  const session = await openBackendSession(backend, io, { requireExistingState: true });
  try {
    // On stderr, so --format json stays parseable.
    io.err(`using ${session.description}\n`);
    const recordAnswer = await callApi(session, 'GET', `/clusters/${cluster}`);
    if (recordAnswer.status !== 200) {
      const hint =
        recordAnswer.status === 404 ? `; ${await describeRefusedUpload(session, cluster)}` : '';
      io.err(`kube-aws status: ${describeApiError(recordAnswer)}${hint}\n`);
      return EXIT.failed;
    }
    const record = recordAnswer.body as ClusterRecord;
    // The latest revision and the queue: revisions newest first down to the newest that has
    // started, as no older one can still be queued.
    const { revisions } = await readRevisions(session, cluster, { stop: hasStarted });
    const latestNumber = findLatestNumber(record, revisions);
    const latest = revisions.find((revision) => revision.revision === latestNumber);
    const queued = revisions
      .filter((revision) => revision.status === 'QUEUED')
      .map((revision) => revision.revision)
      .sort((a, b) => a - b);
    if (format === 'json') {
      const shown = {
        ...record,
        latestRevision: latestNumber,
        latestStatus: latest?.status,
        queued,
      };
      io.out(`${JSON.stringify(shown, null, 2)}\n`);
      return EXIT.ok;
    }
    io.out(`cluster       ${record.cluster}\n`);
    io.out(
      `latest        ${latestNumber}${latest === undefined ? '' : ` ${latest.status} (updated ${latest.updatedAt})`}\n`,
    );
    const error = latest === undefined ? undefined : describeRevisionError(latest);
    if (error !== undefined) io.out(`error         ${error}\n`);
    io.out(`last applied  ${record.lastApplied ?? 'none'}\n`);
    io.out(
      `lock          ${record.lock === undefined ? 'free' : `held by revision ${record.lock.revision} until ${record.lock.expiresAt}`}\n`,
    );
    io.out(`queued        ${queued.length === 0 ? 'none' : queued.join(', ')}\n`);
    // An upload that failed the Validate state has only this place to show its findings.
    if (latest !== undefined)
      io.out(await describeFailedValidation(session, latest, 'cluster.yaml'));

    return EXIT.ok;
  } finally {
    await session.close();
  }
}
