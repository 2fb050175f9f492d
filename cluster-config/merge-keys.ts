import {
  type Document,
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  type Node,
  type Pair,
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

/** Merges inside merge sources are followed this deep; anchors cannot nest further in practice. */
const MAX_MERGE_DEPTH = 8;

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
export function collectMergedPairs(map: YAMLMap, doc: Document, depth = 0): Map<string, Pair> {
  const merged = new Map<string, Pair>();
  if (depth > MAX_MERGE_DEPTH) return merged;
  for (const pair of map.items) {
    if (!isMergeKey(pair.key)) continue;
    for (const source of findMergeSources(pair.value, doc)) {
      for (const [key, sourcePair] of ownPairs(source, doc, depth)) {
        if (!merged.has(key)) merged.set(key, sourcePair);
      }
    }
  }

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
    for (const [key, pair] of ownPairs(source, doc, 0)) {
      fromSources.set(key, [...(fromSources.get(key) ?? []), pair]);
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

function findMergeSources(value: unknown, doc: Document): YAMLMap[] {
  const items = isSeq(value) ? value.items : [value];
  const sources: YAMLMap[] = [];
  for (const item of items) {
    const node = isAlias(item) ? item.resolve(doc) : item;
    if (isMap(node)) sources.push(node);
  }

  return sources;
}

/** A source's written keys, then the keys its own merges give it. */
function ownPairs(source: YAMLMap, doc: Document, depth: number): Map<string, Pair> {
  const pairs = new Map<string, Pair>();
  for (const pair of source.items) {
    if (isScalar(pair.key) && !isMergeKey(pair.key)) pairs.set(String(pair.key.value), pair);
  }
  for (const [key, pair] of collectMergedPairs(source, doc, depth + 1)) {
    if (!pairs.has(key)) pairs.set(key, pair);
  }

  return pairs;
}

function holdsCollection(pair: Pair, doc: Document): boolean {
  const value = isAlias(pair.value) ? pair.value.resolve(doc) : pair.value;

  return isCollection(value);
}
