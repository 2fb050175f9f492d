// biome-ignore-all lint/suspicious/noExplicitAny: assertions walk rendered template JSON freely
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are CloudFormation Fn::Sub syntax
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/errors.ts';
import { ClusterConfigSchema } from '../../../schemas/cluster-config.ts';
import { renderTemplate } from '../../../stack/template/render-template.ts';
import { base, render, type Template, typesOf } from './render-harness.ts';
import { matrixInput } from './template-matrix.ts';

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
