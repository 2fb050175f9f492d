/**
 * Bundle size and cold import time of every function, built exactly as the CDK app bundles them
 * (infra/function-bundling.ts). Import time is the wall time of `node` importing the bundle,
 * against bare `node` started the same way in this same run; medians of RUNS each.
 *
 *   npx tsx bench/functions-bench.ts
 *
 * Targets: under 600 KiB minified and under 150 ms over bare Node. The resident set after the
 * import is printed too: it is the floor each function's memory setting sits on. So is the CPU
 * time of the import over bare Node's, which moves far less than wall time on a busy machine.
 *
 * Every function must load its AWS SDK clients lazily (dynamic `import()` on first use), and no
 * local-mode or tooling package may reach a bundle; a function that breaks either is marked.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { PROJECT_ROOT, resolveHandlerEntry, toEsbuildOptions } from '../infra/function-bundling.ts';
import { BACKEND_FUNCTIONS, FUNCTION_SPECS } from '../infra/function-specs.ts';
import { createPlaceholderEnvironment } from '../infra/placeholder-environment.ts';

const RUNS = 5;
/** Local-mode emulators, the embedded preview and CDK itself: never part of a Lambda function. */
const FORBIDDEN_PACKAGES = [
  '@aws-cdk/cloudformation-diff',
  'aws-cdk-lib',
  'constructs',
  'aws-local-stepfunctions',
  's3rver',
  'dynalite',
];
const SIZE_TARGET_KIB = 600;
const IMPORT_TARGET_MS = 150;
// Under the project so the bundles resolve the external @aws-sdk packages from node_modules,
// as they resolve the runtime's copy in Lambda.
const OUT_DIR = join(PROJECT_ROOT, 'bench', 'tmp', 'functions');

interface Sample {
  ms: number;
  rssMiB: number;
  cpuMs: number;
}

function runNode(code: string): Sample {
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    env: { ...process.env, ...createPlaceholderEnvironment() },
    encoding: 'utf8',
    timeout: 30_000,
  });
  const ms = performance.now() - started;
  if (child.status !== 0) {
    throw new Error(`node exited with ${child.status}: ${child.stderr.slice(0, 2000)}`);
  }

  const [rss, cpu] = child.stdout.trim().split(' ');

  return { ms, rssMiB: Number(rss) / 2 ** 20, cpuMs: Number(cpu) / 1000 };
}

/** `node_modules/@scope/name/...` and `node_modules/name/...` to the package; else the folder. */
function packageOf(path: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);

  return match?.[1] ?? `(own) ${path.split('/')[0]}`;
}

/** The four packages (or own folders) that weigh most in a bundle. */
function summariseContributors(inputs: Record<string, { bytesInOutput: number }>): string {
  const totals = new Map<string, number>();
  for (const [path, input] of Object.entries(inputs)) {
    const pkg = packageOf(path);
    totals.set(pkg, (totals.get(pkg) ?? 0) + input.bytesInOutput);
  }

  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([pkg, bytes]) => `${pkg} ${(bytes / 1024).toFixed(0)} KiB`)
    .join(', ');
}

function describeFailure(error: unknown): string {
  const esbuildErrors = (error as { errors?: Array<{ text: string; location?: { file: string } }> })
    .errors;
  const first = esbuildErrors?.[0];
  if (first !== undefined) return `${first.location?.file ?? ''}: ${first.text}`;

  return error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);

  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function measure(code: string): Sample {
  const samples = Array.from({ length: RUNS }, () => runNode(code));

  return {
    ms: median(samples.map((s) => s.ms)),
    rssMiB: median(samples.map((s) => s.rssMiB)),
    cpuMs: median(samples.map((s) => s.cpuMs)),
  };
}

/** The child's resident set and its whole CPU time (user and system, microseconds). */
const printRss =
  'const cpu = process.cpuUsage(); ' +
  "process.stdout.write(process.memoryUsage().rss + ' ' + (cpu.user + cpu.system));";

/** Packages from FORBIDDEN_PACKAGES that a bundle's inputs come from. */
function findForbidden(inputs: Record<string, unknown>): string[] {
  const found = new Set(Object.keys(inputs).map(packageOf));

  return FORBIDDEN_PACKAGES.filter((pkg) => found.has(pkg));
}

async function main(): Promise<void> {
  rmSync(OUT_DIR, { recursive: true, force: true });
  mkdirSync(OUT_DIR, { recursive: true });

  runNode(printRss); // warm the file-system cache before the reference run
  const bare = measure(printRss);
  console.log(
    `bare node: ${bare.ms.toFixed(1)} ms, ${bare.cpuMs.toFixed(1)} ms cpu, ` +
      `${bare.rssMiB.toFixed(1)} MiB rss (median of ${RUNS})\n`,
  );

  const header = [
    'function',
    'KiB',
    'import ms',
    'over bare',
    'x bare',
    'cpu over bare',
    'sdk only',
    'rss MiB',
    'memory',
    'ok',
  ];
  const rows: string[][] = [];
  const problems: string[] = [];
  const contributors: string[] = [];
  const lazySdk: string[] = [];
  let failures = 0;
  for (const name of BACKEND_FUNCTIONS) {
    const entry = resolveHandlerEntry(name);
    if (!existsSync(entry)) {
      rows.push([name, 'missing', '', '', '', '', '', '', '', 'no']);
      failures += 1;
      continue;
    }

    const outfile = join(OUT_DIR, name, 'index.mjs');
    let sample: Sample;
    let sdk: Sample;
    let biggest: string;
    let forbidden: string[];
    try {
      const result = await build({ ...toEsbuildOptions(entry, outfile), metafile: true });
      const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint);
      const sdkImports = (output?.imports ?? []).filter(
        (i) => i.external && i.path.startsWith('@aws-sdk/'),
      );
      // Only the statically imported SDK packages load with the bundle; the others on first use.
      const externals = [
        ...new Set(sdkImports.filter((i) => i.kind !== 'dynamic-import').map((i) => i.path)),
      ];
      const lazy = [
        ...new Set(sdkImports.filter((i) => i.kind === 'dynamic-import').map((i) => i.path)),
      ];
      lazySdk.push(
        `${name}: ${lazy.map((path) => path.replace('@aws-sdk/', '')).join(', ') || 'none'}` +
          (externals.length === 0 ? '' : `; at import: ${externals.join(', ')}`),
      );
      biggest = summariseContributors(output?.inputs ?? {});
      forbidden = findForbidden(output?.inputs ?? {});
      if (forbidden.length > 0) problems.push(`${name}: bundles ${forbidden.join(', ')}`);
      sample = measure(`await import(${JSON.stringify(pathToFileURL(outfile).href)}); ${printRss}`);
      sdk = measure(
        `await Promise.all(${JSON.stringify(externals)}.map((m) => import(m))); ${printRss}`,
      );
    } catch (error: unknown) {
      // One handler that does not build yet must not hide the others' numbers.
      problems.push(`${name}: ${describeFailure(error)}`);
      rows.push([name, 'failed', '', '', '', '', '', '', '', 'no']);
      failures += 1;
      continue;
    }
    contributors.push(`${name}: ${biggest}`);
    const kib = statSync(outfile).size / 1024;
    const over = sample.ms - bare.ms;
    const ok =
      kib < SIZE_TARGET_KIB &&
      over < IMPORT_TARGET_MS &&
      forbidden.length === 0 &&
      !lazySdk.at(-1)?.includes('; at import:');
    if (!ok) failures += 1;
    rows.push([
      name,
      kib.toFixed(0),
      sample.ms.toFixed(1),
      over.toFixed(1),
      (sample.ms / bare.ms).toFixed(2),
      (sample.cpuMs - bare.cpuMs).toFixed(1),
      (sdk.ms - bare.ms).toFixed(1),
      sample.rssMiB.toFixed(1),
      String(FUNCTION_SPECS[name].memoryMiB),
      ok ? 'yes' : 'no',
    ]);
  }

  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i] ?? 0)).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  console.log(
    `\n'sdk only' is bare-node import of just the @aws-sdk packages a bundle loads at import ` +
      `(statically); 'cpu over bare' is the child's CPU time less bare node's.`,
  );
  console.log('largest contributors to each bundle:');
  for (const line of contributors) console.log(`  ${line}`);
  console.log('sdk clients each bundle loads on first use (dynamic import):');
  for (const line of lazySdk) console.log(`  ${line}`);
  for (const problem of problems) console.log(`\n${problem}`);
  console.log(
    `\ntargets: < ${SIZE_TARGET_KIB} KiB and < ${IMPORT_TARGET_MS} ms over bare node; ` +
      `${rows.length - failures}/${rows.length} functions meet both`,
  );
  // Minified bundles inside the tree would fail `biome check .` until someone deleted them.
  rmSync(OUT_DIR, { recursive: true, force: true });
}

await main();
