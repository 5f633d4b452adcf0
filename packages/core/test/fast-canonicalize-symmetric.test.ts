import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSkillproofError } from '../src/errors.js';
import { canonicalizeQuads, type Quad } from '../src/jsonld/fast/canonicalize-quads.js';
import {
  blank,
  defaultGraph,
  named,
  newStats,
  ours,
  reference,
  symmetricDataset,
} from './fast-canonicalize-arbitraries.js';

describe('canonicalizeQuads on symmetric datasets (Hash N-Degree Quads, differential against rdf-canonize 5)', () => {
  it('equals rdf-canonize on 5,000 rings, repeated neighbourhoods and stars, and refuses exactly what it refuses', async () => {
    const seen = { nDegree: 0, refused: 0, byFactor: new Map<string, number>() };
    await fc.assert(
      fc.asyncProperty(symmetricDataset(), fc.constantFrom(undefined, undefined, 0, 2, 3), async (quads, factor) => {
        const stats = newStats();
        const mine = ours(quads, factor, stats);
        expect(mine).toEqual(await reference(quads, factor));
        if ('maxDeepIterations' in mine) {
          seen.refused++;
        } else if (stats.path === 'n-degree') {
          expect(stats.nDegreeRuns).toBeGreaterThan(0);
          seen.nDegree++;
          seen.byFactor.set(String(factor), (seen.byFactor.get(String(factor)) ?? 0) + 1);
        } else {
          expect(stats.nDegreeRuns).toBe(0);
        }
      }),
      { numRuns: 5000 },
    );
    expect(seen.nDegree).toBeGreaterThan(1500);
    expect(seen.refused).toBeGreaterThan(200);
    // Work factors 1 (the default), 2 and 3 each let some symmetric datasets through.
    for (const factor of ['undefined', '2', '3']) expect(seen.byFactor.get(factor)).toBeGreaterThan(100);
  });

  it('takes the N-degree path for two identical neighbourhoods and names them as rdf-canonize does', async () => {
    const p = named('https://ex.org/p');
    const twin = (l: string): Quad[] => [
      { subject: named('https://ex.org/s'), predicate: p, object: blank(l), graph: defaultGraph },
      {
        subject: blank(l),
        predicate: named('https://ex.org/name'),
        object: named('https://ex.org/same'),
        graph: defaultGraph,
      },
    ];
    const quads = [...twin('x'), ...twin('y')];
    const stats = newStats();
    const nquads = canonicalizeQuads(quads, { stats });
    expect(stats).toEqual({ path: 'n-degree', blankNodes: 2, nDegreeRuns: 2 });
    expect(nquads).toBe(
      '<https://ex.org/s> <https://ex.org/p> _:c14n0 .\n' +
        '<https://ex.org/s> <https://ex.org/p> _:c14n1 .\n' +
        '_:c14n0 <https://ex.org/name> <https://ex.org/same> .\n' +
        '_:c14n1 <https://ex.org/name> <https://ex.org/same> .\n',
    );
    expect({ nquads }).toEqual(await reference(quads));
  });

  it('refuses a ring beyond the default work bound with ERR_JSONLD_INVALID, and canonicalizes it when allowed more', async () => {
    const ring: Quad[] = [];
    for (let i = 0; i < 6; i++) {
      ring.push({
        subject: blank(`r${i}`),
        predicate: named('https://ex.org/next'),
        object: blank(`r${(i + 1) % 6}`),
        graph: defaultGraph,
      });
    }
    let error: unknown;
    try {
      canonicalizeQuads(ring);
    } catch (e) {
      error = e;
    }
    expect(isSkillproofError(error, 'ERR_JSONLD_INVALID')).toBe(true);
    expect((error as { details: unknown }).details).toEqual({ maxDeepIterations: 6 });
    expect(await reference(ring)).toEqual({ maxDeepIterations: 6 });
    const stats = newStats();
    const nquads = canonicalizeQuads(ring, { maxWorkFactor: 2, stats });
    expect({ nquads }).toEqual(await reference(ring, 2));
    expect(stats.path).toBe('n-degree');
    expect(nquads.split('\n')[0]).toBe('_:c14n0 <https://ex.org/next> _:c14n5 .');
  });
});
