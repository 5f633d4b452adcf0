import { canonicalizeQuads, type Quad } from '../src/jsonld/fast/canonicalize-quads.js';

/** One blank node with `n` distinct predicates to one object, and two repeated quads: the worst shape for a scan. */
function oneBlankNode(n: number): Quad[] {
  const quads: Quad[] = Array.from({ length: n }, (_, i) => ({
    subject: { termType: 'BlankNode', value: 's' },
    predicate: { termType: 'NamedNode', value: `https://ex.org/p/${i}` },
    object: { termType: 'NamedNode', value: 'https://ex.org/o' },
    graph: { termType: 'DefaultGraph', value: '' },
  }));
  quads.push(quads[7]!, quads[n - 1]!);
  return quads;
}

function bestOf(runs: number, quads: Quad[]): number {
  let ms = Infinity;
  for (let k = 0; k < runs; k++) {
    const started = performance.now();
    canonicalizeQuads(quads);
    ms = Math.min(ms, performance.now() - started);
  }
  return ms;
}

export interface CanonicalizeScaling {
  readonly smallQuads: number;
  readonly largeQuads: number;
  readonly smallMs: number;
  readonly largeMs: number;
  /** largeMs / smallMs: about 4–5 for n log n on four times the quads, 16 for a scan per added quad. */
  readonly ratio: number;
}

/**
 * How canonicalization time grows with the quads of one blank node (10,000 then 40,000), best of five each: a timing,
 * so it lives here and not in a unit test (the unit tests check the bytes at both sizes).
 */
export function measureCanonicalizeScaling(): CanonicalizeScaling {
  const small = oneBlankNode(10_000);
  const large = oneBlankNode(40_000);
  bestOf(2, small);
  const smallMs = bestOf(5, small);
  const largeMs = bestOf(5, large);
  return { smallQuads: small.length, largeQuads: large.length, smallMs, largeMs, ratio: largeMs / smallMs };
}
