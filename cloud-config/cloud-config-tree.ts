import {
  type Document,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type Scalar,
} from 'yaml';

/**
 * The "weak" tree cloudinit validates: every key and list item with its YAML 1.1 type, its
 * normalised name and the line it sits on. `text` is what a typed (string) read of the value
 * gives, so `0644` stays `0644` and `off` stays `off`, as cloudinit's strong/weak merge does.
 */
export interface CloudConfigNode {
  name: string;
  line: number;
  kind: 'string' | 'int' | 'float64' | 'bool' | 'map' | 'slice' | 'invalid';
  text: string;
  children: CloudConfigNode[];
}

export type CloudConfigParse =
  | { ok: true; root: CloudConfigNode | undefined }
  | { ok: false; line: number; message: string };

/**
 * Parses with the `yaml` package under YAML 1.1 (the dialect of the Go parser cloudinit uses).
 * Lines come from the parser's own positions, not from cloudinit's line-by-line key search, which
 * mis-attributes a key that also appears inside a block scalar above it.
 */
export function parseCloudConfigTree(text: string): CloudConfigParse {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { version: '1.1', lineCounter, prettyErrors: false });
  const firstError = pickFirstError(doc);
  if (firstError !== undefined) {
    const line = lineCounter.linePos(firstError.pos[0]).line;

    return { ok: false, line, message: describeYamlError(firstError.message) };
  }

  if (doc.contents === null) return { ok: true, root: undefined };

  return {
    ok: true,
    root: toNode(doc.contents, '', lineOf(doc.contents, 1, lineCounter), lineCounter),
  };
}

function pickFirstError(doc: Document): { pos: [number, number]; message: string } | undefined {
  // A syntax error explains a duplicate-key report the parser may add beside it, so it wins.
  const ranked = [...doc.errors].sort((a, b) => {
    const rank = (code: string) => (code === 'DUPLICATE_KEY' ? 1 : 0);

    return rank(a.code) - rank(b.code) || a.pos[0] - b.pos[0];
  });

  return ranked[0];
}

function describeYamlError(message: string): string {
  const withoutPosition = message.split(' at line ')[0] ?? message;
  const firstLine = withoutPosition.split('\n')[0] ?? withoutPosition;

  return firstLine.charAt(0).toLowerCase() + firstLine.slice(1);
}

/** `line` is where the node is named: its key for a map entry, its own start for a list item. */
function toNode(
  value: unknown,
  name: string,
  line: number,
  lineCounter: LineCounter,
): CloudConfigNode {
  if (isMap(value)) {
    const children = value.items.map((pair) => {
      const keyLine = lineOf(pair.key, line, lineCounter);
      const keyName = isScalar(pair.key) ? scalarText(pair.key) : String(pair.key);

      return toNode(pair.value, normaliseKey(keyName), keyLine, lineCounter);
    });

    return { name, line, kind: 'map', text: '', children };
  }

  if (isSeq(value)) {
    const children = value.items.map((item, index) =>
      toNode(item, `${name}[${index}]`, lineOf(item, line, lineCounter), lineCounter),
    );

    return { name, line, kind: 'slice', text: '', children };
  }

  if (isScalar(value)) return { name, line, ...classifyScalar(value), children: [] };

  return { name, line, kind: 'invalid', text: '', children: [] };
}

function lineOf(value: unknown, fallback: number, lineCounter: LineCounter): number {
  const range = (value as Node | null)?.range;

  return range === undefined || range === null ? fallback : lineCounter.linePos(range[0]).line;
}

/** cloudinit renames `reboot-strategy` to `reboot_strategy` before any rule runs. */
function normaliseKey(name: string): string {
  return name.replaceAll('-', '_');
}

function scalarText(scalar: Scalar): string {
  if (typeof scalar.value === 'string') return scalar.value;

  return scalar.source ?? String(scalar.value);
}

function classifyScalar(scalar: Scalar): Pick<CloudConfigNode, 'kind' | 'text'> {
  const text = scalarText(scalar);
  const value = scalar.value;
  if (value === null || value === undefined) return { kind: 'invalid', text: '' };
  if (typeof value === 'boolean') return { kind: 'bool', text };
  if (typeof value === 'number' || typeof value === 'bigint') {
    // The Go parser knows no base-60 numbers (`1:20`), so those stay strings there.
    if (text.includes(':')) return { kind: 'string', text };
    const isFloat = /[.eE]|inf|nan/i.test(text) && !/^[-+]?0x/i.test(text);

    return { kind: isFloat ? 'float64' : 'int', text };
  }

  // Timestamps and everything else read as strings, as in the Go parser.
  return { kind: 'string', text };
}
