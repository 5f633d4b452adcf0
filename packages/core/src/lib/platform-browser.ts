import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { isSmallOrderEncoding, isWeakEd25519PublicKey } from './ed25519-strict.js';
import type { Platform } from './platform.js';

export const platform: Platform = {
  ed25519Backend: '@noble/curves',
  sha256: (data) => sha256(data),
  sha256Text: (text) => sha256(new TextEncoder().encode(text)),
  sha256Bytes(bytes) {
    const data = new Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) data[i] = bytes.charCodeAt(i);
    return sha256(data);
  },
  randomBytes: (length) => globalThis.crypto.getRandomValues(new Uint8Array(length)),
  ed25519Signer: (seed) => ({ sign: (message) => ed25519.sign(message, seed) }),
  ed25519Verifier(publicKey) {
    const weak = isWeakEd25519PublicKey(publicKey);
    return {
      verify(message, signature) {
        if (weak || signature.length !== 64 || isSmallOrderEncoding(signature)) return false;
        try {
          // RFC 8032 decoding (canonical encodings only), not ZIP 215's permissive one.
          return ed25519.verify(signature, message, publicKey, { zip215: false });
        } catch {
          return false;
        }
      },
    };
  },
  ed25519PublicKey: (seed) => ed25519.getPublicKey(seed),
};
