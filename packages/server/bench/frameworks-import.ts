/**
 * Import speed of the shipped frameworks (ESCO 1.1.1, O*NET 29.2) into a fresh PGlite database in a temporary folder
 * and, with TEST_DATABASE_URL (or DATABASE_URL), into a fresh PostgreSQL schema: the first import, a re-import the
 * content hash stops, and a forced re-import that reads and compares every row. Prints wall seconds, this process's
 * CPU seconds (PGlite runs in it; on a shared machine the wall clock also measures the neighbours) and records per
 * second. Run with `npm run bench:import [-- --json FILE]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { dropSchema, migrateToLatest, openDatabase } from '../src/index.js';
import { importFramework } from '../src/domains/frameworks/importer.js';
import { readEsco } from '../src/domains/frameworks/sources/esco.js';
import { readOnet } from '../src/domains/frameworks/sources/onet.js';
import type { FrameworkSource } from '../src/domains/frameworks/sources/model.js';

const { values: args } = parseArgs({ options: { json: { type: 'string' } } });
const url = process.env['TEST_DATABASE_URL'] ?? process.env['DATABASE_URL'];
const data = (name: string) => fileURLToPath(new URL(`../data/${name}`, import.meta.url));
const FRAMEWORKS: [string, () => FrameworkSource | Promise<FrameworkSource>][] = [
  ['esco', () => readEsco(data('esco-1.1.1'))],
  ['onet', () => readOnet(data('onet-29.2'))],
];
const RUNS = [
  ['first', false],
  ['re-import', false],
  ['forced', true],
] as const;

interface Measure {
  wallSeconds: number;
  cpuSeconds: number;
  records: number;
  recordsPerSecond: number;
  inserted: number;
}
const results: Record<string, Record<string, Record<string, Measure>>> = {};

for (const target of url ? ['pglite', 'postgres'] : ['pglite']) {
  const dir = target === 'pglite' ? mkdtempSync(join(tmpdir(), 'skillproof-bench-import-')) : undefined;
  const schema = `bench_import_${Date.now().toString(36)}`;
  const database = await openDatabase(target === 'postgres' ? { url, schema } : { dataDir: join(dir!, 'pglite') });
  try {
    await migrateToLatest(database.db);
    results[target] = {};
    for (const [name, read] of FRAMEWORKS) {
      results[target][name] = {};
      for (const [run, force] of RUNS) {
        const source = await read();
        let records = 0;
        const cpu = process.cpuUsage();
        const start = performance.now();
        const result = await importFramework(database.db, source, {
          force,
          onProgress: (p) => {
            if (p.phase === 'done') records = p.records;
          },
        });
        const wallSeconds = (performance.now() - start) / 1000;
        const used = process.cpuUsage(cpu);
        const measure: Measure = {
          wallSeconds: round(wallSeconds),
          cpuSeconds: round((used.user + used.system) / 1e6),
          records,
          recordsPerSecond: Math.round(records / wallSeconds),
          inserted: result.changes.inserted,
        };
        results[target][name][run] = measure;
        console.log(
          `${target.padEnd(8)} ${name.padEnd(5)} ${run.padEnd(10)} ${measure.wallSeconds.toFixed(2).padStart(7)} s wall ` +
            `${measure.cpuSeconds.toFixed(2).padStart(7)} s cpu  ${String(records).padStart(7)} records ` +
            `${String(measure.recordsPerSecond).padStart(7)}/s  inserted ${measure.inserted}` +
            (run === 'first' ? `  ${JSON.stringify(result.summary)}` : ''),
        );
      }
    }
  } finally {
    if (target === 'postgres') await dropSchema(database.db, schema);
    await database.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

if (args.json) await writeFile(args.json, JSON.stringify(results, null, 2) + '\n');

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
