// Differential shard 4 of 6: CLR 2.0 credentials (nested AchievementCredentials with their own @context and proofs,
// achievements, associations; the CLR context is not protected and types `achievement` with a prefix it scopes).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { agrees, clrCredential, type DiffStats } from './fast-to-rdf-arbitraries.js';

describe('toQuadsFast on generated CLR 2.0 credentials', () => {
  it(
    'gives jsonld.canonize bytes for 450 CLR credentials, at least 95% of them on the fast path',
    async () => {
      const stats: DiffStats = { fast: 0, slow: 0 };
      await fc.assert(
        fc.asyncProperty(clrCredential, (doc) => agrees(doc, stats)),
        { numRuns: 450, seed: 3003, endOnFailure: true },
      );
      expect(stats.fast + stats.slow).toBe(450);
      expect(stats.fast / 450).toBeGreaterThanOrEqual(0.95);
    },
    // At most about 45 s alone on a 2-core machine; room for vitest running the shards side by side.
    300_000,
  );
});
