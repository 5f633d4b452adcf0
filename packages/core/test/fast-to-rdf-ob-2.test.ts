// Differential shard 2 of 6: more OB 3.0 credentials from the same generator, another seed and a did:web issuer.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { openBadgeCredential } from './interop/arbitraries.js';
import { agrees, type DiffStats } from './fast-to-rdf-arbitraries.js';

describe('toQuadsFast on generated OB 3.0 credentials (did:web issuer)', () => {
  it(
    'gives jsonld.canonize bytes for 2,000 credentials, at least 95% of them on the fast path',
    async () => {
      const stats: DiffStats = { fast: 0, slow: 0 };
      await fc.assert(
        fc.asyncProperty(openBadgeCredential('did:web:issuer.example'), (doc) => agrees(doc, stats)),
        { numRuns: 2000, seed: 3006, endOnFailure: true },
      );
      expect(stats.fast + stats.slow).toBe(2000);
      expect(stats.fast / 2000).toBeGreaterThanOrEqual(0.95);
    },
    // At most about 45 s alone on a 2-core machine; room for vitest running the shards side by side.
    300_000,
  );
});
