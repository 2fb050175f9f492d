import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ClusterConfigSchema } from '../../../schemas/cluster-config.ts';
import {
  buildClusterReference,
  CLUSTER_REFERENCE_PATH,
} from '../../../scripts/generate-cluster-reference.ts';

describe('docs/cluster-yaml.md', () => {
  it('matches the schema; regenerate with npx tsx scripts/generate-cluster-reference.ts', () => {
    expect(readFileSync(CLUSTER_REFERENCE_PATH, 'utf8')).toBe(buildClusterReference());
  });

  it('has a row with a meaning for every top-level key', () => {
    const reference = buildClusterReference();
    const rows = reference.split('\n').filter((line) => line.startsWith('| `'));

    for (const key of Object.keys(ClusterConfigSchema.shape)) {
      const row = rows.find((line) => line.startsWith(`| \`${key}\` |`));
      expect(row, key).toBeDefined();
      expect(row?.endsWith(' |  |'), `${key} has no meaning`).toBe(false);
    }
  });
});
