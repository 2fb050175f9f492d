import { parseArgs } from 'node:util';
import { CLUSTER_NAME_MAX_LENGTH, isClusterName } from '../lib/cluster-name.ts';
import { UsageError } from './cli-io.ts';

export interface ClusterCommand {
  /** URL-encoded, ready for an API path. */
  cluster: string;
  format: 'text' | 'json';
  backend: { api?: string | undefined; 'state-dir'?: string | undefined };
  /** With `paging`: how many revisions to show, newest first; undefined for `--all`. */
  limit?: number | undefined;
}

/** Revisions `history` shows when neither --limit nor --all is given. */
export const DEFAULT_HISTORY_LIMIT = 20;
const LIMIT_TEXT = /^0*[1-9][0-9]{0,8}$/;

/**
 * The arguments `history` and `status` share: one cluster name, `--format`, and the backend;
 * with `paging` (history), `--limit N` or `--all` too.
 */
export function parseClusterCommand(
  args: string[],
  options: { paging?: boolean } = {},
): ClusterCommand {
  const { values, positionals } = parseArgs({
    args,
    options: {
      api: { type: 'string' },
      'state-dir': { type: 'string' },
      format: { type: 'string', default: 'text' },
      ...(options.paging === true
        ? { limit: { type: 'string' as const }, all: { type: 'boolean' as const } }
        : {}),
    },
    allowPositionals: true,
  });
  if (positionals.length !== 1)
    throw new UsageError(`needs exactly one cluster name (received ${positionals.length})`);
  const name = positionals[0]!;
  // The rule clusterName and the API hold to; a name outside it could only be refused later.
  if (!isClusterName(name)) {
    throw new UsageError(
      `cluster name must start with a letter and hold only letters, digits and hyphens, at most ${CLUSTER_NAME_MAX_LENGTH} (received ${JSON.stringify(name.slice(0, 64))})`,
    );
  }
  if (values.format !== 'text' && values.format !== 'json') {
    throw new UsageError(`--format must be text or json (received ${values.format})`);
  }

  return {
    cluster: encodeURIComponent(name),
    format: values.format,
    backend: { api: values.api, 'state-dir': values['state-dir'] },
    ...(options.paging === true
      ? { limit: readLimit(values as { limit?: string; all?: boolean }) }
      : {}),
  };
}

function readLimit(values: { limit?: string; all?: boolean }): number | undefined {
  if (values.all === true) {
    if (values.limit !== undefined) throw new UsageError('takes --limit N or --all, not both');
    return undefined;
  }
  if (values.limit === undefined) return DEFAULT_HISTORY_LIMIT;
  if (!LIMIT_TEXT.test(values.limit)) {
    throw new UsageError(
      `--limit must be a whole number of at least 1 (received ${JSON.stringify(values.limit.slice(0, 16))})`,
    );
  }

  return Number(values.limit);
}
