import type { Node } from 'yaml';

/**
 * YAML tags a cluster.yaml may carry. Any other tag is refused: the parser would keep the value
 * as a plain string or build an object no key expects (`!!js/function`, `!foo`, `!!set`), so a
 * silently dropped tag would change what the file means without a word.
 */
const CORE_TAG_PREFIX = 'tag:yaml.org,2002:';
const ACCEPTED_TAGS = new Set(
  ['str', 'int', 'float', 'bool', 'null', 'map', 'seq', 'binary', 'timestamp', 'merge'].map(
    (name) => `${CORE_TAG_PREFIX}${name}`,
  ),
);

export interface UnsupportedTag {
  /** As the user wrote it: `!!js/function`, `!foo`. */
  text: string;
  /** Offset of the tag in the source. */
  offset: number;
}

/** The node's tag when it is not one of the accepted ones; `!` alone only marks a plain string. */
export function findUnsupportedTag(node: unknown, source: string): UnsupportedTag | undefined {
  const { tag, range } = (node ?? {}) as Partial<Pick<Node, 'tag' | 'range'>>;
  if (tag === undefined || tag === '!' || ACCEPTED_TAGS.has(tag)) return undefined;
  const offset = findTagStart(source, range?.[0] ?? 0);
  const written = /^![^\s,[\]{}]*/.exec(source.slice(offset, offset + 256))?.[0];

  return { text: written ?? displayTag(tag), offset };
}

/** The node's range starts after its tag and anchor; the tag is the last `!` token before it. */
function findTagStart(source: string, valueOffset: number): number {
  let index = source.lastIndexOf('!', valueOffset - 1);
  if (index < 0) return valueOffset;
  while (index > 0 && !/[\s,[{]/.test(source.charAt(index - 1))) index -= 1;

  return index;
}

function displayTag(tag: string): string {
  return tag.startsWith(CORE_TAG_PREFIX) ? `!!${tag.slice(CORE_TAG_PREFIX.length)}` : tag;
}
