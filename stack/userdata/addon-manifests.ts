import type { ClusterConfig } from '../../schemas/cluster-config.ts';
import { renderFlannelManifest } from './flannel-manifest.ts';
import { ADDONS_DIR, type RenderedFile, toYamlStream } from './node-paths.ts';
import { COREDNS_IMAGE } from './versions.ts';

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
    : {
        path: `${ADDONS_DIR}/flannel.yaml`,
        permissions: '0644',
        content: renderFlannelManifest(config),
      };

  return [
    { path: `${ADDONS_DIR}/node-rbac.yaml`, permissions: '0644', content: renderNodeRbac() },
    network,
    { path: `${ADDONS_DIR}/coredns.yaml`, permissions: '0644', content: renderCoreDns(config) },
  ];
}
