import { expect } from 'vitest';

/** One recorded exchange: the operation we expect next, its input, and CloudFormation's answer. */
export interface RecordedCall {
  operation: string;
  /** Asserted with toEqual when given (the whole request shape). */
  input?: Record<string, unknown>;
  /** Asserted with toMatchObject when given (part of the request). */
  inputMatching?: Record<string, unknown>;
  output?: Record<string, unknown>;
  error?: { name: string; message: string; httpStatusCode?: number };
}

/**
 * Replays a recorded CloudFormation conversation. Each command must be the next one in the
 * script, with the recorded request shape; anything else fails the test at once.
 */
export function replayCloudFormation(script: RecordedCall[]) {
  let position = 0;
  const send = async (command: object): Promise<unknown> => {
    const operation = command.constructor.name.replace(/Command$/, '');
    const input = (command as { input: Record<string, unknown> }).input;
    const expected = script[position];
    if (expected === undefined) {
      throw new Error(`unexpected ${operation} after the recorded script ended`);
    }
    expect(`${position}:${operation}`).toBe(`${position}:${expected.operation}`);
    if (expected.input !== undefined) expect(stripUndefined(input)).toEqual(expected.input);
    if (expected.inputMatching !== undefined) expect(input).toMatchObject(expected.inputMatching);
    position++;
    if (expected.error !== undefined) {
      const error = new Error(expected.error.message) as Error & {
        $metadata: { httpStatusCode: number };
      };
      error.name = expected.error.name;
      error.$metadata = { httpStatusCode: expected.error.httpStatusCode ?? 400 };
      throw error;
    }

    return { $metadata: { httpStatusCode: 200 }, ...expected.output };
  };

  return {
    send,
    /** Asserts every recorded call was made. */
    assertFinished: () => expect(position).toBe(script.length),
  };
}

function stripUndefined(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
}
