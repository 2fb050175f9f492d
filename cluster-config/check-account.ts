import type { CloudInventory } from '../ports/cloud-inventory.ts';
import type { DnsZones, HostedZone } from '../ports/dns-zones.ts';
import type { ClusterConfig } from '../schemas/cluster-config.ts';
import { formatCidr, overlaps, parseCidr } from './cidr.ts';
import { formatReceived } from './describe-schema-issue.ts';
import { escapeControlCharacters } from './escape-control-characters.ts';
import { checkNameInZone } from './rules/dns-rules.ts';
import { RuleContext, type RuleProblem } from './rules/rule-context.ts';
import type { ConfigPath } from './yaml-source.ts';
import { formatPath } from './yaml-source.ts';

/**
 * The checks kube-aws ran only at `up` time, and a few it never ran: they need the AWS account.
 * Each failure is a finding with the path of the key it concerns, like the offline rules.
 */

export interface AccountCheckInput {
  config: ClusterConfig;
  inventory: CloudInventory;
  dns: DnsZones;
  /** Whether `key` was written in the file (single-AZ files get their subnet back-filled). */
  isWritten: (path: ConfigPath) => boolean;
  /**
   * Whether an existing record for externalDNSName may be ours: true once the cluster has an
   * applied revision, since the stack creates that record. Before that, any record conflicts.
   */
  recordMayBeOurs: boolean;
}

export async function checkAccount(input: AccountCheckInput): Promise<RuleProblem[]> {
  const context = new RuleContext(input.config, input.isWritten);
  if (input.inventory.mode === 'embedded') {
    context.warn(
      'account-checks-skipped',
      [],
      'AWS account checks were skipped: the embedded backend has no AWS account to ask about ' +
        'the hosted zone, key pair, VPC, route table, KMS key and availability zones',
    );
    // In AWS the backend's own KMS key stands in for an empty kmsKeyArn; the embedded local key
    // is no KMS key, and the template must grant the nodes kms:Decrypt on a real one. Said here,
    // with the key's place in the file, rather than as a failure of Render Stack.
    if (context.config.kmsKeyArn === '') {
      context.error(
        'kms-key-required',
        ['kmsKeyArn'],
        'kmsKeyArn must be set for the embedded backend (received none): its local key is not a ' +
          'KMS key, and the template grants the nodes kms:Decrypt on kmsKeyArn; set it to the ' +
          'ARN of the KMS key the nodes will decrypt their assets with',
      );
    }
    return context.problems;
  }

  await checkHostedZone(context, input);
  await checkKeyPair(context, input.inventory);
  await checkAvailabilityZones(context, input.inventory);
  await checkExistingVpc(context, input.inventory);
  await checkKmsKey(context, input.inventory);

  return context.problems;
}

async function checkHostedZone(context: RuleContext, input: AccountCheckInput): Promise<void> {
  const { createRecordSet, hostedZoneId, hostedZone, externalDNSName } = context.config;
  if (!createRecordSet) return;

  let zone: HostedZone | undefined;
  if (hostedZoneId !== '') {
    zone = await input.dns.getZone(hostedZoneId);
    if (zone === undefined) {
      context.error(
        'hosted-zone-not-found',
        ['hostedZoneId'],
        `hostedZoneId must name an existing Route 53 hosted zone (received ${formatReceived(hostedZoneId)})`,
      );
      return;
    }
  } else {
    const wanted = hostedZone.toLowerCase();
    const zones = (await input.dns.findZonesByName(hostedZone)).filter(
      (candidate) => withDot(candidate.name).toLowerCase() === wanted,
    );
    if (zones.length === 0) {
      context.error(
        'hosted-zone-not-found',
        ['hostedZone'],
        `hostedZone must name an existing Route 53 hosted zone (received ${formatReceived(hostedZone)})`,
      );
      return;
    }
    if (zones.length > 1) {
      const listed = zones
        .map((candidate) => `${candidate.privateZone ? 'private' : 'public'} ${candidate.id}`)
        .join(', ');
      context.error(
        'hosted-zone-ambiguous',
        ['hostedZone'],
        `hostedZone must match one hosted zone (received ${formatReceived(hostedZone)}, which ` +
          `matches ${listed}); set hostedZoneId to choose one`,
      );
      return;
    }
    zone = zones[0];
  }
  if (zone === undefined) return;

  const zoneLabel = hostedZoneId !== '' ? `hosted zone ${zone.id}` : 'hostedZone';
  const before = context.problems.length;
  checkNameInZone(context, externalDNSName, withDot(zone.name), zoneLabel);
  if (context.problems.length > before || input.recordMayBeOurs) return;

  const record = await input.dns.findRecord(zone.id, externalDNSName);
  if (record !== undefined) {
    context.error(
      'record-exists',
      ['externalDNSName'],
      `externalDNSName must not have a record yet in hosted zone ${withDot(zone.name)} ` +
        `(received ${formatReceived(externalDNSName)}, which has a ${record.type} record); delete ` +
        `the record or choose another name`,
      [['hostedZoneId'], ['hostedZone']],
    );
  }
}

async function checkKeyPair(context: RuleContext, inventory: CloudInventory): Promise<void> {
  const { keyName, region } = context.config;
  if (await inventory.keyPairExists(keyName, region)) return;
  context.error(
    'key-pair-not-found',
    ['keyName'],
    `keyName must name an EC2 key pair in region ${region} (received ${formatReceived(keyName)})`,
  );
}

async function checkAvailabilityZones(
  context: RuleContext,
  inventory: CloudInventory,
): Promise<void> {
  const { region, subnets } = context.config;
  const zones = await inventory.listAvailabilityZones(region);
  const singleAz = !context.isWritten(['subnets']);
  subnets.forEach((subnet, index) => {
    if (zones.includes(subnet.availabilityZone)) return;
    const path = singleAz ? ['availabilityZone'] : ['subnets', index, 'availabilityZone'];
    context.error(
      'availability-zone-not-found',
      path,
      `${formatPath(path)} must be an availability zone of ${region} (received ` +
        `${formatReceived(subnet.availabilityZone)}); available: ${zones.join(', ')}`,
    );
  });
}

async function checkExistingVpc(context: RuleContext, inventory: CloudInventory): Promise<void> {
  const { vpcId, routeTableId, vpcCIDR, region, subnets } = context.config;
  if (vpcId === '') return;

  const vpc = await inventory.describeVpc(vpcId, region);
  if (vpc === undefined) {
    context.error(
      'vpc-not-found',
      ['vpcId'],
      `vpcId must name a VPC in region ${region} (received ${formatReceived(vpcId)})`,
    );
    return;
  }
  // Compared as networks, so `10.0.0.0/16` written as the VPC's own text or not makes no odds.
  const wanted = parseCidr(vpcCIDR);
  const actual = vpc.cidrBlocks.map((block) => parseCidr(block));
  const matches = actual.some(
    (block) =>
      block && wanted && block.network === wanted.network && block.prefix === wanted.prefix,
  );
  if (!matches) {
    context.error(
      'vpc-cidr-mismatch',
      ['vpcCIDR'],
      `vpcCIDR must equal the CIDR of ${vpcId}, ${vpc.cidrBlocks.join(' or ')} (received ${formatReceived(vpcCIDR)})`,
      [['vpcId']],
    );
  }

  const existing = await inventory.listSubnetCidrs(vpcId, region);
  const singleAz = !context.isWritten(['subnets']);
  subnets.forEach((subnet, index) => {
    const ours = parseCidr(subnet.instanceCIDR);
    const clash = existing.find((text) => {
      const theirs = parseCidr(text);
      return ours !== undefined && theirs !== undefined && overlaps(ours, theirs);
    });
    if (clash === undefined || ours === undefined) return;
    const path = singleAz ? ['instanceCIDR'] : ['subnets', index, 'instanceCIDR'];
    context.error(
      'subnet-overlaps-existing',
      path,
      `${formatPath(path)} must not overlap the existing subnet ${clash} of ${vpcId} (received ` +
        `${formatCidr(ours)}); kube-aws creates its own subnets`,
    );
  });

  if (routeTableId === '') return;
  const table = await inventory.describeRouteTable(routeTableId, region);
  if (table === undefined) {
    context.error(
      'route-table-not-found',
      ['routeTableId'],
      `routeTableId must name a route table in region ${region} (received ${formatReceived(routeTableId)})`,
    );
  } else if (table.vpcId !== vpcId) {
    context.error(
      'route-table-vpc-mismatch',
      ['routeTableId'],
      `routeTableId must belong to vpcId ${vpcId} (received ${formatReceived(routeTableId)}, ` +
        `which belongs to ${table.vpcId})`,
      [['vpcId']],
    );
  }
}

async function checkKmsKey(context: RuleContext, inventory: CloudInventory): Promise<void> {
  const { kmsKeyArn } = context.config;
  if (kmsKeyArn === '') return;
  const result = await inventory.checkKmsKey(kmsKeyArn);
  if (result.usable) return;
  const reason = result.reason === undefined ? '' : `; ${escapeControlCharacters(result.reason)}`;
  context.error(
    'kms-key-unusable',
    ['kmsKeyArn'],
    `kmsKeyArn must name an enabled key this backend may encrypt with (received ${formatReceived(kmsKeyArn)})${reason}`,
  );
}

function withDot(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}
