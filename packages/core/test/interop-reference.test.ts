/**
 * Skillproof's Data Integrity (eddsa-rdfc-2022) against independent implementations, over generated Open Badges 3.0
 * credentials: byte-identical proofs with the Digital Bazaar reference, and each side verifying the other's output
 * (verifier-core, the DCC wallet's verifier, as a second reader). Run with INTEROP_TIMING=1 to print per-credential
 * times.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { generateEd25519Key, signCredential, verifyCredential } from '../src/index.js';
import type { JsonObject } from '../src/index.js';
import { openBadgeCredential } from './interop/arbitraries.js';
import { referenceKeyPair, referenceSign, referenceVerify } from './interop/reference.js';
import { verifierCoreVerify } from './interop/verifier-core.js';

const SEED = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);
const CREATED = '2025-03-04T05:06:07Z';
// After every generated validFrom, before every generated validUntil (see arbitraries.ts).
const NOW = new Date('2026-06-01T00:00:00Z');
const key = generateEd25519Key({ seed: SEED });
const credentials = openBadgeCredential(key.controller);

// Wall time and this process's CPU time: on a shared machine the CPU time is the figure that means something.
const timings = new Map<string, { wall: number; cpu: number; count: number }>();
async function timed<T>(name: string, run: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  try {
    return await run();
  } finally {
    const used = process.cpuUsage(cpu);
    const entry = timings.get(name) ?? { wall: 0, cpu: 0, count: 0 };
    entry.wall += performance.now() - start;
    entry.cpu += (used.user + used.system) / 1000;
    entry.count += 1;
    timings.set(name, entry);
  }
}

afterAll(() => {
  if (!process.env.INTEROP_TIMING) return;
  for (const [name, { wall, cpu, count }] of timings) {
    console.warn(`${name}: ${count} × ${(wall / count).toFixed(1)} ms wall, ${(cpu / count).toFixed(1)} ms CPU`);
  }
});

function proofOf(signed: JsonObject): JsonObject {
  expect(signed.proof).toBeTypeOf('object');
  return signed.proof as JsonObject;
}

describe('Skillproof and the reference library', () => {
  it('use the same did:key verification method for the same seed', async () => {
    const reference = await referenceKeyPair(SEED);
    expect(key.id).toBe(reference.id);
    expect(key.controller).toBe(reference.controller);
  });

  it('produce the same proof, byte for byte, for 1,000 generated credentials', async () => {
    await fc.assert(
      fc.asyncProperty(credentials, async (credential) => {
        const ours = await timed('skillproof sign', () => signCredential(credential, { key, created: CREATED }));
        const theirs = await timed('reference sign', () => referenceSign(credential, { seed: SEED, created: CREATED }));
        expect(proofOf(ours).proofValue).toBe(proofOf(theirs).proofValue);
        expect(ours).toEqual(theirs);
        expect(credential).not.toHaveProperty('proof');
      }),
      { numRuns: 1000, seed: 3_000_000 },
    );
    // About 30 s of CPU (15 ms per signature on each side, 4.4 kB credentials); the margin is for a loaded machine.
  }, 240_000);

  it('Skillproof-signed credentials verify in @digitalbazaar/vc and in verifier-core (1,000 distinct generated)', async () => {
    // Keyed by the signed credential's JSON: a credential counts once it passed both verifiers.
    const verified = new Set<string>();
    await fc.assert(
      fc.asyncProperty(credentials, async (credential) => {
        const signed = await signCredential(credential, { key, created: CREATED });
        const reference = await timed('reference verify', () => referenceVerify(signed, { now: NOW }));
        expect(reference).toEqual({ verified: true });
        const dcc = await timed('verifier-core verify', () => verifierCoreVerify(signed));
        expect(dcc.details.errors).toBeUndefined();
        expect(dcc.details.log?.find((step) => step.id === 'valid_signature')).toEqual({
          id: 'valid_signature',
          valid: true,
        });
        expect(dcc.verified).toBe(true);
        verified.add(JSON.stringify(signed));
      }),
      { numRuns: 1000, seed: 3_000_001 },
    );
    expect(verified.size).toBeGreaterThanOrEqual(1000);
    // About 16 ms of CPU per credential (7.5 ms in each verifier, measured): some 16 s; the margin is for a loaded machine.
  }, 300_000);

  it('reference-signed credentials verify in Skillproof (1,000 distinct generated)', async () => {
    const verified = new Set<string>();
    await fc.assert(
      fc.asyncProperty(credentials, async (credential) => {
        const signed = await timed('reference sign', () => referenceSign(credential, { seed: SEED, created: CREATED }));
        const result = await timed('skillproof verify', () => verifyCredential(signed, { clock: () => NOW }));
        const proof = result.checks.filter((c) => c.id === 'proof');
        expect(proof).toHaveLength(1);
        expect(proof[0]).toMatchObject({ status: 'passed' });
        expect(result.checks.filter((c) => c.status === 'failed')).toEqual([]);
        expect(result.verified).toBe(true);
        verified.add(JSON.stringify(signed));
      }),
      { numRuns: 1000, seed: 3_000_002 },
    );
    expect(verified.size).toBeGreaterThanOrEqual(1000);
    // About 9 ms of CPU per credential (measured), nearly all of it the reference's signing.
  }, 240_000);

  it('both sides reject a credential changed after the other signed it', async () => {
    await fc.assert(
      fc.asyncProperty(credentials, fc.string({ minLength: 1, maxLength: 8 }), async (credential, extra) => {
        const ours = await signCredential(credential, { key, created: CREATED });
        const theirs = await referenceSign(credential, { seed: SEED, created: CREATED });
        const change = (signed: JsonObject): JsonObject => ({
          ...signed,
          description: typeof signed.description === 'string' ? signed.description + extra : extra,
        });
        expect((await referenceVerify(change(ours), { now: NOW })).verified).toBe(false);
        const result = await verifyCredential(change(theirs), { clock: () => NOW });
        expect(result.verified).toBe(false);
        expect(result.checks.find((c) => c.id === 'proof')).toMatchObject({ status: 'failed' });
      }),
      { numRuns: 25, seed: 3_000_003 },
    );
  });
});
