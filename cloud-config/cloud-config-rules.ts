import { posix } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { CloudConfigEntry } from './cloud-config-entry.ts';
import { type CloudConfigField, describeFieldKind } from './cloud-config-schema.ts';
import type { CloudConfigNode } from './cloud-config-tree.ts';

/**
 * coreos-cloudinit's validation rules, one function each, appending entries in document order.
 * Messages and severities are cloudinit's, verbatim, because users search for them.
 */

function childOf(node: CloudConfigNode | undefined, name: string): CloudConfigNode | undefined {
  if (node === undefined || node.kind !== 'map') return undefined;

  return node.children.find((child) => child.name === name);
}

export function checkDiscoveryUrl(root: CloudConfigNode, entries: CloudConfigEntry[]): void {
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

export function checkEncoding(root: CloudConfigNode, entries: CloudConfigEntry[]): void {
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

export function checkStructure(
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

export function checkValidity(
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

export function checkWriteFiles(root: CloudConfigNode, entries: CloudConfigEntry[]): void {
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

export function checkWriteFilesUnderCoreos(
  root: CloudConfigNode,
  entries: CloudConfigEntry[],
): void {
  const misplaced = childOf(childOf(root, 'coreos'), 'write_files');
  if (misplaced === undefined) return;

  entries.push({
    line: misplaced.line,
    severity: 'info',
    message: "write_files doesn't belong under coreos",
  });
}
