import { describe, expect, it } from 'vitest';
import {
  describeRefusedUpload,
  describeRevisionError,
  MAX_ERROR_TEXT,
} from '../../../cli/describe-revision-error.ts';
import type { RuntimeConfig } from '../../../lib/runtime-config.ts';

describe('describeRevisionError', () => {
  it('shows an interrupted revision its error name and message on one line', () => {
    expect(
      describeRevisionError({
        status: 'FAILED',
        error: {
          name: 'States.Aborted',
          message:
            'interrupted (second SIGINT) while kube-aws serve was stopping; submit the file again',
        },
      }),
    ).toBe(
      'States.Aborted: interrupted (second SIGINT) while kube-aws serve was stopping; submit the file again',
    );
  });

  it('shows a ROLLED_BACK revision its stack failure', () => {
    expect(
      describeRevisionError({
        status: 'ROLLED_BACK',
        error: {
          name: 'DependencyError',
          message: 'stack demo rolled back (UPDATE_ROLLBACK_COMPLETE)',
        },
      }),
    ).toBe('DependencyError: stack demo rolled back (UPDATE_ROLLBACK_COMPLETE)');
  });

  it('keeps the first line of a message of several and says where the rest is', () => {
    expect(
      describeRevisionError({
        status: 'FAILED',
        error: { name: 'ValidationError', message: 'first problem\n  second problem\n' },
      }),
    ).toBe('ValidationError: first problem (the whole error: --format json)');
  });

  it('cuts a message longer than the limit and escapes control characters', () => {
    const long = `a\u001b${'x'.repeat(MAX_ERROR_TEXT)}`;

    expect(
      describeRevisionError({ status: 'FAILED', error: { name: 'Error', message: long } }),
    ).toBe(`Error: a\\u001b${'x'.repeat(MAX_ERROR_TEXT - 7)}... (the whole error: --format json)`);
  });

  it('says nothing for a revision that did not fail, or failed without an error', () => {
    expect(
      describeRevisionError({ status: 'PLANNED', error: { name: 'Error', message: 'stale' } }),
    ).toBeUndefined();
    expect(describeRevisionError({ status: 'FAILED' })).toBeUndefined();
  });
});

describe('describeRefusedUpload', () => {
  it('names the embedded submissions bucket key beside the upload', async () => {
    expect(await describeRefusedUpload({ mode: 'embedded' }, 'bad3')).toBe(
      'an upload refused at submit records no revision: its findings are in s3://kube-aws-submissions/clusters/bad3/validation.json',
    );
  });

  it('names the configured submissions bucket in AWS mode and a placeholder for --api', async () => {
    const awsConfig = { submissionsBucket: 'uploads-prod' } as RuntimeConfig;

    expect(await describeRefusedUpload({ mode: 'aws', awsConfig }, 'bad3')).toBe(
      'an upload refused at submit records no revision: its findings are in s3://uploads-prod/clusters/bad3/validation.json',
    );
    expect(await describeRefusedUpload({ mode: 'remote' }, 'bad3')).toBe(
      'an upload refused at submit records no revision: its findings are in s3://<submissions bucket>/clusters/bad3/validation.json',
    );
  });
});
