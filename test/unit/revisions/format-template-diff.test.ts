import { fullDiff } from '@aws-cdk/cloudformation-diff';
import { describe, expect, it } from 'vitest';
import {
  formatRowsAsList,
  formatTemplateDiff,
} from '../../../adapters/embedded/format-template-diff.ts';

const withRoleAndGroup = {
  Resources: {
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'ec2.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        },
        Policies: [
          {
            PolicyName: 'decrypt',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Action: ['kms:Decrypt', 'kms:DescribeKey'],
                  Resource: 'arn:aws:kms:eu-west-1:123456789012:key/k',
                  Condition: { StringEquals: { 'kms:EncryptionContext:purpose': 'node' } },
                },
              ],
            },
          },
        ],
      },
    },
    Group: {
      Type: 'AWS::EC2::SecurityGroup',
      Properties: {
        GroupDescription: 'api',
        SecurityGroupIngress: [
          { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' },
        ],
      },
    },
  },
};

describe('formatTemplateDiff', () => {
  it('lists IAM statements and security group rules as entries with one value per line', () => {
    const text = formatTemplateDiff(fullDiff({}, withRoleAndGroup));

    expect(text).toBe(
      [
        'IAM Statement Changes',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: cdk diff's notation for a reference
        '[+] ${Role.Arn}',
        '    Effect: Allow',
        '    Action: sts:AssumeRole',
        '    Principal: Service:ec2.amazonaws.com',
        '[+] arn:aws:kms:eu-west-1:123456789012:key/k',
        '    Effect: Allow',
        '    Action: kms:Decrypt',
        '            kms:DescribeKey',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: cdk diff's notation for a reference
        '    Principal: AWS:${Role}',
        '    Condition: "StringEquals": { "kms:EncryptionContext:purpose": "node" }',
        '',
        'Security Group Changes',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: cdk diff's notation for a reference
        '[+] ${Group.GroupId}',
        '    Dir: In',
        '    Protocol: TCP 443',
        '    Peer: Everyone (IPv4)',
        '',
        'Resources',
        '[+] AWS::IAM::Role Role',
        '[+] AWS::EC2::SecurityGroup Group',
        '',
      ].join('\n'),
    );
  });

  it('writes no security section when no IAM statement or rule changes', () => {
    const text = formatTemplateDiff(
      fullDiff(
        { Resources: { Queue: { Type: 'AWS::SQS::Queue' } } },
        { Resources: { Topic: { Type: 'AWS::SNS::Topic' } } },
      ),
    );

    expect(text).toBe(
      ['Resources', '[-] AWS::SQS::Queue Queue destroy', '[+] AWS::SNS::Topic Topic', ''].join(
        '\n',
      ),
    );
  });
});

describe('formatRowsAsList', () => {
  it('marks a removal, skips empty cells and names a column the header lacks', () => {
    const rows = [
      ['', 'Group', 'Dir'],
      ['-', 'sg-1', '', 'extra'],
    ];

    expect(formatRowsAsList(rows)).toBe(['[-] sg-1', '    Column 3: extra'].join('\n'));
  });
});
