import { calculateJwkThumbprint, CompactSign, compactVerify, exportJWK, generateKeyPair, importJWK } from 'jose';
import { SkillproofError } from '../errors.js';
import type { Ed25519Key } from '../keys/multikey.js';
import { decodeCanonicalBase64url, rsaModulusBits } from './jwk.js';
import { rememberSigningKey } from './signing-keys.js';

/**
 * An RSA key pair for RS256 (the algorithm every Open Badges 3.0 VC-JWT implementation must support, OB 3.0 §8.2.3),
 * as JSON Web Keys. `secretKeyJwk` is absent on public keys; {@link exportRsaKey} emits it only when asked.
 */
export interface RsaKey {
  readonly kty: 'RSA';
  /** The verification method id, used as the JWT `kid`. */
  readonly id: string;
  readonly controller: string;
  /** Bits in the modulus: 2048 or more. */
  readonly modulusLength: number;
  /** Public members only (`kty`, `n`, `e`). */
  readonly publicKeyJwk: JsonWebKey;
  /** Present for private keys only. */
  readonly secretKeyJwk: JsonWebKey | undefined;
}

/** A key that can sign a credential JWT: Ed25519 (`EdDSA`) or RSA (`RS256`). */
export type SigningKey = Ed25519Key | RsaKey;

/**
 * The JSON form of an RSA key: a `JsonWebKey` verification method (Controlled Identifiers 1.0 §2.2.1), ready to list in
 * a DID document once `secretKeyJwk` is left out.
 */
export interface RsaVerificationMethod {
  id: string;
  type: 'JsonWebKey';
  controller: string;
  publicKeyJwk: JsonWebKey;
  secretKeyJwk?: JsonWebKey;
}

const MIN_MODULUS_BITS = 2048;
const RSA_PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const;

/**
 * True when `key` is an {@link RsaKey} (and not an Ed25519 key).
 *
 * @example
 * ```ts
 * const alg = isRsaKey(key) ? 'RS256' : 'EdDSA';
 * ```
 */
export function isRsaKey(key: SigningKey): key is RsaKey {
  return (key as { kty?: unknown }).kty === 'RSA';
}

async function naming(
  publicKeyJwk: JsonWebKey,
  id: string | undefined,
  controller: string | undefined,
): Promise<{ id: string; controller: string }> {
  if (id !== undefined && controller !== undefined) return { id, controller };
  if (id !== undefined) {
    const hash = id.indexOf('#');
    return { id, controller: hash < 0 ? id : id.slice(0, hash) };
  }
  // RFC 7638 thumbprints name a key by its public members alone; VC-JOSE-COSE §4.1.4 recommends them in `kid`.
  const thumbprint = await calculateJwkThumbprint(publicKeyJwk as Parameters<typeof calculateJwkThumbprint>[0]);
  if (controller !== undefined) return { id: `${controller}#${thumbprint}`, controller };
  const urn = `urn:ietf:params:oauth:jwk-thumbprint:sha-256:${thumbprint}`;
  return { id: urn, controller: urn };
}

/**
 * Generates an RSA key pair for RS256 through WebCrypto (Node and browsers alike). Without `id`, the key is named by its
 * JWK thumbprint: `<controller>#<thumbprint>`, or the thumbprint URN (RFC 9278) when there is no controller either.
 *
 * @example
 * ```ts
 * const key = await generateRsaKey({ controller: 'did:web:example.edu', id: 'did:web:example.edu#rsa-1' });
 * const jwt = await signCredentialJwt(credential, key, { alg: 'RS256' });
 * ```
 */
export async function generateRsaKey(
  options: { modulusLength?: 2048 | 3072 | 4096; id?: string; controller?: string } = {},
): Promise<RsaKey> {
  const modulusLength = options.modulusLength ?? 2048;
  if (modulusLength !== 2048 && modulusLength !== 3072 && modulusLength !== 4096) {
    throw new SkillproofError('ERR_KEY_INVALID', `An RSA modulus of ${String(modulusLength)} bits is not offered.`);
  }
  const pair = await generateKeyPair('RS256', { modulusLength, extractable: true });
  const { kty, n, e } = await exportJWK(pair.publicKey);
  const publicKeyJwk: JsonWebKey = { kty: kty!, n: n!, e: e! };
  const secretKeyJwk = (await exportJWK(pair.privateKey)) as JsonWebKey;
  const { id, controller } = await naming(publicKeyJwk, options.id, options.controller);
  const key: RsaKey = { kty: 'RSA', id, controller, modulusLength, publicKeyJwk, secretKeyJwk };
  rememberSigningKey(key, 'RS256', pair.privateKey);
  return key;
}

function stringMember(jwk: Record<string, unknown>, name: string): string | undefined {
  const v = jwk[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new SkillproofError('ERR_KEY_INVALID', `JWK member ${name} must be a string.`);
  return v;
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SkillproofError('ERR_KEY_INVALID', `${what} must be a JSON object.`);
  }
  return value as Record<string, unknown>;
}

/**
 * Imports an RSA key: a JWK (public, or private with all CRT members) or the {@link RsaVerificationMethod} form that
 * {@link exportRsaKey} writes. Moduli under 2048 bits are refused (NIST SP 800-131A), and a private key must belong to
 * its public half (checked by signing once).
 *
 * @example
 * ```ts
 * const key = await importRsaKey(JSON.parse(await readFile('rsa-key.json', 'utf8')));
 * ```
 */
export async function importRsaKey(
  input: unknown,
  options: { id?: string; controller?: string } = {},
): Promise<RsaKey> {
  const outer = asObject(input, 'An RSA key');
  const method = outer.publicKeyJwk !== undefined || outer.secretKeyJwk !== undefined;
  const jwk = asObject(method ? (outer.secretKeyJwk ?? outer.publicKeyJwk) : outer, 'publicKeyJwk');
  if (jwk.kty !== 'RSA') {
    throw new SkillproofError('ERR_KEY_INVALID', `The key type is ${JSON.stringify(jwk.kty)}, not "RSA".`);
  }
  const n = stringMember(jwk, 'n');
  const e = stringMember(jwk, 'e');
  if (n === undefined || e === undefined) throw new SkillproofError('ERR_KEY_INVALID', 'An RSA JWK needs n and e.');
  const bits = rsaModulusBits(n);
  if (bits < MIN_MODULUS_BITS) {
    throw new SkillproofError(
      'ERR_KEY_INVALID',
      `The RSA modulus has ${bits} bits; at least ${MIN_MODULUS_BITS} are required.`,
    );
  }
  decodeCanonicalBase64url(e, 'e');
  if (method && outer.secretKeyJwk !== undefined && outer.publicKeyJwk !== undefined) {
    const pub = asObject(outer.publicKeyJwk, 'publicKeyJwk');
    if (pub.n !== n || pub.e !== e) {
      throw new SkillproofError('ERR_KEY_INVALID', 'secretKeyJwk does not belong to publicKeyJwk.');
    }
  }
  const publicKeyJwk: JsonWebKey = { kty: 'RSA', n, e };
  let secretKeyJwk: JsonWebKey | undefined;
  if (jwk.d !== undefined) {
    const secret: Record<string, string> = { kty: 'RSA', n, e };
    for (const name of RSA_PRIVATE_MEMBERS) {
      const v = stringMember(jwk, name);
      // WebCrypto imports RSA private keys only with their CRT parameters (RFC 7518 §6.3.2).
      if (v === undefined) throw new SkillproofError('ERR_KEY_INVALID', `The private RSA JWK lacks ${name}.`);
      secret[name] = v;
    }
    secretKeyJwk = secret as JsonWebKey;
  }

  const idText = typeof outer.id === 'string' ? outer.id : typeof jwk.kid === 'string' ? jwk.kid : undefined;
  const controllerText = typeof outer.controller === 'string' ? outer.controller : undefined;
  const { id, controller } = await naming(publicKeyJwk, options.id ?? idText, options.controller ?? controllerText);
  const key: RsaKey = { kty: 'RSA', id, controller, modulusLength: bits, publicKeyJwk, secretKeyJwk };

  if (secretKeyJwk) {
    let privateKey: CryptoKey;
    let publicKey: CryptoKey;
    try {
      privateKey = (await importJWK(secretKeyJwk as Parameters<typeof importJWK>[0], 'RS256')) as CryptoKey;
      publicKey = (await importJWK(publicKeyJwk as Parameters<typeof importJWK>[0], 'RS256')) as CryptoKey;
    } catch (cause) {
      throw new SkillproofError('ERR_KEY_INVALID', 'The RSA JWK could not be imported.', { cause });
    }
    const probe = await new CompactSign(new Uint8Array([0x70, 0x72, 0x6f, 0x62, 0x65]))
      .setProtectedHeader({ alg: 'RS256' })
      .sign(privateKey);
    try {
      await compactVerify(probe, publicKey, { algorithms: ['RS256'] });
    } catch (cause) {
      throw new SkillproofError('ERR_KEY_INVALID', 'The private RSA key does not belong to n and e.', { cause });
    }
    rememberSigningKey(key, 'RS256', privateKey);
  }
  return key;
}

/**
 * The JSON form of an RSA key, as a `JsonWebKey` verification method. The private members are included only when asked
 * for, and only for keys that have them.
 *
 * @example
 * ```ts
 * didDocument.verificationMethod.push(exportRsaKey(key)); // public only
 * await writeFile('rsa-key.json', JSON.stringify(exportRsaKey(key, { includeSecret: true })), { mode: 0o600 });
 * ```
 */
export function exportRsaKey(key: RsaKey, options: { includeSecret?: boolean } = {}): RsaVerificationMethod {
  const out: RsaVerificationMethod = {
    id: key.id,
    type: 'JsonWebKey',
    controller: key.controller,
    publicKeyJwk: { ...key.publicKeyJwk },
  };
  if (options.includeSecret && key.secretKeyJwk) out.secretKeyJwk = { ...key.secretKeyJwk };
  return out;
}
