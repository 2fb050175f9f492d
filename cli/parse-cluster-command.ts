import { parseArgs } from 'node:util';
import { CLUSTER_NAME_MAX_LENGTH, isClusterName } from '../lib/cluster-name.ts';
import { UsageError } from './cli-io.ts';

export interface ClusterCommand {
  /** URL-encoded, ready for an API path. */
  cluster: string;
  format: 'text' | 'json';
  backend: { api?: string | undefined; 'state-dir'?: string | undefined };
}

/** The arguments `history` and `status` share: one cluster name, `--format`, and the backend. */
export function parseClusterCommand(args: string[]): ClusterCommand {
  const { values, positionals } = parseArgs({
    args,
    options: {
      api: { type: 'string' },
      'state-dir': { type: 'string' },
      format: { type: 'string', default: 'text' },
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
  };
}
