import * as z from 'zod';
import { ENV } from './env-names.ts';

/** What a function deployed in AWS needs from its environment; `infra/` sets exactly these. */
export const RuntimeConfigSchema = z.object({
  [ENV.artifactsBucket]: z.string().min(3),
  [ENV.submissionsBucket]: z.string().min(3),
  [ENV.revisionsTable]: z.string().min(3),
  [ENV.assetKeyArn]: z.string().startsWith('arn:'),
  [ENV.stateMachineArn]: z.string().startsWith('arn:'),
  [ENV.queueMode]: z.enum(['queue', 'reject']).default('queue'),
  [ENV.notificationTopicArn]: z.string().startsWith('arn:').optional(),
  [ENV.deploymentRoleArn]: z.string().startsWith('arn:').optional(),
  [ENV.s3ForcePathStyle]: z.enum(['true', 'false']).optional(),
  [ENV.region]: z.string().min(1),
});

export type RuntimeConfig = {
  artifactsBucket: string;
  submissionsBucket: string;
  revisionsTable: string;
  assetKeyArn: string;
  stateMachineArn: string;
  queueMode: 'queue' | 'reject';
  notificationTopicArn: string | undefined;
  /** Absent when embedded: the local deployer only previews changes. */
  deploymentRoleArn?: string | undefined;
  /** Path-style S3 addressing for emulators behind AWS_ENDPOINT_URL. */
  s3ForcePathStyle?: boolean | undefined;
  region: string;
};

/** Parses the environment once; throws a message naming every missing or malformed variable. */
export function readRuntimeConfig(env: NodeJS.ProcessEnv = process.env): Readonly<RuntimeConfig> {
  const parsed = RuntimeConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new Error(`environment is incomplete: ${problems.join('; ')}`);
  }

  const value = parsed.data;

  return Object.freeze({
    artifactsBucket: value[ENV.artifactsBucket],
    submissionsBucket: value[ENV.submissionsBucket],
    revisionsTable: value[ENV.revisionsTable],
    assetKeyArn: value[ENV.assetKeyArn],
    stateMachineArn: value[ENV.stateMachineArn],
    queueMode: value[ENV.queueMode],
    notificationTopicArn: value[ENV.notificationTopicArn],
    deploymentRoleArn: value[ENV.deploymentRoleArn],
    s3ForcePathStyle:
      value[ENV.s3ForcePathStyle] === undefined
        ? undefined
        : value[ENV.s3ForcePathStyle] === 'true',
    region: value[ENV.region],
  });
}
