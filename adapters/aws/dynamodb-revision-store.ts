import type { CreateTableCommandInput, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { ConflictError, NotFoundError } from '../../lib/errors.ts';
import type {
  NewRevision,
  RevisionPage,
  RevisionPageRequest,
  RevisionStore,
} from '../../ports/revision-store.ts';
import { deriveExecutionName } from '../../revisions/execution-name.ts';
import {
  buildClusterPk,
  buildIdempotencyPk,
  buildRevisionSk,
  IDEMPOTENCY_SK,
  MAX_REVISION,
  META_SK,
  REVISION_SK_PREFIX,
} from '../../revisions/revision-item-keys.ts';
import {
  type ClusterRecord,
  ClusterRecordSchema,
  type Revision,
  RevisionSchema,
  type RevisionStatus,
  TERMINAL_STATUSES,
} from '../../schemas/revision.ts';
import { buildSetExpression, type ConditionalUpdate, DynamoDbTable } from './dynamodb-table.ts';

export interface DynamoDbRevisionStoreOptions {
  tableName: string;
  client: Pick<DynamoDBClientConfig, 'region' | 'endpoint' | 'credentials'>;
  /** Clock for transitions and lock leases; tests move it. */
  now?: () => Date;
}

/** Upper bound on allocation rounds; each lost round means another writer took a number. */
const MAX_ALLOCATION_ATTEMPTS = 200;

/** How long a pending idempotency claim (revision 0) holds before another submitter may take it. */
const PENDING_CLAIM_LEASE_MS = 5 * 60 * 1000;

/** Fields a patch never overwrites: identity and the append-only history. */
const IMMUTABLE_FIELDS = new Set(['cluster', 'revision', 'transitions', 'createdAt']);
/** update() also leaves status alone: it moves only through transition(), with history. */
const NON_UPDATABLE_FIELDS = new Set([...IMMUTABLE_FIELDS, 'status']);

/** The CreateTable input of the revisions table; infra/ declares the same shape in CDK. */
export function revisionTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  };
}

/**
 * The revision store over DynamoDB, built on conditional writes only (dynalite has no
 * transactions). Invariant: revision item k+1 is only written by a writer that saw item k exist
 * (through the counter, which rises only to numbers whose item exists, or through its own failed
 * conditional put of k), so numbers are gapless; `attribute_not_exists` makes them unique.
 * Nothing is ever deleted.
 */
export class DynamoDbRevisionStore implements RevisionStore {
  private readonly table: DynamoDbTable;
  private readonly now: () => Date;

  constructor(options: DynamoDbRevisionStoreOptions) {
    this.table = new DynamoDbTable(options.tableName, options.client);
    this.now = options.now ?? (() => new Date());
  }

  /** Closes the underlying HTTP connections. */
  destroy(): void {
    this.table.destroy();
  }

  async allocate(input: NewRevision): Promise<Revision> {
    const pk = buildClusterPk(input.cluster);
    let next = ((await this.getCluster(input.cluster))?.latestRevision ?? 0) + 1;
    for (let attempt = 0; attempt < MAX_ALLOCATION_ATTEMPTS; attempt++) {
      const revision = this.buildRevision(input, next);
      if (await this.table.putIfAbsent({ pk, sk: buildRevisionSk(next), ...revision })) {
        // A lagging counter (a writer crashed between its two writes) is repaired here too:
        // it only ever rises, and only to a number whose item exists.
        await this.raiseLatestRevision(input.cluster, next);
        return revision;
      }
      // Item `next` exists, so `next + 1` keeps the numbers gapless; the counter lets a writer
      // that fell far behind jump ahead instead of walking.
      const latest = (await this.getCluster(input.cluster))?.latestRevision ?? 0;
      next = Math.max(next, latest) + 1;
    }

    throw new ConflictError(
      `revision allocation for ${input.cluster} lost ${MAX_ALLOCATION_ATTEMPTS} races in a row; retry the submission`,
    );
  }

  async raiseLatestRevision(cluster: string, revision: number): Promise<void> {
    await this.table.updateIf(buildClusterPk(cluster), META_SK, {
      update: 'SET latestRevision = :revision, #cluster = :cluster',
      condition: 'attribute_not_exists(latestRevision) OR latestRevision < :revision',
      names: { '#cluster': 'cluster' },
      values: { ':revision': revision, ':cluster': cluster },
    });
  }

  async get(cluster: string, revision: number): Promise<Revision | undefined> {
    const item = await this.table.get(buildClusterPk(cluster), buildRevisionSk(revision));

    return item === undefined ? undefined : RevisionSchema.parse(item);
  }

  async list(cluster: string): Promise<Revision[]> {
    const items = await this.table.queryDescending(buildClusterPk(cluster), REVISION_SK_PREFIX);

    return items.map((item) => RevisionSchema.parse(item));
  }

  async listPage(cluster: string, page: RevisionPageRequest): Promise<RevisionPage> {
    const high = page.before === undefined ? MAX_REVISION : Math.min(page.before - 1, MAX_REVISION);
    if (high < 1) return { revisions: [], more: false };
    const { items, more } = await this.table.queryDescendingRange(buildClusterPk(cluster), {
      low: buildRevisionSk(1),
      high: buildRevisionSk(high),
      limit: page.limit,
    });

    return { revisions: items.map((item) => RevisionSchema.parse(item)), more };
  }

  async getCluster(cluster: string): Promise<ClusterRecord | undefined> {
    const item = await this.table.get(buildClusterPk(cluster), META_SK);
    if (item === undefined) return undefined;

    return ClusterRecordSchema.parse({ latestRevision: 0, ...item, cluster });
  }

  async transition(
    cluster: string,
    revision: number,
    status: RevisionStatus,
    detail: { state?: string; detail?: string } = {},
    patch: Partial<Revision> = {},
    guard?: { from: readonly RevisionStatus[] },
  ): Promise<Revision> {
    const at = this.now().toISOString();
    const set = buildSetExpression({ ...patch, updatedAt: at }, NON_UPDATABLE_FIELDS);
    const terminal = TERMINAL_STATUSES.map((value, index) => [`:terminal${index}`, value]);
    const from = (guard?.from ?? []).map((value, index) => [`:from${index}`, value]);
    const fromCondition =
      from.length === 0 ? '' : ` AND #status IN (${from.map(([name]) => name).join(', ')})`;
    const assignments = [
      ...set.assignments,
      '#status = :status',
      'transitions = list_append(transitions, :transition)',
    ];
    const terminalNames = terminal.map(([name]) => name).join(', ');

    // A final revision never changes status again: a re-run step cannot rewrite history.
    return this.updateRevision(
      cluster,
      revision,
      {
        update: `SET ${assignments.join(', ')}`,
        condition: `attribute_exists(pk) AND NOT (#status IN (${terminalNames}))${fromCondition}`,
        names: { ...set.names, '#status': 'status' },
        values: {
          ...set.values,
          ...Object.fromEntries(terminal),
          ...Object.fromEntries(from),
          ':status': status,
          ':transition': [{ status, at, ...detail }],
        },
      },
      guard === undefined
        ? `revision ${revision} of ${cluster} is already final; it cannot become ${status}`
        : `revision ${revision} of ${cluster} is not ${guard.from.join(' or ')}; it cannot become ${status}`,
    );
  }

  async update(cluster: string, revision: number, patch: Partial<Revision>): Promise<Revision> {
    const set = buildSetExpression(
      { ...patch, updatedAt: this.now().toISOString() },
      NON_UPDATABLE_FIELDS,
    );

    return this.updateRevision(cluster, revision, {
      update: `SET ${set.assignments.join(', ')}`,
      condition: 'attribute_exists(pk)',
      names: set.names,
      values: set.values,
    });
  }

  async setLastApplied(cluster: string, revision: number): Promise<void> {
    // The check is a conditional write on the revision item itself; APPLIED is final (see
    // transition), so the status cannot change between this check and the pointer update.
    await this.updateRevision(
      cluster,
      revision,
      {
        update: 'SET #status = :applied',
        condition: 'attribute_exists(pk) AND #status = :applied',
        names: { '#status': 'status' },
        values: { ':applied': 'APPLIED' },
      },
      `revision ${revision} of ${cluster} is not APPLIED; only an applied revision becomes lastApplied`,
    );

    // Never moves backwards; re-running with the same revision changes nothing.
    await this.table.updateIf(buildClusterPk(cluster), META_SK, {
      update: 'SET lastApplied = :revision',
      condition: 'attribute_not_exists(lastApplied) OR lastApplied <= :revision',
      values: { ':revision': revision },
    });
  }

  async acquireLock(cluster: string, revision: number, leaseMs: number): Promise<boolean> {
    const now = this.now();
    const taken = await this.table.updateIf(buildClusterPk(cluster), META_SK, {
      update: 'SET #lock = :lock',
      condition:
        'attribute_not_exists(#lock) OR #lock.expiresAt < :now OR #lock.revision = :revision',
      names: { '#lock': 'lock' },
      values: {
        ':lock': { revision, expiresAt: new Date(now.getTime() + leaseMs).toISOString() },
        ':now': now.toISOString(),
        ':revision': revision,
      },
    });

    return taken !== undefined;
  }

  async releaseLock(cluster: string, revision: number): Promise<void> {
    // Only the holder releases; anyone else's release is a no-op.
    await this.table.updateIf(buildClusterPk(cluster), META_SK, {
      update: 'REMOVE #lock',
      condition: '#lock.revision = :revision',
      names: { '#lock': 'lock' },
      values: { ':revision': revision },
    });
  }

  async claimIdempotencyKey(
    scope: string,
    key: string,
    revision: number,
  ): Promise<number | undefined> {
    const pk = buildIdempotencyPk(scope, key);
    const now = this.now();
    if (
      await this.table.putIfAbsent({
        pk,
        sk: IDEMPOTENCY_SK,
        revision,
        claimedAt: now.toISOString(),
      })
    ) {
      return undefined;
    }
    // A pending claim (0) that was never settled belongs to a submitter that died before
    // allocating; after the lease it may be taken over, so the key is not blocked for ever.
    if (revision === 0) {
      const taken = await this.table.updateIf(pk, IDEMPOTENCY_SK, {
        update: 'SET claimedAt = :now',
        condition:
          'revision = :pending AND (attribute_not_exists(claimedAt) OR claimedAt < :stale)',
        values: {
          ':now': now.toISOString(),
          ':pending': 0,
          ':stale': new Date(now.getTime() - PENDING_CLAIM_LEASE_MS).toISOString(),
        },
      });
      if (taken !== undefined) return undefined;
    }

    return this.lookupIdempotencyKey(scope, key);
  }

  async settleIdempotencyKey(scope: string, key: string, revision: number): Promise<void> {
    const settled = await this.table.updateIf(buildIdempotencyPk(scope, key), IDEMPOTENCY_SK, {
      update: 'SET revision = :revision',
      condition: 'revision = :pending OR revision = :revision',
      values: { ':revision': revision, ':pending': 0 },
    });
    if (settled === undefined) {
      throw new ConflictError(
        `idempotency key ${key} in ${scope} is not pending; it cannot be settled to revision ${revision}`,
      );
    }
  }

  async lookupIdempotencyKey(scope: string, key: string): Promise<number | undefined> {
    const item = await this.table.get(buildIdempotencyPk(scope, key), IDEMPOTENCY_SK);
    const revision = item?.revision;

    return typeof revision === 'number' ? revision : undefined;
  }

  private buildRevision(input: NewRevision, revision: number): Revision {
    const at = this.now().toISOString();

    return RevisionSchema.parse({
      cluster: input.cluster,
      revision,
      status: 'QUEUED',
      transitions: [{ status: 'QUEUED', at }],
      source: input.source,
      submitter: input.submitter,
      correlationId: input.correlationId,
      inputKey: input.inputKey,
      inputSha256: input.inputSha256,
      executionName: deriveExecutionName(input.cluster, revision),
      rotate: input.rotate,
      allowReplace: input.allowReplace,
      createdAt: at,
      updatedAt: at,
    });
  }

  /** Updates an existing revision item; NotFound when absent, Conflict when the condition fails. */
  private async updateRevision(
    cluster: string,
    revision: number,
    request: ConditionalUpdate,
    conflictMessage = `revision ${revision} of ${cluster} changed concurrently`,
  ): Promise<Revision> {
    const updated = await this.table.updateIf(
      buildClusterPk(cluster),
      buildRevisionSk(revision),
      request,
    );
    if (updated !== undefined) return RevisionSchema.parse(updated);

    if ((await this.get(cluster, revision)) === undefined) {
      throw new NotFoundError(`revision ${revision} of cluster ${cluster} does not exist`);
    }
    throw new ConflictError(conflictMessage);
  }
}
