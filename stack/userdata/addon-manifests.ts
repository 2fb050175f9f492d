import type { ClusterConfig } from '../../schemas/cluster-config.ts';
import { type RenderedFile, toYaml } from './kubernetes-files.ts';
import { COREDNS_IMAGE, FLANNEL_CNI_PLUGIN_IMAGE, FLANNEL_IMAGE } from './versions.ts';

export const ADDONS_DIR = '/etc/kubernetes/addons';

function toYamlStream(documents: unknown[]): string {
  return documents.map((document) => `---\n${toYaml(document)}`).join('');
}

function bindClusterRoleToGroup(name: string, role: string, group: string): unknown {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
  };
}

/**
 * Every node shares one kubelet identity in `system:nodes` (not `system:node:<name>`), which the
 * Node authorizer does not recognise; RBAC grants it the node and node-proxier roles instead.
 */
function renderNodeRbac(): string {
  return toYamlStream([
    bindClusterRoleToGroup('kube-aws:nodes', 'system:node', 'system:nodes'),
    bindClusterRoleToGroup('kube-aws:node-proxier', 'system:node-proxier', 'system:nodes'),
  ]);
}

const FLANNEL_NS = 'kube-flannel';

function renderFlannel(config: ClusterConfig): string {
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

/** The Calico operator's one custom resource: VXLAN over the cluster's pod CIDR. */
function renderCalicoInstallation(config: ClusterConfig): string {
  return toYamlStream([
    {
      apiVersion: 'operator.tigera.io/v1',
      kind: 'Installation',
      metadata: { name: 'default' },
      spec: {
        calicoNetwork: {
          ipPools: [
            {
              cidr: config.podCIDR,
              encapsulation: 'VXLAN',
              natOutgoing: 'Enabled',
              nodeSelector: 'all()',
            },
          ],
        },
      },
    },
  ]);
}

const COREFILE = `.:53 {
    errors
    health {
        lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf
    cache 30
    loop
    reload
    loadbalance
}
`;

function renderCoreDns(config: ClusterConfig): string {
  const labels = { 'k8s-app': 'kube-dns' };
  const ns = 'kube-system';

  return toYamlStream([
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'coredns', namespace: ns } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'system:coredns' },
      rules: [
        {
          apiGroups: [''],
          resources: ['endpoints', 'services', 'pods', 'namespaces'],
          verbs: ['list', 'watch'],
        },
        {
          apiGroups: ['discovery.k8s.io'],
          resources: ['endpointslices'],
          verbs: ['list', 'watch'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'system:coredns' },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'system:coredns',
      },
      subjects: [{ kind: 'ServiceAccount', name: 'coredns', namespace: ns }],
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'coredns', namespace: ns },
      data: { Corefile: COREFILE },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'coredns', namespace: ns, labels },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: 'coredns',
            priorityClassName: 'system-cluster-critical',
            // A cluster with no workers still needs DNS, so CoreDNS may run on controllers.
            tolerations: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
            containers: [
              {
                name: 'coredns',
                image: COREDNS_IMAGE,
                args: ['-conf', '/etc/coredns/Corefile'],
                ports: [
                  { name: 'dns', containerPort: 53, protocol: 'UDP' },
                  { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
                  { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
                ],
                resources: {
                  requests: { cpu: '100m', memory: '70Mi' },
                  limits: { memory: '170Mi' },
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
                  readOnlyRootFilesystem: true,
                },
                livenessProbe: { httpGet: { path: '/health', port: 8080 } },
                readinessProbe: { httpGet: { path: '/ready', port: 8181 } },
                volumeMounts: [{ name: 'config', mountPath: '/etc/coredns', readOnly: true }],
              },
            ],
            volumes: [{ name: 'config', configMap: { name: 'coredns' } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kube-dns', namespace: ns, labels },
      spec: {
        selector: labels,
        clusterIP: config.dnsServiceIP,
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'dns-tcp', port: 53, protocol: 'TCP' },
          { name: 'metrics', port: 9153, protocol: 'TCP' },
        ],
      },
    },
  ]);
}

/** Manifests the first controller applies once its API server answers. */
export function renderAddonFiles(config: ClusterConfig): RenderedFile[] {
  const network: RenderedFile = config.useCalico
    ? {
        path: `${ADDONS_DIR}/calico-installation.yaml`,
        permissions: '0644',
        content: renderCalicoInstallation(config),
      }
    : { path: `${ADDONS_DIR}/flannel.yaml`, permissions: '0644', content: renderFlannel(config) };

  return [
    { path: `${ADDONS_DIR}/node-rbac.yaml`, permissions: '0644', content: renderNodeRbac() },
    network,
    { path: `${ADDONS_DIR}/coredns.yaml`, permissions: '0644', content: renderCoreDns(config) },
  ];
}
