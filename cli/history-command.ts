import type { Revision } from '../schemas/revision.ts';
import { callApi, describeApiError, openBackendSession } from './backend-session.ts';
import { type CliIo, EXIT } from './cli-io.ts';
import { describeRefusedUpload, describeRevisionError } from './describe-revision-error.ts';
import { parseClusterCommand } from './parse-cluster-command.ts';

/** `kube-aws history <cluster>`: every revision, newest first, with status and timestamps. */
export async function runHistoryCommand(args: string[], io: CliIo): Promise<number> {
  const { cluster, format, backend } = parseClusterCommand(args);

  const session = await openBackendSession(backend, io, { requireExistingState: true });
  try {
    // On stderr, so --format json stays parseable.
    io.err(`using ${session.description}\n`);
    const answer = await callApi(session, 'GET', `/clusters/${cluster}/revisions`);
    if (answer.status !== 200) {
      const hint =
        answer.status === 404 ? `; ${await describeRefusedUpload(session, cluster)}` : '';
      io.err(`kube-aws history: ${describeApiError(answer)}${hint}\n`);
      return EXIT.failed;
    }
    const { revisions } = answer.body as { revisions: Revision[] };
    if (format === 'json') {
      io.out(`${JSON.stringify(revisions, null, 2)}\n`);
      return EXIT.ok;
    }
    io.out(formatRevisionTable(revisions));
    // The table has no room for why a revision failed; a validation error says where to look.
    for (const revision of revisions) {
      const error = describeRevisionError(revision);
      if (error !== undefined) io.out(`revision ${revision.revision}: ${error}\n`);
    }

    return EXIT.ok;
  } finally {
    await session.close();
  }
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
