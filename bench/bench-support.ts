import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { logger } from '../lib/logger.ts';

/** One line of `bench/results.json`: a figure, the reference it is set beside, and their ratio. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** Measured in the same run; `null` when the figure stands alone (a count or a size). */
  reference: { name: string; value: number } | null;
  /** value / reference.value; `null` without a reference. */
  ratio: number | null;
  /** How many runs the median is taken over. */
  runs: number;
}

export function makeRow(
  name: string,
  value: number,
  unit: string,
  runs: number,
  reference?: { name: string; value: number },
): BenchRow {
  return {
    name,
    value: round(value),
    unit,
    reference: reference === undefined ? null : { ...reference, value: round(reference.value) },
    ratio: reference === undefined ? null : round(value / reference.value),
    runs,
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);

  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** The nearest-rank percentile (p in 0..100). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));

  return sorted[rank - 1] ?? Number.NaN;
}

/** Milliseconds of each of `runs` calls, after one untimed warm-up call. */
export async function timeRuns(runs: number, run: () => unknown): Promise<number[]> {
  await run();
  const times: number[] = [];
  for (let index = 0; index < runs; index += 1) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }

  return times;
}

/** Milliseconds per call of a fast function: calls in batches lasting about `batchMs` each. */
export function timePerCall(runs: number, batchMs: number, run: () => unknown): number[] {
  let batch = 1;
  for (;;) {
    const started = performance.now();
    for (let index = 0; index < batch; index += 1) run();
    if (performance.now() - started >= batchMs / 4 || batch >= 1 << 20) break;
    batch *= 2;
  }
  batch *= 4;
  const perCall: number[] = [];
  for (let index = 0; index < runs; index += 1) {
    const started = performance.now();
    for (let call = 0; call < batch; call += 1) run();
    perCall.push((performance.now() - started) / batch);
  }

  return perCall;
}

export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  const magnitude = Math.abs(value);
  const digits = magnitude >= 100 ? 1 : magnitude >= 1 ? 2 : 4;

  return Number(value.toFixed(digits));
}

export function formatTable(rows: readonly BenchRow[]): string {
  const cells = rows.map((row) => [
    row.name,
    `${row.value} ${row.unit}`,
    row.reference === null ? '' : `${row.reference.value} ${row.unit}  ${row.reference.name}`,
    row.ratio === null ? '' : `${row.ratio}x`,
    String(row.runs),
  ]);
  const header = ['figure', 'value', 'reference (same run)', 'ratio', 'runs'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((line) => line[column]?.length ?? 0)),
  );
  const format = (line: string[]) =>
    line
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();

  return [format(header), format(widths.map((width) => '-'.repeat(width))), ...cells.map(format)]
    .join('\n')
    .concat('\n');
}

/** A temporary state directory, removed by the returned function. */
export async function makeStateDir(
  prefix: string,
): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));

  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** The backend's per-request INFO lines would bury the table; warnings and errors still show. */
export function quietLogger(): void {
  if (process.env.KUBE_AWS_LOG_LEVEL === undefined) logger.setLogLevel('WARN');
}
