import { runOrderedBatch } from '@skillproof/core';
import type { OrderedBatchStats } from '@skillproof/core';
import type { Writable } from 'node:stream';
import { createLineProcessor } from './line-processor.js';
import type { BatchTask, ChunkOutput } from './line-processor.js';
import { readLines } from './read-lines.js';
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
}

export interface BatchSummary extends OrderedBatchStats {
  threads: number;
  /** Lines whose output is an error line (sign) or a result with a failed check (verify). */
  failed: number;
  /** Lines verified with nothing failed but something unknown. */
  unknown: number;
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
  const pool = threads > 1 ? await startWorkerPool(options.task, threads) : undefined;
  const process = pool ? pool.run : await createLineProcessor(options.task);
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
    return { ...stats, threads, failed, unknown };
  } catch (e) {
    if (isClosedOutput(e)) throw new OutputClosedError('The output was closed before the batch ended.', { cause: e });
    throw e;
  } finally {
    options.output.off('error', ignore);
    await pool?.close();
  }
}
