/** Every object key the product writes, in one place. Cluster names are validated before use. */
export const artifactKeys = {
  submission: (cluster: string) => `clusters/${cluster}/cluster.yaml`,
  submissionValidation: (cluster: string) => `clusters/${cluster}/validation.json`,
  input: (cluster: string, revision: number) => `${revisionPrefix(cluster, revision)}/cluster.yaml`,
  /**
   * A submitted document stored by content hash before its revision is allocated, so an
   * allocated revision never points at an input that was not written.
   */
  submittedInput: (cluster: string, sha256: string) => `clusters/${cluster}/inputs/${sha256}.yaml`,
  config: (cluster: string, revision: number) => `${revisionPrefix(cluster, revision)}/config.json`,
  /** Every finding of a revision that failed the Validate state, as the public report. */
  validation: (cluster: string, revision: number) =>
    `${revisionPrefix(cluster, revision)}/validation.json`,
  assetManifest: (cluster: string, revision: number) =>
    `${revisionPrefix(cluster, revision)}/assets.json`,
  nodeAssets: (cluster: string, revision: number) =>
    `${revisionPrefix(cluster, revision)}/node-assets.json`,
  resourceMap: (cluster: string, revision: number) =>
    `${revisionPrefix(cluster, revision)}/resource-map.json`,
  /** Pointer to the newest complete asset manifest of a cluster. */
  latestAssets: (cluster: string) => `clusters/${cluster}/assets/latest.json`,
  template: (cluster: string, sha256: string) => `clusters/${cluster}/templates/${sha256}.json`,
  userdata: (cluster: string, role: string, sha256: string) =>
    `clusters/${cluster}/userdata/${role}-${sha256}`,
};

function revisionPrefix(cluster: string, revision: number): string {
  return `clusters/${cluster}/revisions/${String(revision).padStart(6, '0')}`;
}

/**
 * Keys written once: by content hash, or under one revision (a retried state may write its own
 * revision's object again, never another's). Pointers such as `latestAssets` are not.
 */
export function isWrittenOnceArtifactKey(key: string): boolean {
  return /^clusters\/[^/]+\/(revisions\/\d{6}\/|inputs\/|templates\/|userdata\/)/.test(key);
}
