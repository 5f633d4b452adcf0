import { SkillproofError } from '../errors.js';
import { base64urlDecode, base64urlEncode } from '../lib/encoding.js';
import { gunzipBounded, gzip } from './gzip.js';

/**
 * Bitstring Status List v1.0 §3.2: "Let minimumNumberOfEntries be 131,072 unless a different lower bound is
 * established by a specific ecosystem specification" (herd privacy, §6.1).
 *
 * @example
 * ```ts
 * decodeStatusList(encodedList, { minimumEntries: STATUS_LIST_MIN_ENTRIES });
 * ```
 */
export const STATUS_LIST_MIN_ENTRIES = 131_072;

/**
 * The largest uncompressed bitstring this library creates or accepts: 16 MiB (134,217,728 one-bit entries). A remote
 * `encodedList` is untrusted, so decoding stops as soon as the output would exceed it (a GZIP bomb guard).
 *
 * @example
 * ```ts
 * decodeStatusList(encodedList, { maxBytes: STATUS_LIST_MAX_BYTES / 4 }); // a stricter cap
 * ```
 */
export const STATUS_LIST_MAX_BYTES = 16 * 1024 * 1024;

/** Options of {@link decodeStatusList}. */
export interface DecodeStatusListOptions {
  /** Bits per entry, 1..8 (Bitstring Status List `statusSize`). Default 1. */
  statusSize?: number;
  /** Smallest number of entries accepted. Default {@link STATUS_LIST_MIN_ENTRIES} (131,072). */
  minimumEntries?: number;
  /** Largest uncompressed bitstring accepted, in bytes. Default {@link STATUS_LIST_MAX_BYTES}; never more. */
  maxBytes?: number;
}

/**
 * A Bitstring Status List: `length` entries of `statusSize` bits each, entry 0 starting at the most significant bit of
 * byte 0 and multi-bit values stored most significant bit first (Bitstring Status List v1.0 §2.2, §7.1).
 * Created by {@link createStatusList} or {@link decodeStatusList}.
 *
 * @example
 * ```ts
 * const list = createStatusList({ statusSize: 2 });
 * list.set(7, 0b10);
 * list.get(7); // 2
 * ```
 */
export class StatusList {
  /** Number of entries. */
  readonly length: number;
  /** Bits per entry (1..8). */
  readonly statusSize: number;
  readonly #bits: Uint8Array;

  /** @internal Use {@link createStatusList} or {@link decodeStatusList}. */
  constructor(bits: Uint8Array, statusSize: number) {
    this.#bits = bits;
    this.statusSize = statusSize;
    this.length = Math.floor((bits.length * 8) / statusSize);
  }

  /** The status value of entry `index` (0 when unset). Throws `ERR_STATUS_INDEX` when out of range. */
  get(index: number): number {
    this.#checkIndex(index);
    const bits = this.#bits;
    let value = 0;
    for (let p = index * this.statusSize, end = p + this.statusSize; p < end; p++) {
      value = (value << 1) | ((bits[p >> 3]! >> (7 - (p & 7))) & 1);
    }
    return value;
  }

  /** True when entry `index` has a non-zero value. */
  isSet(index: number): boolean {
    return this.get(index) !== 0;
  }

  /** Sets entry `index` to `value` (default 1; 0 ≤ value < 2^statusSize). */
  set(index: number, value = 1): void {
    this.#checkIndex(index);
    if (!Number.isInteger(value) || value < 0 || value >= 2 ** this.statusSize) {
      throw new SkillproofError(
        'ERR_INPUT_INVALID',
        `A status value must be an integer from 0 to ${2 ** this.statusSize - 1} for statusSize ${this.statusSize}.`,
      );
    }
    const bits = this.#bits;
    for (let i = this.statusSize - 1, p = index * this.statusSize; i >= 0; i--, p++) {
      const mask = 0x80 >> (p & 7);
      if ((value >> i) & 1) bits[p >> 3]! |= mask;
      else bits[p >> 3]! &= ~mask;
    }
  }

  /** Sets entry `index` back to 0. */
  clear(index: number): void {
    this.set(index, 0);
  }

  /** A copy of the uncompressed bitstring. */
  toBytes(): Uint8Array {
    return this.#bits.slice();
  }

  /** The `encodedList` value: "u" + base64url-no-pad(GZIP(bitstring)) (Bitstring Status List v1.0 §2.2, §3.3). */
  encode(): string {
    return 'u' + base64urlEncode(gzip(this.#bits));
  }

  #checkIndex(index: number): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.length) {
      throw new SkillproofError(
        'ERR_STATUS_INDEX',
        `Status list index ${String(index)} is outside the list (0..${this.length - 1}).`,
        { details: { index, length: this.length } },
      );
    }
  }
}

function resolveOptions(options: DecodeStatusListOptions): {
  statusSize: number;
  minimumEntries: number;
  maxBytes: number;
} {
  const statusSize = options.statusSize ?? 1;
  if (!Number.isInteger(statusSize) || statusSize < 1 || statusSize > 8) {
    throw new SkillproofError(
      'ERR_INPUT_INVALID',
      `statusSize must be an integer from 1 to 8, not ${String(statusSize)}.`,
    );
  }
  const minimumEntries = options.minimumEntries ?? STATUS_LIST_MIN_ENTRIES;
  if (!Number.isSafeInteger(minimumEntries) || minimumEntries < 1) {
    throw new SkillproofError('ERR_INPUT_INVALID', 'minimumEntries must be a positive integer.');
  }
  const maxBytes = options.maxBytes ?? STATUS_LIST_MAX_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1 || maxBytes > STATUS_LIST_MAX_BYTES) {
    throw new SkillproofError('ERR_INPUT_INVALID', `maxBytes must be an integer from 1 to ${STATUS_LIST_MAX_BYTES}.`);
  }
  return { statusSize, minimumEntries, maxBytes };
}

/** Options of {@link createStatusList}. */
export interface CreateStatusListOptions {
  /** Number of entries; default and minimum 131,072 (Bitstring Status List v1.0 §3.2, §3.3). */
  length?: number;
  /** Bits per entry, 1..8. Default 1. */
  statusSize?: number;
}

/**
 * Creates an all-zero status list. `length` defaults to, and may not be less than, 131,072 entries (Bitstring Status
 * List v1.0 §3.2, herd privacy); it is rounded up so that the bitstring fills whole bytes, which keeps `length`
 * unchanged through {@link StatusList.encode} and {@link decodeStatusList}.
 *
 * @example
 * ```ts
 * const list = createStatusList();        // 131,072 one-bit entries
 * list.set(94567);                         // revoke the credential at index 94567
 * const encodedList = list.encode();       // "uH4sI…"
 * ```
 */
export function createStatusList(options: CreateStatusListOptions = {}): StatusList {
  const { statusSize, maxBytes } = resolveOptions({ statusSize: options.statusSize });
  const length = options.length ?? STATUS_LIST_MIN_ENTRIES;
  if (!Number.isSafeInteger(length) || length < STATUS_LIST_MIN_ENTRIES) {
    throw new SkillproofError(
      'ERR_INPUT_INVALID',
      `A status list needs at least ${STATUS_LIST_MIN_ENTRIES} entries for herd privacy, not ${String(length)}.`,
    );
  }
  const byteLength = Math.ceil((length * statusSize) / 8);
  if (byteLength > maxBytes) {
    throw new SkillproofError('ERR_INPUT_TOO_LARGE', `A status list of ${length} entries exceeds ${maxBytes} bytes.`);
  }
  return new StatusList(new Uint8Array(byteLength), statusSize);
}

/**
 * Decodes an `encodedList` (Bitstring Status List v1.0 §3.4). Accepts the value with the multibase "u" prefix, or
 * without it as StatusList2021 producers wrote it. Throws `ERR_STATUS_LIST_INVALID` when the value is not base64url
 * GZIP, is shorter than `minimumEntries` entries (§3.2 STATUS_LIST_LENGTH_ERROR), or would expand beyond `maxBytes`
 * (16 MiB by default; decompression stops there, so a GZIP bomb costs at most that much memory).
 *
 * @example
 * ```ts
 * const list = decodeStatusList(credential.credentialSubject.encodedList);
 * if (list.isSet(94567)) console.log('revoked');
 * ```
 */
export function decodeStatusList(encodedList: string, options: DecodeStatusListOptions = {}): StatusList {
  const { statusSize, minimumEntries, maxBytes } = resolveOptions(options);
  if (typeof encodedList !== 'string' || encodedList.length === 0) {
    throw new SkillproofError('ERR_STATUS_LIST_INVALID', 'encodedList must be a non-empty string.');
  }
  const text = encodedList.startsWith('u') ? encodedList.slice(1) : encodedList;
  // Incompressible data grows slightly under DEFLATE, so anything much longer than base64url(maxBytes) is refused
  // before it is even decoded.
  if (text.length > Math.ceil(((maxBytes + 1024) * 4) / 3)) {
    throw new SkillproofError('ERR_STATUS_LIST_INVALID', `encodedList is longer than a ${maxBytes}-byte list can be.`);
  }
  let compressed: Uint8Array;
  try {
    compressed = base64urlDecode(text);
  } catch (e) {
    throw new SkillproofError('ERR_STATUS_LIST_INVALID', 'encodedList is not multibase base64url.', { cause: e });
  }
  const bits = gunzipBounded(compressed, maxBytes);
  const list = new StatusList(bits, statusSize);
  if (list.length < minimumEntries) {
    throw new SkillproofError(
      'ERR_STATUS_LIST_INVALID',
      `The status list has ${list.length} entries of ${statusSize} bit(s), fewer than the minimum of ${minimumEntries} (STATUS_LIST_LENGTH_ERROR).`,
      { details: { entries: list.length, minimumEntries, statusSize } },
    );
  }
  return list;
}
