import { SkillproofError } from '../errors.js';
import { utf8 } from '../lib/encoding.js';
import { crc32 } from '../lib/crc32.js';
import { credentialText } from './credential-text.js';
import { inflateZlibBounded } from './inflate.js';
import { resolveLimits, type BakedCredential, type BakingOptions } from './options.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
// PNG 1.2 §3.2: a chunk length is at most 2^31 - 1.
const MAX_CHUNK_LENGTH = 0x7fffffff;
const OB3_KEYWORD = 'openbadgecredential';
const OB2_KEYWORD = 'openbadges';

interface Chunk {
  type: string;
  /** Offset of the length field. */
  start: number;
  dataStart: number;
  dataEnd: number;
  /** Offset just past the CRC. */
  end: number;
}

interface BadgeChunk extends Chunk {
  format: BakedCredential['format'];
  keyword: string;
}

function invalid(message: string, details?: Record<string, unknown>): SkillproofError {
  return new SkillproofError('ERR_IMAGE_INVALID', message, details ? { details } : {});
}

function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

function writeUint32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = (value >>> 16) & 0xff;
  bytes[at + 2] = (value >>> 8) & 0xff;
  bytes[at + 3] = value & 0xff;
}

function latin1(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode(...bytes.subarray(i, Math.min(i + 8192, bytes.length)));
  }
  return out;
}

/**
 * True when `bytes` starts with the PNG signature (PNG 1.2 §3.1).
 *
 * @example
 * ```ts
 * const baked = hasPngSignature(image) ? bakePng(image, credential) : bakeSvg(new TextDecoder().decode(image), credential);
 * ```
 */
export function hasPngSignature(bytes: Uint8Array): boolean {
  if (bytes.length < SIGNATURE.length) return false;
  for (let i = 0; i < SIGNATURE.length; i++) if (bytes[i] !== SIGNATURE[i]) return false;
  return true;
}

/**
 * Walks the chunks of a PNG datastream from the signature to IEND, checking every length against the bytes that are
 * really there before looking at the data (a lying length costs nothing), every chunk type, and every CRC.
 */
function readChunks(png: Uint8Array, maxBytes: number): Chunk[] {
  if (!(png instanceof Uint8Array)) throw new SkillproofError('ERR_INPUT_INVALID', 'A PNG image must be a Uint8Array.');
  if (png.length > maxBytes) {
    throw new SkillproofError('ERR_IMAGE_TOO_LARGE', `The image is ${png.length} bytes; the limit is ${maxBytes}.`, {
      details: { size: png.length, limit: maxBytes },
    });
  }
  if (!hasPngSignature(png)) throw invalid('Not a PNG image: the PNG signature is missing.');
  const chunks: Chunk[] = [];
  let at = SIGNATURE.length;
  for (;;) {
    if (at + 8 > png.length) {
      throw invalid(
        chunks.length === 0 ? 'Truncated PNG: the IHDR chunk is missing.' : 'Truncated PNG: the IEND chunk is missing.',
        { offset: at },
      );
    }
    const length = readUint32(png, at);
    const typeBytes = png.subarray(at + 4, at + 8);
    for (const b of typeBytes) {
      // PNG 1.2 §3.3: a chunk type is four ASCII letters.
      if (!((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a))) {
        throw invalid(`Invalid PNG chunk type at offset ${at}.`, { offset: at });
      }
    }
    const type = latin1(typeBytes);
    if (length > MAX_CHUNK_LENGTH) {
      throw invalid(`The ${type} chunk at offset ${at} declares ${length} bytes, more than the PNG limit of 2^31-1.`, {
        offset: at,
        chunk: type,
        length,
      });
    }
    const dataStart = at + 8;
    const dataEnd = dataStart + length;
    const end = dataEnd + 4;
    if (end > png.length) {
      throw invalid(
        `The ${type} chunk at offset ${at} declares ${length} bytes of data, past the end of the image (${png.length} bytes).`,
        { offset: at, chunk: type, length },
      );
    }
    if (crc32(png.subarray(at + 4, dataEnd)) !== readUint32(png, dataEnd)) {
      throw invalid(`Bad CRC in the ${type} chunk at offset ${at}.`, { offset: at, chunk: type });
    }
    if (chunks.length === 0 && (type !== 'IHDR' || length !== 13)) {
      throw invalid('Invalid PNG: the first chunk is not a 13-byte IHDR.', { chunk: type });
    }
    chunks.push({ type, start: at, dataStart, dataEnd, end });
    if (type === 'IEND') {
      if (length !== 0) throw invalid('Invalid PNG: the IEND chunk is not empty.');
      // Bytes after IEND are not part of the datastream (PNG 1.2 §3.1); they are ignored.
      return chunks;
    }
    at = end;
  }
}

/** The keyword of a tEXt, zTXt or iTXt chunk (1–79 Latin-1 bytes then NUL, PNG 1.2 §4.2.3), if it has one. */
function textKeyword(png: Uint8Array, chunk: Chunk): string | undefined {
  if (chunk.type !== 'iTXt' && chunk.type !== 'tEXt' && chunk.type !== 'zTXt') return undefined;
  const limit = Math.min(chunk.dataEnd, chunk.dataStart + 80);
  for (let i = chunk.dataStart; i < limit; i++) {
    if (png[i] === 0) return latin1(png.subarray(chunk.dataStart, i));
  }
  return undefined;
}

function findBadgeChunks(png: Uint8Array, chunks: Chunk[]): BadgeChunk[] {
  const found: BadgeChunk[] = [];
  for (const chunk of chunks) {
    const keyword = textKeyword(png, chunk);
    // OB 3.0 §5.3.1 bakes into iTXt `openbadgecredential`; OB 2.0 into iTXt `openbadges`, and before 2013 into tEXt
    // `openbadges` (a hosted assertion URL). Both keywords are recognized in any text chunk, so that nothing
    // masquerading as a second badge can hide.
    if (keyword === OB3_KEYWORD) found.push({ ...chunk, format: 'ob3', keyword });
    else if (keyword === OB2_KEYWORD) found.push({ ...chunk, format: 'ob2', keyword });
  }
  return found;
}

function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (cause) {
    throw new SkillproofError('ERR_IMAGE_INVALID', `${what} is not valid UTF-8.`, { cause });
  }
}

function badgeText(png: Uint8Array, chunk: BadgeChunk, maxCredentialBytes: number): string {
  const what = `The ${chunk.type} ${chunk.keyword} chunk`;
  if (chunk.dataEnd - chunk.dataStart > maxCredentialBytes) {
    throw new SkillproofError(
      'ERR_IMAGE_TOO_LARGE',
      `${what} is ${chunk.dataEnd - chunk.dataStart} bytes; the limit is ${maxCredentialBytes}.`,
      { details: { limit: maxCredentialBytes } },
    );
  }
  const data = png.subarray(chunk.dataStart, chunk.dataEnd);
  let at = chunk.keyword.length + 1;
  let text: string;
  if (chunk.type === 'tEXt') {
    text = latin1(data.subarray(at));
  } else if (chunk.type === 'zTXt') {
    if (data[at] !== 0) throw invalid(`${what} uses an unknown compression method.`);
    text = latin1(inflateZlibBounded(data.subarray(at + 1), maxCredentialBytes, what));
  } else {
    // iTXt (PNG 1.2 §4.2.3.3): keyword, NUL, compression flag, compression method, language tag, NUL,
    // translated keyword, NUL, text.
    if (at + 2 > data.length) throw invalid(`${what} is truncated.`);
    const compressed = data[at]!;
    const method = data[at + 1]!;
    at += 2;
    const languageEnd = data.indexOf(0, at);
    if (languageEnd < 0) throw invalid(`${what} has no end to its language tag.`);
    const translatedEnd = data.indexOf(0, languageEnd + 1);
    if (translatedEnd < 0) throw invalid(`${what} has no end to its translated keyword.`);
    const body = data.subarray(translatedEnd + 1);
    if (compressed === 0) text = decodeUtf8(body, what);
    else if (compressed === 1 && method === 0) {
      // The baking specifications say compression MUST NOT be used; a reader can still afford to accept it, bounded.
      text = decodeUtf8(inflateZlibBounded(body, maxCredentialBytes, what), what);
    } else throw invalid(`${what} has an invalid compression flag or method.`);
  }
  if (text.length === 0) throw invalid(`${what} is empty.`);
  return text;
}

/**
 * Extracts the credential baked into a PNG: the iTXt chunk `openbadgecredential` (Open Badges 3.0 §5.3.1) or an
 * Open Badges 2.0 `openbadges` chunk (iTXt, compressed iTXt or legacy tEXt). Every chunk's length and CRC is checked.
 *
 * Throws ERR_IMAGE_INVALID for a malformed PNG or two badge chunks, ERR_IMAGE_NOT_BAKED when there is no badge chunk,
 * ERR_IMAGE_TOO_LARGE past the limits.
 *
 * @example
 * ```ts
 * const { format, text } = unbakePng(new Uint8Array(await file.arrayBuffer()));
 * if (format === 'ob3') await verifyCredential(text.startsWith('{') ? JSON.parse(text) : text);
 * ```
 */
export function unbakePng(png: Uint8Array, options?: BakingOptions): BakedCredential {
  const { maxBytes, maxCredentialBytes } = resolveLimits(options);
  const chunks = readChunks(png, maxBytes);
  const badges = findBadgeChunks(png, chunks);
  const badge = badges[0];
  if (badge === undefined) throw new SkillproofError('ERR_IMAGE_NOT_BAKED', 'The PNG image carries no baked badge.');
  if (badges.length > 1) {
    // OB 3.0 §5.3.1 and the OB 2.0 baking spec: the chunk MUST NOT appear more than once. Two badges are ambiguous.
    throw invalid(`The PNG image carries ${badges.length} badge chunks; a baked image has exactly one.`, {
      chunks: badges.map((b) => `${b.type}:${b.keyword}`),
    });
  }
  return { format: badge.format, text: badgeText(png, badge, maxCredentialBytes) };
}

/**
 * Bakes a credential into a PNG (Open Badges 3.0 §5.3.1): one uncompressed iTXt chunk with keyword
 * `openbadgecredential`, empty language tag and translated keyword, right after IHDR. Any earlier badge chunk
 * (`openbadgecredential` or OB 2.0 `openbadges`) is removed, so an image is never baked twice; bytes after IEND are
 * dropped. The credential is an object (serialized with `JSON.stringify`), its JSON text, or a compact JWS (VC-JWT).
 *
 * @example
 * ```ts
 * const baked = bakePng(pngBytes, signedCredential);
 * unbakePng(baked).text === JSON.stringify(signedCredential); // true
 * ```
 */
export function bakePng(png: Uint8Array, credential: string | object, options?: BakingOptions): Uint8Array {
  const { maxBytes, maxCredentialBytes } = resolveLimits(options);
  const { text } = credentialText(credential);
  const textBytes = utf8.encode(text);
  const header = utf8.encode(OB3_KEYWORD);
  // keyword, NUL, compression flag 0, compression method 0, empty language tag + NUL, empty translated keyword + NUL
  const dataLength = header.length + 5 + textBytes.length;
  if (dataLength > maxCredentialBytes) {
    throw new SkillproofError(
      'ERR_IMAGE_TOO_LARGE',
      `The credential needs a ${dataLength}-byte chunk; the limit is ${maxCredentialBytes}.`,
      { details: { limit: maxCredentialBytes } },
    );
  }
  const chunks = readChunks(png, maxBytes);
  const badgeStarts = new Set(findBadgeChunks(png, chunks).map((c) => c.start));
  const kept = chunks.filter((c) => !badgeStarts.has(c.start));

  const itxt = new Uint8Array(12 + dataLength);
  writeUint32(itxt, 0, dataLength);
  itxt.set([0x69, 0x54, 0x58, 0x74], 4); // iTXt
  itxt.set(header, 8);
  // The five bytes after the keyword are already zero.
  itxt.set(textBytes, 8 + header.length + 5);
  writeUint32(itxt, 8 + dataLength, crc32(itxt.subarray(4, 8 + dataLength)));

  let size = SIGNATURE.length + itxt.length;
  for (const c of kept) size += c.end - c.start;
  const out = new Uint8Array(size);
  out.set(SIGNATURE, 0);
  let at = SIGNATURE.length;
  kept.forEach((c, i) => {
    out.set(png.subarray(c.start, c.end), at);
    at += c.end - c.start;
    if (i === 0) {
      // Right after IHDR, so that a reader that stops at the first badge chunk (OB 3.0 §5.3.1.2) stops early.
      out.set(itxt, at);
      at += itxt.length;
    }
  });
  return out;
}
