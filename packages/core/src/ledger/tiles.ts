import { SkillproofError } from '../errors.js';
import { HASH_SIZE, nodeHash } from './merkle.js';
import type { HashReader } from './merkle.js';
import { isSafeIndex, parseDecimal } from './bytes.js';

/**
 * Tiles are subtrees of this height (C2SP tlog-tiles): tile level L holds the Merkle level L · 8 hashes.
 *
 * @example
 * ```ts
 * const merkleLevel = tileLevel * TILE_HEIGHT;
 * ```
 */
export const TILE_HEIGHT = 8;
/**
 * A full tile holds this many hashes (2^TILE_HEIGHT); a full entry bundle this many entries.
 *
 * @example
 * ```ts
 * const isFull = width === TILE_WIDTH;
 * ```
 */
export const TILE_WIDTH = 256;

/**
 * One tile or entry bundle: `level` is the tile level (Merkle level `level · 8`) or `'entries'` for an entry bundle,
 * `index` its position in the level, `width` its number of hashes or entries (256 when full).
 */
export interface TileRef {
  level: number | 'entries';
  index: number;
  width: number;
}

function pathError(message: string): SkillproofError {
  return new SkillproofError('ERR_TILE_PATH_INVALID', message);
}

/** `x001/x234/067` for 1234067: zero-padded 3-digit groups, all but the last prefixed with `x`. */
function encodeIndex(index: number): string {
  const groups: string[] = [];
  let rest = index;
  do {
    groups.unshift(String(rest % 1000).padStart(3, '0'));
    rest = Math.floor(rest / 1000);
  } while (rest > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

/**
 * The path of a tile or entry bundle under the log's prefix, C2SP tlog-tiles: `tile/<L>/<N>[.p/<W>]` or
 * `tile/entries/<N>[.p/<W>]`, with N in 3-digit groups (`x001/x234/067`). Width 256 (the default) is a full tile.
 *
 * @example
 * ```ts
 * tilePath(0, 1234067); // 'tile/0/x001/x234/067'
 * tilePath('entries', 3, 17); // 'tile/entries/003.p/17'
 * ```
 */
export function tilePath(level: number | 'entries', index: number, width: number = TILE_WIDTH): string {
  if (level !== 'entries' && !(Number.isInteger(level) && level >= 0 && level <= 63)) {
    throw pathError(`A tile level is an integer from 0 to 63 or 'entries', got ${String(level)}.`);
  }
  if (!isSafeIndex(index)) throw pathError(`A tile index is a non-negative safe integer, got ${String(index)}.`);
  if (!(Number.isInteger(width) && width >= 1 && width <= TILE_WIDTH)) {
    throw pathError(`A tile width is an integer from 1 to ${TILE_WIDTH}, got ${String(width)}.`);
  }
  const suffix = width === TILE_WIDTH ? '' : `.p/${width}`;
  return `tile/${level}/${encodeIndex(index)}${suffix}`;
}

/**
 * Parses a tile or entry-bundle path (relative to the log prefix, as {@link tilePath} writes it). Only the canonical
 * spelling is accepted — no leading zeros in L or W, no empty leading `x000` groups — so every tile has one URL.
 *
 * @example
 * ```ts
 * parseTilePath('tile/1/x001/x234/067.p/8'); // { level: 1, index: 1234067, width: 8 }
 * ```
 */
export function parseTilePath(path: string): TileRef {
  if (typeof path !== 'string' || path.length > 200) throw pathError('A tile path must be a short string.');
  const match = /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/.exec(path);
  if (!match) throw pathError(`Not a C2SP tlog-tiles path: ${JSON.stringify(path)}.`);
  const [, levelText, indexText, widthText] = match;
  const level = levelText === 'entries' ? 'entries' : Number(levelText);
  if (level !== 'entries' && level > 63) throw pathError(`Tile level ${level} is above 63.`);
  const groups = indexText!.split('/');
  if (groups.length > 1 && groups[0] === 'x000') throw pathError(`Tile index ${indexText} has a leading zero group.`);
  const digits = groups
    .map((g) => g.replace('x', ''))
    .join('')
    .replace(/^0+(?=.)/, '');
  const index = parseDecimal(digits);
  if (index === undefined) throw pathError(`Tile index ${indexText} is too large.`);
  const width = widthText === undefined ? TILE_WIDTH : Number(widthText);
  if (widthText !== undefined && width >= TILE_WIDTH)
    throw pathError(`A partial tile has 1 to ${TILE_WIDTH - 1} entries, not ${width}.`);
  return { level, index, width };
}

/**
 * Where a Merkle tree node lives in the tiles: the tile (`level`, `index`) and the run of `count` hashes from `offset`
 * in it whose subtree hash is the node (count 1 when the node is itself a tile hash).
 *
 * @example
 * ```ts
 * tileOfNode(9, 3); // { level: 1, index: 0, offset: 6, count: 2 }
 * ```
 */
export function tileOfNode(
  level: number,
  index: number,
): { level: number; index: number; offset: number; count: number } {
  if (!(Number.isInteger(level) && level >= 0 && level < 64) || !isSafeIndex(index)) {
    throw new SkillproofError('ERR_INPUT_INVALID', `No tree node at level ${String(level)}, index ${String(index)}.`);
  }
  const tileLevel = Math.floor(level / TILE_HEIGHT);
  const count = 2 ** (level - tileLevel * TILE_HEIGHT);
  const first = index * count; // index of the node's first hash at the tile level
  return { level: tileLevel, index: Math.floor(first / TILE_WIDTH), offset: first % TILE_WIDTH, count };
}

/**
 * The Merkle tiles (levels 0 and up, partial ones included) that a log must publish when it grows from `oldSize` to
 * `newSize` leaves: every tile whose width differs between the two sizes. The entry bundles are the level-0 tiles'
 * twins (same index and width).
 *
 * @example
 * ```ts
 * newTiles(0, 70000); // 274 level-0 tiles (the last .p/112), tile/1/000 and tile/1/001.p/17, tile/2/000.p/1
 * ```
 */
export function newTiles(oldSize: number, newSize: number): TileRef[] {
  if (!isSafeIndex(oldSize) || !isSafeIndex(newSize) || oldSize > newSize) {
    throw new SkillproofError('ERR_INPUT_INVALID', `Tree sizes must satisfy 0 ≤ oldSize ≤ newSize.`);
  }
  const tiles: TileRef[] = [];
  for (let level = 0; ; level++) {
    const scale = TILE_WIDTH ** level;
    const newCount = Math.floor(newSize / scale);
    if (newCount === 0) break;
    const oldCount = Math.floor(oldSize / scale);
    for (let index = Math.floor(oldCount / TILE_WIDTH); index * TILE_WIDTH < newCount; index++) {
      const width = Math.min(TILE_WIDTH, newCount - index * TILE_WIDTH);
      const oldWidth = Math.max(0, Math.min(TILE_WIDTH, oldCount - index * TILE_WIDTH));
      if (width !== oldWidth) tiles.push({ level, index, width });
    }
  }
  return tiles;
}

/**
 * The width of tile (`level`, `index`) in a tree of `size` leaves: 256 when full, 1–255 when partial, 0 when the tree
 * has no such tile yet.
 *
 * @example
 * ```ts
 * tileWidth(1, 1, 70000); // 17
 * ```
 */
export function tileWidth(level: number, index: number, size: number): number {
  const count = Math.floor(size / TILE_WIDTH ** level);
  return Math.max(0, Math.min(TILE_WIDTH, count - index * TILE_WIDTH));
}

/** Merkle Tree Hash of `count` (a power of two) consecutive 32-byte hashes of `data` from hash `offset`. */
export function hashRun(data: Uint8Array, offset: number, count: number): Uint8Array {
  if (count === 1) return data.slice(offset * HASH_SIZE, (offset + 1) * HASH_SIZE);
  let level: Uint8Array[] = [];
  for (let i = 0; i < count; i += 2) {
    const at = (offset + i) * HASH_SIZE;
    level.push(nodeHash(data.subarray(at, at + HASH_SIZE), data.subarray(at + HASH_SIZE, at + 2 * HASH_SIZE)));
  }
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(nodeHash(level[i]!, level[i + 1]!));
    level = next;
  }
  return level[0]!;
}

/**
 * Reads tile bytes: tile `level`, `index`, at the `width` the tree size implies (256 for full tiles).
 *
 * @example
 * ```ts
 * const readTile: TileReader = (level, index, width) => store.get(tilePath(level, index, width))!;
 * ```
 */
export type TileReader = (level: number, index: number, width: number) => Uint8Array;

/** The hashes inside one tile, by height: `heights[0]` the tile's own hashes, `heights[h]` its subtrees of 2^h. */
type TileTree = Uint8Array[];

function buildTileTree(data: Uint8Array): TileTree {
  const heights: TileTree = [data];
  for (let h = 1; h < TILE_HEIGHT; h++) {
    const below = heights[h - 1]!;
    const count = Math.floor(below.length / HASH_SIZE / 2);
    if (count === 0) break;
    const level = new Uint8Array(count * HASH_SIZE);
    for (let i = 0; i < count; i++) {
      const at = 2 * i * HASH_SIZE;
      level.set(
        nodeHash(below.subarray(at, at + HASH_SIZE), below.subarray(at + HASH_SIZE, at + 2 * HASH_SIZE)),
        i * HASH_SIZE,
      );
    }
    heights.push(level);
  }
  return heights;
}

/**
 * Keeps the hashed-up interior of FULL tiles, which never change, across {@link tileHashReader}s (one per tree size):
 * a server proving many entries then hashes a tile once instead of once per proof. Bounded: the oldest tiles go first.
 *
 * @example
 * ```ts
 * const cache = createTileCache();
 * const read = tileHashReader(size, readTile, { cache });
 * ```
 */
export function createTileCache(maxTiles = 4096): TileCache {
  return new TileCache(maxTiles);
}

/** See {@link createTileCache}. */
export class TileCache {
  readonly #tiles = new Map<string, TileTree>();
  readonly #maxTiles: number;
  /** @internal */
  constructor(maxTiles: number) {
    this.#maxTiles = Math.max(1, Math.floor(maxTiles));
  }
  /** Number of tiles held. */
  get size(): number {
    return this.#tiles.size;
  }
  /** @internal */
  get(key: string): TileTree | undefined {
    return this.#tiles.get(key);
  }
  /** @internal */
  set(key: string, tree: TileTree): void {
    if (this.#tiles.size >= this.#maxTiles) this.#tiles.delete(this.#tiles.keys().next().value!);
    this.#tiles.set(key, tree);
  }
}

/**
 * A {@link HashReader} over the tiles of a tree of `size` leaves, for clients that fetch tiles (auditors, verifiers
 * online) and for servers that store them. Each tile read is hashed up once (the 255 interior hashes of a full tile)
 * and kept for this reader; pass a {@link createTileCache} to keep full tiles across readers. Make one reader per tree
 * size: the partial tiles it reads belong to that size.
 *
 * @example
 * ```ts
 * const read = tileHashReader(checkpoint.size, (l, n, w) => fetchedTiles.get(tilePath(l, n, w))!);
 * const proof = inclusionProof(index, checkpoint.size, read);
 * ```
 */
export function tileHashReader(size: number, readTile: TileReader, options: { cache?: TileCache } = {}): HashReader {
  if (!isSafeIndex(size)) throw new SkillproofError('ERR_INPUT_INVALID', 'The tree size must be a safe integer.');
  const shared = options.cache;
  const local = new Map<string, TileTree>();
  const tile = (level: number, index: number): TileTree => {
    const key = `${level}/${index}`;
    const known = local.get(key) ?? shared?.get(key);
    if (known) return known;
    const width = tileWidth(level, index, size);
    if (width === 0) {
      throw new SkillproofError('ERR_INPUT_INVALID', `A tree of size ${size} has no tile ${level}/${index}.`);
    }
    const data = readTile(level, index, width);
    if (!(data instanceof Uint8Array) || data.length !== width * HASH_SIZE) {
      throw new SkillproofError(
        'ERR_TILE_INVALID',
        `Tile ${tilePath(level, index, width)} must hold ${width} hashes (${width * HASH_SIZE} bytes).`,
      );
    }
    const tree = buildTileTree(data);
    if (local.size >= 64) local.delete(local.keys().next().value!);
    local.set(key, tree);
    if (shared && width === TILE_WIDTH) shared.set(key, tree);
    return tree;
  };
  return (level, index) => {
    const at = tileOfNode(level, index);
    if ((index + 1) * 2 ** level > size) {
      throw new SkillproofError(
        'ERR_INPUT_INVALID',
        `Node ${level}/${index} is not complete in a tree of size ${size}.`,
      );
    }
    const height = level - at.level * TILE_HEIGHT;
    const i = at.offset / at.count;
    return tile(at.level, at.index)[height]!.slice(i * HASH_SIZE, (i + 1) * HASH_SIZE);
  };
}

/**
 * The bytes of tile (`level`, `index`) of width `width` from a hash reader: the level-`8·level` hashes it holds.
 *
 * @example
 * ```ts
 * const bytes = tileData(0, 3, 256, tree.read);
 * ```
 */
export function tileData(level: number, index: number, width: number, read: HashReader): Uint8Array {
  tilePath(level, index, width);
  const out = new Uint8Array(width * HASH_SIZE);
  for (let i = 0; i < width; i++) out.set(read(level * TILE_HEIGHT, index * TILE_WIDTH + i), i * HASH_SIZE);
  return out;
}

/**
 * An entry bundle, C2SP tlog-tiles: each entry as a big-endian uint16 length and its bytes.
 *
 * @example
 * ```ts
 * const bundle = entryBundle(leaves.slice(0, 256));
 * ```
 */
export function entryBundle(entries: readonly Uint8Array[]): Uint8Array {
  if (!Array.isArray(entries) || entries.length > TILE_WIDTH) {
    throw new SkillproofError('ERR_INPUT_INVALID', `An entry bundle holds at most ${TILE_WIDTH} entries.`);
  }
  let length = 0;
  for (const entry of entries) {
    if (!(entry instanceof Uint8Array) || entry.length > 0xffff) {
      throw new SkillproofError('ERR_INPUT_INVALID', 'Each bundle entry is a Uint8Array of at most 65,535 bytes.');
    }
    length += 2 + entry.length;
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const entry of entries) {
    out[at] = entry.length >>> 8;
    out[at + 1] = entry.length & 0xff;
    out.set(entry, at + 2);
    at += 2 + entry.length;
  }
  return out;
}

/**
 * Splits an entry bundle into its entries; `ERR_TILE_INVALID` when a length runs past the end or there are more than
 * 256 entries (or not `expectedWidth` of them, when given).
 *
 * @example
 * ```ts
 * const leaves = parseEntryBundle(bytes, 256);
 * ```
 */
export function parseEntryBundle(bytes: Uint8Array, expectedWidth?: number): Uint8Array[] {
  if (!(bytes instanceof Uint8Array)) throw new SkillproofError('ERR_INPUT_INVALID', 'An entry bundle is bytes.');
  const entries: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 2 > bytes.length) throw new SkillproofError('ERR_TILE_INVALID', 'The entry bundle ends inside a length.');
    const length = (bytes[at]! << 8) | bytes[at + 1]!;
    if (at + 2 + length > bytes.length) {
      throw new SkillproofError('ERR_TILE_INVALID', `Entry ${entries.length} runs past the end of the bundle.`);
    }
    entries.push(bytes.slice(at + 2, at + 2 + length));
    at += 2 + length;
    if (entries.length > TILE_WIDTH) {
      throw new SkillproofError('ERR_TILE_INVALID', `An entry bundle holds at most ${TILE_WIDTH} entries.`);
    }
  }
  if (expectedWidth !== undefined && entries.length !== expectedWidth) {
    throw new SkillproofError(
      'ERR_TILE_INVALID',
      `The entry bundle holds ${entries.length} entries, ${expectedWidth} expected.`,
    );
  }
  return entries;
}
