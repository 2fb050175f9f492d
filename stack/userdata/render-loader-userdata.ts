import { InvariantError } from '../../lib/errors.ts';
import type { NodeRole } from '../../schemas/node-assets.ts';
import { stringifyYaml } from './node-paths.ts';
import { AWS_CLI_IMAGE } from './versions.ts';

export const LOADER_SCRIPT_PATH = '/opt/bin/load-userdata';

/**
 * The small userdata an instance gets when its full cloud-config is above the EC2 limit: it copies
 * the full cloud-config from S3 (the instance role may read that one object) and hands it to
 * coreos-cloudinit, which then proceeds as if it had been the user data.
 *
 * The object is stored under its own sha256 (`...-<sha256>`, see `artifactKeys.userdata`), and the
 * loader applies it as root only when the bytes it fetched hash to that value: whoever can write
 * the bucket cannot swap what the node runs.
 */
export function renderLoaderUserdata(role: NodeRole, s3Url: string, region: string): string {
  if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/[A-Za-z0-9!_.*'()/-]+$/.test(s3Url)) {
    throw new InvariantError(
      `s3Url must be s3://<bucket>/<key> with a plain key (received ${s3Url})`,
    );
  }
  const sha256 = /-([0-9a-f]{64})$/.exec(s3Url)?.[1];
  if (sha256 === undefined) {
    throw new InvariantError(
      `s3Url must end in -<sha256 of the object> so the loader can check it (received ${s3Url})`,
    );
  }
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    throw new InvariantError(`region must be an AWS region name (received ${region})`);
  }

  const script = `#!/bin/bash
# Fetches this ${role}'s full cloud-config from S3 and applies it.
set -euo pipefail
target=/var/lib/kube-aws/userdata
mkdir -p /var/lib/kube-aws
expected=${sha256}
tmp="$(mktemp "\${target}.XXXXXX")"
trap 'rm -f "\${tmp}"' EXIT
for attempt in 1 2 3 4 5; do
  if docker run --rm --net=host ${AWS_CLI_IMAGE} --region ${region} s3 cp ${s3Url} - > "\${tmp}"; then
    actual="$(sha256sum < "\${tmp}" | cut -d ' ' -f 1)"
    if [[ "\${actual}" == "\${expected}" ]]; then
      break
    fi
    echo "load-userdata: ${s3Url} has sha256 \${actual}, expected \${expected}; not applying it" >&2
  fi
  if [[ "\${attempt}" -eq 5 ]]; then
    echo "load-userdata: cannot copy a verified ${s3Url}; giving up" >&2
    exit 1
  fi
  sleep 10
done
mv -f "\${tmp}" "\${target}"
trap - EXIT
exec coreos-cloudinit --from-file="\${target}"
`;
  const unit = `[Unit]
Description=Load this node's full cloud-config from S3
Wants=network-online.target
After=network-online.target docker.service
Requires=docker.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${LOADER_SCRIPT_PATH}

[Install]
WantedBy=multi-user.target
`;
  const document = {
    coreos: {
      units: [{ name: 'load-userdata.service', enable: true, command: 'start', content: unit }],
    },
    write_files: [
      { path: LOADER_SCRIPT_PATH, owner: 'root:root', permissions: '0700', content: script },
    ],
  };

  return `#cloud-config\n${stringifyYaml(document)}`;
}
