import { gzipSync } from 'node:zlib';
import * as z from 'zod';
import { InvariantError } from '../../lib/errors.ts';
import { canonicalJson } from '../../lib/hash.ts';
import { ClusterConfigSchema } from '../../schemas/cluster-config.ts';
import { type NodeAsset, NodeAssetsSchema, type NodeRole } from '../../schemas/node-assets.ts';
import { renderAddonFiles } from './addon-manifests.ts';
import {
  DECRYPT_SCRIPT_PATH,
  renderDecryptAssetsScript,
  renderDecryptAssetsUnit,
} from './decrypt-assets-script.ts';
import { renderKubernetesFiles } from './kubernetes-files.ts';
import { buildNodeContext } from './node-context.ts';
import { type RenderedFile, stringifyYaml } from './node-paths.ts';
import { type RenderedUnit, renderNodeScripts, renderNodeUnits } from './node-units.ts';

export const UserdataInputSchema = z.object({
  config: ClusterConfigSchema,
  nodeAssets: NodeAssetsSchema,
  /** Which controller this userdata is for; each controller has its own etcd member. */
  controllerIndex: z.int().min(0).optional(),
});
export type UserdataInput = z.infer<typeof UserdataInputSchema>;

/** EC2 rejects user data above 16 KiB (counted before base64). */
export const USERDATA_LIMIT_BYTES = 16384;

/**
 * The Flatcar cloud-config of one node: its TLS files (private keys as KMS ciphertext), the
 * decrypt script, Kubernetes binaries, configs, static pods and units. Pure and deterministic: the
 * same input gives the same bytes, so unchanged assets never replace an instance.
 */
export function renderUserdata(role: NodeRole, input: UserdataInput): string {
  const context = buildNodeContext(role, input.config, input.controllerIndex);
  const files: RenderedFile[] = [
    ...renderAssetFiles(role, input.nodeAssets.assets),
    {
      path: DECRYPT_SCRIPT_PATH,
      permissions: '0700',
      content: renderDecryptAssetsScript(input.config.region),
    },
    ...renderNodeScripts(context),
    ...renderKubernetesFiles(context),
    ...(context.controllerIndex === 0 ? renderAddonFiles(input.config) : []),
  ];
  const units: RenderedUnit[] = [
    { name: 'decrypt-assets.service', content: renderDecryptAssetsUnit() },
    ...renderNodeUnits(context),
  ];

  return renderCloudConfig(files, units, input.config.sshAuthorizedKeys);
}

function renderCloudConfig(
  files: RenderedFile[],
  units: RenderedUnit[],
  sshKeys: string[],
): string {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const document: Record<string, unknown> = {
    coreos: {
      units: units.map((unit) => ({
        name: unit.name,
        enable: true,
        command: 'start',
        content: unit.content,
      })),
    },
    write_files: sorted.map((file) => ({
      path: file.path,
      owner: 'root:root',
      permissions: file.permissions,
      ...(file.encoding === undefined ? {} : { encoding: file.encoding }),
      content: file.content,
    })),
  };
  if (sshKeys.length > 0) document.ssh_authorized_keys = [...sshKeys];

  return `#cloud-config\n${stringifyYaml(document)}`;
}

/**
 * Public material lands as PEM at its path. A private key lands as `<path>.enc` (the raw KMS
 * ciphertext: `b64` makes cloudinit decode it) beside `<path>.ctx`, the encryption context the
 * decrypt script hands back to KMS.
 */
function renderAssetFiles(role: NodeRole, assets: NodeAsset[]): RenderedFile[] {
  return assets
    .filter((asset) => asset.roles.includes(role))
    .flatMap((asset): RenderedFile[] => {
      if (asset.kind !== 'private-key') {
        return [{ path: asset.path, permissions: '0644', content: asset.content }];
      }
      if (asset.encryptionContext === undefined) {
        throw new InvariantError(
          `nodeAssets ${asset.name} ${asset.path} must carry an encryptionContext (received none)`,
        );
      }

      return [
        { path: `${asset.path}.enc`, permissions: '0600', encoding: 'b64', content: asset.content },
        {
          path: `${asset.path}.ctx`,
          permissions: '0644',
          content: `${canonicalJson(asset.encryptionContext)}\n`,
        },
      ];
    });
}

/**
 * Gzip (level 9) and base64, as EC2 user data. Node's gzip header has mtime 0; the OS byte is set
 * to "Unix" so the bytes do not depend on the platform that rendered them.
 */
export function encodeUserdata(text: string): { base64: string; gzippedBytes: number } {
  const gzipped = gzipSync(Buffer.from(text, 'utf8'), { level: 9 });
  gzipped[9] = 3;

  return { base64: gzipped.toString('base64'), gzippedBytes: gzipped.length };
}
