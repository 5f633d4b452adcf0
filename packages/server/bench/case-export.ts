/**
 * CASE 1.1 export of the full shipped ESCO (packages/server/data/esco-1.1.1) on PGlite, or PostgreSQL with
 * DATABASE_URL / TEST_DATABASE_URL: imports it, then times the streamed CFPackage (what GET /CFPackages/{id} sends),
 * the same as one object, its size, the official schema check of the result, and reading it back with readCase.
 * Run with `node --import tsx packages/server/bench/case-export.ts`.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { dropSchema, migrateToLatest, openDatabase } from '../src/index.js';
import { cfPackageJson, exportCfPackage } from '../src/domains/frameworks/case-export.js';
import { importFramework } from '../src/domains/frameworks/importer.js';
import { cfPackageIssues, readCase } from '../src/domains/frameworks/sources/case.js';
import { readEsco } from '../src/domains/frameworks/sources/esco.js';

const ESCO = fileURLToPath(new URL('../data/esco-1.1.1', import.meta.url));
const url = process.env['DATABASE_URL'] ?? process.env['TEST_DATABASE_URL'];
const schema = url ? `bench_${randomBytes(4).toString('hex')}` : undefined;
const database = await openDatabase(url ? { url, schema, poolSize: 4 } : { dataDir: 'memory://' });
const ms = (t: number) => Math.round(performance.now() - t);

try {
  await migrateToLatest(database.db);
  let t = performance.now();
  const { frameworkId, counts } = await importFramework(database.db, readEsco(ESCO));
  const items = Object.values(counts.items).reduce((a, b) => a + b, 0);
  const associations = Object.values(counts.associations).reduce((a, b) => a + b, 0);
  console.log(
    `${url ? 'PostgreSQL' : 'PGlite'}: ESCO imported in ${ms(t)} ms (${items} items, ${associations} associations)`,
  );
  const framework = await database.db
    .selectFrom('frameworks')
    .selectAll()
    .where('id', '=', frameworkId)
    .executeTakeFirstOrThrow();

  for (let run = 1; run <= 2; run++) {
    t = performance.now();
    let bytes = 0;
    let chunks = 0;
    const parts: string[] = [];
    for await (const chunk of cfPackageJson(database.db, framework, 'https://skillproof.example')) {
      bytes += Buffer.byteLength(chunk);
      chunks++;
      parts.push(chunk);
    }
    console.log(`run ${run}: streamed CFPackage in ${ms(t)} ms: ${(bytes / 1e6).toFixed(1)} MB in ${chunks} chunks`);
    t = performance.now();
    const pkg = await exportCfPackage(database.db, frameworkId, 'https://skillproof.example');
    console.log(`run ${run}: CFPackage as an object in ${ms(t)} ms`);
    if (run === 2) {
      t = performance.now();
      const issues = cfPackageIssues(pkg);
      console.log(`schema check in ${ms(t)} ms: ${issues.length} violations ${JSON.stringify(issues.slice(0, 3))}`);
      t = performance.now();
      const source = await readCase(parts.join(''));
      let records = 0;
      for await (const _ of source.records()) records++;
      console.log(`readCase of the export in ${ms(t)} ms: ${records} records`);
    }
  }
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
} finally {
  if (schema) await dropSchema(database.db, schema);
  await database.close();
}
