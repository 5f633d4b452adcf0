import { availableParallelism } from 'node:os';
import type { Writable } from 'node:stream';
import type { BatchTask } from '../batch/line-processor.js';
import { OutputClosedError, runBatch } from '../batch/run-batch.js';
import type { BatchSummary } from '../batch/run-batch.js';
import { UsageError } from '../io.js';

/** By default, the milliseconds a batch runs in one thread before its workers start (see runBatchCommand). */
const DEFAULT_WORKER_DELAY_MS = 1_000;

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
  threads: { count: number; given: boolean },
  io: { input: AsyncIterable<Buffer | string>; output: Writable },
  stats: { enabled: boolean; startedAt: number },
): Promise<BatchSummary | undefined> {
  let summary: BatchSummary;
  try {
    // `--threads N` waits for its workers. By default they start after a second of work in this thread, and take over
    // once ready: a short batch never pays their start-up, which on two cores cost a 5,000-line batch 60 % more time.
    summary = await runBatch({
      task,
      threads: threads.count,
      waitForWorkers: threads.given,
      startWorkersAfterMs: DEFAULT_WORKER_DELAY_MS,
      input: io.input,
      output: io.output,
    });
  } catch (e) {
    if (!(e instanceof OutputClosedError)) throw e;
    console.error(`skillproof: ${e.message}`);
    return undefined;
  }
  if (stats.enabled) reportStats(summary, stats.startedAt);
  return summary;
}
