import type * as z from 'zod';

/** The first place an API answer differs from the shape the CLI relies on, for a message. */
export function describeAnswerProblem(error: z.ZodError): string {
  const [issue] = error.issues;

  return issue === undefined
    ? 'an answer of another shape'
    : `${issue.path.join('.') || 'the body'}: ${issue.message}`;
}
