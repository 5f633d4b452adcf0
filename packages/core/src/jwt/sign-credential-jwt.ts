import { CompactSign } from 'jose';
import type { CompactJWSHeaderParameters } from 'jose';
import { SkillproofError } from '../errors.js';
import { issuerId } from '../lib/issuer-id.js';
import { utf8 } from '../lib/encoding.js';
import type { Clock } from '../types.js';
import { isRsaKey } from './rsa-key.js';
import type { SigningKey } from './rsa-key.js';
import { signingCryptoKey } from './signing-keys.js';

/**
 * The two JWT encodings of a credential:
 * - `vc-jose-cose`: W3C VC-JOSE-COSE §3.1.1, header `typ: "vc+jwt"`, `cty: "vc"`; the payload is the credential itself.
 * - `ob-vc-jwt`: Open Badges 3.0 §8.2 "JSON Web Token Proof Format", header `typ: "JWT"`; the payload is the credential
 *   with the claims `iss`, `jti`, `nbf`, `sub` (and `exp`) derived from it.
 */
export type CredentialJwtForm = 'vc-jose-cose' | 'ob-vc-jwt';

/** Algorithms {@link signCredentialJwt} signs with: `EdDSA` for Ed25519 keys, the RSA ones for RSA keys. */
export type JwtSigningAlgorithm = 'EdDSA' | 'RS256' | 'RS384' | 'RS512' | 'PS256';

export interface SignCredentialJwtOptions {
  /** Default `ob-vc-jwt`, the form Open Badges 3.0 specifies. */
  form?: CredentialJwtForm;
  /** Default `EdDSA` for Ed25519 keys, `RS256` for RSA keys. */
  alg?: JwtSigningAlgorithm;
  /** Time of signing, written as `iat` in the Open Badges form. Default: the system clock. */
  clock?: Clock;
}

/** RFC 7519 §4.1 registered claims, and the VC 1.1 wrappers that VC-JOSE-COSE §3.1.3 forbids. */
export const RESERVED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'vc', 'vp'] as const;

function numericDate(value: unknown, name: string): number {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) {
    throw new SkillproofError('ERR_DATE_INVALID', `${name} is not a date-time: ${JSON.stringify(value)}.`, {
      path: `$.${name}`,
    });
  }
  // NumericDate is whole seconds here (RFC 7519 §2 allows fractions; OB verifiers compare with validFrom to the second).
  return Math.floor(ms / 1000);
}

function subjectIds(credential: Record<string, unknown>): string[] {
  const subject = credential.credentialSubject;
  const subjects = Array.isArray(subject) ? subject : [subject];
  const ids: string[] = [];
  for (const s of subjects) {
    if (s && typeof s === 'object' && typeof (s as Record<string, unknown>).id === 'string') {
      ids.push((s as Record<string, unknown>).id as string);
    }
  }
  return ids;
}

/**
 * Secures a credential as a compact JWS. The key must belong to the credential's issuer (its `controller` equals the
 * issuer id); its `id` becomes the `kid`. An embedded Data Integrity proof, if wanted, must be added first (OB 3.0 §8.2.4).
 *
 * @example
 * ```ts
 * const key = generateEd25519Key();
 * const jwt = await signCredentialJwt({ ...credential, issuer: { ...issuer, id: key.controller } }, key);
 * ```
 */
export async function signCredentialJwt(
  credential: object,
  key: SigningKey,
  options: SignCredentialJwtOptions = {},
): Promise<string> {
  if (typeof credential !== 'object' || credential === null || Array.isArray(credential)) {
    throw new SkillproofError('ERR_INPUT_INVALID', 'A credential must be a JSON object.');
  }
  const vc = credential as Record<string, unknown>;
  const form = options.form ?? 'ob-vc-jwt';
  if (form !== 'vc-jose-cose' && form !== 'ob-vc-jwt') {
    throw new SkillproofError('ERR_INPUT_INVALID', `Unknown JWT form ${JSON.stringify(form)}.`);
  }
  const rsa = isRsaKey(key);
  const alg = options.alg ?? (rsa ? 'RS256' : 'EdDSA');
  if (rsa ? alg === 'EdDSA' || !['RS256', 'RS384', 'RS512', 'PS256'].includes(alg) : alg !== 'EdDSA') {
    throw new SkillproofError(
      'ERR_JWT_ALG',
      `${String(alg)} cannot be used with ${rsa ? 'an RSA' : 'an Ed25519'} key.`,
    );
  }
  for (const claim of RESERVED_CLAIMS) {
    // Claims live beside the credential's members in both forms; a member with a claim's name would be ambiguous.
    if (claim in vc) {
      throw new SkillproofError('ERR_INPUT_INVALID', `The credential has a member named like the JWT claim ${claim}.`, {
        path: `$.${claim}`,
      });
    }
  }
  const issuer = issuerId(vc);
  if (issuer === undefined) {
    throw new SkillproofError('ERR_INPUT_INVALID', 'The credential has no issuer id.', { path: '$.issuer' });
  }
  if (issuer !== key.controller) {
    throw new SkillproofError(
      'ERR_ISSUER_MISMATCH',
      `The key ${key.id} is controlled by ${key.controller}, not by the issuer ${issuer}.`,
    );
  }

  let header: CompactJWSHeaderParameters;
  let payload: Record<string, unknown>;
  if (form === 'vc-jose-cose') {
    header = { alg, typ: 'vc+jwt', cty: 'vc', kid: key.id };
    payload = vc;
  } else {
    // OB 3.0 §8.2.2: only alg, kid, jwk and typ are allowed in the header.
    header = { alg, typ: 'JWT', kid: key.id };
    if (typeof vc.id !== 'string') {
      throw new SkillproofError('ERR_INPUT_INVALID', 'The Open Badges JWT form needs a credential id (jti).', {
        path: '$.id',
      });
    }
    const claims: Record<string, unknown> = { iss: issuer, jti: vc.id };
    const subjects = subjectIds(vc);
    if (subjects.length > 1) {
      throw new SkillproofError(
        'ERR_INPUT_INVALID',
        'The Open Badges JWT form has one sub; the credential has several.',
      );
    }
    // A subject known only by `identifier` (OB 3.0 §B.1.3) has no id to put in sub.
    if (subjects[0] !== undefined) claims.sub = subjects[0];
    if (vc.validFrom === undefined) {
      throw new SkillproofError('ERR_INPUT_INVALID', 'The Open Badges JWT form needs validFrom (nbf).', {
        path: '$.validFrom',
      });
    }
    claims.nbf = numericDate(vc.validFrom, 'validFrom');
    if (vc.validUntil !== undefined) claims.exp = numericDate(vc.validUntil, 'validUntil');
    claims.iat = Math.floor((options.clock ?? (() => new Date()))().getTime() / 1000);
    payload = { ...vc, ...claims };
  }

  const cryptoKey = await signingCryptoKey(key, alg);
  return new CompactSign(utf8.encode(JSON.stringify(payload))).setProtectedHeader(header).sign(cryptoKey);
}
