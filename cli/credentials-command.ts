import { parseArgs } from 'node:util';
import { readEndpointCredentials } from '../embedded/endpoint-credentials.ts';
import { resolveStateDir } from '../embedded/state-dir.ts';
import { type CliIo, EXIT, UsageError } from './cli-io.ts';

/**
 * `kube-aws credentials`: the state dir's key for the embedded S3 endpoint as shell exports, for
 * `eval "$(npx kube-aws credentials)"` before an `aws s3 cp`. Reads only; never creates a key.
 */
export async function runCredentialsCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { 'state-dir': { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals.length !== 0) {
    throw new UsageError(`credentials takes no arguments (received ${positionals.join(' ')})`);
  }
  const stateDir = resolveStateDir(values['state-dir'], io.env, io.cwd);

  const { accessKeyId, secretAccessKey } = await readEndpointCredentials(stateDir);
  // base64url and a fixed id: nothing in either needs shell quoting.
  io.out(
    `export AWS_ACCESS_KEY_ID=${accessKeyId}\nexport AWS_SECRET_ACCESS_KEY=${secretAccessKey}\n`,
  );

  return EXIT.ok;
}
