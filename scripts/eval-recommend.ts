/**
 * `npm run eval:recommend [-- --json FILE] [--only NAME]`: the guidance evaluations, each a section in
 * scripts/eval/<name>.eval.ts (text → skills, plans, next roles, plan latency), run in name order. Each prints its
 * figures; with --json, all of them are written to FILE as `{ <section>: { <metric>: value } }`.
 */
import { readdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** What an evaluation section module exports. */
export interface EvalSection {
  /** Runs the evaluation; `metrics` go to the JSON, `report` lines to standard output. */
  run(): Promise<{ metrics: Record<string, number | string>; report: string[] }>;
}

const { values: args } = parseArgs({
  options: { json: { type: 'string' }, only: { type: 'string', multiple: true } },
  strict: true,
});

const dir = fileURLToPath(new URL('./eval/', import.meta.url));
const names = (await readdir(dir))
  .filter((f) => f.endsWith('.eval.ts'))
  .map((f) => f.slice(0, -'.eval.ts'.length))
  .filter((name) => !args.only || args.only.includes(name))
  .sort();
if (names.length === 0) throw new Error(`No evaluation sections${args.only ? ` named ${args.only.join(', ')}` : ''}.`);

const results: Record<string, Record<string, number | string>> = {};
for (const name of names) {
  const section = (await import(`./eval/${name}.eval.ts`)) as EvalSection;
  const started = performance.now();
  const { metrics, report } = await section.run();
  results[name] = metrics;
  process.stdout.write(`\n## ${name} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
  for (const line of report) process.stdout.write(`${line}\n`);
}
if (args.json) await writeFile(args.json, `${JSON.stringify(results, null, 2)}\n`);
