import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalDigestOfQuads,
  canonicalizeQuads,
  utf8Bytes,
  type Quad,
} from '../src/jsonld/fast/canonicalize-quads.js';
import { newStats, ours, randomDataset, reference } from './fast-canonicalize-arbitraries.js';

describe('canonicalizeQuads on random datasets (differential against rdf-canonize 5)', () => {
  it('equals rdf-canonize on 20,000 random datasets (escapes, languages, datatypes, blank graphs, duplicates)', async () => {
    const seen = { firstDegree: 0, nDegree: 0, blankGraph: 0, duplicates: 0, escaped: 0, wide: 0 };
    await fc.assert(
      fc.asyncProperty(randomDataset(), async (quads) => {
        const before = JSON.stringify(quads);
        const stats = newStats();
        const mine = ours(quads, undefined, stats);
        expect(mine).toEqual(await reference(quads));
        expect(JSON.stringify(quads)).toBe(before);
        if ('maxDeepIterations' in mine) return;
        if (stats.path === 'first-degree') seen.firstDegree++;
        else seen.nDegree++;
        if (quads.some((q) => q.graph.termType === 'BlankNode')) seen.blankGraph++;
        if (new Set(quads).size < quads.length) seen.duplicates++;
        if ('nquads' in mine && /\\[nrtbf"\\u]/.test(mine.nquads)) seen.escaped++;
        if (!('nquads' in mine)) return;
        // The digest hashes wide documents line by line as UTF-8 byte strings: the same bytes as the text's.
        const expected = createHash('sha256').update(mine.nquads, 'utf8').digest();
        expect(canonicalDigestOfQuads(quads)).toEqual(new Uint8Array(expected));
        if (/[\u0080-\uffff]/.test(mine.nquads)) seen.wide++;
      }),
      { numRuns: 20_000 },
    );
    // The generator reaches every branch it is meant to; otherwise equality above proves little.
    expect(seen.firstDegree).toBeGreaterThan(1000);
    expect(seen.nDegree).toBeGreaterThan(10);
    expect(seen.blankGraph).toBeGreaterThan(500);
    expect(seen.duplicates).toBeGreaterThan(500);
    expect(seen.escaped).toBeGreaterThan(500);
    expect(seen.wide).toBeGreaterThan(2000);
  });

  it('writes UTF-8 byte strings exactly as Node encodes text, lone surrogates as U+FFFD', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        for (const text of [a, b, a + '\ud800' + b, '\udc00' + a, b + '\ud83d']) {
          expect(utf8Bytes(text)).toBe(Buffer.from(text, 'utf8').toString('latin1'));
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('equals rdf-canonize on 1,500 datasets with 11 to 20 blank nodes (c14n1 and c14n10 side by side)', async () => {
    const many = fc.constantFrom(...Array.from({ length: 20 }, (_, i) => `n${i}`));
    let large = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(randomDataset(many), randomDataset(many), randomDataset(many)).map(([a, b, c]) => [...a, ...b, ...c]),
        async (quads) => {
          expect(ours(quads)).toEqual(await reference(quads));
          const labels = new Set(
            quads
              .flatMap((q) => [q.subject, q.object, q.graph])
              .filter((t) => t.termType === 'BlankNode')
              .map((t) => t.value),
          );
          if (labels.size > 10) large++;
        },
      ),
      { numRuns: 1500 },
    );
    expect(large).toBeGreaterThan(500);
  });

  it('keeps equal bytes across calls and past the predicate cache bound (5,000 distinct predicates)', async () => {
    const quads: Quad[] = Array.from({ length: 5000 }, (_, i) => ({
      subject: { termType: 'BlankNode', value: `s${i % 7}` },
      predicate: { termType: 'NamedNode', value: `https://ex.org/p/${(i * 7919) % 5000}` },
      object: {
        termType: 'Literal',
        value: String(i % 3),
        datatype: { termType: 'NamedNode', value: 'http://www.w3.org/2001/XMLSchema#string' },
      },
      graph: { termType: 'DefaultGraph', value: '' },
    }));
    const expected = await reference(quads);
    expect(ours(quads)).toEqual(expected);
    expect(ours(quads.slice().reverse())).toEqual(expected);
    expect(ours(quads.slice(0, 100))).toEqual(await reference(quads.slice(0, 100)));
  });

  // How the time grows with the quads is measured by `npm run bench` (canonicalize scaling), not timed here.
  it('equals rdf-canonize on one blank node with 40,000 quads, repeated quad objects and distinct predicates', async () => {
    const quads: Quad[] = Array.from({ length: 40_000 }, (_, i) => ({
      subject: { termType: 'BlankNode', value: 's' },
      predicate: { termType: 'NamedNode', value: `https://ex.org/p/${i}` },
      object: { termType: 'NamedNode', value: 'https://ex.org/o' },
      graph: { termType: 'DefaultGraph', value: '' },
    }));
    quads.push(quads[7]!, quads[39_999]!);
    expect(ours(quads)).toEqual(await reference(quads));
  });

  it('sorts as whole lines where component order would differ: odd language tags, generalized predicates', async () => {
    const s = { termType: 'BlankNode', value: 'b0' } as const;
    const p = { termType: 'NamedNode', value: 'https://ex.org/p' } as const;
    const g = { termType: 'DefaultGraph', value: '' } as const;
    const lang = (language: string): Quad => ({
      subject: s,
      predicate: p,
      object: {
        termType: 'Literal',
        value: 'a',
        datatype: { termType: 'NamedNode', value: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#langString' },
        language,
      },
      graph: g,
    });
    // `"a"@en .` sorts after `"a"@en\u0001 .` although `"a"@en` is a prefix of `"a"@en\u0001` (language tags are
    // written unescaped); object-by-object comparison would put it first.
    const odd = [lang('en'), lang('en\u0001'), lang('en x'), lang('en-gb')];
    const nquads = canonicalizeQuads(odd);
    expect(nquads.split('\n').slice(0, 4)).toEqual([
      '_:c14n0 <https://ex.org/p> "a"@en\u0001 .',
      '_:c14n0 <https://ex.org/p> "a"@en .',
      '_:c14n0 <https://ex.org/p> "a"@en x .',
      '_:c14n0 <https://ex.org/p> "a"@en-gb .',
    ]);
    expect({ nquads }).toEqual(await reference(odd));
    // A blank-node predicate (generalized RDF) is written as given and sorted with the rest of its line: `_:p !` before
    // `_:p` because `!` is below the `<` that follows `_:p `.
    const generalized = [
      { subject: s, predicate: { termType: 'BlankNode', value: 'p !' }, object: p, graph: g },
      { subject: s, predicate: { termType: 'BlankNode', value: 'p' }, object: p, graph: g },
      { subject: s, predicate: p, object: p, graph: g },
    ] as unknown as Quad[];
    expect(ours(generalized)).toEqual(await reference(generalized));
    expect(canonicalizeQuads(generalized)).toBe(
      '_:c14n0 <https://ex.org/p> <https://ex.org/p> .\n' +
        '_:c14n0 _:p ! <https://ex.org/p> .\n' +
        '_:c14n0 _:p <https://ex.org/p> .\n',
    );
  });

  it('does not depend on quad order or on blank node labels (isomorphic sets of quads give the same bytes)', () => {
    // Sets: rdf-canonize hashes a quad object listed twice once but writes it twice, and its permutations mishandle a
    // related blank node listed twice, so with repeated quads its labels (and ours) can follow the input labels.
    const distinct = (quads: Quad[]): Quad[] => {
      const seen = new Set<string>();
      return quads.filter((q) => {
        const key = JSON.stringify([q.subject, q.predicate, q.object, q.graph]);
        return !seen.has(key) && !!seen.add(key);
      });
    };
    fc.assert(
      fc.property(
        randomDataset(fc.constantFrom('b0', 'b1', 'b2', 'b3', 'b4', 'b5')).map(distinct),
        fc.array(fc.double({ noNaN: true }), { minLength: 1, maxLength: 20 }),
        fc.constantFrom('', 'z', 'node-', '_b'),
        (quads, order, prefix) => {
          const direct = ours(quads, Infinity);
          const keyed = quads.map((q, i) => ({ q, k: order[i % order.length]!, i }));
          keyed.sort((a, b) => a.k - b.k || a.i - b.i);
          const rename = (t: Quad['subject'] | Quad['object'] | Quad['graph']) =>
            t.termType === 'BlankNode' ? { ...t, value: prefix + t.value.split('').reverse().join('') } : t;
          // The same quad object listed twice counts once (rdf-canonize keeps a Set per blank node): keep that sharing.
          const copies = new Map<Quad, Quad>();
          const moved = keyed.map(({ q }) => {
            let copy = copies.get(q);
            if (!copy) {
              copy = {
                subject: rename(q.subject),
                predicate: q.predicate,
                object: rename(q.object),
                graph: rename(q.graph),
              } as Quad;
              copies.set(q, copy);
            }
            return copy;
          });
          expect(ours(moved, Infinity)).toEqual(direct);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('follows rdf-canonize where a repeated quad object makes its labels depend on the input labels', async () => {
    const q = (s: string, o: string): Quad => ({
      subject: { termType: 'BlankNode', value: s },
      predicate: { termType: 'NamedNode', value: 'https://ex.org/p' },
      object: { termType: 'BlankNode', value: o },
      graph: { termType: 'DefaultGraph', value: '' },
    });
    const x = q('b3', 'b0');
    const y = q('3b', '0b');
    const first = [x, q('b1', 'b0'), x];
    const second = [q('1b', '0b'), y, y];
    const a = canonicalizeQuads(first, { maxWorkFactor: Infinity });
    const b = canonicalizeQuads(second, { maxWorkFactor: Infinity });
    expect(a).not.toBe(b);
    expect({ nquads: a }).toEqual(await reference(first, Infinity));
    expect({ nquads: b }).toEqual(await reference(second, Infinity));
  });

  it('reproduces rdf-canonize quirks: kept duplicates, kept c14n labels, the empty label, code-unit order', async () => {
    const p = { termType: 'NamedNode', value: 'https://ex.org/p' } as const;
    const g = { termType: 'DefaultGraph', value: '' } as const;
    const lit = (value: string) =>
      ({
        termType: 'Literal',
        value,
        datatype: { termType: 'NamedNode', value: 'http://www.w3.org/2001/XMLSchema#string' },
      }) as const;
    const q1: Quad = {
      subject: { termType: 'BlankNode', value: 'c14n5' },
      predicate: p,
      object: lit('\uffff'),
      graph: g,
    };
    const q2: Quad = { subject: { termType: 'BlankNode', value: 'b' }, predicate: p, object: lit('😀'), graph: g };
    const q3: Quad = { subject: { termType: 'BlankNode', value: '' }, predicate: p, object: lit('x'), graph: g };
    const q4: Quad = {
      subject: { termType: 'NamedNode', value: 'https://ex.org/s' },
      predicate: p,
      object: { termType: 'BlankNode', value: '' },
      graph: g,
    };
    const quads = [q1, q2, q2, { ...q2 }, q3, q4];
    const expected = await reference(quads);
    expect(ours(quads)).toEqual(expected);
    // Three blank nodes get c14n0–c14n2 in first-degree hash order, but the empty label's is never recorded, so each
    // of its two uses takes the next identifier (c14n3, c14n4); c14n5 keeps its own label; the three equal quads stay;
    // U+FFFF sorts before 😀 (UTF-16 code units, not code points): all as rdf-canonize writes it.
    expect(canonicalizeQuads(quads)).toBe(
      [
        '<https://ex.org/s> <https://ex.org/p> _:c14n4 .\n',
        '_:c14n2 <https://ex.org/p> "😀" .\n',
        '_:c14n2 <https://ex.org/p> "😀" .\n',
        '_:c14n2 <https://ex.org/p> "😀" .\n',
        '_:c14n3 <https://ex.org/p> "x" .\n',
        '_:c14n5 <https://ex.org/p> "\uffff" .\n',
      ].join(''),
    );
  });
});
