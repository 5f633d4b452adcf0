import { verify as opensslVerify, createPublicKey } from 'node:crypto';
import { createRequire } from 'node:module';
import { ED25519_TORSION_SUBGROUP } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { platform as browserPlatform } from '../src/lib/platform-browser.js';
import { opensslEd25519, platform, sodiumEd25519 } from '../src/lib/platform-node.js';
import { isCanonicalPointEncoding, isSmallOrderEncoding } from '../src/lib/ed25519-strict.js';
import { hexDecode } from '../src/lib/encoding.js';
import { ed25519Backend } from '../src/index.js';

const noble = {
  signer: browserPlatform.ed25519Signer,
  verifier: browserPlatform.ed25519Verifier,
  publicKey: browserPlatform.ed25519PublicKey,
};

/** libsodium is what Skillproof runs on wherever sodium-native has binaries; CI must not fall back silently. */
const sodium = sodiumEd25519!;

describe('Ed25519 backends', () => {
  it('runs on libsodium here (CI fails rather than measuring or testing OpenSSL by accident)', () => {
    if (process.env.SKILLPROOF_ED25519 === 'openssl') return expect(platform.ed25519Backend).toBe('node:crypto');
    expect(sodiumEd25519).toBeDefined();
    expect(platform.ed25519Backend).toBe('libsodium');
    expect(ed25519Backend).toBe('libsodium');
  });

  it('libsodium, OpenSSL and @noble derive the same public key and the same signature', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 200 }),
        (seed, message) => {
          const pk = sodium.publicKey(seed);
          expect(opensslEd25519.publicKey(seed)).toEqual(pk);
          expect(noble.publicKey(seed)).toEqual(pk);
          const signature = sodium.signer(seed).sign(message);
          expect(opensslEd25519.signer(seed).sign(message)).toEqual(signature);
          expect(noble.signer(seed).sign(message)).toEqual(signature);
          for (const backend of [sodium, opensslEd25519, noble]) {
            expect(backend.verifier(pk).verify(message, signature)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('all three give the same answer on changed signatures, messages and keys', () => {
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 1, maxLength: 100 }),
        fc.constantFrom('signature', 'message', 'key', 'none'),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (seed, message, target, at, flip) => {
          const signature = sodium.signer(seed).sign(message);
          const pk = sodium.publicKey(seed);
          const changed = target === 'signature' ? signature : target === 'message' ? message : pk;
          if (target !== 'none') changed[at % changed.length]! ^= flip;
          const answers = [sodium, opensslEd25519, noble].map((b) => b.verifier(pk).verify(message, signature));
          expect(new Set(answers).size).toBe(1);
          expect(answers[0]).toBe(target === 'none');
          if (answers[0]) accepted++;
          else rejected++;
        },
      ),
      { numRuns: 600 },
    );
    expect(accepted).toBeGreaterThan(50);
    expect(rejected).toBeGreaterThan(300);
  });

  it('refuses keys of small order, which plain OpenSSL accepts with a forged signature', () => {
    const identity = hexDecode(ED25519_TORSION_SUBGROUP[0]!);
    // R = identity, S = 0: [S]B = R + [k]A holds for every message when A is the identity.
    const forged = new Uint8Array(64);
    forged.set(identity);
    const message = new TextEncoder().encode('anything at all');
    const spki = createPublicKey({
      key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), identity]),
      format: 'der',
      type: 'spki',
    });
    expect(opensslVerify(null, message, spki, forged)).toBe(true);
    for (const backend of [sodium, opensslEd25519, noble]) {
      expect(backend.verifier(identity).verify(message, forged)).toBe(false);
    }
  });

  it('names exactly the small-order points, with either sign bit, and their non-canonical encodings', () => {
    for (const hex of ED25519_TORSION_SUBGROUP) {
      const point = hexDecode(hex);
      expect(isSmallOrderEncoding(point)).toBe(true);
      point[31]! ^= 0x80;
      expect(isSmallOrderEncoding(point)).toBe(true);
    }
    // y = p and y = p + 1: second encodings of y = 0 and y = 1.
    for (const low of [0xed, 0xee]) {
      const y = new Uint8Array(32).fill(0xff);
      y[0] = low;
      y[31] = 0x7f;
      expect(isSmallOrderEncoding(y)).toBe(true);
      expect(isCanonicalPointEncoding(y)).toBe(false);
    }
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
        expect(isSmallOrderEncoding(sodium.publicKey(seed))).toBe(false);
      }),
      { numRuns: 500 },
    );
    // libsodium's own point check agrees on every small-order encoding.
    const native = createRequire(import.meta.url)('sodium-native') as {
      crypto_core_ed25519_is_valid_point(p: Uint8Array): boolean;
    };
    for (const hex of ED25519_TORSION_SUBGROUP)
      expect(native.crypto_core_ed25519_is_valid_point(hexDecode(hex))).toBe(false);
  });

  it('reads y ≥ p as non-canonical and everything below as canonical', () => {
    const below = new Uint8Array(32).fill(0xff);
    below[0] = 0xec;
    below[31] = 0x7f;
    expect(isCanonicalPointEncoding(below)).toBe(true);
    below[31] = 0xff; // the sign bit does not count
    expect(isCanonicalPointEncoding(below)).toBe(true);
    for (let low = 0xed; low <= 0xff; low++) {
      const y = new Uint8Array(32).fill(0xff);
      y[0] = low;
      expect(isCanonicalPointEncoding(y)).toBe(false);
      for (const backend of [sodium, opensslEd25519, noble]) {
        expect(backend.verifier(y).verify(new Uint8Array(1), new Uint8Array(64))).toBe(false);
      }
    }
  });
});
