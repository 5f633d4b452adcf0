import { Worker } from 'node:worker_threads';
import type { BatchTask, ChunkOutput } from './line-processor.js';
import type { BatchLine } from './read-lines.js';

/** A chunk sent to a worker. */
export interface WorkerRequest {
  id: number;
  offset: number;
  lines: BatchLine[];
}

/** What a worker sends back: readiness once, then one reply per chunk. */
export type WorkerReply =
  { ready: true } | { fatal: string } | { id: number; output: ChunkOutput } | { id: number; error: string };

/** A fixed set of worker threads, each with the task's processor built once. */
export interface WorkerPool {
  readonly threads: number;
  /** Processes one chunk on the least busy worker. */
  run(lines: BatchLine[], offset: number): Promise<ChunkOutput>;
  /** Stops every worker. */
  close(): Promise<void>;
}

interface Slot {
  worker: Worker;
  busy: number;
  dead?: Error;
}

/**
 * Node 20 cannot load TypeScript in a worker by itself, and module hooks registered in the main thread (tsx's) do not
 * reach worker threads there: `execArgv: ['--import', 'tsx']` still fails with "Unknown file extension .ts". So each
 * worker starts from this small evaluated script, which registers tsx in its own thread and then imports worker.ts.
 * Both are resolved from this file, so it works from the CLI, from vitest, and from any working directory.
 */
function bootstrap(): string {
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./worker.ts', import.meta.url).href;
  return `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
}

/**
 * Starts `threads` workers for a task and resolves once every one has built its processor (so a key that cannot be
 * imported fails here, before any line is read). Aborting `signal` while they start stops them, and rejects.
 */
export async function startWorkerPool(task: BatchTask, threads: number, signal?: AbortSignal): Promise<WorkerPool> {
  const code = bootstrap();
  const slots: Slot[] = [];
  const pending = new Map<number, { slot: Slot; resolve: (o: ChunkOutput) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let closing = false;

  const failSlot = (slot: Slot, error: Error) => {
    if (slot.dead) return;
    slot.dead = error;
    for (const [id, p] of pending) {
      if (p.slot === slot) {
        pending.delete(id);
        p.reject(error);
      }
    }
  };

  const ready = Array.from({ length: threads }, () => {
    const worker = new Worker(code, { eval: true, workerData: { task } });
    const slot: Slot = { worker, busy: 0 };
    slots.push(slot);
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (reply: WorkerReply) => {
        if ('ready' in reply) return resolve();
        if ('fatal' in reply) {
          const error = new Error(`A batch worker could not start: ${reply.fatal}`);
          failSlot(slot, error);
          return reject(error);
        }
        const p = pending.get(reply.id);
        if (!p) return;
        pending.delete(reply.id);
        slot.busy--;
        if ('output' in reply) p.resolve(reply.output);
        else p.reject(new Error(`A batch worker failed: ${reply.error}`));
      });
      worker.on('error', (e) => {
        failSlot(slot, e);
        reject(e);
      });
      worker.on('exit', (code) => {
        const error = new Error(`A batch worker stopped (exit code ${code}).`);
        if (!closing) failSlot(slot, error);
        reject(error);
      });
    });
  });

  const close = async () => {
    closing = true;
    await Promise.all(slots.map((s) => s.worker.terminate()));
  };

  const aborted = new Promise<never>((_, reject) => {
    if (!signal) return;
    const onAbort = () => reject(new Error('The batch ended before its workers started.'));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => {});
  try {
    await Promise.race([Promise.all(ready), aborted]);
  } catch (e) {
    await close();
    throw e;
  }

  return {
    threads,
    close,
    run(lines, offset) {
      let best: Slot | undefined;
      for (const s of slots) if (!s.dead && (!best || s.busy < best.busy)) best = s;
      if (!best) return Promise.reject(slots[0]?.dead ?? new Error('No batch worker is running.'));
      const slot = best;
      const id = nextId++;
      return new Promise<ChunkOutput>((resolve, reject) => {
        pending.set(id, { slot, resolve, reject });
        slot.busy++;
        slot.worker.postMessage({ id, offset, lines } satisfies WorkerRequest);
      });
    },
  };
}
