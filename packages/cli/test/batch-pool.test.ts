import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateEd25519Key, exportEd25519Multikey, verifyCredential } from '@skillproof/core';
import type { JsonObject } from '@skillproof/core';
import { runBatch } from '../src/batch/run-batch.js';
import { readLines } from '../src/batch/read-lines.js';

/** Splits bytes into the given pieces, as a stream would deliver them. */
async function* pieces(bytes: Buffer, cuts: number[]) {
  let at = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)) {
    yield bytes.subarray(at, cut);
    at = cut;
  }
  yield bytes.subarray(at);
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** A consumer that takes one small write at a time, slowly: its buffer is always full. */
function slowWritable(delayMs: number) {
  const chunks: string[] = [];
  const stream = new Writable({
    highWaterMark: 16,
    write(chunk: Buffer, _enc, callback) {
      chunks.push(chunk.toString('utf8'));
      setTimeout(callback, delayMs);
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('readLines', () => {
  it('yields exactly the lines, wherever the stream cuts the bytes (UTF-8 split mid-character, CRLF, no final break)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.string({ unit: 'grapheme' }).filter((s) => !/[\r\n]/.test(s)),
          { maxLength: 20 },
        ),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.boolean(),
        fc.boolean(),
        async (lines, cuts, crlf, finalBreak) => {
          const text = lines.join(crlf ? '\r\n' : '\n') + (finalBreak && lines.length > 0 ? '\n' : '');
          const got = await collect(readLines(pieces(Buffer.from(text, 'utf8'), cuts)));
          // A last empty line without a break is no line at all.
          const expected = !finalBreak && lines.at(-1) === '' ? lines.slice(0, -1) : lines;
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('replaces a line over the limit by its size, keeps the lines around it, and drops a leading BOM', async () => {
    const text = '\uFEFFfirst\n' + 'x'.repeat(100) + '\nlast';
    const got = await collect(readLines(pieces(Buffer.from(text), [3, 20, 50, 90]), 64));
    expect(got).toEqual(['first', { tooLarge: 100, limit: 64 }, 'last']);
  });
});

describe('runBatch with workers starting alongside (waitForWorkers: false, the CLI default)', () => {
  const lines = (n: number) =>
    Array.from({ length: n }, (_, i) => JSON.stringify({ n: i, s: 'é'.repeat(i % 5) }) + '\n');

  it('ends a short batch in this thread and stops the workers that were starting', async () => {
    const input = lines(300);
    const out = slowWritable(0);
    let ready = false;
    const summary = await runBatch({
      task: { kind: 'echo' },
      threads: 2,
      waitForWorkers: false,
      onWorkersReady: () => (ready = true),
      input: (async function* () {
        yield* input;
      })(),
      output: out.stream,
    });
    expect(out.text()).toBe(input.join(''));
    expect(summary).toMatchObject({ items: 300, threads: 2, workersUsed: false });
    expect(ready).toBe(false);
    // With a start delay longer than the batch, the workers never start at all.
    const late = await runBatch({
      task: { kind: 'echo' },
      threads: 2,
      waitForWorkers: false,
      startWorkersAfterMs: 60_000,
      onWorkersReady: () => (ready = true),
      input: (async function* () {
        yield* input;
      })(),
      output: slowWritable(0).stream,
    });
    expect(late).toMatchObject({ items: 300, workersUsed: false });
    expect(ready).toBe(false);
  });

  it('moves a long batch to the workers once they are ready, keeping input order', async () => {
    const input = lines(200_000);
    let ready = false;
    let readyAt = -1;
    let yielded = 0;
    // The source slows down until the workers have taken over, then hands over the rest at once.
    const source = (async function* () {
      for (let i = 0; i < input.length; i++) {
        if (!ready && i % 50 === 0) await new Promise((r) => setTimeout(r, 2));
        if (ready && readyAt < 0) readyAt = i;
        yielded++;
        yield input[i]!;
      }
    })();
    const out = slowWritable(0);
    const summary = await runBatch({
      task: { kind: 'echo' },
      threads: 2,
      waitForWorkers: false,
      onWorkersReady: () => (ready = true),
      input: source,
      output: out.stream,
    });
    expect(yielded).toBe(200_000);
    // Workers started after some lines went through this thread, and took the lines after.
    expect(readyAt).toBeGreaterThan(0);
    expect(summary).toMatchObject({ items: 200_000, threads: 2, workersUsed: true });
    expect(out.text()).toBe(input.join(''));
  });
});

describe('runBatch through worker threads', () => {
  it('keeps input order over 5,000 lines and 2 workers, and a slow consumer holds the lines in flight to the bound', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ n: i, s: 'é€😀'.repeat(i % 7) }));
    const input = lines.map((l) => l + '\n');
    let pulled = 0;
    let handedOver = 0;
    let worstGap = 0;
    const out = slowWritable(0);
    const origWrite = out.stream.write.bind(out.stream);
    out.stream.write = ((chunk: string, ...rest: never[]) => {
      handedOver += chunk.split('\n').length - 1;
      return origWrite(chunk, ...rest);
    }) as typeof out.stream.write;
    const source = (async function* () {
      for (const l of input) {
        pulled++;
        worstGap = Math.max(worstGap, pulled - handedOver);
        yield l;
      }
    })();
    const summary = await runBatch({
      task: { kind: 'echo' },
      threads: 2,
      chunkSize: 16,
      maxInFlight: 64,
      input: source,
      output: out.stream,
    });
    expect(out.text()).toBe(input.join(''));
    expect(summary).toMatchObject({ items: 5000, threads: 2, maxInFlight: 64, failed: 0, unknown: 0 });
    // The bound was reached (the consumer was the bottleneck) and never exceeded, by the batch's own count and by the
    // source's: at most one line is read ahead of the bound (the line that waits to be split off its chunk).
    expect(summary.peakInFlight).toBe(64);
    expect(worstGap).toBeLessThanOrEqual(64 + 1);
  });

  it('signs the same bytes in one thread and in two, and every credential verifies', async () => {
    const key = generateEd25519Key();
    const keyJson = exportEd25519Multikey(key, { includeSecret: true }) as unknown as JsonObject;
    const unsigned = Array.from({ length: 40 }, (_, i) =>
      JSON.stringify({
        '@context': [
          'https://www.w3.org/ns/credentials/v2',
          'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
        ],
        id: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        type: ['VerifiableCredential', 'OpenBadgeCredential'],
        issuer: { id: key.controller, type: ['Profile'], name: 'Example University' },
        validFrom: '2025-01-01T00:00:00Z',
        credentialSubject: {
          type: ['AchievementSubject'],
          achievement: {
            id: 'https://example.edu/achievements/a',
            type: ['Achievement'],
            name: `Skill ${i}`,
            description: 'd',
            criteria: { narrative: 'n' },
          },
        },
      }),
    );
    const task = { kind: 'sign', key: keyJson, format: 'di', created: '2025-01-01T00:00:00Z' } as const;
    const texts: string[] = [];
    for (const threads of [1, 2]) {
      const out = slowWritable(0);
      const summary = await runBatch({
        task,
        threads,
        chunkSize: 8,
        input: (async function* () {
          yield unsigned.join('\n');
        })(),
        output: out.stream,
      });
      expect(summary).toMatchObject({ items: 40, failed: 0, threads });
      texts.push(out.text());
    }
    expect(texts[1]).toBe(texts[0]);
    const signed = texts[0]!.trimEnd().split('\n');
    expect(signed).toHaveLength(40);
    for (const [i, line] of signed.entries()) {
      const credential = JSON.parse(line) as JsonObject;
      expect(credential.id).toBe(JSON.parse(unsigned[i]!).id);
      if (i % 8 === 0) expect((await verifyCredential(credential)).verified).toBe(true);
    }
  });
});
