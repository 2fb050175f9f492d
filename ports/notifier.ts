import type { RevisionStatus } from '../schemas/revision.ts';

export interface RevisionFailureNotice {
  cluster: string;
  revision: number;
  status: RevisionStatus;
  cause: string;
}

/**
 * Tells subscribers that a revision ended badly (FAILED, ROLLED_BACK, NEEDS_RECOVERY): SNS in
 * AWS; the embedded backend has none, since its runs are followed on the terminal.
 */
export interface Notifier {
  notifyRevisionFailed(notice: RevisionFailureNotice): Promise<void>;
}
