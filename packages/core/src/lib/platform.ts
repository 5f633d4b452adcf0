/**
 * What core needs from the platform. `#platform` resolves to node:crypto (OpenSSL, with libsodium for Ed25519 when
 * sodium-native loads) in Node and to @noble in the browser; all implement exactly this interface. The two Node Ed25519
 * backends accept exactly the same signatures; @noble applies the same key and R rules (see ed25519-strict.ts) with
 * its cofactored equation, which differs only on signatures crafted by their own signer.
 */
export interface Ed25519Signer {
  sign(message: Uint8Array): Uint8Array;
}
export interface Ed25519Verifier {
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}
export interface Platform {
  /** Which Ed25519 implementation signs and verifies: `libsodium`, `node:crypto` (OpenSSL) or `@noble/curves`. */
  readonly ed25519Backend: 'libsodium' | 'node:crypto' | '@noble/curves';
  sha256(data: Uint8Array): Uint8Array;
  /** SHA-256 of a string's UTF-8 bytes, without materialising them where the platform allows. */
  sha256Text(text: string): Uint8Array;
  /** SHA-256 of a byte string: one byte per character, every character U+0000–U+00FF (see `utf8Bytes`). */
  sha256Bytes(bytes: string): Uint8Array;
  randomBytes(length: number): Uint8Array;
  /** Imports a 32-byte Ed25519 seed once; the returned signer is reused for every signature. */
  ed25519Signer(seed: Uint8Array): Ed25519Signer;
  /** Imports a 32-byte Ed25519 public key once. */
  ed25519Verifier(publicKey: Uint8Array): Ed25519Verifier;
  ed25519PublicKey(seed: Uint8Array): Uint8Array;
}
