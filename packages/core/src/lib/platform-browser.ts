import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Platform } from './platform.js';

export const platform: Platform = {
  sha256: (data) => sha256(data),
  sha256Text: (text) => sha256(new TextEncoder().encode(text)),
  randomBytes: (length) => globalThis.crypto.getRandomValues(new Uint8Array(length)),
  ed25519Signer: (seed) => ({ sign: (message) => ed25519.sign(message, seed) }),
  ed25519Verifier: (publicKey) => ({
    verify(message, signature) {
      try {
        return ed25519.verify(signature, message, publicKey);
      } catch {
        return false;
      }
    },
  }),
  ed25519PublicKey: (seed) => ed25519.getPublicKey(seed),
};
