import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseDocument,
  type SchemaOptions,
  type YAMLMap,
} from 'yaml';
import { escapeControlCharacters } from './escape-control-characters.ts';
import { findUnsupportedTag } from './find-unsupported-tag.ts';
import { collectMergedPairs, findMergeConflicts, isMergeKey, resolveAlias } from './merge-keys.ts';
import { normaliseLineEndings } from './scan-source-text.ts';

/**
 * Reading cluster.yaml safely: size, encoding, nesting and alias limits are enforced before or
 * while parsing, so hostile input is refused quickly and in bounded memory.
 */

export type ConfigPath = readonly (string | number)[];

export interface Position {
  line: number;
  column: number;
}

export interface SourceProblem {
  rule: string;
  message: string;
  path: ConfigPath;
  position: Position;
}

export const MAX_FILE_BYTES = 256 * 1024;
export const MAX_NESTING_DEPTH = 32;
/** A report shows this many findings by position, then one finding counting the rest. */
export const MAX_FINDINGS = 100;
/** Aliases are legal YAML, but a config file never needs many; a billion-laughs file does. */
export const MAX_ALIAS_COUNT = 100;

const WHOLE_FILE: Position = { line: 0, column: 0 };

/**
 * YAML 1.1, as kube-aws's parser (gopkg.in/yaml.v2) read it: `createRecordSet: yes` is true, so a
 * kube-aws user's file means the same here. Duplicate keys are found by our own walk, with paths.
 * YAML 1.1's base-60 numbers (`1:30` as 90) are left out: gopkg.in/yaml.v2 never resolves them,
 * so kube-aws read `workerCount: 1:30` as the string "1:30" and refused it for an int field; here
 * the schema refuses it with the same type message as any other string.
 */
const YAML_OPTIONS = {
  version: '1.1',
  // The parser's only warning is for a collection used as a mapping key, which it would print
  // to stderr while converting; every such key is a `non-scalar-key` finding already.
  logLevel: 'error',
  uniqueKeys: false,
  prettyErrors: false,
  customTags: (tags: Tags) => tags.filter((tag) => !isBase60Tag(tag)),
} as const;

type Tags = Extract<NonNullable<SchemaOptions['customTags']>, unknown[]>;

function isBase60Tag(tag: Tags[number]): boolean {
  return typeof tag === 'object' && 'format' in tag && tag.format === 'TIME';
}

/**
 * `['subnets', 1, 'instanceCIDR']` becomes `subnets[1].instanceCIDR`; key names are escaped, and
 * shortened past 256 characters.
 */
export function formatPath(path: ConfigPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += `${text === '' ? '' : '.'}${escapeControlCharacters(shortenKey(segment))}`;
  }

  return text;
}

/** No valid key comes near this length; a longer one is shortened so messages stay small. */
const MAX_KEY_SHOWN = 256;

function shortenKey(key: string): string {
  return key.length > MAX_KEY_SHOWN ? `${key.slice(0, MAX_KEY_SHOWN - 3)}...` : key;
}

export interface ParsedYaml {
  value?: unknown;
  locator: SourceLocator;
  problems: SourceProblem[];
}

/** Parses one YAML document into plain data plus a locator; problems carry positions. */
export function parseYamlSource(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...YAML_OPTIONS, lineCounter });
  const locator = new SourceLocator(doc, lineCounter);
  const problems: SourceProblem[] = [];
  const placesSeen = new Set<string>();
  for (const error of doc.errors) {
    const position = locator.positionOf(error.pos[0]);
    // One parse error often cascades into more at the same spot; the first says it best.
    const place = `${position.line}:${position.column}`;
    if (placesSeen.has(place)) continue;
    placesSeen.add(place);
    // The pre-check should have refused such nesting; this keeps the parser's overflow readable.
    if (/call stack/i.test(error.message)) {
      const message = `document is nested too deeply for the parser (limit ${MAX_NESTING_DEPTH})`;
      return { locator, problems: [{ rule: 'nesting-too-deep', message, path: [], position }] };
    }
    const message =
      error.code === 'MULTIPLE_DOCS'
        ? 'the file must hold one document; remove the second ---'
        : escapeControlCharacters(lowerFirst(error.message));
    problems.push({ rule: 'yaml-syntax', message: `invalid YAML: ${message}`, path: [], position });
  }
  if (problems.length > 0) return { locator, problems };

  collectStructureProblems(doc.contents, [], 0, { doc, source: text, locator, problems });
  if (problems.some((problem) => problem.rule === 'nesting-too-deep')) return { locator, problems };

  try {
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), locator, problems };
  } catch (error: unknown) {
    if (error instanceof ReferenceError && /alias/i.test(error.message)) {
      problems.push({
        rule: 'yaml-alias-limit',
        message: /Excessive/.test(error.message)
          ? `aliases expand to too many nodes (limit ${MAX_ALIAS_COUNT}); write the values out`
          : `invalid YAML: ${escapeControlCharacters(lowerFirst(error.message))}`,
        path: [],
        position: WHOLE_FILE,
      });
      return { locator, problems };
    }
    throw error;
  }
}

interface StructureWalk {
  doc: Document;
  source: string;
  locator: SourceLocator;
  problems: SourceProblem[];
}

function collectStructureProblems(
  node: unknown,
  path: ConfigPath,
  depth: number,
  walk: StructureWalk,
): void {
  const { locator, problems } = walk;
  checkTag(node, path, walk);
  if (depth > MAX_NESTING_DEPTH) {
    const range = (node as Node).range;
    problems.push({
      rule: 'nesting-too-deep',
      message: `${formatPath(path) || 'document'} is nested more than ${MAX_NESTING_DEPTH} levels deep`,
      path,
      position: range ? locator.positionOf(range[0]) : WHOLE_FILE,
    });
    return;
  }
  if (isSeq(node)) {
    node.items.forEach((item, index) => {
      collectStructureProblems(item, [...path, index], depth + 1, walk);
    });
    return;
  }
  if (!isMap(node)) return;

  const seen = new Set<string>();
  for (const pair of node.items) {
    const keyText = isMergeKey(pair.key)
      ? '<<'
      : isScalar(pair.key)
        ? String(pair.key.value)
        : undefined;
    const position = locator.positionOf((pair.key as Node | null)?.range?.[0] ?? 0);
    if (keyText === undefined) {
      problems.push({
        rule: 'non-scalar-key',
        message: `${formatPath(path) || 'the top level'} has a key that is not a plain name`,
        path,
        position,
      });
      continue;
    }
    const keyPath = [...path, keyText];
    checkTag(pair.key, keyPath, walk);
    if (seen.has(keyText)) {
      problems.push({
        rule: 'duplicate-key',
        message: `${formatPath(keyPath)} appears more than once; keep one`,
        path: keyPath,
        position,
      });
    }
    seen.add(keyText);
    collectStructureProblems(pair.value, keyPath, depth + 1, walk);
  }
  if (seen.has('<<')) collectMergeConflicts(node, path, walk);
}

function collectMergeConflicts(map: YAMLMap, path: ConfigPath, walk: StructureWalk): void {
  for (const conflict of findMergeConflicts(map, walk.doc)) {
    const keyPath = [...path, conflict.key];
    const name = formatPath(keyPath);
    const message =
      conflict.reason === 'written-before-merge'
        ? `${name} must be written after the << merge key that also sets it: kube-aws applies ` +
          'the merged value over an earlier key, this validator keeps the written one; move the ' +
          'key below <<'
        : `${name} must come from one place, not from a << merge and another mapping: kube-aws ` +
          'combines the two mappings key by key, this validator keeps one; write it out once';
    walk.problems.push({
      rule: 'yaml-merge-conflict',
      message,
      path: keyPath,
      position: walk.locator.positionOf(conflict.at.range?.[0] ?? 0),
    });
  }
}

function checkTag(node: unknown, path: ConfigPath, walk: StructureWalk): void {
  const tag = findUnsupportedTag(node, walk.source);
  if (tag === undefined) return;
  walk.problems.push({
    rule: 'unknown-tag',
    message:
      `${formatPath(path) || 'document'} must not carry a YAML tag other than the core ones such ` +
      `as !!str (received ${escapeControlCharacters(tag.text)}); remove the tag`,
    path,
    position: walk.locator.positionOf(tag.offset),
  });
}

/** Turns config paths into positions in the user's file. */
export class SourceLocator {
  private readonly keyIndexes = new WeakMap<YAMLMap, Map<string, Pair>>();

  constructor(
    private readonly doc: Document | undefined,
    private readonly lineCounter: LineCounter | undefined,
  ) {}

  positionOf(offset: number): Position {
    if (this.lineCounter === undefined) return WHOLE_FILE;
    const { line, col } = this.lineCounter.linePos(offset);

    return { line, column: col };
  }

  /**
   * Where the document starts: its `---` marker when it has one, else its first content line
   * (comments before it are not part of the document).
   */
  documentStart(): Position {
    const offset = this.doc?.range?.[0];

    return offset === undefined ? WHOLE_FILE : this.positionOf(offset);
  }

  /** Whether the path is written in the file (as opposed to filled in by a default). */
  has(path: ConfigPath): boolean {
    return this.find(path).found;
  }

  /** The key's position (or the list item's); with `value`, the value's position when it has one. */
  locate(path: ConfigPath, target: 'key' | 'value' = 'key'): Position | undefined {
    const hit = this.find(path);
    if (!hit.found) return undefined;
    const offset = target === 'value' ? (hit.valueOffset ?? hit.keyOffset) : hit.keyOffset;

    return offset === undefined ? undefined : this.positionOf(offset);
  }

  private find(path: ConfigPath): { found: boolean; keyOffset?: number; valueOffset?: number } {
    let node: unknown = this.doc?.contents;
    let keyOffset: number | undefined;
    let valueOffset: number | undefined;
    for (const segment of path) {
      if (typeof segment === 'number' && isSeq(node)) {
        node = node.items[segment];
        keyOffset = (node as Node | undefined)?.range?.[0];
        valueOffset = keyOffset;
      } else if (typeof segment === 'string' && isMap(node)) {
        const pair = this.indexKeys(node).get(segment);
        if (pair === undefined) return { found: false };
        keyOffset = (pair.key as Node).range?.[0];
        // A merged mapping is often an alias; the path continues inside its anchor.
        node = isAlias(pair.value) && this.doc ? resolveAlias(pair.value, this.doc) : pair.value;
        valueOffset = (node as Node | null)?.range?.[0];
      } else {
        return { found: false };
      }
      if (node === undefined) return { found: false };
    }

    return { found: true, keyOffset, valueOffset };
  }

  /** Each mapping's keys, indexed once: a file with thousands of keys is located in linear time. */
  private indexKeys(map: YAMLMap): Map<string, Pair> {
    let index = this.keyIndexes.get(map);
    if (index === undefined) {
      index = new Map();
      for (const item of map.items) {
        if (!isPair(item) || !isScalar(item.key) || isMergeKey(item.key)) continue;
        const key = String(item.key.value);
        // The first of duplicate keys, as the duplicate-key finding names the later ones.
        if (!index.has(key)) index.set(key, item);
      }
      // A merged key counts as written, at its line in the anchored mapping it came from.
      if (this.doc !== undefined) {
        for (const [key, pair] of collectMergedPairs(map, this.doc)) {
          if (!index.has(key)) index.set(key, pair);
        }
      }
      this.keyIndexes.set(map, index);
    }

    return index;
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** A locator for text that already passed validation, used to place later (AWS) findings. */
export function createSourceLocator(text: string): SourceLocator {
  const lineCounter = new LineCounter();
  const doc = parseDocument(normaliseLineEndings(text), { ...YAML_OPTIONS, lineCounter });

  return new SourceLocator(doc, lineCounter);
}
