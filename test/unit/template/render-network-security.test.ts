// biome-ignore-all lint/suspicious/noExplicitAny: assertions walk rendered template JSON freely
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are CloudFormation Fn::Sub syntax
import { describe, expect, it } from 'vitest';
import { render, typesOf } from './render-harness.ts';

describe('renderTemplate network', () => {
  it('creates a VPC, gateway, public route and one associated subnet per entry', () => {
    const { template, resourceMap } = render({ mapPublicIPs: false });

    expect(template.Resources.VPC?.Properties).toMatchObject({
      CidrBlock: '10.0.0.0/16',
      EnableDnsSupport: true,
      EnableDnsHostnames: true,
    });
    expect(template.Resources.RouteToInternet?.Properties.DestinationCidrBlock).toBe('0.0.0.0/0');
    expect(template.Resources.Subnet1?.Properties).toMatchObject({
      AvailabilityZone: 'us-east-1b',
      CidrBlock: '10.0.1.0/24',
      MapPublicIpOnLaunch: false,
      VpcId: { Ref: 'VPC' },
      Tags: [
        { Key: 'KubernetesCluster', Value: 'demo' },
        { Key: 'kubernetes.io/cluster/demo', Value: 'owned' },
        { Key: 'Name', Value: 'demo-subnet1' },
        { Key: 'kubernetes.io/role/internal-elb', Value: '1' },
      ],
    });
    expect(template.Resources.Subnet1RouteTableAssociation?.Properties).toEqual({
      SubnetId: { Ref: 'Subnet1' },
      RouteTableId: { Ref: 'RouteTable' },
    });
    expect(resourceMap.Subnet1).toEqual([
      'subnets[1].instanceCIDR',
      'subnets[1].availabilityZone',
      'mapPublicIPs',
    ]);
  });

  it('associates subnets of an existing VPC with routeTableId', () => {
    const { template } = render({ vpcId: 'vpc-1', routeTableId: 'rtb-1' });

    expect(typesOf(template, 'AWS::EC2::VPC')).toEqual([]);
    expect(typesOf(template, 'AWS::EC2::InternetGateway')).toEqual([]);
    expect(template.Resources.Subnet0?.Properties.VpcId).toBe('vpc-1');
    expect(template.Resources.Subnet0RouteTableAssociation?.Properties.RouteTableId).toBe('rtb-1');
  });

  it('leaves subnets of an existing VPC on its main route table without routeTableId', () => {
    const { template } = render({ vpcId: 'vpc-1' });

    expect(typesOf(template, 'AWS::EC2::SubnetRouteTableAssociation')).toEqual([]);
  });
});

describe('renderTemplate security groups', () => {
  it('opens 443 to the API CIDRs and 22 only to the ssh CIDRs', () => {
    const { template } = render({
      apiAccessAllowedSourceCIDRs: ['198.51.100.0/24'],
      sshAccessAllowedSourceCIDRs: ['203.0.113.7/32'],
    });
    const ssh = {
      IpProtocol: 'tcp',
      FromPort: 22,
      ToPort: 22,
      CidrIp: '203.0.113.7/32',
      Description: 'ssh from sshAccessAllowedSourceCIDRs',
    };

    expect(template.Resources.ControllerSecurityGroup?.Properties.SecurityGroupIngress).toEqual([
      {
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        CidrIp: '198.51.100.0/24',
        Description: 'API server from apiAccessAllowedSourceCIDRs',
      },
      ssh,
    ]);
    expect(template.Resources.WorkerSecurityGroup?.Properties.SecurityGroupIngress).toEqual([ssh]);
  });

  it('adds flannel VXLAN between all members, or calico BGP and IP-in-IP', () => {
    const flannel = typesOf(render().template, 'AWS::EC2::SecurityGroupIngress');
    const calico = typesOf(render({ useCalico: true }).template, 'AWS::EC2::SecurityGroupIngress');
    const common = [
      'ControllerIngressFromControllerTcp10250',
      'ControllerIngressFromControllerTcp2379',
      'ControllerIngressFromWorkerTcp443',
      'WorkerIngressFromControllerTcp10250',
    ];
    const pairs = ['ControllerIngressFromController', 'WorkerIngressFromController'];
    const all = [...pairs, 'ControllerIngressFromWorker', 'WorkerIngressFromWorker'];

    expect(flannel.sort()).toEqual([...common, ...all.map((p) => `${p}Udp8472`)].sort());
    expect(calico.sort()).toEqual(
      [...common, ...all.map((p) => `${p}Tcp179`), ...all.map((p) => `${p}Ipip`)].sort(),
    );
    expect(
      render({ useCalico: true }).template.Resources.WorkerIngressFromWorkerIpip?.Properties,
    ).toEqual({
      GroupId: { 'Fn::GetAtt': ['WorkerSecurityGroup', 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': ['WorkerSecurityGroup', 'GroupId'] },
      IpProtocol: '4',
      Description: 'calico IP-in-IP pod traffic',
    });
  });
});
