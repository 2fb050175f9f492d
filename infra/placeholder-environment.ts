import { ENV } from '../lib/env-names.ts';

/**
 * Values that satisfy `lib/runtime-config.ts`, for loading a bundle outside Lambda (the bench
 * and the bundle tests). Nothing is called with them: they only let configuration parse.
 */
export function createPlaceholderEnvironment(): Record<string, string> {
  const arn = (service: string, resource: string) =>
    `arn:aws:${service}:eu-west-1:123456789012:${resource}`;

  return {
    [ENV.artifactsBucket]: 'placeholder-artifacts',
    [ENV.submissionsBucket]: 'placeholder-submissions',
    [ENV.revisionsTable]: 'placeholder-revisions',
    [ENV.assetKeyArn]: arn('kms', 'key/00000000-0000-0000-0000-000000000000'),
    [ENV.stateMachineArn]: arn('states', 'stateMachine:placeholder-provision'),
    [ENV.queueMode]: 'queue',
    [ENV.notificationTopicArn]: arn('sns', 'placeholder-notifications'),
    [ENV.deploymentRoleArn]: 'arn:aws:iam::123456789012:role/placeholder-deployment',
    [ENV.region]: 'eu-west-1',
  };
}
