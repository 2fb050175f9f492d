import { ValidationError } from '../lib/errors.ts';

const YAML_TYPES = new Set(['application/yaml', 'text/yaml', 'application/x-yaml']);

export class UnsupportedMediaTypeError extends Error {
  override readonly name = 'UnsupportedMediaTypeError';
}

export interface SubmissionBody {
  /**
   * The document to validate as received, so findings point at the caller's own lines and bytes
   * that are not UTF-8 are reported rather than silently replaced.
   */
  body: string | Uint8Array;
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
  body: string | Uint8Array | undefined,
): SubmissionBody {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const raw = body ?? '';
  if (YAML_TYPES.has(mediaType)) return { body: raw, file: 'cluster.yaml' };
  if (mediaType !== 'application/json') {
    throw new UnsupportedMediaTypeError(
      `content-type must be application/yaml, text/yaml, application/x-yaml or application/json (received ${mediaType === '' ? 'none' : mediaType})`,
    );
  }

  const text = typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error: unknown) {
    throw new ValidationError(
      `body is not valid JSON (received ${Buffer.byteLength(text)} bytes)`,
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
  if (isWrappedYaml(parsed)) return { body: parsed.clusterYaml, file: 'cluster.yaml' };

  return { body: raw, file: 'request.json' };
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
