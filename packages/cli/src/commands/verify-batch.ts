import type { Writable } from 'node:stream';
import type { BatchTask } from '../batch/line-processor.js';
import { parseThreads, runBatchCommand } from './batch-options.js';
import { EXIT } from './verify.js';

export interface VerifyBatchOptions {
  offline?: boolean;
  threads?: string | number;
  stats?: boolean;
}

/**
 * `skillproof verify-batch [--offline] [--threads N] < signed.jsonl > results.jsonl`
 *
 * One `{"verified","checks"}` line per input line, in input order, the checks as `skillproof verify --json` prints
 * them. A line may be a JSON credential, a VC-JWT as a JSON string (what sign-batch writes) or a bare compact JWT;
 * anything else (blank, not JSON) is a result whose `format` check failed. Exit 0 when every line verified, 1 when any
 * check failed, 3 when none failed but some could not be made, 2 on usage errors.
 */
export async function verifyBatch(
  options: VerifyBatchOptions,
  io: { input: AsyncIterable<Buffer | string>; output: Writable } = {
    input: process.stdin,
    output: process.stdout,
  },
): Promise<number> {
  const startedAt = performance.now();
  const threads = parseThreads(options.threads);
  const task: BatchTask = { kind: 'verify', offline: options.offline === true };
  const summary = await runBatchCommand(task, { count: threads, given: options.threads !== undefined }, io, {
    enabled: options.stats === true,
    startedAt,
  });
  if (!summary) return EXIT.failed;
  if (summary.failed > 0) return EXIT.failed;
  return summary.unknown > 0 ? EXIT.unknown : EXIT.verified;
}
