import { platform } from '#platform';
import { SkillproofError } from '../errors.js';

/** Options of {@link createStatusListIndexAllocator}. */
export interface StatusListIndexAllocatorOptions {
  /** Number of indexes in the list (a {@link StatusList}'s `length`), 1 ≤ length ≤ 2^32. */
  length: number;
  /** Indexes already handed out (for example read back from the database); each must be in range. */
  used?: Iterable<number>;
  /** Source of uniformly random bytes. Default: the platform CSPRNG. */
  random?: (bytes: number) => Uint8Array;
}

/** Hands out status list indexes uniformly at random, never the same one twice. */
export interface StatusListIndexAllocator {
  /** Number of indexes in the list. */
  readonly length: number;
  /** Number of indexes already used. */
  readonly usedCount: number;
  /** Number of indexes still free. */
  readonly freeCount: number;
  /** A uniformly random index not used before, now marked used. Throws `ERR_STATUS_LIST_FULL` when none is left. */
  allocate(): number;
  /** Records an index as used (allocated elsewhere). Returns false when it already was. */
  markUsed(index: number): boolean;
  /** True when the index has been used. */
  isUsed(index: number): boolean;
}

// Used counts are kept per block of 1024 indexes, so finding the k-th free index walks length/1024 counters and
// then at most 128 bytes instead of the whole bitmap.
const BLOCK_BITS = 1024;
const BLOCK_BYTES = BLOCK_BITS / 8;
// Rejection sampling is used while at least 1/8 of the list is free (expected ≤ 8 draws); below that, or after this
// many misses, the allocator picks the k-th free index directly.
const MAX_REJECTIONS = 32;
const RANDOM_BUFFER = 256;

const POPCOUNT = (() => {
  const table = new Uint8Array(256);
  for (let i = 1; i < 256; i++) table[i] = (i & 1) + table[i >> 1]!;
  return table;
})();

/**
 * An allocator of random, never-reused status list indexes. Bitstring Status List v1.0 §2.1: implementations SHOULD
 * assign indexes randomly, so that an index reveals neither when a credential was issued nor how many were. Every
 * free index is equally likely, also when the list is almost full: below 1/8 free the allocator stops rejection
 * sampling and draws the k-th free index directly.
 *
 * @example
 * ```ts
 * const allocator = createStatusListIndexAllocator({ length: 131_072, used: await repo.usedIndexes(listId) });
 * const index = allocator.allocate(); // e.g. 94567
 * ```
 */
export function createStatusListIndexAllocator(options: StatusListIndexAllocatorOptions): StatusListIndexAllocator {
  const { length } = options;
  if (!Number.isSafeInteger(length) || length < 1 || length > 2 ** 32) {
    throw new SkillproofError('ERR_INPUT_INVALID', 'length must be an integer from 1 to 2^32.');
  }
  const random = options.random ?? ((n: number) => platform.randomBytes(n));
  if (typeof random !== 'function') throw new SkillproofError('ERR_INPUT_INVALID', 'random must be a function.');

  const bitmap = new Uint8Array(Math.ceil(length / 8));
  const blockUsed = new Uint32Array(Math.ceil(length / BLOCK_BITS));
  let usedCount = 0;
  let pool: Uint8Array = new Uint8Array(0);
  let poolOffset = 0;

  function checkIndex(index: number): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= length) {
      throw new SkillproofError('ERR_STATUS_INDEX', `Index ${String(index)} is outside the list (0..${length - 1}).`);
    }
  }
  const isUsed = (index: number): boolean => ((bitmap[index >>> 3]! >> (index & 7)) & 1) === 1;
  function mark(index: number): boolean {
    if (isUsed(index)) return false;
    bitmap[index >>> 3]! |= 1 << (index & 7);
    blockUsed[Math.floor(index / BLOCK_BITS)]!++;
    usedCount++;
    return true;
  }

  function randomUint32(): number {
    if (poolOffset + 4 > pool.length) {
      pool = random(RANDOM_BUFFER);
      poolOffset = 0;
      if (!(pool instanceof Uint8Array) || pool.length < 4) {
        throw new SkillproofError('ERR_INPUT_INVALID', `random(${RANDOM_BUFFER}) did not return enough bytes.`);
      }
    }
    const b = pool;
    const o = poolOffset;
    poolOffset += 4;
    return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  }

  /** Uniform in [0, n) without modulo bias (rejects the top partial range of 2^32). */
  function uniform(n: number): number {
    if (n === 2 ** 32) return randomUint32();
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const r = randomUint32();
      if (r < limit) return r % n;
    }
  }

  /** The k-th (0-based) free index. */
  function nthFree(k: number): number {
    let remaining = k;
    for (let block = 0; block < blockUsed.length; block++) {
      const start = block * BLOCK_BITS;
      const size = Math.min(BLOCK_BITS, length - start);
      const free = size - blockUsed[block]!;
      if (remaining >= free) {
        remaining -= free;
        continue;
      }
      const firstByte = start / 8;
      const lastByte = Math.min(firstByte + BLOCK_BYTES, bitmap.length);
      for (let byte = firstByte; byte < lastByte; byte++) {
        const validBits = Math.min(8, length - byte * 8);
        const freeMask = ~bitmap[byte]! & ((1 << validBits) - 1);
        const freeHere = POPCOUNT[freeMask]!;
        if (remaining >= freeHere) {
          remaining -= freeHere;
          continue;
        }
        for (let bit = 0; bit < validBits; bit++) {
          if ((freeMask >> bit) & 1 && remaining-- === 0) return byte * 8 + bit;
        }
      }
    }
    throw new SkillproofError('ERR_STATUS_LIST_FULL', 'Internal error: free index count is inconsistent.');
  }

  for (const index of options.used ?? []) {
    checkIndex(index);
    mark(index);
  }

  return {
    length,
    get usedCount() {
      return usedCount;
    },
    get freeCount() {
      return length - usedCount;
    },
    allocate() {
      const free = length - usedCount;
      if (free === 0) {
        throw new SkillproofError('ERR_STATUS_LIST_FULL', `All ${length} indexes of the status list are in use.`, {
          details: { length },
        });
      }
      if (free * 8 >= length) {
        for (let attempt = 0; attempt < MAX_REJECTIONS; attempt++) {
          const candidate = uniform(length);
          if (!isUsed(candidate)) {
            mark(candidate);
            return candidate;
          }
        }
      }
      const index = nthFree(uniform(free));
      mark(index);
      return index;
    },
    markUsed(index) {
      checkIndex(index);
      return mark(index);
    },
    isUsed(index) {
      checkIndex(index);
      return isUsed(index);
    },
  };
}
