import { describe, expect, it } from 'vitest';
import { describeQueueExit, findQueueExit, placeInQueue } from '../../../cli/place-in-queue.ts';

const QUEUED_AT = '2026-12-04T21:00:00.000Z';

describe('findQueueExit', () => {
  it('gives RUNNING and its time for a revision that has run to PLANNED since the last poll', () => {
    const revision = {
      status: 'PLANNED' as const,
      transitions: [
        { status: 'QUEUED' as const, at: QUEUED_AT },
        { status: 'RUNNING' as const, at: '2026-12-04T21:00:00.400Z' },
        { status: 'PLANNED' as const, at: '2026-12-04T21:00:01.200Z' },
      ],
    };

    expect(findQueueExit(revision)).toEqual({ status: 'RUNNING', at: '2026-12-04T21:00:00.400Z' });
  });

  it('gives the status a revision got without running', () => {
    const revision = {
      status: 'FAILED' as const,
      transitions: [
        { status: 'QUEUED' as const, at: QUEUED_AT },
        { status: 'FAILED' as const, at: '2026-12-04T21:00:03.000Z' },
      ],
    };

    expect(findQueueExit(revision)).toEqual({ status: 'FAILED', at: '2026-12-04T21:00:03.000Z' });
  });

  it('gives nothing while the revision is still queued', () => {
    expect(
      findQueueExit({ status: 'QUEUED', transitions: [{ status: 'QUEUED', at: QUEUED_AT }] }),
    ).toBeUndefined();
  });

  it('places a finished revision out of the queue into RUNNING from its transitions', () => {
    const place = placeInQueue(
      13,
      [
        {
          revision: 13,
          status: 'PLANNED',
          transitions: [
            { status: 'QUEUED', at: QUEUED_AT },
            { status: 'RUNNING', at: '2026-12-04T21:00:00.400Z' },
            { status: 'PLANNED', at: '2026-12-04T21:00:01.200Z' },
          ],
        },
      ],
      undefined,
    );

    expect(place).toEqual({ queued: false, status: 'RUNNING' });
  });
});

describe('describeQueueExit', () => {
  it('prints tenths of a second below 10 s', () => {
    expect(describeQueueExit(13, 'RUNNING', 0.4)).toBe(
      'revision 13 left the queue after 0.4 s: RUNNING',
    );
    expect(describeQueueExit(13, 'RUNNING', 9.94)).toBe(
      'revision 13 left the queue after 9.9 s: RUNNING',
    );
  });

  it('prints whole seconds from 10 s on, 9.96 s included', () => {
    expect(describeQueueExit(13, 'RUNNING', 9.96)).toBe(
      'revision 13 left the queue after 10 s: RUNNING',
    );
    expect(describeQueueExit(13, 'RUNNING', 12.6)).toBe(
      'revision 13 left the queue after 13 s: RUNNING',
    );
  });
});
