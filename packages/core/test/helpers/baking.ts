// Test helpers for baked images: a tiny PNG encoder and an independent chunk reader. They use node:zlib (crc32,
// inflateSync) rather than the code under test, so that the tests check src/baking against another implementation.
import { crc32 as nodeCrc32, inflateSync } from 'node:zlib';
import { zlibSync } from 'fflate';
import fc from 'fast-check';

export const PNG_SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const enc = new TextEncoder();

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function u32(n: number): Uint8Array {
  return Uint8Array.from([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
}

export function latin1Bytes(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** One PNG chunk: length, type, data, CRC-32 over type and data (computed by node:zlib). */
export function chunk(type: string, data: Uint8Array, crc?: number): Uint8Array {
  const typeAndData = concat(latin1Bytes(type), data);
  return concat(u32(data.length), typeAndData, u32(crc ?? nodeCrc32(typeAndData)));
}

export function itxtData(
  keyword: string,
  text: string | Uint8Array,
  opts: { compressed?: boolean; language?: string; translated?: string } = {},
): Uint8Array {
  const body = typeof text === 'string' ? enc.encode(text) : text;
  return concat(
    latin1Bytes(keyword),
    Uint8Array.from([0, opts.compressed ? 1 : 0, 0]),
    latin1Bytes(opts.language ?? ''),
    Uint8Array.of(0),
    enc.encode(opts.translated ?? ''),
    Uint8Array.of(0),
    opts.compressed ? zlibSync(body) : body,
  );
}

export function textData(keyword: string, text: string): Uint8Array {
  return concat(latin1Bytes(keyword), Uint8Array.of(0), latin1Bytes(text));
}

/** An RGBA PNG of the given size, with a pixel pattern, optional extra chunks after IHDR and before IEND. */
export function makePng(
  width = 3,
  height = 2,
  opts: { afterIhdr?: Uint8Array[]; beforeIend?: Uint8Array[] } = {},
): Uint8Array {
  const ihdr = concat(u32(width), u32(height), Uint8Array.from([8, 6, 0, 0, 0]));
  const raw = new Uint8Array(height * (1 + width * 4));
  for (let y = 0; y < height; y++) {
    raw[y * (1 + width * 4)] = 0; // filter: none
    for (let x = 0; x < width * 4; x++) raw[y * (1 + width * 4) + 1 + x] = (x * 37 + y * 101) & 0xff;
  }
  return concat(
    PNG_SIGNATURE,
    chunk('IHDR', ihdr),
    ...(opts.afterIhdr ?? []),
    chunk('IDAT', zlibSync(raw)),
    ...(opts.beforeIend ?? []),
    chunk('IEND', new Uint8Array(0)),
  );
}

export interface ReadChunk {
  type: string;
  data: Uint8Array;
  crcOk: boolean;
}

/** Reads the chunks of a well-formed PNG, checking each CRC with node:zlib. */
export function readChunks(png: Uint8Array): ReadChunk[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: ReadChunk[] = [];
  for (let at = 8; at < png.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + length);
    const crc = view.getUint32(at + 8 + length);
    out.push({ type, data, crcOk: nodeCrc32(png.subarray(at + 4, at + 8 + length)) === crc });
    at += 12 + length;
  }
  return out;
}

/** The inflated IDAT stream (node:zlib), i.e. the filtered scanlines: equal streams mean equal pixels. */
export function decodeImageData(png: Uint8Array): Uint8Array {
  const idat = readChunks(png).filter((c) => c.type === 'IDAT');
  return new Uint8Array(inflateSync(concat(...idat.map((c) => c.data))));
}

/** The keyword of a text chunk, if it is one. */
export function keywordOf(c: ReadChunk): string | undefined {
  if (c.type !== 'iTXt' && c.type !== 'tEXt' && c.type !== 'zTXt') return undefined;
  const nul = c.data.indexOf(0);
  return nul < 0 ? undefined : String.fromCharCode(...c.data.subarray(0, nul));
}

// --- generators

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    ']]>',
    'a]]>b',
    ']]]]>',
    '<![CDATA[',
    '&amp;',
    '"quoted"',
    '</openbadges:credential>',
    '\uFFFE\uFFFF',
  ),
);

const jsonValue = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(text, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** JSON objects shaped like credentials, with hostile strings in them. */
export const credentialObject = fc
  .record({
    '@context': fc.constant(['https://www.w3.org/ns/credentials/v2']),
    type: fc.constant(['VerifiableCredential', 'OpenBadgeCredential']),
    name: text,
    extra: fc.dictionary(text, jsonValue, { maxKeys: 5 }),
  })
  .map((o) => o as object);

const b64url = fc.string({
  unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
  minLength: 1,
  maxLength: 300,
});

/** Strings shaped like compact JWS. */
export const compactJws = fc.tuple(b64url, b64url, b64url).map((parts) => parts.join('.'));
