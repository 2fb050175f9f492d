import type { z } from 'zod';
import { ClusterConfigSchema } from '../schemas/cluster-config.ts';
import { escapeControlCharacters } from './escape-control-characters.ts';
import type { ConfigPath } from './yaml-source.ts';
import { formatPath } from './yaml-source.ts';

/**
 * Turns zod issues into house-style findings: `workerCount must be an integer (received "three")`.
 * The expected type is read from the schema itself, so the words follow the schema.
 */

export interface SchemaProblem {
  rule: string;
  path: ConfigPath;
  message: string;
  /** Type errors point at the value; a missing key has no position of its own. */
  target: 'key' | 'value';
}

export function describeSchemaIssue(issue: z.core.$ZodIssue, input: unknown): SchemaProblem {
  const path = issue.path.filter((part) => typeof part !== 'symbol') as (string | number)[];
  const name = formatPath(path);
  const received = readPath(input, path);
  const expected = describeExpected(findSchema(path));
  if (received === undefined) {
    return { rule: 'required-key', path, message: `${name} must be set`, target: 'key' };
  }
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    const bound =
      issue.code === 'too_small' ? `at least ${issue.minimum}` : `at most ${issue.maximum}`;
    return {
      rule: 'value-out-of-range',
      path,
      message: `${name} must be ${bound} (received ${formatReceived(received)})`,
      target: 'value',
    };
  }
  if (issue.code === 'invalid_value') {
    return {
      rule: 'invalid-choice',
      path,
      message: `${name} must be one of ${issue.values.join(', ')} (received ${formatReceived(received)})`,
      target: 'value',
    };
  }

  return {
    rule: 'invalid-type',
    path,
    message: `${name} must be ${expected} (received ${formatReceived(received)})`,
    target: 'value',
  };
}

/** A short, safe rendering of a user's value for messages: quoted, escaped and truncated. */
export function formatReceived(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  // YAML 1.1 reads an unquoted 2001-12-14 as a timestamp and !!binary as bytes.
  if (value instanceof Date) return 'a date';
  if (value instanceof Uint8Array) return 'binary data';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    const text = value.length > 128 ? `${value.slice(0, 125)}...` : value;
    // JSON.stringify escapes C0 only; DEL, C1 and the Unicode separators need the helper too.
    return escapeControlCharacters(JSON.stringify(text));
  }

  return String(value);
}

function readPath(input: unknown, path: ConfigPath): unknown {
  let current = input;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }

  return current;
}

type AnySchema = z.core.$ZodType;

function findSchema(path: ConfigPath): AnySchema | undefined {
  let schema: AnySchema | undefined = ClusterConfigSchema;
  for (const segment of path) {
    schema = unwrap(schema);
    const def = schema?._zod.def as unknown as Record<string, unknown> | undefined;
    if (def === undefined) return undefined;
    if (def.type === 'object') {
      schema = (def.shape as Record<string, AnySchema>)[String(segment)];
    } else if (def.type === 'array') {
      schema = def.element as AnySchema;
    } else if (def.type === 'record') {
      schema = def.valueType as AnySchema;
    } else {
      return undefined;
    }
  }

  return unwrap(schema);
}

function unwrap(schema: AnySchema | undefined): AnySchema | undefined {
  let current = schema;
  for (let depth = 0; depth < 8 && current !== undefined; depth += 1) {
    const def = current._zod.def as unknown as { type: string; innerType?: AnySchema };
    if (def.type !== 'default' && def.type !== 'optional' && def.type !== 'nullable') break;
    current = def.innerType;
  }

  return current;
}

function describeExpected(schema: AnySchema | undefined): string {
  const def = schema?._zod.def as unknown as Record<string, unknown> | undefined;
  switch (def?.type) {
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    case 'number':
      return def.format === 'safeint' ? 'an integer' : 'a number';
    case 'array':
      return 'a list';
    case 'object':
    case 'record':
      return 'a mapping';
    case 'enum':
      return `one of ${Object.values(def.entries as Record<string, string>).join(', ')}`;
    case 'union':
      return (def.options as AnySchema[]).map(describeExpected).join(' or ');
    default:
      return 'a valid value';
  }
}
