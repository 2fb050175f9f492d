import type {
  ClusterRecord,
  Revision,
  RevisionStatus,
  SubmissionSource,
} from '../schemas/revision.ts';

export interface NewRevision {
  cluster: string;
  source: SubmissionSource;
  submitter: string;
  correlationId: string;
  inputKey: string;
  inputSha256: string;
  rotate?: string[];
  allowReplace?: boolean;
}

export interface RevisionPageRequest {
  limit: number;
  before?: number;
}

export interface RevisionPage {
  revisions: Revision[];
  /** Whether revisions older than the last one exist. */
  more: boolean;
}

/**
 * DynamoDB in AWS, dynalite when embedded; one adapter serves both. Revisions are never deleted.
 * Numbers are allocated with conditional writes: gapless, never duplicated.
 */
export interface RevisionStore {
  allocate(input: NewRevision): Promise<Revision>;
  get(cluster: string, revision: number): Promise<Revision | undefined>;
  /** Newest first: every revision of the cluster, for recovery and checks that need them all. */
  list(cluster: string): Promise<Revision[]>;
  /** Newest first: at most `limit` revisions numbered below `before` (all when absent). */
  listPage(cluster: string, page: RevisionPageRequest): Promise<RevisionPage>;
  getCluster(cluster: string): Promise<ClusterRecord | undefined>;
  /**
   * Appends a transition with the current time and sets the status; patch adds fields. With
   * `guard.from`, the transition happens only from one of those statuses (ConflictError
   * otherwise), so two callers racing to start the same revision record it once.
   */
  transition(
    cluster: string,
    revision: number,
    status: RevisionStatus,
    detail?: { state?: string; detail?: string },
    patch?: Partial<Revision>,
    guard?: { from: readonly RevisionStatus[] },
  ): Promise<Revision>;
  update(cluster: string, revision: number, patch: Partial<Revision>): Promise<Revision>;
  /**
   * Raises the cluster's `latestRevision` to `revision` when it is lower (a writer stopped
   * between storing a revision and counting it); never lowers it. Optional for test doubles.
   */
  raiseLatestRevision?(cluster: string, revision: number): Promise<void>;
  /** Moves `lastApplied`; only an APPLIED revision may be passed. */
  setLastApplied(cluster: string, revision: number): Promise<void>;
  /** Takes the per-cluster lock for a revision, or returns false when another run holds it. */
  acquireLock(cluster: string, revision: number, leaseMs: number): Promise<boolean>;
  /** Releases the lock when held by this revision; a no-op otherwise (safe to re-run). */
  releaseLock(cluster: string, revision: number): Promise<void>;
  /**
   * Records `key` for `revision` unless the key is already taken, in which case it returns the
   * revision number that took it first.
   */
  claimIdempotencyKey(scope: string, key: string, revision: number): Promise<number | undefined>;
  /**
   * Turns a pending claim (made with revision 0 before allocating) into the allocated revision.
   * A pending claim never settled (its submitter died) may be claimed again after a lease.
   * Optional for test doubles; without it, submit claims only after allocating.
   */
  settleIdempotencyKey?(scope: string, key: string, revision: number): Promise<void>;
  lookupIdempotencyKey(scope: string, key: string): Promise<number | undefined>;
}
