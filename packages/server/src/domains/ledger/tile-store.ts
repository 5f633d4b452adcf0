import type { Kysely } from 'kysely';
import { HASH_SIZE, tileHashReader, type HashReader } from '@skillproof/core';
import type { Database } from '../../db/schema.js';
import { AppError } from '../../errors.js';

/** Tile bytes by `level/index`, at the width they were read or computed at. */
export type TileMap = Map<string, Uint8Array>;

export const tileKey = (level: number, index: number): string => `${level}/${index}`;

/**
 * The stored tiles among `wanted` (`level/index` keys), as stored (a tile row is at its width in the latest
 * integrated tree, never narrower than in an earlier one).
 */
export async function readStoredTiles(db: Kysely<Database>, wanted: Iterable<string>): Promise<TileMap> {
  const pairs = [...new Set(wanted)].map((k) => k.split('/').map(Number) as [number, number]);
  const out: TileMap = new Map();
  if (pairs.length === 0) return out;
  const rows = await db
    .selectFrom('logTiles')
    .select(['level', 'idx', 'hashes'])
    .where((eb) => eb.or(pairs.map(([level, idx]) => eb.and([eb('level', '=', level), eb('idx', '=', idx)]))))
    .execute();
  for (const row of rows) out.set(tileKey(row.level, row.idx), row.hashes);
  return out;
}

/**
 * Runs `compute` (a proof or a root) over a {@link HashReader} of the tree of `size` leaves whose tiles come from
 * `known` or, for the others, the database. Which nodes a Merkle proof or root reads depends only on the indexes and
 * sizes, never on hash values: a first run over zero-filled tiles records the tiles needed, they are read in one
 * query, and the second run is the real one.
 *
 * @example
 * ```ts
 * const root = await withTiles(db, size, new Map(), (read) => treeRoot(size, read));
 * ```
 */
export async function withTiles<T>(
  db: Kysely<Database>,
  size: number,
  known: TileMap,
  compute: (read: HashReader) => T,
): Promise<T> {
  const needed = new Set<string>();
  compute(
    tileHashReader(size, (level, index, width) => {
      needed.add(tileKey(level, index));
      return new Uint8Array(width * HASH_SIZE);
    }),
  );
  const stored = await readStoredTiles(
    db,
    [...needed].filter((k) => !known.has(k)),
  );
  return compute(
    tileHashReader(size, (level, index, width) => {
      const key = tileKey(level, index);
      const data = known.get(key) ?? stored.get(key);
      if (!data || data.length < width * HASH_SIZE) {
        throw new AppError('ERR_INTERNAL', `The log's tile ${key} is missing or shorter than ${width} hashes.`);
      }
      return data.length === width * HASH_SIZE ? data : data.subarray(0, width * HASH_SIZE);
    }),
  );
}
