import type { Kysely } from 'kysely';
import {
  HASH_SIZE,
  nodeHash,
  TILE_HEIGHT,
  tileOfNode,
  tilePath,
  tileWidth,
  type HashReader,
  type TileReader,
} from '@skillproof/core';
import type { Database } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { KeyStore } from '../../security/master-key.js';

/** Tile bytes by `level/index`, at the width they were read or computed at. */
export type TileMap = Map<string, Uint8Array>;

export const tileKey = (level: number, index: number): string => `${level}/${index}`;

/**
 * Tiles with their inner levels hashed, by `level/index/width` (a tile at a given width never changes, so entries
 * never go stale): `levels[r]` holds the hashes of the tile's height-r subtrees, `levels[0]` the tile itself.
 */
export interface TileNodeCache {
  get(key: string): Uint8Array[] | undefined;
  set(key: string, levels: Uint8Array[]): void;
}

/**
 * A least-recently-used {@link TileNodeCache} of at most `maxTiles` tiles (a full tile with its inner levels is
 * 16 KiB). Proofs share the upper tiles, so after the first few only the leaf-level tile is hashed.
 *
 * @example
 * ```ts
 * const cache = createTileNodeCache();
 * const proof = inclusionProof(index, size, tileNodeReader(size, readTile, cache));
 * ```
 */
export function createTileNodeCache(maxTiles = 4096): TileNodeCache {
  const map = new Map<string, Uint8Array[]>();
  return {
    get(key) {
      const hit = map.get(key);
      if (hit) {
        map.delete(key);
        map.set(key, hit);
      }
      return hit;
    },
    set(key, levels) {
      if (map.size >= maxTiles) map.delete(map.keys().next().value!);
      map.set(key, levels);
    },
  };
}

// One cache per app (its key store, as opened signing keys are cached): proofs of one log share its upper tiles.
const caches = new WeakMap<KeyStore, TileNodeCache>();

/** The tile node cache of the app that owns this key store. */
export function tileNodeCacheFor(keys: KeyStore): TileNodeCache {
  let cache = caches.get(keys);
  if (!cache) caches.set(keys, (cache = createTileNodeCache()));
  return cache;
}

/** A tile's inner levels: each the pairwise node hashes of the one below, as far as pairs go (RFC 9162 §2.1.1). */
function innerLevels(tile: Uint8Array): Uint8Array[] {
  const levels = [tile];
  let below = tile;
  for (let r = 1; r <= TILE_HEIGHT && below.length >= 2 * HASH_SIZE; r++) {
    const count = Math.floor(below.length / (2 * HASH_SIZE));
    const level = new Uint8Array(count * HASH_SIZE);
    for (let i = 0; i < count; i++) {
      const at = 2 * i * HASH_SIZE;
      level.set(
        nodeHash(below.subarray(at, at + HASH_SIZE), below.subarray(at + HASH_SIZE, at + 2 * HASH_SIZE)),
        i * HASH_SIZE,
      );
    }
    levels.push(level);
    below = level;
  }
  return levels;
}

/**
 * A {@link HashReader} over the tiles of a tree of `size` leaves that hashes each tile's inner levels once (about
 * one hash per tile hash) and keeps them in `cache`, so a node costs a lookup. Without a cache, the levels live as
 * long as the reader.
 *
 * @example
 * ```ts
 * const read = tileNodeReader(size, (level, index, width) => tiles.get(tilePath(level, index, width))!, cache);
 * const proof = inclusionProof(index, size, read);
 * ```
 */
export function tileNodeReader(size: number, readTile: TileReader, cache: TileNodeCache = createTileNodeCache(64)) {
  const read: HashReader = (level, index) => {
    if ((index + 1) * 2 ** level > size) {
      throw new AppError('ERR_INTERNAL', `Node ${level}/${index} is not complete in a tree of size ${size}.`);
    }
    const at = tileOfNode(level, index);
    const width = tileWidth(at.level, at.index, size);
    const key = `${at.level}/${at.index}/${width}`;
    let levels = cache.get(key);
    if (!levels) {
      const tile = readTile(at.level, at.index, width);
      if (tile.length !== width * HASH_SIZE) {
        throw new AppError('ERR_INTERNAL', `Tile ${tilePath(at.level, at.index, width)} is not ${width} hashes long.`);
      }
      levels = innerLevels(tile);
      cache.set(key, levels);
    }
    const i = at.offset / at.count;
    return levels[level - at.level * TILE_HEIGHT]!.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE);
  };
  return read;
}

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

const NO_HASH = new Uint8Array(HASH_SIZE);

/**
 * Runs `compute` (a proof or a root) over a {@link HashReader} of the tree of `size` leaves whose tiles come from
 * `known`, the cache or, for the others, the database. Which nodes a Merkle proof or root reads depends only on the
 * indexes and sizes, never on hash values: a first run, answered with zero hashes, records the tiles needed; those
 * neither known nor cached are read in one query; the second run is the real one.
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
  cache?: TileNodeCache,
): Promise<T> {
  // Cached tiles are pinned for this computation: another request may evict them before the second run.
  const pinned = new Map<string, Uint8Array[]>();
  const needed = new Set<string>();
  compute((level, index) => {
    const at = tileOfNode(level, index);
    const key = `${at.level}/${at.index}/${tileWidth(at.level, at.index, size)}`;
    const levels = cache?.get(key);
    if (levels) pinned.set(key, levels);
    else needed.add(tileKey(at.level, at.index));
    return NO_HASH;
  });
  const stored = await readStoredTiles(
    db,
    [...needed].filter((k) => !known.has(k)),
  );
  const readTile: TileReader = (level, index, width) => {
    const key = tileKey(level, index);
    const data = known.get(key) ?? stored.get(key);
    if (!data || data.length < width * HASH_SIZE) {
      throw new AppError('ERR_INTERNAL', `The log's tile ${key} is missing or shorter than ${width} hashes.`);
    }
    return data.length === width * HASH_SIZE ? data : data.subarray(0, width * HASH_SIZE);
  };
  return compute(
    tileNodeReader(size, readTile, {
      get: (key) => pinned.get(key) ?? cache?.get(key),
      set: (key, levels) => {
        pinned.set(key, levels);
        cache?.set(key, levels);
      },
    }),
  );
}
