/**
 * An ordered, bounded batch: items are read from a source, grouped into chunks, processed concurrently by whatever
 * `process` dispatches to (worker threads in Node, Web Workers in a browser, or the current thread), and handed to
 * `write` strictly in input order. Nothing here touches a thread or a stream, so core stays free of I/O.
 */

/** One chunk's place in the input: the index of its first item (0-based) and how many items it holds. */
export interface BatchChunk {
  offset: number;
  size: number;
}

export interface OrderedBatchOptions<I, R> {
  /**
   * Processes one chunk (the items, and the index of the first in the whole input) into one result. Several chunks are
   * processed at once, as many as `maxInFlight` allows; a rejection ends the batch. Per-item problems belong in the
   * result, not in a rejection.
   */
  process: (items: I[], offset: number) => Promise<R>;
  /**
   * Receives each chunk's result, in input order, one call at a time. Returning a promise (for example one that waits
   * for a stream's `drain`) holds the batch: nothing more is read while `maxInFlight` items wait to be written.
   */
  write: (result: R, chunk: BatchChunk) => void | Promise<void>;
  /** Items per chunk: each call of `process` amortises its dispatch cost over this many. Default 64. */
  chunkSize?: number;
  /** Items read but not yet written (being processed, or waiting for an earlier chunk, or for `write`). Default 2 × chunkSize. */
  maxInFlight?: number;
}

export interface OrderedBatchStats {
  /** Items read from the source. */
  items: number;
  /** Chunks processed. */
  chunks: number;
  /** The most items that were in flight at once: never more than `maxInFlight`. */
  peakInFlight: number;
  /** The bound in force. */
  maxInFlight: number;
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`${name} must be a positive integer.`);
  return value;
}

/**
 * Runs a batch in input order with bounded memory: at most `maxInFlight` items are held between reading and writing,
 * and a slow `write` pauses reading. Resolves with the batch's statistics once every result has been written; rejects
 * with the first error of the source, of `process` or of `write` (items not yet written are then dropped).
 *
 * @example
 * ```ts
 * const stats = await runOrderedBatch(lines, {
 *   chunkSize: 64,
 *   maxInFlight: 2 * threads * 64,
 *   process: (chunk, offset) => pool.run(chunk, offset),
 *   write: (text) => writeWithDrain(process.stdout, text),
 * });
 * ```
 */
export async function runOrderedBatch<I, R>(
  source: AsyncIterable<I> | Iterable<I>,
  options: OrderedBatchOptions<I, R>,
): Promise<OrderedBatchStats> {
  if (!options || typeof options.process !== 'function' || typeof options.write !== 'function') {
    throw new TypeError('runOrderedBatch needs options.process and options.write.');
  }
  const chunkSize0 = positiveInteger(options.chunkSize, 64, 'chunkSize');
  const maxInFlight = positiveInteger(options.maxInFlight, 2 * chunkSize0, 'maxInFlight');
  // A chunk larger than the bound could never be dispatched.
  const chunkSize = Math.min(chunkSize0, maxInFlight);

  const stats: OrderedBatchStats = { items: 0, chunks: 0, peakInFlight: 0, maxInFlight };
  let inFlight = 0;
  let dispatched = 0; // chunks handed to `process`
  let written = 0; // chunks handed to `write` and settled
  let writing = false;
  let failure: { error: unknown } | undefined;
  const finished = new Map<number, { result: R; chunk: BatchChunk }>();

  // The reader sleeps here when the bound is reached, and wakes whenever a chunk is written or the batch fails.
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const changed = () => new Promise<void>((resolve) => (wake = resolve));
  const fail = (error: unknown) => {
    failure ??= { error };
    notify();
  };

  const pump = async () => {
    if (writing) return;
    writing = true;
    try {
      for (let next = finished.get(written); next && !failure; next = finished.get(written)) {
        finished.delete(written);
        await options.write(next.result, next.chunk);
        written++;
        inFlight -= next.chunk.size;
        notify();
      }
    } catch (e) {
      fail(e);
    } finally {
      writing = false;
    }
  };

  let pending: I[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const items = pending;
    pending = [];
    const seq = dispatched++;
    const chunk = { offset: stats.items - items.length, size: items.length };
    stats.chunks++;
    let promise: Promise<R>;
    try {
      promise = Promise.resolve(options.process(items, chunk.offset));
    } catch (e) {
      promise = Promise.reject(e);
    }
    promise.then(
      (result) => {
        finished.set(seq, { result, chunk });
        void pump();
      },
      (e: unknown) => fail(e),
    );
  };

  try {
    for await (const item of source as AsyncIterable<I>) {
      if (failure) break;
      pending.push(item);
      stats.items++;
      inFlight++;
      if (inFlight > stats.peakInFlight) stats.peakInFlight = inFlight;
      if (pending.length >= chunkSize) flush();
      while (inFlight >= maxInFlight && !failure) {
        flush();
        await changed();
      }
      if (failure) break;
    }
  } catch (e) {
    fail(e);
  }
  if (!failure) flush();
  while (written < dispatched && !failure) await changed();
  if (failure) throw failure.error;
  return stats;
}
