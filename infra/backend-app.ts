import { readFileSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PROJECT_ROOT } from './function-bundling.ts';
import { KubeAwsBackendStack } from './kube-aws-backend-stack.ts';

/** The stack's name, and so the template file `cdk.out/KubeAwsBackend.template.json`. */
export const BACKEND_STACK_NAME = 'KubeAwsBackend';

export interface BackendAppOptions {
  /** Cloud assembly folder; `cdk.out` (or the CDK CLI's choice) by default. */
  outdir?: string;
  /** False skips esbuild (template assertions only); the template then points at no code. */
  bundle?: boolean;
  /** Repository root holding `functions/`; the real one by default. */
  projectRoot?: string;
  /** Extra context, e.g. `account` and `region` to pin the stack's environment. */
  context?: Record<string, unknown>;
}

/**
 * Builds the app the way `cdk synth` would, but runnable by plain `tsx`: the context of
 * `cdk.json` (feature flags) is applied here too, so both paths produce the same template.
 * cdk-nag's AwsSolutions pack runs at synthesis and fails it on any unacknowledged finding.
 */
export function createBackendApp(options: BackendAppOptions = {}) {
  const cdkJson = JSON.parse(readFileSync(`${PROJECT_ROOT}/cdk.json`, 'utf8')) as {
    context: Record<string, unknown>;
  };
  const app = new App({
    outdir: options.outdir ?? process.env.CDK_OUTDIR ?? `${PROJECT_ROOT}/cdk.out`,
    context: {
      ...cdkJson.context,
      // SAM CLI finds each function's bundled code through this metadata.
      'aws:cdk:enable-asset-metadata': true,
      ...(options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {}),
      ...options.context,
    },
  });

  const account = app.node.tryGetContext('account') as string | undefined;
  const region = app.node.tryGetContext('region') as string | undefined;
  const stack = new KubeAwsBackendStack(app, BACKEND_STACK_NAME, {
    description: 'kube-aws-serverless: provisions Kubernetes clusters from cluster.yaml',
    ...(account === undefined && region === undefined ? {} : { env: { account, region } }),
    ...(options.projectRoot === undefined ? {} : { projectRoot: options.projectRoot }),
  });

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

  return { app, stack };
}
