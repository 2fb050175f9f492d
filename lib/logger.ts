import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one structured logger. Messages are constant phrases; variable data goes into snake_case
 * keys. Never pass events, templates, userdata or key material to it.
 */
export const logger = new Logger({
  serviceName: 'kube-aws-serverless',
  logLevel: (process.env.KUBE_AWS_LOG_LEVEL as 'INFO' | 'WARN' | 'ERROR' | 'SILENT') ?? 'INFO',
});
