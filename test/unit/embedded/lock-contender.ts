// A separate process contending for a state dir lock, driven line by line over stdin:
// `lock <dir>` answers `held` or `busy <message>`, `release` answers `released`.
import { createInterface } from 'node:readline';
import { lockStateDir } from '../../../embedded/state-dir-lock.ts';

let release: (() => Promise<void>) | undefined;

for await (const line of createInterface({ input: process.stdin })) {
  if (line.startsWith('lock ')) {
    try {
      release = await lockStateDir(line.slice('lock '.length));
      process.stdout.write('held\n');
    } catch (error: unknown) {
      process.stdout.write(`busy ${error instanceof Error ? error.message : String(error)}\n`);
    }
  } else if (line === 'release') {
    await release?.();
    release = undefined;
    process.stdout.write('released\n');
  }
}
