/**
 * The keys coreos-cloudinit knows, with the type each must have, the pattern a value must match and
 * the deprecation notes it prints. The tables follow cloudinit's `config` package as Flatcar still
 * ships it (v1.10+ keys included), so a userdata that passes here is read the same way on a node.
 */

export type CloudConfigField =
  | { kind: 'string'; valid?: RegExp; deprecated?: string }
  | { kind: 'int' | 'float64' | 'bool'; deprecated?: string }
  | { kind: 'struct'; fields: Record<string, CloudConfigField>; deprecated?: string }
  | { kind: 'list'; element: CloudConfigField; deprecated?: string };

const str: CloudConfigField = { kind: 'string' };
const int: CloudConfigField = { kind: 'int' };
const float: CloudConfigField = { kind: 'float64' };
const bool: CloudConfigField = { kind: 'bool' };
const strings: CloudConfigField = { kind: 'list', element: str };

function deprecate(field: CloudConfigField, reason: string): CloudConfigField {
  return { ...field, deprecated: reason };
}

function struct(fields: Record<string, CloudConfigField>): CloudConfigField {
  return { kind: 'struct', fields };
}

const ETCD2_ONLY = 'etcd2 options no longer work for etcd';
const REMOTE_FETCH =
  'trying to fetch from a remote endpoint introduces too many intermittent errors';
const notShipped = (name: string) => `${name} is no longer shipped in Container Linux`;

const etcd = struct({
  addr: str,
  advertise_client_urls: deprecate(str, ETCD2_ONLY),
  bind_addr: str,
  ca_file: str,
  cert_file: str,
  cluster_active_size: int,
  cluster_remove_delay: float,
  cluster_sync_interval: float,
  cors: str,
  data_dir: str,
  discovery: str,
  discovery_fallback: deprecate(str, ETCD2_ONLY),
  discovery_srv: deprecate(str, ETCD2_ONLY),
  discovery_proxy: deprecate(str, ETCD2_ONLY),
  election_timeout: deprecate(int, ETCD2_ONLY),
  force_new_cluster: deprecate(bool, ETCD2_ONLY),
  graphite_host: str,
  heartbeat_interval: deprecate(int, ETCD2_ONLY),
  http_read_timeout: float,
  http_write_timeout: float,
  initial_advertise_peer_urls: deprecate(str, ETCD2_ONLY),
  initial_cluster: deprecate(str, ETCD2_ONLY),
  initial_cluster_state: deprecate(str, ETCD2_ONLY),
  initial_cluster_token: deprecate(str, ETCD2_ONLY),
  key_file: str,
  listen_client_urls: deprecate(str, ETCD2_ONLY),
  listen_peer_urls: deprecate(str, ETCD2_ONLY),
  max_result_buffer: int,
  max_retry_attempts: int,
  max_snapshots: deprecate(int, ETCD2_ONLY),
  max_wals: deprecate(int, ETCD2_ONLY),
  name: str,
  peer_addr: str,
  peer_bind_addr: str,
  peer_ca_file: str,
  peer_cert_file: str,
  peer_election_timeout: int,
  peer_heartbeat_interval: int,
  peer_key_file: str,
  peers: str,
  peers_file: str,
  proxy: deprecate(str, ETCD2_ONLY),
  retry_interval: float,
  snapshot: bool,
  snapshot_count: int,
  trace: str,
  verbose: bool,
  very_verbose: bool,
  very_very_verbose: bool,
});

const etcd2 = struct({
  advertise_client_urls: str,
  ca_file: deprecate(str, 'ca_file obsoleted by trusted_ca_file and client_cert_auth'),
  cert_file: str,
  client_cert_auth: bool,
  cors: str,
  data_dir: str,
  debug: bool,
  discovery: str,
  discovery_fallback: str,
  discovery_srv: str,
  discovery_proxy: str,
  election_timeout: int,
  enable_pprof: bool,
  force_new_cluster: bool,
  heartbeat_interval: int,
  initial_advertise_peer_urls: str,
  initial_cluster: str,
  initial_cluster_state: str,
  initial_cluster_token: str,
  key_file: str,
  listen_client_urls: str,
  listen_peer_urls: str,
  log_package_levels: str,
  max_snapshots: int,
  max_wals: int,
  name: str,
  peer_ca_file: deprecate(
    str,
    'peer_ca_file obsoleted peer_trusted_ca_file and peer_client_cert_auth',
  ),
  peer_cert_file: str,
  peer_key_file: str,
  peer_client_cert_auth: bool,
  peer_trusted_ca_file: str,
  proxy: { kind: 'string', valid: /^(on|off|readonly)$/ },
  proxy_dial_timeout: int,
  proxy_failure_wait: int,
  proxy_read_timeout: int,
  proxy_refresh_interval: int,
  proxy_write_timeout: int,
  snapshot_count: int,
  strict_reconfig_check: bool,
  trusted_ca_file: str,
  wal_dir: str,
});

const fleet = struct({
  agent_ttl: str,
  authorized_keys_file: str,
  disable_engine: bool,
  engine_reconcile_interval: float,
  etcd_cafile: str,
  etcd_certfile: str,
  etcd_keyfile: str,
  etcd_key_prefix: str,
  etcd_request_timeout: float,
  etcd_servers: str,
  etcd_username: str,
  etcd_password: str,
  metadata: str,
  public_ip: str,
  token_limit: int,
  verbosity: int,
  verify_units: bool,
});

const flannel = struct({
  etcd_endpoints: str,
  etcd_cafile: str,
  etcd_certfile: str,
  etcd_keyfile: str,
  etcd_prefix: str,
  etcd_username: str,
  etcd_password: str,
  ip_masq: str,
  subnet_file: str,
  interface: str,
  public_ip: str,
});

const locksmith = struct({
  endpoint: str,
  etcd_cafile: str,
  etcd_certfile: str,
  etcd_keyfile: str,
  etcd_username: str,
  etcd_password: str,
  group: str,
  // Go's `(?i:...)` group becomes a case-insensitive alternative list here.
  window_start: {
    kind: 'string',
    valid:
      /^((?:[Ss][Uu][Nn]|[Mm][Oo][Nn]|[Tt][Uu][Ee]|[Ww][Ee][Dd]|[Tt][Hh][Uu]|[Ff][Rr][Ii]|[Ss][Aa][Tt]) )?0*([0-9]|1[0-9]|2[0-3]):0*([0-9]|[1-5][0-9])$/,
  },
  window_length: { kind: 'string', valid: /^[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+$/ },
});

const oem = struct({ id: str, name: str, version_id: str, home_url: str, bug_report_url: str });

const update = struct({
  reboot_strategy: { kind: 'string', valid: /^(best-effort|etcd-lock|reboot|off)$/ },
  group: str,
  server: str,
});

const unit = struct({
  name: str,
  mask: bool,
  enable: bool,
  runtime: bool,
  content: str,
  command: {
    kind: 'string',
    valid: /^(start|stop|restart|reload|try-restart|reload-or-restart|reload-or-try-restart)$/,
  },
  drop_ins: { kind: 'list', element: struct({ name: str, content: str }) },
});

const writeFile = struct({
  encoding: {
    kind: 'string',
    valid: /^(base64|b64|gz|gzip|gz\+base64|gzip\+base64|gz\+b64|gzip\+b64)$/,
  },
  content: str,
  owner: str,
  path: str,
  permissions: { kind: 'string', valid: /^0?[0-7]{3,4}$/ },
});

const user = struct({
  name: str,
  passwd: str,
  ssh_authorized_keys: strings,
  coreos_ssh_import_github: deprecate(str, REMOTE_FETCH),
  coreos_ssh_import_github_users: deprecate(strings, REMOTE_FETCH),
  coreos_ssh_import_url: deprecate(str, REMOTE_FETCH),
  gecos: str,
  homedir: str,
  no_create_home: bool,
  primary_group: str,
  groups: strings,
  no_user_group: bool,
  system: bool,
  no_log_init: bool,
  shell: str,
});

/** The whole cloud-config document. */
export const CLOUD_CONFIG_SCHEMA: CloudConfigField = struct({
  ssh_authorized_keys: strings,
  coreos: struct({
    etcd: deprecate(etcd, notShipped('etcd')),
    etcd2: deprecate(etcd2, notShipped('etcd2')),
    fleet: deprecate(fleet, notShipped('fleet')),
    flannel,
    locksmith,
    oem,
    update,
    units: { kind: 'list', element: unit },
  }),
  write_files: { kind: 'list', element: writeFile },
  hostname: str,
  users: { kind: 'list', element: user },
  manage_etc_hosts: str,
});

/** cloudinit's name for a field's type in `incorrect type` messages. */
export function describeFieldKind(field: CloudConfigField): string {
  if (field.kind === 'list') return `[]${describeFieldKind(field.element)}`;

  return field.kind;
}
