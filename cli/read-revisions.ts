import * as z from 'zod';
import { type ClusterRecord, type Revision, RevisionSchema } from '../schemas/revision.ts';
import { type BackendSession, callApi, describeApiError } from './backend-session.ts';
import { describeAnswerProblem } from './describe-answer-problem.ts';

/** Revisions one request asks for: the API's largest page. */
const PAGE_LIMIT = 100;

export interface RevisionsRead {
  /** Newest first. */
  revisions: Revision[];
  /** Whether older revisions exist than the last one read. */
  more: boolean;
}

/** The list answer as far as the CLI relies on it; entries leave their change summary out. */
const RevisionPageSchema = z.object({
  revisions: z.array(RevisionSchema),
  links: z.object({ next: z.string().optional() }).optional(),
});

/** Revisions one command reads at most: far beyond any cluster, short of a runaway server. */
const MAX_REVISIONS_READ = 100_000;

/**
 * Reads a cluster's revisions newest first, page by page, numbered below `before` (from the
 * newest when absent), until `count` are read, `stop` holds for one just read, or none are left.
 * A page the API refuses throws with its error, so a caller never shows half a list as whole;
 * so does a page of another shape or one that does not go down, which would never end.
 */
export async function readRevisions(
  session: BackendSession,
  cluster: string,
  options: { count?: number; before?: number; stop?: (revision: Revision) => boolean },
): Promise<RevisionsRead> {
  const count = options.count ?? Number.POSITIVE_INFINITY;
  const revisions: Revision[] = [];
  let before = options.before;
  for (;;) {
    const limit = Math.min(PAGE_LIMIT, count - revisions.length);
    const query = `limit=${limit}${before === undefined ? '' : `&before=${before}`}`;
    const answer = await callApi(session, 'GET', `/clusters/${cluster}/revisions?${query}`);
    if (answer.status !== 200) throw new Error(describeApiError(answer));
    const page = readPage(session, answer.body, before);
    for (const [index, revision] of page.revisions.entries()) {
      revisions.push(revision);
      if (options.stop?.(revision) === true) {
        return { revisions, more: index < page.revisions.length - 1 || hasNext(page) };
      }
    }
    const oldest = page.revisions.at(-1)?.revision;
    if (!hasNext(page) || oldest === undefined) return { revisions, more: false };
    if (revisions.length >= count) return { revisions, more: true };
    if (revisions.length >= MAX_REVISIONS_READ) {
      throw new Error(
        `the revision list of ${session.apiUrl} must end within ${MAX_REVISIONS_READ} revisions (received more); is it a kube-aws backend?`,
      );
    }
    before = oldest;
  }
}

/** A page, checked: its shape, and revisions that go down from below `before` to at least 1. */
function readPage(
  session: BackendSession,
  body: unknown,
  before: number | undefined,
): z.infer<typeof RevisionPageSchema> {
  const parsed = RevisionPageSchema.safeParse(body);
  if (!parsed.success) {
    throw new Error(
      `the API's revision list must hold revisions (received ${describeAnswerProblem(parsed.error)}); is ${session.apiUrl} a kube-aws backend?`,
    );
  }
  let ceiling = before ?? Number.POSITIVE_INFINITY;
  for (const { revision } of parsed.data.revisions) {
    if (revision >= ceiling) {
      throw new Error(
        `the API's revision list must go down, newest first, below ${ceiling} (received revision ${revision}); is ${session.apiUrl} a kube-aws backend?`,
      );
    }
    ceiling = revision;
  }

  return parsed.data;
}

function hasNext(page: { links?: { next?: string | undefined } | undefined }): boolean {
  return page.links?.next !== undefined;
}

/**
 * The newest revision's number: the record's counter, or the newest listed revision when the
 * counter lags (a backend killed between storing a revision and counting it, until the next
 * submission or embedded start repairs it). `newestFirst` is a list read from the newest.
 */
export function findLatestNumber(
  record: Pick<ClusterRecord, 'latestRevision'>,
  newestFirst: readonly Pick<Revision, 'revision'>[],
): number {
  return Math.max(record.latestRevision, newestFirst[0]?.revision ?? 0);
}
