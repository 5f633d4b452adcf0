import { SkillproofError } from '../errors.js';

/**
 * Limits for baking and extracting; both bound memory and time on hostile images.
 *
 * @example
 * ```ts
 * unbake(upload, { maxBytes: 1024 * 1024, maxCredentialBytes: 256 * 1024 });
 * ```
 */
export interface BakingOptions {
  /** The largest image accepted, in bytes (UTF-8 bytes for an SVG string). Default 10 MiB. */
  maxBytes?: number;
  /** The largest credential text accepted in one badge chunk or element, in bytes (after decompression). Default 2 MiB. */
  maxCredentialBytes?: number;
}

/**
 * What a baked image carries.
 *
 * @example
 * ```ts
 * const { format, text }: BakedCredential = unbakePng(png);
 * const credential = text.startsWith('{') ? JSON.parse(text) : text; // JSON, or a compact JWS / URL
 * ```
 */
export interface BakedCredential {
  /**
   * `ob3`: an Open Badges 3.0 `openbadgecredential` iTXt chunk or `<openbadges:credential>` element;
   * `ob2`: an Open Badges 2.0 `openbadges` chunk or `<openbadges:assertion>` element.
   */
  format: 'ob3' | 'ob2';
  /**
   * The baked text, unchanged: for `ob3` the JSON of a credential with an embedded proof or a compact JWS (VC-JWT);
   * for `ob2` the assertion JSON, a compact JWS (signed assertion) or the URL of a hosted assertion.
   */
  text: string;
}

export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MAX_CREDENTIAL_BYTES = 2 * 1024 * 1024;

export function resolveLimits(options: BakingOptions | undefined): { maxBytes: number; maxCredentialBytes: number } {
  const maxBytes = options?.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxCredentialBytes = options?.maxCredentialBytes ?? DEFAULT_MAX_CREDENTIAL_BYTES;
  for (const [name, value] of [
    ['maxBytes', maxBytes],
    ['maxCredentialBytes', maxCredentialBytes],
  ] as const) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new SkillproofError('ERR_INPUT_INVALID', `Option ${name} must be a non-negative integer.`);
    }
  }
  return { maxBytes, maxCredentialBytes };
}

/** UTF-8 length of a string without encoding it (lone surrogates count as the 3 bytes of U+FFFD). */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}
