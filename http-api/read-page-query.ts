import { ValidationError } from '../lib/errors.ts';

/** Revisions a list page holds when the caller names no limit, and the most it may name. */
export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 100;

const PAGE_PARAMETERS = ['limit', 'before'] as const;
/** Leading zeros are read as the number they pad, as a person writing 05 means 5. */
const WHOLE_NUMBER = /^0*[1-9][0-9]{0,8}$/;

export interface PageQuery {
  limit: number;
  /** Only revisions numbered below this one; the newest when absent. */
  before?: number;
}

/**
 * `?limit=20&before=41` of `GET /clusters/{name}/revisions`. An unknown parameter is refused
 * rather than ignored, so a misspelt `limt=5` does not silently return the default page.
 */
export function readPageQuery(query: Readonly<Record<string, string | undefined>>): PageQuery {
  for (const name of Object.keys(query)) {
    if (!(PAGE_PARAMETERS as readonly string[]).includes(name)) {
      throw new ValidationError(
        `query parameter ${JSON.stringify(name.slice(0, 32))} is not known; the revisions list takes limit and before`,
      );
    }
  }
  const limit =
    query.limit === undefined ? DEFAULT_PAGE_LIMIT : readWholeNumber('limit', query.limit);
  if (limit > MAX_PAGE_LIMIT) {
    throw new ValidationError(
      `limit must be an integer from 1 to ${MAX_PAGE_LIMIT} (received ${JSON.stringify(query.limit)})`,
    );
  }
  if (query.before === undefined) return { limit };

  return { limit, before: readWholeNumber('before', query.before) };
}

function readWholeNumber(name: string, text: string): number {
  if (!WHOLE_NUMBER.test(text)) {
    const range = name === 'limit' ? `from 1 to ${MAX_PAGE_LIMIT}` : 'from 1 to 999999999';
    // API Gateway and the embedded server join a repeated parameter's values with commas.
    const repeated = text.includes(',') ? `; give ${name} once` : '';
    const shown = text.length > 16 ? `${text.slice(0, 16)}...` : text;
    throw new ValidationError(
      `${name} must be an integer ${range} (received ${JSON.stringify(shown)})${repeated}`,
    );
  }

  return Number(text);
}
