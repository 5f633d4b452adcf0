import { platform } from '#platform';
import { SkillproofError } from '../errors.js';
import { bytesEqual } from '../lib/encoding.js';
import { isSafeIndex } from './bytes.js';

/**
 * Reads the hash of a complete subtree of the log: `level` 0 is the leaf hashes, level `l` index `i` is the Merkle
 * Tree Hash of leaves `[i·2^l, (i+1)·2^l)`. Proof generation only asks for subtrees that are complete in the tree size
 * it was given.
 */
export type HashReader = (level: number, index: number) => Uint8Array;

/**
 * Length in bytes of every hash in the log (SHA-256).
 *
 * @example
 * ```ts
 * const tileBytes = width * HASH_SIZE;
 * ```
 */
export const HASH_SIZE = 32;

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_INPUT = new Uint8Array(1 + 2 * HASH_SIZE);

/**
 * The RFC 6962 / RFC 9162 §2.1.1 hash of a log leaf: SHA-256(0x00 ‖ leaf).
 *
 * @example
 * ```ts
 * const hash = leafHash(new TextEncoder().encode('{"v":1,…}'));
 * ```
 */
export function leafHash(leaf: Uint8Array): Uint8Array {
  const input = new Uint8Array(1 + leaf.length);
  input.set(LEAF_PREFIX, 0);
  input.set(leaf, 1);
  return platform.sha256(input);
}

/**
 * The RFC 6962 / RFC 9162 §2.1.1 hash of an interior node: SHA-256(0x01 ‖ left ‖ right).
 *
 * @example
 * ```ts
 * const parent = nodeHash(leafHash(a), leafHash(b));
 * ```
 */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  // One reused input buffer for the usual two 32-byte hashes: hashing is synchronous, and proofs hash hundreds of nodes.
  const input =
    left.length === HASH_SIZE && right.length === HASH_SIZE
      ? NODE_INPUT
      : new Uint8Array(1 + left.length + right.length);
  input[0] = 0x01;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return platform.sha256(input);
}

/**
 * SHA-256 of the empty string: the Merkle Tree Hash of the empty tree (RFC 9162 §2.1.1).
 *
 * @example
 * ```ts
 * formatCheckpoint({ origin, size: 0, rootHash: emptyRoot() });
 * ```
 */
export function emptyRoot(): Uint8Array {
  return platform.sha256(new Uint8Array(0));
}

/**
 * The Merkle Tree Hash (root) of a list of leaf hashes, as RFC 9162 §2.1.1 defines it.
 *
 * @example
 * ```ts
 * const root = rootOf(leaves.map(leafHash));
 * ```
 */
export function rootOf(leafHashes: readonly Uint8Array[]): Uint8Array {
  if (leafHashes.length === 0) return emptyRoot();
  // Level by level: a node without a right sibling moves up unchanged, which is exactly the RFC's split at the largest
  // power of two smaller than the size.
  let level: Uint8Array[] = [...leafHashes];
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!;
}

/** The largest power of two smaller than n (n ≥ 2). Arithmetic, not bit operations: sizes go beyond 2^32. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function log2(powerOfTwo: number): number {
  let level = 0;
  while (2 ** level < powerOfTwo) level++;
  return level;
}

/**
 * The Merkle Tree Hash of leaves [start, end) where start is a multiple of the largest power of two not above
 * end − start (every range the proofs need): the maximal complete subtrees from left to right, folded from the right.
 */
function rangeHash(start: number, end: number, read: HashReader): Uint8Array {
  const parts: Uint8Array[] = [];
  let at = start;
  while (at < end) {
    let width = 1;
    while (width * 2 <= end - at) width *= 2;
    parts.push(readChecked(read, log2(width), at / width));
    at += width;
  }
  let hash = parts[parts.length - 1]!;
  for (let i = parts.length - 2; i >= 0; i--) hash = nodeHash(parts[i]!, hash);
  return hash;
}

function readChecked(read: HashReader, level: number, index: number): Uint8Array {
  const hash = read(level, index);
  if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE) {
    throw new SkillproofError(
      'ERR_INPUT_INVALID',
      `The hash reader returned no ${HASH_SIZE}-byte hash for level ${level}, index ${index}.`,
    );
  }
  return hash;
}

function assertSize(name: string, value: unknown): asserts value is number {
  if (!isSafeIndex(value)) {
    throw new SkillproofError(
      'ERR_INPUT_INVALID',
      `${name} must be a non-negative safe integer, got ${String(value)}.`,
    );
  }
}

/**
 * The root hash of the tree of the first `size` leaves, from the complete subtrees the reader holds.
 *
 * @example
 * ```ts
 * const root = treeRoot(tree.size, tree.read);
 * ```
 */
export function treeRoot(size: number, read: HashReader): Uint8Array {
  assertSize('size', size);
  return size === 0 ? emptyRoot() : rangeHash(0, size, read);
}

/**
 * The inclusion proof (audit path) of leaf `index` in the tree of `size` leaves, RFC 9162 §2.1.3.1: sibling hashes from
 * the leaf's up to the root's child.
 *
 * @example
 * ```ts
 * const proof = inclusionProof(5, tree.size, tree.read);
 * verifyInclusion(leafHash(leaf5), 5, tree.size, proof, treeRoot(tree.size, tree.read)); // true
 * ```
 */
export function inclusionProof(index: number, size: number, read: HashReader): Uint8Array[] {
  assertSize('index', index);
  assertSize('size', size);
  if (index >= size) {
    throw new SkillproofError('ERR_INPUT_INVALID', `Leaf index ${index} is not in a tree of size ${size}.`);
  }
  // PATH(m, D[n]) unrolled: each step records the sibling subtree and descends into the half that holds the leaf.
  const path: Uint8Array[] = [];
  let start = 0;
  let n = size;
  let m = index;
  while (n > 1) {
    const k = splitPoint(n);
    if (m < k) {
      path.push(rangeHash(start + k, start + n, read));
      n = k;
    } else {
      path.push(rangeHash(start, start + k, read));
      start += k;
      m -= k;
      n -= k;
    }
  }
  return path.reverse();
}

/**
 * The consistency proof between the trees of `size1` and `size2` leaves, RFC 9162 §2.1.4.1. Empty when the sizes are
 * equal; `size1` must be at least 1 (every tree is consistent with the empty tree, and no proof says so).
 *
 * @example
 * ```ts
 * const proof = consistencyProof(oldSize, tree.size, tree.read);
 * verifyConsistency(oldSize, tree.size, proof, oldRoot, newRoot); // true
 * ```
 */
export function consistencyProof(size1: number, size2: number, read: HashReader): Uint8Array[] {
  assertSize('size1', size1);
  assertSize('size2', size2);
  if (size1 < 1 || size1 > size2) {
    throw new SkillproofError(
      'ERR_INPUT_INVALID',
      `A consistency proof needs 1 ≤ size1 ≤ size2, got size1 ${size1} and size2 ${size2}.`,
    );
  }
  // SUBPROOF(m, D[n], b) unrolled; `complete` is b: true while the old tree is still a complete subtree on the left edge.
  const path: Uint8Array[] = [];
  let start = 0;
  let m = size1;
  let n = size2;
  let complete = true;
  while (m !== n) {
    const k = splitPoint(n);
    if (m <= k) {
      path.push(rangeHash(start + k, start + n, read));
      n = k;
    } else {
      path.push(rangeHash(start, start + k, read));
      start += k;
      m -= k;
      n -= k;
      complete = false;
    }
  }
  if (!complete) path.push(rangeHash(start, start + m, read));
  return path.reverse();
}

/** Verification answers false for numbers no tree can have (uint64 wrap-arounds included); other types are misuse. */
function isVerifiableSize(name: string, value: unknown): boolean {
  if (typeof value !== 'number') {
    throw new SkillproofError('ERR_INPUT_INVALID', `${name} must be a number, got ${typeof value}.`);
  }
  return isSafeIndex(value);
}

function allHashes(proof: readonly Uint8Array[]): boolean {
  return Array.isArray(proof) && proof.every((p) => p instanceof Uint8Array && p.length === HASH_SIZE);
}

/**
 * Verifies an inclusion proof, RFC 9162 §2.1.3.2. False for any proof that does not bind `leafHash` at `index` to
 * `root` in a tree of `size` leaves (wrong lengths, extra or missing hashes included).
 *
 * @example
 * ```ts
 * if (!verifyInclusion(leafHash(leaf), index, checkpoint.size, proof, checkpoint.rootHash)) reject();
 * ```
 */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isVerifiableSize('index', index) || !isVerifiableSize('size', size)) return false;
  if (index >= size || !(leafHash instanceof Uint8Array) || leafHash.length !== HASH_SIZE) return false;
  if (!allHashes(proof) || !(root instanceof Uint8Array)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && bytesEqual(r, root);
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

/**
 * Verifies a consistency proof, RFC 9162 §2.1.4.2: the tree of `size2` leaves with root `root2` extends the tree of
 * `size1` leaves with root `root1`. Equal sizes need an empty proof and equal roots. `size1` 0 is false, as in
 * transparency-dev/merkle: a proof from the empty tree proves nothing, so callers treat that case themselves.
 *
 * @example
 * ```ts
 * if (!verifyConsistency(old.size, next.size, proof, old.rootHash, next.rootHash)) reportSplitView();
 * ```
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): boolean {
  if (!isVerifiableSize('size1', size1) || !isVerifiableSize('size2', size2)) return false;
  if (!(root1 instanceof Uint8Array) || !(root2 instanceof Uint8Array) || !Array.isArray(proof)) return false;
  if (size2 < size1 || size1 === 0) return false;
  if (size1 === size2) return proof.length === 0 && bytesEqual(root1, root2);
  if (proof.length === 0 || !allHashes(proof)) return false;
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return bytesEqual(fr, root1) && bytesEqual(sr, root2) && sn === 0;
}
