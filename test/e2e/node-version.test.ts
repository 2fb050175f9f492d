import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = path.resolve(import.meta.dirname, '../../bin/kube-aws.js');
/** The machine's own Node (20 here) is the old runtime a fresh user is likely to meet. */
const OLD_NODE = '/usr/bin/node';

function readOldVersion(): string | undefined {
  try {
    const version = execFileSync(OLD_NODE, ['--version'], { encoding: 'utf8' }).trim().slice(1);
    const [major, minor] = version.split('.').map(Number) as [number, number];

    return major < 22 || (major === 22 && minor < 12) ? version : undefined;
  } catch {
    return undefined;
  }
}
const oldVersion = readOldVersion();
if (oldVersion === undefined) console.info(`skipped: no Node older than 22.12 at ${OLD_NODE}`);

describe.skipIf(oldVersion === undefined)('bin/kube-aws.js on an old Node', () => {
  it('refuses to start with one line and exit 2, before loading the CLI', () => {
    const run = spawnSync(OLD_NODE, [BIN, 'up', 'examples/cluster.yaml'], { encoding: 'utf8' });

    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `kube-aws: Node.js 22.12 or newer is required (received ${oldVersion}); put Node 22 first on PATH, see README\n`,
    );
  });
});
