import type { NodeContext } from './node-context.ts';
import {
  ADMIN_KUBECONFIG,
  KUBELET_KUBECONFIG,
  MANIFESTS_DIR,
  PKI_DIR,
  type RenderedFile,
  toYaml,
} from './node-paths.ts';
import {
  renderApiServerPod,
  renderControllerManagerPod,
  renderEtcdPod,
  renderKubeProxyPod,
  renderSchedulerPod,
} from './static-pod-manifests.ts';

function renderKubeconfig(context: NodeContext, user: string, pair: string): string {
  return toYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: context.config.clusterName,
        cluster: { server: context.apiServerUrl, 'certificate-authority': `${PKI_DIR}/ca.crt` },
      },
    ],
    users: [
      {
        name: user,
        user: {
          'client-certificate': `${PKI_DIR}/${pair}.crt`,
          'client-key': `${PKI_DIR}/${pair}.key`,
        },
      },
    ],
    contexts: [{ name: user, context: { cluster: context.config.clusterName, user } }],
    'current-context': user,
  });
}

function renderKubeletConfig(context: NodeContext): string {
  const controllerTaint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

  return toYaml({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: `${PKI_DIR}/ca.crt` },
    },
    authorization: { mode: 'Webhook' },
    cgroupDriver: 'systemd',
    clusterDNS: [context.config.dnsServiceIP],
    clusterDomain: 'cluster.local',
    containerRuntimeEndpoint: 'unix:///run/containerd/containerd.sock',
    staticPodPath: MANIFESTS_DIR,
    tlsCertFile: `${PKI_DIR}/kubelet.crt`,
    tlsPrivateKeyFile: `${PKI_DIR}/kubelet.key`,
    registerWithTaints: context.role === 'controller' ? [controllerTaint] : [],
  });
}

/** Kubeconfigs, kubelet config and static pod manifests of one node. */
export function renderKubernetesFiles(context: NodeContext): RenderedFile[] {
  const files: RenderedFile[] = [
    {
      path: KUBELET_KUBECONFIG,
      permissions: '0600',
      content: renderKubeconfig(context, 'kubelet', 'kubelet'),
    },
    {
      path: '/etc/kubernetes/kubelet-config.yaml',
      permissions: '0644',
      content: renderKubeletConfig(context),
    },
    {
      path: `${MANIFESTS_DIR}/kube-proxy.yaml`,
      permissions: '0644',
      content: renderKubeProxyPod(context),
    },
  ];
  if (context.role === 'worker' || context.controllerIndex === undefined) return files;

  const index = context.controllerIndex;
  // The apiserver-kubelet-client pair is in system:masters: it is the controllers' admin identity.
  files.push(
    {
      path: ADMIN_KUBECONFIG,
      permissions: '0600',
      content: renderKubeconfig(context, 'admin', 'apiserver-kubelet-client'),
    },
    {
      path: '/etc/kubernetes/controller-manager.conf',
      permissions: '0600',
      content: renderKubeconfig(context, 'system:kube-controller-manager', 'controller-manager'),
    },
    {
      path: '/etc/kubernetes/scheduler.conf',
      permissions: '0600',
      content: renderKubeconfig(context, 'system:kube-scheduler', 'scheduler'),
    },
    {
      path: `${MANIFESTS_DIR}/etcd.yaml`,
      permissions: '0644',
      content: renderEtcdPod(context, index),
    },
    {
      path: `${MANIFESTS_DIR}/kube-apiserver.yaml`,
      permissions: '0644',
      content: renderApiServerPod(context, index),
    },
    {
      path: `${MANIFESTS_DIR}/kube-controller-manager.yaml`,
      permissions: '0644',
      content: renderControllerManagerPod(context),
    },
    {
      path: `${MANIFESTS_DIR}/kube-scheduler.yaml`,
      permissions: '0644',
      content: renderSchedulerPod(context),
    },
  );

  return files;
}
