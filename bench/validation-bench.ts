/**
 * Offline validation speed: validations per second of the example file and of a 200-node-pool
 * file, each beside `yaml.parse` and `JSON.parse` of the same document in the same run, and the
 * marginal cost per node pool at 50/100/200/400 pools (flat when time grows linearly with size).
 *
 *   npx tsx bench/validation-bench.ts [--quick]
 */
import { parse as parseYaml } from 'yaml';
import { validateClusterYaml } from '../cluster-config/validate-cluster-yaml.ts';
import {
  generateNodePoolYaml,
  readExampleClusterYaml,
} from '../test/fixtures/bench/generate-node-pools.ts';
import { type BenchRow, formatTable, makeRow, median, timePerCall } from './bench-support.ts';

const SIZES = [50, 100, 200, 400] as const;

export async function runValidationBench(options: { quick: boolean }): Promise<BenchRow[]> {
  const runs = options.quick ? 5 : 9;
  const batchMs = options.quick ? 100 : 250;
  const perCall = (run: () => unknown) => median(timePerCall(runs, batchMs, run));
  const rows: BenchRow[] = [];

  const files = [
    { label: 'example', text: readExampleClusterYaml() },
    { label: '200-node-pool file', text: generateNodePoolYaml({ poolCount: 200 }) },
  ];
  for (const { label, text } of files) {
    requireValid(text, label);
    const json = JSON.stringify(parseYaml(text));
    const validateMs = perCall(() => validateClusterYaml(text));
    const yamlMs = perCall(() => parseYaml(text));
    const jsonMs = perCall(() => JSON.parse(json));
    const size = `${(Buffer.byteLength(text) / 1024).toFixed(1)} KiB`;
    rows.push(
      makeRow(`validations per second, ${label} (${size})`, 1000 / validateMs, 'ops/s', runs, {
        name: 'yaml.parse of the same file',
        value: 1000 / yamlMs,
      }),
      makeRow(`validations per second, ${label} (${size})`, 1000 / validateMs, 'ops/s', runs, {
        name: 'JSON.parse of its JSON form',
        value: 1000 / jsonMs,
      }),
    );
  }

  // Marginal cost: (t(N) - t(0)) / N, so the fixed part of a validation does not hide the slope.
  const baseMs = perCall(() => validateClusterYaml(generateNodePoolYaml({ poolCount: 0 })));
  const costs = SIZES.map((poolCount) => {
    const text = generateNodePoolYaml({ poolCount });
    requireValid(text, `${poolCount}-pool file`);
    return {
      poolCount,
      usPerPool: ((perCall(() => validateClusterYaml(text)) - baseMs) * 1000) / poolCount,
    };
  });
  const first = costs[0];
  for (const { poolCount, usPerPool } of costs) {
    rows.push(
      makeRow(`validation cost per node pool, ${poolCount} pools`, usPerPool, 'µs/pool', runs, {
        name: `same at ${first?.poolCount} pools`,
        value: first?.usPerPool ?? Number.NaN,
      }),
    );
  }

  return rows;
}

function requireValid(text: string, label: string): void {
  const { report } = validateClusterYaml(text);
  if (!report.valid) {
    throw new Error(
      `${label} must validate (received ${report.errors[0]?.message ?? 'no errors'})`,
    );
  }
}

if (import.meta.main) {
  const rows = await runValidationBench({ quick: process.argv.includes('--quick') });
  process.stdout.write(formatTable(rows));
}
