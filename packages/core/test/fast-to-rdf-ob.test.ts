// Differential shard 1 of 6 (issue 3 acceptance: at least 10,000 generated documents over the six shards): OB 3.0
// credentials from the interop generator (every optional field, issuer as IRI or Profile, language values).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { openBadgeCredential } from './interop/arbitraries.js';
import { ISSUER, agrees, type DiffStats } from './fast-to-rdf-arbitraries.js';

describe('toQuadsFast on generated OB 3.0 credentials', () => {
  it(
    'gives jsonld.canonize bytes for 2,000 credentials, at least 95% of them on the fast path',
    async () => {
      const stats: DiffStats = { fast: 0, slow: 0 };
      await fc.assert(
        fc.asyncProperty(openBadgeCredential(ISSUER), (doc) => agrees(doc, stats)),
        { numRuns: 2000, seed: 3001, endOnFailure: true },
      );
      expect(stats.fast + stats.slow).toBe(2000);
      expect(stats.fast / 2000).toBeGreaterThanOrEqual(0.95);
    },
    // At most about 45 s alone on a 2-core machine; room for vitest running the shards side by side.
    300_000,
  );
});
