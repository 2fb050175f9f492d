import {
  CreateKeyPairCommand,
  CreateRouteTableCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateKeyCommand, DisableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ec2CloudInventory } from '../../../adapters/aws/ec2-cloud-inventory.ts';
import { Route53DnsZones } from '../../../adapters/aws/route53-dns-zones.ts';
import { LocalCloudInventory } from '../../../adapters/embedded/local-cloud-inventory.ts';
import { artifactKeys } from '../../../lib/artifact-keys.ts';
import { ValidationError } from '../../../lib/errors.ts';
import { canonicalJson, sha256Hex } from '../../../lib/hash.ts';
import type { Deps } from '../../../pipeline/deps.ts';
import { loadConfig, validateStep } from '../../../pipeline/validate-step.ts';
import type { CloudInventory } from '../../../ports/cloud-inventory.ts';
import type { Finding } from '../../../schemas/finding.ts';
import { requireTool } from '../../support/external-tools.ts';
import { MemoryObjectStore } from '../../support/memory-object-store.ts';
import { MemoryRevisionStore } from '../../support/memory-revision-store.ts';
import { type MotoServer, motoClientConfig, startMoto } from '../../support/moto.ts';

const hasMoto = requireTool('moto_server', ['--help']);

interface Account {
  vpcId: string;
  otherVpcId: string;
  routeTableId: string;
  otherRouteTableId: string;
  zoneId: string;
  keyArn: string;
  disabledKeyArn: string;
}

/** A port the Validate step must never touch; any use fails the test loudly. */
function unused<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get: (_target, property) => {
      throw new Error(`validate step used ${name}.${String(property)}`);
    },
  });
}

async function createAccount(moto: MotoServer): Promise<Account> {
  const config = motoClientConfig(moto.endpoint);
  const ec2 = new EC2Client(config);
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.10.0.0/16' }));
  const vpcId = vpc.Vpc?.VpcId ?? '';
  await ec2.send(
    new CreateSubnetCommand({
      VpcId: vpcId,
      CidrBlock: '10.10.9.0/24',
      AvailabilityZone: 'us-east-1a',
    }),
  );
  const table = await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }));
  const other = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }));
  const otherVpcId = other.Vpc?.VpcId ?? '';
  const otherTable = await ec2.send(new CreateRouteTableCommand({ VpcId: otherVpcId }));
  await ec2.send(new CreateKeyPairCommand({ KeyName: 'demo-admin' }));

  const route53 = new Route53Client(config);
  const zone = await route53.send(
    new CreateHostedZoneCommand({ Name: 'example.com', CallerReference: 'validate-example' }),
  );
  const zoneId = (zone.HostedZone?.Id ?? '').replace('/hostedzone/', '');
  await route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: {
        Changes: [
          {
            Action: 'CREATE',
            ResourceRecordSet: {
              Name: 'taken.example.com',
              Type: 'CNAME',
              TTL: 300,
              ResourceRecords: [{ Value: 'elsewhere.example.net' }],
            },
          },
        ],
      },
    }),
  );
  // The same name as a public and a private zone: the case kube-aws issue #441 tripped over.
  await route53.send(
    new CreateHostedZoneCommand({
      Name: 'split.example',
      CallerReference: 'validate-split-public',
    }),
  );
  await route53.send(
    new CreateHostedZoneCommand({
      Name: 'split.example',
      CallerReference: 'validate-split-private',
      HostedZoneConfig: { PrivateZone: true },
      VPC: { VPCRegion: 'us-east-1', VPCId: vpcId },
    }),
  );

  const kms = new KMSClient(config);
  const key = await kms.send(new CreateKeyCommand({ Description: 'cluster assets' }));
  const disabled = await kms.send(new CreateKeyCommand({ Description: 'disabled' }));
  await kms.send(new DisableKeyCommand({ KeyId: disabled.KeyMetadata?.KeyId }));

  return {
    vpcId,
    otherVpcId,
    routeTableId: table.RouteTable?.RouteTableId ?? '',
    otherRouteTableId: otherTable.RouteTable?.RouteTableId ?? '',
    zoneId,
    keyArn: key.KeyMetadata?.Arn ?? '',
    disabledKeyArn: disabled.KeyMetadata?.Arn ?? '',
  };
}

describe.skipIf(!hasMoto)('validateStep against moto', () => {
  let moto: MotoServer;
  let account: Account;
  let inventory: CloudInventory;
  let dns: Route53DnsZones;

  beforeAll(async () => {
    moto = await startMoto();
    account = await createAccount(moto);
    inventory = new Ec2CloudInventory(motoClientConfig(moto.endpoint));
    dns = new Route53DnsZones(motoClientConfig(moto.endpoint));
  });

  afterAll(async () => {
    await moto?.stop();
  });

  /** A valid existing-VPC cluster.yaml for the moto account, with keys replaced by `changes`. */
  function buildYaml(changes: Record<string, string | undefined> = {}): string {
    const keys: Record<string, string | undefined> = {
      clusterName: 'demo',
      externalDNSName: 'api.example.com',
      keyName: 'demo-admin',
      region: 'us-east-1',
      kmsKeyArn: account.keyArn,
      vpcId: account.vpcId,
      routeTableId: account.routeTableId,
      vpcCIDR: '10.10.0.0/16',
      createRecordSet: 'true',
      hostedZoneId: account.zoneId,
      ...changes,
    };
    const lines = Object.entries(keys)
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([key, value]) => `${key}: ${value}`);
    const subnetZone = changes.subnetZone ?? 'us-east-1a';
    const subnetCidr = changes.subnetCidr ?? '10.10.1.0/24';

    return [
      ...lines.filter((line) => !line.startsWith('subnet')),
      'subnets:',
      `  - availabilityZone: ${subnetZone}`,
      `    instanceCIDR: ${subnetCidr}`,
      '  - availabilityZone: us-east-1b',
      '    instanceCIDR: 10.10.2.0/24',
      'controllerIP: 10.10.2.50',
      '',
    ].join('\n');
  }

  async function runStep(yaml: string, overrides: Partial<Deps> = {}) {
    const artifacts = new MemoryObjectStore();
    const revisions = new MemoryRevisionStore();
    const inputKey = artifactKeys.input('demo', 1);
    await artifacts.put(inputKey, yaml, 'application/yaml');
    await revisions.allocate({
      cluster: 'demo',
      source: { kind: 'api' },
      submitter: 'tester',
      correlationId: 'correlation-1',
      inputKey,
      inputSha256: sha256Hex(yaml),
    });
    const deps: Deps = {
      artifacts,
      revisions,
      inventory,
      dns,
      keys: unused('keys'),
      deployer: unused('deployer'),
      workflow: unused('workflow'),
      queueMode: 'queue',
      now: () => new Date('2026-12-04T12:00:00Z'),
      ...overrides,
    };
    const input = {
      cluster: 'demo',
      revision: 1,
      correlationId: 'correlation-1',
      step: 'validate' as const,
      state: { cluster: 'demo', revision: 1, correlationId: 'correlation-1' },
    };

    return { deps, artifacts, result: await validateStep(input, deps) };
  }

  /** The findings of a run that must fail validation, as `line:column rule message`. */
  async function collectFindings(yaml: string): Promise<string[]> {
    const error = await runStep(yaml).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    if (!(error instanceof ValidationError))
      throw new Error(`expected a ValidationError, got ${String(error)}`);

    return (error.findings as Finding[]).map(
      (finding) => `${finding.line}:${finding.column} ${finding.rule} ${finding.message}`,
    );
  }

  function lineOf(yaml: string, prefix: string): number {
    return yaml.split('\n').findIndex((line) => line.startsWith(prefix)) + 1;
  }

  it('stores the normalised config as canonical JSON when every account check passes', async () => {
    const { result, artifacts, deps } = await runStep(buildYaml());
    const key = artifactKeys.config('demo', 1);
    const stored = artifacts.text(key);

    expect(result).toEqual({ configKey: key, configSha256: sha256Hex(stored), warnings: 0 });
    const config = await loadConfig(deps, key);
    expect(canonicalJson(config)).toBe(stored);
    expect(config.subnets.map((subnet) => subnet.instanceCIDR)).toEqual([
      '10.10.1.0/24',
      '10.10.2.0/24',
    ]);
  });

  it('rejects a key pair that does not exist', async () => {
    const yaml = buildYaml({ keyName: 'nobody' });
    expect(await collectFindings(yaml)).toEqual([
      `${lineOf(yaml, 'keyName')}:1 key-pair-not-found keyName must name an EC2 key pair in ` +
        `region us-east-1 (received "nobody")`,
    ]);
  });

  it('rejects an availability zone the region does not have', async () => {
    const yaml = buildYaml({ subnetZone: 'us-east-1z' });
    const zones = await inventory.listAvailabilityZones('us-east-1');
    expect(await collectFindings(yaml)).toEqual([
      `${lineOf(yaml, '  - availabilityZone: us-east-1z')}:5 availability-zone-not-found ` +
        `subnets[0].availabilityZone must be an availability zone of us-east-1 (received ` +
        `"us-east-1z"); available: ${zones.join(', ')}`,
    ]);
  });

  it('rejects a VPC that does not exist', async () => {
    const yaml = buildYaml({ vpcId: 'vpc-0123456789abcdef0', routeTableId: undefined });
    expect(await collectFindings(yaml)).toEqual([
      `${lineOf(yaml, 'vpcId')}:1 vpc-not-found vpcId must name a VPC in region us-east-1 ` +
        `(received "vpc-0123456789abcdef0")`,
    ]);
  });

  it('rejects a vpcCIDR that differs from the VPC and subnets that overlap existing ones', async () => {
    const yaml = buildYaml({ vpcCIDR: '10.10.0.0/20', subnetCidr: '10.10.9.0/25' }).replace(
      '10.10.2.0/24',
      '10.10.2.0/25',
    );
    expect(await collectFindings(yaml)).toEqual([
      `${lineOf(yaml, 'vpcCIDR')}:1 vpc-cidr-mismatch vpcCIDR must equal the CIDR of ` +
        `${account.vpcId}, 10.10.0.0/16 (received "10.10.0.0/20")`,
      `${lineOf(yaml, '    instanceCIDR: 10.10.9.0/25')}:5 subnet-overlaps-existing ` +
        `subnets[0].instanceCIDR must not overlap the existing subnet 10.10.9.0/24 of ` +
        `${account.vpcId} (received 10.10.9.0/25); kube-aws creates its own subnets`,
    ]);
  });

  it('rejects a route table that does not exist or belongs to another VPC', async () => {
    const missing = buildYaml({ routeTableId: 'rtb-0123456789abcdef0' });
    expect(await collectFindings(missing)).toEqual([
      `${lineOf(missing, 'routeTableId')}:1 route-table-not-found routeTableId must name a ` +
        `route table in region us-east-1 (received "rtb-0123456789abcdef0")`,
    ]);
    const foreign = buildYaml({ routeTableId: account.otherRouteTableId });
    expect(await collectFindings(foreign)).toEqual([
      `${lineOf(foreign, 'routeTableId')}:1 route-table-vpc-mismatch routeTableId must belong ` +
        `to vpcId ${account.vpcId} (received "${account.otherRouteTableId}", which belongs to ` +
        `${account.otherVpcId})`,
    ]);
  });

  it('rejects a KMS key that does not exist or is disabled', async () => {
    const ghost = 'arn:aws:kms:us-east-1:123456789012:key/00000000-0000-4000-8000-000000000000';
    const missing = buildYaml({ kmsKeyArn: ghost });
    expect(await collectFindings(missing)).toEqual([
      `${lineOf(missing, 'kmsKeyArn')}:1 kms-key-unusable kmsKeyArn must name an enabled key ` +
        `this backend may encrypt with (received "${ghost}"); the key does not exist`,
    ]);
    const disabled = buildYaml({ kmsKeyArn: account.disabledKeyArn });
    expect(await collectFindings(disabled)).toEqual([
      `${lineOf(disabled, 'kmsKeyArn')}:1 kms-key-unusable kmsKeyArn must name an enabled key ` +
        `this backend may encrypt with (received "${account.disabledKeyArn}"); the key is ` +
        `Disabled`,
    ]);
  });

  it('looks EC2 resources up in the cluster region, not the backend region', async () => {
    const yaml = buildYaml({
      region: 'us-west-2',
      kmsKeyArn: undefined,
      routeTableId: undefined,
      subnetZone: 'us-west-2a',
    }).replace('us-east-1b', 'us-west-2b');
    expect(await collectFindings(yaml)).toEqual([
      `${lineOf(yaml, 'keyName')}:1 key-pair-not-found keyName must name an EC2 key pair in ` +
        `region us-west-2 (received "demo-admin")`,
      `${lineOf(yaml, 'vpcId')}:1 vpc-not-found vpcId must name a VPC in region us-west-2 ` +
        `(received "${account.vpcId}")`,
    ]);
  });

  it('rejects a hosted zone ID that does not exist', async () => {
    const yaml = buildYaml({ hostedZoneId: 'Z0000000000000NOZONE' });
    expect(await collectFindings(yaml)).toEqual([
      `${lineOf(yaml, 'hostedZoneId')}:1 hosted-zone-not-found hostedZoneId must name an ` +
        `existing Route 53 hosted zone (received "Z0000000000000NOZONE")`,
    ]);
  });

  it('rejects a zone name that matches a public and a private zone', async () => {
    const yaml = buildYaml({
      hostedZoneId: undefined,
      hostedZone: 'split.example',
      externalDNSName: 'api.split.example',
    });
    const zones = await dns.findZonesByName('split.example.');
    const listed = zones.map((zone) => `${zone.privateZone ? 'private' : 'public'} ${zone.id}`);
    expect(zones.map((zone) => zone.privateZone).sort()).toEqual([false, true]);
    expect(await collectFindings(yaml)).toEqual([
      `${lineOf(yaml, 'hostedZone')}:1 hosted-zone-ambiguous hostedZone must match one hosted ` +
        `zone (received "split.example.", which matches ${listed.join(', ')}); set hostedZoneId ` +
        `to choose one`,
    ]);
  });

  it('rejects an externalDNSName outside the zone named by hostedZoneId', async () => {
    const yaml = buildYaml({ externalDNSName: 'api.example.org' });
    expect(await collectFindings(yaml)).toEqual([
      `${lineOf(yaml, 'externalDNSName')}:1 external-dns-name-outside-zone externalDNSName must ` +
        `lie inside hosted zone ${account.zoneId} example.com. (received "api.example.org")`,
    ]);
  });

  it('rejects a record name that already exists before the cluster was ever applied', async () => {
    const yaml = buildYaml({ externalDNSName: 'taken.example.com' });
    expect(await collectFindings(yaml)).toEqual([
      `${lineOf(yaml, 'externalDNSName')}:1 record-exists externalDNSName must not have a ` +
        `record yet in hosted zone example.com. (received "taken.example.com", which has a CNAME ` +
        `record); delete the record or choose another name`,
    ]);
  });

  it('accepts an existing record once the cluster has an applied revision, whose stack made it', async () => {
    const revisions = new MemoryRevisionStore();
    await revisions.allocate({
      cluster: 'demo',
      source: { kind: 'api' },
      submitter: 'tester',
      correlationId: 'correlation-0',
      inputKey: 'unused',
      inputSha256: 'unused',
    });
    await revisions.transition('demo', 1, 'APPLIED');
    await revisions.setLastApplied('demo', 1);
    const yaml = buildYaml({ externalDNSName: 'taken.example.com' });
    const artifacts = new MemoryObjectStore();
    const inputKey = artifactKeys.input('demo', 2);
    await artifacts.put(inputKey, yaml, 'application/yaml');
    await revisions.allocate({
      cluster: 'demo',
      source: { kind: 'api' },
      submitter: 'tester',
      correlationId: 'correlation-2',
      inputKey,
      inputSha256: sha256Hex(yaml),
    });
    const deps = { ...(await runStep(buildYaml())).deps, artifacts, revisions };
    const input = {
      cluster: 'demo',
      revision: 2,
      correlationId: 'correlation-2',
      step: 'validate' as const,
      state: { cluster: 'demo', revision: 2, correlationId: 'correlation-2' },
    };

    const result = await validateStep(input, deps);
    expect(result.configKey).toBe(artifactKeys.config('demo', 2));
  });

  it('rejects a file whose clusterName is not the cluster of the revision', async () => {
    const yaml = buildYaml({ clusterName: 'other' });
    expect(await collectFindings(yaml)).toEqual([
      '1:1 cluster-name-mismatch clusterName must be demo, the cluster this revision belongs to (received "other")',
    ]);
  });

  it('reports offline errors as a ValidationError before asking AWS anything', async () => {
    const yaml = buildYaml({ workerCont: '3' });
    expect(await collectFindings(yaml)).toEqual([
      `${lineOf(yaml, 'workerCont')}:1 unknown-key workerCont is not a known key; did you mean workerCount?`,
    ]);
  });

  it('refuses an empty kmsKeyArn in embedded mode, at the account checks, with a remedy', async () => {
    const error = await runStep(buildYaml({ kmsKeyArn: undefined }), {
      inventory: new LocalCloudInventory(),
      dns: unused('dns'),
    }).then(
      () => undefined,
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(ValidationError);
    expect(
      ((error as ValidationError).findings as Finding[]).map((finding) => [
        finding.rule,
        finding.message,
      ]),
    ).toEqual([
      [
        'kms-key-required',
        'kmsKeyArn must be set for the embedded backend (received none): its local key is not a KMS key, and the template grants the nodes kms:Decrypt on kmsKeyArn; set it to the ARN of the KMS key the nodes will decrypt their assets with',
      ],
    ]);
  });

  it('skips the account checks with one counted warning in embedded mode', async () => {
    const { result } = await runStep(buildYaml({ keyName: 'nobody' }), {
      inventory: new LocalCloudInventory(),
      dns: unused('dns'),
    });
    expect(result.warnings).toBe(1);
  });
});
