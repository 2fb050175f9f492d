import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ENV } from '../lib/env-names.ts';
import { AssetKey } from './asset-key.ts';
import { BackendAlarms } from './backend-alarms.ts';
import { BackendApi } from './backend-api.ts';
import { BackendFunctions } from './backend-functions.ts';
import { DataStores } from './data-stores.ts';
import { DeploymentRole } from './deployment-role.ts';
import { grantFunctionPermissions } from './function-permissions.ts';
import { Notifications } from './notifications.ts';
import {
  ProvisionWorkflow,
  provisionStateMachineArn,
  provisionStateMachineName,
} from './provision-workflow.ts';
import { SubmissionTrigger } from './submission-trigger.ts';

export interface KubeAwsBackendStackProps extends StackProps {
  /** Folder holding `functions/` and `package-lock.json`; the repository root by default. */
  projectRoot?: string;
  /** What a submission does while its cluster has a run in progress. */
  queueMode?: 'queue' | 'reject';
}

/** Everything the backend needs in one account and region; see DESIGN.md for the flow. */
export class KubeAwsBackendStack extends Stack {
  readonly functions: BackendFunctions;

  constructor(scope: Construct, id: string, props: KubeAwsBackendStackProps = {}) {
    super(scope, id, props);

    const stores = new DataStores(this, 'DataStores');
    const assetKey = new AssetKey(this, 'AssetKey');
    const notifications = new Notifications(this, 'Notifications');
    const deployment = new DeploymentRole(this, 'ClusterDeployment');

    this.functions = new BackendFunctions(this, 'Functions', {
      ...(props.projectRoot === undefined ? {} : { projectRoot: props.projectRoot }),
      environment: {
        [ENV.artifactsBucket]: stores.artifactsBucket.bucketName,
        [ENV.submissionsBucket]: stores.submissionsBucket.bucketName,
        [ENV.revisionsTable]: stores.revisionsTable.tableName,
        [ENV.assetKeyArn]: assetKey.key.keyArn,
        [ENV.stateMachineArn]: provisionStateMachineArn(this),
        [ENV.queueMode]: props.queueMode ?? 'queue',
        [ENV.notificationTopicArn]: notifications.topic.topicArn,
        [ENV.deploymentRoleArn]: deployment.role.roleArn,
      },
    });

    const workflow = new ProvisionWorkflow(this, 'Provision', { functions: this.functions });

    grantFunctionPermissions({
      functions: this.functions,
      submissionsBucket: stores.submissionsBucket,
      artifactsBucket: stores.artifactsBucket,
      revisionsTable: stores.revisionsTable,
      assetKey,
      notifications,
      stateMachineArn: workflow.stateMachine.stateMachineArn,
      stateMachineName: provisionStateMachineName(this),
      deploymentRoleArn: deployment.role.roleArn,
    });

    new SubmissionTrigger(this, 'SubmissionTrigger', {
      submissionsBucket: stores.submissionsBucket,
      submitFunction: this.functions.byName['submit-s3'].fn,
      topic: notifications.topic,
    });

    const api = new BackendApi(this, 'Api', {
      submitFunction: this.functions.byName['submit-api'].fn,
      statusFunction: this.functions.byName['status-api'].fn,
    });

    new BackendAlarms(this, 'Alarms', {
      functions: this.functions,
      stateMachine: workflow.stateMachine,
      topic: notifications.topic,
    });

    new CfnOutput(this, 'ApiUrl', { value: api.api.url });
    new CfnOutput(this, 'SubmissionsBucketName', { value: stores.submissionsBucket.bucketName });
    new CfnOutput(this, 'StateMachineArn', { value: workflow.stateMachine.stateMachineArn });
    new CfnOutput(this, 'NotificationTopicArn', { value: notifications.topic.topicArn });
  }
}
