import type { Writable } from 'node:stream';
import type { JsonValue } from '@skillproof/core';
import { importTaskKey } from '../batch/line-processor.js';
import type { BatchTask } from '../batch/line-processor.js';
import { readJson, UsageError } from '../io.js';
import { parseThreads, runBatchCommand } from './batch-options.js';
import { EXIT } from './verify.js';

export interface SignBatchOptions {
  key?: string;
  format?: string;
  created?: string;
  threads?: string | number;
  stats?: boolean;
}

// XSD dateTimeStamp (VC Data Integrity §2.1 `created`): a date, a time and a timezone.
const DATE_TIME_STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * `skillproof sign-batch --key key.json [--format di|jwt] [--created ISO] [--threads N] < unsigned.jsonl > signed.jsonl`
 *
 * One output line per input line, in input order: the signed credential as JSON (di), or the VC-JWT as a JSON string
 * (jwt), or `{"error":{"code","message","line"[,"path"]}}` for a line that could not be signed (blank, not JSON, not an
 * object, or refused by the signer). Exit 0 when every line was signed, 1 when any was not, 2 on usage errors.
 */
export async function signBatch(
  options: SignBatchOptions,
  io: { input: AsyncIterable<Buffer | string>; output: Writable } = {
    input: process.stdin,
    output: process.stdout,
  },
): Promise<number> {
  const startedAt = performance.now();
  if (!options.key) throw new UsageError('--key <key.json> is required.');
  const format = options.format ?? 'di';
  if (format !== 'di' && format !== 'jwt') {
    throw new UsageError(`Unknown --format ${JSON.stringify(format)}: use di or jwt.`);
  }
  const threads = parseThreads(options.threads);
  const created = options.created ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (!DATE_TIME_STAMP.test(created) || Number.isNaN(Date.parse(created))) {
    throw new UsageError(
      `--created ${JSON.stringify(created)} is not a date-time with a timezone (2025-01-01T00:00:00Z).`,
    );
  }
  const task: BatchTask = { kind: 'sign', key: (await readJson(options.key)) as JsonValue, format, created };
  // Imported here too, so that a bad key is one error before any line is read, not one per line or per worker.
  await importTaskKey(task);
  const summary = await runBatchCommand(task, { count: threads, given: options.threads !== undefined }, io, {
    enabled: options.stats === true,
    startedAt,
  });
  if (!summary) return EXIT.failed;
  return summary.failed > 0 ? EXIT.failed : EXIT.verified;
}
