/**
 * Every version and image the node userdata pins, in one place, so an upgrade is one reviewed
 * change and two renders of the same input stay byte-identical. Kubernetes itself follows
 * `kubernetesVersion` from cluster.yaml; the rest matches what that release is tested with.
 */

export const KUBERNETES_IMAGE_REGISTRY = 'registry.k8s.io';

export const ETCD_IMAGE = 'registry.k8s.io/etcd:3.6.5-0';
export const COREDNS_IMAGE = 'registry.k8s.io/coredns/coredns:v1.12.1';

export const FLANNEL_IMAGE = 'ghcr.io/flannel-io/flannel:v0.27.4';
export const FLANNEL_CNI_PLUGIN_IMAGE = 'ghcr.io/flannel-io/flannel-cni-plugin:v1.8.0-flannel1';

/** Calico is installed through its operator; the manifest URL carries the pinned release. */
export const CALICO_VERSION = 'v3.30.3';
export const CALICO_OPERATOR_MANIFEST_URL = `https://raw.githubusercontent.com/projectcalico/calico/${CALICO_VERSION}/manifests/tigera-operator.yaml`;

/** Standard CNI plugins (bridge, host-local, portmap, loopback) that flannel's config chains. */
export const CNI_PLUGINS_VERSION = 'v1.8.0';

/** Flatcar ships no AWS CLI; the decrypt and loader scripts run this image. */
export const AWS_CLI_IMAGE = 'public.ecr.aws/aws-cli/aws-cli:2.31.0';

/** The control-plane image of one Kubernetes component at the cluster's version. */
export function kubernetesImage(
  component: 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kube-proxy',
  kubernetesVersion: string,
): string {
  return `${KUBERNETES_IMAGE_REGISTRY}/${component}:${kubernetesVersion}`;
}

/** Release binaries (kubelet, kubectl) come from dl.k8s.io with their published sha256 files. */
export function kubernetesBinaryBaseUrl(kubernetesVersion: string): string {
  return `https://dl.k8s.io/release/${kubernetesVersion}/bin/linux`;
}

export function cniPluginsBaseUrl(): string {
  return `https://github.com/containernetworking/plugins/releases/download/${CNI_PLUGINS_VERSION}`;
}
