/**
 * The one place the bench meets batch processing: the CLI's `skillproof sign-batch` / `verify-batch` commands
 * (packages/cli/src/commands/*-batch.ts), called in-process with JSON Lines streams, exactly as the command line runs
 * them, worker pool included. Imported dynamically and typed here by the shape the bench relies on, so the bench
 * keeps type-checking and running (one core, `signCredential` in a loop; all-cores rows n/a) where they are absent.
 */
import { existsSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { signCredential } from '../src/index.js';
import type { Ed25519Key, JsonObject } from '../src/index.js';

export interface BatchIo {
  input: AsyncIterable<Buffer | string>;
  output: Writable;
}

/** The batch commands, by the stable forms of issue 3 (exit 0 when every line was signed / verified). */
export interface BatchCommands {
  signBatch(
    options: { key: string; format: 'di' | 'jwt'; created: string; threads: number },
    io: BatchIo,
  ): Promise<number>;
  verifyBatch(options: { offline: boolean; threads: number }, io: BatchIo): Promise<number>;
}

export type BatchLookup = { commands: BatchCommands } | { commands: undefined; reason: string };

const SIGN_BATCH = new URL('../../cli/src/commands/sign-batch.ts', import.meta.url);
const VERIFY_BATCH = new URL('../../cli/src/commands/verify-batch.ts', import.meta.url);

/** The batch commands when they exist. A module that exists but fails to load is an error, not a fallback. */
export async function findBatchCommands(): Promise<BatchLookup> {
  if (!existsSync(fileURLToPath(SIGN_BATCH)) || !existsSync(fileURLToPath(VERIFY_BATCH))) {
    return {
      commands: undefined,
      reason: 'skillproof sign-batch / verify-batch not found (packages/cli/src/commands/*-batch.ts)',
    };
  }
  const sign = (await import(SIGN_BATCH.href)) as { signBatch?: unknown };
  const verify = (await import(VERIFY_BATCH.href)) as { verifyBatch?: unknown };
  if (typeof sign.signBatch !== 'function' || typeof verify.verifyBatch !== 'function') {
    throw new Error('sign-batch.ts / verify-batch.ts no longer export signBatch / verifyBatch: update bench/batch.ts');
  }
  return {
    commands: {
      signBatch: sign.signBatch as BatchCommands['signBatch'],
      verifyBatch: verify.verifyBatch as BatchCommands['verifyBatch'],
    },
  };
}

/**
 * JSON Lines text, produced lazily in ~64 KB chunks: the batch pulls a chunk only when it wants more lines, so input
 * generation follows the batch's back-pressure instead of filling memory.
 */
export async function* jsonLines(count: number, line: (i: number) => string): AsyncGenerator<string> {
  let chunk = '';
  for (let i = 0; i < count; i++) {
    chunk += line(i) + '\n';
    if (chunk.length >= 1 << 16) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/** The fallback when there is no batch command: `signCredential` one credential at a time, on this thread. */
export async function* signInLoop(
  credentials: Iterable<JsonObject>,
  key: Ed25519Key,
  created: string,
): AsyncGenerator<JsonObject> {
  for (const credential of credentials) yield await signCredential(credential, { key, created });
}
