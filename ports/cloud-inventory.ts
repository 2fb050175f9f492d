/**
 * The read-only AWS look-ups of the Validate state (EC2 and KMS). In the embedded backend these
 * answer from the local config, and the checks that need a real account say so as warnings.
 * `region` is the cluster's region; without it an adapter asks its own default region.
 */
export interface CloudInventory {
  readonly mode: 'aws' | 'embedded';
  describeVpc(vpcId: string, region?: string): Promise<{ cidrBlocks: string[] } | undefined>;
  listSubnetCidrs(vpcId: string, region?: string): Promise<string[]>;
  describeRouteTable(routeTableId: string, region?: string): Promise<{ vpcId: string } | undefined>;
  keyPairExists(keyName: string, region?: string): Promise<boolean>;
  listAvailabilityZones(region: string): Promise<string[]>;
  /** Enabled and usable for Encrypt by this backend, in the given region. */
  checkKmsKey(keyArn: string): Promise<{ usable: boolean; reason?: string }>;
}
