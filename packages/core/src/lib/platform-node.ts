import {
  createHash,
  createPrivateKey,
  createPublicKey,
  randomBytes as nodeRandomBytes,
  sign,
  verify,
} from 'node:crypto';
import * as nodeCrypto from 'node:crypto';
import type { Platform } from './platform.js';

const oneShot = (nodeCrypto as { hash?: (algorithm: string, data: string | Uint8Array, encoding: 'buffer') => Buffer })
  .hash;

// RFC 8410 DER prefixes: PKCS#8 OneAsymmetricKey and SubjectPublicKeyInfo for Ed25519 (OID 1.3.101.112).
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

function concat(a: Uint8Array, b: Uint8Array): Buffer {
  return Buffer.concat([a, b]);
}

export const platform: Platform = {
  // crypto.hash (Node ≥ 20.12) hashes in one call, without a Hash object per digest: half the cost for the 65-byte
  // inputs of Merkle tree hashing.
  sha256: oneShot
    ? (data) => {
        const digest = oneShot('sha256', data, 'buffer');
        return new Uint8Array(digest.buffer, digest.byteOffset, digest.length);
      }
    : (data) => new Uint8Array(createHash('sha256').update(data).digest()),
  sha256Text: oneShot
    ? (text) => new Uint8Array(oneShot('sha256', text, 'buffer'))
    : (text) => new Uint8Array(createHash('sha256').update(text, 'utf8').digest()),
  randomBytes: (length) => new Uint8Array(nodeRandomBytes(length)),
  ed25519Signer(seed) {
    const key = createPrivateKey({ key: concat(PKCS8_PREFIX, seed), format: 'der', type: 'pkcs8' });
    return { sign: (message) => new Uint8Array(sign(null, message, key)) };
  },
  ed25519Verifier(publicKey) {
    const key = createPublicKey({ key: concat(SPKI_PREFIX, publicKey), format: 'der', type: 'spki' });
    return { verify: (message, signature) => signature.length === 64 && verify(null, message, key, signature) };
  },
  ed25519PublicKey(seed) {
    const key = createPrivateKey({ key: concat(PKCS8_PREFIX, seed), format: 'der', type: 'pkcs8' });
    const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
    return new Uint8Array(spki.subarray(SPKI_PREFIX.length));
  },
};
