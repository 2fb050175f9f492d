/** Help text per command; `kube-aws --help` prints the overview, `kube-aws <cmd> --help` one entry. */
export const OVERVIEW = `kube-aws: turn a kube-aws cluster.yaml into a CloudFormation stack with KMS-encrypted TLS assets

Usage: kube-aws <command> [options]

Commands:
  validate <cluster.yaml>          check a file offline (exit 0 ok, 1 errors, 2 usage)
  render <cluster.yaml> --export   write <clusterName>.stack-template.json
  up <cluster.yaml>                submit a revision and follow its run state by state
  history <clusterName>            list a cluster's revisions with status and timestamps
  status <clusterName>             show a cluster's latest and last applied revision, lock, queue
  serve                            run the embedded backend (what npm start runs)
  credentials                      print export lines with the embedded S3 endpoint's key

Global options:
  --state-dir DIR   embedded state directory (default .local, or $KUBE_AWS_STATE_DIR)
  --help, -h        show help (also after a command)
  --version         print the version
`;

export const COMMAND_HELP: Record<string, string> = {
  validate: `Usage: kube-aws validate <cluster.yaml> [--format text|json]

Runs the offline checks: YAML syntax, the schema, and the rules that relate keys.
Text lines read "cluster.yaml:12:3: error: <message>"; JSON is {"valid", "errors", "warnings"}.
Exit 0 when there are no errors (warnings allowed), 1 when there are errors, 2 for a usage
error or an unreadable file.
`,
  render: `Usage: kube-aws render <cluster.yaml> --export [--out DIR] [--api URL] [--state-dir DIR]

Runs validate, generate-assets, encrypt and render, previews the stack change, and writes
<clusterName>.stack-template.json (mode 0600) to DIR (default: the current directory).
Each export is recorded as a revision with status PLANNED (NOOP when it matches the last
applied template; see kube-aws history), so who exported what stays auditable. Assets
stored earlier are reused: a rerun writes the same bytes.

Embedded (the default): a review copy, not deployable: assets are encrypted with the local key
of the state directory and userdata lives in the local bucket.
AWS mode (KUBE_AWS_* set, see README): deployable: KMS ciphertext, userdata in the real
artefacts bucket; nothing is applied.
  --api URL   use the backend at URL instead (its mode decides what the export is good for)
`,
  up: `Usage: kube-aws up <cluster.yaml> [--api URL] [--state-dir DIR] [--rotate NAMES]
                    [--allow-replace] [--verbose]

Submits the file as a new revision and follows the run state by state (name, status,
duration). Talks to the running backend (npm start) when there is one or --api is given;
otherwise runs the embedded backend in this process on the same state directory.

  --rotate NAMES     re-issue these TLS assets (comma-separated, e.g. apiserver,kubelet,
                     or all); recorded on the revision. Nothing rotates without it; an
                     empty list or an unknown name is a usage error.
  --allow-replace    let this revision replace controllers and etcd volumes, which the
                     stack policy otherwise denies.
  --verbose          print the full change preview, not only the counts by action.
A failed attempt that is retried prints "retrying" with its error; a state whose error was
caught prints "failed". Ctrl-C of a run in this process records it FAILED (interrupted), unless
it had already recorded its final status, which it keeps and the command names.
Exit 0 when the revision ends PLANNED, APPLIED or NOOP, 1 otherwise, 2 for usage errors,
130 when a second Ctrl-C ends the command at once.
`,
  history: `Usage: kube-aws history <clusterName> [--limit N | --all] [--api URL] [--format text|json]
                        [--state-dir DIR]

Lists the cluster's newest revisions (20 unless --limit N; --all lists every one), newest
first, with status, source, submitter and timestamps, and says when older ones are left out.
In text, a line under the table for each FAILED or ROLLED_BACK revision says why (its error,
first line, at most 300 characters; --format json has it whole).
`,
  status: `Usage: kube-aws status <clusterName> [--api URL] [--format text|json] [--state-dir DIR]

Shows the cluster record: latest revision, last applied revision, lock and queued revisions.
In text, the latest revision's error when it is FAILED or ROLLED_BACK, and its findings when
it failed validation. A cluster with no revision exits 1: an upload refused at submit records
none, and its findings are in validation.json beside the upload.
`,
  serve: `Usage: kube-aws serve [--port N] [--s3-port N] [--state-dir DIR]

Runs the embedded backend on 127.0.0.1: the HTTP API (default port 8787), an S3 endpoint for
uploads (default port 8788), the revision table, the local key service and the workflow runner.
State lives in the state directory and survives a restart. Stop it with Ctrl-C.
The S3 endpoint and the revision table accept only the state directory's own key, created at
the first start in endpoint-secret.txt (mode 0600); the banner prints an upload command with it.
`,
  credentials: `Usage: kube-aws credentials [--state-dir DIR]

Prints the embedded S3 endpoint's key for the state directory as two export lines:
  eval "$(npx kube-aws credentials)"
  aws --region us-east-1 --endpoint-url http://127.0.0.1:8788 s3 cp ...
The key is created by the backend's first start (serve or up) and kept after; this command
never creates one. Exit 1 when the state directory has no key yet, or its key file is unsafe.
`,
};
