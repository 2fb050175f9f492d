import { Duration, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { createBundlingOptions, PROJECT_ROOT, resolveHandlerEntry } from './function-bundling.ts';
import { BACKEND_FUNCTIONS, type BackendFunctionName, FUNCTION_SPECS } from './function-specs.ts';

export const FUNCTION_LOG_RETENTION = RetentionDays.THREE_MONTHS;

export interface BackendFunctionsProps {
  /** The variables every function reads through `lib/runtime-config.ts`, keyed by `ENV` names. */
  environment: Record<string, string>;
  /** Folder holding `functions/` and `package-lock.json`; the repository root by default. */
  projectRoot?: string;
}

export interface BackendFunction {
  fn: NodejsFunction;
  role: Role;
}

/**
 * One NodejsFunction per handler, each with its own role (no AWS-managed policy: the role may
 * write only to its own log group) and its own log group with a retention period.
 */
export class BackendFunctions extends Construct {
  readonly byName: Readonly<Record<BackendFunctionName, BackendFunction>>;

  constructor(scope: Construct, id: string, props: BackendFunctionsProps) {
    super(scope, id);

    const root = props.projectRoot ?? PROJECT_ROOT;
    const entries = BACKEND_FUNCTIONS.map((name) => [
      name,
      this.createFunction(name, root, props.environment),
    ]);
    this.byName = Object.fromEntries(entries) as Record<BackendFunctionName, BackendFunction>;
  }

  get all(): BackendFunction[] {
    return BACKEND_FUNCTIONS.map((name) => this.byName[name]);
  }

  private createFunction(
    name: BackendFunctionName,
    root: string,
    environment: Record<string, string>,
  ): BackendFunction {
    const spec = FUNCTION_SPECS[name];

    const logGroup = new LogGroup(this, `${spec.id}Logs`, { retention: FUNCTION_LOG_RETENTION });
    const role = new Role(this, `${spec.id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `kube-aws-serverless ${name} function`,
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );

    const fn = new NodejsFunction(this, spec.id, {
      entry: resolveHandlerEntry(name, root),
      projectRoot: root,
      depsLockFilePath: `${root.replace(/\/$/, '')}/package-lock.json`,
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: spec.memoryMiB,
      timeout: Duration.seconds(spec.timeoutSeconds),
      description: spec.description,
      environment,
      role,
      logGroup,
      tracing: Tracing.ACTIVE,
      bundling: createBundlingOptions(),
    });

    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs24.x is the runtime the project pins and verifies (esbuild target node24, CI on ' +
        'Node 22+); moving to a newer runtime is a deliberate upgrade, not a silent default',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) support no ' +
        `resource-level permissions${STAR_RESOURCE_REASONS[name] ?? ''}`,
    });

    return { fn, role };
  }
}

/** Extra reasons for `Resource::*` on the roles whose permissions add more such statements. */
const STAR_RESOURCE_REASONS: Partial<Record<BackendFunctionName, string>> = {
  validate:
    '; neither do the EC2 Describe calls that check the VPC, route tables, key pair and ' +
    'availability zones, nor route53:ListHostedZonesByName',
};
