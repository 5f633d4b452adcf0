import { SkillproofError } from '../errors.js';
import { credentialText, trimJsonWhitespace } from './credential-text.js';
import { resolveLimits, utf8Length, type BakedCredential, type BakingOptions } from './options.js';
import { decodeReferences, scanXml, splitName, type XmlStartTag } from './xml-scanner.js';

/** OB 3.0 §5.3.2: the namespace of `<openbadges:credential>`. */
export const OB3_SVG_NAMESPACE = 'https://purl.imsglobal.org/ob/v3p0';
// OB 2.0 Baking §SVGs: `xmlns:openbadges="http://openbadges.org"`; the https form is accepted as well.
const OB2_SVG_NAMESPACES = new Set(['http://openbadges.org', 'https://openbadges.org', 'http://openbadges.org/']);
const PREFIX = 'openbadges';

interface FoundBadge {
  format: BakedCredential['format'];
  start: number;
  end: number;
  verify: string | undefined;
  text: string;
}

interface ScannedSvg {
  root: XmlStartTag;
  badges: FoundBadge[];
}

function badgeFormat(
  tag: XmlStartTag,
  namespaceOf: (name: string) => string | undefined,
): BakedCredential['format'] | undefined {
  // Most elements of an image are neither: decide that before splitting names and resolving prefixes.
  if (!tag.name.endsWith('credential') && !tag.name.endsWith('assertion')) return undefined;
  const { prefix, local } = splitName(tag.name);
  const namespace = namespaceOf(tag.name);
  if (namespace === OB3_SVG_NAMESPACE) return local === 'credential' ? 'ob3' : undefined;
  if (namespace !== undefined && OB2_SVG_NAMESPACES.has(namespace)) return local === 'assertion' ? 'ob2' : undefined;
  // Tolerance: an `openbadges:` prefix that was never declared is read as the spec's prefix. A declared prefix bound to
  // another namespace is that namespace's business and is not a badge.
  if (namespace === undefined && prefix === PREFIX) {
    if (local === 'credential') return 'ob3';
    if (local === 'assertion') return 'ob2';
  }
  return undefined;
}

function checkSize(svg: unknown, maxBytes: number): asserts svg is string {
  if (typeof svg !== 'string') throw new SkillproofError('ERR_INPUT_INVALID', 'An SVG image must be a string.');
  // A UTF-16 code unit is one to three UTF-8 bytes: the cheap tests first, the exact count only when it matters.
  if (svg.length > maxBytes || (svg.length * 3 > maxBytes && utf8Length(svg) > maxBytes)) {
    throw new SkillproofError('ERR_IMAGE_TOO_LARGE', `The SVG image is larger than the limit of ${maxBytes} bytes.`, {
      details: { limit: maxBytes },
    });
  }
}

function scanSvg(svg: string): ScannedSvg {
  const badges: FoundBadge[] = [];
  const pending = new Map<XmlStartTag, BakedCredential['format']>();
  const root = scanXml(svg, {
    onStart(tag, depth, namespaceOf) {
      if (depth === 0) {
        if (splitName(tag.name).local !== 'svg') {
          throw new SkillproofError('ERR_IMAGE_INVALID', `The root element is <${tag.name}>, not <svg>.`);
        }
        return false;
      }
      const format = badgeFormat(tag, namespaceOf);
      if (format === undefined) return false;
      pending.set(tag, format);
      return true;
    },
    onEnd(tag, end, text) {
      const format = pending.get(tag)!;
      pending.delete(tag);
      const verifyAttribute = tag.attributes.find((a) => a.name === 'verify');
      const verify =
        verifyAttribute === undefined
          ? undefined
          : trimJsonWhitespace(decodeReferences(verifyAttribute.raw, verifyAttribute.valueStart));
      badges.push({ format, start: tag.start, end, verify, text: trimJsonWhitespace(text) });
    },
  });
  return { root, badges };
}

/**
 * Extracts the credential baked into an SVG: the `<openbadges:credential>` element of Open Badges 3.0 §5.3.2 (its
 * `verify` attribute holds a compact JWS; otherwise its CDATA body holds the credential JSON) or the Open Badges 2.0
 * `<openbadges:assertion>` element (its body holds the assertion JSON; without a body, `verify` holds a signed
 * assertion or the hosted assertion's URL). Elements are matched by namespace, as XML namespaces define it.
 *
 * Throws ERR_IMAGE_INVALID for malformed XML, a root other than `<svg>`, or two badge elements;
 * ERR_IMAGE_NOT_BAKED when there is none; ERR_IMAGE_TOO_LARGE past the limits.
 *
 * @example
 * ```ts
 * const { format, text } = unbakeSvg(await file.text());
 * ```
 */
export function unbakeSvg(svg: string, options?: BakingOptions): BakedCredential {
  const { maxBytes, maxCredentialBytes } = resolveLimits(options);
  checkSize(svg, maxBytes);
  const { badges } = scanSvg(svg);
  const badge = badges[0];
  if (badge === undefined) throw new SkillproofError('ERR_IMAGE_NOT_BAKED', 'The SVG image carries no baked badge.');
  if (badges.length > 1) {
    // OB 3.0 §5.3.2 and the OB 2.0 baking spec: there MUST be only one such tag. Two are ambiguous.
    throw new SkillproofError(
      'ERR_IMAGE_INVALID',
      `The SVG image carries ${badges.length} badge elements; a baked image has exactly one.`,
    );
  }
  let text: string;
  if (badge.format === 'ob3') text = badge.verify ? badge.verify : badge.text;
  else text = badge.text ? badge.text : (badge.verify ?? '');
  if (text === '') throw new SkillproofError('ERR_IMAGE_INVALID', 'The badge element of the SVG image is empty.');
  if (utf8Length(text) > maxCredentialBytes) {
    throw new SkillproofError(
      'ERR_IMAGE_TOO_LARGE',
      `The baked credential is larger than the limit of ${maxCredentialBytes} bytes.`,
      { details: { limit: maxCredentialBytes } },
    );
  }
  return { format: badge.format, text };
}

// XML 1.0 §2.2 excludes U+FFFE and U+FFFF, which JSON allows raw inside strings; in a JSON string they can be written
// as escapes instead, which is the same JSON value. (JSON text has no raw C0 controls, and JSON.stringify escapes
// lone surrogates; credentialText rejects them in strings.)
function xmlSafeJson(text: string): string {
  return text.replace(/\uFFFE/g, '\\ufffe').replace(/\uFFFF/g, '\\uffff');
}

// XML 1.0 §2.7: a CDATA section ends at the first `]]>`; one inside the JSON is split across two sections.
function cdata(text: string): string {
  return `<![CDATA[${text.split(']]>').join(']]]]><![CDATA[>')}]]>`;
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

/**
 * Bakes a credential into an SVG (Open Badges 3.0 §5.3.2): declares `xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"`
 * on the root `<svg>` and adds `<openbadges:credential>` as its first child, with a compact JWS (VC-JWT) in the
 * `verify` attribute or the JSON of a credential with an embedded proof in a CDATA body. Any earlier
 * `<openbadges:credential>` or OB 2.0 `<openbadges:assertion>` is removed; the rest of the document is kept byte for
 * byte.
 *
 * @example
 * ```ts
 * const baked = bakeSvg('<svg xmlns="http://www.w3.org/2000/svg"/>', jwt);
 * // <svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="…"><openbadges:credential verify="eyJ…"></openbadges:credential></svg>
 * ```
 */
export function bakeSvg(svg: string, credential: string | object, options?: BakingOptions): string {
  const { maxBytes, maxCredentialBytes } = resolveLimits(options);
  const { kind, text } = credentialText(credential);
  if (utf8Length(text) > maxCredentialBytes) {
    throw new SkillproofError(
      'ERR_IMAGE_TOO_LARGE',
      `The credential is larger than the limit of ${maxCredentialBytes} bytes.`,
      { details: { limit: maxCredentialBytes } },
    );
  }
  checkSize(svg, maxBytes);
  const { root, badges } = scanSvg(svg);

  const element =
    kind === 'jws'
      ? `<${PREFIX}:credential verify="${escapeAttribute(text)}"></${PREFIX}:credential>`
      : `<${PREFIX}:credential>${cdata(xmlSafeJson(text))}</${PREFIX}:credential>`;

  const edits: Array<[number, number, string]> = [];
  const declaration = root.attributes.find((a) => a.name === `xmlns:${PREFIX}`);
  if (declaration === undefined) {
    const afterName = root.start + 1 + root.name.length;
    edits.push([afterName, afterName, ` xmlns:${PREFIX}="${OB3_SVG_NAMESPACE}"`]);
  } else if (decodeReferences(declaration.raw, declaration.valueStart) !== OB3_SVG_NAMESPACE) {
    // An OB 2.0 badge declared the same prefix for http://openbadges.org; its element is removed below.
    edits.push([declaration.valueStart, declaration.valueEnd, OB3_SVG_NAMESPACE]);
  }
  if (root.selfClosing) edits.push([root.end - 2, root.end, `>${element}</${root.name}>`]);
  else edits.push([root.end, root.end, element]);
  for (const b of badges) edits.push([b.start, b.end, '']);

  // One forward pass (edits never overlap; an insertion sorts before a removal at the same offset).
  edits.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const parts: string[] = [];
  let at = 0;
  for (const [start, end, replacement] of edits) {
    parts.push(svg.slice(at, start), replacement);
    at = end;
  }
  parts.push(svg.slice(at));
  return parts.join('');
}
