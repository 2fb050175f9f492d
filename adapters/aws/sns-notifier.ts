import { PublishCommand, SNSClient, type SNSClientConfig } from '@aws-sdk/client-sns';
import type { Notifier, RevisionFailureNotice } from '../../ports/notifier.ts';
import { rethrowSdkError } from './classify-sdk-error.ts';

export interface SnsNotifierOptions {
  topicArn: string;
  region: string;
  endpoint?: string;
  credentials?: SNSClientConfig['credentials'];
}

/** SNS limits a subject to 100 printable ASCII characters. */
const SUBJECT_LIMIT = 100;

/** Publishes one message per failed revision to the backend's notification topic. */
export class SnsNotifier implements Notifier {
  private readonly client: SNSClient;

  constructor(private readonly options: SnsNotifierOptions) {
    this.client = new SNSClient({
      region: options.region,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    });
  }

  async notifyRevisionFailed(notice: RevisionFailureNotice): Promise<void> {
    const subject = `kube-aws: ${notice.cluster} revision ${notice.revision} ${notice.status}`;
    try {
      await this.client.send(
        new PublishCommand({
          TopicArn: this.options.topicArn,
          Subject: subject.slice(0, SUBJECT_LIMIT),
          Message: JSON.stringify(notice),
          MessageAttributes: {
            cluster: { DataType: 'String', StringValue: notice.cluster },
            status: { DataType: 'String', StringValue: notice.status },
          },
        }),
      );
    } catch (error: unknown) {
      rethrowSdkError(error, 'SNS', 'Publish');
    }
  }

  destroy(): void {
    this.client.destroy();
  }
}
