import { posix } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import {
  CLOUD_CONFIG_SCHEMA,
  type CloudConfigField,
  describeFieldKind,
} from './cloud-config-schema.ts';
import { type CloudConfigNode, parseCloudConfigTree } from './cloud-config-tree.ts';

export const CloudConfigEntrySchema = z.object({
  /** 1-based line in the validated text; 0 when the entry concerns no particular line. */
  line: z.int().min(0),
  severity: z.enum(['error', 'warning', 'info']),
  message: z.string(),
});
export type CloudConfigEntry = z.infer<typeof CloudConfigEntrySchema>;

const HEADER = '#cloud-config';

/**
 * Validates userdata the way coreos-cloudinit's `validate` package does: the header rule, YAML
 * errors, then the discovery-URL, encoding, structure, value, read-only-path and misplaced
 * write_files rules, in that order. Differences, all deliberate: lines are the parser's real
 * positions; entries of one rule come in document order (cloudinit walks Go maps in random order);
 * duplicate keys are a YAML error (cloudinit silently kept the last); a document holding only the
 * header is valid; and a YAML error is reported alone, without cloudinit's spurious
 * `line 0: warning: incorrect type for "" (want struct)` that followed it.
 */
export function validateCloudConfig(text: string): CloudConfigEntry[] {
  if (text.length === 0 || text.startsWith('#!')) return [];
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

function isCloudConfig(text: string): boolean {
  const firstLine = text.split('\n', 1)[0] ?? '';

  return firstLine.trimEnd() === HEADER;
}

function childOf(node: CloudConfigNode | undefined, name: string): CloudConfigNode | undefined {
  if (node === undefined || node.kind !== 'map') return undefined;

  return node.children.find((child) => child.name === name);
}

function checkDiscoveryUrl(root: CloudConfigNode, entries: CloudConfigEntry[]): void {
  const discovery = childOf(childOf(childOf(root, 'coreos'), 'etcd'), 'discovery');
  if (discovery === undefined || isRequestUri(discovery.text)) return;

  entries.push({
    line: discovery.line,
    severity: 'warning',
    message: 'discovery URL is not valid',
  });
}

/** Go's `url.ParseRequestURI`: an absolute URL or an absolute path, no control characters. */
function isRequestUri(value: string): boolean {
  const hasControlCharacter = [...value].some((char) => {
    const code = char.charCodeAt(0);

    return code < 0x20 || code === 0x7f;
  });
  if (value.length === 0 || hasControlCharacter) return false;
  if (/%(?![0-9a-fA-F]{2})/.test(value)) return false;
  if (value.startsWith('/')) return true;
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(value)) return false;
  try {
    new URL(value);

    return true;
  } catch {
    return false;
  }
}

function writeFileItems(root: CloudConfigNode): CloudConfigNode[] {
  const writeFiles = childOf(root, 'write_files');

  return writeFiles?.kind === 'slice' ? writeFiles.children : [];
}

function checkEncoding(root: CloudConfigNode, entries: CloudConfigEntry[]): void {
  for (const file of writeFileItems(root)) {
    const encoding = childOf(file, 'encoding');
    if (encoding === undefined) continue;

    const content = childOf(file, 'content');
    if (decodesAs(content?.text ?? '', encoding.text)) continue;
    entries.push({
      line: content?.line ?? encoding.line,
      severity: 'error',
      message: `content cannot be decoded as "${encoding.text}"`,
    });
  }
}

function decodesAs(content: string, encoding: string): boolean {
  switch (encoding) {
    case '':
      return true;
    case 'b64':
    case 'base64':
      return decodeStrictBase64(content) !== undefined;
    case 'gz':
    case 'gzip':
      return gunzips(Buffer.from(content, 'latin1'));
    case 'gz+base64':
    case 'gzip+base64':
    case 'gz+b64':
    case 'gzip+b64': {
      const raw = decodeStrictBase64(content);

      return raw !== undefined && gunzips(raw);
    }
    default:
      return false;
  }
}

/** Go's StdEncoding: padded alphabet, line breaks ignored; Node's decoder would accept anything. */
function decodeStrictBase64(content: string): Buffer | undefined {
  const compact = content.replace(/[\r\n]/g, '');
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined;

  return Buffer.from(compact, 'base64');
}

function gunzips(data: Buffer): boolean {
  try {
    gunzipSync(data);

    return true;
  } catch {
    return false;
  }
}

function isCompatible(actual: CloudConfigNode['kind'], wanted: CloudConfigField['kind']): boolean {
  switch (wanted) {
    case 'string':
      return ['string', 'int', 'float64', 'bool'].includes(actual);
    case 'struct':
      return actual === 'map';
    case 'float64':
      return actual === 'float64' || actual === 'int';
    case 'list':
      return actual === 'slice';
    default:
      return actual === wanted;
  }
}

function checkStructure(
  node: CloudConfigNode,
  field: CloudConfigField,
  entries: CloudConfigEntry[],
): void {
  if (!isCompatible(node.kind, field.kind)) {
    const message = `incorrect type for "${node.name}" (want ${describeFieldKind(field)})`;
    entries.push({ line: node.line, severity: 'warning', message });

    return;
  }

  if (field.kind === 'struct') {
    for (const child of node.children) {
      const childField = field.fields[child.name];
      if (childField === undefined) {
        const message = `unrecognized key "${child.name}"`;
        entries.push({ line: child.line, severity: 'warning', message });
        continue;
      }
      if (childField.deprecated !== undefined) {
        const message = `deprecated key "${child.name}" (${childField.deprecated})`;
        entries.push({ line: child.line, severity: 'warning', message });
      }
      checkStructure(child, childField, entries);
    }
  }

  if (field.kind === 'list') {
    for (const item of node.children) checkStructure(item, field.element, entries);
  }
}

function checkValidity(
  node: CloudConfigNode,
  field: CloudConfigField,
  entries: CloudConfigEntry[],
): void {
  // Zero values are always valid, and only scalars carry a value to match.
  const isScalar = !['map', 'slice', 'invalid'].includes(node.kind);
  const valid = field.kind === 'string' ? field.valid : undefined;
  if (valid !== undefined && isScalar && node.text !== '' && !valid.test(node.text)) {
    entries.push({ line: node.line, severity: 'error', message: `invalid value ${node.text}` });
  }

  if (field.kind === 'struct' && node.kind === 'map') {
    for (const child of node.children) {
      const childField = field.fields[child.name];
      if (childField !== undefined) checkValidity(child, childField, entries);
    }
  }

  if (field.kind === 'list' && node.kind === 'slice') {
    for (const item of node.children) checkValidity(item, field.element, entries);
  }
}

function checkWriteFiles(root: CloudConfigNode, entries: CloudConfigEntry[]): void {
  for (const file of writeFileItems(root)) {
    const path = childOf(file, 'path');
    if (path === undefined) continue;

    const dir = posix.dirname(posix.normalize(path.text));
    if (!dir.startsWith('/usr')) continue;
    entries.push({
      line: path.line,
      severity: 'error',
      message: 'file cannot be written to a read-only filesystem',
    });
  }
}

function checkWriteFilesUnderCoreos(root: CloudConfigNode, entries: CloudConfigEntry[]): void {
  const misplaced = childOf(childOf(root, 'coreos'), 'write_files');
  if (misplaced === undefined) return;

  entries.push({
    line: misplaced.line,
    severity: 'info',
    message: "write_files doesn't belong under coreos",
  });
}
