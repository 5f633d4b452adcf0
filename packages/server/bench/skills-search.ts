/**
 * Skills search on the shipped ESCO v1.1.1: index build time and heap, and for typo queries made from alternative
 * labels (one random insertion, deletion, substitution or transposition in a word of 4+ letters, seeded) how often the
 * skill the label belongs to ranks first and in the top 5, with the latency of each search (limit 10).
 * Run with `npm run bench:search [-- --queries 500] [-- --seed 20261130] [-- --repeat 5] [-- --misses]
 * [-- --json FILE]`.
 */
import { writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createSkillIndex } from '@skillproof/skills';
import { evaluateSearch, loadEscoDocuments, typoQueries } from './search-evaluation.js';

const { values: args } = parseArgs({
  options: {
    queries: { type: 'string', default: '500' },
    seed: { type: 'string', default: '20261130' },
    json: { type: 'string' },
    repeat: { type: 'string', default: '5' },
    misses: { type: 'boolean', default: false },
  },
});
const cpus = availableParallelism();
const gc = (globalThis as { gc?: () => void }).gc;

let start = performance.now();
const { docs, skillIds } = await loadEscoDocuments();
const readMs = performance.now() - start;

gc?.();
const heapBefore = process.memoryUsage().heapUsed;
start = performance.now();
const index = createSkillIndex(docs);
const buildMs = performance.now() - start;
gc?.();
const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;

const set = typoQueries(docs, skillIds, { count: Number(args.queries), seed: Number(args.seed) });
const result = evaluateSearch(index, set.queries, { repeat: Number(args.repeat) });
const byId = new Map(docs.map((d) => [d.id, d]));

const ms = (n: number) => `${n.toFixed(2)} ms`;
const pct = (n: number) => `${(100 * n).toFixed(1)} %`;
console.log(`ESCO v1.1.1: ${docs.length} items indexed (${skillIds.size} skills), read in ${ms(readMs)}`);
console.log(`index build ${ms(buildMs)}, heap ${gc ? `${heapMb.toFixed(1)} MiB` : 'n/a (run with --expose-gc)'}`);
console.log(
  `queries: ${set.queries.length} typo'd alternative labels (seed ${args.seed}) out of ${set.eligible} eligible of ` +
    `${set.altLabels}; not used: ${set.skipped.shared} shared by several skills, ${set.skipped.preferredElsewhere} ` +
    `equal to another skill's preferred label, ${set.skipped.ownPreferred} equal to the skill's own preferred label, ` +
    `${set.skipped.noLongWord} without a word of 4+ letters`,
);
console.log(`recall@1 ${pct(result.recallAt1)}, recall@5 ${pct(result.recallAt5)}`);
const load = loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
console.log(`latency (first run) p50 ${ms(result.p50)}, p95 ${ms(result.p95)}, max ${ms(result.max)}`);
const { best } = result;
console.log(`latency (best of ${args.repeat}) p50 ${ms(best.p50)}, p95 ${ms(best.p95)}, max ${ms(best.max)}`);
console.log(`wall-clock timings; load average ${load} on ${cpus} cores`);
if (args.misses) {
  for (const { query, top } of result.misses) {
    console.log(
      `  miss: "${query.query}" (${query.altLabel} → ${byId.get(query.intended)?.label}); top 5:`,
      top.map((id) => byId.get(id)?.label),
    );
  }
}
if (args.json) {
  const { misses, ...summary } = result;
  await writeFile(
    args.json,
    JSON.stringify(
      { items: docs.length, buildMs, heapMb, ...summary, misses: misses.length, skipped: set.skipped },
      null,
      2,
    ),
  );
}
