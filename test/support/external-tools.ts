import { spawnSync } from 'node:child_process';

/**
 * Whether an external tool (moto_server, cfn-lint, shellcheck, openssl...) is on PATH. In CI a
 * missing tool is a failure with a clear message; elsewhere the suite is skipped with a notice.
 */
export function requireTool(command: string, probeArgs: string[] = ['--version']): boolean {
  const probe = spawnSync(command, probeArgs, { stdio: 'ignore' });
  if (probe.error === undefined) return true;

  const message = `${command} is not installed; install it to run the tests that need it`;
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true makes this a failure)`);
  console.warn(`NOTICE: skipping tests: ${message}`);

  return false;
}
