import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyCredential } from '../../src/index.js';
import type { JsonObject } from '../../src/index.js';
import { signedTestCredentials } from './credentials.js';
import { mutationArbitrary } from './tamper.js';

const clock = () => new Date('2026-01-01T00:00:00Z');

/**
 * Acceptance 4 of the credential core: random semantic mutations of signed credentials are never accepted, and each
 * rejection names a precise code. Sharded over several files so that vitest runs them on all cores.
 */
export function tamperSuite(shard: number, runs: number): void {
  describe(`tampering with signed credentials (shard ${shard}, ${runs} mutations)`, () => {
    let bases: Array<{ name: string; credential: JsonObject }>;
    beforeAll(async () => {
      bases = await signedTestCredentials();
      for (const { credential } of bases) {
        const result = await verifyCredential(credential, { clock });
        expect(result.verified, JSON.stringify(result.checks)).toBe(true);
      }
    });

    it('rejects every mutation with a precise code', { timeout: 600_000 }, async () => {
      const seen = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(
          fc
            .nat({ max: bases.length - 1 })
            .chain((i) => fc.tuple(fc.constant(i), mutationArbitrary(bases[i]!.credential))),
          async ([i, mutation]) => {
            const doc = structuredClone(bases[i]!.credential);
            fc.pre(mutation.apply(doc));
            const result = await verifyCredential(doc, { clock });
            expect(result.verified).toBe(false);
            const rejecting = result.checks.filter(
              (c) => ['proof', 'format', 'schema'].includes(c.id) && (c.status === 'failed' || c.status === 'unknown'),
            );
            expect(rejecting.length, `${mutation.kind} at ${mutation.path.join('.')}`).toBeGreaterThan(0);
            for (const c of result.checks.filter((c) => c.status === 'failed' || c.status === 'unknown')) {
              expect(c.code).toMatch(/^ERR_[A-Z_]+$/);
            }
            for (const c of rejecting) seen.set(c.code!, (seen.get(c.code!) ?? 0) + 1);
          },
        ),
        { numRuns: runs, seed: 0x5eed + shard, maxSkipsPerRun: 100 },
      );
      // The mutations must reach past the signature check into the other failure modes too.
      expect(seen.get('ERR_PROOF_INVALID')).toBeGreaterThan(runs / 4);
      expect(seen.size).toBeGreaterThan(2);
    });
  });
}
