// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are CloudFormation Fn::Sub syntax
import { describe, expect, it } from 'vitest';
import { InvariantError } from '../../../lib/errors.ts';
import { checkReferences, findBrokenReferences } from '../../../stack/template/check-references.ts';

const vpc = { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } };

function template(resources: Record<string, unknown>, outputs: Record<string, unknown> = {}) {
  return { Parameters: { ImageId: { Type: 'String' } }, Resources: resources, Outputs: outputs };
}

describe('findBrokenReferences', () => {
  it('accepts references to resources, parameters, pseudo parameters and Sub variables', () => {
    const ok = template({
      VPC: vpc,
      Subnet: {
        Type: 'AWS::EC2::Subnet',
        DependsOn: ['VPC'],
        Properties: {
          VpcId: { Ref: 'VPC' },
          Image: { Ref: 'ImageId' },
          Region: { Ref: 'AWS::Region' },
          Cidr: { 'Fn::GetAtt': ['VPC', 'CidrBlock'] },
          Dotted: { 'Fn::GetAtt': 'VPC.CidrBlock' },
          Name: {
            'Fn::Sub': [
              '${AWS::StackName}-${VPC}-${VPC.CidrBlock}-${Local}-${!Escaped}',
              { Local: 'x' },
            ],
          },
        },
      },
    });

    expect(findBrokenReferences(ok)).toEqual([]);
  });

  it('reports each missing Ref, GetAtt, Sub and DependsOn target with its referrer', () => {
    const broken = template(
      {
        VPC: vpc,
        Subnet: {
          Type: 'AWS::EC2::Subnet',
          DependsOn: 'Gateway',
          Properties: {
            VpcId: { Ref: 'Vpc' },
            Tags: [{ Key: 'a', Value: { 'Fn::GetAtt': ['Missing', 'Arn'] } }],
            Name: { 'Fn::Sub': '${Nothing}-${Gone.Attr}' },
          },
        },
      },
      { Out: { Value: { 'Fn::GetAtt': 'Absent.Id' } } },
    );

    expect(findBrokenReferences(broken)).toEqual([
      { from: 'Resources.Subnet', kind: 'DependsOn', target: 'Gateway' },
      { from: 'Resources.Subnet', kind: 'Ref', target: 'Vpc' },
      { from: 'Resources.Subnet', kind: 'Fn::GetAtt', target: 'Missing' },
      { from: 'Resources.Subnet', kind: 'Fn::Sub', target: 'Nothing' },
      { from: 'Resources.Subnet', kind: 'Fn::GetAtt', target: 'Gone' },
      { from: 'Outputs.Out', kind: 'Fn::GetAtt', target: 'Absent' },
    ]);
  });

  it('rejects a GetAtt of a parameter, which has no attributes', () => {
    const broken = template({
      VPC: { Type: 'AWS::EC2::VPC', Properties: { X: { 'Fn::GetAtt': ['ImageId', 'Id'] } } },
    });

    expect(findBrokenReferences(broken)).toEqual([
      { from: 'Resources.VPC', kind: 'Fn::GetAtt', target: 'ImageId' },
    ]);
  });

  it('rejects a Sub variable used outside the Sub that defines it', () => {
    const broken = template({
      VPC: {
        Type: 'AWS::EC2::VPC',
        Properties: {
          A: { 'Fn::Sub': ['${Local}', { Local: 'x' }] },
          B: { 'Fn::Sub': '${Local}' },
        },
      },
    });

    expect(findBrokenReferences(broken)).toEqual([
      { from: 'Resources.VPC', kind: 'Fn::Sub', target: 'Local' },
    ]);
  });
});

describe('checkReferences', () => {
  it('throws an InvariantError naming the referrer and the missing target', () => {
    const broken = template({ VPC: vpc, Route: { Type: 'AWS::EC2::Route', DependsOn: 'Attach' } });

    expect(() => checkReferences(broken)).toThrowError(
      new InvariantError('Resources.Route DependsOn must name a defined target (received Attach)'),
    );
    expect(() => checkReferences(broken)).toThrowError(InvariantError);
  });

  it('returns quietly when every reference resolves', () => {
    expect(checkReferences(template({ VPC: vpc }))).toBeUndefined();
  });
});
