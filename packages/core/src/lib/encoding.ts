import { SkillproofError } from '../errors.js';

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const B58_MAP = new Int8Array(128).fill(-1);
for (let i = 0; i < B58.length; i++) B58_MAP[B58.charCodeAt(i)] = i;

/** 58^5: five base58 digits per limb, so that a limb times 2^16 plus a carry stays below 2^53 (exact in a double). */
const B58_LIMB = 656_356_768;

/** Bitcoin base58 (the alphabet multibase calls `z`). */
export function base58btcEncode(bytes: Uint8Array): string {
  // Schoolbook base conversion over limbs of five base58 digits, taking the input two bytes at a time: a 64-byte
  // signature costs ~600 limb steps instead of ~5,600 digit steps (≈ 0.6 µs instead of ≈ 6 µs).
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  const limbs: number[] = []; // little-endian
  let i = zeros;
  if ((bytes.length - zeros) % 2 === 1) limbs.push(bytes[i++]!);
  for (; i < bytes.length; i += 2) {
    let carry = bytes[i]! * 256 + bytes[i + 1]!;
    for (let k = 0; k < limbs.length; k++) {
      const x = limbs[k]! * 65536 + carry;
      carry = Math.floor(x / B58_LIMB);
      limbs[k] = x - carry * B58_LIMB;
    }
    while (carry > 0) {
      const q = Math.floor(carry / B58_LIMB);
      limbs.push(carry - q * B58_LIMB);
      carry = q;
    }
  }
  let out = '1'.repeat(zeros);
  for (let k = limbs.length - 1; k >= 0; k--) {
    let limb = limbs[k]!;
    let chunk = '';
    for (let d = 0; d < 5; d++) {
      const q = Math.floor(limb / 58);
      chunk = B58[limb - q * 58]! + chunk;
      limb = q;
      // The most significant limb is written without its leading zero digits.
      if (limb === 0 && k === limbs.length - 1) break;
    }
    out += chunk;
  }
  return out;
}

export function base58btcDecode(text: string): Uint8Array {
  // Schoolbook base conversion into 16-bit limbs, taking the input five digits a step (58^5 < 2^30, so a limb times
  // 58^5 plus a carry stays below 2^53, exact in a double): a 64-byte proofValue in ~300 limb steps instead of ~2,800
  // byte steps. Leading '1's are leading zero bytes, as in every base58 decoder.
  let zeros = 0;
  while (zeros < text.length && text[zeros] === '1') zeros++;
  const limbs: number[] = []; // little-endian
  for (let i = zeros; i < text.length;) {
    const end = Math.min(i + 5, text.length);
    let carry = 0;
    let factor = 1;
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      const digit = c < 128 ? B58_MAP[c]! : -1;
      if (digit < 0)
        throw new SkillproofError('ERR_INPUT_INVALID', `Invalid base58btc character ${JSON.stringify(text[i])}.`);
      carry = carry * 58 + digit;
      factor *= 58;
    }
    for (let k = 0; k < limbs.length; k++) {
      const x = limbs[k]! * factor + carry;
      carry = Math.floor(x / 65536);
      limbs[k] = x - carry * 65536;
    }
    while (carry > 0) {
      const q = Math.floor(carry / 65536);
      limbs.push(carry - q * 65536);
      carry = q;
    }
  }
  // The top limb is never 0 (the first digit after the '1's is not 0); its high byte may be.
  const top = limbs.length > 0 && limbs[limbs.length - 1]! < 256 ? 1 : 0;
  const out = new Uint8Array(zeros + limbs.length * 2 - top);
  let at = out.length;
  for (let k = 0; k < limbs.length; k++) {
    out[--at] = limbs[k]! & 0xff;
    if (at > zeros) out[--at] = limbs[k]! >>> 8;
  }
  return out;
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64_MAP = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_MAP[B64URL.charCodeAt(i)] = i;
// Accept the standard alphabet on input too; some producers use it.
B64_MAP['+'.charCodeAt(0)] = 62;
B64_MAP['/'.charCodeAt(0)] = 63;

/** base64url without padding (RFC 4648 §5). */
export function base64urlEncode(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]! + B64URL[n & 63]!;
  }
  if (i < bytes.length) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8);
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]!;
    if (i + 1 < bytes.length) out += B64URL[(n >> 6) & 63]!;
  }
  return out;
}

/** Decodes base64url or base64, with or without padding. */
export function base64urlDecode(text: string): Uint8Array {
  const s = text.replace(/=+$/, '');
  if (s.length % 4 === 1) throw new SkillproofError('ERR_INPUT_INVALID', 'Invalid base64url length.');
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? B64_MAP[c]! : -1;
    if (v < 0) throw new SkillproofError('ERR_INPUT_INVALID', `Invalid base64url character ${JSON.stringify(s[i])}.`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

export function hexEncode(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

export function hexDecode(text: string): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) {
    throw new SkillproofError('ERR_INPUT_INVALID', 'Invalid hex string.');
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Multibase (`z` base58btc, `u` base64url) decoding; other prefixes are rejected. */
export function multibaseDecode(text: string): Uint8Array {
  if (typeof text !== 'string' || text.length < 2) {
    throw new SkillproofError('ERR_INPUT_INVALID', 'A multibase value must be a non-empty string.');
  }
  const prefix = text[0];
  if (prefix === 'z') return base58btcDecode(text.slice(1));
  if (prefix === 'u') return base64urlDecode(text.slice(1));
  throw new SkillproofError('ERR_INPUT_INVALID', `Unsupported multibase prefix ${JSON.stringify(prefix)}.`);
}

export const utf8 = {
  encode: (text: string): Uint8Array => new TextEncoder().encode(text),
  decode: (bytes: Uint8Array): string => new TextDecoder('utf-8', { fatal: false }).decode(bytes),
};

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
