import { ValidationError } from '../lib/errors.ts';

export interface GetObjectOptions {
  versionId?: string;
  maxBytes?: number;
}

/**
 * The refusal of an object over `maxBytes`, the same words whichever store refused it; the size
 * is kept so a caller can report it as a finding about the whole file.
 */
export class ObjectTooLargeError extends ValidationError {
  constructor(
    readonly key: string,
    readonly maxBytes: number,
    readonly size: number,
  ) {
    super(`${key} must be at most ${maxBytes} bytes (received ${size})`);
  }
}

/** Artefacts and submissions: S3 in AWS, s3rver when embedded. Keys never start with `/`. */
export interface ObjectStore {
  readonly bucket: string;
  put(key: string, body: string | Uint8Array, contentType: string): Promise<{ versionId?: string }>;
  /**
   * Returns undefined when the object does not exist. `versionId` reads that version (an S3
   * event names the version it is about); an object over `maxBytes` is refused with a
   * ValidationError before its body is read.
   */
  get(key: string, options?: GetObjectOptions): Promise<Uint8Array | undefined>;
  list(prefix: string): Promise<string[]>;
  /** The address CloudFormation reads a template from (`TemplateURL`). */
  urlFor(key: string): string;
}
