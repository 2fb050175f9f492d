import { escapeControlCharacters } from '../cluster-config/escape-control-characters.ts';
import { artifactKeys } from '../lib/artifact-keys.ts';
import type { Revision } from '../schemas/revision.ts';
import type { BackendSession } from './backend-session.ts';

/** Characters of an error message shown in text; a validation error's location still fits. */
export const MAX_ERROR_TEXT = 300;

/** Statuses whose revision carries the error that ended its run. */
const FAILED_STATUSES: ReadonlySet<string> = new Set(['FAILED', 'ROLLED_BACK']);

/**
 * `<name>: <message>` of a FAILED or ROLLED_BACK revision on one line: the message's first line,
 * control characters escaped, cut at {@link MAX_ERROR_TEXT} characters; a cut or dropped rest
 * says where the whole error is. Undefined for any other revision.
 */
export function describeRevisionError(
  revision: Pick<Revision, 'status' | 'error'>,
): string | undefined {
  if (!FAILED_STATUSES.has(revision.status) || revision.error === undefined) return undefined;
  const lines = revision.error.message.split(/\r?\n/).filter((line) => line.trim() !== '');
  const first = escapeControlCharacters(lines[0] ?? '');
  const cut = first.length > MAX_ERROR_TEXT || lines.length > 1;
  const shown = first.length > MAX_ERROR_TEXT ? `${first.slice(0, MAX_ERROR_TEXT)}...` : first;

  return (
    `${escapeControlCharacters(revision.error.name)}: ${shown}` +
    (cut ? ' (the whole error: --format json)' : '')
  );
}

/**
 * Said after the API's "has no revisions": an upload that the submit refused records no
 * revision, and its findings are only in the `validation.json` written beside the upload.
 */
export async function describeRefusedUpload(
  session: Pick<BackendSession, 'mode' | 'awsConfig'>,
  cluster: string,
): Promise<string> {
  const bucket = await readSubmissionsBucket(session);

  return (
    'an upload refused at submit records no revision: its findings are in ' +
    `s3://${bucket}/${artifactKeys.submissionValidation(cluster)}`
  );
}

async function readSubmissionsBucket(
  session: Pick<BackendSession, 'mode' | 'awsConfig'>,
): Promise<string> {
  if (session.mode === 'aws' && session.awsConfig !== undefined)
    return session.awsConfig.submissionsBucket;
  if (session.mode === 'embedded') {
    // Loaded only on this path: the module brings the emulators.
    const { SUBMISSIONS_BUCKET } = await import('../embedded/start-embedded-backend.ts');
    return SUBMISSIONS_BUCKET;
  }

  return '<submissions bucket>';
}
