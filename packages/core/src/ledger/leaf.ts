import { platform } from '#platform';
import { SkillproofError } from '../errors.js';
import { DEFAULT_MAX_DEPTH } from '../lib/json-input.js';
import { bytesEqual } from '../lib/encoding.js';
import { hex } from './bytes.js';

/** What a credential leaf records. */
export type CredentialLogEventType = 'issue' | 'revoke' | 'suspend' | 'unsuspend';

/**
 * One event of the log, as its leaf states it. `at` is an ISO 8601 UTC time (`Date`s are written with
 * `toISOString()`); `issuer` the issuer's DID or URL; `sha256` the lowercase hex {@link credentialDigest}.
 */
export type LogEvent =
  | { type: CredentialLogEventType; at: string | Date; issuer: string; credential: string; sha256: string }
  | { type: 'key-add'; at: string | Date; issuer: string; key: string }
  | { type: 'key-revoke'; at: string | Date; issuer: string; key: string; reason: string };

/** A parsed leaf: the event with `at` as the string the leaf holds, and the leaf format version. */
export type LogLeaf = { v: 1 } & (
  | { type: CredentialLogEventType; at: string; issuer: string; credential: string; sha256: string }
  | { type: 'key-add'; at: string; issuer: string; key: string }
  | { type: 'key-revoke'; at: string; issuer: string; key: string; reason: string }
);

/** Entry bundles length-prefix entries with a uint16 (C2SP tlog-tiles), so no leaf may be longer. */
const MAX_LEAF_BYTES = 0xffff;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const CREDENTIAL_TYPES: ReadonlySet<string> = new Set(['issue', 'revoke', 'suspend', 'unsuspend']);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function leafError(message: string): SkillproofError {
  return new SkillproofError('ERR_LEAF_INVALID', message);
}

function text(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0 || LONE_SURROGATE.test(value)) {
    throw leafError(`The leaf's "${name}" must be a non-empty string.`);
  }
  return value;
}

function time(value: unknown): string {
  const at = value instanceof Date ? (Number.isNaN(value.getTime()) ? '' : value.toISOString()) : value;
  if (typeof at !== 'string' || !ISO_UTC.test(at) || Number.isNaN(Date.parse(at))) {
    throw leafError('The leaf\'s "at" must be an ISO 8601 UTC time such as 2026-11-30T12:00:00.000Z.');
  }
  return at;
}

/**
 * The bytes of the log leaf for an event: compact JSON with the keys in a fixed order (`v`, `type`, `at`, `issuer`,
 * then `credential` and `sha256`, or `key` and, for revocations, `reason`). `ERR_LEAF_INVALID` for a malformed event.
 *
 * @example
 * ```ts
 * const leaf = buildLeaf({ type: 'issue', at: new Date(), issuer: did, credential: id, sha256: credentialDigest(vc) });
 * ```
 */
export function buildLeaf(event: LogEvent): Uint8Array {
  if (event === null || typeof event !== 'object') throw leafError('A log event must be an object.');
  const type: unknown = event.type;
  const head = { v: 1, type, at: time(event.at), issuer: text(event.issuer, 'issuer') };
  let value: Record<string, unknown>;
  if (typeof type === 'string' && CREDENTIAL_TYPES.has(type)) {
    const e = event as { credential?: unknown; sha256?: unknown };
    const sha256 = e.sha256;
    if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) {
      throw leafError('The leaf\'s "sha256" must be 64 lowercase hex digits.');
    }
    value = { ...head, credential: text(e.credential, 'credential'), sha256 };
  } else if (type === 'key-add') {
    value = { ...head, key: text((event as { key?: unknown }).key, 'key') };
  } else if (type === 'key-revoke') {
    const e = event as { key?: unknown; reason?: unknown };
    value = { ...head, key: text(e.key, 'key'), reason: text(e.reason, 'reason') };
  } else {
    throw leafError(`Unknown log event type ${JSON.stringify(type)}.`);
  }
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  if (bytes.length > MAX_LEAF_BYTES) throw leafError(`A leaf is at most ${MAX_LEAF_BYTES} bytes.`);
  return bytes;
}

/**
 * Parses leaf bytes back into the event, accepting only the exact bytes {@link buildLeaf} writes for it (so one event
 * has one leaf). `ERR_LEAF_INVALID` for anything else.
 *
 * @example
 * ```ts
 * const event = parseLeaf(entries[i]);
 * if (event.type === 'issue') check(event.credential, event.sha256);
 * ```
 */
export function parseLeaf(bytes: Uint8Array): LogLeaf {
  if (!(bytes instanceof Uint8Array)) throw leafError('A leaf is bytes.');
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw leafError('A leaf is UTF-8 JSON.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw leafError('A leaf is a JSON object.');
  const leaf = value as Record<string, unknown>;
  if (leaf['v'] !== 1) throw leafError(`Unsupported leaf version ${JSON.stringify(leaf['v'])}.`);
  const rebuilt = buildLeaf(leaf as unknown as LogEvent);
  if (!bytesEqual(rebuilt, bytes)) throw leafError('The leaf is not in canonical form (key order, spacing or fields).');
  return leaf as unknown as LogLeaf;
}

/**
 * RFC 8785 JSON Canonicalization Scheme: object keys sorted by UTF-16 code units, no whitespace, numbers and strings
 * as ECMAScript's JSON.stringify writes them. Object members whose value is `undefined` are left out (as JSON.stringify
 * does); anything JSON cannot hold (non-finite numbers, lone surrogates, functions, class instances) is
 * `ERR_INPUT_INVALID`, nesting deeper than 64 `ERR_INPUT_TOO_DEEP`.
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [true, null] }); // '{"a":[true,null],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  return write(value, 1);
}

/** Whether a string holds no lone surrogate (ES2024 `isWellFormed`, in Node since 20; far faster than a regex). */
const isWellFormed: (s: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (s) => !LONE_SURROGATE.test(s);

function quote(text: string): string {
  if (!isWellFormed(text)) {
    throw new SkillproofError('ERR_INPUT_INVALID', 'Canonical JSON (RFC 8785) cannot hold a lone surrogate.');
  }
  return JSON.stringify(text);
}

// Returns strings joined by `+` (V8 builds ropes, flattened once by the hash): about twice as fast as collecting parts.
function write(value: unknown, depth: number): string {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      if (!Number.isFinite(value)) throw new SkillproofError('ERR_INPUT_INVALID', 'JSON has no NaN or Infinity.');
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      throw new SkillproofError('ERR_INPUT_INVALID', `JSON cannot hold a value of type ${typeof value}.`);
  }
  if (value === null) return 'null';
  if (depth > DEFAULT_MAX_DEPTH) {
    throw new SkillproofError('ERR_INPUT_TOO_DEEP', `The value nests deeper than ${DEFAULT_MAX_DEPTH} levels.`);
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + write(value[i], depth + 1);
    return out + ']';
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    throw new SkillproofError('ERR_INPUT_INVALID', 'Canonical JSON takes plain objects, arrays and primitives only.');
  }
  const record = value as Record<string, unknown>;
  // The default sort compares UTF-16 code units, as RFC 8785 §3.2.3 orders keys.
  const keys = Object.keys(record).sort();
  let out = '{';
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    out += (out.length > 1 ? ',' : '') + quote(key) + ':' + write(member, depth + 1);
  }
  return out + '}';
}

/**
 * The SHA-256 (lowercase hex) of a credential's canonical JSON ({@link canonicalJson}, RFC 8785), computed over the
 * signed document as stored and served, so anyone holding the document can recompute the digest its leaf states.
 *
 * @example
 * ```ts
 * const sha256 = credentialDigest(signedCredential);
 * ```
 */
export function credentialDigest(document: unknown): string {
  return hex(platform.sha256Text(canonicalJson(document)));
}
