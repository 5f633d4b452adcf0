import { SkillproofError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { base64urlDecode, base64urlEncode } from '../lib/encoding.js';

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Decodes base64url and insists on the canonical form (RFC 7515 §2: no padding, no other alphabet, and unused trailing
 * bits zero): otherwise two different strings carry the same signature and a "tampered" token would still verify.
 */
export function decodeCanonicalBase64url(text: string, what: string, code: ErrorCode = 'ERR_KEY_INVALID'): Uint8Array {
  if (!BASE64URL.test(text) || text.length % 4 === 1) {
    throw new SkillproofError(code, `${what} is not base64url.`);
  }
  const bytes = base64urlDecode(text);
  if (base64urlEncode(bytes) !== text) throw new SkillproofError(code, `${what} is not canonical base64url.`);
  return bytes;
}

/** Bits in an RSA modulus given as the base64url `n` of a JWK. */
export function rsaModulusBits(n: string): number {
  const bytes = decodeCanonicalBase64url(n, 'The RSA modulus n');
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]!));
}

/** The JWS algorithms this verifier accepts (RFC 7518 §3.1); everything else, `none` and HMAC included, is refused. */
export const ALLOWED_ALGORITHMS = ['EdDSA', 'RS256', 'RS384', 'RS512', 'PS256', 'ES256'] as const;
export type AllowedAlgorithm = (typeof ALLOWED_ALGORITHMS)[number];

export function isAllowedAlgorithm(alg: string): alg is AllowedAlgorithm {
  return (ALLOWED_ALGORITHMS as readonly string[]).includes(alg);
}

/**
 * A public JWK with only the members that define the key (RFC 7638 §3.2): a document that publishes `d` by mistake
 * does not turn verification into an import of private material, and `key_ops` cannot veto a verification.
 */
export function publicJwk(jwk: Record<string, unknown>): JsonWebKey {
  const str = (name: string): string => {
    const v = jwk[name];
    if (typeof v !== 'string') throw new SkillproofError('ERR_KEY_INVALID', `The JWK has no string member ${name}.`);
    return v;
  };
  switch (jwk.kty) {
    case 'RSA':
      return { kty: 'RSA', n: str('n'), e: str('e') };
    case 'EC':
      return { kty: 'EC', crv: str('crv'), x: str('x'), y: str('y') };
    case 'OKP':
      return { kty: 'OKP', crv: str('crv'), x: str('x') };
    default:
      throw new SkillproofError('ERR_KEY_INVALID', `JWK key type ${JSON.stringify(jwk.kty)} is not supported.`);
  }
}

/** A string that is equal for two JWKs exactly when they hold the same public key. */
export function keyIdentity(jwk: JsonWebKey): string {
  const canon = (v: string | undefined, what: string): string =>
    base64urlEncode(decodeCanonicalBase64url(v ?? '', what));
  if (jwk.kty === 'RSA') return `RSA:${canon(jwk.n, 'n')}:${canon(jwk.e, 'e')}`;
  if (jwk.kty === 'EC') return `EC:${jwk.crv}:${canon(jwk.x, 'x')}:${canon(jwk.y, 'y')}`;
  return `OKP:${jwk.crv}:${canon(jwk.x, 'x')}`;
}

/**
 * Refuses key confusion (RFC 8725 §2.1, §3.1): the algorithm named by the (attacker-controlled) header must be one the
 * key was made for. Returns a reason when it is not.
 */
export function algorithmMismatch(alg: AllowedAlgorithm, jwk: JsonWebKey): string | undefined {
  if (alg === 'EdDSA') {
    return jwk.kty === 'OKP' && jwk.crv === 'Ed25519' ? undefined : `EdDSA needs an Ed25519 key, not ${describe(jwk)}.`;
  }
  if (alg === 'ES256') {
    return jwk.kty === 'EC' && jwk.crv === 'P-256' ? undefined : `ES256 needs a P-256 key, not ${describe(jwk)}.`;
  }
  if (jwk.kty !== 'RSA') return `${alg} needs an RSA key, not ${describe(jwk)}.`;
  const bits = rsaModulusBits(jwk.n ?? '');
  return bits >= 2048 ? undefined : `${alg} needs an RSA modulus of at least 2048 bits; this one has ${bits}.`;
}

function describe(jwk: JsonWebKey): string {
  return jwk.kty === 'RSA' ? 'an RSA key' : `a ${String(jwk.kty)}${jwk.crv ? ` ${jwk.crv}` : ''} key`;
}
