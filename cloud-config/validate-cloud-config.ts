import type { CloudConfigEntry } from './cloud-config-entry.ts';
import {
  checkDiscoveryUrl,
  checkEncoding,
  checkStructure,
  checkValidity,
  checkWriteFiles,
  checkWriteFilesUnderCoreos,
} from './cloud-config-rules.ts';
import { CLOUD_CONFIG_SCHEMA } from './cloud-config-schema.ts';
import { parseCloudConfigTree } from './cloud-config-tree.ts';

export { type CloudConfigEntry, CloudConfigEntrySchema } from './cloud-config-entry.ts';

const HEADER = '#cloud-config';

/**
 * Validates userdata the way coreos-cloudinit's `validate` package does: the header rule, YAML
 * errors, then the discovery-URL, encoding, structure, value, read-only-path and misplaced
 * write_files rules, in that order. Differences, all deliberate: lines are the parser's real
 * positions; entries of one rule come in document order (cloudinit walks Go maps in random order);
 * YAML error texts are the `yaml` package's (for example `nested mappings are not allowed in
 * compact mappings` where go-yaml said `mapping values are not allowed in this context`);
 * duplicate keys are a YAML error (cloudinit silently kept the last); a document holding only the
 * header is valid; and a YAML error is reported alone, without cloudinit's spurious
 * `line 0: warning: incorrect type for "" (want struct)` that followed it.
 */
export function validateCloudConfig(text: string): CloudConfigEntry[] {
  // Scripts and Ignition configs are userdata too; cloudinit has no rules for them.
  if (text.length === 0 || text.startsWith('#!') || isIgnitionConfig(text)) return [];
  if (!isCloudConfig(text)) {
    return [{ line: 1, severity: 'error', message: `must be "${HEADER}" or begin with "#!"` }];
  }

  const parsed = parseCloudConfigTree(text);
  if (!parsed.ok) return [{ line: parsed.line, severity: 'error', message: parsed.message }];
  if (parsed.root === undefined) return [];

  const entries: CloudConfigEntry[] = [];
  const root = parsed.root;
  checkDiscoveryUrl(root, entries);
  checkEncoding(root, entries);
  checkStructure(root, CLOUD_CONFIG_SCHEMA, entries);
  checkValidity(root, CLOUD_CONFIG_SCHEMA, entries);
  checkWriteFiles(root, entries);
  checkWriteFilesUnderCoreos(root, entries);

  return entries;
}

/** kube-aws's one-line form: `UserDataWorker: line 4: warning: unrecognized key "interrface"`. */
export function formatCloudConfigEntry(name: string, entry: CloudConfigEntry): string {
  return `${name}: line ${entry.line}: ${entry.severity}: ${entry.message}`;
}

export type UserCloudConfigEntry = CloudConfigEntry & { source: string };

/**
 * Validates cloud-config a user supplied (for example extra units carried in cluster.yaml). The
 * text may omit the `#cloud-config` header, since it is merged into rendered userdata; either way
 * every line refers to the user's own text, shifted by `lineOffset` when the text is embedded in a
 * larger file (pass the line before the block's first line).
 */
export function validateUserCloudConfig(
  text: string,
  sourceName: string,
  lineOffset = 0,
): UserCloudConfigEntry[] {
  const hasHeader = isCloudConfig(text);
  const entries = validateCloudConfig(hasHeader ? text : `${HEADER}\n${text}`);
  const shift = (hasHeader ? 0 : -1) + lineOffset;

  return entries.map((entry) => ({
    ...entry,
    line: entry.line === 0 ? 0 : Math.max(1, entry.line + shift),
    source: sourceName,
  }));
}

function isIgnitionConfig(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return false;
    const ignition = (value as { ignition?: { version?: unknown } }).ignition;

    return 'ignitionVersion' in value || ignition?.version !== undefined;
  } catch {
    return false;
  }
}

function isCloudConfig(text: string): boolean {
  const firstLine = text.split('\n', 1)[0] ?? '';

  return firstLine.trimEnd() === HEADER;
}
