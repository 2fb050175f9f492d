import type { ClusterConfig } from '../../schemas/cluster-config.ts';
import {
  type CfnResource,
  clusterTags,
  type Fragment,
  getAtt,
  type Json,
  vpcIdValue,
} from './template-context.ts';

export const CONTROLLER_SG = 'ControllerSecurityGroup';
export const WORKER_SG = 'WorkerSecurityGroup';

type Member = 'Controller' | 'Worker';

interface PeerRule {
  from: Member;
  to: Member;
  protocol: string;
  fromPort: number;
  toPort: number;
  description: string;
  keys: string[];
}

const groupOf = (member: Member) => (member === 'Controller' ? CONTROLLER_SG : WORKER_SG);
const everyPair: Array<[Member, Member]> = [
  ['Controller', 'Controller'],
  ['Controller', 'Worker'],
  ['Worker', 'Controller'],
  ['Worker', 'Worker'],
];

/**
 * Rules between cluster members. NodePorts stay closed: services reach the outside through load
 * balancers the cloud provider opens its own rules for.
 */
function planPeerRules(config: ClusterConfig): PeerRule[] {
  const rules: PeerRule[] = [
    rule('Controller', 'Controller', 'tcp', 2379, 2380, 'etcd client and peer traffic', []),
    rule('Worker', 'Controller', 'tcp', 443, 443, 'kubelets and pods to the API server', []),
    rule('Controller', 'Worker', 'tcp', 10250, 10250, 'API server to worker kubelets', []),
    rule('Controller', 'Controller', 'tcp', 10250, 10250, 'API server to controller kubelets', []),
  ];
  for (const [from, to] of everyPair) {
    if (config.useCalico) {
      rules.push(rule(from, to, 'tcp', 179, 179, 'calico BGP peering', ['useCalico']));
      rules.push(rule(from, to, '4', -1, -1, 'calico IP-in-IP pod traffic', ['useCalico']));
    } else {
      rules.push(rule(from, to, 'udp', 8472, 8472, 'flannel VXLAN pod traffic', ['useCalico']));
    }
  }

  return rules;
}

function rule(
  from: Member,
  to: Member,
  protocol: string,
  fromPort: number,
  toPort: number,
  description: string,
  keys: string[],
): PeerRule {
  return { from, to, protocol, fromPort, toPort, description, keys };
}

function peerRuleId(peer: PeerRule): string {
  const protocol = peer.protocol === '4' ? 'Ipip' : peer.protocol === 'udp' ? 'Udp' : 'Tcp';
  const port = peer.fromPort < 0 ? '' : String(peer.fromPort);

  return `${peer.to}IngressFrom${peer.from}${protocol}${port}`;
}

function cidrRule(cidr: string, port: number, description: string): Json {
  return {
    IpProtocol: 'tcp',
    FromPort: port,
    ToPort: port,
    CidrIp: cidr,
    Description: description,
  };
}

/** A fresh value per use, so a caller editing one rendered template cannot change the next. */
const egressAll = (): Json[] => [
  { IpProtocol: '-1', CidrIp: '0.0.0.0/0', Description: 'all outbound traffic' },
];

/** Controller and worker security groups and the rules between them. */
export function renderSecurityGroups(config: ClusterConfig): Fragment {
  const sshRules = () =>
    config.sshAccessAllowedSourceCIDRs.map((cidr) =>
      cidrRule(cidr, 22, 'ssh from sshAccessAllowedSourceCIDRs'),
    );
  const apiRules = config.apiAccessAllowedSourceCIDRs.map((cidr) =>
    cidrRule(cidr, 443, 'API server from apiAccessAllowedSourceCIDRs'),
  );
  // A load balancer's health checks come from its own addresses inside the VPC.
  const healthCheckRules =
    config.controllerCount > 1
      ? [cidrRule(config.vpcCIDR, 443, 'API server health checks from the load balancer')]
      : [];

  const resources: Record<string, CfnResource> = {
    [CONTROLLER_SG]: {
      Type: 'AWS::EC2::SecurityGroup',
      Properties: {
        GroupDescription: `kube-aws ${config.clusterName} controllers`,
        VpcId: vpcIdValue(config),
        SecurityGroupIngress: [...apiRules, ...healthCheckRules, ...sshRules()],
        SecurityGroupEgress: egressAll(),
        Tags: clusterTags(config, `${config.clusterName}-controller`),
      },
    },
    [WORKER_SG]: {
      Type: 'AWS::EC2::SecurityGroup',
      Properties: {
        GroupDescription: `kube-aws ${config.clusterName} workers`,
        VpcId: vpcIdValue(config),
        SecurityGroupIngress: sshRules(),
        SecurityGroupEgress: egressAll(),
        Tags: clusterTags(config, `${config.clusterName}-worker`),
      },
    },
  };
  const resourceMap: Record<string, string[]> = {
    [CONTROLLER_SG]: [
      'apiAccessAllowedSourceCIDRs',
      'sshAccessAllowedSourceCIDRs',
      ...(config.controllerCount > 1 ? ['controllerCount', 'vpcCIDR'] : []),
    ],
    [WORKER_SG]: ['sshAccessAllowedSourceCIDRs'],
  };

  for (const peer of planPeerRules(config)) {
    const id = peerRuleId(peer);
    resources[id] = {
      Type: 'AWS::EC2::SecurityGroupIngress',
      Properties: {
        GroupId: getAtt(groupOf(peer.to), 'GroupId'),
        SourceSecurityGroupId: getAtt(groupOf(peer.from), 'GroupId'),
        IpProtocol: peer.protocol,
        // A protocol without ports (IP-in-IP) takes no port range.
        ...(peer.fromPort < 0 ? {} : { FromPort: peer.fromPort, ToPort: peer.toPort }),
        Description: peer.description,
      },
    };
    resourceMap[id] = peer.keys;
  }

  return { resources, resourceMap };
}
