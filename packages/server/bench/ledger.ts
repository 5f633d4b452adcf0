/**
 * The transparency log's speed. `log_append_per_s`: credential leaves appended through the real append path
 * (`logCredentialEvents`: leaf built, digest of a real signed credential, the log_state lock, the INSERT) in
 * transactions of 500, on PGlite and, with DATABASE_URL or TEST_DATABASE_URL, PostgreSQL (the headline figure is
 * PostgreSQL's when it ran, PGlite's otherwise; both are in the JSON), with single appends (one per transaction: the
 * lock's cost) and integration (tiles and a signed checkpoint) beside it. `log_inclusion_proof_ms_10m`: inclusion
 * proofs in a 10,000,000-leaf tree read from an in-memory tile store built here as the database stores it (C2SP
 * tiles with each tile's run roots), through the server's tile reader, a fresh one per proof (nothing cached
 * between proofs), p50 and p95 over random indexes; every proof is verified against the root.
 *
 *   npm run bench -- --only ledger [--json FILE] [--appends N] [--leaves N] [--proofs N]
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  HASH_SIZE,
  inclusionProof,
  leafHash,
  rootOf,
  TILE_WIDTH,
  tileWidth,
  treeRoot,
  verifyInclusion,
  type JsonObject,
} from '@skillproof/core';
import { createOrganization } from '../src/domains/orgs/service.js';
import { createAchievement } from '../src/domains/achievements/service.js';
import { AchievementDefinition } from '../src/domains/achievements/definition.js';
import { issueCredentials } from '../src/domains/issuing/issue.js';
import { logCredentialEvents } from '../src/domains/ledger/events.js';
import { integrateLog } from '../src/domains/ledger/integrate.js';
import { fullTileRoot, RUN_LENGTH, runHashes, storedTileReader } from '../src/domains/ledger/tile-store.js';
import { benchTargets, openBenchDatabase } from './bench-database.js';

const { values: args } = parseArgs({
  options: {
    json: { type: 'string' },
    appends: { type: 'string', default: '50000' },
    singles: { type: 'string', default: '1000' },
    leaves: { type: 'string', default: '10000000' },
    proofs: { type: 'string', default: '20000' },
  },
  strict: true,
});
const APPENDS = positive('appends');
const SINGLES = positive('singles');
const LEAVES = positive('leaves');
const PROOFS = positive('proofs');
const BATCH = 500;
const TARGETS = { log_append_per_s: 10_000, log_inclusion_proof_ms_10m: 1 } as const;

function positive(name: keyof typeof args): number {
  const n = Number(args[name]);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} takes a positive integer, not ${args[name]}`);
  return n;
}
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;

// --- appends, per database ---------------------------------------------------------------------------------------
const appendResults: Record<string, Record<string, number>> = {};
for (const target of benchTargets()) {
  const { deps, close } = await openBenchDatabase(target, { poolSize: 8 });
  const db = deps.db;
  const org = await db
    .transaction()
    .execute((tx) => createOrganization(tx, deps, { slug: `bench-${Date.now()}`, name: 'Bench' }, null));
  const definition = AchievementDefinition.parse({
    name: 'Bench Skill',
    description: 'Measured.',
    criteria: { narrative: 'Be fast.' },
  });
  const { achievementId } = await db
    .transaction()
    .execute((tx) => createAchievement(tx, org.id, definition, new Date(), null));
  // A real signed credential: every appended leaf digests a document of its size, with its own id.
  const [credential] = await db.transaction().execute((tx) =>
    issueCredentials(tx, deps, {
      orgId: org.id,
      achievementId,
      items: [{ recipient: { email: 'bench@example.org' }, name: 'Bench Learner', notify: false }],
      actor: null,
    }),
  );
  const document = credential!.document as JsonObject;
  const items = (n: number) =>
    Array.from({ length: n }, () => {
      const credentialId = randomUUID();
      return { credentialId, document: { ...document, id: `${deps.publicUrl}/credentials/${credentialId}` } };
    });
  const append = (n: number) =>
    db.transaction().execute((tx) => logCredentialEvents(tx, 'issue', org.id, items(n), new Date()));

  const r: Record<string, number> = {};
  await append(BATCH); // warm-up
  let t = performance.now();
  for (let done = 0; done < APPENDS; done += BATCH) await append(Math.min(BATCH, APPENDS - done));
  r['log_append_per_s'] = Math.round(APPENDS / ((performance.now() - t) / 1000));

  const singles: number[] = [];
  for (let i = 0; i < SINGLES; i++) {
    t = performance.now();
    await append(1);
    singles.push(performance.now() - t);
  }
  singles.sort((a, b) => a - b);
  r['log_append_single_per_s'] = Math.round(SINGLES / (singles.reduce((a, b) => a + b, 0) / 1000));
  r['log_append_single_p50_ms'] = round(percentile(singles, 50), 3);

  if (target === 'postgres') {
    // Four writers at once: they take turns on the log_state lock, each holding it from its append to its commit.
    const writers = 4;
    t = performance.now();
    await Promise.all(
      Array.from({ length: writers }, async () => {
        for (let done = 0; done < APPENDS / writers; done += BATCH) await append(BATCH);
      }),
    );
    r['log_append_4_writers_per_s'] = Math.round(APPENDS / ((performance.now() - t) / 1000));
  }

  const { size } = await db.selectFrom('logState').select('size').executeTakeFirstOrThrow();
  t = performance.now();
  let integrated = 0;
  for (;;) {
    const result = await integrateLog(db, deps);
    integrated += result?.integrated ?? 0;
    if (!result?.more) break;
  }
  r['log_integrate_per_s'] = Math.round(integrated / ((performance.now() - t) / 1000));
  // The tiles must give the root of the stored leaves.
  const leaves = await db.selectFrom('logEntries').select('leaf').orderBy('idx').execute();
  const checkpoint = await db
    .selectFrom('logCheckpoints')
    .selectAll()
    .orderBy('size', 'desc')
    .executeTakeFirstOrThrow();
  if (
    checkpoint.size !== size ||
    !Buffer.from(rootOf(leaves.map((l) => leafHash(l.leaf)))).equals(checkpoint.rootHash)
  ) {
    throw new Error(`${target}: the checkpoint (${checkpoint.size}) does not match the ${size} stored leaves`);
  }
  r['log_entries'] = size;
  appendResults[target] = r;
  process.stderr.write(`  ${target}: ${JSON.stringify(r)}\n`);
  await close();
}

// --- inclusion proofs at 10M leaves ------------------------------------------------------------------------------
// The tile store as the database holds it: per tile level, every hash of that level (the tiles, back to back) and the
// run roots (of each run of 16 hashes); each level is hashed up from the one below.
const buildStart = performance.now();
const level0 = new Uint8Array(LEAVES * HASH_SIZE);
const counter = new Uint8Array(8);
const view = new DataView(counter.buffer);
for (let i = 0; i < LEAVES; i++) {
  view.setFloat64(0, i);
  level0.set(leafHash(counter), i * HASH_SIZE);
}
const levels: { hashes: Uint8Array; runs: Uint8Array }[] = [{ hashes: level0, runs: runHashes(level0) }];
for (let level = 1; Math.floor(LEAVES / TILE_WIDTH ** level) > 0; level++) {
  const below = levels[level - 1]!;
  const count = Math.floor(LEAVES / TILE_WIDTH ** level);
  const hashes = new Uint8Array(count * HASH_SIZE);
  const per = TILE_WIDTH / RUN_LENGTH;
  for (let i = 0; i < count; i++) {
    const runs = below.runs.subarray(i * per * HASH_SIZE, (i + 1) * per * HASH_SIZE);
    hashes.set(fullTileRoot({ hashes: new Uint8Array(0), runs }), i * HASH_SIZE);
  }
  levels.push({ hashes, runs: runHashes(hashes) });
}
const readTile = (level: number, index: number, width: number) => {
  if (tileWidth(level, index, LEAVES) < width) throw new Error(`no tile ${level}/${index}.p/${width}`);
  const { hashes, runs } = levels[level]!;
  const from = index * TILE_WIDTH;
  return {
    hashes: hashes.subarray(from * HASH_SIZE, (from + width) * HASH_SIZE),
    runs: runs.subarray(
      (from / RUN_LENGTH) * HASH_SIZE,
      ((from + width - (width % RUN_LENGTH)) / RUN_LENGTH) * HASH_SIZE,
    ),
  };
};
const root = treeRoot(LEAVES, storedTileReader(LEAVES, readTile));
const buildSeconds = (performance.now() - buildStart) / 1000;
process.stderr.write(`  ${LEAVES} leaves: tiles built in ${round(buildSeconds, 1)} s\n`);

let seed = 0x9e3779b9;
const random = () => {
  // xorshift32: reproducible indexes.
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
};
const times: number[] = [];
for (let i = 0; i < PROOFS + 500; i++) {
  const index = Math.floor(random() * LEAVES);
  const start = performance.now();
  const proof = inclusionProof(index, LEAVES, storedTileReader(LEAVES, readTile));
  const ms = performance.now() - start;
  const leaf = level0.subarray(index * HASH_SIZE, (index + 1) * HASH_SIZE);
  if (!verifyInclusion(leaf, index, LEAVES, proof, root)) throw new Error(`the proof of leaf ${index} does not verify`);
  if (i >= 500) times.push(ms); // the first 500 warm the JIT
}
times.sort((a, b) => a - b);

const headline = appendResults['postgres'] ?? appendResults['pglite']!;
const results = {
  log_append_per_s: headline['log_append_per_s']!,
  log_append_database: appendResults['postgres'] ? 'postgres' : 'pglite',
  log_append_batch: BATCH,
  log_inclusion_proof_ms_10m: round(percentile(times, 50), 4),
  log_inclusion_proof_ms_10m_p95: round(percentile(times, 95), 4),
  log_inclusion_proof_ms_10m_mean: round(times.reduce((a, b) => a + b, 0) / times.length, 4),
  log_inclusion_proof_samples: times.length,
  log_leaves: LEAVES,
  log_tiles_build_s: round(buildSeconds, 1),
  appends: appendResults,
  targets: TARGETS,
  met: {
    log_append_per_s: headline['log_append_per_s']! >= TARGETS.log_append_per_s,
    log_inclusion_proof_ms_10m: percentile(times, 95) < TARGETS.log_inclusion_proof_ms_10m,
  },
};
console.log(JSON.stringify(results, null, 2));
if (args.json) await writeFile(args.json, JSON.stringify(results, null, 2) + '\n');
