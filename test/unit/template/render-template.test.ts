// biome-ignore-all lint/suspicious/noExplicitAny: assertions walk rendered template JSON freely
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are CloudFormation Fn::Sub syntax
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/errors.ts';
import { type ClusterConfigInput, ClusterConfigSchema } from '../../../schemas/cluster-config.ts';
import { renderTemplate } from '../../../stack/template/render-template.ts';
import { DUMMY_USERDATA, matrixInput, TEST_KEY_ARN } from './template-matrix.ts';

interface Resource {
  Type: string;
  Properties: Record<string, any>;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  UpdatePolicy?: Record<string, any>;
}
interface Template {
  Description: string;
  Parameters: Record<string, any>;
  Resources: Record<string, Resource>;
  Outputs: Record<string, any>;
}

const base: ClusterConfigInput = {
  clusterName: 'demo',
  externalDNSName: 'api.demo.example.com',
  keyName: 'demo-key',
  region: 'us-east-1',
  amiId: 'ami-0123456789abcdef0',
  kmsKeyArn: TEST_KEY_ARN,
  subnets: [
    { availabilityZone: 'us-east-1a', instanceCIDR: '10.0.0.0/24' },
    { availabilityZone: 'us-east-1b', instanceCIDR: '10.0.1.0/24' },
  ],
};

function render(overrides: Partial<ClusterConfigInput> = {}) {
  const result = renderTemplate(matrixInput(ClusterConfigSchema.parse({ ...base, ...overrides })));

  return { template: result.template as Template, resourceMap: result.resourceMap };
}

const typesOf = (template: Template, type: string) =>
  Object.keys(template.Resources).filter((id) => template.Resources[id]?.Type === type);

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

describe('renderTemplate control plane', () => {
  it('places controllers at controllerIP plus index in the subnet holding the address', () => {
    const { template } = render({ controllerCount: 3, controllerIP: '10.0.1.252' });
    const placed = [0, 1, 2].map((index) => {
      const props = template.Resources[`Controller${index}`]?.Properties ?? {};
      return [props.PrivateIpAddress, props.SubnetId];
    });

    expect(placed).toEqual([
      ['10.0.1.252', { Ref: 'Subnet1' }],
      ['10.0.1.253', { Ref: 'Subnet1' }],
      ['10.0.1.254', { Ref: 'Subnet1' }],
    ]);
  });

  it('rejects a controller address outside every subnet', () => {
    expect(() => render({ controllerCount: 2, controllerIP: '10.0.1.254' })).toThrowError(
      new ValidationError(
        'controllerIP plus 1 must be an assignable address of one of the subnets ' +
          '(received 10.0.1.255); move controllerIP or widen a subnet',
      ),
    );
  });

  it('rejects a controller address that AWS reserves at the start of a subnet', () => {
    expect(() => render({ controllerIP: '10.0.0.3' })).toThrowError(
      new ValidationError(
        'controllerIP plus 0 must be an assignable address of one of the subnets ' +
          '(received 10.0.0.3); move controllerIP or widen a subnet',
      ),
    );
  });

  it('gives each controller a snapshot-protected etcd volume in its zone', () => {
    const { template } = render({
      controllerCount: 2,
      controllerIP: '10.0.1.10',
      etcdDataVolumeType: 'io2',
      etcdDataVolumeSize: 50,
      etcdDataVolumeIOPS: 3000,
    });

    expect(template.Resources.EtcdDataVolume1).toEqual({
      Type: 'AWS::EC2::Volume',
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
      Properties: {
        AvailabilityZone: 'us-east-1b',
        Size: 50,
        VolumeType: 'io2',
        Iops: 3000,
        Encrypted: true,
        Tags: [
          { Key: 'KubernetesCluster', Value: 'demo' },
          { Key: 'kubernetes.io/cluster/demo', Value: 'owned' },
          { Key: 'Name', Value: 'demo-etcd-1' },
        ],
      },
    });
    expect(template.Resources.EtcdDataVolumeAttachment1?.Properties).toEqual({
      Device: '/dev/xvdf',
      InstanceId: { Ref: 'Controller1' },
      VolumeId: { Ref: 'EtcdDataVolume1' },
    });
  });

  it('requires IMDSv2 in every launch template', () => {
    const { template } = render({ nodePools: [{ name: 'a' }] });
    const ids = typesOf(template, 'AWS::EC2::LaunchTemplate');

    expect(ids).toEqual([
      'ControllerLaunchTemplate',
      'WorkerLaunchTemplate',
      'NodePoolALaunchTemplate',
    ]);
    for (const id of ids) {
      expect(template.Resources[id]?.Properties.LaunchTemplateData.MetadataOptions.HttpTokens).toBe(
        'required',
      );
    }
  });

  it('uses per-controller userdata when given', () => {
    const input = matrixInput(
      ClusterConfigSchema.parse({ ...base, controllerCount: 2, controllerIP: '10.0.0.10' }),
    );
    const { template } = renderTemplate({ ...input, controllerUserdata: ['AAAA', 'BBBB'] });
    const resources = (template as Template).Resources;

    expect([
      resources.Controller0?.Properties.UserData,
      resources.Controller1?.Properties.UserData,
    ]).toEqual(['AAAA', 'BBBB']);
  });

  it('fronts one controller with an Elastic IP and several with a network load balancer', () => {
    const one = render().template;
    const three = render({ controllerCount: 3, mapPublicIPs: false }).template;

    expect(one.Resources.ControllerEIP).toMatchObject({
      DependsOn: 'VPCGatewayAttachment',
      Properties: { Domain: 'vpc', InstanceId: { Ref: 'Controller0' } },
    });
    expect(typesOf(one, 'AWS::ElasticLoadBalancingV2::LoadBalancer')).toEqual([]);
    expect(three.Resources.APIServerLoadBalancer?.Properties).toMatchObject({
      Type: 'network',
      Scheme: 'internal',
      Subnets: [{ Ref: 'Subnet0' }, { Ref: 'Subnet1' }],
    });
    expect(three.Resources.APIServerTargetGroup?.Properties.Targets).toEqual([
      { Id: { Ref: 'Controller0' }, Port: 443 },
      { Id: { Ref: 'Controller1' }, Port: 443 },
      { Id: { Ref: 'Controller2' }, Port: 443 },
    ]);
    expect(typesOf(three, 'AWS::EC2::EIP')).toEqual([]);
  });
});

describe('renderTemplate workers', () => {
  it('sizes groups for a rolling update and keeps spot pools without a minimum', () => {
    const { template } = render({
      workerCount: 3,
      nodePools: [
        { name: 'spot-pool', count: 2, spotPrice: 0.05 },
        { name: 'fixed', count: 2, minSize: 2, maxSize: 2 },
      ],
    });
    const sizing = (id: string) => {
      const resource = template.Resources[id];
      return [
        resource?.Properties.MinSize,
        resource?.Properties.MaxSize,
        resource?.Properties.DesiredCapacity,
        resource?.UpdatePolicy?.AutoScalingRollingUpdate.MinInstancesInService,
      ];
    };

    expect(sizing('WorkerAutoScalingGroup')).toEqual(['3', '4', '3', 3]);
    expect(sizing('NodePoolSpotPoolAutoScalingGroup')).toEqual(['2', '3', '2', 0]);
    expect(sizing('NodePoolFixedAutoScalingGroup')).toEqual(['2', '2', '2', 1]);
    expect(
      template.Resources.NodePoolSpotPoolLaunchTemplate?.Properties.LaunchTemplateData
        .InstanceMarketOptions,
    ).toEqual({ MarketType: 'spot', SpotOptions: { MaxPrice: '0.05' } });
    expect(
      template.Resources.WorkerLaunchTemplate?.Properties.LaunchTemplateData.InstanceMarketOptions,
    ).toBeUndefined();
    expect(typesOf(template, 'AWS::AutoScaling::LaunchConfiguration')).toEqual([]);
  });

  it('tags worker groups for the cluster and propagates the tags to instances', () => {
    const { template } = render();

    expect(template.Resources.WorkerAutoScalingGroup?.Properties.Tags).toEqual([
      { Key: 'KubernetesCluster', Value: 'demo', PropagateAtLaunch: true },
      { Key: 'kubernetes.io/cluster/demo', Value: 'owned', PropagateAtLaunch: true },
      { Key: 'Name', Value: 'demo-worker', PropagateAtLaunch: true },
    ]);
  });

  it('rejects node pool names that collapse to the same logical id', () => {
    expect(() => render({ nodePools: [{ name: 'gpu-a' }, { name: 'gpu_a' }] })).toThrowError(
      new ValidationError(
        'nodePools[1].name must give a unique alphanumeric id (received gpu_a, same id as gpu-a); ' +
          'rename the node pool',
      ),
    );
  });
});

describe('renderTemplate DNS', () => {
  it('points an A record at the Elastic IP of a single controller', () => {
    const { template } = render({ createRecordSet: true, hostedZoneId: 'Z1', recordSetTTL: 60 });

    expect(template.Resources.APIServerRecordSet?.Properties).toEqual({
      HostedZoneId: 'Z1',
      Name: 'api.demo.example.com',
      Type: 'A',
      TTL: '60',
      ResourceRecords: [{ Ref: 'ControllerEIP' }],
    });
  });

  it('aliases the load balancer by zone name with a trailing dot, never a CNAME', () => {
    const { template } = render({
      createRecordSet: true,
      hostedZone: 'demo.example.com',
      controllerCount: 2,
    });

    expect(template.Resources.APIServerRecordSet?.Properties).toEqual({
      HostedZoneName: 'demo.example.com.',
      Name: 'api.demo.example.com',
      Type: 'A',
      AliasTarget: {
        DNSName: { 'Fn::GetAtt': ['APIServerLoadBalancer', 'DNSName'] },
        HostedZoneId: { 'Fn::GetAtt': ['APIServerLoadBalancer', 'CanonicalHostedZoneID'] },
      },
    });
  });

  it('creates no record set unless asked', () => {
    expect(typesOf(render().template, 'AWS::Route53::RecordSet')).toEqual([]);
  });

  it('rejects createRecordSet without a hosted zone', () => {
    expect(() => render({ createRecordSet: true })).toThrowError(
      new ValidationError(
        'createRecordSet needs hostedZoneId (received neither hostedZoneId nor hostedZone); ' +
          'set hostedZoneId or turn createRecordSet off',
      ),
    );
  });
});

describe('renderTemplate IAM', () => {
  const statementsOf = (template: Template, id: string) =>
    template.Resources[id]?.Properties.Policies[0].PolicyDocument.Statement as Array<
      Record<string, any>
    >;

  it('lists exact actions, never a wildcard', () => {
    const { template } = render();
    const actions = ['ControllerRole', 'WorkerRole'].flatMap((id) =>
      statementsOf(template, id).flatMap((statement) => [statement.Action].flat()),
    );

    expect(actions.filter((action) => String(action).includes('*'))).toEqual([]);
    expect(actions).toContain('ecr:BatchGetImage');
  });

  it('lets nodes decrypt only node data of their cluster', () => {
    const { template } = render();

    expect(statementsOf(template, 'WorkerRole')[1]).toEqual({
      Sid: 'DecryptNodeAssets',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: TEST_KEY_ARN,
      Condition: {
        StringEquals: {
          'kms:EncryptionContext:kube-aws:cluster': 'demo',
          'kms:EncryptionContext:kube-aws:purpose': 'node',
        },
      },
    });
  });

  it('grants s3:GetObject on exactly the offloaded userdata objects', () => {
    const input = matrixInput(ClusterConfigSchema.parse(base));
    const { template } = renderTemplate({
      ...input,
      artifactsBucket: 'artifacts',
      offloadedUserdataKeys: { controller: ['clusters/demo/userdata/controller-abc'] },
    });

    expect(statementsOf(template as Template, 'ControllerRole').at(-1)).toEqual({
      Sid: 'ReadOffloadedUserdata',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: [
        { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::artifacts/clusters/demo/userdata/controller-abc' },
      ],
    });
    expect(statementsOf(template as Template, 'WorkerRole').map((s) => s.Sid)).toEqual([
      'NodeRuntime',
      'DecryptNodeAssets',
    ]);
  });
});

describe('renderTemplate parameters and outputs', () => {
  it('defaults the image parameter to amiId, or reads it from SSM without one', () => {
    expect(render().template.Parameters.ImageId).toEqual({
      Type: 'AWS::EC2::Image::Id',
      Default: 'ami-0123456789abcdef0',
      Description: 'AMI of every node (amiId in cluster.yaml)',
    });
    expect(render({ amiId: '', releaseChannel: 'beta' }).template.Parameters.ImageId).toEqual({
      Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>',
      Default: '/kube-aws/flatcar/beta/ami-id',
      Description: 'SSM parameter holding the Flatcar beta AMI id of this region',
    });
  });

  it('describes the cluster and exports endpoint, VPC and security groups', () => {
    const { template } = render({ vpcId: 'vpc-1' });
    const exports = Object.fromEntries(
      Object.entries(template.Outputs)
        .filter(([, output]) => output.Export !== undefined)
        .map(([id, output]) => [id, [output.Value, output.Export.Name['Fn::Sub']]]),
    );

    expect(template.Description).toBe('kube-aws Kubernetes cluster demo');
    expect(exports).toEqual({
      APIEndpoint: ['https://api.demo.example.com', '${AWS::StackName}-APIEndpoint'],
      VPC: ['vpc-1', '${AWS::StackName}-VPC'],
      WorkerSecurityGroup: [
        { 'Fn::GetAtt': ['WorkerSecurityGroup', 'GroupId'] },
        '${AWS::StackName}-WorkerSecurityGroup',
      ],
      ControllerSecurityGroup: [
        { 'Fn::GetAtt': ['ControllerSecurityGroup', 'GroupId'] },
        '${AWS::StackName}-ControllerSecurityGroup',
      ],
    });
  });

  it('carries the worker userdata unchanged into every launch template', () => {
    const { template } = render({ nodePools: [{ name: 'b' }] });

    expect(template.Resources.NodePoolBLaunchTemplate?.Properties.LaunchTemplateData.UserData).toBe(
      DUMMY_USERDATA,
    );
  });
});
