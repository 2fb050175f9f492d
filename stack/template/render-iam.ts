import { ValidationError } from '../../lib/errors.ts';
import type { NodeRole } from '../../schemas/node-assets.ts';
import {
  type CfnResource,
  type Fragment,
  type Json,
  ref,
  type TemplateInput,
} from './template-context.ts';

/** What the AWS cloud provider running on the controllers calls, action by action. */
export const CONTROLLER_CLOUD_PROVIDER_ACTIONS = [
  'autoscaling:DescribeAutoScalingGroups',
  'autoscaling:DescribeTags',
  'ec2:AttachVolume',
  'ec2:AuthorizeSecurityGroupIngress',
  'ec2:CreateRoute',
  'ec2:CreateSecurityGroup',
  'ec2:CreateTags',
  'ec2:CreateVolume',
  'ec2:DeleteRoute',
  'ec2:DeleteSecurityGroup',
  'ec2:DeleteVolume',
  'ec2:DescribeAvailabilityZones',
  'ec2:DescribeInstances',
  'ec2:DescribeInstanceTopology',
  'ec2:DescribeRegions',
  'ec2:DescribeRouteTables',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSubnets',
  'ec2:DescribeVolumes',
  'ec2:DescribeVpcs',
  'ec2:DetachVolume',
  'ec2:ModifyInstanceAttribute',
  'ec2:ModifyVolume',
  'ec2:RevokeSecurityGroupIngress',
  'elasticloadbalancing:AddTags',
  'elasticloadbalancing:ApplySecurityGroupsToLoadBalancer',
  'elasticloadbalancing:AttachLoadBalancerToSubnets',
  'elasticloadbalancing:ConfigureHealthCheck',
  'elasticloadbalancing:CreateListener',
  'elasticloadbalancing:CreateLoadBalancer',
  'elasticloadbalancing:CreateLoadBalancerListeners',
  'elasticloadbalancing:CreateLoadBalancerPolicy',
  'elasticloadbalancing:CreateTargetGroup',
  'elasticloadbalancing:DeleteListener',
  'elasticloadbalancing:DeleteLoadBalancer',
  'elasticloadbalancing:DeleteLoadBalancerListeners',
  'elasticloadbalancing:DeleteTargetGroup',
  'elasticloadbalancing:DeregisterInstancesFromLoadBalancer',
  'elasticloadbalancing:DeregisterTargets',
  'elasticloadbalancing:DescribeListeners',
  'elasticloadbalancing:DescribeLoadBalancerAttributes',
  'elasticloadbalancing:DescribeLoadBalancerPolicies',
  'elasticloadbalancing:DescribeLoadBalancers',
  'elasticloadbalancing:DescribeTargetGroups',
  'elasticloadbalancing:DescribeTargetHealth',
  'elasticloadbalancing:DetachLoadBalancerFromSubnets',
  'elasticloadbalancing:ModifyListener',
  'elasticloadbalancing:ModifyLoadBalancerAttributes',
  'elasticloadbalancing:ModifyTargetGroup',
  'elasticloadbalancing:RegisterInstancesWithLoadBalancer',
  'elasticloadbalancing:RegisterTargets',
  'elasticloadbalancing:SetLoadBalancerPoliciesForBackendServer',
  'elasticloadbalancing:SetLoadBalancerPoliciesOfListener',
] as const;

/** What a worker's kubelet calls: its own instance metadata lookup and ECR image pulls. */
export const WORKER_NODE_ACTIONS = [
  'ec2:DescribeInstances',
  'ec2:DescribeRegions',
  'ecr:BatchCheckLayerAvailability',
  'ecr:BatchGetImage',
  'ecr:DescribeRepositories',
  'ecr:GetAuthorizationToken',
  'ecr:GetDownloadUrlForLayer',
  'ecr:GetRepositoryPolicy',
  'ecr:ListImages',
] as const;

export const iamRoleId = (role: NodeRole) =>
  role === 'controller' ? 'ControllerRole' : 'WorkerRole';
export const instanceProfileId = (role: NodeRole) =>
  role === 'controller' ? 'ControllerInstanceProfile' : 'WorkerInstanceProfile';

function roleStatements(input: TemplateInput, role: NodeRole): Json[] {
  const statements: Json[] = [
    {
      Sid: role === 'controller' ? 'CloudProvider' : 'NodeRuntime',
      Effect: 'Allow',
      Action: [
        ...(role === 'controller' ? CONTROLLER_CLOUD_PROVIDER_ACTIONS : WORKER_NODE_ACTIONS),
      ],
      Resource: '*',
    },
    {
      // Nodes may decrypt only what was sealed for nodes of this cluster, never backend secrets.
      Sid: 'DecryptNodeAssets',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: input.keyArn,
      Condition: {
        StringEquals: {
          'kms:EncryptionContext:kube-aws:cluster': input.config.clusterName,
          'kms:EncryptionContext:kube-aws:purpose': 'node',
        },
      },
    },
  ];
  if (role === 'controller') {
    statements.push({
      Sid: 'LoadBalancerServiceLinkedRole',
      Effect: 'Allow',
      Action: 'iam:CreateServiceLinkedRole',
      Resource: '*',
      Condition: { StringEquals: { 'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com' } },
    });
  }
  const keys = input.offloadedUserdataKeys?.[role] ?? [];
  if (keys.length > 0) {
    if (input.artifactsBucket === undefined || input.artifactsBucket === '') {
      throw new ValidationError(
        `offloaded ${role} userdata needs an artifacts bucket (received ${keys.length} keys)`,
      );
    }
    const bucket = input.artifactsBucket;
    statements.push({
      Sid: 'ReadOffloadedUserdata',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: keys.map((key) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucket}/${key}` })),
    });
  }

  return statements;
}

/** One role and instance profile per node role, each with least-privilege inline policies. */
export function renderIam(input: TemplateInput): Fragment {
  if (input.keyArn === '') {
    throw new ValidationError(
      'kmsKeyArn must be set when the backend key is not a KMS key (received an empty string); ' +
        'set it to the ARN of the KMS key the nodes will decrypt their assets with',
    );
  }
  const resources: Record<string, CfnResource> = {};
  const resourceMap: Record<string, string[]> = {};

  for (const role of ['controller', 'worker'] as const) {
    resources[iamRoleId(role)] = {
      Type: 'AWS::IAM::Role',
      Properties: {
        Path: '/',
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
            PolicyName: `kube-aws-${role}`,
            PolicyDocument: { Version: '2012-10-17', Statement: roleStatements(input, role) },
          },
        ],
      },
    };
    resources[instanceProfileId(role)] = {
      Type: 'AWS::IAM::InstanceProfile',
      Properties: { Path: '/', Roles: [ref(iamRoleId(role))] },
    };
    resourceMap[iamRoleId(role)] = ['kmsKeyArn', 'clusterName'];
    resourceMap[instanceProfileId(role)] = [];
  }

  return { resources, resourceMap };
}
