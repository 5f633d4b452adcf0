// Differential shard 6 of 6: credentials with one random mutation anywhere (undefined terms and classes, embedded and
// unknown contexts, blank node and relative identifiers, keywords the fast path does not implement, @direction,
// invalid language tags, null and empty values, typed and duplicate literals, scalar and empty proofs). Where
// jsonld.js rejects the document the fast path must have stepped aside; where it answers, the bytes must be equal.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { agrees, mutatedCredential, type DiffStats } from './fast-to-rdf-arbitraries.js';

describe('toQuadsFast on mutated credentials', () => {
  it(
    'never disagrees with jsonld.canonize over 2,200 mutated credentials',
    async () => {
      const stats: DiffStats = { fast: 0, slow: 0 };
      await fc.assert(
        fc.asyncProperty(mutatedCredential, (doc) => agrees(doc, stats)),
        { numRuns: 2200, seed: 3005, endOnFailure: true },
      );
      expect(stats.fast + stats.slow).toBe(2200);
      // Both branches ran: mutations the fast path handles, and ones it hands to jsonld.js.
      expect(stats.fast).toBeGreaterThan(220);
      expect(stats.slow).toBeGreaterThan(220);
    },
    // At most about 45 s alone on a 2-core machine; room for vitest running the shards side by side.
    300_000,
  );
});
