import { SkillproofError } from '../errors.js';
import { resolveLimits, type BakedCredential, type BakingOptions } from './options.js';
import { hasPngSignature, unbakePng } from './png.js';
import { unbakeSvg } from './svg.js';

/**
 * What {@link unbake} found: the baked credential and the kind of image it came from.
 *
 * @example
 * ```ts
 * const found: UnbakedImage = unbake(bytes); // { image: 'svg', format: 'ob3', text: 'eyJ…' }
 * ```
 */
export interface UnbakedImage extends BakedCredential {
  image: 'png' | 'svg';
}

function isXmlSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

function decodeSvgText(bytes: Uint8Array): string {
  // XML 1.0 Appendix F: a byte order mark tells UTF-16 from UTF-8; without one, an SVG here must be UTF-8.
  let encoding = 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) encoding = 'utf-16le';
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) encoding = 'utf-16be';
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new SkillproofError('ERR_IMAGE_INVALID', `The image is neither a PNG nor ${encoding} text.`, { cause });
  }
}

/**
 * Extracts the credential baked into a PNG or SVG image given as bytes (Open Badges 3.0 §5.3, and Open Badges 2.0
 * baked images). A PNG is recognized by its signature; an SVG by being text whose first markup, after an optional
 * byte order mark, white space, XML declaration, comments and DOCTYPE, is the `<svg>` root element.
 *
 * Throws ERR_IMAGE_INVALID (neither a PNG nor an SVG, or malformed), ERR_IMAGE_NOT_BAKED, or ERR_IMAGE_TOO_LARGE.
 *
 * @example
 * ```ts
 * const { image, format, text } = unbake(new Uint8Array(await response.arrayBuffer()));
 * ```
 */
export function unbake(bytes: Uint8Array, options?: BakingOptions): UnbakedImage {
  if (!(bytes instanceof Uint8Array)) throw new SkillproofError('ERR_INPUT_INVALID', 'The image must be a Uint8Array.');
  const { maxBytes } = resolveLimits(options);
  if (hasPngSignature(bytes)) return { image: 'png', ...unbakePng(bytes, options) };
  if (bytes.length > maxBytes) {
    throw new SkillproofError('ERR_IMAGE_TOO_LARGE', `The image is ${bytes.length} bytes; the limit is ${maxBytes}.`, {
      details: { size: bytes.length, limit: maxBytes },
    });
  }
  // Cheap sniff before decoding: after a BOM and white space, text markup starts with `<`.
  let at = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) at = 3;
  else if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) at = -1;
  if (at >= 0) {
    while (at < bytes.length && isXmlSpace(bytes[at]!)) at++;
    if (bytes[at] !== 0x3c) throw new SkillproofError('ERR_IMAGE_INVALID', 'The image is neither a PNG nor an SVG.');
  }
  // unbakeSvg rejects a document whose root is not <svg>.
  return { image: 'svg', ...unbakeSvg(decodeSvgText(bytes), options) };
}
