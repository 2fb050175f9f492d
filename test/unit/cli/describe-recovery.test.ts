import { describe, expect, it } from 'vitest';
import { describeRecovery } from '../../../cli/backend-session.ts';

describe('describeRecovery', () => {
  it('names each recovered revision by what happened to it, failed ones first', () => {
    const run = { cluster: 'demo', alreadyFinished: false, releasedLock: true };

    expect(
      describeRecovery({
        failed: [{ cluster: 'demo', revision: 3 }],
        finished: [{ ...run, revision: 2, status: 'PLANNED', alreadyFinished: true }],
        resumed: [{ cluster: 'other', revision: 1 }],
        started: [{ cluster: 'demo', revision: 4 }],
      }),
    ).toEqual([
      'recovered: revision 3 of cluster demo was cut off by a stopped process; recorded FAILED and its lock released',
      'recovered: revision 2 of cluster demo had already finished: PLANNED',
      'recovered: revision 1 of cluster other had not started; started it now',
      'recovered: queued revision 4 of cluster demo started',
    ]);
  });
});
