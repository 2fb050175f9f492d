import {
  type Alias,
  type Document,
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  visit,
  type YAMLMap,
} from 'yaml';

/**
 * YAML merge keys (`<<: *anchor`), as kube-aws's parser read them. gopkg.in/yaml.v2 merges them
 * too, so a kube-aws file that shares settings between node pools keeps working. Where v2 and
 * the merge draft (which this parser follows) disagree, the file is refused instead of being read
 * one of the two ways, since the cluster it configures would then depend on the tool:
 * - v2 decodes kube-aws's struct key by key in document order, so a key written before `<<`
 *   is overwritten by the merged value; here the written key always wins.
 * - v2 decodes a mapping into the existing map, so a mapping that comes both from a merge and
 *   from a written key (or from two merge sources) is combined key by key; here one replaces the
 *   other.
 */

/**
 * Each mapping's merged and own pairs are worked out once: a file whose anchors each merge a list
 * of the previous one would otherwise cost the list length to the power of the chain length.
 */
const mergedPairsCache = new WeakMap<YAMLMap, Map<string, Pair>>();
const ownPairsCache = new WeakMap<YAMLMap, Map<string, Pair>>();
/** Mappings whose merges are being resolved; a merge back into one of them adds nothing. */
const resolving = new WeakSet<YAMLMap>();
/** Each document's anchors by name, in document order; built once per document. */
const anchorIndexes = new WeakMap<Document, Map<string, AnchoredNode[]>>();

interface AnchoredNode {
  offset: number;
  node: Node;
}

export interface MergeConflict {
  key: string;
  /** Where the finding points: the written key, or the `<<` key for two sources. */
  at: Node;
  reason: 'written-before-merge' | 'mapping-merged';
}

/** A plain `<<` key (or one tagged !!merge), which the YAML 1.1 schema resolves to a symbol. */
export function isMergeKey(key: unknown): boolean {
  return isScalar(key) && typeof key.value === 'symbol';
}

/**
 * The pairs a mapping takes from its `<<` keys, by key name: the first source that has a key
 * gives it, and a source's own merges count as part of it. Written keys are not included.
 */
export function collectMergedPairs(map: YAMLMap, doc: Document): Map<string, Pair> {
  const cached = mergedPairsCache.get(map);
  if (cached !== undefined) return cached;
  const merged = new Map<string, Pair>();
  if (resolving.has(map)) return merged;
  resolving.add(map);
  try {
    for (const pair of map.items) {
      if (!isMergeKey(pair.key)) continue;
      for (const source of findMergeSources(pair.value, doc)) {
        for (const [key, sourcePair] of ownPairs(source, doc)) {
          if (!merged.has(key)) merged.set(key, sourcePair);
        }
      }
    }
  } finally {
    resolving.delete(map);
  }
  mergedPairsCache.set(map, merged);

  return merged;
}

/** The keys where v2 and this parser would read the mapping differently (see the file comment). */
export function findMergeConflicts(map: YAMLMap, doc: Document): MergeConflict[] {
  const mergeIndex = map.items.findIndex((pair) => isMergeKey(pair.key));
  if (mergeIndex < 0) return [];
  const mergePair = map.items[mergeIndex] as Pair;
  const conflicts: MergeConflict[] = [];
  const fromSources = new Map<string, Pair[]>();
  for (const source of findMergeSources(mergePair.value, doc)) {
    for (const [key, pair] of ownPairs(source, doc)) {
      const pairs = fromSources.get(key);
      if (pairs === undefined) fromSources.set(key, [pair]);
      else pairs.push(pair);
    }
  }
  for (const [key, pairs] of fromSources) {
    if (pairs.length > 1 && pairs.some((pair) => holdsCollection(pair, doc))) {
      conflicts.push({ key, at: mergePair.key as Node, reason: 'mapping-merged' });
    }
  }
  map.items.forEach((pair, index) => {
    if (!isScalar(pair.key) || isMergeKey(pair.key)) return;
    const key = String(pair.key.value);
    const sources = fromSources.get(key);
    if (sources === undefined) return;
    if (holdsCollection(pair, doc) || sources.some((source) => holdsCollection(source, doc))) {
      conflicts.push({ key, at: pair.key, reason: 'mapping-merged' });
    } else if (index < mergeIndex) {
      conflicts.push({ key, at: pair.key, reason: 'written-before-merge' });
    }
  });

  return conflicts;
}

/** The distinct mappings a `<<` value names, first first: merging one twice changes nothing. */
function findMergeSources(value: unknown, doc: Document): YAMLMap[] {
  const items = isSeq(value) ? value.items : [value];
  const sources = new Set<YAMLMap>();
  for (const item of items) {
    const node = isAlias(item) ? resolveAlias(item, doc) : item;
    if (isMap(node)) sources.add(node);
  }

  return [...sources];
}

/** A source's written keys, then the keys its own merges give it. */
function ownPairs(source: YAMLMap, doc: Document): Map<string, Pair> {
  const cached = ownPairsCache.get(source);
  if (cached !== undefined) return cached;
  const pairs = new Map<string, Pair>();
  for (const pair of source.items) {
    if (isScalar(pair.key) && !isMergeKey(pair.key)) pairs.set(String(pair.key.value), pair);
  }
  for (const [key, pair] of collectMergedPairs(source, doc)) {
    if (!pairs.has(key)) pairs.set(key, pair);
  }
  if (!resolving.has(source)) ownPairsCache.set(source, pairs);

  return pairs;
}

function holdsCollection(pair: Pair, doc: Document): boolean {
  const value = isAlias(pair.value) ? resolveAlias(pair.value, doc) : pair.value;

  return isCollection(value);
}

/**
 * The node an alias names: the last node anchored with its name before it, as the YAML library
 * resolves it. The library's own lookup walks the whole document for each alias, which a file of
 * a few thousand aliases turns into seconds; this index is built once and searched by offset.
 */
export function resolveAlias(alias: Alias, doc: Document): Node | undefined {
  const anchors = indexAnchors(doc).get(alias.source);
  if (anchors === undefined) return undefined;
  const offset = alias.range?.[0] ?? 0;
  let low = 0;
  let high = anchors.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((anchors[middle] as AnchoredNode).offset < offset) low = middle + 1;
    else high = middle;
  }

  return anchors[low - 1]?.node;
}

function indexAnchors(doc: Document): Map<string, AnchoredNode[]> {
  let index = anchorIndexes.get(doc);
  if (index !== undefined) return index;
  index = new Map();
  const found = index;
  visit(doc, {
    Node: (_key, node) => {
      if (isAlias(node) || node.anchor === undefined) return;
      const entry = { offset: node.range?.[0] ?? 0, node };
      const list = found.get(node.anchor);
      if (list === undefined) found.set(node.anchor, [entry]);
      else list.push(entry);
    },
  });
  anchorIndexes.set(doc, index);

  return index;
}
