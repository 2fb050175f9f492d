// biome-ignore-all lint/suspicious/noExplicitAny: assertions walk rendered template JSON freely
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are CloudFormation Fn::Sub syntax
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/errors.ts';
import { render, typesOf } from './render-harness.ts';

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
