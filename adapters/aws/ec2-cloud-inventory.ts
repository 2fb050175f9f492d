import type * as Ec2Sdk from '@aws-sdk/client-ec2';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type * as KmsSdk from '@aws-sdk/client-kms';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { CloudInventory } from '../../ports/cloud-inventory.ts';
import { rethrowSdkError } from './classify-sdk-error.ts';
import { loadOnce } from './load-once.ts';

const loadEc2Sdk = loadOnce(() => import('@aws-sdk/client-ec2'));
const loadKmsSdk = loadOnce(() => import('@aws-sdk/client-kms'));

export interface AwsClientOptions {
  region: string;
  /** Left undefined in production: the SDK then honours AWS_ENDPOINT_URL and its variants. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** EC2 answers "not found" with these codes rather than an empty list. */
const NOT_FOUND_CODES = new Set([
  'InvalidVpcID.NotFound',
  'InvalidRouteTableID.NotFound',
  'InvalidKeyPair.NotFound',
]);

/** KMS refusals that mean "this key is not usable by us", as opposed to a flaky service. */
const KEY_REFUSALS: Readonly<Record<string, string>> = {
  NotFoundException: 'the key does not exist',
  InvalidArnException: 'the ARN does not name a key',
  AccessDeniedException: 'the key policy does not allow this backend to use the key',
  DisabledException: 'the key is disabled',
  KMSInvalidStateException: 'the key is pending deletion or not yet usable',
  KeyUnavailableException: 'the key is unavailable',
  InvalidKeyUsageException: 'the key is not a symmetric ENCRYPT_DECRYPT key',
};

/** The Validate state's EC2 and KMS look-ups. KMS calls go to the region inside the key ARN. */
export class Ec2CloudInventory implements CloudInventory {
  readonly mode = 'aws' as const;
  private readonly ec2Clients = new Map<string, EC2Client>();
  private readonly kmsClients = new Map<string, KMSClient>();

  constructor(private readonly options: AwsClientOptions) {}

  async describeVpc(vpcId: string, region?: string): Promise<{ cidrBlocks: string[] } | undefined> {
    const { sdk, client } = await this.ec2(region);
    const answer = await this.call('DescribeVpcs', () =>
      client.send(new sdk.DescribeVpcsCommand({ VpcIds: [vpcId] })),
    );
    const vpc = answer?.Vpcs?.[0];
    if (vpc === undefined) return undefined;
    const associated = (vpc.CidrBlockAssociationSet ?? [])
      .filter((association) => association.CidrBlockState?.State === 'associated')
      .map((association) => association.CidrBlock ?? '');
    const blocks = [vpc.CidrBlock ?? '', ...associated].filter((block) => block !== '');

    return { cidrBlocks: [...new Set(blocks)] };
  }

  async listSubnetCidrs(vpcId: string, region?: string): Promise<string[]> {
    const { sdk, client } = await this.ec2(region);
    const cidrs: string[] = [];
    try {
      const pages = sdk.paginateDescribeSubnets(
        { client },
        { Filters: [{ Name: 'vpc-id', Values: [vpcId] }] },
      );
      for await (const page of pages) {
        for (const subnet of page.Subnets ?? []) {
          if (subnet.CidrBlock !== undefined) cidrs.push(subnet.CidrBlock);
        }
      }
    } catch (error: unknown) {
      rethrowSdkError(error, 'EC2', 'DescribeSubnets');
    }

    return cidrs;
  }

  async describeRouteTable(
    routeTableId: string,
    region?: string,
  ): Promise<{ vpcId: string } | undefined> {
    const { sdk, client } = await this.ec2(region);
    const answer = await this.call('DescribeRouteTables', () =>
      client.send(new sdk.DescribeRouteTablesCommand({ RouteTableIds: [routeTableId] })),
    );
    const vpcId = answer?.RouteTables?.[0]?.VpcId;

    return vpcId === undefined ? undefined : { vpcId };
  }

  async keyPairExists(keyName: string, region?: string): Promise<boolean> {
    const { sdk, client } = await this.ec2(region);
    const answer = await this.call('DescribeKeyPairs', () =>
      client.send(new sdk.DescribeKeyPairsCommand({ KeyNames: [keyName] })),
    );

    return (answer?.KeyPairs ?? []).some((pair) => pair.KeyName === keyName);
  }

  async listAvailabilityZones(region: string): Promise<string[]> {
    const { sdk, client } = await this.ec2(region);
    const answer = await this.call('DescribeAvailabilityZones', () =>
      client.send(
        new sdk.DescribeAvailabilityZonesCommand({
          Filters: [{ Name: 'state', Values: ['available'] }],
        }),
      ),
    );

    return (answer?.AvailabilityZones ?? []).map((zone) => zone.ZoneName ?? '').filter(Boolean);
  }

  /** DescribeKey says whether the key is enabled; a one-byte Encrypt proves we may use it. */
  async checkKmsKey(keyArn: string): Promise<{ usable: boolean; reason?: string }> {
    const { sdk, client: kms } = await this.kms(regionOfArn(keyArn) ?? this.options.region);
    try {
      const described = await kms.send(new sdk.DescribeKeyCommand({ KeyId: keyArn }));
      const metadata = described.KeyMetadata;
      if (metadata?.KeyState !== 'Enabled') {
        return {
          usable: false,
          reason: `the key is ${metadata?.KeyState ?? 'in an unknown state'}`,
        };
      }
      // Only symmetric keys encrypt without naming an algorithm; some emulators omit KeyUsage.
      const usage = metadata.KeyUsage ?? 'ENCRYPT_DECRYPT';
      if (usage !== 'ENCRYPT_DECRYPT' || metadata.KeySpec !== 'SYMMETRIC_DEFAULT') {
        return { usable: false, reason: KEY_REFUSALS.InvalidKeyUsageException };
      }
      await kms.send(
        new sdk.EncryptCommand({
          KeyId: keyArn,
          Plaintext: Uint8Array.of(0x6b),
          EncryptionContext: { purpose: 'kube-aws-validate' },
        }),
      );
      return { usable: true };
    } catch (error: unknown) {
      const name = (error as { name?: unknown } | null)?.name;
      if (typeof name === 'string' && Object.hasOwn(KEY_REFUSALS, name)) {
        return { usable: false, reason: KEY_REFUSALS[name] };
      }
      rethrowSdkError(error, 'KMS', 'DescribeKey/Encrypt');
    }
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T | undefined> {
    try {
      return await send();
    } catch (error: unknown) {
      const name = (error as { name?: unknown; Code?: unknown } | null)?.name;
      if (typeof name === 'string' && NOT_FOUND_CODES.has(name)) return undefined;
      rethrowSdkError(error, 'EC2', operation);
    }
  }

  /** The EC2 client of a region; the SDK module loads on the first look-up, not at import. */
  private async ec2(
    region: string = this.options.region,
  ): Promise<{ sdk: typeof Ec2Sdk; client: EC2Client }> {
    const sdk = await loadEc2Sdk();
    let client = this.ec2Clients.get(region);
    if (client === undefined) {
      client = new sdk.EC2Client(toClientConfig(this.options, region));
      this.ec2Clients.set(region, client);
    }

    return { sdk, client };
  }

  private async kms(region: string): Promise<{ sdk: typeof KmsSdk; client: KMSClient }> {
    const sdk = await loadKmsSdk();
    let client = this.kmsClients.get(region);
    if (client === undefined) {
      client = new sdk.KMSClient(toClientConfig(this.options, region));
      this.kmsClients.set(region, client);
    }

    return { sdk, client };
  }
}

/** Client settings without undefined entries, so the SDK's own defaults (and env) still apply. */
export function toClientConfig(options: AwsClientOptions, region: string) {
  return {
    region,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  };
}

function regionOfArn(arn: string): string | undefined {
  const parts = arn.split(':');

  return parts[0] === 'arn' && parts[3] !== undefined && parts[3] !== '' ? parts[3] : undefined;
}
