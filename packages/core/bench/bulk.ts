/**
 * The 100,000-credential run, in a process of its own (forked by run.ts) so that its peak RSS is its own, worker
 * threads included: JSON Lines text in → parse → sign (eddsa-rdfc-2022) → serialize → JSON Lines file out, streamed
 * with back-pressure, distinct credentials (id and subject vary per line). Through `skillproof sign-batch` on all
 * cores when it exists, otherwise `signCredential` in a loop on one core (see batch.ts). Reports wall seconds,
 * `process.resourceUsage().maxRSS`, and the proofValues of sampled lines, which the parent checks against the
 * reference library.
 *
 * Usage (normally through run.ts): node --import tsx packages/core/bench/bulk.ts N OUT_FILE SAMPLE_EVERY
 */
import { createReadStream, createWriteStream, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { exportEd25519Multikey } from '../src/index.js';
import type { JsonObject } from '../src/index.js';
import { findBatchCommands, jsonLines, signInLoop } from './batch.js';
import { benchCredentials, benchKey, CREATED, proofValueOf, variantId } from './credentials.js';

export interface BulkResult {
  n: number;
  seconds: number;
  peakRssMb: number;
  outputBytes: number;
  threads: number;
  signer: string;
  samples: Array<{ i: number; proofValue: string }>;
}

/** Input lines as a producer would hand them over: the template's JSON text with this line's id and subject. */
export function lineMaker(template: (i: number) => JsonObject): (i: number) => string {
  const probe = 0x7fffffff;
  const text = JSON.stringify(template(probe));
  const markers = [variantId(probe), `did:example:learner-${probe}`];
  if (markers.some((m) => text.split(m).length !== 2)) throw new Error('bulk: the template must hold each marker once');
  const at = markers.map((m) => ({ m, index: text.indexOf(m) })).sort((a, b) => a.index - b.index);
  const [first, second] = at as [{ m: string; index: number }, { m: string; index: number }];
  const p0 = text.slice(0, first.index);
  const p1 = text.slice(first.index + first.m.length, second.index);
  const p2 = text.slice(second.index + second.m.length);
  const value = (m: string, i: number) => (m === markers[0] ? variantId(i) : `did:example:learner-${i}`);
  return (i) => p0 + value(first.m, i) + p1 + value(second.m, i) + p2;
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function main(): Promise<void> {
  const [nArg, out, everyArg] = process.argv.slice(2);
  const n = Number(nArg);
  const every = Number(everyArg);
  if (!Number.isInteger(n) || n <= 0 || !out || !Number.isInteger(every) || every <= 0) {
    throw new Error('usage: bulk.ts N OUT_FILE SAMPLE_EVERY');
  }
  const key = benchKey();
  const line = lineMaker(benchCredentials(key)[0]!.make);
  const batch = await findBatchCommands();
  const threads = batch.commands ? availableParallelism() : 1;
  const sink = createWriteStream(out);
  const progressEvery = Math.max(1, Math.floor(n / 10));

  const start = process.hrtime.bigint();
  if (batch.commands) {
    const keyFile = `${out}.key.json`;
    writeFileSync(keyFile, JSON.stringify(exportEd25519Multikey(key, { includeSecret: true })), { mode: 0o600 });
    const code = await batch.commands.signBatch(
      { key: keyFile, format: 'di', created: CREATED, threads },
      { input: jsonLines(n, line), output: sink },
    );
    if (code !== 0) throw new Error(`sign-batch exited with ${code}`);
    sink.end();
  } else {
    let chunk = '';
    let i = 0;
    function* input(): Iterable<JsonObject> {
      for (let j = 0; j < n; j++) yield JSON.parse(line(j)) as JsonObject;
    }
    for await (const signed of signInLoop(input(), key, CREATED)) {
      chunk += JSON.stringify(signed) + '\n';
      if (chunk.length >= 1 << 16) {
        if (!sink.write(chunk)) await once(sink, 'drain');
        chunk = '';
      }
      if (++i % progressEvery === 0) {
        process.stderr.write(
          `  bulk: ${i.toLocaleString('en')} / ${n.toLocaleString('en')}, ${seconds(start).toFixed(1)} s\n`,
        );
      }
    }
    sink.end(chunk);
  }
  await once(sink, 'finish');
  const wall = seconds(start);
  // maxRSS is in kilobytes (getrusage ru_maxrss); taken before reading the output back, which is not part of the run.
  const peakRssMb = process.resourceUsage().maxRSS / 1024;

  // Read back: one signed credential per input line, in input order; sampled proofValues for the parent to compare.
  const samples: BulkResult['samples'] = [];
  let lines = 0;
  for await (const text of createInterface({ input: createReadStream(out), crlfDelay: Infinity })) {
    const i = lines++;
    if (i % every !== 0 && i !== n - 1) continue;
    const signed = JSON.parse(text) as JsonObject;
    if (signed.id !== variantId(i))
      throw new Error(`bulk: output line ${i + 1} is not credential ${i} (out of order?)`);
    samples.push({ i, proofValue: proofValueOf(signed) });
  }
  if (lines !== n) throw new Error(`bulk: ${lines} lines written, expected ${n}`);

  const result: BulkResult = {
    n,
    seconds: wall,
    peakRssMb,
    outputBytes: sink.bytesWritten,
    threads,
    signer: batch.commands ? 'skillproof sign-batch (in-process)' : `signCredential loop (${batch.reason})`,
    samples,
  };
  process.send?.(result);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
