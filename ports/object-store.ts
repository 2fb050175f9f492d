/** Artefacts and submissions: S3 in AWS, s3rver when embedded. Keys never start with `/`. */
export interface ObjectStore {
  readonly bucket: string;
  put(key: string, body: string | Uint8Array, contentType: string): Promise<{ versionId?: string }>;
  /** Returns undefined when the object does not exist. */
  get(key: string): Promise<Uint8Array | undefined>;
  list(prefix: string): Promise<string[]>;
  /** The address CloudFormation reads a template from (`TemplateURL`). */
  urlFor(key: string): string;
}
