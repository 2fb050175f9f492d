import { type ParseArgsConfig, parseArgs } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** A usage mistake in a bench script's arguments: printed as one line with the usage, exit 2. */
export class BenchUsageError extends Error {
  override name = 'BenchUsageError';
}

/**
 * The flags of a bench script. `--help` prints `usage` and exits 0; an unknown flag, a missing
 * value or a `BenchUsageError` thrown by `check` prints `<script>: <message>` and the usage on
 * stderr and exits 2, never a stack trace.
 */
export function parseBenchArgs<T>(
  script: string,
  usage: string,
  options: Options,
  check: (values: Record<string, string | boolean | undefined>) => T,
): T {
  try {
    const { values } = parseArgs({ options: { ...options, help: { type: 'boolean' } } });
    if (values.help === true) {
      process.stdout.write(usage);
      process.exit(0);
    }

    return check(values as Record<string, string | boolean | undefined>);
  } catch (error: unknown) {
    const isUsage =
      error instanceof BenchUsageError ||
      (error as { code?: unknown }).code?.toString().startsWith('ERR_PARSE_ARGS') === true;
    if (!isUsage) throw error;
    process.stderr.write(`${script}: ${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
}

/** A flag's value as a positive number, or a usage error naming the flag. */
export function readPositive(flag: string, text: string | boolean | undefined): number {
  const value = Number(text);
  if (typeof text !== 'string' || !Number.isFinite(value) || value <= 0) {
    throw new BenchUsageError(
      `${flag} must be a positive number (received ${JSON.stringify(text)})`,
    );
  }

  return value;
}
