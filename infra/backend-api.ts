import { Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  type IResource,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RequestValidator,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Steady and burst request rates for the whole stage, and the stricter rate for submissions. */
export const API_THROTTLING = {
  rateLimit: 20,
  burstLimit: 40,
  submitRateLimit: 2,
  submitBurstLimit: 5,
} as const;

export interface BackendApiProps {
  submitFunction: IFunction;
  statusFunction: IFunction;
}

/**
 * The REST API of DESIGN.md. Every method requires SigV4 (IAM) authorisation. API Gateway's own
 * payload ceiling is 10 MB and cannot be lowered for a REST API, so the submit handler enforces
 * the product's 256 KiB limit and answers 413; here the validator rejects a request without its
 * path parameters before any function runs.
 */
export class BackendApi extends Construct {
  readonly api: RestApi;

  constructor(scope: Construct, id: string, props: BackendApiProps) {
    super(scope, id);

    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.THREE_MONTHS });
    this.api = new RestApi(this, 'Api', {
      restApiName: 'kube-aws-serverless',
      description: 'Submit cluster.yaml revisions and read their status',
      endpointTypes: [EndpointType.REGIONAL],
      cloudWatchRole: true,
      defaultMethodOptions: { authorizationType: AuthorizationType.IAM },
      deployOptions: {
        stageName: 'v1',
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: MethodLoggingLevel.ERROR,
        // Request bodies are cluster configurations; keep them out of execution logs.
        dataTraceEnabled: false,
        tracingEnabled: true,
        throttlingRateLimit: API_THROTTLING.rateLimit,
        throttlingBurstLimit: API_THROTTLING.burstLimit,
        methodOptions: {
          '/clusters/POST': {
            throttlingRateLimit: API_THROTTLING.submitRateLimit,
            throttlingBurstLimit: API_THROTTLING.submitBurstLimit,
          },
        },
      },
    });

    const validator = new RequestValidator(this, 'ParameterValidator', {
      restApi: this.api,
      validateRequestParameters: true,
      // Bodies are YAML or JSON cluster files checked by the submit handler with line and
      // column; no API Gateway model describes them, so body validation has nothing to check.
      validateRequestBody: true,
    });
    const submit = new LambdaIntegration(props.submitFunction, { allowTestInvoke: false });
    const status = new LambdaIntegration(props.statusFunction, { allowTestInvoke: false });

    const clusters = this.api.root.addResource('clusters');
    // No required header here: the handler answers a missing or wrong Content-Type with 415.
    clusters.addMethod('POST', submit);

    const cluster = clusters.addResource('{name}');
    const revisions = cluster.addResource('revisions');
    const revision = revisions.addResource('{n}');
    addStatusRoute(cluster, status, validator, ['name']);
    // The list is paged; both parameters are optional and checked by the handler.
    addStatusRoute(revisions, status, validator, ['name'], ['limit', 'before']);
    addStatusRoute(revision, status, validator, ['name', 'n']);
    addStatusRoute(revision.addResource('template'), status, validator, ['name', 'n']);
    addStatusRoute(revision.addResource('history'), status, validator, ['name', 'n']);
    addStatusRoute(revision.addResource('validation'), status, validator, ['name', 'n']);

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'every method requires SigV4-signed IAM credentials and the stage is throttled; ' +
        'unauthenticated floods are rejected by API Gateway before any integration runs',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        'callers are operators and CI roles of the account, authorised by IAM (SigV4), not end ' +
        'users of a Cognito user pool',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        "API Gateway's account-level logging role; AWS documents this managed policy for it and " +
        'the log groups it writes to are named by API Gateway at run time',
    });
  }
}

function addStatusRoute(
  resource: IResource,
  integration: LambdaIntegration,
  validator: RequestValidator,
  pathParameters: string[],
  queryParameters: string[] = [],
): void {
  resource.addMethod('GET', integration, {
    requestValidator: validator,
    requestParameters: Object.fromEntries([
      ...pathParameters.map((name) => [`method.request.path.${name}`, true]),
      ...queryParameters.map((name) => [`method.request.querystring.${name}`, false]),
    ]),
  });
}
