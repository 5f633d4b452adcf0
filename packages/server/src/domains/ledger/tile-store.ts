import type { Kysely } from 'kysely';
import { HASH_SIZE, rootOf, TILE_HEIGHT, tileOfNode, tilePath, tileWidth, type HashReader } from '@skillproof/core';
import type { Database } from '../../db/schema.js';
import { AppError } from '../../errors.js';

/**
 * A tile as the log stores it: `hashes`, the C2SP tile served (the level-8L hashes), and `runs`, the roots of its
 * complete runs of {@link RUN_LENGTH} hashes (the tile's height-4 level: a sixteenth more bytes), so any node of the tile
 * is at most 15 hashes from what is stored instead of up to 255.
 */
export interface StoredTile {
  hashes: Uint8Array;
  runs: Uint8Array;
}

/** Tiles by `level/index`. */
export type StoredTileMap = Map<string, StoredTile>;

/** Reads a stored tile at `width` (its first `width` hashes and the run roots they complete). */
export type StoredTileReader = (level: number, index: number, width: number) => StoredTile;

/** Hashes per stored run root: 2^4. */
export const RUN_LENGTH = 16;
const RUN_HEIGHT = 4;

export const tileKey = (level: number, index: number): string => `${level}/${index}`;

/** The Merkle Tree Hash of `count` (a power of two) consecutive hashes of `data` from hash `offset`. */
function runRoot(data: Uint8Array, offset: number, count: number): Uint8Array {
  const at = (i: number) => data.subarray((offset + i) * HASH_SIZE, (offset + i + 1) * HASH_SIZE);
  return count === 1 ? at(0) : rootOf(Array.from({ length: count }, (_, i) => at(i)));
}

/**
 * The run roots of tile bytes: the root of each complete run of {@link RUN_LENGTH} hashes.
 *
 * @example
 * ```ts
 * const tile = { hashes, runs: runHashes(hashes) };
 * ```
 */
export function runHashes(hashes: Uint8Array): Uint8Array {
  const count = Math.floor(hashes.length / HASH_SIZE / RUN_LENGTH);
  const out = new Uint8Array(count * HASH_SIZE);
  for (let i = 0; i < count; i++) out.set(runRoot(hashes, i * RUN_LENGTH, RUN_LENGTH), i * HASH_SIZE);
  return out;
}

/** The root of a full stored tile (the hash the tile above holds for it), from its 16 run roots. */
export function fullTileRoot(tile: StoredTile): Uint8Array {
  return runRoot(tile.runs, 0, RUN_LENGTH);
}

/**
 * A {@link HashReader} over stored tiles of a tree of `size` leaves: a node of in-tile height 0–3 is hashed up from
 * the tile's hashes, one of height 4–7 from its run roots, so no node costs more than 7 hashes and a proof about
 * 20 per tile level.
 *
 * @example
 * ```ts
 * const proof = inclusionProof(index, size, storedTileReader(size, (l, n, w) => tiles.get(tileKey(l, n))!));
 * ```
 */
export function storedTileReader(size: number, readTile: StoredTileReader): HashReader {
  const read = new Map<string, StoredTile>();
  return (level, index) => {
    if ((index + 1) * 2 ** level > size) {
      throw new AppError('ERR_INTERNAL', `Node ${level}/${index} is not complete in a tree of size ${size}.`);
    }
    const at = tileOfNode(level, index);
    const width = tileWidth(at.level, at.index, size);
    const key = tileKey(at.level, at.index);
    let tile = read.get(key);
    if (!tile) {
      tile = readTile(at.level, at.index, width);
      const runCount = Math.floor(width / RUN_LENGTH);
      if (tile.hashes.length < width * HASH_SIZE || tile.runs.length < runCount * HASH_SIZE) {
        throw new AppError('ERR_INTERNAL', `Stored tile ${tilePath(at.level, at.index, width)} is too short.`);
      }
      read.set(key, tile);
    }
    const height = level - at.level * TILE_HEIGHT;
    return height >= RUN_HEIGHT
      ? runRoot(tile.runs, at.offset / RUN_LENGTH, at.count / RUN_LENGTH)
      : runRoot(tile.hashes, at.offset, at.count);
  };
}

/** The stored tiles among `wanted` (`level/index` keys), at their stored width (that of the latest integration). */
export async function readStoredTiles(db: Kysely<Database>, wanted: Iterable<string>): Promise<StoredTileMap> {
  const pairs = [...new Set(wanted)].map((k) => k.split('/').map(Number) as [number, number]);
  const out: StoredTileMap = new Map();
  if (pairs.length === 0) return out;
  const rows = await db
    .selectFrom('logTiles')
    .select(['level', 'idx', 'hashes', 'runs'])
    .where((eb) => eb.or(pairs.map(([level, idx]) => eb.and([eb('level', '=', level), eb('idx', '=', idx)]))))
    .execute();
  for (const row of rows) out.set(tileKey(row.level, row.idx), { hashes: row.hashes, runs: row.runs });
  return out;
}

const NO_HASH = new Uint8Array(HASH_SIZE);

/**
 * Runs `compute` (a proof or a root) over a {@link HashReader} of the tree of `size` leaves whose tiles come from
 * `known` or, for the others, the database. Which nodes a Merkle proof or root reads depends only on the indexes and
 * sizes, never on hash values: a first run, answered with zero hashes (no hashing), records the tiles needed, those
 * not known are read in one query, and the second run is the real one.
 *
 * @example
 * ```ts
 * const root = await withTiles(db, size, new Map(), (read) => treeRoot(size, read));
 * ```
 */
export async function withTiles<T>(
  db: Kysely<Database>,
  size: number,
  known: StoredTileMap,
  compute: (read: HashReader) => T,
): Promise<T> {
  const needed = new Set<string>();
  compute((level, index) => {
    const at = tileOfNode(level, index);
    needed.add(tileKey(at.level, at.index));
    return NO_HASH;
  });
  const stored = await readStoredTiles(
    db,
    [...needed].filter((k) => !known.has(k)),
  );
  return compute(
    storedTileReader(size, (level, index, width) => {
      const tile = known.get(tileKey(level, index)) ?? stored.get(tileKey(level, index));
      if (!tile) throw new AppError('ERR_INTERNAL', `The log's tile ${tilePath(level, index, width)} is missing.`);
      return tile;
    }),
  );
}
