import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildClusterSchemaJson } from './generate-cluster-schema.ts';

/**
 * Writes `docs/cluster-yaml.md`, the reference of every cluster.yaml key, from the same zod
 * schema the validator uses (through its JSON schema). Run with
 * `npx tsx scripts/generate-cluster-reference.ts`; a unit test fails when the file is stale.
 */

export const CLUSTER_REFERENCE_PATH = 'docs/cluster-yaml.md';

interface PropertySchema {
  type?: string | string[];
  enum?: unknown[];
  default?: unknown;
  description?: string;
  deprecated?: boolean;
  minimum?: number;
  maximum?: number;
  items?: PropertySchema;
  properties?: Record<string, PropertySchema>;
  additionalProperties?: boolean | PropertySchema;
  required?: string[];
}

export function buildClusterReference(): string {
  const schema = JSON.parse(buildClusterSchemaJson()) as PropertySchema;
  const sections = [
    '# cluster.yaml reference',
    '',
    'Every key `kube-aws validate` and the backend accept, generated from the schema the validator',
    'uses (`schemas/cluster-config.ts`); regenerate with `npx tsx scripts/generate-cluster-reference.ts`.',
    'Unknown keys are errors (with the closest known key suggested); deprecated keys are warnings.',
    'Editors that read JSON Schema can check a file as it is typed: with the YAML language server,',
    'start the file with `# yaml-language-server: $schema=<path to>/schemas/cluster.schema.json`.',
    'The rules that relate keys (CIDRs that must not overlap, counts, DNS names, AWS values) are',
    'checked by `kube-aws validate`, which reports each finding with its line and column.',
    '',
    ...buildTable(schema),
  ];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const nested = property.items?.properties === undefined ? undefined : property.items;
    if (nested === undefined) continue;
    sections.push('', `## ${name}[]`, '', `Each entry of \`${name}\`:`, '', ...buildTable(nested));
  }

  return `${sections.join('\n')}\n`;
}

function buildTable(schema: PropertySchema): string[] {
  const required = new Set(schema.required ?? []);
  const rows = Object.entries(schema.properties ?? {}).map(([name, property]) =>
    [
      `\`${name}\``,
      describeType(property),
      required.has(name) ? 'required' : describeDefault(property.default),
      describeMeaning(property),
    ].join(' | '),
  );

  return [
    '| key | type | default | meaning |',
    '|---|---|---|---|',
    ...rows.map((row) => `| ${row} |`),
  ];
}

function describeType(property: PropertySchema): string {
  if (property.enum !== undefined)
    return property.enum.map((value) => `\`${String(value)}\``).join(', ');
  const types = Array.isArray(property.type)
    ? property.type.join(' or ')
    : (property.type ?? 'any');
  if (types === 'array') {
    const item =
      property.items?.properties === undefined ? describeType(property.items ?? {}) : 'object';
    return `list of ${item}`;
  }
  if (types === 'object') return 'mapping of string to string';
  // zod states a plain integer as the safe range; only a real bound is worth a reader's time.
  const bounded = (value: number | undefined) =>
    value !== undefined && Math.abs(value) < Number.MAX_SAFE_INTEGER ? value : undefined;
  const [minimum, maximum] = [bounded(property.minimum), bounded(property.maximum)];
  const range =
    minimum !== undefined && maximum !== undefined
      ? ` ${minimum}–${maximum}`
      : minimum !== undefined
        ? ` ≥ ${minimum}`
        : '';

  return `${types}${range}`;
}

function describeDefault(value: unknown): string {
  if (value === undefined) return '';
  if (value === '') return 'empty';
  if (Array.isArray(value) && value.length === 0) return 'none';
  if (typeof value === 'object' && value !== null && Object.keys(value).length === 0) return 'none';

  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
}

function describeMeaning(property: PropertySchema): string {
  const text = (property.description ?? '').replace(/\|/g, '\\|');

  return property.deprecated === true ? `deprecated (a warning): ${text}` : text;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(CLUSTER_REFERENCE_PATH, buildClusterReference());
  console.log(`wrote ${CLUSTER_REFERENCE_PATH}`);
}
