/**
 * How long rendering a cluster stack takes, against the AWS CDK synthesising the same resources in
 * the same process (an App and Stack of L1 `CfnResource`s mirroring every resource, parameter and
 * output of our template). Run: `npx tsx bench/render-bench.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnOutput, CfnParameter, CfnResource, Fn, Stack, Validations } from 'aws-cdk-lib';
import { canonicalJson } from '../lib/hash.ts';
import { ClusterConfigSchema } from '../schemas/cluster-config.ts';
import { checkTemplateSize } from '../stack/template/check-limits.ts';
import { checkReferences } from '../stack/template/check-references.ts';
import { renderTemplate, type TemplateInput } from '../stack/template/render-template.ts';

const OUR_RUNS = 41;
const CDK_RUNS = 9;

const config = ClusterConfigSchema.parse({
  clusterName: 'bench',
  externalDNSName: 'api.bench.example.com',
  keyName: 'ops',
  region: 'eu-west-1',
  amiId: 'ami-0123456789abcdef0',
  controllerCount: 3,
  subnets: ['a', 'b', 'c'].map((zone, index) => ({
    availabilityZone: `eu-west-1${zone}`,
    instanceCIDR: `10.0.${index}.0/24`,
  })),
  createRecordSet: true,
  hostedZoneId: 'Z0000000000000000001',
  nodePools: Array.from({ length: 5 }, (_, index) => ({ name: `pool-${index}`, count: 2 })),
});
// Userdata the size of a gzipped worker cloud-config (about 7 KB), base64.
const userdata = Buffer.alloc(7_000, 7).toString('base64');
const input: TemplateInput = {
  config,
  userdata: { controller: userdata, worker: userdata },
  keyArn: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
};

function median(runs: number, run: () => unknown): number {
  const times: number[] = [];
  for (let index = 0; index < runs; index += 1) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);

  return times[Math.floor(runs / 2)] ?? Number.NaN;
}

/** What the render step does with the template: render, check, serialise. */
function renderOurs(): string {
  const { template } = renderTemplate(input);
  checkReferences(template);
  const body = canonicalJson(template);
  checkTemplateSize(template, body);

  return body;
}

interface TemplateShape {
  Parameters: Record<string, { Type: string; Default?: string; Description?: string }>;
  Resources: Record<string, Record<string, unknown> & { Type: string }>;
  Outputs: Record<string, { Value: unknown; Description?: string; Export?: { Name: unknown } }>;
}

/**
 * The same resources through the CDK: one App, one Stack, an L1 construct each, then synth. With
 * `validate`, the CDK's built-in CloudFormation validation runs as well (its default); the two
 * warnings it raises are the ones `stack/cfn-lint-exceptions.md` accepts and are acknowledged.
 */
function synthWithCdk(shape: TemplateShape, outdir: string, validate: boolean): unknown {
  const app = new App({ outdir, builtinCloudFormationValidation: validate });
  if (validate) {
    const reason = 'zones come from cluster.yaml; the AMI is a parameter default';
    for (const id of ['CloudFormation-Validate::W3010', 'CloudFormation-Validate::W9010']) {
      Validations.of(app).acknowledge({ id, reason });
    }
  }
  const stack = new Stack(app, 'Bench', { description: 'kube-aws Kubernetes cluster bench' });
  for (const [id, parameter] of Object.entries(shape.Parameters)) {
    new CfnParameter(stack, id, {
      type: parameter.Type,
      default: parameter.Default,
      description: parameter.Description,
    });
  }
  for (const [id, resource] of Object.entries(shape.Resources)) {
    const construct = new CfnResource(stack, id, {
      type: resource.Type,
      properties: resource.Properties as Record<string, unknown>,
    });
    construct.overrideLogicalId(id);
    if (resource.DeletionPolicy !== undefined) {
      construct.addOverride('DeletionPolicy', resource.DeletionPolicy);
      construct.addOverride('UpdateReplacePolicy', resource.UpdateReplacePolicy);
    }
    if (resource.UpdatePolicy !== undefined)
      construct.addOverride('UpdatePolicy', resource.UpdatePolicy);
    if (resource.DependsOn !== undefined) construct.addOverride('DependsOn', resource.DependsOn);
  }
  for (const [id, output] of Object.entries(shape.Outputs)) {
    const construct = new CfnOutput(stack, `${id}Output`, {
      value: output.Value as string,
      description: output.Description,
      ...(output.Export === undefined
        ? {}
        : { exportName: Fn.sub((output.Export.Name as { 'Fn::Sub': string })['Fn::Sub']) }),
    });
    construct.overrideLogicalId(id);
  }

  return app.synth().getStackByName('Bench').template;
}

const shape = renderTemplate(input).template as TemplateShape;
const outdir = mkdtempSync(join(tmpdir(), 'render-bench-cdk-'));
try {
  // One warm-up each, so module loading and JIT are not part of either median.
  renderOurs();
  synthWithCdk(shape, outdir, false);
  synthWithCdk(shape, outdir, true);
  const ours = median(OUR_RUNS, renderOurs);
  const cdk = median(CDK_RUNS, () => synthWithCdk(shape, outdir, false));
  const cdkValidated = median(CDK_RUNS, () => synthWithCdk(shape, outdir, true));
  const bytes = Buffer.byteLength(renderOurs());

  console.log(
    `stack: ${Object.keys(shape.Resources).length} resources, ${bytes} bytes ` +
      '(3 controllers, 3 AZs, 5 node pools, record set)',
  );
  console.log(`render + check + canonical JSON: median ${ours.toFixed(2)} ms of ${OUR_RUNS}`);
  console.log(`aws-cdk-lib synth, same resources: median ${cdk.toFixed(2)} ms of ${CDK_RUNS}`);
  console.log(
    `aws-cdk-lib synth with built-in validation: median ${cdkValidated.toFixed(2)} ms of ${CDK_RUNS}`,
  );
  console.log(`ratio cdk synth / ours: ${(cdk / ours).toFixed(1)}x`);
  console.log(`ratio cdk synth with validation / ours: ${(cdkValidated / ours).toFixed(1)}x`);
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
