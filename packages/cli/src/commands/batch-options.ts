import { availableParallelism } from 'node:os';
import type { Writable } from 'node:stream';
import type { BatchTask } from '../batch/line-processor.js';
import { OutputClosedError, runBatch } from '../batch/run-batch.js';
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

/**
 * Runs a batch command to the end and prints its stats when asked. A reader that went away (`| head`) ends it with one
 * line on stderr and `undefined`, never an EPIPE crash.
 */
export async function runBatchCommand(
  task: BatchTask,
  threads: number,
  io: { input: AsyncIterable<Buffer | string>; output: Writable },
  stats: { enabled: boolean; startedAt: number },
): Promise<BatchSummary | undefined> {
  let summary: BatchSummary;
  try {
    summary = await runBatch({ task, threads, input: io.input, output: io.output });
  } catch (e) {
    if (!(e instanceof OutputClosedError)) throw e;
    console.error(`skillproof: ${e.message}`);
    return undefined;
  }
  if (stats.enabled) reportStats(summary, stats.startedAt);
  return summary;
}
