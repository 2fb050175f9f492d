import { InvariantError } from '../lib/errors.ts';

/** Step Functions allows 80 characters from this set in an execution name. */
const EXECUTION_NAME_PATTERN = /^[A-Za-z0-9_-]{1,80}$/;

/**
 * The execution of revision N of a cluster is named `<cluster>-<N>`, so a duplicate start of the
 * same revision is refused by Step Functions itself rather than starting a second run.
 */
export function deriveExecutionName(cluster: string, revision: number): string {
  const name = `${cluster}-${revision}`;
  if (!EXECUTION_NAME_PATTERN.test(name)) {
    throw new InvariantError(
      `executionName must match [A-Za-z0-9_-] and be at most 80 characters (received ${name.length} characters)`,
    );
  }

  return name;
}
