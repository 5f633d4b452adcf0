import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { SkillproofError, type Ed25519Key, type ErrorCode, type JsonObject } from '@skillproof/core';
import { inThreadSigner, type CredentialSigner } from '../domains/issuing/issue.js';
import type { Logger } from '../logger.js';

/** A slice of credentials for one worker, with the key's seed (passed in memory, never written anywhere). */
export interface SignRequest {
  id: number;
  key: { id: string; controller: string; seed: Uint8Array };
  created: Date;
  unsigned: JsonObject[];
}

export type SignReply =
  | { ready: true }
  | { id: number; signed: { document: JsonObject; jwt: string }[] }
  | { id: number; error: { message: string; code?: ErrorCode; path?: string } };

/** A {@link CredentialSigner} that spreads large calls over worker threads; {@link close} stops them. */
export interface SignerPool extends CredentialSigner {
  readonly threads: number;
  close(): Promise<void>;
}

export interface SignerPoolOptions {
  /** Worker threads (default: the available cores). Below 2 every call signs in this thread. */
  threads?: number;
  /**
   * Calls with fewer credentials than this sign in this thread: handing a slice to a thread and back costs more than
   * it saves for a handful (measured in the batch benchmarks; see ARCHITECTURE.md, "Bulk issuance").
   */
  minCredentials?: number;
  logger: Logger;
}

interface Thread {
  worker: Worker;
  dead?: Error;
  pending: Map<number, { resolve: (s: { document: JsonObject; jwt: string }[]) => void; reject: (e: Error) => void }>;
}

/**
 * Node 20 cannot load TypeScript in a worker by itself, and tsx's hooks in the main thread do not reach worker
 * threads: each worker starts from this evaluated script, which registers tsx in its own thread and then imports the
 * worker module (the approach of the CLI's batch pool).
 */
function bootstrap(): string {
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./signer-worker.ts', import.meta.url).href;
  return `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
}

/**
 * A signer for bulk issuance: the threads start on the first call large enough to use them (each costs about a second
 * of CPU to start: tsx, core, the JSON-LD contexts) and then live until {@link SignerPool.close}. A call is cut into
 * one contiguous slice per thread and the results come back in input order. Proofs are those of
 * {@link inThreadSigner}, which each worker runs. If the threads cannot start, the pool logs it and signs in this
 * thread.
 *
 * @example
 * ```ts
 * const signer = createSignerPool({ logger });
 * await issueCredentials(tx, deps, { …, signer });
 * await signer.close();
 * ```
 */
export function createSignerPool(options: SignerPoolOptions): SignerPool {
  const threads = options.threads ?? availableParallelism();
  const minCredentials = options.minCredentials ?? 16;
  let started: Promise<Thread[] | undefined> | undefined;
  let closed = false;
  let nextId = 0;

  const start = async (): Promise<Thread[] | undefined> => {
    const code = bootstrap();
    const pool: Thread[] = [];
    try {
      await Promise.all(
        Array.from({ length: threads }, () => {
          const thread: Thread = { worker: new Worker(code, { eval: true }), pending: new Map() };
          pool.push(thread);
          return new Promise<void>((resolve, reject) => {
            thread.worker.on('message', (reply: SignReply) => {
              if ('ready' in reply) return resolve();
              const p = thread.pending.get(reply.id);
              if (!p) return;
              thread.pending.delete(reply.id);
              if ('signed' in reply) p.resolve(reply.signed);
              else if (reply.error.code) {
                p.reject(
                  new SkillproofError(reply.error.code, reply.error.message, {
                    ...(reply.error.path !== undefined && { path: reply.error.path }),
                  }),
                );
              } else p.reject(new Error(`A signing thread failed: ${reply.error.message}`));
            });
            const fail = (error: Error) => {
              reject(error);
              thread.dead ??= error;
              for (const p of thread.pending.values()) p.reject(error);
              thread.pending.clear();
            };
            thread.worker.on('error', fail);
            thread.worker.on('exit', (code) => fail(new Error(`A signing thread stopped (exit code ${code}).`)));
          });
        }),
      );
      return pool;
    } catch (err) {
      await Promise.all(pool.map((t) => t.worker.terminate()));
      options.logger.error({ err }, 'signing threads did not start; signing in the main thread');
      return undefined;
    }
  };

  return {
    threads,
    async sign(unsigned, key, signOptions) {
      if (closed || threads < 2 || unsigned.length < minCredentials) {
        return inThreadSigner.sign(unsigned, key, signOptions);
      }
      const current = (started ??= start());
      let pool = await current;
      if (pool?.some((t) => t.dead)) {
        // A thread died (the slices it held failed with it): a new pool serves this call and the later ones.
        if (started === current) {
          await Promise.all(pool.map((t) => t.worker.terminate()));
          if (started === current) started = start();
        }
        pool = await started;
      }
      if (!pool) return inThreadSigner.sign(unsigned, key, signOptions);
      const wire = wireKey(key);
      const size = Math.ceil(unsigned.length / pool.length);
      const slices = pool.map((thread, i) => {
        const slice = unsigned.slice(i * size, (i + 1) * size);
        if (slice.length === 0) return Promise.resolve([]);
        const id = nextId++;
        return new Promise<{ document: JsonObject; jwt: string }[]>((resolve, reject) => {
          thread.pending.set(id, { resolve, reject });
          thread.worker.postMessage({
            id,
            key: wire,
            created: signOptions.created,
            unsigned: slice,
          } satisfies SignRequest);
        });
      });
      return (await Promise.all(slices)).flat();
    },
    async close() {
      closed = true;
      const pool = await started;
      await Promise.all((pool ?? []).map((t) => t.worker.terminate()));
    },
  };
}

function wireKey(key: Ed25519Key): SignRequest['key'] {
  if (!key.seed) throw new SkillproofError('ERR_KEY_INVALID', 'Signing needs a private key.');
  return { id: key.id, controller: key.controller, seed: key.seed };
}
