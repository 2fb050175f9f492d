import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { createBackendApp } from '../../infra/backend-app.ts';
import { BACKEND_FUNCTIONS, type BackendFunctionName } from '../../infra/function-specs.ts';
import type { KubeAwsBackendStack } from '../../infra/kube-aws-backend-stack.ts';

export interface SynthesisedBackend {
  stack: KubeAwsBackendStack;
  template: Template;
  json: CfnTemplate;
  outdir: string;
  /** Logical id of each function's AWS::Lambda::Function. */
  functionIds: Record<BackendFunctionName, string>;
}

export interface CfnResource {
  Type: string;
  /** Every resource this stack synthesises has properties. */
  Properties: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
}

/**
 * Synthesises the real app (cdk-nag included: an unacknowledged finding throws here). Without
 * bundling the functions point at no code, which template assertions do not need.
 */
export function synthesiseBackend(options: {
  bundle: boolean;
  outdir?: string;
}): SynthesisedBackend {
  const outdir = options.outdir ?? mkdtempSync(join(tmpdir(), 'kube-aws-infra-'));
  const { stack } = createBackendApp({ outdir, bundle: options.bundle });
  const template = Template.fromStack(stack);
  const functionIds = Object.fromEntries(
    BACKEND_FUNCTIONS.map((name) => {
      const fn = stack.functions.byName[name].fn;
      return [name, stack.getLogicalId(fn.node.defaultChild as never)];
    }),
  ) as Record<BackendFunctionName, string>;

  return { stack, template, json: template.toJSON() as CfnTemplate, outdir, functionIds };
}

/** Every resource of one type, keyed by logical id. */
export function resourcesOfType(json: CfnTemplate, type: string): Record<string, CfnResource> {
  return Object.fromEntries(Object.entries(json.Resources).filter(([, r]) => r.Type === type));
}

/** Every IAM policy statement anywhere in the template: roles, policies, key and bucket policies. */
export function collectStatements(value: unknown, found: Array<Record<string, unknown>> = []) {
  if (Array.isArray(value)) {
    for (const item of value) collectStatements(item, found);
  } else if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    if (Array.isArray(record.Statement)) {
      found.push(...(record.Statement as Array<Record<string, unknown>>));
    }
    for (const child of Object.values(record)) collectStatements(child, found);
  }

  return found;
}
