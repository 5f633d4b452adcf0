import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  consistencyProof,
  createMemoryTree,
  emptyRoot,
  inclusionProof,
  leafHash,
  nodeHash,
  rootOf,
  treeRoot,
  verifyConsistency,
  verifyInclusion,
} from '../src/index.js';
import type { HashReader } from '../src/index.js';

// transparency-dev/merkle testdata and constants (see fixtures/tlog/SOURCES.md).
const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`./fixtures/tlog/${name}`, import.meta.url), 'utf8')) as T;
const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const hexBytes = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const utf8 = (s: string) => new TextEncoder().encode(s);

interface InclusionProbe {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}
interface ConsistencyProbe {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}
interface TreeHashes {
  leafInputsHex: string[];
  nodeHashesHex: string[][];
  rootHashesHex: string[];
  hasher: {
    emptyRootHex: string;
    emptyLeafHashHex: string;
    leaf: { input: string; hashHex: string };
    node: { left: string; right: string; hashHex: string };
  };
}

const inclusionProbes = fixture<Record<string, InclusionProbe>>('transparency-dev-merkle-inclusion.json');
const consistencyProbes = fixture<Record<string, ConsistencyProbe>>('transparency-dev-merkle-consistency.json');
const treeHashes = fixture<TreeHashes>('transparency-dev-merkle-tree-hashes.json');

/** A reader over explicitly built levels, independent of the memory tree: the reference for the properties. */
function levelsReader(leafHashes: Uint8Array[]): HashReader {
  const levels: Uint8Array[][] = [leafHashes];
  while (levels[levels.length - 1]!.length > 1) {
    const below = levels[levels.length - 1]!;
    const level: Uint8Array[] = [];
    for (let i = 0; i + 1 < below.length; i += 2) level.push(nodeHash(below[i]!, below[i + 1]!));
    levels.push(level);
  }
  return (level, index) => {
    const hash = levels[level]?.[index];
    if (!hash) throw new Error(`no complete node ${level}/${index}`);
    return hash;
  };
}

const vectorLeafHashes = treeHashes.leafInputsHex.map((h) => leafHash(hexBytes(h)));

describe('RFC 6962 hashing (transparency-dev/merkle known answers)', () => {
  it('hashes the empty tree, leaves and nodes as RFC 6962 does', () => {
    expect(toHex(emptyRoot())).toBe(treeHashes.hasher.emptyRootHex);
    expect(toHex(leafHash(new Uint8Array(0)))).toBe(treeHashes.hasher.emptyLeafHashHex);
    expect(toHex(leafHash(utf8(treeHashes.hasher.leaf.input)))).toBe(treeHashes.hasher.leaf.hashHex);
    const { left, right, hashHex } = treeHashes.hasher.node;
    expect(toHex(nodeHash(utf8(left), utf8(right)))).toBe(hashHex);
  });

  it('computes every node hash and the root of every prefix of the 8-leaf reference tree', () => {
    treeHashes.nodeHashesHex[0]!.forEach((h, i) => expect(toHex(vectorLeafHashes[i]!)).toBe(h));
    const read = levelsReader(vectorLeafHashes);
    treeHashes.nodeHashesHex.forEach((level, l) => level.forEach((h, i) => expect(toHex(read(l, i))).toBe(h)));
    const tree = createMemoryTree({ stride: 2 });
    treeHashes.rootHashesHex.forEach((h, size) => {
      expect(toHex(rootOf(vectorLeafHashes.slice(0, size)))).toBe(h);
      if (size > 0) tree.append(vectorLeafHashes[size - 1]!);
      expect(toHex(tree.root())).toBe(h);
      expect(toHex(treeRoot(size, read))).toBe(h);
    });
  });
});

describe('inclusion proofs (transparency-dev/merkle testdata)', () => {
  const entries = Object.entries(inclusionProbes);
  it('has the valid and invalid cases', () => {
    expect(entries.length).toBe(98);
    expect(entries.filter(([, p]) => !p.wantErr).length).toBe(6);
  });
  for (const [path, p] of entries) {
    it(`${path}: ${p.desc} → ${p.wantErr ? 'rejected' : 'verified'}`, () => {
      const proof = (p.proof ?? []).map(b64);
      expect(verifyInclusion(b64(p.leafHash), p.leafIdx, p.treeSize, proof, b64(p.root))).toBe(!p.wantErr);
    });
  }
  it('generates exactly the happy-path proofs from the reference tree', () => {
    const read = levelsReader(vectorLeafHashes);
    let compared = 0;
    for (const [path, p] of entries.filter(([, p]) => !p.wantErr && p.treeSize <= 8)) {
      if (toHex(b64(p.leafHash)) !== toHex(vectorLeafHashes[p.leafIdx]!)) continue;
      const proof = inclusionProof(p.leafIdx, p.treeSize, read).map((h) => Buffer.from(h).toString('base64'));
      expect(proof, path).toEqual(p.proof ?? []);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(4);
  });
});

describe('consistency proofs (transparency-dev/merkle testdata)', () => {
  const entries = Object.entries(consistencyProbes);
  it('has the valid and invalid cases', () => {
    expect(entries.length).toBe(98);
    expect(entries.filter(([, p]) => !p.wantErr).length).toBe(6);
  });
  for (const [path, p] of entries) {
    it(`${path}: ${p.desc} → ${p.wantErr ? 'rejected' : 'verified'}`, () => {
      const proof = (p.proof ?? []).map(b64);
      expect(verifyConsistency(p.size1, p.size2, proof, b64(p.root1), b64(p.root2))).toBe(!p.wantErr);
    });
  }
  it('generates exactly the happy-path proofs from the reference tree', () => {
    const read = levelsReader(vectorLeafHashes);
    let compared = 0;
    for (const [path, p] of entries.filter(([, p]) => !p.wantErr && p.size1 > 0 && p.size2 <= 8)) {
      if (toHex(b64(p.root2)) !== treeHashes.rootHashesHex[p.size2]) continue;
      const proof = consistencyProof(p.size1, p.size2, read).map((h) => Buffer.from(h).toString('base64'));
      expect(proof, path).toEqual(p.proof ?? []);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(4);
  });
});

describe('proof properties over random trees', () => {
  // One tree of 2,000 leaves built once; the properties pick sizes and indexes inside it.
  const leaves = Array.from({ length: 2000 }, (_, i) => leafHash(utf8(`leaf ${i}`)));
  const tree = createMemoryTree();
  for (const h of leaves) tree.append(h);
  const reference = levelsReader(leaves);
  const rootAt = (size: number) => treeRoot(size, reference);
  const flip = (proof: Uint8Array[], which: number, bit: number) =>
    proof.map((h, i) => (i === which ? h.map((b, j) => (j === bit >> 3 ? b ^ (1 << (bit & 7)) : b)) : h));

  it('the memory tree agrees with the reference levels at every level it can read', () => {
    for (const [level, index] of [
      [0, 1999],
      [3, 17],
      [4, 100],
      [7, 14],
      [10, 0],
    ] as const) {
      expect(toHex(tree.read(level, index))).toBe(toHex(reference(level, index)));
    }
    expect(() => tree.read(4, 125)).toThrow(expect.objectContaining({ code: 'ERR_INPUT_INVALID' }));
    for (const size of [1, 2, 3, 255, 256, 257, 1023, 1024, 1999, 2000]) {
      const root = toHex(rootOf(leaves.slice(0, size)));
      expect(toHex(rootAt(size))).toBe(root);
      expect(toHex(tree.root(size))).toBe(root);
    }
  });

  it('every inclusion proof verifies; a flipped bit, a wrong index, size or leaf fails', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }).chain((size) => fc.tuple(fc.constant(size), fc.nat(size - 1), fc.nat())),
        ([size, index, noise]) => {
          const root = rootAt(size);
          const proof = inclusionProof(index, size, tree.read);
          expect(proof.map(toHex)).toEqual(inclusionProof(index, size, reference).map(toHex));
          expect(verifyInclusion(leaves[index]!, index, size, proof, root)).toBe(true);
          if (proof.length > 0) {
            const tampered = flip(proof, noise % proof.length, noise % 256);
            expect(verifyInclusion(leaves[index]!, index, size, tampered, root)).toBe(false);
            expect(verifyInclusion(leaves[index]!, index, size, proof.slice(1), root)).toBe(false);
            const other = (index + 1 + (noise % (size - 1))) % size;
            expect(verifyInclusion(leaves[index]!, other, size, proof, root)).toBe(false);
            expect(verifyInclusion(leaves[other]!, index, size, proof, root)).toBe(false);
          }
          expect(verifyInclusion(leaves[index]!, index, size, [...proof, leaves[0]!], root)).toBe(false);
          if (size < 2000)
            expect(verifyInclusion(leaves[index]!, index, size + 1, proof, rootAt(size + 1))).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('every consistency proof verifies; a flipped bit, a wrong size or root fails', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 2000 })
          .chain((size2) => fc.tuple(fc.integer({ min: 1, max: size2 }), fc.constant(size2), fc.nat())),
        ([size1, size2, noise]) => {
          const [root1, root2] = [rootAt(size1), rootAt(size2)];
          const proof = consistencyProof(size1, size2, tree.read);
          expect(proof.map(toHex)).toEqual(consistencyProof(size1, size2, reference).map(toHex));
          expect(verifyConsistency(size1, size2, proof, root1, root2)).toBe(true);
          if (size1 === size2) return;
          const tampered = flip(proof, noise % proof.length, noise % 256);
          expect(verifyConsistency(size1, size2, tampered, root1, root2)).toBe(false);
          expect(verifyConsistency(size1, size2, proof.slice(0, -1), root1, root2)).toBe(false);
          expect(verifyConsistency(size1, size2, proof, root2, root1)).toBe(false);
          if (size1 > 1) expect(verifyConsistency(size1 - 1, size2, proof, rootAt(size1 - 1), root2)).toBe(false);
          if (size2 < 2000) expect(verifyConsistency(size1, size2 + 1, proof, root1, rootAt(size2 + 1))).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('rejects out-of-range arguments with ERR_INPUT_INVALID', () => {
    const invalid = expect.objectContaining({ code: 'ERR_INPUT_INVALID' });
    expect(() => inclusionProof(5, 5, tree.read)).toThrow(invalid);
    expect(() => inclusionProof(-1, 5, tree.read)).toThrow(invalid);
    expect(() => inclusionProof(0.5, 5, tree.read)).toThrow(invalid);
    expect(() => consistencyProof(0, 5, tree.read)).toThrow(invalid);
    expect(() => consistencyProof(6, 5, tree.read)).toThrow(invalid);
    expect(verifyInclusion(leaves[0]!, Number.NaN, 5, [], rootAt(5))).toBe(false);
    expect(verifyConsistency(2 ** 64, 2 ** 64, [], rootAt(5), rootAt(5))).toBe(false);
    expect(() => verifyInclusion(leaves[0]!, '0' as unknown as number, 5, [], rootAt(5))).toThrow(invalid);
    expect(() => inclusionProof(0, 4, () => new Uint8Array(3))).toThrow(invalid);
    expect(consistencyProof(7, 7, tree.read)).toEqual([]);
    expect(inclusionProof(0, 1, tree.read)).toEqual([]);
  });
});
