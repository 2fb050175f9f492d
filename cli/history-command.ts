import type { ClusterRecord, Revision } from '../schemas/revision.ts';
import { callApi, describeApiError, openBackendSession } from './backend-session.ts';
import { type CliIo, EXIT } from './cli-io.ts';
import { describeRefusedUpload, describeRevisionError } from './describe-revision-error.ts';
import { parseClusterCommand } from './parse-cluster-command.ts';
import { findLatestNumber, readRevisions } from './read-revisions.ts';

/**
 * `kube-aws history <cluster>`: the newest revisions (20, `--limit N` or `--all`), newest first,
 * with status and timestamps.
 */
export async function runHistoryCommand(args: string[], io: CliIo): Promise<number> {
  const { cluster, format, backend, limit } = parseClusterCommand(args, { paging: true });

  const session = await openBackendSession(backend, io, { requireExistingState: true });
  try {
    // On stderr, so --format json stays parseable.
    io.err(`using ${session.description}\n`);
    // The cluster record first: a cluster with no revision is told apart from a failing read.
    const recordAnswer = await callApi(session, 'GET', `/clusters/${cluster}`);
    if (recordAnswer.status !== 200) {
      const hint =
        recordAnswer.status === 404 ? `; ${await describeRefusedUpload(session, cluster)}` : '';
      io.err(`kube-aws history: ${describeApiError(recordAnswer)}${hint}\n`);
      return EXIT.failed;
    }
    const record = recordAnswer.body as ClusterRecord;
    const { revisions, more } = await readRevisions(session, cluster, {
      ...(limit === undefined ? {} : { count: limit }),
    });
    if (format === 'json') {
      io.out(`${JSON.stringify(revisions, null, 2)}\n`);
      if (more) io.err(describeMore(revisions.length, findLatestNumber(record, revisions)));
      return EXIT.ok;
    }
    io.out(formatRevisionTable(revisions));
    // The table has no room for why a revision failed; a validation error says where to look.
    for (const revision of revisions) {
      const error = describeRevisionError(revision);
      if (error !== undefined) io.out(`revision ${revision.revision}: ${error}\n`);
    }

    if (more) io.out(describeMore(revisions.length, findLatestNumber(record, revisions)));

    return EXIT.ok;
  } finally {
    await session.close();
  }
}

/** `showing the newest 1 of 12 revisions; ...`: revisions are numbered without gaps from 1. */
function describeMore(shown: number, total: number): string {
  return `showing the newest ${shown} of ${total} revisions; --limit N shows more, --all every one\n`;
}

export function formatRevisionTable(revisions: readonly Revision[]): string {
  const rows = [
    ['REVISION', 'STATUS', 'SOURCE', 'SUBMITTER', 'CREATED', 'UPDATED'],
    ...revisions.map((revision) => [
      String(revision.revision),
      revision.status,
      revision.source.kind,
      revision.submitter,
      revision.createdAt,
      revision.updatedAt,
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));

  return rows
    .map(
      (row) =>
        `${row
          .map((cell, column) => cell.padEnd(widths[column]!))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}
