import { readFileSync } from 'node:fs';
import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { FUNCTION_ARN_VARIABLES } from '../state-machines/state-names.ts';
import type { BackendFunctions } from './backend-functions.ts';

/** The one definition file that the embedded runner loads too. */
export const PROVISION_DEFINITION_URL = new URL(
  '../state-machines/provision.asl.json',
  import.meta.url,
);

/**
 * The state machine's name is fixed so that its ARN can be computed before it exists: the
 * submit functions need it in their environment, and the state machine needs their siblings'
 * ARNs, which would otherwise be a dependency cycle.
 */
export function provisionStateMachineName(scope: Construct): string {
  return `${Stack.of(scope).stackName}-provision`;
}

export function provisionStateMachineArn(scope: Construct): string {
  return Stack.of(scope).formatArn({
    service: 'states',
    resource: 'stateMachine',
    resourceName: provisionStateMachineName(scope),
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

export interface ProvisionWorkflowProps {
  functions: BackendFunctions;
}

/**
 * The provision state machine from `state-machines/provision.asl.json`. The definition is
 * inlined (not an S3 asset) so the synthesised template is self-contained for SAM and cfn-lint;
 * the overall timeout is the definition's own TimeoutSeconds.
 */
export class ProvisionWorkflow extends Construct {
  readonly stateMachine: StateMachine;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ProvisionWorkflowProps) {
    super(scope, id);

    const taskFunctions = Object.entries(FUNCTION_ARN_VARIABLES).map(([name, variable]) => {
      const fn = props.functions.byName[name as keyof typeof FUNCTION_ARN_VARIABLES].fn;
      return { variable, fn };
    });

    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('states.amazonaws.com'),
      description: 'kube-aws-serverless provision state machine',
    });
    // The definition invokes unqualified ARNs only, so no `:*` version wildcard is needed.
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: taskFunctions.map(({ fn }) => fn.functionArn),
      }),
    );

    this.logGroup = new LogGroup(this, 'Logs', {
      // Step Functions requires the /aws/vendedlogs/ prefix for log groups with many streams.
      logGroupName: `/aws/vendedlogs/states/${provisionStateMachineName(this)}`,
      retention: RetentionDays.THREE_MONTHS,
    });

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: provisionStateMachineName(this),
      definitionBody: DefinitionBody.fromString(readFileSync(PROVISION_DEFINITION_URL, 'utf8')),
      definitionSubstitutions: Object.fromEntries(
        taskFunctions.map(({ variable, fn }) => [variable, fn.functionArn]),
      ),
      role,
      tracingEnabled: true,
      // State payloads are pointers and hashes only (schemas/state-payloads.ts), so execution
      // data is safe to log and is what an operator needs to follow a run.
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: true },
    });

    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'CloudWatch Logs delivery actions (logs:CreateLogDelivery and the rest) and ' +
        'xray:PutTraceSegments support no resource-level permissions',
    });
  }
}
