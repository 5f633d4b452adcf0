/**
 * The Ed25519 acceptance rules every backend applies, so that a signature verifies the same under libsodium, OpenSSL
 * (node:crypto) or @noble/curves. RFC 8032 §5.1.7 leaves edge cases to the implementation ("Taming the many EdDSAs",
 * Chalkias et al. 2020); Skillproof takes libsodium's: besides the equation itself, a public key must be a canonical
 * encoding, and neither the public key nor the signature's R may be a point of small order (such a key or R proves
 * nothing: anyone can produce signatures that check against it). Honest keys and signatures never meet these rules.
 */

/** The encodings of the points of order 1, 2, 4 and 8, and their non-canonical twins, sign bit cleared (libsodium). */
const SMALL_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000', // order 4 (y = 0)
  '0100000000000000000000000000000000000000000000000000000000000000', // order 1, the identity (y = 1)
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // order 2 (y = p − 1)
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p, a second encoding of y = 0
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p + 1, a second encoding of y = 1
].map((hex) => Uint8Array.from(hex.match(/../g)!, (b) => parseInt(b, 16)));

/** Whether 32 bytes (a public key, or a signature's R) encode a point of small order, whatever the sign bit. */
export function isSmallOrderEncoding(bytes: Uint8Array, offset = 0): boolean {
  for (const point of SMALL_ORDER) {
    let diff = (bytes[offset + 31]! & 0x7f) ^ point[31]!;
    for (let j = 0; j < 31 && diff === 0; j++) diff |= bytes[offset + j]! ^ point[j]!;
    if (diff === 0) return true;
  }
  return false;
}

/** Whether 32 bytes encode y < p = 2²⁵⁵ − 19 (the sign bit aside): the only encoding RFC 8032 §5.1.3 decodes. */
export function isCanonicalPointEncoding(bytes: Uint8Array): boolean {
  if ((bytes[31]! & 0x7f) !== 0x7f) return true;
  for (let j = 30; j > 0; j--) if (bytes[j] !== 0xff) return true;
  return bytes[0]! < 0xed;
}

/** A public key every backend refuses to verify against: not canonical, or of small order. */
export function isWeakEd25519PublicKey(publicKey: Uint8Array): boolean {
  return publicKey.length !== 32 || !isCanonicalPointEncoding(publicKey) || isSmallOrderEncoding(publicKey);
}
