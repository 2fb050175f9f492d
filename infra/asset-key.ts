import { Duration } from 'aws-cdk-lib';
import {
  AccountRootPrincipal,
  Effect,
  type IRole,
  PolicyDocument,
  PolicyStatement,
} from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** The encryption-context key whose value says who may decrypt a ciphertext. */
export const PURPOSE_CONTEXT_CONDITION = 'kms:EncryptionContext:kube-aws:purpose';

/** The context of validate's one-byte usability probe (adapters/aws/ec2-cloud-inventory.ts). */
export const PROBE_CONTEXT_CONDITION = 'kms:EncryptionContext:purpose';
export const PROBE_CONTEXT_VALUE = 'kube-aws-validate';

/**
 * Key management without use: no Encrypt/Decrypt, and no CreateGrant, which would let an
 * administrator hand themselves decrypt rights outside this policy.
 */
export const KEY_ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListAliases',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RevokeGrant',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
];

/** Administration for the account's IAM: whoever its IAM policies name as key administrators. */
export function createKeyAdminStatement(): PolicyStatement {
  return new PolicyStatement({
    sid: 'KeyAdministration',
    principals: [new AccountRootPrincipal()],
    actions: KEY_ADMIN_ACTIONS,
    resources: ['*'],
  });
}

/**
 * The key that seals the clusters' TLS assets. Its policy keeps three groups apart:
 * administrators manage it but cannot use it; the backend's functions encrypt, re-encrypt and
 * decrypt backend-sealed material, each only what its step needs; cluster nodes decrypt only
 * ciphertext made with the `kube-aws:purpose = node` context.
 */
export class AssetKey extends Construct {
  readonly key: Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.key = new Key(this, 'Key', {
      description: 'kube-aws-serverless: encrypts cluster TLS assets',
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      policy: new PolicyDocument({
        statements: [
          createKeyAdminStatement(),
          // Instance roles live in each cluster's own stack, created after this key, so they
          // cannot be named here. The statement delegates to the account's IAM instead: a role
          // decrypts only if its own IAM policy (written by the cluster stack) allows kms:Decrypt
          // on this key AND the ciphertext carries the node context. A principal-tag condition
          // was rejected: anyone allowed to tag a role could then grant it decrypt, while an IAM
          // policy naming the key is reviewed with the cluster stack that carries it.
          new PolicyStatement({
            sid: 'ClusterNodesDecryptNodeAssets',
            principals: [new AccountRootPrincipal()],
            actions: ['kms:Decrypt'],
            resources: ['*'],
            conditions: { StringEquals: { [PURPOSE_CONTEXT_CONDITION]: 'node' } },
          }),
        ],
      }),
    });
  }

  /** generate-assets seals and reopens private keys under the backend context only. */
  allowBackendSealing(role: IRole): void {
    this.addRoleStatement('BackendSealing', role, ['kms:Encrypt', 'kms:Decrypt'], 'backend');
  }

  /**
   * encrypt turns backend-sealed ciphertext into node-decryptable ciphertext with ReEncrypt, so
   * the plaintext never reaches the function. Both permissions accept both purposes, so the
   * policy does not depend on whether KMS matches the source or the destination context for
   * each; the probe context and any other purpose stay excluded.
   */
  allowNodeResealing(role: IRole): void {
    this.addRoleStatement(
      'NodeResealing',
      role,
      ['kms:ReEncryptFrom', 'kms:ReEncryptTo'],
      ['backend', 'node'],
    );
  }

  /**
   * validate proves a cluster's key usable: DescribeKey, then an Encrypt under the probe
   * context, which no node or backend step ever decrypts. This key may be that key.
   */
  allowUsabilityProbe(role: IRole): void {
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'UsabilityProbeDescribe',
        principals: [role],
        actions: ['kms:DescribeKey'],
        resources: ['*'],
      }),
    );
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'UsabilityProbeEncrypt',
        principals: [role],
        actions: ['kms:Encrypt'],
        resources: ['*'],
        conditions: { StringEquals: { [PROBE_CONTEXT_CONDITION]: PROBE_CONTEXT_VALUE } },
      }),
    );
  }

  private addRoleStatement(
    sid: string,
    role: IRole,
    actions: string[],
    purpose: string | string[],
  ): void {
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid,
        effect: Effect.ALLOW,
        principals: [role],
        actions,
        resources: ['*'],
        conditions: { StringEquals: { [PURPOSE_CONTEXT_CONDITION]: purpose } },
      }),
    );
  }
}
