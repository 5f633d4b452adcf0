import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  TILE_WIDTH,
  createMemoryTree,
  entryBundle,
  inclusionProof,
  consistencyProof,
  createTileCache,
  leafHash,
  newTiles,
  parseEntryBundle,
  parseTilePath,
  tileData,
  tileHashReader,
  tileOfNode,
  tilePath,
  tileWidth,
  treeRoot,
} from '../src/index.js';

const utf8 = (s: string) => new TextEncoder().encode(s);
const pathInvalid = expect.objectContaining({ code: 'ERR_TILE_PATH_INVALID' });

describe('tile paths (C2SP tlog-tiles examples)', () => {
  it('encodes index 1234067 as x001/x234/067, partial tiles with .p/<W>, entry bundles under tile/entries', () => {
    expect(tilePath(0, 1234067)).toBe('tile/0/x001/x234/067');
    expect(parseTilePath('tile/0/x001/x234/067')).toEqual({ level: 0, index: 1234067, width: 256 });
    expect(tilePath(2, 0, 1)).toBe('tile/2/000.p/1');
    expect(tilePath(1, 1, 17)).toBe('tile/1/001.p/17');
    expect(tilePath('entries', 273, 112)).toBe('tile/entries/273.p/112');
    expect(parseTilePath('tile/entries/x001/000')).toEqual({ level: 'entries', index: 1000, width: 256 });
    expect(tilePath(63, Number.MAX_SAFE_INTEGER)).toBe('tile/63/x009/x007/x199/x254/x740/991');
    expect(parseTilePath('tile/63/x009/x007/x199/x254/x740/991').index).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('rejects every non-canonical or malformed path with ERR_TILE_PATH_INVALID', () => {
    for (const bad of [
      'tile/0/1',
      'tile/00/001',
      'tile/64/001',
      'tile/0/x001/234/067',
      'tile/0/001/x234',
      'tile/0/x000/001',
      'tile/0/001.p/0',
      'tile/0/001.p/256',
      'tile/0/001.p/017',
      'tile/0/001.p/',
      '/tile/0/001',
      'tile/0/001/',
      'tile/data/001',
      'tile/-1/001',
      'tile/0/x009/x007/x199/x254/x740/992',
      'tile/0/x999/x999/x999/x999/x999/x999/999',
      'tile/0/0a1',
    ]) {
      expect(() => parseTilePath(bad), bad).toThrow(pathInvalid);
    }
    expect(() => tilePath(64, 0)).toThrow(pathInvalid);
    expect(() => tilePath(0, -1)).toThrow(pathInvalid);
    expect(() => tilePath(0, 0, 0)).toThrow(pathInvalid);
    expect(() => tilePath(0, 0, 257)).toThrow(pathInvalid);
    expect(() => parseTilePath(42 as unknown as string)).toThrow(pathInvalid);
  });

  it('round-trips every level, index and width', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 63 }), fc.constant('entries' as const)),
        fc.oneof(fc.nat(2000), fc.nat(), fc.maxSafeNat()),
        fc.integer({ min: 1, max: 256 }),
        (level, index, width) => {
          const path = tilePath(level, index, width);
          expect(parseTilePath(path)).toEqual({ level, index, width });
          expect(tilePath(level, index, width)).toBe(path);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('which tiles a tree has', () => {
  it('a tree of size 70,000: 273 full level-0 tiles, one of width 112, one full and one of width 17 at level 1, one of width 1 at level 2', () => {
    const tiles = newTiles(0, 70000);
    const level0 = tiles.filter((t) => t.level === 0);
    expect(level0.length).toBe(274);
    expect(level0.filter((t) => t.width === 256).length).toBe(273);
    expect(level0[273]).toEqual({ level: 0, index: 273, width: 112 });
    expect(tiles.filter((t) => t.level !== 0)).toEqual([
      { level: 1, index: 0, width: 256 },
      { level: 1, index: 1, width: 17 },
      { level: 2, index: 0, width: 1 },
    ]);
    expect(tileWidth(1, 1, 70000)).toBe(17);
    expect(tileWidth(3, 0, 70000)).toBe(0);
  });

  it('a tree of size 256: a full level-0 tile and a level-1 tile of width 1', () => {
    expect(newTiles(0, 256)).toEqual([
      { level: 0, index: 0, width: 256 },
      { level: 1, index: 0, width: 1 },
    ]);
  });

  it('growing a tree publishes exactly the tiles whose width changed', () => {
    fc.assert(
      fc.property(fc.nat(100_000), fc.nat(70_000), (oldSize, growth) => {
        const newSize = oldSize + growth;
        const published = new Set(newTiles(oldSize, newSize).map((t) => tilePath(t.level, t.index, t.width)));
        const before = new Set(newTiles(0, oldSize).map((t) => `${t.level}/${t.index}/${t.width}`));
        for (const t of newTiles(0, newSize)) {
          // A tile of the new tree is published now unless the old tree had it at the same width.
          expect(published.has(tilePath(t.level, t.index, t.width))).toBe(
            !before.has(`${t.level}/${t.index}/${t.width}`),
          );
          expect(tileWidth(t.level as number, t.index, newSize)).toBe(t.width);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('locates a node in its tile', () => {
    expect(tileOfNode(0, 1234067)).toEqual({ level: 0, index: 4820, offset: 147, count: 1 });
    expect(tileOfNode(9, 3)).toEqual({ level: 1, index: 0, offset: 6, count: 2 });
    expect(tileOfNode(16, 300)).toEqual({ level: 2, index: 1, offset: 44, count: 1 });
    expect(tileOfNode(15, 1)).toEqual({ level: 1, index: 0, offset: 128, count: 128 });
  });
});

describe('proofs from tiles', () => {
  const size = 70_000;
  const tree = createMemoryTree();
  for (let i = 0; i < size; i++) tree.append(leafHash(utf8(`entry ${i}`)));
  const tiles = new Map(
    newTiles(0, size).map((t) => [tilePath(t.level, t.index, t.width), tree.tile(t.level as number, t.index)]),
  );

  it('serves tile bytes at the width of the tree, as level-8·L hashes', () => {
    expect(tiles.get('tile/0/273.p/112')!.length).toBe(112 * 32);
    expect(tiles.get('tile/2/000.p/1')).toEqual(tree.read(16, 0));
    expect(tileData(1, 0, 256, tree.read).subarray(32, 64)).toEqual(tree.read(8, 1));
  });

  it('a reader over the published tiles gives the same root and proofs as the tree itself', () => {
    let reads = 0;
    const read = tileHashReader(size, (level, index, width) => {
      reads++;
      return tiles.get(tilePath(level, index, width))!;
    });
    expect(treeRoot(size, read)).toEqual(tree.root());
    fc.assert(
      fc.property(fc.nat(size - 1), fc.integer({ min: 1, max: size }), (index, size1) => {
        expect(inclusionProof(index, size, read)).toEqual(inclusionProof(index, size, tree.read));
        expect(consistencyProof(size1, size, read)).toEqual(consistencyProof(size1, size, tree.read));
      }),
      { numRuns: 40 },
    );
    expect(reads).toBeLessThan(40 * 6 * 3);
  });

  it('a shared cache keeps full tiles across readers of growing sizes, never partial ones', () => {
    const cache = createTileCache();
    const grown = createMemoryTree();
    let reads = 0;
    const readerAt = (size: number) =>
      tileHashReader(
        size,
        (level, index, width) => {
          reads++;
          const data = grown.tile(level, index);
          expect(data.length).toBe(width * 32);
          return data;
        },
        { cache },
      );
    for (let i = 0; i < 1000; i++) grown.append(leafHash(utf8(`grown ${i}`)));
    const first = readerAt(1000);
    expect(inclusionProof(10, 1000, first)).toEqual(inclusionProof(10, 1000, grown.read));
    expect(reads).toBe(3); // tile 0/000, the partial 0/003.p/232 and 1/000.p/3
    expect(cache.size).toBe(1);
    for (let i = 1000; i < 1100; i++) grown.append(leafHash(utf8(`grown ${i}`)));
    reads = 0;
    const second = readerAt(1100);
    expect(inclusionProof(10, 1100, second)).toEqual(inclusionProof(10, 1100, grown.read));
    expect(consistencyProof(1000, 1100, second)).toEqual(consistencyProof(1000, 1100, grown.read));
    expect(treeRoot(1100, second)).toEqual(grown.root());
    expect(reads).toBe(3); // 0/000 came from the cache; 0/003 (now full), 0/004.p/76 and 1/000.p/4 are read
    expect(cache.size).toBe(2);
  });

  it('rejects a tile of the wrong length with ERR_TILE_INVALID and nodes outside the tree with ERR_INPUT_INVALID', () => {
    const read = tileHashReader(size, () => new Uint8Array(31));
    expect(() => read(0, 5)).toThrow(expect.objectContaining({ code: 'ERR_TILE_INVALID' }));
    const good = tileHashReader(size, (l, n, w) => tiles.get(tilePath(l, n, w))!);
    expect(() => good(0, size)).toThrow(expect.objectContaining({ code: 'ERR_INPUT_INVALID' }));
    expect(() => good(17, 0)).toThrow(expect.objectContaining({ code: 'ERR_INPUT_INVALID' }));
  });
});

describe('entry bundles', () => {
  it('are uint16 big-endian length-prefixed entries', () => {
    const bundle = entryBundle([utf8('ab'), new Uint8Array(0), new Uint8Array(300).fill(7)]);
    expect(Array.from(bundle.subarray(0, 6))).toEqual([0, 2, 97, 98, 0, 0]);
    expect(Array.from(bundle.subarray(6, 8))).toEqual([1, 44]);
    expect(parseEntryBundle(bundle, 3).map((e) => e.length)).toEqual([2, 0, 300]);
  });

  it('round-trip any entries, and reject truncation, excess and wrong widths with ERR_TILE_INVALID', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: TILE_WIDTH }), (entries) => {
        const bundle = entryBundle(entries);
        expect(parseEntryBundle(bundle, entries.length)).toEqual(entries);
        if (bundle.length > 0 && entries.some((e) => e.length > 0)) {
          expect(() => parseEntryBundle(bundle.subarray(0, bundle.length - 1))).toThrow(
            expect.objectContaining({ code: 'ERR_TILE_INVALID' }),
          );
        }
      }),
      { numRuns: 60 },
    );
    const tileInvalid = expect.objectContaining({ code: 'ERR_TILE_INVALID' });
    expect(() => parseEntryBundle(Uint8Array.of(0))).toThrow(tileInvalid);
    expect(() => parseEntryBundle(entryBundle([utf8('x')]), 2)).toThrow(tileInvalid);
    expect(() => parseEntryBundle(new Uint8Array(2 * 257))).toThrow(tileInvalid);
    expect(() => entryBundle([new Uint8Array(65536)])).toThrow(expect.objectContaining({ code: 'ERR_INPUT_INVALID' }));
  });
});
