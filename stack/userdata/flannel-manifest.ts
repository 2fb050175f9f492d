import type { ClusterConfig } from '../../schemas/cluster-config.ts';
import { toYamlStream } from './node-paths.ts';
import { FLANNEL_CNI_PLUGIN_IMAGE, FLANNEL_IMAGE } from './versions.ts';

/** flannel in kube-subnet-manager mode: VXLAN over the pod CIDR the controller manager hands out. */
const FLANNEL_NS = 'kube-flannel';

export function renderFlannelManifest(config: ClusterConfig): string {
  const netConf = { Network: config.podCIDR, Backend: { Type: 'vxlan' } };
  const cniConf = {
    name: 'cbr0',
    cniVersion: '1.0.0',
    plugins: [
      { type: 'flannel', delegate: { hairpinMode: true, isDefaultGateway: true } },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
  const hostPath = (name: string, path: string, type?: string) => ({
    name,
    hostPath: type === undefined ? { path } : { path, type },
  });
  const labels = { app: 'flannel' };

  return toYamlStream([
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: FLANNEL_NS,
        labels: { 'pod-security.kubernetes.io/enforce': 'privileged' },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'flannel', namespace: FLANNEL_NS },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'flannel' },
      rules: [
        { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
        { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['nodes/status'], verbs: ['patch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'flannel' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'flannel' },
      subjects: [{ kind: 'ServiceAccount', name: 'flannel', namespace: FLANNEL_NS }],
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kube-flannel-cfg', namespace: FLANNEL_NS },
      data: {
        'cni-conf.json': `${JSON.stringify(cniConf, null, 2)}\n`,
        'net-conf.json': `${JSON.stringify(netConf, null, 2)}\n`,
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'kube-flannel-ds', namespace: FLANNEL_NS, labels },
      spec: {
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            hostNetwork: true,
            priorityClassName: 'system-node-critical',
            serviceAccountName: 'flannel',
            tolerations: [{ operator: 'Exists', effect: 'NoSchedule' }],
            initContainers: [
              {
                name: 'install-cni-plugin',
                image: FLANNEL_CNI_PLUGIN_IMAGE,
                command: ['cp', '-f', '/flannel', '/opt/cni/bin/flannel'],
                volumeMounts: [{ name: 'cni-plugin', mountPath: '/opt/cni/bin' }],
              },
              {
                name: 'install-cni',
                image: FLANNEL_IMAGE,
                command: [
                  'cp',
                  '-f',
                  '/etc/kube-flannel/cni-conf.json',
                  '/etc/cni/net.d/10-flannel.conflist',
                ],
                volumeMounts: [
                  { name: 'cni', mountPath: '/etc/cni/net.d' },
                  { name: 'flannel-cfg', mountPath: '/etc/kube-flannel/' },
                ],
              },
            ],
            containers: [
              {
                name: 'kube-flannel',
                image: FLANNEL_IMAGE,
                command: ['/opt/bin/flanneld', '--ip-masq', '--kube-subnet-mgr'],
                env: [
                  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  {
                    name: 'POD_NAMESPACE',
                    valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
                  },
                ],
                securityContext: {
                  privileged: false,
                  capabilities: { add: ['NET_ADMIN', 'NET_RAW'] },
                },
                volumeMounts: [
                  { name: 'run', mountPath: '/run/flannel' },
                  { name: 'flannel-cfg', mountPath: '/etc/kube-flannel/' },
                  { name: 'xtables-lock', mountPath: '/run/xtables.lock' },
                ],
              },
            ],
            volumes: [
              hostPath('run', '/run/flannel'),
              hostPath('cni-plugin', '/opt/cni/bin'),
              hostPath('cni', '/etc/cni/net.d'),
              { name: 'flannel-cfg', configMap: { name: 'kube-flannel-cfg' } },
              hostPath('xtables-lock', '/run/xtables.lock', 'FileOrCreate'),
            ],
          },
        },
      },
    },
  ]);
}
