import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pollUntil, spawnNode } from './cli-process.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURE = path.join(REPO_ROOT, 'test/fixtures/cli/await-interruptions.ts');

/**
 * A command interrupted once records what it cut short; a second signal meanwhile ends it at
 * once, and says what that leaves, instead of vanishing without a word.
 */
describe.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)('a second %s while a command handles the first', (signal, code) => {
  it(`ends the process with ${code} and one line on stderr`, async () => {
    const run = spawnNode(['--import', 'tsx', FIXTURE], {});
    try {
      await pollUntil('the watch', async () =>
        run.stdout().includes('watching') ? true : undefined,
      );
      run.child.kill(signal);
      await pollUntil('the first signal', async () =>
        run.stdout().includes(`first ${signal}`) ? true : undefined,
      );
      run.child.kill(signal);

      expect(await run.exited).toBe(code);
      expect(run.stderr()).toBe(
        `kube-aws: stopped at once by a second ${signal}; a run this process was running and had not yet recorded stays RUNNING until the next backend start on its state dir records it FAILED (interrupted)\n`,
      );
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});
