import { readFile } from 'node:fs/promises';
import * as z from 'zod';
import type { DnsZones, HostedZone } from '../../ports/dns-zones.ts';

export const LocalZonesFileSchema = z.array(
  z.strictObject({
    id: z.string().min(1),
    name: z.string().min(1),
    privateZone: z.boolean().default(false),
    records: z
      .array(z.strictObject({ name: z.string(), type: z.string(), values: z.array(z.string()) }))
      .default([]),
  }),
);
export type LocalZonesFile = z.infer<typeof LocalZonesFileSchema>;

/**
 * Hosted zones declared in `<stateDir>/zones.json`. With no file there are no zones, and the
 * Validate step's DNS checks report that as a warning rather than blocking a laptop run.
 */
export class LocalDnsZones implements DnsZones {
  private constructor(private readonly zones: LocalZonesFile) {}

  static async open(file: string): Promise<LocalDnsZones> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error: unknown) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new LocalDnsZones([]);
      throw error;
    }
    const parsed = LocalZonesFileSchema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(
        `${file} ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is invalid'}; see README "DNS zones in the embedded backend"`,
      );
    }

    return new LocalDnsZones(parsed.data);
  }

  static fromZones(zones: LocalZonesFile): LocalDnsZones {
    return new LocalDnsZones(zones);
  }

  async findZonesByName(name: string): Promise<HostedZone[]> {
    const wanted = normaliseName(name);

    return this.zones
      .filter((zone) => normaliseName(zone.name) === wanted)
      .map((zone) => toHostedZone(zone));
  }

  async getZone(id: string): Promise<HostedZone | undefined> {
    const zone = this.zones.find(
      (candidate) => stripZonePrefix(candidate.id) === stripZonePrefix(id),
    );

    return zone === undefined ? undefined : toHostedZone(zone);
  }

  async findRecord(
    zoneId: string,
    name: string,
  ): Promise<{ type: string; values: string[] } | undefined> {
    const zone = this.zones.find(
      (candidate) => stripZonePrefix(candidate.id) === stripZonePrefix(zoneId),
    );
    const record = zone?.records.find(
      (candidate) => normaliseName(candidate.name) === normaliseName(name),
    );

    return record === undefined ? undefined : { type: record.type, values: record.values };
  }
}

function toHostedZone(zone: LocalZonesFile[number]): HostedZone {
  return {
    id: stripZonePrefix(zone.id),
    name: normaliseName(zone.name),
    privateZone: zone.privateZone,
  };
}

/** Route 53 answers names with a trailing dot; compare and return them that way. */
function normaliseName(name: string): string {
  const lower = name.toLowerCase();

  return lower.endsWith('.') ? lower : `${lower}.`;
}

function stripZonePrefix(id: string): string {
  return id.replace(/^\/hostedzone\//, '');
}
