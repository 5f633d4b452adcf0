import { platform } from '#platform';
import { SkillproofError } from '../errors.js';
import { base58btcDecode, base58btcEncode, bytesEqual, concatBytes, multibaseDecode } from '../lib/encoding.js';
import type { Ed25519Signer, Ed25519Verifier, Platform } from '../lib/platform.js';

// Multicodec varint prefixes (https://github.com/multiformats/multicodec): ed25519-pub 0xed, ed25519-priv 0x1300.
const ED25519_PUB = Uint8Array.from([0xed, 0x01]);
const ED25519_PRIV = Uint8Array.from([0x80, 0x26]);

/**
 * The Ed25519 implementation in use: `libsodium` (sodium-native) where it loads in Node, else `node:crypto`; `@noble/curves`
 * in the browser. All accept the same signatures (lib/ed25519-strict.ts); `SKILLPROOF_ED25519` chooses in Node.
 */
export const ed25519Backend: Platform['ed25519Backend'] = platform.ed25519Backend;

/**
 * An Ed25519 key pair as a Multikey verification method (VC Data Integrity §2.2.2), the form `skillproof keys generate`
 * writes. `secretKeyMultibase` is absent on public keys.
 */
export interface Ed25519Multikey {
  id: string;
  type: 'Multikey';
  controller: string;
  publicKeyMultibase: string;
  secretKeyMultibase?: string;
}

/**
 * A key pair imported once: raw bytes plus a signer and verifier reused for every signature.
 * Private bytes live only here; {@link exportEd25519Multikey} without `includeSecret` never emits them.
 */
export interface Ed25519Key {
  readonly id: string;
  readonly controller: string;
  readonly publicKey: Uint8Array;
  readonly publicKeyMultibase: string;
  /** Present for private keys only. */
  readonly signer: Ed25519Signer | undefined;
  readonly verifier: Ed25519Verifier;
  /** @internal seed, for export */
  readonly seed: Uint8Array | undefined;
}

/** `z` + base58btc(0xed01 ‖ public key): the did:key fingerprint and Multikey `publicKeyMultibase`. */
export function encodeEd25519PublicKey(publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new SkillproofError('ERR_KEY_INVALID', 'An Ed25519 public key has 32 bytes.');
  return 'z' + base58btcEncode(concatBytes(ED25519_PUB, publicKey));
}

/** Decodes a Multikey `publicKeyMultibase` holding an Ed25519 public key. */
export function decodeEd25519PublicKey(multibase: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = multibaseDecode(multibase);
  } catch (cause) {
    throw new SkillproofError('ERR_KEY_INVALID', `publicKeyMultibase ${JSON.stringify(multibase)} is not multibase.`, {
      cause,
    });
  }
  if (bytes.length !== 34 || bytes[0] !== ED25519_PUB[0] || bytes[1] !== ED25519_PUB[1]) {
    throw new SkillproofError(
      'ERR_KEY_INVALID',
      `publicKeyMultibase ${JSON.stringify(multibase)} is not an Ed25519 public key (multicodec 0xed).`,
    );
  }
  return bytes.subarray(2);
}

function decodeSecret(multibase: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = multibaseDecode(multibase);
  } catch (cause) {
    throw new SkillproofError('ERR_KEY_INVALID', 'The secret key is not valid multibase.', { cause });
  }
  const hasPrefix = bytes.length >= 2 && bytes[0] === ED25519_PRIV[0] && bytes[1] === ED25519_PRIV[1];
  const raw = hasPrefix ? bytes.subarray(2) : bytes;
  // 32 bytes: the seed (W3C vectors). 64 bytes: seed ‖ public key (1EdTech examples, Ed25519VerificationKey2020).
  if (raw.length !== 32 && raw.length !== 64) {
    throw new SkillproofError('ERR_KEY_INVALID', `An Ed25519 secret key has 32 or 64 bytes, not ${raw.length}.`);
  }
  return raw;
}

/** did:key identifier for an Ed25519 public key. */
export function ed25519DidKey(publicKey: Uint8Array): string {
  return `did:key:${encodeEd25519PublicKey(publicKey)}`;
}

function build(seed: Uint8Array | undefined, publicKey: Uint8Array, controller?: string, id?: string): Ed25519Key {
  const publicKeyMultibase = encodeEd25519PublicKey(publicKey);
  const ctrl = controller ?? `did:key:${publicKeyMultibase}`;
  return {
    id: id ?? `${ctrl}#${publicKeyMultibase}`,
    controller: ctrl,
    publicKey,
    publicKeyMultibase,
    signer: seed ? platform.ed25519Signer(seed) : undefined,
    verifier: platform.ed25519Verifier(publicKey),
    seed,
  };
}

/**
 * Generates a fresh Ed25519 key. With no controller the key is its own did:key.
 *
 * @example
 * ```ts
 * const key = generateEd25519Key();
 * key.id // did:key:z6Mk…#z6Mk…
 * ```
 */
export function generateEd25519Key(options: { controller?: string; id?: string; seed?: Uint8Array } = {}): Ed25519Key {
  const seed = options.seed ?? platform.randomBytes(32);
  if (seed.length !== 32) throw new SkillproofError('ERR_KEY_INVALID', 'An Ed25519 seed has 32 bytes.');
  return build(seed, platform.ed25519PublicKey(seed), options.controller, options.id);
}

/**
 * Imports an Ed25519 key from its JSON form: a Multikey (`publicKeyMultibase` with `secretKeyMultibase` or
 * `privateKeyMultibase`, each a 32-byte seed or the 64-byte seed ‖ public form) or an Ed25519VerificationKey2020.
 * A secret key whose public half does not match `publicKeyMultibase` is rejected.
 *
 * @example
 * ```ts
 * const key = importEd25519Key(JSON.parse(await readFile('key.json', 'utf8')));
 * ```
 */
export function importEd25519Key(json: unknown): Ed25519Key {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SkillproofError('ERR_KEY_INVALID', 'A key must be a JSON object.');
  }
  const k = json as Record<string, unknown>;
  const str = (name: string): string | undefined => {
    const v = k[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new SkillproofError('ERR_KEY_INVALID', `Key property ${name} must be a string.`);
    return v;
  };
  const secretText = str('secretKeyMultibase') ?? str('privateKeyMultibase');
  const publicText = str('publicKeyMultibase');
  let seed: Uint8Array | undefined;
  let publicKey: Uint8Array | undefined;
  if (secretText !== undefined) {
    const raw = decodeSecret(secretText);
    seed = raw.subarray(0, 32);
    publicKey = platform.ed25519PublicKey(seed);
    if (raw.length === 64 && !bytesEqual(raw.subarray(32), publicKey)) {
      throw new SkillproofError('ERR_KEY_INVALID', 'The secret key does not match its embedded public key.');
    }
  }
  if (publicText !== undefined) {
    const declared = decodeEd25519PublicKey(publicText);
    if (publicKey && !bytesEqual(declared, publicKey)) {
      throw new SkillproofError('ERR_KEY_INVALID', 'publicKeyMultibase does not match the secret key.');
    }
    publicKey = declared;
  }
  if (!publicKey)
    throw new SkillproofError('ERR_KEY_INVALID', 'The key has neither publicKeyMultibase nor a secret key.');
  return build(seed, publicKey, str('controller'), str('id'));
}

/**
 * The JSON form of a key. Secret material is included only when asked for, and only for keys that have it.
 *
 * @example
 * ```ts
 * await writeFile('key.json', JSON.stringify(exportEd25519Multikey(key, { includeSecret: true })), { mode: 0o600 });
 * ```
 */
export function exportEd25519Multikey(key: Ed25519Key, options: { includeSecret?: boolean } = {}): Ed25519Multikey {
  const out: Ed25519Multikey = {
    id: key.id,
    type: 'Multikey',
    controller: key.controller,
    publicKeyMultibase: key.publicKeyMultibase,
  };
  if (options.includeSecret && key.seed) {
    out.secretKeyMultibase = 'z' + base58btcEncode(concatBytes(ED25519_PRIV, key.seed));
  }
  return out;
}

/** Decodes a base58btc multibase signature (`proofValue`). */
export function decodeProofValue(proofValue: string): Uint8Array {
  if (!proofValue.startsWith('z')) {
    throw new SkillproofError('ERR_PROOF_MALFORMED', 'proofValue must be base58btc multibase (prefix "z").');
  }
  try {
    return base58btcDecode(proofValue.slice(1));
  } catch (cause) {
    throw new SkillproofError('ERR_PROOF_MALFORMED', 'proofValue is not valid base58btc.', { cause });
  }
}
