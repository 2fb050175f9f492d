import { stringify } from 'yaml';

/** Where things live on a node; the scripts, units and manifests all refer to these. */
export const PKI_DIR = '/etc/kubernetes/pki';
export const KUBELET_KUBECONFIG = '/etc/kubernetes/kubelet.conf';
export const ADMIN_KUBECONFIG = '/etc/kubernetes/admin.conf';
export const MANIFESTS_DIR = '/etc/kubernetes/manifests';
export const ADDONS_DIR = '/etc/kubernetes/addons';

/** One entry of the cloud-config's write_files. */
export interface RenderedFile {
  path: string;
  permissions: string;
  content: string;
  /** `b64` for binary content carried as base64. */
  encoding?: 'b64';
}

/**
 * YAML without line folding, so long flags and base64 stay on one line. Quoting follows YAML 1.1,
 * the dialect of both coreos-cloudinit and Kubernetes' parser, so `on` or `0644` stay strings.
 * Use it for a whole cloud-config; the manifests and configs inside one go through `toYaml`.
 */
export function stringifyYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, version: '1.1' });
}

/** Enough for every manifest and config of a few clusters' node kinds. */
const RENDERED_LIMIT = 256;
const rendered = new Map<string, string>();

/**
 * `stringifyYaml` remembered by the value's JSON. The manifests and configs are the same for every
 * node kind and every revision of a cluster (many for every cluster), and stringifying them is
 * most of a render's time, several times more in a long-lived backend where garbage collections
 * keep discarding the YAML library's optimised code. Only JSON-shaped values reach it; a value
 * JSON cannot tell apart (undefined, NaN, infinities, -0) is tagged so it gets its own entry.
 */
export function toYaml(value: unknown): string {
  const key = JSON.stringify(value, tagUnrepresentable);
  const known = rendered.get(key);
  if (known !== undefined) return known;
  const text = stringifyYaml(value);
  if (rendered.size >= RENDERED_LIMIT) {
    const oldest = rendered.keys().next().value;
    if (oldest !== undefined) rendered.delete(oldest);
  }
  rendered.set(key, text);

  return text;
}

function tagUnrepresentable(_key: string, value: unknown): unknown {
  if (value === undefined) return { '\u0000undefined': true };
  if (typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0))) {
    return { '\u0000number': String(value) };
  }

  return value;
}

/** Several Kubernetes objects as one multi-document YAML file. */
export function toYamlStream(documents: unknown[]): string {
  return documents.map((document) => `---\n${toYaml(document)}`).join('');
}
