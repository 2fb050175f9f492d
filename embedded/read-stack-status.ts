import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { RuntimeConfig } from '../lib/runtime-config.ts';

/** The stack's status now, or undefined when it does not exist. */
export type ReadStackStatus = (stackName: string) => Promise<string | undefined>;

/**
 * Reads one stack's status from CloudFormation (the SDK honours AWS_ENDPOINT_URL). Only the
 * StackDeployer port talks to CloudFormation in a run; recovery needs a plain read, outside one.
 */
export function createStackStatusReader(config: Readonly<RuntimeConfig>): ReadStackStatus {
  return async (stackName) => {
    const client = new CloudFormationClient({ region: config.region });
    try {
      const answer = await client.send(new DescribeStacksCommand({ StackName: stackName }));

      return answer.Stacks?.[0]?.StackStatus;
    } catch (error: unknown) {
      // CloudFormation answers a missing stack with a ValidationError, not a 404.
      if (error instanceof Error && /does not exist/.test(error.message)) return undefined;
      throw error;
    } finally {
      client.destroy();
    }
  };
}
