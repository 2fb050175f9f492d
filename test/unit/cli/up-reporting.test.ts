import { describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.ts';
import { describeQueuePlace, placeInQueue } from '../../../cli/place-in-queue.ts';
import { describeInterruptedRuns } from '../../../cli/up-command.ts';
import { captureIo } from './capture-io.ts';

const LEASE = '2026-12-04T14:30:00.000Z';

describe('placeInQueue', () => {
  it('counts only older QUEUED revisions, so two queued revisions get places 1 and 2', () => {
    const revisions = [
      { revision: 22, status: 'QUEUED' as const },
      { revision: 21, status: 'QUEUED' as const },
      { revision: 20, status: 'RUNNING' as const },
      { revision: 19, status: 'PLANNED' as const },
    ];
    const lock = { revision: 20, expiresAt: LEASE };

    expect(placeInQueue(21, revisions, lock)).toEqual({ queued: true, position: 1, lock });
    expect(placeInQueue(22, revisions, lock)).toEqual({ queued: true, position: 2, lock });
  });

  it('says the revision left the queue when it holds the lock itself by the time of asking', () => {
    const place = placeInQueue(12, [{ revision: 12, status: 'QUEUED' }], {
      revision: 12,
      expiresAt: LEASE,
    });

    expect(describeQueuePlace('demo', 12, place)).toBe(
      'revision 12 left the queue at once: RUNNING',
    );
  });

  it('says the revision left the queue into RUNNING, not its final status, once it has finished', () => {
    const place = placeInQueue(12, [{ revision: 12, status: 'PLANNED' }], undefined);

    expect(describeQueuePlace('demo', 12, place)).toBe(
      'revision 12 left the queue at once: RUNNING',
    );
  });

  it('names the revision holding the lock and its lease while queued', () => {
    const place = placeInQueue(
      3,
      [
        { revision: 3, status: 'QUEUED' },
        { revision: 2, status: 'RUNNING' },
      ],
      { revision: 2, expiresAt: LEASE },
    );

    expect(describeQueuePlace('demo', 3, place)).toBe(
      `queued at position 1: waiting for revision 2 of cluster demo, which holds the lock (lease until ${LEASE})`,
    );
  });
});

describe('describeInterruptedRuns', () => {
  it('reports a revision that finished before the interrupt with its status, exit 0', () => {
    const own = {
      cluster: 'intr3',
      revision: 2,
      status: 'PLANNED',
      alreadyFinished: true,
      releasedLock: false,
    };

    expect(describeInterruptedRuns('SIGINT', [own], own)).toEqual({
      message:
        'kube-aws up: interrupted (SIGINT); revision 2 of cluster intr3 had already finished: PLANNED\n',
      code: 0,
    });
  });

  it('exits 1 for a revision that had already finished FAILED', () => {
    const own = { cluster: 'demo', revision: 4, status: 'FAILED', alreadyFinished: true };

    expect(describeInterruptedRuns('SIGTERM', [], own)).toEqual({
      message:
        'kube-aws up: interrupted (SIGTERM); revision 4 of cluster demo had already finished: FAILED\n',
      code: 1,
    });
  });

  it('names the lock release only when recording the failure released it', () => {
    const released = {
      cluster: 'demo',
      revision: 1,
      status: 'FAILED',
      alreadyFinished: false,
      releasedLock: true,
    };
    const free = { ...released, revision: 2, releasedLock: false };

    expect(describeInterruptedRuns('EPIPE', [released, free], released)).toEqual({
      message:
        'kube-aws up: interrupted (EPIPE); revision 1 of cluster demo recorded FAILED (interrupted) and the cluster lock released, revision 2 of cluster demo recorded FAILED (interrupted)\n',
      code: 1,
    });
  });

  it('says no run was in progress when nothing was recorded and nothing was submitted', () => {
    expect(describeInterruptedRuns('SIGINT', [], undefined)).toEqual({
      message: 'kube-aws up: interrupted (SIGINT); no run was in progress\n',
      code: 1,
    });
  });
});

describe('kube-aws usage mistakes', () => {
  it('suggests history for the misspelt command histroy, exit 2', async () => {
    const io = captureIo();

    expect(await main(['histroy', 'demo'], io)).toBe(2);
    expect(io.stderr()).toBe('kube-aws: unknown command "histroy"; did you mean history?\n');
  });

  it.each([
    ['an empty list', ''],
    ['an empty name in the list', 'apiserver,'],
  ])('refuses up --rotate with %s before reading the file, exit 2', async (_title, rotate) => {
    const io = captureIo();

    expect(await main(['up', 'missing.yaml', '--rotate', rotate], io)).toBe(2);
    expect(io.stderr()).toBe(
      `kube-aws up: --rotate must name at least one TLS asset, comma-separated with none empty (received ${JSON.stringify(rotate)}); pass e.g. --rotate apiserver,kubelet or --rotate all; run kube-aws up --help\n`,
    );
    expect(io.stdout()).toBe('');
  });
});
