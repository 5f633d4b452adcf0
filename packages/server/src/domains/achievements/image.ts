import { z } from '@hono/zod-openapi';
import { unbakePng, unbakeSvg, isSkillproofError } from '@skillproof/core';
import { AppError } from '../../errors.js';

/** Largest image accepted, decoded: badge images are small, and every baked credential carries a copy. */
export const MAX_IMAGE_BYTES = 1024 * 1024;

export type ImageType = 'image/png' | 'image/svg+xml';

export interface ImageData {
  contentType: ImageType;
  bytes: Uint8Array<ArrayBuffer>;
}

type Fail = (
  code: 'ERR_IMAGE_INVALID' | 'ERR_IMAGE_TOO_LARGE' | 'ERR_UNSUPPORTED_MEDIA_TYPE',
  message: string,
) => AppError;

const DATA_URI = /^data:([^;,]*)((?:;[^;,]*)*),/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Headers for serving a stored image: an SVG opened on its own runs nothing, even if a check here was missed. */
export const IMAGE_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox",
  'X-Content-Type-Options': 'nosniff',
  'Access-Control-Allow-Origin': '*',
};

/** The documented answer of a route that serves a stored image (with {@link IMAGE_HEADERS}). */
export const imageResponse = (description: string) => ({
  description,
  content: {
    'image/png': { schema: z.string().openapi({ format: 'binary' }) },
    'image/svg+xml': { schema: z.string() },
  },
});

/**
 * Whether an image reference is an inline `data:` URI (which the server stores and serves) rather than a URL.
 */
export function isDataUri(image: string): boolean {
  return image.startsWith('data:');
}

/**
 * Decodes and checks an uploaded image given as a `data:` URI (RFC 2397): PNG or SVG only, at most 1 MiB decoded, a
 * PNG datastream whose chunks and CRCs are sound, or a well-formed SVG with nothing that runs (scripts, event
 * handlers, `javascript:` links, embedded documents, entity declarations). Either must not already carry a baked
 * credential: the image is what credentials are baked into.
 *
 * Throws `ERR_UNSUPPORTED_MEDIA_TYPE` (another type), `ERR_IMAGE_TOO_LARGE`, or `ERR_IMAGE_INVALID`, each with
 * `details.path` set to `field`.
 *
 * @example
 * ```ts
 * const { contentType, bytes } = decodeImage('data:image/png;base64,iVBORw0KGgo…', 'image');
 * ```
 */
export function decodeImage(dataUri: string, field: string): ImageData {
  const fail: Fail = (code, message) => new AppError(code, `${field}: ${message}`, { path: field });
  const image = readDataUri(dataUri, fail);
  if (image.bytes.length === 0) throw fail('ERR_IMAGE_INVALID', 'the image is empty.');
  if (image.contentType === 'image/png') checkPng(image.bytes, fail);
  else checkSvg(image.bytes, fail);
  return image;
}

/**
 * The bytes and type of an image stored as a `data:` URI, which {@link decodeImage} checked when it was saved.
 *
 * @example
 * ```ts
 * return c.body(storedImage(definition.image).bytes, 200, { 'Content-Type': … });
 * ```
 */
export function storedImage(dataUri: string): ImageData {
  return readDataUri(dataUri, (code, message) => new AppError(code, `The stored image is unusable: ${message}`));
}

function readDataUri(dataUri: string, fail: Fail): ImageData {
  const m = DATA_URI.exec(dataUri);
  if (!m) throw fail('ERR_IMAGE_INVALID', 'not a data: URI (data:image/png;base64,…).');
  const mediaType = m[1]!.trim().toLowerCase();
  if (mediaType !== 'image/png' && mediaType !== 'image/svg+xml') {
    throw fail('ERR_UNSUPPORTED_MEDIA_TYPE', `images must be PNG or SVG, not ${mediaType || 'untyped data'}.`);
  }
  const base64 = m[2]!.split(';').some((p) => p.trim().toLowerCase() === 'base64');
  const payload = dataUri.slice(m[0].length);
  // A payload's decoded size has a lower bound in its length: refuse big ones before decoding anything.
  const atLeast = base64 ? Math.floor((payload.length * 3) / 4) - 2 : payload.length / 3;
  if (atLeast > MAX_IMAGE_BYTES) throw tooLarge(fail);
  let bytes: Uint8Array<ArrayBuffer>;
  if (base64) {
    if (payload.length % 4 !== 0 || !BASE64.test(payload)) throw fail('ERR_IMAGE_INVALID', 'the base64 is malformed.');
    bytes = new Uint8Array(Buffer.from(payload, 'base64'));
  } else {
    try {
      bytes = new TextEncoder().encode(decodeURIComponent(payload));
    } catch {
      throw fail('ERR_IMAGE_INVALID', 'the percent-encoding is malformed.');
    }
  }
  if (bytes.length > MAX_IMAGE_BYTES) throw tooLarge(fail);
  return { contentType: mediaType, bytes };
}

function tooLarge(fail: Fail): AppError {
  return fail('ERR_IMAGE_TOO_LARGE', `the image is larger than ${MAX_IMAGE_BYTES / 1024 / 1024} MiB.`);
}

/** Runs the baker's own reader over the image: what it reads as malformed could not be baked later. */
function readAsBaker(read: () => unknown, fail: Fail): void {
  try {
    read();
  } catch (e) {
    if (isSkillproofError(e) && e.code === 'ERR_IMAGE_NOT_BAKED') return;
    if (isSkillproofError(e) && e.code === 'ERR_IMAGE_INVALID') throw fail('ERR_IMAGE_INVALID', e.message);
    throw e;
  }
  throw fail('ERR_IMAGE_INVALID', 'the image already carries a baked credential; upload the plain image.');
}

function checkPng(bytes: Uint8Array, fail: Fail): void {
  readAsBaker(() => unbakePng(bytes), fail);
}

function checkSvg(bytes: Uint8Array, fail: Fail): void {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw fail('ERR_IMAGE_INVALID', 'an SVG image must be UTF-8 text.');
  }
  readAsBaker(() => unbakeSvg(text), fail);
  const danger = findActiveContent(text);
  if (danger) throw fail('ERR_IMAGE_INVALID', `the SVG contains ${danger}; badge images must not run anything.`);
}

// Elements that run code or embed another document (SVG 2 §15.2 script, §6.6 foreignObject; SVG Tiny 1.2 handler and
// listener; HTML embedding elements that some renderers honour inside SVG).
const ACTIVE_ELEMENTS = new Set(['script', 'foreignobject', 'handler', 'listener', 'iframe', 'embed', 'object']);

/**
 * Looks through a well-formed SVG (the baker's scanner has already checked that) for anything that could run when the
 * image is opened on its own: the elements above, `on…` event attributes, script URLs in any attribute (including
 * `<animate values>` and `<set to>`, which can rewrite an `href`), `data:` links to anything but images, processing
 * instructions other than the XML declaration (`xml-stylesheet` can apply XSLT), and DTD internal subsets (whose
 * entities could spell a script URL this scan would not see). Returns a description of the first finding.
 */
export function findActiveContent(svg: string): string | undefined {
  let at = 0;
  const next = (token: string, from: number) => {
    const found = svg.indexOf(token, from);
    return found < 0 ? svg.length : found + token.length;
  };
  for (;;) {
    const lt = svg.indexOf('<', at);
    if (lt < 0) return undefined;
    if (svg.startsWith('<!--', lt)) at = next('-->', lt + 4);
    else if (svg.startsWith('<![CDATA[', lt)) at = next(']]>', lt + 9);
    else if (svg.startsWith('<?', lt)) {
      if (!/^<\?xml[\s?]/.test(svg.slice(lt, lt + 6))) return 'a processing instruction';
      at = next('?>', lt + 2);
    } else if (svg.startsWith('<!', lt)) {
      const end = endOfTag(svg, lt);
      if (svg.slice(lt, end).includes('[')) return 'a DTD internal subset';
      at = end;
    } else if (svg.startsWith('</', lt)) at = next('>', lt);
    else {
      const end = endOfTag(svg, lt);
      const finding = inspectStartTag(svg.slice(lt + 1, end - 1));
      if (finding) return finding;
      at = end;
    }
  }
}

/** Just past the `>` that closes the tag opened at `lt`, skipping quoted attribute values (which may hold `>`). */
function endOfTag(svg: string, lt: number): number {
  let quote = 0;
  for (let i = lt + 1; i < svg.length; i++) {
    const c = svg.charCodeAt(i);
    if (quote) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) quote = c;
    else if (c === 0x3e) return i + 1;
  }
  return svg.length;
}

// A `data:` URL starting the value, a list item (`values="a;data:…"`) or a CSS `url(data:…)`, of a type that is not a
// raster image (an SVG or HTML one could carry script).
const NON_IMAGE_DATA_URL = /(?:^|[;,('"])data:(?!image\/(?:png|jpeg|gif|webp)[;,])/;
// Browsers strip C0 controls and spaces around a URL and tabs and newlines inside it (URL Standard §4.4): all are
// dropped before looking for a scheme, so `java&#9;script:` is caught.
// eslint-disable-next-line no-control-regex
const IGNORED_IN_URLS = /[\u0000-\u0020]/g;
const ATTRIBUTE = /([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*')/g;

function inspectStartTag(tag: string): string | undefined {
  const name = /^[^\s/>]+/.exec(tag)?.[0] ?? '';
  const local = (n: string) => n.slice(n.indexOf(':') + 1).toLowerCase();
  if (ACTIVE_ELEMENTS.has(local(name))) return `a <${name}> element`;
  for (const [, attr, quoted] of tag.slice(name.length).matchAll(ATTRIBUTE)) {
    if (local(attr!).startsWith('on')) return `an event handler attribute (${attr})`;
    // A URL scheme needs a colon, written out or as a character reference.
    if (!quoted!.includes(':') && !quoted!.includes('&')) continue;
    const value = decodeReferences(quoted!.slice(1, -1)).replace(IGNORED_IN_URLS, '').toLowerCase();
    if (value.includes('javascript:') || value.includes('vbscript:')) return `a script URL in ${attr}`;
    if (NON_IMAGE_DATA_URL.test(value)) {
      return `a data: URL that is not an image in ${attr}`;
    }
  }
  return undefined;
}

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** XML 1.0 §4.1 predefined entities and character references; anything else is kept as written. */
function decodeReferences(value: string): string {
  return value.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot|apos);/g, (whole, ref: string) => {
    if (!ref.startsWith('#')) return PREDEFINED[ref]!;
    const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}
