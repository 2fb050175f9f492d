import { describe, expect, it } from 'vitest';
import {
  ASSET_CATALOGUE,
  ASSET_NAMES,
  findAssetSpec,
  listNodeFiles,
} from '../../../pki/asset-catalogue.ts';
import { ClusterConfigSchema } from '../../../schemas/cluster-config.ts';

const config = ClusterConfigSchema.parse({
  clusterName: 'demo',
  externalDNSName: 'k8s.example.com',
  keyName: 'ops',
  region: 'eu-west-1',
  controllerCount: 3,
  controllerIP: '10.0.0.50',
  serviceCIDR: '10.3.0.0/24',
});

describe('asset catalogue', () => {
  it('lists every asset name once, each issuer before the leaves it signs', () => {
    expect(ASSET_CATALOGUE.map((spec) => spec.name)).toEqual([...ASSET_NAMES]);
    for (const [index, spec] of ASSET_CATALOGUE.entries()) {
      if (spec.issuer === undefined) continue;
      const issuerIndex = ASSET_CATALOGUE.findIndex((other) => other.name === spec.issuer);
      expect(findAssetSpec(spec.issuer)?.kind).toBe('ca');
      expect(issuerIndex).toBeLessThan(index);
    }
  });

  it('gives no node a CA private key', () => {
    const caFiles = ASSET_CATALOGUE.filter((spec) => spec.kind === 'ca').flatMap((s) => s.files);

    expect(caFiles.map((file) => file.kind)).toEqual(['certificate', 'certificate', 'certificate']);
  });

  it('gives workers the cluster CA and the kubelet pair only', () => {
    expect(listNodeFiles('worker').map(({ asset, file }) => `${asset} ${file.path}`)).toEqual([
      'kube-ca /etc/kubernetes/pki/ca.crt',
      'kubelet /etc/kubernetes/pki/kubelet.crt',
      'kubelet /etc/kubernetes/pki/kubelet.key',
    ]);
  });

  it('gives controllers the control-plane and etcd files at kubeadm paths', () => {
    expect(listNodeFiles('controller').map(({ file }) => file.path)).toEqual([
      '/etc/kubernetes/pki/ca.crt',
      '/etc/kubernetes/pki/etcd/ca.crt',
      '/etc/kubernetes/pki/front-proxy-ca.crt',
      '/etc/kubernetes/pki/apiserver.crt',
      '/etc/kubernetes/pki/apiserver.key',
      '/etc/kubernetes/pki/apiserver-kubelet-client.crt',
      '/etc/kubernetes/pki/apiserver-kubelet-client.key',
      '/etc/kubernetes/pki/kubelet.crt',
      '/etc/kubernetes/pki/kubelet.key',
      '/etc/kubernetes/pki/controller-manager.crt',
      '/etc/kubernetes/pki/controller-manager.key',
      '/etc/kubernetes/pki/scheduler.crt',
      '/etc/kubernetes/pki/scheduler.key',
      '/etc/kubernetes/pki/etcd/server.crt',
      '/etc/kubernetes/pki/etcd/server.key',
      '/etc/kubernetes/pki/etcd/peer.crt',
      '/etc/kubernetes/pki/etcd/peer.key',
      '/etc/kubernetes/pki/apiserver-etcd-client.crt',
      '/etc/kubernetes/pki/apiserver-etcd-client.key',
      '/etc/kubernetes/pki/front-proxy-client.crt',
      '/etc/kubernetes/pki/front-proxy-client.key',
      '/etc/kubernetes/pki/sa.key',
      '/etc/kubernetes/pki/sa.pub',
    ]);
  });

  it('derives the apiserver names from externalDNSName, serviceCIDR and the controller IPs', () => {
    expect(findAssetSpec('apiserver')?.request?.(config)).toEqual({
      commonName: 'kube-apiserver',
      dns: [
        'kubernetes',
        'kubernetes.default',
        'kubernetes.default.svc',
        'kubernetes.default.svc.cluster.local',
        'k8s.example.com',
      ],
      ip: ['10.3.0.1', '10.0.0.50', '10.0.0.51', '10.0.0.52', '127.0.0.1'],
      profile: 'server',
    });
  });

  it('names the kubelet identity with the region of the cluster', () => {
    expect(findAssetSpec('kubelet')?.request?.(config)).toEqual({
      commonName: 'kube-worker',
      organization: 'system:nodes',
      dns: ['*.eu-west-1.compute.internal', '*.ec2.internal'],
      ip: [],
      profile: 'server-client',
    });
  });

  it('rejects a controllerIP that is not an IPv4 address', () => {
    const broken = { ...config, controllerIP: '10.0.0' };

    expect(() => findAssetSpec('apiserver')?.request?.(broken)).toThrow(
      'controllerIP must be an IPv4 address (received 10.0.0)',
    );
  });
});
