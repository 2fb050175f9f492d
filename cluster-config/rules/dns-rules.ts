import { formatReceived } from '../describe-schema-issue.ts';
import type { RuleContext } from './rule-context.ts';

/** externalDNSName, the Route 53 record kube-aws may create for it, and its hosted zone. */

const DNS_LABEL = /^[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/;
/** Route 53 zone IDs are upper-case letters and digits (the `/hostedzone/` prefix is stripped). */
const HOSTED_ZONE_ID_PATTERN = /^[A-Z0-9]{1,32}$/;
export const DEFAULT_RECORD_SET_TTL = 300;
const MAX_TTL = 2_147_483_647;

export function isDnsName(name: string): boolean {
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  if (bare.length === 0 || bare.length > 253) return false;

  return bare.split('.').every((label) => DNS_LABEL.test(label));
}

/**
 * A name clients can resolve to the API server: two labels at least, a top-level label that is
 * not all digits (so no IPv4 address), and not localhost, which every client resolves to itself.
 */
export function isPublicDnsName(name: string): boolean {
  if (!isDnsName(name)) return false;
  const labels = trimDot(name).toLowerCase().split('.');
  const top = labels[labels.length - 1] ?? '';

  return labels.length >= 2 && !/^\d+$/.test(top) && top !== 'localhost';
}

/** Whether `name` is the zone apex or below it, label by label, ignoring case and final dots. */
export function describeNameInZone(name: string, zone: string): 'apex' | 'inside' | 'outside' {
  const nameLabels = trimDot(name).toLowerCase().split('.');
  const zoneLabels = trimDot(zone).toLowerCase().split('.');
  if (nameLabels.length < zoneLabels.length) return 'outside';
  const tail = nameLabels.slice(nameLabels.length - zoneLabels.length);
  if (tail.join('.') !== zoneLabels.join('.')) return 'outside';

  return nameLabels.length === zoneLabels.length ? 'apex' : 'inside';
}

function trimDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

export function checkDns(context: RuleContext): void {
  const { config } = context;
  const { externalDNSName, hostedZone, hostedZoneId, createRecordSet, recordSetTTL } = config;
  if (externalDNSName !== '' && !isPublicDnsName(externalDNSName)) {
    context.error(
      'dns-name-format',
      ['externalDNSName'],
      `externalDNSName must be a DNS name of letters, digits and hyphens in at least two ` +
        `dot-separated labels such as api.example.com, not an IP address or localhost ` +
        `(received ${formatReceived(externalDNSName)})`,
    );
  }
  if (hostedZone !== '' && !isDnsName(hostedZone)) {
    context.error(
      'dns-name-format',
      ['hostedZone'],
      `hostedZone must be a DNS zone name such as example.com (received ${formatReceived(hostedZone)})`,
    );
  }
  if (hostedZoneId !== '' && !HOSTED_ZONE_ID_PATTERN.test(hostedZoneId)) {
    context.error(
      'hosted-zone-id-format',
      ['hostedZoneId'],
      `hostedZoneId must be a Route 53 zone ID such as Z0EXAMPLE1234567890AB (received ` +
        `${formatReceived(hostedZoneId)})`,
    );
  }

  if (!createRecordSet) {
    if (context.isWritten(['recordSetTTL']) && recordSetTTL !== DEFAULT_RECORD_SET_TTL) {
      context.warn(
        'record-set-ttl-unused',
        ['recordSetTTL'],
        `recordSetTTL has no effect when createRecordSet is false (received ${recordSetTTL})`,
        [['createRecordSet']],
      );
    }
    for (const key of ['hostedZone', 'hostedZoneId'] as const) {
      if (config[key] === '') continue;
      context.warn(
        'hosted-zone-unused',
        [key],
        `${key} has no effect when createRecordSet is false (received ${formatReceived(config[key])})`,
        [['createRecordSet']],
      );
    }
    return;
  }

  if (hostedZone === '' && hostedZoneId === '') {
    context.error(
      'hosted-zone-required',
      ['hostedZoneId'],
      'hostedZoneId must be set when createRecordSet is true',
      [['createRecordSet']],
    );
  }
  if (hostedZone !== '' && hostedZoneId !== '') {
    context.error(
      'hosted-zone-conflict',
      ['hostedZone'],
      'hostedZone must not be set together with hostedZoneId; keep hostedZoneId',
      [['hostedZoneId']],
    );
  }
  if (recordSetTTL < 1 || recordSetTTL > MAX_TTL) {
    context.error(
      'record-set-ttl-range',
      ['recordSetTTL'],
      `recordSetTTL must be from 1 to ${MAX_TTL} seconds (received ${recordSetTTL})`,
    );
  }
  if (hostedZone !== '' && externalDNSName !== '' && isDnsName(hostedZone)) {
    checkNameInZone(context, externalDNSName, hostedZone, 'hostedZone');
  }
}

/** Shared with the AWS checks, which learn the zone name from its ID. */
export function checkNameInZone(
  context: RuleContext,
  name: string,
  zone: string,
  zoneLabel: string,
): void {
  const zoneName = zone.endsWith('.') ? zone : `${zone}.`;
  const placement = describeNameInZone(name, zoneName);
  if (placement === 'outside') {
    context.error(
      'external-dns-name-outside-zone',
      ['externalDNSName'],
      `externalDNSName must lie inside ${zoneLabel} ${zoneName} (received ${formatReceived(name)})`,
      [['hostedZone'], ['hostedZoneId']],
    );
  } else if (placement === 'apex') {
    context.error(
      'external-dns-name-at-apex',
      ['externalDNSName'],
      `externalDNSName must be a name below ${zoneLabel} ${zoneName}, not its apex (received ` +
        `${formatReceived(name)}); use a name such as api.${zoneName.slice(0, -1)}`,
      [['hostedZone'], ['hostedZoneId']],
    );
  }
}
