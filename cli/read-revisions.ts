import type { Revision } from '../schemas/revision.ts';
import { type BackendSession, callApi, describeApiError } from './backend-session.ts';

/** Revisions one request asks for: the API's largest page. */
const PAGE_LIMIT = 100;

export interface RevisionsRead {
  /** Newest first. */
  revisions: Revision[];
  /** Whether older revisions exist than the last one read. */
  more: boolean;
}

/**
 * Reads a cluster's revisions newest first, page by page, numbered below `before` (from the
 * newest when absent), until `count` are read, `stop` holds for one just read, or none are left.
 * A page the API refuses throws with its error, so a caller never shows half a list as whole.
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
    const page = answer.body as { revisions: Revision[]; links?: { next?: string } };
    for (const [index, revision] of page.revisions.entries()) {
      revisions.push(revision);
      if (options.stop?.(revision) === true) {
        return { revisions, more: index < page.revisions.length - 1 || hasNext(page) };
      }
    }
    const oldest = page.revisions.at(-1)?.revision;
    if (!hasNext(page) || oldest === undefined) return { revisions, more: false };
    if (revisions.length >= count) return { revisions, more: true };
    before = oldest;
  }
}

function hasNext(page: { links?: { next?: string } }): boolean {
  return page.links?.next !== undefined;
}
