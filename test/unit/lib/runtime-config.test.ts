import { describe, expect, it } from 'vitest';
import { ENV } from '../../../lib/env-names.ts';
import { readRuntimeConfig } from '../../../lib/runtime-config.ts';

const complete = {
  [ENV.artifactsBucket]: 'artefacts-bucket',
  [ENV.submissionsBucket]: 'submissions-bucket',
  [ENV.revisionsTable]: 'revisions',
  [ENV.assetKeyArn]: 'arn:aws:kms:eu-west-1:123456789012:key/abc',
  [ENV.stateMachineArn]: 'arn:aws:states:eu-west-1:123456789012:stateMachine:provision',
  [ENV.region]: 'eu-west-1',
};

describe('readRuntimeConfig', () => {
  it('returns a frozen typed config with queue mode by default', () => {
    const config = readRuntimeConfig(complete);

    expect(config).toEqual({
      artifactsBucket: 'artefacts-bucket',
      submissionsBucket: 'submissions-bucket',
      revisionsTable: 'revisions',
      assetKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/abc',
      stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:provision',
      queueMode: 'queue',
      notificationTopicArn: undefined,
      region: 'eu-west-1',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every missing and malformed variable in one error', () => {
    const { [ENV.revisionsTable]: _, ...missingTable } = complete;

    expect(() =>
      readRuntimeConfig({ ...missingTable, [ENV.queueMode]: 'later', [ENV.assetKeyArn]: 'key' }),
    ).toThrow(
      /^environment is incomplete: KUBE_AWS_REVISIONS_TABLE .*; KUBE_AWS_ASSET_KEY_ARN .*; KUBE_AWS_QUEUE_MODE .*$/,
    );
  });
});
