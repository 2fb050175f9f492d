import type * as SnsSdk from '@aws-sdk/client-sns';
import type { SNSClient, SNSClientConfig } from '@aws-sdk/client-sns';
import type { Notifier, RevisionFailureNotice } from '../../ports/notifier.ts';
import { rethrowSdkError } from './classify-sdk-error.ts';
import { LazyClient, loadOnce } from './load-once.ts';

const loadSnsSdk = loadOnce(() => import('@aws-sdk/client-sns'));

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
  private readonly client: LazyClient<typeof SnsSdk, SNSClient>;

  constructor(private readonly options: SnsNotifierOptions) {
    const config: SNSClientConfig = {
      region: options.region,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    };
    this.client = new LazyClient(loadSnsSdk, (sdk) => new sdk.SNSClient(config));
  }

  async notifyRevisionFailed(notice: RevisionFailureNotice): Promise<void> {
    const subject = `kube-aws: ${notice.cluster} revision ${notice.revision} ${notice.status}`;
    const { sdk, client } = await this.client.get();
    try {
      await client.send(
        new sdk.PublishCommand({
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
