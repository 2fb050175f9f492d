/**
 * `npm run bench`: every benchmark of the product in one run, each figure beside a reference
 * measured in the same run, printed as a table and written to bench/results.json as
 * `[{name, value, unit, reference, ratio, runs}]`. The PKI, render and functions benches are
 * other scripts; they run as child processes and their printed figures are read back.
 *
 *   npm run bench [-- --quick] [-- --out FILE] [-- --only validation,pipeline,throughput,pki,render,functions]
 *   npm run bench -- --help
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { type BenchRow, formatTable, makeRow } from './bench-support.ts';
import { BenchUsageError, parseBenchArgs } from './parse-bench-args.ts';
import { runPipelineBench } from './pipeline-bench.ts';
import { runThroughputBench } from './throughput-bench.ts';
import { runValidationBench } from './validation-bench.ts';

const BENCH_DIR = import.meta.dirname;
const CHILD_TIMEOUT_MS = 15 * 60 * 1000;

const SECTION_KEYS = ['validation', 'pipeline', 'throughput', 'pki', 'render', 'functions'];
const USAGE = `usage: npm run bench [-- --quick] [-- --only PARTS] [-- --out FILE]
  --quick  fewer runs per figure and one throughput round (a check, not a result to publish)
  --only   some parts, comma-separated: ${SECTION_KEYS.join(', ')}
  --out    where to write the rows (default bench/results.json; a --quick or --only run
           writes only with --out, so it never replaces the published results)
`;
const values = parseBenchArgs(
  'npm run bench',
  USAGE,
  {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    only: { type: 'string' },
  },
  (given) => {
    const only =
      typeof given.only === 'string' ? given.only.split(',').map((key) => key.trim()) : undefined;
    const unknown = only?.filter((key) => !SECTION_KEYS.includes(key)) ?? [];
    if (unknown.length > 0) {
      throw new BenchUsageError(
        `--only must name ${SECTION_KEYS.join(', ')} (received ${unknown.join(', ')})`,
      );
    }
    return {
      quick: given.quick === true,
      out: typeof given.out === 'string' ? given.out : undefined,
      only,
    };
  },
);
const quick = values.quick;
const outFile = path.resolve(values.out ?? path.join(BENCH_DIR, 'results.json'));

const allSections: Array<{ key: string; title: string; run: () => Promise<BenchRow[]> }> = [
  { key: 'validation', title: 'validation', run: () => runValidationBench({ quick }) },
  { key: 'pipeline', title: 'embedded pipeline', run: () => runPipelineBench({ quick }) },
  { key: 'throughput', title: 'embedded throughput', run: () => runThroughputBench({ quick }) },
  { key: 'pki', title: 'pki (bench/pki-bench.ts)', run: () => readPkiBench() },
  { key: 'render', title: 'render (bench/render-bench.ts)', run: () => readRenderBench() },
  {
    key: 'functions',
    title: 'functions (bench/functions-bench.ts)',
    run: () => readFunctionsBench(),
  },
];
const only = values.only;
const sections = allSections.filter((section) => only === undefined || only.includes(section.key));
// A partial or quick run writes only with an explicit --out, so it never replaces the published
// bench/results.json.
const writeResults = (only === undefined && !quick) || values.out !== undefined;

console.log(describeMachine());
const rows: BenchRow[] = [];
const failures: string[] = [];
const started = performance.now();
for (const section of sections) {
  const sectionStarted = performance.now();
  process.stdout.write(`\n== ${section.title}\n`);
  try {
    const sectionRows = await section.run();
    rows.push(...sectionRows);
    process.stdout.write(formatTable(sectionRows));
  } catch (error: unknown) {
    // One bench that breaks must not hide the others' figures; the exit code still says so.
    const message = error instanceof Error ? error.message : String(error);
    failures.push(`${section.title}: ${message}`);
    process.stdout.write(`failed: ${message}\n`);
  }
  process.stdout.write(`(${((performance.now() - sectionStarted) / 1000).toFixed(0)} s)\n`);
}

if (writeResults) await writeFile(outFile, `${JSON.stringify(rows, null, 2)}\n`);
console.log(`\n== all figures (each the median of the runs shown)\n${formatTable(rows)}`);
console.log(
  `${writeResults ? `wrote ${rows.length} rows to ${path.relative(process.cwd(), outFile)}` : `${rows.length} rows (not written: --quick or --only without --out)`} in ${((performance.now() - started) / 1000).toFixed(0)} s; load average at the end ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
for (const failure of failures) console.error(`bench failed: ${failure}`);
process.exitCode = failures.length > 0 ? 1 : 0;

function describeMachine(): string {
  const model = cpus()[0]?.model ?? 'unknown cpu';
  return [
    `node ${process.version}, ${availableParallelism()} cpus (${model}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory`,
    `load average at the start ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}${quick ? ', --quick: fewer runs per figure' : ''}`,
  ].join('\n');
}

/** Runs another bench script with this same Node and tsx, and returns what it printed. */
async function runScript(file: string): Promise<string> {
  const child = spawn(process.execPath, [...process.execArgv, path.join(BENCH_DIR, file)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KUBE_AWS_LOG_LEVEL: process.env.KUBE_AWS_LOG_LEVEL ?? 'WARN' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const timer = setTimeout(() => child.kill('SIGTERM'), CHILD_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  if (code !== 0) {
    throw new Error(
      `${file} exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
    );
  }

  return stdout;
}

function requireMatch(text: string, pattern: RegExp, file: string): RegExpExecArray {
  const match = pattern.exec(text);
  if (match === null)
    throw new Error(`${file} output must contain ${pattern.source} (received none)`);

  return match;
}

async function readPkiBench(): Promise<BenchRow[]> {
  const file = 'pki-bench.ts';
  const text = await runScript(file);
  const runs = Number(requireMatch(text, /runs per row: (\d+)/, file)[1]);
  const lines = [...text.matchAll(/^(\S.*?)\s{2,}([\d.]+)\s+[\d.]+x$/gm)];
  const reference = lines.find((line) => line[1]?.includes('(reference)'));
  if (reference === undefined) throw new Error(`${file} output must have an openssl reference row`);
  const opensslRef = {
    name: reference[1]?.replace(' (reference)', '') ?? 'openssl',
    value: Number(reference[2]),
  };

  return lines
    .filter((line) => line !== reference)
    .map((line) => makeRow(`pki: ${line[1]}`, Number(line[2]), 'ms', runs, opensslRef));
}

async function readRenderBench(): Promise<BenchRow[]> {
  const file = 'render-bench.ts';
  const text = await runScript(file);
  const ours = requireMatch(
    text,
    /render \+ check \+ canonical JSON: median ([\d.]+) ms of (\d+)/,
    file,
  );
  const cdk = requireMatch(
    text,
    /aws-cdk-lib synth, same resources: median ([\d.]+) ms of (\d+)/,
    file,
  );
  const validated = requireMatch(
    text,
    /aws-cdk-lib synth with built-in validation: median ([\d.]+) ms of (\d+)/,
    file,
  );
  const stack = requireMatch(text, /^stack: (.*)$/m, file)[1];
  const ourMs = Number(ours[1]);

  return [
    makeRow(`render stack (${stack})`, ourMs, 'ms', Number(ours[2]), {
      name: `aws-cdk-lib synth of the same resources (${cdk[2]} runs)`,
      value: Number(cdk[1]),
    }),
    makeRow('render stack, same', ourMs, 'ms', Number(ours[2]), {
      name: `aws-cdk-lib synth with built-in validation (${validated[2]} runs)`,
      value: Number(validated[1]),
    }),
  ];
}

async function readFunctionsBench(): Promise<BenchRow[]> {
  const file = 'functions-bench.ts';
  const text = await runScript(file);
  // Read by column name, so a column the bench adds later does not shift the others.
  const bareMs = Number(requireMatch(text, /bare node: ([\d.]+) ms/, file)[1]);
  const bareRss = Number(requireMatch(text, /bare node: .*?([\d.]+) MiB rss/, file)[1]);
  const runs = Number(requireMatch(text, /bare node: .*\(median of (\d+)\)/, file)[1]);
  const lines = text.split('\n');
  const headerAt = lines.findIndex((line) => /^\s*function\s{2,}KiB\s{2,}/.test(line));
  if (headerAt < 0) throw new Error(`${file} output must have its table header (received none)`);
  const columns = (lines[headerAt] ?? '').trim().split(/\s{2,}/);
  const column = (cells: string[], name: string) => Number(cells[columns.indexOf(name)]);
  const bareRef = { name: 'bare node started the same way', value: bareMs };
  const rows: BenchRow[] = [];
  for (const line of lines.slice(headerAt + 1)) {
    const cells = line.trim().split(/\s+/);
    if (cells.length !== columns.length) break;
    const name = cells[0] ?? '';
    rows.push(
      makeRow(`function ${name}: bundle size (minified)`, column(cells, 'KiB'), 'KiB', 1),
      makeRow(`function ${name}: cold import`, column(cells, 'import ms'), 'ms', runs, bareRef),
      makeRow(`function ${name}: rss after import`, column(cells, 'rss MiB'), 'MiB', runs, {
        name: 'bare node',
        value: bareRss,
      }),
    );
  }
  // A function that does not build has no figures; say so rather than drop it silently.
  for (const line of text.matchAll(/^\s*([a-z][-a-z0-9]*)\s+(missing|failed)\b/gm)) {
    const name = line[1] ?? '';
    const problem = text.split('\n').find((candidate) => candidate.startsWith(`${name}: `));
    console.log(
      `function ${name}: ${line[2]} in ${file}, not measured${problem === undefined ? '' : ` (${problem})`}`,
    );
  }
  if (rows.length === 0) throw new Error(`${file} printed no function rows`);

  return rows;
}
