import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { ClusterConfigSchema } from '../schemas/cluster-config.ts';

/**
 * Writes `schemas/cluster.schema.json`, the editor schema of cluster.yaml, from the zod schema.
 * Run with `npx tsx scripts/generate-cluster-schema.ts`; a unit test fails when the file is stale.
 */

export const CLUSTER_SCHEMA_PATH = 'schemas/cluster.schema.json';

export function buildClusterSchemaJson(): string {
  // `input` describes what a person writes: keys with defaults are optional.
  const schema = z.toJSONSchema(ClusterConfigSchema, { io: 'input', target: 'draft-2020-12' });
  const document = {
    ...schema,
    title: 'kube-aws cluster.yaml',
    description: 'A kube-aws cluster definition as accepted by kube-aws-serverless',
  };

  return `${JSON.stringify(document, null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(CLUSTER_SCHEMA_PATH, buildClusterSchemaJson());
  console.log(`wrote ${CLUSTER_SCHEMA_PATH}`);
}
