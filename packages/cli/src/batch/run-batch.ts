import { runOrderedBatch } from '@skillproof/core';
import type { OrderedBatchStats } from '@skillproof/core';
import type { Writable } from 'node:stream';
import { createLineProcessor } from './line-processor.js';
import type { BatchTask, ChunkOutput } from './line-processor.js';
import { readLines } from './read-lines.js';
import type { BatchLine } from './read-lines.js';
import { startWorkerPool } from './worker-pool.js';

export interface RunBatchOptions {
  task: BatchTask;
  /** 1 processes in this thread (no worker); more starts that many worker threads. */
  threads: number;
  input: AsyncIterable<Buffer | Uint8Array | string>;
  output: Writable;
  /** Lines per message to a worker. Default 64. */
  chunkSize?: number;
  /** Lines read but not yet written. Default 2 × threads × chunkSize: each worker has one chunk queued behind the one it works on. */
  maxInFlight?: number;
  /** Longest line accepted, in bytes. Default 10 MiB. */
  maxLineBytes?: number;
  /**
   * With more than one thread: whether reading waits until every worker is ready (default true; a worker that cannot
   * start is then an error). With false, lines are processed in this thread until the workers are ready (~1.5 s of
   * CPU each here, the time of ~10,000 signatures) and by them after; a batch that ends first stops them unused, so a
   * short batch never pays their start-up.
   */
  waitForWorkers?: boolean;
  /**
   * With `waitForWorkers: false`: milliseconds of work in this thread before the workers start (default 0). On a
   * machine with few cores their start-up competes with the work, so a batch shorter than this never starts them.
   */
  startWorkersAfterMs?: number;
  /** Called once the workers take over (with `waitForWorkers: false`), with the milliseconds since the batch began. */
  onWorkersReady?: (afterMs: number) => void;
}

export interface BatchSummary extends OrderedBatchStats {
  threads: number;
  /** Lines whose output is an error line (sign) or a result with a failed check (verify). */
  failed: number;
  /** Lines verified with nothing failed but something unknown. */
  unknown: number;
  /** Whether worker threads processed any chunk (with `waitForWorkers: false`, a short batch ends before they can). */
  workersUsed: boolean;
}

/** Standard output went away before the batch ended (`… | head`): the command stops quietly with exit 1. */
export class OutputClosedError extends Error {
  override readonly name = 'OutputClosedError';
}

function isClosedOutput(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return e instanceof OutputClosedError || code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

/** Writes and, when the stream's buffer is full, waits for `drain`: the batch stops reading meanwhile. */
export function writeWithBackPressure(output: Writable, text: string): void | Promise<void> {
  if (output.errored) throw output.errored;
  if (output.destroyed || output.writableEnded)
    throw new OutputClosedError('The output was closed before the batch ended.');
  if (output.write(text)) return;
  return new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      output.off('drain', onDrain);
      output.off('error', onError);
      output.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const onError = (e: Error) => done(e);
    const onClose = () => done(new OutputClosedError('The output was closed before the batch ended.'));
    output.on('drain', onDrain);
    output.on('error', onError);
    output.on('close', onClose);
  });
}

/** Runs a JSON Lines batch from `input` to `output`, one output line per input line, in input order. */
export async function runBatch(options: RunBatchOptions): Promise<BatchSummary> {
  const chunkSize = options.chunkSize ?? 64;
  const threads = options.threads;
  const maxInFlight = options.maxInFlight ?? 2 * threads * chunkSize;
  const wait = options.waitForWorkers ?? true;
  let pool = threads > 1 && wait ? await startWorkerPool(options.task, threads) : undefined;
  const local = pool ? undefined : await createLineProcessor(options.task);
  // Workers that start alongside: used once all are ready; stopped if the batch ends first; if they fail, this thread
  // goes on alone.
  const stop = new AbortController();
  const began = performance.now();
  let starting: Promise<void> | undefined;
  const start = () => {
    starting = startWorkerPool(options.task, threads, stop.signal).then(
      (started) => {
        pool = started;
        options.onWorkersReady?.(performance.now() - began);
      },
      (e: unknown) => {
        if (!stop.signal.aborted) console.error(`skillproof: ${String(e)}; going on in one thread.`);
      },
    );
  };
  const timer = threads > 1 && !wait ? setTimeout(start, options.startWorkersAfterMs ?? 0) : undefined;
  let workersUsed = false;
  const process = (lines: BatchLine[], offset: number): Promise<ChunkOutput> => {
    if (!pool) return local!(lines, offset);
    workersUsed = true;
    return pool.run(lines, offset);
  };
  let failed = 0;
  let unknown = 0;
  // Without a listener an EPIPE (the reader went away) would crash the process; the next write reports it instead.
  const ignore = () => {};
  options.output.on('error', ignore);
  try {
    const stats = await runOrderedBatch(readLines(options.input, options.maxLineBytes), {
      chunkSize,
      maxInFlight,
      process,
      write: (out: ChunkOutput) => {
        failed += out.failed;
        unknown += out.unknown;
        return writeWithBackPressure(options.output, out.text);
      },
    });
    return { ...stats, threads, failed, unknown, workersUsed };
  } catch (e) {
    if (isClosedOutput(e)) throw new OutputClosedError('The output was closed before the batch ended.', { cause: e });
    throw e;
  } finally {
    options.output.off('error', ignore);
    clearTimeout(timer);
    stop.abort();
    await starting;
    await pool?.close();
  }
}
