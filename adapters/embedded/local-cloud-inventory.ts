import type { CloudInventory } from '../../ports/cloud-inventory.ts';

/**
 * The embedded backend has no AWS account to look into. It answers "unknown" where it cannot
 * know (no VPC, no route table) and the Validate step, seeing `mode: 'embedded'`, turns the
 * checks that need an account into warnings instead of errors.
 */
export class LocalCloudInventory implements CloudInventory {
  readonly mode = 'embedded' as const;

  async describeVpc(): Promise<{ cidrBlocks: string[] } | undefined> {
    return undefined;
  }

  async listSubnetCidrs(): Promise<string[]> {
    return [];
  }

  async describeRouteTable(): Promise<{ vpcId: string } | undefined> {
    return undefined;
  }

  async keyPairExists(): Promise<boolean> {
    return false;
  }

  /** The usual three zones of a region, so zone-shaped rules still run offline. */
  async listAvailabilityZones(region: string): Promise<string[]> {
    return ['a', 'b', 'c'].map((suffix) => `${region}${suffix}`);
  }

  async checkKmsKey(): Promise<{ usable: boolean; reason?: string }> {
    return {
      usable: false,
      reason: 'the embedded backend seals assets with its local key file, not KMS',
    };
  }
}
