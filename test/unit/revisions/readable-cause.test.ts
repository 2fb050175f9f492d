import { describe, expect, it } from 'vitest';
import { readableCause } from '../../../revisions/readable-cause.ts';

describe('readableCause', () => {
  it('takes the type and message out of a Lambda error and drops the trace', () => {
    expect(
      readableCause({
        Error: 'ValidationError',
        Cause: '{"errorType":"ValidationError","errorMessage":"subnets[0] is bad","trace":["x"]}',
      }),
    ).toEqual({ name: 'ValidationError', message: 'subnets[0] is bad' });
  });

  it('keeps a plain-text cause as it is', () => {
    expect(readableCause({ Error: 'States.TaskFailed', Cause: 'the function crashed' })).toEqual({
      name: 'States.TaskFailed',
      message: 'the function crashed',
    });
  });

  it('explains a task timeout that carries no cause', () => {
    expect(readableCause({ Error: 'States.Timeout' })).toEqual({
      name: 'States.Timeout',
      message: 'the task ran past its timeout',
    });
  });

  it('keeps a cause that only looks like JSON', () => {
    expect(readableCause({ Error: 'Error', Cause: '{not json' })).toEqual({
      name: 'Error',
      message: '{not json',
    });
  });

  it('names a failure without any error payload', () => {
    expect(readableCause(undefined)).toEqual({
      name: 'UnknownError',
      message: 'the run failed without an error payload',
    });
  });
});
