import { InvariantError } from '../../lib/errors.ts';
import { renderControlPlane } from './render-control-plane.ts';
import { renderDns } from './render-dns.ts';
import { renderIam } from './render-iam.ts';
import { renderNetwork } from './render-network.ts';
import { renderOutputs, renderParameters } from './render-outputs.ts';
import { renderSecurityGroups } from './render-security-groups.ts';
import { renderWorkers } from './render-workers.ts';
import { type Fragment, planSubnets, type TemplateInput } from './template-context.ts';

export { renderStackPolicy, stackTags } from './render-stack-policy.ts';
export type { TemplateInput } from './template-context.ts';

export interface RenderedTemplate {
  template: object;
  /** Logical id → the cluster.yaml keys that produced the resource. */
  resourceMap: Record<string, string[]>;
}

/**
 * Renders the cluster's CloudFormation template. Pure: the same input gives an equal object, and
 * `canonicalJson` of it gives the same bytes.
 */
export function renderTemplate(input: TemplateInput): RenderedTemplate {
  const { config } = input;
  const subnets = planSubnets(config);
  const fragments: Fragment[] = [
    renderParameters(config),
    renderNetwork(config, subnets),
    renderSecurityGroups(config),
    renderIam(input),
    renderControlPlane(input, subnets),
    renderWorkers(config, subnets, input.userdata.worker),
    renderDns(config),
    renderOutputs(config),
  ];

  const template = {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `kube-aws Kubernetes cluster ${config.clusterName}`,
    Parameters: mergeDisjoint(
      fragments.map((fragment) => fragment.parameters ?? {}),
      'parameter',
    ),
    Resources: mergeDisjoint(
      fragments.map((fragment) => fragment.resources),
      'resource',
    ),
    Outputs: mergeDisjoint(
      fragments.map((fragment) => fragment.outputs ?? {}),
      'output',
    ),
  };
  const resourceMap = mergeDisjoint(
    fragments.map((fragment) => fragment.resourceMap),
    'resource map entry',
  );

  return { template, resourceMap };
}

/** Merges the fragments' maps; two concerns claiming one logical id is a renderer bug. */
function mergeDisjoint<T>(maps: Array<Record<string, T>>, kind: string): Record<string, T> {
  const merged: Record<string, T> = {};
  for (const map of maps) {
    for (const [key, value] of Object.entries(map)) {
      if (key in merged) {
        throw new InvariantError(`template ${kind} ids must be unique (received ${key} twice)`);
      }
      merged[key] = value;
    }
  }

  return merged;
}
