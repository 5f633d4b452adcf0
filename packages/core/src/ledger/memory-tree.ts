import { SkillproofError } from '../errors.js';
import { HASH_SIZE, treeRoot } from './merkle.js';
import type { HashReader } from './merkle.js';
import { hashRun, tileData, tileWidth } from './tiles.js';

/** An append-only Merkle tree held in memory; see {@link createMemoryTree}. */
export interface MemoryTree {
  /** Number of leaves appended so far. */
  readonly size: number;
  /** Appends one leaf hash (see `leafHash`) and returns its index. */
  append(leafHash: Uint8Array): number;
  /** Reads any complete subtree of the current tree; pass it to `inclusionProof`, `consistencyProof`, `treeRoot`. */
  readonly read: HashReader;
  /** The root hash of the tree at `size` leaves (default: all of them). */
  root(size?: number): Uint8Array;
  /** The bytes of a tile at its width in the current tree (the partial width unless it is full). */
  tile(level: number, index: number): Uint8Array;
}

/** A growing array of 32-byte hashes in one buffer, doubled as it fills. */
class HashArray {
  data = new Uint8Array(HASH_SIZE * 64);
  count = 0;
  push(hash: Uint8Array): void {
    if ((this.count + 1) * HASH_SIZE > this.data.length) {
      const bigger = new Uint8Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data.set(hash, this.count * HASH_SIZE);
    this.count++;
  }
}

/**
 * An in-memory tree for tests, benchmarks and tools: it keeps the hashes of every `stride`-th level (default 4: the
 * leaf hashes plus about 7% more), so appending costs about one hash per leaf, any node is at most 2^(stride−1)
 * hashes away and tiles (levels 0, 8, 16, …) are read straight out of it.
 *
 * @example
 * ```ts
 * const tree = createMemoryTree();
 * for (const leaf of leaves) tree.append(leafHash(leaf));
 * const proof = inclusionProof(7, tree.size, tree.read);
 * ```
 */
export function createMemoryTree(options: { stride?: 1 | 2 | 4 | 8 } = {}): MemoryTree {
  const stride = options.stride ?? 4;
  if (![1, 2, 4, 8].includes(stride)) {
    throw new SkillproofError('ERR_INPUT_INVALID', 'The stride must be 1, 2, 4 or 8 (a divisor of the tile height).');
  }
  const group = 2 ** stride;
  const levels: HashArray[] = [new HashArray()];
  const read: HashReader = (level, index) => {
    const size = levels[0]!.count;
    if (!Number.isInteger(level) || level < 0 || !Number.isSafeInteger(index) || index < 0) {
      throw new SkillproofError('ERR_INPUT_INVALID', `No tree node at level ${level}, index ${index}.`);
    }
    if ((index + 1) * 2 ** level > size) {
      throw new SkillproofError(
        'ERR_INPUT_INVALID',
        `Node ${level}/${index} is not complete in a tree of size ${size}.`,
      );
    }
    const stored = Math.floor(level / stride);
    const count = 2 ** (level - stored * stride);
    return hashRun(levels[stored]!.data, index * count, count);
  };
  return {
    get size() {
      return levels[0]!.count;
    },
    append(leafHash) {
      if (!(leafHash instanceof Uint8Array) || leafHash.length !== HASH_SIZE) {
        throw new SkillproofError('ERR_INPUT_INVALID', `A leaf hash is ${HASH_SIZE} bytes.`);
      }
      levels[0]!.push(leafHash);
      // Each stored level gains a hash whenever the one below completes a group of 2^stride.
      for (let j = 0; levels[j]!.count % group === 0; j++) {
        const below = levels[j]!;
        const parent = hashRun(below.data, below.count - group, group);
        (levels[j + 1] ??= new HashArray()).push(parent);
      }
      return levels[0]!.count - 1;
    },
    read,
    root(size = levels[0]!.count) {
      if (size > levels[0]!.count) {
        throw new SkillproofError('ERR_INPUT_INVALID', `The tree has only ${levels[0]!.count} leaves.`);
      }
      return treeRoot(size, read);
    },
    tile(level, index) {
      const width = tileWidth(level, index, levels[0]!.count);
      if (width === 0) throw new SkillproofError('ERR_INPUT_INVALID', `The tree has no tile ${level}/${index} yet.`);
      return tileData(level, index, width, read);
    },
  };
}
