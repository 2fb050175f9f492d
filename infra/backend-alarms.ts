import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { BackendFunctions } from './backend-functions.ts';
import { BACKEND_FUNCTIONS, FUNCTION_SPECS } from './function-specs.ts';

export interface BackendAlarmsProps {
  functions: BackendFunctions;
  stateMachine: StateMachine;
  topic: ITopic;
}

/**
 * One alarm per failure signal, each on the first occurrence in five minutes: a failed or
 * timed-out run means a cluster did not get its revision, and a function error is a bug or an
 * outage either way. No data is not a failure.
 */
export class BackendAlarms extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: BackendAlarmsProps) {
    super(scope, id);

    const action = new SnsAction(props.topic);
    const signals = [
      {
        id: 'ExecutionsFailedAlarm',
        description: 'A provision run failed',
        metric: props.stateMachine.metricFailed({ period: Duration.minutes(5) }),
      },
      {
        id: 'ExecutionsTimedOutAlarm',
        description: 'A provision run exceeded its overall timeout',
        metric: props.stateMachine.metricTimedOut({ period: Duration.minutes(5) }),
      },
      ...BACKEND_FUNCTIONS.map((name) => ({
        id: `${FUNCTION_SPECS[name].id}ErrorsAlarm`,
        description: `The ${name} function reported errors`,
        metric: props.functions.byName[name].fn.metricErrors({ period: Duration.minutes(5) }),
      })),
    ];

    for (const signal of signals) {
      const alarm = new Alarm(this, signal.id, {
        alarmDescription: signal.description,
        metric: signal.metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(action);
      this.alarms.push(alarm);
    }
  }
}
