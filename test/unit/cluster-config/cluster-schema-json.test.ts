import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildClusterSchemaJson,
  CLUSTER_SCHEMA_PATH,
} from '../../../scripts/generate-cluster-schema.ts';

describe('schemas/cluster.schema.json', () => {
  it('matches the zod schema; regenerate with npx tsx scripts/generate-cluster-schema.ts', () => {
    expect(readFileSync(CLUSTER_SCHEMA_PATH, 'utf8')).toBe(buildClusterSchemaJson());
  });

  it('lists the required keys and refuses unknown keys', () => {
    const schema = JSON.parse(buildClusterSchemaJson()) as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { description?: string; deprecated?: boolean }>;
    };
    expect(schema.required).toEqual(['externalDNSName', 'keyName', 'region']);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.hostedZone?.deprecated).toBe(true);
    expect(schema.properties.controllerIP?.description).toBe(
      'Private IP of the first controller; controller i uses controllerIP + i',
    );
  });
});
