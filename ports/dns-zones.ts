export interface HostedZone {
  id: string;
  name: string;
  privateZone: boolean;
}

/** Route 53 in AWS; zones declared in the local config when embedded. */
export interface DnsZones {
  findZonesByName(name: string): Promise<HostedZone[]>;
  getZone(id: string): Promise<HostedZone | undefined>;
  /** The record's type and values when a record of that name exists, else undefined. */
  findRecord(zoneId: string, name: string): Promise<{ type: string; values: string[] } | undefined>;
}
