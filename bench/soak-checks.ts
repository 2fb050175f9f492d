import type { startEmbeddedBackend } from '../embedded/start-embedded-backend.ts';
import { TERMINAL_STATUSES } from '../schemas/revision.ts';

export interface AcceptedSubmission {
  cluster: string;
  revision: number;
  via: 'http' | 's3';
}

/** What the load phase did and saw; the end checks compare it with the stores. */
export interface SoakLedger {
  /** One entry per accepted submission; idempotent retries of it are not entries of their own. */
  accepted: AcceptedSubmission[];
  /** Requests by kind, for the summary. */
  counts: Map<string, number>;
  violations: string[];
}

export interface SoakEndResult {
  clusterCount: number;
  revisionCount: number;
  distinctAccepted: number;
  /** Accepted submissions with no revision in the store. */
  lost: number;
  /** Distinct accepted submissions answered with the same revision. */
  duplicated: number;
  /** Revisions in the store that no accepted submission was answered with. */
  unaccepted: number;
  /** Revisions not in a terminal status after the backend went idle. */
  stuck: number;
  locksHeld: number;
  executionsRunning: number;
  statuses: Record<string, number>;
}

type Backend = Awaited<ReturnType<typeof startEmbeddedBackend>>;

/** Compares what was accepted with what the revision store and the workflow hold. */
export async function checkSoakEnd(backend: Backend, ledger: SoakLedger): Promise<SoakEndResult> {
  const { deps, workflow } = backend;
  const clusters = [
    ...new Set([...ledger.accepted.map((entry) => entry.cluster), ...usedClusters()]),
  ];
  const acceptedKeys = ledger.accepted.map((entry) => `${entry.cluster}/${entry.revision}`);
  const distinct = new Set(acceptedKeys);
  const result: SoakEndResult = {
    clusterCount: 0,
    revisionCount: 0,
    distinctAccepted: distinct.size,
    lost: 0,
    duplicated: acceptedKeys.length - distinct.size,
    unaccepted: 0,
    stuck: 0,
    locksHeld: 0,
    executionsRunning: 0,
    statuses: {},
  };
  if (result.duplicated > 0) {
    ledger.violations.push(
      `${result.duplicated} distinct submissions were answered with a revision another submission already had`,
    );
  }

  const stored = new Set<string>();
  for (const cluster of clusters) {
    const revisions = await deps.revisions.list(cluster);
    if (revisions.length > 0) result.clusterCount += 1;
    for (const revision of revisions) {
      const key = `${cluster}/${revision.revision}`;
      stored.add(key);
      result.revisionCount += 1;
      result.statuses[revision.status] = (result.statuses[revision.status] ?? 0) + 1;
      if (!TERMINAL_STATUSES.includes(revision.status)) {
        result.stuck += 1;
        ledger.violations.push(`revision ${key} is stuck in ${revision.status}`);
      }
      const execution =
        revision.executionArn === undefined
          ? undefined
          : await workflow.describe(revision.executionArn);
      if (execution?.status === 'RUNNING') {
        result.executionsRunning += 1;
        ledger.violations.push(`execution of revision ${key} is still RUNNING`);
      }
      if (!distinct.has(key)) {
        result.unaccepted += 1;
        ledger.violations.push(
          `revision ${key} (${revision.status}, ${revision.source.kind}) was never answered as accepted`,
        );
      }
    }
    const lock = (await deps.revisions.getCluster(cluster))?.lock;
    if (lock !== undefined) {
      result.locksHeld += 1;
      ledger.violations.push(
        `cluster ${cluster} still holds the lock of revision ${lock.revision}`,
      );
    }
  }
  for (const key of distinct) {
    if (!stored.has(key)) {
      result.lost += 1;
      ledger.violations.push(`accepted revision ${key} is not in the store`);
    }
  }

  return result;
}

/** Every cluster name the workers send to, valid or not: a revision under any of them is checked. */
export function usedClusters(): string[] {
  return [...HTTP_CLUSTERS, ...S3_CLUSTERS, 'soak-warm'];
}

export const HTTP_CLUSTERS = ['soak-h1', 'soak-h2', 'soak-h3', 'soak-h4'] as const;
export const S3_CLUSTERS = ['soak-s1', 'soak-s2'] as const;
