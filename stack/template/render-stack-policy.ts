import type { ClusterConfig } from '../../schemas/cluster-config.ts';

/** Resource types that hold etcd state: the controllers and their data volumes. */
const STATEFUL_TYPES = new Set(['AWS::EC2::Instance', 'AWS::EC2::Volume']);

/**
 * The stack policy: every update is allowed except replacing or deleting a controller or an etcd
 * volume, which loses an etcd member. `allowReplace` is the audited override for a revision that
 * must replace one.
 */
export function renderStackPolicy(template: object, allowReplace: boolean): object {
  const allowAll = { Effect: 'Allow', Principal: '*', Action: 'Update:*', Resource: '*' };
  if (allowReplace) return { Statement: [allowAll] };

  const resources = (template as { Resources?: Record<string, { Type?: string }> }).Resources ?? {};
  const protectedIds = Object.keys(resources)
    .filter((id) => STATEFUL_TYPES.has(resources[id]?.Type ?? ''))
    .sort();
  if (protectedIds.length === 0) return { Statement: [allowAll] };

  return {
    Statement: [
      allowAll,
      {
        Effect: 'Deny',
        Principal: '*',
        Action: ['Update:Replace', 'Update:Delete'],
        Resource: protectedIds.map((id) => `LogicalResourceId/${id}`),
      },
    ],
  };
}

/** Tags the deployer puts on the stack (CloudFormation copies them to every resource it tags). */
export function stackTags(config: ClusterConfig): Array<{ Key: string; Value: string }> {
  const tags: Record<string, string> = {
    ...config.stackTags,
    KubernetesCluster: config.clusterName,
  };

  return Object.keys(tags)
    .sort()
    .map((key) => ({ Key: key, Value: tags[key] ?? '' }));
}
