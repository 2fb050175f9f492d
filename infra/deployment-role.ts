import { Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { AMI_PARAMETER_REASON, amiParameterArn } from './apply-permissions.ts';
import { acknowledgeWildcardResource } from './nag-finding.ts';

/** What a rendered cluster stack creates (see `stack/template/`), action by action. */
const EC2_ACTIONS = [
  'AllocateAddress',
  'AssociateAddress',
  'AssociateRouteTable',
  'AttachInternetGateway',
  'AttachVolume',
  'AuthorizeSecurityGroupEgress',
  'AuthorizeSecurityGroupIngress',
  'CreateInternetGateway',
  'CreateLaunchTemplate',
  'CreateLaunchTemplateVersion',
  'CreateRoute',
  'CreateRouteTable',
  'CreateSecurityGroup',
  'CreateSubnet',
  'CreateTags',
  'CreateVolume',
  'CreateVpc',
  'DeleteInternetGateway',
  'DeleteLaunchTemplate',
  'DeleteLaunchTemplateVersions',
  'DeleteRoute',
  'DeleteRouteTable',
  'DeleteSecurityGroup',
  'DeleteSubnet',
  'DeleteTags',
  'DeleteVolume',
  'DeleteVpc',
  'DescribeAccountAttributes',
  'DescribeAddresses',
  'DescribeAvailabilityZones',
  'DescribeImages',
  'DescribeInstances',
  'DescribeInternetGateways',
  'DescribeLaunchTemplateVersions',
  'DescribeLaunchTemplates',
  'DescribeRouteTables',
  'DescribeSecurityGroups',
  'DescribeSubnets',
  'DescribeVolumes',
  'DescribeVpcs',
  'DetachInternetGateway',
  'DetachVolume',
  'DisassociateAddress',
  'DisassociateRouteTable',
  'ModifySubnetAttribute',
  'ModifyVpcAttribute',
  'ReleaseAddress',
  'ReplaceRoute',
  'RevokeSecurityGroupEgress',
  'RevokeSecurityGroupIngress',
  'RunInstances',
  'TerminateInstances',
].map((action) => `ec2:${action}`);

const SCALING_AND_LOAD_BALANCING_ACTIONS = [
  'autoscaling:CreateAutoScalingGroup',
  'autoscaling:DeleteAutoScalingGroup',
  'autoscaling:DescribeAutoScalingGroups',
  'autoscaling:DescribeScalingActivities',
  'autoscaling:UpdateAutoScalingGroup',
  'autoscaling:CreateOrUpdateTags',
  'elasticloadbalancing:AddTags',
  'elasticloadbalancing:CreateListener',
  'elasticloadbalancing:CreateLoadBalancer',
  'elasticloadbalancing:CreateTargetGroup',
  'elasticloadbalancing:DeleteListener',
  'elasticloadbalancing:DeleteLoadBalancer',
  'elasticloadbalancing:DeleteTargetGroup',
  'elasticloadbalancing:DescribeListeners',
  'elasticloadbalancing:DescribeLoadBalancers',
  'elasticloadbalancing:DescribeTargetGroups',
  'elasticloadbalancing:ModifyListener',
  'elasticloadbalancing:ModifyLoadBalancerAttributes',
  'elasticloadbalancing:ModifyTargetGroup',
  'elasticloadbalancing:ModifyTargetGroupAttributes',
  'elasticloadbalancing:RegisterTargets',
  'elasticloadbalancing:DeregisterTargets',
];

const IAM_ACTIONS = [
  'iam:AddRoleToInstanceProfile',
  'iam:CreateInstanceProfile',
  'iam:CreateRole',
  'iam:DeleteInstanceProfile',
  'iam:DeleteRole',
  'iam:DeleteRolePolicy',
  'iam:GetInstanceProfile',
  'iam:GetRole',
  'iam:GetRolePolicy',
  'iam:PutRolePolicy',
  'iam:RemoveRoleFromInstanceProfile',
  'iam:TagRole',
  'iam:UntagRole',
  'iam:UpdateAssumeRolePolicy',
];

/**
 * The role CloudFormation assumes to create and update cluster stacks. Keeping these rights off
 * the apply function means a compromised function can start a change set on a cluster stack but
 * cannot touch EC2 or IAM itself.
 */
export class DeploymentRole extends Construct {
  readonly role: Role;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    const stack = Stack.of(this);
    const roles = stack.formatArn({
      service: 'iam',
      region: '',
      resource: 'role',
      resourceName: '*',
    });
    const instanceProfiles = stack.formatArn({
      service: 'iam',
      region: '',
      resource: 'instance-profile',
      resourceName: '*',
    });
    const dnsResources = [
      `arn:${stack.partition}:route53:::hostedzone/*`,
      `arn:${stack.partition}:route53:::change/*`,
    ];
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('cloudformation.amazonaws.com'),
      description: 'kube-aws-serverless: CloudFormation creates cluster stacks with this role',
    });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [...EC2_ACTIONS, ...SCALING_AND_LOAD_BALANCING_ACTIONS],
        resources: ['*'],
      }),
    );
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: IAM_ACTIONS,
        resources: [roles, instanceProfiles],
      }),
    );
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [roles],
        conditions: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      }),
    );
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [
          'route53:ChangeResourceRecordSets',
          'route53:GetChange',
          'route53:GetHostedZone',
          'route53:ListResourceRecordSets',
        ],
        resources: dnsResources,
      }),
    );

    const amiParameters = amiParameterArn(this.role);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['ssm:GetParameters'], resources: [amiParameters] }),
    );
    acknowledgeWildcardResource(this.role, amiParameters, AMI_PARAMETER_REASON);

    acknowledgeWildcardResource(
      this.role,
      '*',
      'EC2, Auto Scaling and Elastic Load Balancing create and describe calls for a new ' +
        'cluster accept no resource ARN: the VPC, instances and load balancers do not exist yet',
    );
    const iamReason =
      'CloudFormation names the cluster roles and instance profiles at deploy time; the ' +
      'pattern is limited to this account, and PassRole only to EC2';
    acknowledgeWildcardResource(this.role, roles, iamReason);
    acknowledgeWildcardResource(this.role, instanceProfiles, iamReason);
    for (const dns of dnsResources) {
      acknowledgeWildcardResource(
        this.role,
        dns,
        'the hosted zone comes from each cluster.yaml; record changes and their status ' +
          'are limited to Route 53 zones and changes of this account',
      );
    }
  }
}
