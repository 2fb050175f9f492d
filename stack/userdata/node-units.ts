import { ETCD_DATA_DEVICE, type NodeContext } from './node-context.ts';
import {
  ADDONS_DIR,
  ADMIN_KUBECONFIG,
  KUBELET_KUBECONFIG,
  type RenderedFile,
} from './node-paths.ts';
import {
  CALICO_OPERATOR_MANIFEST_URL,
  CNI_PLUGINS_VERSION,
  cniPluginsBaseUrl,
  kubernetesBinaryBaseUrl,
} from './versions.ts';

export interface RenderedUnit {
  name: string;
  content: string;
}

export const INSTALL_BINARIES_SCRIPT = '/opt/bin/install-kubernetes-binaries';
export const INSTALL_ADDONS_SCRIPT = '/opt/bin/install-addons';
export const FORMAT_ETCD_SCRIPT = '/opt/bin/format-etcd-volume';

/**
 * Fetches kubelet (and kubectl on controllers) of the cluster's release from dl.k8s.io and the
 * standard CNI plugins, each checked against the sha256 file published beside it. A marker per
 * version makes later boots skip the download.
 */
function renderInstallBinariesScript(context: NodeContext): string {
  const binaries = context.role === 'controller' ? '(kubelet kubectl)' : '(kubelet)';
  const version = context.config.kubernetesVersion;

  return `#!/bin/bash
# Installs the pinned Kubernetes node binaries; run by kubelet-install.service.
set -euo pipefail

# The download bases and target directories are variables so the script can be tested offline.
kubernetes_url="\${KUBERNETES_DOWNLOAD_URL:-${kubernetesBinaryBaseUrl(version)}}"
cni_url="\${CNI_PLUGINS_DOWNLOAD_URL:-${cniPluginsBaseUrl()}}"
bin_dir="\${BIN_DIR:-/opt/bin}"
cni_bin_dir="\${CNI_BIN_DIR:-/opt/cni/bin}"

case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64) arch=arm64 ;;
  *) echo "install-kubernetes-binaries: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac

tmp=""
trap 'rm -f "\${tmp}"' EXIT

fetch_verified() {
  local url="$1" dest="$2" expected
  curl -fsSL --retry 5 --retry-delay 2 -o "\${dest}" "\${url}"
  expected="$(curl -fsSL --retry 5 --retry-delay 2 "\${url}.sha256" | cut -d' ' -f1)"
  if [[ ! "\${expected}" =~ ^[0-9a-f]{64}$ ]]; then
    echo "install-kubernetes-binaries: \${url}.sha256 holds no sha256" >&2
    exit 1
  fi
  if ! echo "\${expected}  \${dest}" | sha256sum --check --status; then
    echo "install-kubernetes-binaries: \${url} does not match its published sha256" >&2
    exit 1
  fi
}

binaries=${binaries}
mkdir -p "\${bin_dir}" "\${cni_bin_dir}"
for binary in "\${binaries[@]}"; do
  marker="\${bin_dir}/.\${binary}-${version}"
  [[ -f "\${marker}" ]] && continue
  tmp="$(mktemp "\${bin_dir}/.\${binary}.XXXXXX")"
  fetch_verified "\${kubernetes_url}/\${arch}/\${binary}" "\${tmp}"
  chmod 0755 "\${tmp}"
  mv -f "\${tmp}" "\${bin_dir}/\${binary}"
  touch "\${marker}"
  echo "install-kubernetes-binaries: installed \${binary} ${version}"
done

cni_marker="\${cni_bin_dir}/.cni-plugins-${CNI_PLUGINS_VERSION}"
if [[ ! -f "\${cni_marker}" ]]; then
  tmp="$(mktemp "\${cni_bin_dir}/.plugins.XXXXXX")"
  fetch_verified "\${cni_url}/cni-plugins-linux-\${arch}-${CNI_PLUGINS_VERSION}.tgz" "\${tmp}"
  tar -xzf "\${tmp}" -C "\${cni_bin_dir}"
  touch "\${cni_marker}"
  echo "install-kubernetes-binaries: installed CNI plugins ${CNI_PLUGINS_VERSION}"
fi
`;
}

/** Formats the etcd volume only when it carries no filesystem, so a reboot never wipes etcd. */
function renderFormatEtcdScript(): string {
  return `#!/bin/bash
# Puts an ext4 filesystem on the etcd data volume the first time it is seen.
set -euo pipefail
# ETCD_DEVICE exists for tests, which format a file instead of a volume.
device="\${ETCD_DEVICE:-${ETCD_DATA_DEVICE}}"
if [[ ! -e "\${device}" ]]; then
  echo "format-etcd-volume: \${device} does not exist" >&2
  exit 1
fi
# blkid -p probes the device itself (no cache): 0 means a filesystem, 2 means none; anything
# else is a failed probe, which must never lead to mkfs over etcd's data.
status=0
blkid -p "\${device}" > /dev/null 2>&1 || status=$?
if [[ "\${status}" -eq 0 ]]; then
  echo "format-etcd-volume: \${device} already has a filesystem"
  exit 0
fi
if [[ "\${status}" -ne 2 ]]; then
  echo "format-etcd-volume: cannot probe \${device} (blkid exit \${status})" >&2
  exit 1
fi
mkfs.ext4 -q -L etcd-data "\${device}"
echo "format-etcd-volume: created ext4 on \${device}"
`;
}

/** Waits (bounded) for the local API server, then applies the add-on manifests. */
function renderInstallAddonsScript(context: NodeContext): string {
  const kubectl = `/opt/bin/kubectl --kubeconfig=${ADMIN_KUBECONFIG}`;
  const calico = context.config.useCalico
    ? `${kubectl} apply --server-side -f ${CALICO_OPERATOR_MANIFEST_URL}
${kubectl} wait --for condition=established --timeout=300s crd/installations.operator.tigera.io
`
    : '';

  return `#!/bin/bash
# Applies the cluster add-ons from the first controller; run by install-addons.service.
set -euo pipefail

for attempt in $(seq 1 120); do
  if ${kubectl} get --raw /readyz > /dev/null 2>&1; then
    break
  fi
  if [[ "\${attempt}" -eq 120 ]]; then
    echo "install-addons: the API server was not ready after 10 minutes" >&2
    exit 1
  fi
  sleep 5
done

${calico}${kubectl} apply -f ${ADDONS_DIR}
`;
}

export function renderNodeScripts(context: NodeContext): RenderedFile[] {
  const scripts: RenderedFile[] = [
    {
      path: INSTALL_BINARIES_SCRIPT,
      permissions: '0700',
      content: renderInstallBinariesScript(context),
    },
  ];
  if (context.role !== 'controller') return scripts;

  scripts.push({
    path: FORMAT_ETCD_SCRIPT,
    permissions: '0700',
    content: renderFormatEtcdScript(),
  });
  if (context.controllerIndex === 0) {
    scripts.push({
      path: INSTALL_ADDONS_SCRIPT,
      permissions: '0700',
      content: renderInstallAddonsScript(context),
    });
  }

  return scripts;
}

function oneshot(description: string, unit: string[], execStart: string, install: string): string {
  return `[Unit]
Description=${description}
${unit.join('\n')}

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${execStart}

[Install]
${install}
`;
}

/**
 * The units after decrypt-assets.service, in the order cloudinit should start them; each one's
 * After=/Requires= make the order hold on every later boot too.
 */
export function renderNodeUnits(context: NodeContext): RenderedUnit[] {
  // systemd names a device unit after its path: /dev/xvdf is dev-xvdf.device.
  const deviceUnit = `${ETCD_DATA_DEVICE.slice(1).replaceAll('/', '-')}.device`;
  const units: RenderedUnit[] = [
    {
      name: 'kubelet-install.service',
      content: oneshot(
        'Install the pinned Kubernetes node binaries',
        ['Wants=network-online.target', 'After=network-online.target', 'Before=kubelet.service'],
        INSTALL_BINARIES_SCRIPT,
        'RequiredBy=kubelet.service',
      ),
    },
  ];
  const kubeletNeeds = ['containerd.service', 'kubelet-install.service', 'decrypt-assets.service'];
  if (context.role === 'controller') {
    units.push(
      {
        name: 'format-etcd-volume.service',
        content: oneshot(
          'Create the etcd data filesystem on first boot',
          // The mount sits before local-fs.target, which default dependencies would order this
          // service after: without DefaultDependencies=no the two form a cycle.
          [
            'DefaultDependencies=no',
            `Requires=${deviceUnit}`,
            `After=${deviceUnit}`,
            'Before=var-lib-etcd.mount shutdown.target',
            'Conflicts=shutdown.target',
          ],
          FORMAT_ETCD_SCRIPT,
          'RequiredBy=var-lib-etcd.mount',
        ),
      },
      {
        name: 'var-lib-etcd.mount',
        content: `[Unit]
Description=etcd data volume
Requires=format-etcd-volume.service
After=format-etcd-volume.service
Before=kubelet.service

[Mount]
What=${ETCD_DATA_DEVICE}
Where=/var/lib/etcd
Type=ext4

[Install]
RequiredBy=kubelet.service
`,
      },
    );
    kubeletNeeds.push('var-lib-etcd.mount');
  }

  units.push({
    name: 'kubelet.service',
    content: `[Unit]
Description=Kubernetes kubelet
Wants=network-online.target
After=network-online.target ${kubeletNeeds.join(' ')}
Requires=${kubeletNeeds.join(' ')}

[Service]
ExecStart=/opt/bin/kubelet --config=/etc/kubernetes/kubelet-config.yaml --kubeconfig=${KUBELET_KUBECONFIG} --node-labels=kube-aws.io/role=${context.role}
Restart=always
RestartSec=10

[Install]
WantedBy=multi-user.target
`,
  });

  if (context.controllerIndex === 0) {
    units.push({
      name: 'install-addons.service',
      content: oneshot(
        'Apply the cluster add-ons',
        ['Requires=kubelet.service', 'After=kubelet.service'],
        INSTALL_ADDONS_SCRIPT,
        'WantedBy=multi-user.target',
      ),
    });
  }

  return units;
}
