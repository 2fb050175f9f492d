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
 */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, version: '1.1' });
}

/** Several Kubernetes objects as one multi-document YAML file. */
export function toYamlStream(documents: unknown[]): string {
  return documents.map((document) => `---\n${toYaml(document)}`).join('');
}
