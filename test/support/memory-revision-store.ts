import type {
  NewRevision,
  RevisionPage,
  RevisionPageRequest,
  RevisionStore,
} from '../../ports/revision-store.ts';
import { deriveExecutionName } from '../../revisions/execution-name.ts';
import type { ClusterRecord, Revision, RevisionStatus } from '../../schemas/revision.ts';

/**
 * A minimal in-memory RevisionStore for unit tests of pipeline steps: numbering, get, list,
 * transitions, updates, leased locks and idempotency keys, without any persistence.
 */
export class MemoryRevisionStore implements RevisionStore {
  readonly revisions = new Map<string, Revision>();
  readonly clusters = new Map<string, ClusterRecord>();
  readonly #idempotency = new Map<string, number>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  async allocate(input: NewRevision): Promise<Revision> {
    const cluster = this.clusters.get(input.cluster) ?? {
      cluster: input.cluster,
      latestRevision: 0,
    };
    const number = cluster.latestRevision + 1;
    const at = this.now().toISOString();
    const revision: Revision = {
      cluster: input.cluster,
      revision: number,
      status: 'QUEUED',
      transitions: [{ status: 'QUEUED', at }],
      source: input.source,
      submitter: input.submitter,
      correlationId: input.correlationId,
      inputKey: input.inputKey,
      inputSha256: input.inputSha256,
      executionName: deriveExecutionName(input.cluster, number),
      rotate: input.rotate,
      allowReplace: input.allowReplace,
      createdAt: at,
      updatedAt: at,
    };
    this.clusters.set(input.cluster, { ...cluster, latestRevision: number });
    this.revisions.set(keyOf(input.cluster, number), revision);

    return structuredClone(revision);
  }

  async get(cluster: string, revision: number): Promise<Revision | undefined> {
    const found = this.revisions.get(keyOf(cluster, revision));

    return found === undefined ? undefined : structuredClone(found);
  }

  async list(cluster: string): Promise<Revision[]> {
    return [...this.revisions.values()]
      .filter((revision) => revision.cluster === cluster)
      .sort((a, b) => b.revision - a.revision)
      .map((revision) => structuredClone(revision));
  }

  async listPage(cluster: string, page: RevisionPageRequest): Promise<RevisionPage> {
    const below = (await this.list(cluster)).filter(
      (revision) => page.before === undefined || revision.revision < page.before,
    );

    return { revisions: below.slice(0, page.limit), more: below.length > page.limit };
  }

  async getCluster(cluster: string): Promise<ClusterRecord | undefined> {
    const found = this.clusters.get(cluster);

    return found === undefined ? undefined : structuredClone(found);
  }

  async transition(
    cluster: string,
    revision: number,
    status: RevisionStatus,
    detail: { state?: string; detail?: string } = {},
    patch: Partial<Revision> = {},
  ): Promise<Revision> {
    const current = this.#require(cluster, revision);
    const at = this.now().toISOString();

    return this.update(cluster, revision, {
      ...patch,
      status,
      transitions: [...current.transitions, { status, at, ...detail }],
    });
  }

  async update(cluster: string, revision: number, patch: Partial<Revision>): Promise<Revision> {
    const updated = {
      ...this.#require(cluster, revision),
      ...patch,
      updatedAt: this.now().toISOString(),
    };
    this.revisions.set(keyOf(cluster, revision), updated);

    return structuredClone(updated);
  }

  async setLastApplied(cluster: string, revision: number): Promise<void> {
    if (this.#require(cluster, revision).status !== 'APPLIED') {
      throw new Error(`revision ${revision} of ${cluster} must be APPLIED to become lastApplied`);
    }
    const record = this.clusters.get(cluster) ?? { cluster, latestRevision: revision };
    this.clusters.set(cluster, { ...record, lastApplied: revision });
  }

  async acquireLock(cluster: string, revision: number, leaseMs: number): Promise<boolean> {
    const record = this.clusters.get(cluster) ?? { cluster, latestRevision: 0 };
    const held = record.lock;
    const now = this.now().getTime();
    if (held !== undefined && held.revision !== revision && Date.parse(held.expiresAt) > now) {
      return false;
    }
    const expiresAt = new Date(now + leaseMs).toISOString();
    this.clusters.set(cluster, { ...record, lock: { revision, expiresAt } });

    return true;
  }

  async releaseLock(cluster: string, revision: number): Promise<void> {
    const record = this.clusters.get(cluster);
    if (record?.lock?.revision !== revision) return;
    const { lock: _released, ...rest } = record;
    this.clusters.set(cluster, rest);
  }

  async claimIdempotencyKey(scope: string, key: string, revision: number) {
    const taken = this.#idempotency.get(`${scope}\u0000${key}`);
    if (taken !== undefined) return taken;
    this.#idempotency.set(`${scope}\u0000${key}`, revision);

    return undefined;
  }

  async lookupIdempotencyKey(scope: string, key: string): Promise<number | undefined> {
    return this.#idempotency.get(`${scope}\u0000${key}`);
  }

  #require(cluster: string, revision: number): Revision {
    const found = this.revisions.get(keyOf(cluster, revision));
    if (found === undefined) throw new Error(`revision ${revision} of ${cluster} does not exist`);

    return found;
  }
}

function keyOf(cluster: string, revision: number): string {
  return `${cluster}#${revision}`;
}
