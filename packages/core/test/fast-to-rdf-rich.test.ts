// Differential shard 3 of 6: OB 3.0 credentials with endorsements (on the credential and nested in the achievement),
// credentialStatus, one or several Data Integrity proofs (@graph container), language value objects with mixed-case
// tags, and numbers of every kind (integers beyond 2^53, 2.5, 1e-7, 1e21) in xsd:float and untyped positions.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { agrees, richOpenBadgeCredential, type DiffStats } from './fast-to-rdf-arbitraries.js';

describe('toQuadsFast on OB 3.0 credentials with endorsements, status and proofs', () => {
  it(
    'gives jsonld.canonize bytes for 800 credentials, at least 95% of them on the fast path',
    async () => {
      const stats: DiffStats = { fast: 0, slow: 0 };
      await fc.assert(
        fc.asyncProperty(richOpenBadgeCredential, (doc) => agrees(doc, stats)),
        { numRuns: 800, seed: 3002, endOnFailure: true },
      );
      expect(stats.fast + stats.slow).toBe(800);
      expect(stats.fast / 800).toBeGreaterThanOrEqual(0.95);
    },
    // At most about 45 s alone on a 2-core machine; room for vitest running the shards side by side.
    300_000,
  );
});
