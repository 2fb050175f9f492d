import { Duration } from 'aws-cdk-lib';
import { type IRole, PolicyDocument, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { createKeyAdminStatement } from './asset-key.ts';

/**
 * The topic that tells subscribers about failed revisions (published by the record function,
 * with cluster, revision and cause) and about alarms. CloudWatch cannot publish to a topic
 * encrypted with the AWS-managed SNS key, hence a customer-managed key of its own.
 */
export class Notifications extends Construct {
  readonly key: Key;
  readonly topic: Topic;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.key = new Key(this, 'TopicKey', {
      description: 'kube-aws-serverless: encrypts the notification topic',
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      policy: new PolicyDocument({
        statements: [
          createKeyAdminStatement(),
          new PolicyStatement({
            sid: 'CloudWatchAlarmsPublish',
            principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
            actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
            resources: ['*'],
          }),
        ],
      }),
    });

    this.topic = new Topic(this, 'Topic', {
      displayName: 'kube-aws-serverless revisions and alarms',
      masterKey: this.key,
      enforceSSL: true,
    });
  }

  /** A publisher needs the topic and the data key SNS encrypts its message with. */
  allowPublish(role: IRole): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }),
    );
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'RecordFunctionPublish',
        principals: [role],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
      }),
    );
  }
}
