import type * as Route53Sdk from '@aws-sdk/client-route-53';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { DnsZones, HostedZone } from '../../ports/dns-zones.ts';
import { rethrowSdkError } from './classify-sdk-error.ts';
import { type AwsClientOptions, toClientConfig } from './ec2-cloud-inventory.ts';
import { LazyClient, loadOnce } from './load-once.ts';

const loadRoute53Sdk = loadOnce(() => import('@aws-sdk/client-route-53'));

/** Zones sharing one name (public and private) are few; a bound keeps a bad answer finite. */
const MAX_PAGES = 10;
const ZONE_ID_PREFIX = '/hostedzone/';

/** The Validate state's Route 53 look-ups. Names are compared without case and final dot. */
export class Route53DnsZones implements DnsZones {
  private readonly client: LazyClient<typeof Route53Sdk, Route53Client>;

  constructor(options: AwsClientOptions) {
    this.client = new LazyClient(
      loadRoute53Sdk,
      (sdk) => new sdk.Route53Client(toClientConfig(options, options.region)),
    );
  }

  async findZonesByName(name: string): Promise<HostedZone[]> {
    const { sdk, client } = await this.client.get();
    const wanted = normaliseName(name);
    const zones: HostedZone[] = [];
    let dnsName: string | undefined = name;
    let hostedZoneId: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const answer = await this.send('ListHostedZonesByName', () =>
        client.send(
          new sdk.ListHostedZonesByNameCommand({ DNSName: dnsName, HostedZoneId: hostedZoneId }),
        ),
      );
      // Zones come sorted by name from DNSName on: once a name differs, no later one matches.
      const pageZones = answer.HostedZones ?? [];
      for (const zone of pageZones) {
        if (normaliseName(zone.Name ?? '') !== wanted) return zones;
        zones.push(toHostedZone(zone));
      }
      if (!answer.IsTruncated) break;
      dnsName = answer.NextDNSName;
      hostedZoneId = answer.NextHostedZoneId;
    }

    return zones;
  }

  async getZone(id: string): Promise<HostedZone | undefined> {
    const { sdk, client } = await this.client.get();
    try {
      const answer = await client.send(new sdk.GetHostedZoneCommand({ Id: bareZoneId(id) }));
      return answer.HostedZone === undefined ? undefined : toHostedZone(answer.HostedZone);
    } catch (error: unknown) {
      const name = (error as { name?: unknown } | null)?.name;
      if (name === 'NoSuchHostedZone' || name === 'InvalidInput') return undefined;
      rethrowSdkError(error, 'Route 53', 'GetHostedZone');
    }
  }

  async findRecord(
    zoneId: string,
    name: string,
  ): Promise<{ type: string; values: string[] } | undefined> {
    const { sdk, client } = await this.client.get();
    const answer = await this.send('ListResourceRecordSets', () =>
      client.send(
        new sdk.ListResourceRecordSetsCommand({
          HostedZoneId: bareZoneId(zoneId),
          StartRecordName: name,
          MaxItems: 10,
        }),
      ),
    );
    const wanted = normaliseName(name);
    const record = (answer.ResourceRecordSets ?? []).find(
      (candidate) => normaliseName(candidate.Name ?? '') === wanted,
    );
    if (record === undefined) return undefined;
    const values =
      record.AliasTarget?.DNSName !== undefined
        ? [record.AliasTarget.DNSName]
        : (record.ResourceRecords ?? []).map((entry) => entry.Value ?? '');

    return { type: record.Type ?? 'UNKNOWN', values };
  }

  private async send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error: unknown) {
      rethrowSdkError(error, 'Route 53', operation);
    }
  }
}

function toHostedZone(zone: { Id?: string; Name?: string; Config?: { PrivateZone?: boolean } }) {
  return {
    id: bareZoneId(zone.Id ?? ''),
    name: zone.Name ?? '',
    privateZone: zone.Config?.PrivateZone === true,
  };
}

function bareZoneId(id: string): string {
  return id.startsWith(ZONE_ID_PREFIX) ? id.slice(ZONE_ID_PREFIX.length) : id;
}

function normaliseName(name: string): string {
  return (name.endsWith('.') ? name.slice(0, -1) : name).toLowerCase();
}
