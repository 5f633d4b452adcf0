/**
 * The little DER (X.690) an RFC 3161 exchange needs: writing a request, and walking a response to the few fields a
 * verifier reads. Single-byte tags only (every tag of RFC 3161 and CMS is one); lengths up to 2^32 − 1.
 */

/** One DER element: its tag, its content, and the exact bytes it was read from (header included). */
export interface DerElement {
  tag: number;
  content: Uint8Array;
  /** The whole element, header and content, as it appears in the input. */
  raw: Uint8Array;
}

/** ASN.1 universal tags and the context-specific ones CMS uses. */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  SEQUENCE: 0x30,
  SET: 0x31,
  GENERALIZED_TIME: 0x18,
  /** [0] constructed (EXPLICIT, or IMPLICIT of a SET or SEQUENCE). */
  CONTEXT_0: 0xa0,
  CONTEXT_1: 0xa1,
} as const;

export class DerError extends Error {
  override readonly name = 'DerError';
}

/**
 * Reads the element at `offset`. Indefinite lengths (BER) and non-minimal long forms are refused: DER has one
 * encoding per value.
 */
export function readElement(bytes: Uint8Array, offset = 0): DerElement & { end: number } {
  const tag = bytes[offset];
  let at = offset + 1;
  const first = bytes[at++];
  if (tag === undefined || first === undefined) throw new DerError('Truncated DER element.');
  if ((tag & 0x1f) === 0x1f) throw new DerError('Multi-byte DER tags are not used here.');
  let length = first;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new DerError('Unsupported DER length.');
    length = 0;
    for (let i = 0; i < count; i++) {
      const b = bytes[at++];
      if (b === undefined) throw new DerError('Truncated DER length.');
      length = length * 256 + b;
    }
    if (length < 0x80 || (count > 1 && length < 256 ** (count - 1))) throw new DerError('Non-minimal DER length.');
  }
  const end = at + length;
  if (end > bytes.length) throw new DerError('A DER element runs past the end of its input.');
  return { tag, content: bytes.subarray(at, end), raw: bytes.subarray(offset, end), end };
}

/** The elements directly inside a constructed element's content. */
export function children(content: Uint8Array): DerElement[] {
  const out: DerElement[] = [];
  for (let at = 0; at < content.length;) {
    const element = readElement(content, at);
    out.push(element);
    at = element.end;
  }
  return out;
}

/** Reads exactly one element of the given tag from `bytes` (nothing may follow it). */
export function readOnly(bytes: Uint8Array, tag: number): DerElement {
  const element = readElement(bytes);
  if (element.end !== bytes.length) throw new DerError('Trailing bytes after a DER element.');
  return expectTag(element, tag);
}

export function expectTag(element: DerElement | undefined, tag: number): DerElement {
  if (!element) throw new DerError(`A DER element with tag 0x${tag.toString(16)} is missing.`);
  if (element.tag !== tag) {
    throw new DerError(`Expected DER tag 0x${tag.toString(16)}, found 0x${element.tag.toString(16)}.`);
  }
  return element;
}

/** Encodes an element from its tag and content parts. */
export function encode(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const lengthBytes: number[] = [];
  for (let v = length; v > 0; v = Math.floor(v / 256)) lengthBytes.unshift(v & 0xff);
  const header = length < 0x80 ? [tag, length] : [tag, 0x80 | lengthBytes.length, ...lengthBytes];
  const out = new Uint8Array(header.length + length);
  out.set(header);
  let at = header.length;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** An object identifier in dotted form, e.g. `2.16.840.1.101.3.4.2.1`. */
export function encodeOid(oid: string): Uint8Array {
  const arcs = oid.split('.').map(Number);
  const [a, b, ...rest] = arcs;
  if (a === undefined || b === undefined || arcs.some((n) => !Number.isSafeInteger(n) || n < 0)) {
    throw new DerError(`Invalid OID ${oid}.`);
  }
  const bytes: number[] = [];
  for (const arc of [a * 40 + b, ...rest]) {
    const group = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) group.unshift((v & 0x7f) | 0x80);
    bytes.push(...group);
  }
  return encode(TAG.OID, Uint8Array.from(bytes));
}

export function decodeOid(element: DerElement): string {
  expectTag(element, TAG.OID);
  const arcs: number[] = [];
  let value = 0;
  for (const byte of element.content) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else arcs.push(value);
      value = 0;
    }
  }
  return arcs.join('.');
}

/** A non-negative INTEGER from unsigned big-endian bytes (a leading 0x00 added when the top bit is set). */
export function encodeUnsigned(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return (trimmed[0] ?? 0) & 0x80
    ? encode(TAG.INTEGER, Uint8Array.of(0), trimmed)
    : encode(TAG.INTEGER, trimmed.length ? trimmed : Uint8Array.of(0));
}

/** A small INTEGER's value (status codes, versions). */
export function decodeSmallInteger(element: DerElement): number {
  expectTag(element, TAG.INTEGER);
  if (element.content.length === 0 || element.content.length > 4) throw new DerError('Integer out of range.');
  return element.content.reduce((n, b) => n * 256 + b, 0);
}

/** `YYYYMMDDHHMMSS[.f…]Z` (RFC 5280 §4.1.2.5.2; RFC 3161 allows fractions). */
export function decodeGeneralizedTime(element: DerElement): Date {
  expectTag(element, TAG.GENERALIZED_TIME);
  const text = new TextDecoder().decode(element.content);
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d{1,9})?Z$/.exec(text);
  if (!m) throw new DerError(`Invalid GeneralizedTime ${JSON.stringify(text)}.`);
  const ms = m[7] ? Math.floor(Number(m[7]) * 1000) : 0;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, ms));
}
