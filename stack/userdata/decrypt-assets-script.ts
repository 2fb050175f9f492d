import { PKI_DIR } from './node-paths.ts';
import { AWS_CLI_IMAGE } from './versions.ts';

export const DECRYPT_SCRIPT_PATH = '/opt/bin/decrypt-assets';

/**
 * The boot-time decrypter. For every `<file>.enc` (raw KMS ciphertext) beside its `<file>.ctx`
 * (the encryption context as JSON) it writes `<file>`, unless a stamp shows the same ciphertext
 * and context were decrypted before and `<file>` still exists: a reboot then makes no KMS call and
 * touches no file. Any failure stops the script with the file's name, so kubelet never starts on
 * half-decrypted material. `AWS_CLI`, `AWS_ENDPOINT_URL` and `PKI_DIR` exist for tests.
 */
export function renderDecryptAssetsScript(region: string): string {
  return `#!/bin/bash
# Decrypts the node's KMS-encrypted private keys; run by decrypt-assets.service before kubelet.
set -euo pipefail
shopt -s globstar nullglob

pki_dir="\${PKI_DIR:-${PKI_DIR}}"
region="\${KMS_REGION:-${region}}"
# The AWS CLI runs in a container on Flatcar; it sees the assets through the /etc/kubernetes mount.
read -r -a aws_cli <<< "\${AWS_CLI:-docker run --rm --net=host -v /etc/kubernetes:/etc/kubernetes ${AWS_CLI_IMAGE}}"
endpoint_args=()
if [[ -n "\${AWS_ENDPOINT_URL:-}" ]]; then
  endpoint_args=(--endpoint-url "\${AWS_ENDPOINT_URL}")
fi

decrypted=0
unchanged=0
for enc in "\${pki_dir}"/**/*.enc; do
  target="\${enc%.enc}"
  ctx="\${target}.ctx"
  stamp="\${target}.stamp"
  if [[ ! -f "\${ctx}" ]]; then
    echo "decrypt-assets: \${enc}: missing encryption context \${ctx}" >&2
    exit 1
  fi

  digest="$(cat "\${enc}" "\${ctx}" | sha256sum | cut -d' ' -f1)"
  if [[ -f "\${target}" && -f "\${stamp}" && "$(cat "\${stamp}")" == "\${digest}" ]]; then
    unchanged=$((unchanged + 1))
    continue
  fi

  if ! plaintext="$("\${aws_cli[@]}" --region "\${region}" "\${endpoint_args[@]}" kms decrypt \\
      --ciphertext-blob "fileb://\${enc}" --encryption-context "file://\${ctx}" \\
      --output text --query Plaintext)"; then
    echo "decrypt-assets: \${enc}: kms decrypt failed" >&2
    exit 1
  fi

  # mktemp creates the file 0600 in the target's directory, so the mv below is an atomic rename.
  tmp="$(mktemp "\${target}.XXXXXX")"
  if ! base64 -d <<< "\${plaintext}" > "\${tmp}"; then
    rm -f "\${tmp}"
    echo "decrypt-assets: \${enc}: kms returned no base64 plaintext" >&2
    exit 1
  fi
  mv -f "\${tmp}" "\${target}"
  echo "\${digest}" > "\${stamp}"
  echo "decrypt-assets: decrypted \${target}"
  decrypted=$((decrypted + 1))
done

echo "decrypt-assets: \${decrypted} decrypted, \${unchanged} unchanged"
`;
}

export function renderDecryptAssetsUnit(): string {
  return `[Unit]
Description=Decrypt the node's KMS-encrypted TLS keys
Wants=network-online.target
After=network-online.target docker.service
Requires=docker.service
Before=kubelet.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${DECRYPT_SCRIPT_PATH}

[Install]
RequiredBy=kubelet.service
`;
}
