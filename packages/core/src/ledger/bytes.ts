// Byte helpers shared by the ledger modules. The C2SP formats use the standard base64 alphabet with padding
// (RFC 4648 §4), decoded strictly here: one text per byte string, so a signature or hash cannot be re-encoded into a
// second, different-looking line that verifies the same.

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_MAP = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_MAP[B64.charCodeAt(i)] = i;

/** Standard base64 with padding (RFC 4648 §4). */
export function base64Encode(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  if (i < bytes.length) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8);
    out += B64[n >> 18]! + B64[(n >> 12) & 63]!;
    out += i + 1 < bytes.length ? B64[(n >> 6) & 63]! + '=' : '==';
  }
  return out;
}

/**
 * Strict standard base64: the length is a multiple of 4, padding only at the end, and the unused bits of the last
 * character are zero. Returns `undefined` for anything else (callers raise their own coded error).
 */
export function base64Decode(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined;
  let pad = 0;
  if (text.endsWith('==')) pad = 2;
  else if (text.endsWith('=')) pad = 1;
  const chars = text.length - pad;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < chars; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? B64_MAP[c]! : -1;
    if (v < 0) return undefined;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

export function hex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

export function uint32Hex(value: number): string {
  return value.toString(16).padStart(8, '0');
}

export function readUint32(bytes: Uint8Array, offset = 0): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

export function writeUint32(value: number): Uint8Array {
  return Uint8Array.of(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
}

/** Big-endian uint64 of a safe integer. */
export function writeUint64(value: number): Uint8Array {
  const out = new Uint8Array(8);
  const high = Math.floor(value / 2 ** 32);
  const low = value % 2 ** 32;
  out.set(writeUint32(high), 0);
  out.set(writeUint32(low), 4);
  return out;
}

/** Big-endian uint64, or `undefined` when it exceeds Number.MAX_SAFE_INTEGER. */
export function readUint64(bytes: Uint8Array, offset = 0): number | undefined {
  const value = readUint32(bytes, offset) * 2 ** 32 + readUint32(bytes, offset + 4);
  return readUint32(bytes, offset) >= 2 ** 21 ? undefined : value;
}

export function isSafeIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** ASCII decimal with no leading zeros (`0` alone is allowed), within the safe integers. */
export function parseDecimal(text: string): number | undefined {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}
