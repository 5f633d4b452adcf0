import { SkillproofError } from '../errors.js';

/** The text that goes into an image, and how OB 3.0 §5.3 says to carry it. */
export interface CredentialText {
  /** `json`: a credential with an embedded proof; `jws`: the compact JWS of a VC-JWT. */
  kind: 'json' | 'jws';
  text: string;
}

// Compact JWS (RFC 7515 §7.1): three base64url parts. The payload may be empty (detached, RFC 7797) and so may the
// signature of an unsecured JWT; the header never is. Linear: character classes separated by literal dots.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

/** True when `text` (a JS string) contains an unpaired surrogate, which UTF-8 cannot carry. */
export function hasLoneSurrogate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) i++;
      else return true;
    } else if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}

function isJsonWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Trims the whitespace that both JSON (RFC 8259 §2) and XML (`S`) allow around a value, and nothing else. */
export function trimJsonWhitespace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isJsonWhitespace(text.charCodeAt(start))) start++;
  while (end > start && isJsonWhitespace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/**
 * Turns what a caller wants to bake into the text of OB 3.0 §5.3: an object is serialized with `JSON.stringify`;
 * a string is either the JSON of a credential (it starts with `{`) or a compact JWS.
 */
export function credentialText(credential: unknown): CredentialText {
  if (typeof credential === 'string') {
    const text = trimJsonWhitespace(credential);
    if (text.startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (cause) {
        throw new SkillproofError('ERR_JSON_PARSE', 'The credential to bake is not valid JSON.', { cause });
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new SkillproofError('ERR_INPUT_INVALID', 'The credential to bake must be a JSON object.');
      }
      if (hasLoneSurrogate(text)) {
        throw new SkillproofError('ERR_INPUT_INVALID', 'The credential text contains an unpaired UTF-16 surrogate.');
      }
      return { kind: 'json', text };
    }
    if (COMPACT_JWS.test(text)) return { kind: 'jws', text };
    throw new SkillproofError(
      'ERR_INPUT_INVALID',
      'The credential to bake must be a JSON object, its JSON text, or a compact JWS (VC-JWT).',
    );
  }
  if (credential === null || typeof credential !== 'object' || Array.isArray(credential)) {
    throw new SkillproofError('ERR_INPUT_INVALID', 'The credential to bake must be a JSON object or a string.');
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(credential);
  } catch (cause) {
    throw new SkillproofError('ERR_INPUT_INVALID', 'The credential cannot be serialized as JSON.', { cause });
  }
  if (typeof text !== 'string' || !text.startsWith('{')) {
    throw new SkillproofError('ERR_INPUT_INVALID', 'The credential must serialize to a JSON object.');
  }
  return { kind: 'json', text };
}
