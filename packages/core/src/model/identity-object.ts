import { md5 } from '@noble/hashes/legacy.js';
import { platform } from '#platform';
import { SkillproofError } from '../errors.js';
import { hexEncode, utf8 } from '../lib/encoding.js';
import type { IdentityObject } from './schemas.js';

/** An IdentityObject that carries a hashed email address, as `createIdentityObject` makes it. */
export interface EmailIdentityObject {
  type: 'IdentityObject';
  identityHash: string;
  identityType: 'emailAddress';
  hashed: true;
  salt?: string;
}

/**
 * OB 3.0 `IdentityHash`: "an algorithm identifier, a `$` separator, and a hash across an identifier and an optionally
 * appended salt string … Identifiers and salts MUST be encoded in UTF-8 prior to hashing" (OB 3.0 §B, Derived Types;
 * example: 'a@example.com' salted with 'Kosher' → sha256$b5809d8a…ef399). The spec does not fold case, so neither does
 * this function: it hashes `identity + salt` exactly as given. Email normalization is `createIdentityObject`'s job.
 *
 * @example
 * ```ts
 * hashIdentity('a@example.com', 'Kosher'); // 'sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399'
 * ```
 */
export function hashIdentity(identity: string, salt = ''): string {
  if (typeof identity !== 'string' || typeof salt !== 'string') {
    throw new SkillproofError('ERR_INPUT_INVALID', 'The identity and the salt must be strings.');
  }
  return `sha256$${hexEncode(platform.sha256(utf8.encode(identity + salt)))}`;
}

/**
 * How this project writes an email identity before hashing: trimmed and lower-cased. OB 3.0 leaves normalization to
 * the issuer; lower-casing the whole address (RFC 5321 lets only the domain be case-insensitive, but no mail provider
 * in use distinguishes local-part case) means a learner who types `Ada@Example.org` still matches.
 */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/**
 * Makes the IdentityObject for a recipient known by email: `sha256$` of the normalized address plus the salt. A
 * 16-byte random salt (hex) is generated unless `salt` is given or `randomSalt` is false (an unsalted hash of an
 * email is easily reversed by guessing, so salting is the default).
 *
 * @example
 * ```ts
 * const identifier = [createIdentityObject({ email: 'ada@example.org' })];
 * ```
 */
export function createIdentityObject(input: {
  email: string;
  salt?: string;
  randomSalt?: boolean;
}): EmailIdentityObject {
  if (typeof input?.email !== 'string' || !EMAIL.test(input.email.trim())) {
    throw new SkillproofError('ERR_INPUT_INVALID', 'createIdentityObject needs an email address.');
  }
  if (input.salt !== undefined && typeof input.salt !== 'string') {
    throw new SkillproofError('ERR_INPUT_INVALID', 'The salt must be a string.');
  }
  const salt = input.salt ?? (input.randomSalt === false ? undefined : hexEncode(platform.randomBytes(16)));
  const identityHash = hashIdentity(normalizeEmail(input.email), salt ?? '');
  return {
    type: 'IdentityObject',
    identityHash,
    identityType: 'emailAddress',
    hashed: true,
    ...(salt === undefined ? {} : { salt }),
  };
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  // The length of a hex digest is public (it follows from the algorithm); only the content must not leak.
  if (x.length !== y.length) return false;
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!;
  return diff === 0;
}

/**
 * True when `identityObject` identifies the holder of `email`, following OB 3.0 §"Verify the recipient using an
 * identifier": skip other identity types; if `hashed`, hash the known email with the object's salt (sha256 or md5,
 * hex in either case) and compare in constant time; otherwise compare the plaintext. The email is tried as given and
 * normalized, so both strict issuers and issuers that lower-case (as `createIdentityObject` does) match.
 *
 * @example
 * ```ts
 * const match = credential.credentialSubject.identifier?.some((id) => matchesIdentity(id, 'ada@example.org'));
 * ```
 */
export function matchesIdentity(
  identityObject: IdentityObject | EmailIdentityObject | Record<string, unknown>,
  email: string,
): boolean {
  if (identityObject === null || typeof identityObject !== 'object' || typeof email !== 'string') return false;
  const { identityType, identityHash, hashed, salt } = identityObject as Record<string, unknown>;
  if (identityType !== 'emailAddress' || typeof identityHash !== 'string') return false;
  if (salt !== undefined && typeof salt !== 'string') return false;
  const candidates = [...new Set([email, email.trim(), normalizeEmail(email)])];
  if (hashed !== true) {
    // A plaintext identity is compared the same way an email is: case-insensitively.
    return candidates.some((c) => constantTimeEqual(normalizeEmail(identityHash), normalizeEmail(c)));
  }
  const m = /^(sha256|md5)\$([0-9a-fA-F]+)$/.exec(identityHash);
  if (!m) return false;
  const algorithm = m[1]!;
  const expected = m[2]!.toLowerCase();
  const digest = (text: string) =>
    hexEncode(algorithm === 'sha256' ? platform.sha256(utf8.encode(text)) : md5(utf8.encode(text)));
  let found = false;
  // Every candidate is hashed and compared, so the time taken does not reveal which one matched.
  for (const candidate of candidates) if (constantTimeEqual(digest(candidate + (salt ?? '')), expected)) found = true;
  return found;
}
