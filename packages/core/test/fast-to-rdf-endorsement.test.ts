// Differential shard 5 of 6: standalone EndorsementCredentials (issuer as IRI or Profile, proofs, multilingual).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { agrees, endorsementCredential, type DiffStats } from './fast-to-rdf-arbitraries.js';

describe('toQuadsFast on generated EndorsementCredentials', () => {
  it(
    'gives jsonld.canonize bytes for 3,000 credentials, at least 95% of them on the fast path',
    async () => {
      const stats: DiffStats = { fast: 0, slow: 0 };
      await fc.assert(
        fc.asyncProperty(endorsementCredential(true), (doc) => agrees(doc, stats)),
        { numRuns: 3000, seed: 3004, endOnFailure: true },
      );
      expect(stats.fast + stats.slow).toBe(3000);
      expect(stats.fast / 3000).toBeGreaterThanOrEqual(0.95);
    },
    // At most about 45 s alone on a 2-core machine; room for vitest running the shards side by side.
    300_000,
  );
});
