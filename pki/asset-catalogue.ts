import type { ClusterConfig } from '../schemas/cluster-config.ts';
import type { NodeRole } from '../schemas/node-assets.ts';
import { firstHostOfCidr, offsetIpv4 } from './ipv4.ts';

/**
 * Every TLS asset of a cluster, in one list: what it is, who signs it, what it may be used for,
 * and where each of its files lands on which node role. The asset generator, the encrypt step and
 * the userdata renderer all read this module, so a file path or a role grant changes in one place.
 *
 * Layout and names follow kubeadm (`/etc/kubernetes/pki`, a separate etcd CA and front-proxy CA).
 * CA private keys have no node file: they stay sealed in the backend.
 */

export const ASSET_NAMES = [
  'kube-ca',
  'etcd-ca',
  'front-proxy-ca',
  'apiserver',
  'apiserver-kubelet-client',
  'kubelet',
  'admin',
  'controller-manager',
  'scheduler',
  'etcd-server',
  'etcd-peer',
  'apiserver-etcd-client',
  'front-proxy-client',
  'service-account',
] as const;
export type AssetName = (typeof ASSET_NAMES)[number];

/** `ca` and `leaf` assets carry a certificate; a `key-pair` only a key (the service-account key). */
export type AssetKind = 'ca' | 'leaf' | 'key-pair';

/** Key usage and extended key usage, by purpose. */
export type CertificateProfile = 'ca' | 'server' | 'client' | 'server-client';

export type NodeFileKind = 'certificate' | 'private-key' | 'public-key';

export interface NodeFile {
  kind: NodeFileKind;
  roles: readonly NodeRole[];
  /** Absolute path on the node; the private key is written there after boot-time decryption. */
  path: string;
}

export interface CertificateRequest {
  commonName: string;
  organization?: string;
  dns: string[];
  ip: string[];
  profile: CertificateProfile;
}

export interface AssetSpec {
  name: AssetName;
  kind: AssetKind;
  /** The CA that signs a leaf. */
  issuer?: AssetName;
  files: readonly NodeFile[];
  /** Subject, SANs and profile for a config; undefined for a key pair without certificate. */
  request?: (config: ClusterConfig) => CertificateRequest;
}

const PKI = '/etc/kubernetes/pki';
const CONTROLLER: readonly NodeRole[] = ['controller'];
// Controllers run a kubelet too (for the static control-plane pods), so it needs its pair there.
const EVERY_NODE: readonly NodeRole[] = ['controller', 'worker'];

function certificateAndKey(roles: readonly NodeRole[], stem: string): NodeFile[] {
  return [
    { kind: 'certificate', roles, path: `${stem}.crt` },
    { kind: 'private-key', roles, path: `${stem}.key` },
  ];
}

function controllerIps(config: ClusterConfig): string[] {
  return Array.from({ length: config.controllerCount }, (_, index) =>
    offsetIpv4('controllerIP', config.controllerIP, index),
  );
}

function instanceDnsNames(config: ClusterConfig): string[] {
  return [`*.${config.region}.compute.internal`, '*.ec2.internal'];
}

function clientRequest(commonName: string, organization?: string): () => CertificateRequest {
  return () => ({ commonName, organization, dns: [], ip: [], profile: 'client' });
}

function caRequest(commonName: string): () => CertificateRequest {
  return () => ({ commonName, organization: 'kube-aws', dns: [], ip: [], profile: 'ca' });
}

/** CAs come first so that every issuer precedes the leaves it signs. */
export const ASSET_CATALOGUE: readonly AssetSpec[] = [
  {
    name: 'kube-ca',
    kind: 'ca',
    files: [{ kind: 'certificate', roles: EVERY_NODE, path: `${PKI}/ca.crt` }],
    request: caRequest('kube-ca'),
  },
  {
    name: 'etcd-ca',
    kind: 'ca',
    files: [{ kind: 'certificate', roles: CONTROLLER, path: `${PKI}/etcd/ca.crt` }],
    request: caRequest('etcd-ca'),
  },
  {
    name: 'front-proxy-ca',
    kind: 'ca',
    files: [{ kind: 'certificate', roles: CONTROLLER, path: `${PKI}/front-proxy-ca.crt` }],
    request: caRequest('front-proxy-ca'),
  },
  {
    name: 'apiserver',
    kind: 'leaf',
    issuer: 'kube-ca',
    files: certificateAndKey(CONTROLLER, `${PKI}/apiserver`),
    request: (config) => ({
      commonName: 'kube-apiserver',
      dns: [
        'kubernetes',
        'kubernetes.default',
        'kubernetes.default.svc',
        'kubernetes.default.svc.cluster.local',
        config.externalDNSName,
      ],
      ip: [
        firstHostOfCidr('serviceCIDR', config.serviceCIDR),
        ...controllerIps(config),
        '127.0.0.1',
      ],
      profile: 'server',
    }),
  },
  {
    name: 'apiserver-kubelet-client',
    kind: 'leaf',
    issuer: 'kube-ca',
    files: certificateAndKey(CONTROLLER, `${PKI}/apiserver-kubelet-client`),
    request: clientRequest('kube-apiserver-kubelet-client', 'system:masters'),
  },
  {
    // One shared kubelet identity, as kube-aws had; per-node `system:node:<name>` identities need
    // TLS bootstrapping, which the node image does not do.
    name: 'kubelet',
    kind: 'leaf',
    issuer: 'kube-ca',
    files: certificateAndKey(EVERY_NODE, `${PKI}/kubelet`),
    request: (config) => ({
      commonName: 'kube-worker',
      organization: 'system:nodes',
      dns: instanceDnsNames(config),
      ip: [],
      profile: 'server-client',
    }),
  },
  {
    // The operator's credential, exported in the kubeconfig; no node holds it.
    name: 'admin',
    kind: 'leaf',
    issuer: 'kube-ca',
    files: [],
    request: clientRequest('kube-admin', 'system:masters'),
  },
  {
    name: 'controller-manager',
    kind: 'leaf',
    issuer: 'kube-ca',
    files: certificateAndKey(CONTROLLER, `${PKI}/controller-manager`),
    request: clientRequest('system:kube-controller-manager'),
  },
  {
    name: 'scheduler',
    kind: 'leaf',
    issuer: 'kube-ca',
    files: certificateAndKey(CONTROLLER, `${PKI}/scheduler`),
    request: clientRequest('system:kube-scheduler'),
  },
  {
    name: 'etcd-server',
    kind: 'leaf',
    issuer: 'etcd-ca',
    files: certificateAndKey(CONTROLLER, `${PKI}/etcd/server`),
    request: (config) => ({
      commonName: 'kube-etcd',
      dns: ['localhost', ...instanceDnsNames(config)],
      ip: ['127.0.0.1', ...controllerIps(config)],
      profile: 'server-client',
    }),
  },
  {
    name: 'etcd-peer',
    kind: 'leaf',
    issuer: 'etcd-ca',
    files: certificateAndKey(CONTROLLER, `${PKI}/etcd/peer`),
    request: (config) => ({
      commonName: 'kube-etcd-peer',
      dns: instanceDnsNames(config),
      ip: controllerIps(config),
      profile: 'server-client',
    }),
  },
  {
    name: 'apiserver-etcd-client',
    kind: 'leaf',
    issuer: 'etcd-ca',
    files: certificateAndKey(CONTROLLER, `${PKI}/apiserver-etcd-client`),
    request: clientRequest('kube-apiserver-etcd-client'),
  },
  {
    name: 'front-proxy-client',
    kind: 'leaf',
    issuer: 'front-proxy-ca',
    files: certificateAndKey(CONTROLLER, `${PKI}/front-proxy-client`),
    request: clientRequest('front-proxy-client'),
  },
  {
    // Signs and verifies service-account tokens; a bare key pair, as kubeadm's sa.key/sa.pub.
    name: 'service-account',
    kind: 'key-pair',
    files: [
      { kind: 'private-key', roles: CONTROLLER, path: `${PKI}/sa.key` },
      { kind: 'public-key', roles: CONTROLLER, path: `${PKI}/sa.pub` },
    ],
  },
];

/** The catalogue entry of `name`, or undefined for a name the catalogue does not know. */
export function findAssetSpec(name: string): AssetSpec | undefined {
  return ASSET_CATALOGUE.find((spec) => spec.name === name);
}

/** The files one node role receives, in catalogue order. */
export function listNodeFiles(role: NodeRole): { asset: AssetName; file: NodeFile }[] {
  return ASSET_CATALOGUE.flatMap((spec) =>
    spec.files
      .filter((file) => file.roles.includes(role))
      .map((file) => ({ asset: spec.name, file })),
  );
}
