/**
 * Text normalisation shared by indexing and querying: both sides must agree, or exact labels stop matching.
 * Case and diacritics are folded (NFKD, marks dropped: "Präsentation" → "prasentation"); terms are runs of letters
 * and digits, keeping a trailing `+`/`#` so that "C++", "C#" and "F#" stay distinct from "C" and "F".
 */

const MARKS = /\p{M}+/gu;
// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;
const TERM = /[\p{L}\p{N}]+[+#]*/gu;

/** Case- and accent-folded text, for comparing whole labels. */
export function foldText(text: string): string {
  // ASCII has nothing to decompose: skip the costly normalisation for most labels.
  if (ASCII.test(text)) return text.toLowerCase();
  return text.normalize('NFKD').replace(MARKS, '').toLowerCase();
}

/** The terms of a text, folded, in order. */
export function termsOf(text: string): string[] {
  return foldText(text).match(TERM) ?? [];
}

/** A label's identity for exact matching: its terms joined by one space ("Project-Management" = "project management"). */
export function labelKey(text: string): string {
  return termsOf(text).join(' ');
}

/**
 * Function words that carry no meaning on their own. They stay in the index (a query of only such words still finds
 * something) but are dropped from queries that have other terms: they match most documents and would only add noise
 * and cost.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set([
  'a',
  'an',
  'and',
  'as',
  'at',
  'by',
  'for',
  'from',
  'in',
  'into',
  'of',
  'on',
  'or',
  'the',
  'to',
  'with',
]);
