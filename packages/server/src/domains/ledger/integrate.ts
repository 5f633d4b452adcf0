import { sql, type Kysely, type Selectable } from 'kysely';
import { formatCheckpoint, HASH_SIZE, newTiles, signNote, TILE_WIDTH, tileWidth, treeRoot } from '@skillproof/core';
import type { Database, LogCheckpointsTable } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { AppDeps } from '../../http/env.js';
import { logSigner } from './log-key.js';
import { fullTileRoot, runHashes, readStoredTiles, tileKey, withTiles, type StoredTileMap } from './tile-store.js';

export type LogCheckpoint = Selectable<LogCheckpointsTable>;

/** Advisory lock namespace of log integration (the first key of pg_try_advisory_xact_lock(int, int)). */
export const LOCK_LOG_INTEGRATION = 0x53500003;

/** Entries integrated per transaction: bounded memory (32 bytes each) and a bounded transaction. */
export const INTEGRATE_MAX_ENTRIES = 65_536;

/** The newest signed checkpoint, or undefined before the first integration. */
export async function findLatestCheckpoint(db: Kysely<Database>): Promise<LogCheckpoint | undefined> {
  return db.selectFrom('logCheckpoints').selectAll().orderBy('size', 'desc').limit(1).executeTakeFirst();
}

export interface IntegrationResult {
  /** The checkpoint signed (or, when nothing was new, the latest one). */
  checkpoint: LogCheckpoint;
  /** Entries hashed into the tree by this call. */
  integrated: number;
  /** Whether committed entries are still waiting (more than one call's worth). */
  more: boolean;
}

/**
 * Integrates the committed entries the last checkpoint does not cover (at most `maxEntries`): hashes them into the
 * stored tiles (C2SP tlog-tiles: every tile whose width changes, partial ones included), computes the new root from
 * the tiles, and signs a checkpoint (C2SP tlog-checkpoint, origin `<host>/log`) as a signed note with the log key,
 * all in one transaction. The first call on an empty log signs the empty tree. One integrator at a time (a
 * transaction-scoped advisory lock); a concurrent call returns undefined at once. Appenders are never blocked.
 *
 * @example
 * ```ts
 * const result = await integrateLog(deps.db, deps);
 * result?.checkpoint.note; // 'skillproof.test/log\n42\n…\n\n— skillproof.test/log …\n'
 * ```
 */
export async function integrateLog(
  db: Kysely<Database>,
  deps: Pick<AppDeps, 'keys' | 'clock' | 'publicUrl'>,
  options: { maxEntries?: number } = {},
): Promise<IntegrationResult | undefined> {
  const maxEntries = options.maxEntries ?? INTEGRATE_MAX_ENTRIES;
  return db.transaction().execute(async (tx) => {
    const { rows } = await sql<{ locked: boolean }>`
      SELECT pg_try_advisory_xact_lock(${LOCK_LOG_INTEGRATION}::int, 0) AS locked`.execute(tx);
    if (!rows[0]?.locked) return undefined;
    const latest = await findLatestCheckpoint(tx);
    const oldSize = latest?.size ?? 0;
    // Committed entries only: indexes are handed out under the log_state lock until commit, so they form a prefix.
    const entries = await tx
      .selectFrom('logEntries')
      .select(['idx', 'leafHash'])
      .where('idx', '>=', oldSize)
      .orderBy('idx')
      .limit(maxEntries + 1)
      .execute();
    const more = entries.length > maxEntries;
    if (more) entries.pop();
    if (latest && entries.length === 0) return { checkpoint: latest, integrated: 0, more: false };
    entries.forEach((e, i) => {
      if (e.idx !== oldSize + i) {
        throw new AppError('ERR_INTERNAL', `The log has a gap: entry ${oldSize + i} is missing (found ${e.idx}).`);
      }
    });
    const newSize = oldSize + entries.length;
    const tiles = await updatedTiles(
      tx,
      oldSize,
      newSize,
      entries.map((e) => e.leafHash),
    );
    await writeTiles(tx, tiles);
    const rootHash = await withTiles(tx, newSize, tiles, (read) => treeRoot(newSize, read));
    const signer = await logSigner(tx, deps);
    const note = signNote(formatCheckpoint({ origin: signer.name, size: newSize, rootHash }), [signer]);
    const checkpoint = await tx
      .insertInto('logCheckpoints')
      .values({ size: newSize, rootHash, note, createdAt: deps.clock() })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { checkpoint, integrated: entries.length, more };
  });
}

/**
 * Every tile whose width changes from `oldSize` to `newSize` (core's `newTiles`, lowest level first), with its bytes:
 * what the tile held at `oldSize` (a stored partial tile) followed by the new hashes — leaf hashes at level 0, and at
 * level L the roots of the level L−1 tiles that became full, which are all among the tiles computed just before.
 */
async function updatedTiles(
  tx: Kysely<Database>,
  oldSize: number,
  newSize: number,
  leafHashes: readonly Uint8Array[],
): Promise<StoredTileMap> {
  const refs = newTiles(oldSize, newSize);
  const partial = refs.filter((t) => tileWidth(t.level as number, t.index, oldSize) > 0);
  const stored = await readStoredTiles(
    tx,
    partial.map((t) => tileKey(t.level as number, t.index)),
  );
  const out: StoredTileMap = new Map();
  for (const ref of refs) {
    const level = ref.level as number;
    const data = new Uint8Array(ref.width * HASH_SIZE);
    const from = tileWidth(level, ref.index, oldSize);
    if (from > 0) {
      const before = stored.get(tileKey(level, ref.index))?.hashes;
      if (!before || before.length < from * HASH_SIZE) {
        throw new AppError('ERR_INTERNAL', `The log's tile ${tileKey(level, ref.index)} is missing or too short.`);
      }
      data.set(before.subarray(0, from * HASH_SIZE));
    }
    for (let j = from; j < ref.width; j++) {
      const node = ref.index * TILE_WIDTH + j;
      if (level === 0) {
        data.set(leafHashes[node - oldSize]!, j * HASH_SIZE);
      } else {
        const child = out.get(tileKey(level - 1, node));
        if (!child || child.hashes.length !== TILE_WIDTH * HASH_SIZE) {
          throw new Error(`Tile ${tileKey(level - 1, node)} should have just become full.`);
        }
        data.set(fullTileRoot(child), j * HASH_SIZE);
      }
    }
    out.set(tileKey(level, ref.index), { hashes: data, runs: runHashes(data) });
  }
  return out;
}

async function writeTiles(tx: Kysely<Database>, tiles: StoredTileMap): Promise<void> {
  const rows = [...tiles].map(([key, { hashes, runs }]) => {
    const [level, idx] = key.split('/').map(Number) as [number, number];
    return { level, idx, hashes, runs };
  });
  for (let start = 0; start < rows.length; start += 1000) {
    await tx
      .insertInto('logTiles')
      .values(rows.slice(start, start + 1000))
      .onConflict((oc) =>
        oc
          .columns(['level', 'idx'])
          .doUpdateSet((eb) => ({ hashes: eb.ref('excluded.hashes'), runs: eb.ref('excluded.runs') })),
      )
      .execute();
  }
}

/**
 * A background job step: integrates new entries at most once per `intervalMs` (default 1 s), so a busy log signs
 * about one checkpoint a second. Idle, it costs one small query per call. Resolves whether more entries are waiting
 * beyond what one call integrates.
 *
 * @example
 * ```ts
 * const integrate = logIntegrationStep(deps);
 * await integrate(); // false when nothing was waiting
 * ```
 */
export function logIntegrationStep(
  deps: Pick<AppDeps, 'db' | 'keys' | 'clock' | 'publicUrl'>,
  options: { intervalMs?: number } = {},
): () => Promise<boolean> {
  const intervalMs = options.intervalMs ?? 1000;
  let lastAt = -Infinity;
  return async () => {
    const now = deps.clock().getTime();
    if (now - lastAt < intervalMs) return false;
    const state = await deps.db
      .selectFrom('logState')
      .select((eb) => [
        'size',
        eb
          .selectFrom('logCheckpoints')
          .select((e) => e.fn.max('size').as('m'))
          .as('checkpointSize'),
      ])
      .executeTakeFirstOrThrow();
    if (state.checkpointSize !== null && state.checkpointSize >= state.size) return false;
    lastAt = now;
    const result = await integrateLog(deps.db, deps);
    return result?.more ?? false;
  };
}
