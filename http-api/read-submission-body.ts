import { ValidationError } from '../lib/errors.ts';

const YAML_TYPES = new Set(['application/yaml', 'text/yaml', 'application/x-yaml']);

export class UnsupportedMediaTypeError extends Error {
  override readonly name = 'UnsupportedMediaTypeError';
}

export interface SubmissionBody {
  /** The document to validate, in the user's own text so findings point at their lines. */
  text: string;
  /** The file name findings carry. */
  file: string;
}

/**
 * Turns a POST body into cluster.yaml text. JSON bodies are either `{"clusterYaml": "..."}` or
 * the config object itself; the latter is passed through as text because JSON is YAML, so
 * findings still carry the line and column of the caller's own body.
 */
export function readSubmissionBody(
  contentType: string | undefined,
  body: string | undefined,
): SubmissionBody {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const text = body ?? '';
  if (YAML_TYPES.has(mediaType)) return { text, file: 'cluster.yaml' };
  if (mediaType !== 'application/json') {
    throw new UnsupportedMediaTypeError(
      `content-type must be application/yaml, text/yaml, application/x-yaml or application/json (received ${mediaType === '' ? 'none' : mediaType})`,
    );
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error: unknown) {
    throw new ValidationError(
      `body is not valid JSON (received ${text.length} bytes)`,
      [
        {
          severity: 'error',
          file: 'request.json',
          line: 0,
          column: 0,
          path: '',
          rule: 'json-syntax',
          message: error instanceof Error ? error.message : 'body is not valid JSON',
        },
      ],
      { cause: error },
    );
  }
  if (isWrappedYaml(parsed)) return { text: parsed.clusterYaml, file: 'cluster.yaml' };

  return { text, file: 'request.json' };
}

function isWrappedYaml(value: unknown): value is { clusterYaml: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as { clusterYaml?: unknown }).clusterYaml === 'string'
  );
}
