import { etcdMemberName, type NodeContext } from './node-context.ts';
import { KUBELET_KUBECONFIG, PKI_DIR, toYaml } from './node-paths.ts';
import { ETCD_IMAGE, kubernetesImage } from './versions.ts';

/** Static pods: the control plane on controllers, kube-proxy on every node. */
interface HostMount {
  name: string;
  path: string;
  type: 'Directory' | 'DirectoryOrCreate' | 'File' | 'FileOrCreate';
  readOnly: boolean;
}

function renderStaticPod(
  name: string,
  image: string,
  command: string[],
  mounts: HostMount[],
  extra: Record<string, unknown> = {},
): string {
  return toYaml({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'kube-system', labels: { component: name } },
    spec: {
      hostNetwork: true,
      priorityClassName: 'system-node-critical',
      containers: [
        {
          name,
          image,
          command,
          volumeMounts: mounts.map((m) => ({
            name: m.name,
            mountPath: m.path,
            readOnly: m.readOnly,
          })),
          ...extra,
        },
      ],
      volumes: mounts.map((m) => ({ name: m.name, hostPath: { path: m.path, type: m.type } })),
    },
  });
}

const pkiMount: HostMount = { name: 'pki', path: PKI_DIR, type: 'Directory', readOnly: true };

export function renderEtcdPod(context: NodeContext, index: number): string {
  const ip = context.controllerIps[index];
  const members = context.controllerIps.map(
    (memberIp, i) => `${etcdMemberName(i)}=https://${memberIp}:2380`,
  );

  return renderStaticPod(
    'etcd',
    ETCD_IMAGE,
    [
      'etcd',
      `--name=${etcdMemberName(index)}`,
      '--data-dir=/var/lib/etcd/data',
      `--listen-client-urls=https://127.0.0.1:2379,https://${ip}:2379`,
      `--advertise-client-urls=https://${ip}:2379`,
      `--listen-peer-urls=https://${ip}:2380`,
      `--initial-advertise-peer-urls=https://${ip}:2380`,
      `--initial-cluster=${members.join(',')}`,
      `--initial-cluster-token=${context.config.clusterName}-etcd`,
      '--initial-cluster-state=new',
      '--listen-metrics-urls=http://127.0.0.1:2381',
      '--client-cert-auth=true',
      `--trusted-ca-file=${PKI_DIR}/etcd/ca.crt`,
      `--cert-file=${PKI_DIR}/etcd/server.crt`,
      `--key-file=${PKI_DIR}/etcd/server.key`,
      '--peer-client-cert-auth=true',
      `--peer-trusted-ca-file=${PKI_DIR}/etcd/ca.crt`,
      `--peer-cert-file=${PKI_DIR}/etcd/peer.crt`,
      `--peer-key-file=${PKI_DIR}/etcd/peer.key`,
    ],
    [pkiMount, { name: 'data', path: '/var/lib/etcd', type: 'Directory', readOnly: false }],
  );
}

export function renderApiServerPod(context: NodeContext, index: number): string {
  const { config } = context;

  return renderStaticPod(
    'kube-apiserver',
    kubernetesImage('kube-apiserver', config.kubernetesVersion),
    [
      'kube-apiserver',
      `--advertise-address=${context.controllerIps[index]}`,
      '--secure-port=443',
      '--allow-privileged=true',
      '--authorization-mode=Node,RBAC',
      `--client-ca-file=${PKI_DIR}/ca.crt`,
      '--etcd-servers=https://127.0.0.1:2379',
      `--etcd-cafile=${PKI_DIR}/etcd/ca.crt`,
      `--etcd-certfile=${PKI_DIR}/apiserver-etcd-client.crt`,
      `--etcd-keyfile=${PKI_DIR}/apiserver-etcd-client.key`,
      `--kubelet-client-certificate=${PKI_DIR}/apiserver-kubelet-client.crt`,
      `--kubelet-client-key=${PKI_DIR}/apiserver-kubelet-client.key`,
      '--kubelet-preferred-address-types=InternalIP,Hostname',
      `--proxy-client-cert-file=${PKI_DIR}/front-proxy-client.crt`,
      `--proxy-client-key-file=${PKI_DIR}/front-proxy-client.key`,
      `--requestheader-client-ca-file=${PKI_DIR}/front-proxy-ca.crt`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-username-headers=X-Remote-User',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${PKI_DIR}/sa.pub`,
      `--service-account-signing-key-file=${PKI_DIR}/sa.key`,
      `--service-cluster-ip-range=${config.serviceCIDR}`,
      `--tls-cert-file=${PKI_DIR}/apiserver.crt`,
      `--tls-private-key-file=${PKI_DIR}/apiserver.key`,
    ],
    [pkiMount],
  );
}

export function renderControllerManagerPod(context: NodeContext): string {
  const { config } = context;
  const kubeconfig = '/etc/kubernetes/controller-manager.conf';

  return renderStaticPod(
    'kube-controller-manager',
    kubernetesImage('kube-controller-manager', config.kubernetesVersion),
    [
      'kube-controller-manager',
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--client-ca-file=${PKI_DIR}/ca.crt`,
      `--cluster-name=${config.clusterName}`,
      '--allocate-node-cidrs=true',
      `--cluster-cidr=${config.podCIDR}`,
      `--service-cluster-ip-range=${config.serviceCIDR}`,
      '--leader-elect=true',
      `--requestheader-client-ca-file=${PKI_DIR}/front-proxy-ca.crt`,
      `--root-ca-file=${PKI_DIR}/ca.crt`,
      `--service-account-private-key-file=${PKI_DIR}/sa.key`,
      '--use-service-account-credentials=true',
    ],
    [pkiMount, { name: 'kubeconfig', path: kubeconfig, type: 'File', readOnly: true }],
  );
}

export function renderSchedulerPod(context: NodeContext): string {
  const kubeconfig = '/etc/kubernetes/scheduler.conf';

  return renderStaticPod(
    'kube-scheduler',
    kubernetesImage('kube-scheduler', context.config.kubernetesVersion),
    [
      'kube-scheduler',
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      '--leader-elect=true',
    ],
    [pkiMount, { name: 'kubeconfig', path: kubeconfig, type: 'File', readOnly: true }],
  );
}

/**
 * kube-proxy runs as a static pod with the kubelet's credential: as a DaemonSet it would need the
 * service IP it is itself responsible for programming. It mounts only the files it reads.
 */
export function renderKubeProxyPod(context: NodeContext): string {
  const { config } = context;

  return renderStaticPod(
    'kube-proxy',
    kubernetesImage('kube-proxy', config.kubernetesVersion),
    [
      'kube-proxy',
      `--kubeconfig=${KUBELET_KUBECONFIG}`,
      `--cluster-cidr=${config.podCIDR}`,
      '--hostname-override=$(NODE_NAME)',
      '--proxy-mode=iptables',
    ],
    [
      { name: 'kubeconfig', path: KUBELET_KUBECONFIG, type: 'File', readOnly: true },
      { name: 'ca', path: `${PKI_DIR}/ca.crt`, type: 'File', readOnly: true },
      { name: 'cert', path: `${PKI_DIR}/kubelet.crt`, type: 'File', readOnly: true },
      { name: 'key', path: `${PKI_DIR}/kubelet.key`, type: 'File', readOnly: true },
      { name: 'modules', path: '/lib/modules', type: 'Directory', readOnly: true },
      { name: 'xtables-lock', path: '/run/xtables.lock', type: 'FileOrCreate', readOnly: false },
    ],
    {
      env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
      securityContext: { privileged: true },
    },
  );
}
