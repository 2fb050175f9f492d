import { Duration, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface SubmissionTriggerProps {
  submissionsBucket: IBucket;
  submitFunction: IFunction;
  topic: ITopic;
}

/**
 * Turns an upload of `clusters/<name>/cluster.yaml` into a submit-s3 invocation. An event that
 * cannot be delivered, or whose invocation keeps failing, lands in a queue and raises an alarm
 * instead of vanishing: the uploader would otherwise never learn that nothing happened.
 */
export class SubmissionTrigger extends Construct {
  readonly rule: Rule;
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string, props: SubmissionTriggerProps) {
    super(scope, id);

    this.deadLetters = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'this queue is itself the dead-letter queue of the submission trigger; its messages ' +
        'are kept 14 days for an operator to inspect and re-drive',
    });

    // One wildcard, because a list of prefix and suffix matchers would match either (OR);
    // validation.json written beside the upload must not start a run.
    this.rule = new Rule(this, 'UploadRule', {
      description: 'A cluster.yaml uploaded to the submissions bucket starts a submission',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [props.submissionsBucket.bucketName] },
          object: { key: [{ wildcard: 'clusters/*/cluster.yaml' }] },
        },
      },
      targets: [
        new LambdaFunction(props.submitFunction, {
          retryAttempts: 4,
          maxEventAge: Duration.hours(2),
          deadLetterQueue: this.deadLetters,
        }),
      ],
    });

    // EventBridge invokes asynchronously; a submission that fails after Lambda's own retries
    // goes to the same queue.
    props.submitFunction.configureAsyncInvoke({
      retryAttempts: 2,
      onFailure: new SqsDestination(this.deadLetters),
    });

    const alarm = new Alarm(this, 'DeadLettersAlarm', {
      alarmDescription: 'An uploaded cluster.yaml did not start a submission',
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(props.topic));
  }
}
