import { ClusterConfigSchema, NodePoolSchema, SubnetSchema } from '../schemas/cluster-config.ts';
import type { ConfigPath } from './yaml-source.ts';
import { formatPath, MAX_FINDINGS } from './yaml-source.ts';

/**
 * Key-level checks that run before the schema: unknown keys (with a did-you-mean suggestion),
 * deprecated keys (with their replacement) and keys that could reach an object prototype. The
 * result is a copy holding only known keys, built so that no key can change a prototype.
 */

export interface KeyProblem {
  severity: 'error' | 'warning';
  rule: string;
  path: ConfigPath;
  message: string;
}

/** Top-level keys kube-aws accepted that this product reads no longer. Kept: still in the schema. */
const DEPRECATED_KEYS: Readonly<Record<string, { remedy: string; kept: boolean }>> = {
  hostedZone: { remedy: 'hostedZone is deprecated; use hostedZoneId', kept: true },
  hyperkubeImageRepo: {
    remedy: 'hyperkubeImageRepo is ignored; images come from registry.k8s.io with pinned versions',
    kept: true,
  },
  artifactURL: {
    remedy: 'artifactURL is ignored; images come from registry.k8s.io with pinned versions',
    kept: false,
  },
  kubernetesServiceIP: {
    remedy:
      'kubernetesServiceIP is ignored; the first address after the serviceCIDR network is used',
    kept: false,
  },
  etcdInstanceType: {
    remedy: 'etcdInstanceType is ignored; etcd runs on the controllers, use controllerInstanceType',
    kept: false,
  },
  etcdRootVolumeSize: {
    remedy:
      'etcdRootVolumeSize is ignored; etcd runs on the controllers, use controllerRootVolumeSize',
    kept: false,
  },
  etcdDataVolumeEphemeral: {
    remedy: 'etcdDataVolumeEphemeral is ignored; etcd data always lives on an EBS volume',
    kept: false,
  },
};

/** Keys that must never become plain properties, whatever object they land in. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const TOP_LEVEL_KEYS = Object.keys(ClusterConfigSchema.shape);
const SUBNET_KEYS = Object.keys(SubnetSchema.shape);
const NODE_POOL_KEYS = Object.keys(NodePoolSchema.shape);

/** The report shows the first MAX_FINDINGS findings, so later unknown keys need no suggestion. */
const MAX_SUGGESTED_KEYS = MAX_FINDINGS;

/** Nested objects whose keys are fixed, by top-level list key. */
const LIST_ITEM_KEYS: Readonly<Record<string, readonly string[]>> = {
  subnets: SUBNET_KEYS,
  nodePools: NODE_POOL_KEYS,
};

export function checkKeys(raw: Record<string, unknown>): {
  known: Record<string, unknown>;
  problems: KeyProblem[];
} {
  const problems: KeyProblem[] = [];
  const known = pickKnown(raw, [], TOP_LEVEL_KEYS, problems, true);
  for (const [listKey, itemKeys] of Object.entries(LIST_ITEM_KEYS)) {
    const list = known[listKey];
    if (!Array.isArray(list)) continue;
    known[listKey] = list.map((item: unknown, index) =>
      isPlainMapping(item) ? pickKnown(item, [listKey, index], itemKeys, problems, false) : item,
    );
  }
  if (isPlainMapping(known.stackTags)) {
    known.stackTags = pickKnown(known.stackTags, ['stackTags'], undefined, problems, false);
  }

  return { known, problems };
}

export function isPlainMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Copies the allowed keys (all but unsafe ones when `allowed` is undefined) into a fresh object. */
function pickKnown(
  source: Record<string, unknown>,
  path: ConfigPath,
  allowed: readonly string[] | undefined,
  problems: KeyProblem[],
  topLevel: boolean,
): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  let unknownCount = 0;
  for (const key of Object.keys(source)) {
    const keyPath = [...path, key];
    const deprecated =
      topLevel && Object.hasOwn(DEPRECATED_KEYS, key) ? DEPRECATED_KEYS[key] : undefined;
    if (deprecated !== undefined) {
      problems.push({
        severity: 'warning',
        rule: 'deprecated-key',
        path: keyPath,
        message: deprecated.remedy,
      });
      if (!deprecated.kept) continue;
    }
    const isKnown = !UNSAFE_KEYS.has(key) && (allowed === undefined || allowed.includes(key));
    if (!isKnown) {
      unknownCount += 1;
      // Past the report's finding limit, the key's finding is never shown: skip the suggestion,
      // whose cost would otherwise grow with every junk key of a hostile file.
      const candidates = unknownCount <= MAX_SUGGESTED_KEYS ? (allowed ?? []) : [];
      problems.push({
        severity: 'error',
        rule: 'unknown-key',
        path: keyPath,
        message: describeUnknownKey(keyPath, candidates),
      });
      continue;
    }
    Object.defineProperty(copy, key, {
      value: source[key],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }

  return copy;
}

function describeUnknownKey(path: ConfigPath, candidates: readonly string[]): string {
  const key = String(path[path.length - 1]);
  const suggestion = suggestKey(key, candidates);
  const base = `${formatPath(path)} is not a known key`;

  return suggestion === undefined ? base : `${base}; did you mean ${suggestion}?`;
}

/** The closest known key by case-insensitive edit distance, when it is close enough to be a typo. */
export function suggestKey(key: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(2, Math.floor(key.length / 3));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    // The distance is at least the difference in length: a long junk key costs nothing.
    if (Math.abs(key.length - candidate.length) > limit) continue;
    const distance = measureEditDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit && (best === undefined || distance < best.distance)) {
      best = { candidate, distance };
    }
  }

  return best?.candidate;
}

/** Levenshtein distance with two rolling rows; inputs are short key names. */
export function measureEditDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }

  return previous[b.length] ?? 0;
}
