/**
 * Timing: every operation is timed on its own with `process.hrtime.bigint()`, after a warm-up, for a fixed time budget
 * (with a floor and a ceiling on the number of operations), so slow and fast paths both get a stable p50/p99 and the
 * whole bench stays within a few minutes.
 */

export interface Budget {
  /** Warm-up time before anything is recorded (JIT, caches, lazily built contexts). */
  warmupMs: number;
  /** Time spent recording. */
  measureMs: number;
  /** Recorded operations at least (even when the budget runs out first). */
  minOps: number;
  /** Recorded operations at most. */
  maxOps: number;
}

export interface Measurement {
  name: string;
  ops: number;
  /** Operations per second of wall time, sequential (one at a time). */
  opsPerSecond: number;
  /** Mean microseconds per operation. */
  meanUs: number;
  p50Us: number;
  p99Us: number;
}

/** An operation under test; `i` counts from 0 across warm-up and measurement, so callers can cycle inputs. */
export type Operation = (i: number) => unknown;

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/**
 * Runs `op` (sync or async) repeatedly, one at a time. An async op is awaited; a sync one is not wrapped in a promise,
 * so the floor is not inflated by microtask scheduling.
 */
export async function measure(name: string, op: Operation, budget: Budget): Promise<Measurement> {
  let i = 0;
  const warmupEnd = process.hrtime.bigint() + BigInt(Math.round(budget.warmupMs * 1e6));
  while (process.hrtime.bigint() < warmupEnd || i < 3) {
    const r = op(i++);
    if (r instanceof Promise) await r;
  }
  (globalThis as { gc?: () => void }).gc?.();

  const samples = new Float64Array(budget.maxOps);
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(budget.measureMs * 1e6));
  while (n < budget.maxOps) {
    const t0 = process.hrtime.bigint();
    const r = op(i++);
    if (r instanceof Promise) await r;
    const t1 = process.hrtime.bigint();
    samples[n++] = Number(t1 - t0) / 1000;
    if (t1 >= end && n >= budget.minOps) break;
  }
  const wallUs = Number(process.hrtime.bigint() - start) / 1000;
  const recorded = samples.subarray(0, n);
  let sum = 0;
  for (const s of recorded) sum += s;
  const sorted = Float64Array.from(recorded).sort();
  return {
    name,
    ops: n,
    opsPerSecond: n / (wallUs / 1e6),
    meanUs: sum / n,
    p50Us: percentile(sorted, 50),
    p99Us: percentile(sorted, 99),
  };
}
