import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { median } from './bench-support.ts';

/** Heap may drift this much before a rise counts as growth without bound. */
const HEAP_SLACK = { factor: 1.5, bytes: 32 * 2 ** 20 };
const RSS_SLACK = { factor: 1.5, bytes: 96 * 2 ** 20 };
/** Reported for context only: V8 grows and shrinks its reservation with the load. */
const NO_LIMIT = { factor: Number.POSITIVE_INFINITY, bytes: Number.POSITIVE_INFINITY };

let gc: (() => void) | undefined;

/** A full collection before a sample, so the heap figure is what is live, not what is garbage. */
export async function forceGc(): Promise<void> {
  if (gc === undefined) {
    // Exposes `gc` without a command-line flag, so `npm run soak` needs no node options.
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

interface Sample {
  at: number;
  heapUsed: number;
  /** What V8 has reserved for its heap: part of RSS, and it swings with the load. */
  heapTotal: number;
  rss: number;
}

/** Samples heap (after a collection) and RSS on an interval, then compares the thirds. */
export class MemorySampler {
  private readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs: number) {}

  start(): void {
    this.timer = setInterval(() => {
      void forceGc().then(() => {
        const { heapUsed, heapTotal, rss } = process.memoryUsage();
        this.samples.push({ at: Date.now(), heapUsed, heapTotal, rss });
      });
    }, this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  compare(): { summary: string; violations: string[] } {
    const third = Math.floor(this.samples.length / 3);
    if (third < 2) {
      return {
        summary: `memory: ${this.samples.length} samples, too few to compare`,
        violations: [
          `memory must be sampled at least 6 times (received ${this.samples.length}); run longer`,
        ],
      };
    }
    const first = this.samples.slice(0, third);
    const last = this.samples.slice(-third);
    const violations: string[] = [];
    const describe = (
      label: string,
      pick: (sample: Sample) => number,
      slack: typeof HEAP_SLACK,
    ) => {
      const before = median(first.map(pick));
      const after = median(last.map(pick));
      const peak = Math.max(...this.samples.map(pick));
      if (after > before * slack.factor && after - before > slack.bytes) {
        violations.push(
          `${label} must not keep growing (received median ${mib(before)} in the first third, ${mib(after)} in the last)`,
        );
      }
      return `${label} median ${mib(before)} first third, ${mib(after)} last third (${signed(after / before - 1)}), peak ${mib(peak)}`;
    };

    return {
      summary: `memory (${this.samples.length} samples, 1 per ${this.intervalMs / 1000} s, heap after gc): ${describe('heap used', (s) => s.heapUsed, HEAP_SLACK)}; ${describe('heap reserved', (s) => s.heapTotal, NO_LIMIT)}; ${describe('rss', (s) => s.rss, RSS_SLACK)}`,
      violations,
    };
  }
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function signed(fraction: number): string {
  return `${fraction >= 0 ? '+' : ''}${(fraction * 100).toFixed(1)}%`;
}
