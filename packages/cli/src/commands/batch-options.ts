import { availableParallelism } from 'node:os';
import type { BatchSummary } from '../batch/run-batch.js';
import { UsageError } from '../io.js';

/** `--threads N`: a whole number from 1 to 256; default: the cores this process may use. */
export function parseThreads(value: unknown): number {
  if (value === undefined) return availableParallelism();
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new UsageError(`--threads takes a whole number from 1 to 256, not ${JSON.stringify(value)}.`);
  }
  return n;
}

/** `--stats`: one JSON object on standard error, for measuring and for tests of the in-flight bound. */
export function reportStats(summary: BatchSummary, startedAt: number): void {
  const seconds = (performance.now() - startedAt) / 1000;
  console.error(
    JSON.stringify({
      ...summary,
      seconds: Number(seconds.toFixed(3)),
      linesPerSecond: Math.round(summary.items / Math.max(seconds, 1e-9)),
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
}
