import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runOrderedBatch } from '../src/index.js';
import type { BatchChunk } from '../src/index.js';

/** Lets `n` rounds of the microtask queue pass: chunks finish in an order the generator chooses. */
async function ticks(n: number) {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

describe('runOrderedBatch', () => {
  it('writes every result in input order, whatever order chunks finish in, and never holds more than the bound', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer(), { maxLength: 300 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 80 }),
        fc.array(fc.nat(40), { minLength: 1, maxLength: 50 }),
        fc.array(fc.nat(5), { minLength: 1, maxLength: 50 }),
        async (input, chunkSize, maxInFlight, processDelays, writeDelays) => {
          let pulled = 0;
          let written = 0;
          let worstGap = 0;
          function* source() {
            for (const x of input) {
              pulled++;
              // Measured by the source itself, independently of the batch's own counter.
              worstGap = Math.max(worstGap, pulled - written);
              yield x;
            }
          }
          const out: number[] = [];
          const chunks: BatchChunk[] = [];
          let calls = 0;
          const stats = await runOrderedBatch(source(), {
            chunkSize,
            maxInFlight,
            process: async (items: number[], offset) => {
              await ticks(processDelays[calls++ % processDelays.length]!);
              return items.map((x, i) => ({ x: x * 2, index: offset + i }));
            },
            write: async (result, chunk) => {
              await ticks(writeDelays[chunks.length % writeDelays.length]!);
              chunks.push(chunk);
              for (const r of result) out.push(r.x, r.index);
              written += chunk.size;
            },
          });
          expect(out).toEqual(input.flatMap((x, i) => [x * 2, i]));
          expect(stats.items).toBe(input.length);
          expect(stats.chunks).toBe(chunks.length);
          expect(stats.maxInFlight).toBe(maxInFlight);
          expect(stats.peakInFlight).toBeLessThanOrEqual(maxInFlight);
          expect(worstGap).toBeLessThanOrEqual(maxInFlight);
          // Chunks tile the input: each starts where the previous ended, none is larger than the chunk size or the bound.
          let next = 0;
          for (const c of chunks) {
            expect(c.offset).toBe(next);
            expect(c.size).toBeGreaterThan(0);
            expect(c.size).toBeLessThanOrEqual(Math.min(chunkSize, maxInFlight));
            next += c.size;
          }
          expect(next).toBe(input.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads nothing more while a slow writer holds the bound, and fills it while waiting', async () => {
    let pulled = 0;
    let release: (() => void) | undefined;
    let firstWrite = true;
    const source = (async function* () {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield i;
      }
    })();
    const run = runOrderedBatch(source, {
      chunkSize: 10,
      maxInFlight: 40,
      process: async (items: number[]) => items,
      write: (): Promise<void> | void => {
        if (!firstWrite) return;
        firstWrite = false;
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The first write is stuck: exactly the bound was read, no more.
    expect(pulled).toBe(40);
    release!();
    const stats = await run;
    expect(stats).toEqual({ items: 1000, chunks: 100, peakInFlight: 40, maxInFlight: 40 });
  });

  it('rejects with the first error of process, write or the source, and stops reading', async () => {
    let pulled = 0;
    const many = function* () {
      for (let i = 0; i < 10_000; i++) {
        pulled++;
        yield i;
      }
    };
    const boom = new Error('process failed');
    await expect(
      runOrderedBatch(many(), {
        chunkSize: 8,
        process: async (items: number[], offset) => {
          if (offset === 16) throw boom;
          return items;
        },
        write: () => {},
      }),
    ).rejects.toBe(boom);
    expect(pulled).toBeLessThan(100);

    pulled = 0;
    const writeError = new Error('write failed');
    await expect(
      runOrderedBatch(many(), {
        chunkSize: 8,
        process: async (items: number[]) => items,
        write: (_r, chunk) => {
          if (chunk.offset === 8) throw writeError;
        },
      }),
    ).rejects.toBe(writeError);
    expect(pulled).toBeLessThan(100);

    const sourceError = new Error('source failed');
    const failing = (async function* () {
      yield 1;
      throw sourceError;
    })();
    await expect(runOrderedBatch(failing, { process: async (items: number[]) => items, write: () => {} })).rejects.toBe(
      sourceError,
    );

    // A process that throws synchronously is a rejection too, not an escape.
    await expect(
      runOrderedBatch([1, 2, 3], {
        process: () => {
          throw boom;
        },
        write: () => {},
      }),
    ).rejects.toBe(boom);
  });

  it('an empty source writes nothing; a bound smaller than the chunk size shrinks the chunks', async () => {
    const writes: BatchChunk[] = [];
    expect(
      await runOrderedBatch([], { process: async (items: number[]) => items, write: (_r, c) => void writes.push(c) }),
    ).toEqual({ items: 0, chunks: 0, peakInFlight: 0, maxInFlight: 128 });
    expect(writes).toEqual([]);

    const stats = await runOrderedBatch([1, 2, 3, 4, 5], {
      chunkSize: 64,
      maxInFlight: 2,
      process: async (items: number[]) => items,
      write: (_r, c) => void writes.push(c),
    });
    expect(stats.peakInFlight).toBe(2);
    expect(writes.map((c) => c.size)).toEqual([2, 2, 1]);
  });

  it('refuses options that are not positive integers, or missing functions (TypeError)', async () => {
    const ok = { process: async (items: number[]) => items, write: () => {} };
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(runOrderedBatch([1], { ...ok, chunkSize: bad })).rejects.toBeInstanceOf(TypeError);
      await expect(runOrderedBatch([1], { ...ok, maxInFlight: bad })).rejects.toBeInstanceOf(TypeError);
    }
    await expect(
      runOrderedBatch([1], { write: () => {} } as unknown as Parameters<typeof runOrderedBatch>[1]),
    ).rejects.toBeInstanceOf(TypeError);
  });
});
