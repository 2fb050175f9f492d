import { describe, expect, it } from 'vitest';
import { ClusterConfigSchema } from '../../../schemas/cluster-config.ts';
import {
  renderStackPolicy,
  renderTemplate,
  stackTags,
} from '../../../stack/template/render-template.ts';
import { MATRIX, matrixInput } from './template-matrix.ts';

const threeControllers = MATRIX[1]!.config;

describe('renderStackPolicy', () => {
  it('denies replacing or deleting controllers and etcd volumes', () => {
    const { template } = renderTemplate(matrixInput(threeControllers));

    expect(renderStackPolicy(template, false)).toEqual({
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 'Update:*', Resource: '*' },
        {
          Effect: 'Deny',
          Principal: '*',
          Action: ['Update:Replace', 'Update:Delete'],
          Resource: [
            'LogicalResourceId/Controller0',
            'LogicalResourceId/Controller1',
            'LogicalResourceId/Controller2',
            'LogicalResourceId/EtcdDataVolume0',
            'LogicalResourceId/EtcdDataVolume1',
            'LogicalResourceId/EtcdDataVolume2',
          ],
        },
      ],
    });
  });

  it('allows every update when replacement is explicitly allowed', () => {
    const { template } = renderTemplate(matrixInput(threeControllers));

    expect(renderStackPolicy(template, true)).toEqual({
      Statement: [{ Effect: 'Allow', Principal: '*', Action: 'Update:*', Resource: '*' }],
    });
  });
});

describe('stackTags', () => {
  it('adds KubernetesCluster to the configured tags, sorted by key', () => {
    const config = ClusterConfigSchema.parse({
      externalDNSName: 'a.example.com',
      keyName: 'k',
      region: 'us-east-1',
      clusterName: 'prod',
      stackTags: { Team: 'infra', CostCenter: '42', KubernetesCluster: 'spoofed' },
    });

    expect(stackTags(config)).toEqual([
      { Key: 'CostCenter', Value: '42' },
      { Key: 'KubernetesCluster', Value: 'prod' },
      { Key: 'Team', Value: 'infra' },
    ]);
  });
});
