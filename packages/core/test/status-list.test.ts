import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync as nodeGzip, constants as zlibConstants } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  createStatusList,
  createStatusListIndexAllocator,
  decodeStatusList,
  isSkillproofError,
  STATUS_LIST_MAX_BYTES,
  STATUS_LIST_MIN_ENTRIES,
} from '../src/index.js';
import type { ErrorCode } from '../src/index.js';

const VECTORS = fileURLToPath(new URL('./fixtures/vectors/', import.meta.url));
const readJson = (path: string): Record<string, unknown> => JSON.parse(readFileSync(VECTORS + path, 'utf8'));

function codeOf(fn: () => unknown): ErrorCode | undefined {
  try {
    fn();
  } catch (e) {
    if (isSkillproofError(e)) return e.code;
    throw e;
  }
  return undefined;
}

/** Byte equality without vitest's slow element-wise deep equality on 16 KiB arrays. */
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));
const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
/** Reference encoding with Node's zlib, independent of the code under test. */
const encodeWithZlib = (bits: Uint8Array): string => 'u' + b64url(nodeGzip(bits));

// Bitstring Status List v1.0, Example 3 and §A.2: an all-zero 16 KB list.
const W3C_EXAMPLE_LIST = 'uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA';
// DCC vc-test-fixtures statusLists/didkey-ed25519Signature2020/e5WK8CbZ1GjycuPombrj: 100,000 entries.
const DCC_LIST = 'uH4sIAAAAAAAAA-3BMQEAAAwCoGUx6aLbwgvIHwAAAAAAAAAAAAAAwFwBZnztF9QwAAA';

describe('StatusList layout', () => {
  it('defaults to 131,072 one-bit entries in 16 KiB, all zero', () => {
    const list = createStatusList();
    expect(list.length).toBe(131_072);
    expect(list.statusSize).toBe(1);
    expect(sameBytes(list.toBytes(), new Uint8Array(16_384))).toBe(true);
  });

  it('puts index 0 at the most significant bit of byte 0 (§7.1)', () => {
    const list = createStatusList();
    list.set(0);
    list.set(9);
    list.set(131_071);
    const bytes = list.toBytes();
    expect(bytes[0]).toBe(0b1000_0000);
    expect(bytes[1]).toBe(0b0100_0000);
    expect(bytes[16_383]).toBe(0b0000_0001);
    expect(bytes.reduce((n, b) => n + (b ? 1 : 0), 0)).toBe(3);
  });

  it('stores multi-bit values big-endian across byte boundaries', () => {
    const list = createStatusList({ statusSize: 3 });
    // Entry 2 occupies bits 6..8: the last two bits of byte 0 and the first of byte 1.
    list.set(2, 0b101);
    const bytes = list.toBytes();
    expect(bytes[0]).toBe(0b0000_0010);
    expect(bytes[1]).toBe(0b1000_0000);
    expect(list.get(2)).toBe(5);
    expect(list.get(1)).toBe(0);
    expect(list.get(3)).toBe(0);
    list.clear(2);
    expect(list.toBytes().every((b) => b === 0)).toBe(true);
  });

  it('rejects bad arguments with codes', () => {
    expect(codeOf(() => createStatusList({ length: 131_071 }))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => createStatusList({ statusSize: 0 }))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => createStatusList({ statusSize: 9 }))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => createStatusList({ length: 2 ** 28 }))).toBe('ERR_INPUT_TOO_LARGE');
    const list = createStatusList({ statusSize: 2 });
    expect(codeOf(() => list.set(131_072))).toBe('ERR_STATUS_INDEX');
    expect(codeOf(() => list.get(-1))).toBe('ERR_STATUS_INDEX');
    expect(codeOf(() => list.get(1.5))).toBe('ERR_STATUS_INDEX');
    expect(codeOf(() => list.set(0, 4))).toBe('ERR_INPUT_INVALID');
  });

  it('rounds the length up to whole bytes so it survives a round trip', () => {
    const list = createStatusList({ length: 131_075, statusSize: 3 });
    expect(list.toBytes().length).toBe(Math.ceil((131_075 * 3) / 8));
    expect(decodeStatusList(list.encode(), { statusSize: 3 }).length).toBe(list.length);
  });
});

describe('encodedList round trips (fast-check)', () => {
  it('set/clear of random index sets survive encode/decode and match an independent zlib encoding', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 131_071 }), { maxLength: 200 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 131_071 }), { maxLength: 50 }),
        (setIndexes, clearIndexes) => {
          const list = createStatusList();
          for (const i of setIndexes) list.set(i);
          for (const i of clearIndexes) list.clear(i);
          const expected = new Set(setIndexes.filter((i) => !clearIndexes.includes(i)));
          const encoded = list.encode();
          expect(encoded.startsWith('uH4sI')).toBe(true);
          const decoded = decodeStatusList(encoded);
          expect(sameBytes(decoded.toBytes(), list.toBytes())).toBe(true);
          // Decoding Node zlib's encoding of the same bits gives the same list: the format, not just our code.
          expect(sameBytes(decodeStatusList(encodeWithZlib(list.toBytes())).toBytes(), list.toBytes())).toBe(true);
          // And Node zlib reads our GZIP back to the same bits.
          expect(sameBytes(gunzipSync(Buffer.from(encoded.slice(1), 'base64url')), list.toBytes())).toBe(true);
          const wrong = [...setIndexes, ...clearIndexes].filter((i) => decoded.isSet(i) !== expected.has(i));
          expect(wrong).toEqual([]);
          const bytes = decoded.toBytes();
          let count = 0;
          for (const b of bytes) for (let k = 0; k < 8; k++) count += (b >> k) & 1;
          expect(count).toBe(expected.size);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('multi-bit values survive encode/decode for every statusSize 1..8', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.tuple(fc.nat(131_071), fc.nat(255)), { maxLength: 100 }),
        (statusSize, writes) => {
          const list = createStatusList({ statusSize });
          const model = new Map<number, number>();
          for (const [i, raw] of writes) {
            const value = raw % 2 ** statusSize;
            list.set(i, value);
            model.set(i, value);
          }
          const decoded = decodeStatusList(list.encode(), { statusSize });
          expect(decoded.length).toBe(list.length);
          for (const [i, value] of model) {
            expect(decoded.get(i)).toBe(value);
            // Neighbours are untouched unless written themselves.
            if (i + 1 < decoded.length && !model.has(i + 1)) expect(decoded.get(i + 1)).toBe(0);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('accepts the older form without the multibase "u" prefix (StatusList2021)', () => {
    const list = createStatusList();
    list.set(42);
    const decoded = decodeStatusList(list.encode().slice(1));
    expect(decoded.isSet(42)).toBe(true);
    expect(decoded.isSet(41)).toBe(false);
  });
});

describe('spec and real-world vectors', () => {
  it('decodes the W3C example list (§2.2 Example 3) to 131,072 zero entries', () => {
    const list = decodeStatusList(W3C_EXAMPLE_LIST);
    expect(list.length).toBe(131_072);
    expect(sameBytes(list.toBytes(), new Uint8Array(16_384))).toBe(true);
  });

  it('the DCC list is 100,000 entries: below the spec minimum, accepted when the bound is lowered', () => {
    expect(codeOf(() => decodeStatusList(DCC_LIST))).toBe('ERR_STATUS_LIST_INVALID');
    const list = decodeStatusList(DCC_LIST, { minimumEntries: 100_000 });
    expect(list.length).toBe(100_000);
    const set: number[] = [];
    for (let i = 0; i < list.length; i++) if (list.isSet(i)) set.push(i);
    expect(set).toEqual([2, 6, 8]);
  });

  it('every DCC credential pointing at that list reads as its file name says', () => {
    const listFile = readJson(
      'digitalcredentials-vc-test-fixtures/statusLists/didkey-ed25519Signature2020/e5WK8CbZ1GjycuPombrj',
    );
    const subject = listFile.credentialSubject as { encodedList: string };
    expect(subject.encodedList).toBe(DCC_LIST);
    const list = decodeStatusList(subject.encodedList, { minimumEntries: 100_000 });
    const files = [
      ['v2/bothSignatureTypes/didkey/noRegistry-revokedStatus-notExpired.json', true],
      ['v2/dataIntegrityProof/didKey/noRegistry-revokedStatus-noExpiry.json', true],
      ['v2/dataIntegrityProof/didKey/oidf-revokedStatus-noExpiry.json', true],
      ['v2/dataIntegrityProof/didweb/legacy-revokedStatus-expired.json', true],
      ['v2/ed25519/didKey/oidf-revokedStatus-noExpiry.json', true],
      ['v2/ed25519/didWeb/legacy-revokedStatus-noExpiry.json', true],
      ['v2/dataIntegrityProof/didKey/twoOIDF-revoked-notExpired-badSchema.json', true],
      ['v2/dataIntegrityProof/didKey/twoOIDF-validStatus-expired.json', false],
    ] as const;
    for (const [file, revoked] of files) {
      const vc = readJson(`digitalcredentials-vc-test-fixtures/verifiableCredentials/${file}`);
      const status = vc.credentialStatus as { statusListCredential: string; statusListIndex: string };
      expect(status.statusListCredential.endsWith('/e5WK8CbZ1GjycuPombrj'), file).toBe(true);
      expect(list.isSet(Number(status.statusListIndex)), file).toBe(revoked);
    }
  });
});

describe('hostile encodedList values', () => {
  it('rejects garbage, truncation, corruption and trailing data with ERR_STATUS_LIST_INVALID', () => {
    const good = createStatusList().encode();
    const raw = Buffer.from(good.slice(1), 'base64url');
    const flipped = Buffer.from(raw);
    flipped[raw.length - 12]! ^= 0x01; // inside the DEFLATE data or CRC
    const wrongCrc = Buffer.from(raw);
    wrongCrc[raw.length - 8]! ^= 0xff;
    const cases = [
      '',
      'u',
      'uuuu',
      'not base64 at all!',
      'u' + b64url(new TextEncoder().encode('{"hello":"world"} plain JSON, not gzip')),
      'u' + b64url(raw.subarray(0, raw.length - 10)),
      'u' + b64url(flipped),
      'u' + b64url(wrongCrc),
      'u' + b64url(Buffer.concat([raw, raw])),
      'u' + b64url(Buffer.concat([raw, Buffer.from([1, 2, 3])])),
      // The DCC "tampered" status list's value.
      'uH4sIAAAAAAAAA-I-CHANGED-THISAAwFwBZnztF9QwAAA',
    ];
    for (const value of cases)
      expect(
        codeOf(() => decodeStatusList(value)),
        value.slice(0, 40),
      ).toBe('ERR_STATUS_LIST_INVALID');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (bytes) => {
        expect(codeOf(() => decodeStatusList('u' + b64url(bytes)))).toBe('ERR_STATUS_LIST_INVALID');
      }),
      { numRuns: 200 },
    );
  });

  it('stops a GZIP bomb at the 16 MiB cap, quickly, whether or not its trailer tells the truth', () => {
    const bomb = nodeGzip(new Uint8Array(STATUS_LIST_MAX_BYTES + 1024 * 1024), {
      level: zlibConstants.Z_BEST_COMPRESSION,
    });
    expect(bomb.length).toBeLessThan(40_000);
    const lying = Buffer.from(bomb);
    lying.writeUInt32LE(16_384, lying.length - 4); // ISIZE claims 16 KiB
    for (const [input, why] of [
      [bomb, /declares 17825792 uncompressed bytes, more than the limit of 16777216/],
      [lying, /expands to more than the limit of 16777216 bytes/],
    ] as const) {
      const started = performance.now();
      let error: unknown;
      try {
        decodeStatusList('u' + b64url(input));
      } catch (e) {
        error = e;
      }
      expect(isSkillproofError(error, 'ERR_STATUS_LIST_INVALID')).toBe(true);
      expect((error as Error).message).toMatch(why);
      expect(performance.now() - started).toBeLessThan(2_000);
    }
  });

  it('honours a smaller maxBytes, and accepts a list exactly at it', () => {
    const bits = new Uint8Array(32_768);
    bits[100] = 0xff;
    const encoded = encodeWithZlib(bits);
    expect(decodeStatusList(encoded, { maxBytes: 32_768 }).isSet(800)).toBe(true);
    expect(codeOf(() => decodeStatusList(encoded, { maxBytes: 32_767 }))).toBe('ERR_STATUS_LIST_INVALID');
    expect(codeOf(() => decodeStatusList(encoded, { maxBytes: STATUS_LIST_MAX_BYTES + 1 }))).toBe('ERR_INPUT_INVALID');
  });

  it('applies the minimum length per statusSize (§3.2 STATUS_LIST_LENGTH_ERROR)', () => {
    const sixteenKiB = createStatusList().encode();
    expect(decodeStatusList(sixteenKiB).length).toBe(STATUS_LIST_MIN_ENTRIES);
    // The same 16 KiB holds only 65,536 two-bit entries.
    expect(codeOf(() => decodeStatusList(sixteenKiB, { statusSize: 2 }))).toBe('ERR_STATUS_LIST_INVALID');
    expect(decodeStatusList(sixteenKiB, { statusSize: 2, minimumEntries: 65_536 }).length).toBe(65_536);
    expect(codeOf(() => decodeStatusList(encodeWithZlib(new Uint8Array(16_383))))).toBe('ERR_STATUS_LIST_INVALID');
  });
});

describe('createStatusListIndexAllocator', () => {
  const seeded = (seed: number) => {
    let state = seed >>> 0 || 1;
    return (n: number): Uint8Array => {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        out[i] = state & 0xff;
      }
      return out;
    };
  };

  it('N allocations are distinct and in range (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (length, seed, fraction) => {
          const n = Math.floor(length * fraction);
          const allocator = createStatusListIndexAllocator({ length, random: seeded(seed) });
          const seen = new Set<number>();
          for (let i = 0; i < n; i++) {
            const index = allocator.allocate();
            expect(Number.isInteger(index) && index >= 0 && index < length).toBe(true);
            expect(seen.has(index)).toBe(false);
            seen.add(index);
          }
          expect(allocator.usedCount).toBe(n);
          expect(allocator.freeCount).toBe(length - n);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('never hands out an index it was told is used, and fills the list exactly', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(499), { maxLength: 500 }), fc.nat(), (used, seed) => {
        const allocator = createStatusListIndexAllocator({ length: 500, used, random: seeded(seed) });
        const got = new Set<number>();
        for (let i = 0; i < 500 - used.length; i++) got.add(allocator.allocate());
        expect(got.size).toBe(500 - used.length);
        for (const u of used) expect(got.has(u)).toBe(false);
        expect(codeOf(() => allocator.allocate())).toBe('ERR_STATUS_LIST_FULL');
      }),
      { numRuns: 50 },
    );
  });

  it('stays fast near full: the last 16 of 131,072 indexes, then ERR_STATUS_LIST_FULL', () => {
    const length = 131_072;
    const free = [5, 1000, 40_000, 65_535, 65_536, 99_999, 100_000, 120_001, 130_000, 131_000, 131_064, 131_065];
    const freeSet = new Set(free);
    const used = Array.from({ length }, (_, i) => i).filter((i) => !freeSet.has(i));
    const started = performance.now();
    const allocator = createStatusListIndexAllocator({ length, used });
    expect(allocator.freeCount).toBe(free.length);
    const got = free.map(() => allocator.allocate());
    expect(new Set(got)).toEqual(freeSet);
    expect(codeOf(() => allocator.allocate())).toBe('ERR_STATUS_LIST_FULL');
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('picks every free index with equal probability, by rejection sampling and by the near-full path', () => {
    // 16 of 64 free uses rejection sampling; 4 of 64 free (< 1/8) picks the k-th free index directly.
    for (const step of [4, 16]) {
      const used = [...Array(64).keys()].filter((i) => i % step !== 0);
      const freeCount = 64 / step;
      const draws = 100 * freeCount;
      const random = seeded(12345 + step);
      const counts = new Map<number, number>();
      for (let run = 0; run < draws; run++) {
        const first = createStatusListIndexAllocator({ length: 64, used, random }).allocate();
        counts.set(first, (counts.get(first) ?? 0) + 1);
      }
      expect([...counts.keys()].every((k) => k % step === 0)).toBe(true);
      expect(counts.size).toBe(freeCount);
      // Chi-square against 100 expected per free index; a biased allocator (always the first or last free index)
      // scores in the thousands.
      let chi2 = 0;
      for (const c of counts.values()) chi2 += (c - 100) ** 2 / 100;
      expect(chi2).toBeLessThan(50);
    }
  });

  it('fills a whole 131,072-entry list quickly without repeats', () => {
    const allocator = createStatusListIndexAllocator({ length: 131_072 });
    const seen = new Uint8Array(131_072);
    const started = performance.now();
    let repeats = 0;
    for (let i = 0; i < 131_072; i++) {
      const index = allocator.allocate();
      repeats += seen[index]!;
      seen[index] = 1;
    }
    expect(repeats).toBe(0);
    expect(seen.every((x) => x === 1)).toBe(true);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(codeOf(() => allocator.allocate())).toBe('ERR_STATUS_LIST_FULL');
  });

  it('uses the injected randomness and is deterministic with it', () => {
    const a = createStatusListIndexAllocator({ length: 131_072, random: seeded(7) });
    const b = createStatusListIndexAllocator({ length: 131_072, random: seeded(7) });
    const xs = Array.from({ length: 20 }, () => a.allocate());
    expect(Array.from({ length: 20 }, () => b.allocate())).toEqual(xs);
    // Big-endian 32-bit draws modulo the length: 0x00000005 → 5.
    const fixed = createStatusListIndexAllocator({
      length: 131_072,
      random: (n) => new Uint8Array(n).fill(0).map((_, i) => (i % 4 === 3 ? 5 : 0)),
    });
    expect(fixed.allocate()).toBe(5);
  });

  it('validates its input and markUsed', () => {
    expect(codeOf(() => createStatusListIndexAllocator({ length: 0 }))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => createStatusListIndexAllocator({ length: 10, used: [10] }))).toBe('ERR_STATUS_INDEX');
    const allocator = createStatusListIndexAllocator({ length: 10 });
    expect(allocator.markUsed(3)).toBe(true);
    expect(allocator.markUsed(3)).toBe(false);
    expect(allocator.isUsed(3)).toBe(true);
    expect(codeOf(() => allocator.markUsed(-1))).toBe('ERR_STATUS_INDEX');
  });
});
