import { importJWK } from 'jose';
import { SkillproofError } from '../errors.js';
import type { Ed25519Key } from '../keys/multikey.js';
import { base64urlEncode } from '../lib/encoding.js';
import type { RsaKey } from './rsa-key.js';

type Key = Ed25519Key | RsaKey;

// Imported WebCrypto keys, per key object and algorithm: a key is imported once, not once per signature. A WeakMap
// lets a key and its CryptoKey be collected together.
const imported = new WeakMap<object, Map<string, Promise<CryptoKey>>>();

/** Records a CryptoKey that is already at hand (a freshly generated key pair). */
export function rememberSigningKey(key: Key, alg: string, cryptoKey: CryptoKey): void {
  let byAlg = imported.get(key);
  if (!byAlg) imported.set(key, (byAlg = new Map()));
  byAlg.set(alg, Promise.resolve(cryptoKey));
}

/** The private CryptoKey of `key` for `alg`, imported on first use. */
export function signingCryptoKey(key: Key, alg: string): Promise<CryptoKey> {
  let byAlg = imported.get(key);
  if (!byAlg) imported.set(key, (byAlg = new Map()));
  let pending = byAlg.get(alg);
  if (!pending) {
    pending = importPrivate(key, alg);
    byAlg.set(alg, pending);
    pending.catch(() => byAlg.delete(alg));
  }
  return pending;
}

async function importPrivate(key: Key, alg: string): Promise<CryptoKey> {
  let jwk: JsonWebKey | undefined;
  if ('kty' in key && key.kty === 'RSA') {
    jwk = key.secretKeyJwk;
  } else {
    const ed = key as Ed25519Key;
    if (ed.seed) {
      jwk = { kty: 'OKP', crv: 'Ed25519', x: base64urlEncode(ed.publicKey), d: base64urlEncode(ed.seed) };
    }
  }
  if (!jwk) throw new SkillproofError('ERR_KEY_INVALID', `The key ${key.id} is a public key; it cannot sign.`);
  try {
    return (await importJWK(jwk as Parameters<typeof importJWK>[0], alg)) as CryptoKey;
  } catch (cause) {
    throw new SkillproofError('ERR_KEY_INVALID', `The key ${key.id} could not be imported for ${alg}.`, { cause });
  }
}
