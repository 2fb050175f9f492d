// biome-ignore-all lint/suspicious/noExplicitAny: assertions walk rendered template JSON freely
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are CloudFormation Fn::Sub syntax
import { describe, expect, it } from 'vitest';
import { ClusterConfigSchema } from '../../../schemas/cluster-config.ts';
import { renderTemplate } from '../../../stack/template/render-template.ts';
import { base, render, type Template } from './render-harness.ts';
import { DUMMY_USERDATA, matrixInput, TEST_KEY_ARN } from './template-matrix.ts';

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
