// biome-ignore-all lint/suspicious/noExplicitAny: helpers walk rendered template JSON freely
import { type ClusterConfigInput, ClusterConfigSchema } from '../../../schemas/cluster-config.ts';
import { renderTemplate } from '../../../stack/template/render-template.ts';
import { matrixInput, TEST_KEY_ARN } from './template-matrix.ts';

export interface Resource {
  Type: string;
  Properties: Record<string, any>;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  UpdatePolicy?: Record<string, any>;
}
export interface Template {
  Description: string;
  Parameters: Record<string, any>;
  Resources: Record<string, Resource>;
  Outputs: Record<string, any>;
}

export const base: ClusterConfigInput = {
  clusterName: 'demo',
  externalDNSName: 'api.demo.example.com',
  keyName: 'demo-key',
  region: 'us-east-1',
  amiId: 'ami-0123456789abcdef0',
  kmsKeyArn: TEST_KEY_ARN,
  subnets: [
    { availabilityZone: 'us-east-1a', instanceCIDR: '10.0.0.0/24' },
    { availabilityZone: 'us-east-1b', instanceCIDR: '10.0.1.0/24' },
  ],
};

export function render(overrides: Partial<ClusterConfigInput> = {}) {
  const result = renderTemplate(matrixInput(ClusterConfigSchema.parse({ ...base, ...overrides })));

  return { template: result.template as Template, resourceMap: result.resourceMap };
}

export const typesOf = (template: Template, type: string) =>
  Object.keys(template.Resources).filter((id) => template.Resources[id]?.Type === type);
