// Shared by the fast-canonicalize*.test.ts files: RDF dataset generators and the differential oracle (rdf-canonize 5).
import fc from 'fast-check';
import { canonize } from 'rdf-canonize';
import { SkillproofError } from '../src/errors.js';
import {
  canonicalizeQuads,
  type BlankNode,
  type CanonicalizeStats,
  type Literal,
  type NamedNode,
  type Quad,
} from '../src/jsonld/fast/canonicalize-quads.js';

export const XSD = 'http://www.w3.org/2001/XMLSchema#';
export const RDF_LANGSTRING = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#langString';

export const named = (value: string): NamedNode => ({ termType: 'NamedNode', value });
export const blank = (value: string): BlankNode => ({ termType: 'BlankNode', value });
export const defaultGraph = { termType: 'DefaultGraph', value: '' } as const;
export const literal = (value: string, datatype = XSD + 'string', language?: string): Literal =>
  language === undefined
    ? { termType: 'Literal', value, datatype: named(datatype) }
    : { termType: 'Literal', value, datatype: named(datatype), language };

/** Characters N-Quads escapes, or that a naive serializer gets wrong (surrogates, DEL, non-BMP). */
const tricky = fc.constantFrom(
  '"',
  '\\',
  '\n',
  '\r',
  '\t',
  '\b',
  '\f',
  '\u0000',
  '\u0001',
  '\u001f',
  '\u007f',
  '\u0080',
  ' ',
  '<',
  '>',
  '{',
  '}',
  '|',
  '^',
  '`',
  'é',
  '\u2028',
  '😀',
  '\ud800',
  '\udc00',
  'a',
  'Z',
  '0',
  '_',
  ':',
);
const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 6, unit: tricky }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 8, unit: 'binary' }) },
  {
    weight: 1,
    arbitrary: fc.string({
      maxLength: 4,
      unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    }),
  },
  { weight: 2, arbitrary: fc.constantFrom('', 'x', 'y', 'Alice', '2024-01-01T00:00:00Z') },
);

const iri = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      'https://ex.org/a',
      'https://ex.org/b',
      'did:example:1',
      'urn:uuid:1',
      'https://ex.org/p',
    ),
  },
  { weight: 1, arbitrary: text.map((t) => 'https://ex.org/' + t) },
  { weight: 1, arbitrary: fc.constantFrom('xsd:dateTime', 'https://ex.org/ü', 'https://ex.org/a b', '') },
  // IRIs that are prefixes of one another: `<a>` sorts after `<a/b>` and `<a#x>` (`>` is above `/` and `#`).
  {
    weight: 2,
    arbitrary: fc.constantFrom('https://ex.org/a/b', 'https://ex.org/a#x', 'https://ex.org/a0', 'https://ex.org/a>'),
  },
);
const predicate = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('https://ex.org/p', 'https://ex.org/q', 'https://ex.org/r') },
  { weight: 1, arbitrary: iri },
);

/** Few labels so that blank nodes recur; `c14n…` and the empty label exercise rdf-canonize's quirks. */
const cleanLabel = fc.constantFrom('b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'n', 'x_y');
const label = fc.oneof(
  { weight: 20, arbitrary: cleanLabel },
  { weight: 1, arbitrary: fc.constantFrom('c14n0', 'c14n1', 'c14n9', '') },
);

const literalTerm = fc.oneof(
  { weight: 4, arbitrary: text.map((v) => literal(v)) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        text,
        fc.constantFrom(
          'en',
          'en-US',
          'en-us-x',
          'de',
          'fr-be',
          '',
          'en x',
          'en\u0001',
          'en!',
          'EN',
          'dé',
          'x-\u{1f600}',
        ),
      )
      .map(([v, lang]) => literal(v, RDF_LANGSTRING, lang)),
  },
  { weight: 1, arbitrary: text.map((v) => literal(v, RDF_LANGSTRING)) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(text, fc.oneof(fc.constantFrom(XSD + 'dateTime', XSD + 'integer', XSD + 'double'), iri))
      .map(([v, dt]) => literal(v, dt)),
  },
  // A language on a datatype other than rdf:langString is ignored by the serializer.
  { weight: 1, arbitrary: text.map((v) => literal(v, XSD + 'string', 'en')) },
);

function quadArbitrary(labels: fc.Arbitrary<string>): fc.Arbitrary<Quad> {
  const node = fc.oneof(labels.map(blank), iri.map(named));
  return fc.record({
    subject: node,
    predicate: predicate.map(named),
    object: fc.oneof({ weight: 2, arbitrary: node }, { weight: 2, arbitrary: literalTerm }),
    graph: fc.oneof(
      { weight: 4, arbitrary: fc.constant(defaultGraph) },
      { weight: 1, arbitrary: iri.map(named) },
      { weight: 1, arbitrary: labels.map(blank) },
    ),
  }) as fc.Arbitrary<Quad>;
}

/** Random datasets with duplicates: the same quad object again, and structurally equal copies. */
export function randomDataset(labels: fc.Arbitrary<string> = label): fc.Arbitrary<Quad[]> {
  return fc
    .record({
      base: fc.array(quadArbitrary(labels), { maxLength: 14 }),
      sameObject: fc.array(fc.nat(), { maxLength: 2 }),
      copies: fc.array(fc.nat(), { maxLength: 2 }),
    })
    .map(({ base, sameObject, copies }) => {
      // fast-check may hand the same generated quads to several runs while shrinking; the copies below are fresh.
      const quads = [...base];
      if (base.length > 0) {
        for (const i of sameObject) quads.push(base[i % base.length]!);
        for (const i of copies) quads.push(structuredClone(base[i % base.length]!));
      }
      return quads;
    });
}

/**
 * Datasets whose blank nodes share first-degree hashes, so Hash N-Degree Quads must run: rings (optionally chorded),
 * several copies of one random "template" neighbourhood, stars around a hub; blank nodes also as graph names.
 */
export function symmetricDataset(): fc.Arbitrary<Quad[]> {
  const ring = fc
    .record({
      size: fc.integer({ min: 2, max: 6 }),
      copies: fc.integer({ min: 1, max: 2 }),
      chord: fc.boolean(),
      undirected: fc.boolean(),
      p: fc.constantFrom('https://ex.org/p', 'https://ex.org/q'),
    })
    .map(({ size, copies, chord, undirected, p }) => {
      const quads: Quad[] = [];
      for (let c = 0; c < copies; c++) {
        const at = (i: number) => blank(`r${c}_${i % size}`);
        for (let i = 0; i < size; i++) {
          quads.push({ subject: at(i), predicate: named(p), object: at(i + 1), graph: defaultGraph });
          if (undirected) quads.push({ subject: at(i + 1), predicate: named(p), object: at(i), graph: defaultGraph });
        }
        if (chord && size >= 4) quads.push({ subject: at(0), predicate: named(p), object: at(2), graph: defaultGraph });
      }
      return quads;
    });
  const template = fc
    .record({
      quads: fc.array(quadArbitrary(fc.constantFrom('t0', 't1', 't2')), { minLength: 1, maxLength: 5 }),
      copies: fc.integer({ min: 2, max: 3 }),
      hub: fc.constantFrom('none', 'named', 'blank'),
    })
    .map(({ quads: tpl, copies, hub }) => {
      const quads: Quad[] = [];
      for (let c = 0; c < copies; c++) {
        const rename = <T extends { termType: string; value: string }>(t: T): T =>
          t.termType === 'BlankNode' ? ({ ...t, value: `k${c}${t.value}` } as T) : t;
        for (const q of tpl) {
          quads.push({
            subject: rename(q.subject),
            predicate: q.predicate,
            object: rename(q.object),
            graph: rename(q.graph),
          });
        }
        if (hub !== 'none') {
          quads.push({
            subject: hub === 'named' ? named('https://ex.org/hub') : blank('hub'),
            predicate: named('https://ex.org/has'),
            object: blank(`k${c}t0`),
            graph: defaultGraph,
          });
        }
      }
      return quads;
    });
  const star = fc
    .record({ leaves: fc.integer({ min: 2, max: 5 }), inGraph: fc.boolean(), value: text })
    .map(({ leaves, inGraph, value }) => {
      const quads: Quad[] = [];
      for (let i = 0; i < leaves; i++) {
        quads.push({
          subject: blank('hub'),
          predicate: named('https://ex.org/leaf'),
          object: blank(`l${i}`),
          graph: inGraph ? blank('g') : defaultGraph,
        });
        quads.push({
          subject: blank(`l${i}`),
          predicate: named('https://ex.org/v'),
          object: literal(value),
          graph: inGraph ? blank('g') : defaultGraph,
        });
      }
      return quads;
    });
  return fc
    .record({
      parts: fc.array(fc.oneof(ring, template, star), { minLength: 1, maxLength: 2 }),
      noise: fc.array(quadArbitrary(cleanLabel), { maxLength: 3 }),
      order: fc.array(fc.double({ noNaN: true }), { maxLength: 40 }),
    })
    .map(({ parts, noise, order }) => {
      // Parts are relabelled apart so that they only meet where a template's hub or noise joins them.
      const quads = [...parts.flatMap((part, n) => part.map((q) => relabel(q, (l) => `${n}.${l}`))), ...noise];
      return shuffle(quads, order);
    });
}

export function relabel(q: Quad, f: (label: string) => string): Quad {
  const r = <T extends { termType: string; value: string }>(t: T): T =>
    t.termType === 'BlankNode' ? ({ ...t, value: f(t.value) } as T) : t;
  return { subject: r(q.subject), predicate: q.predicate, object: r(q.object), graph: r(q.graph) };
}

export function shuffle<T>(items: readonly T[], keys: readonly number[]): T[] {
  return items
    .map((item, i) => ({ item, key: keys[i % Math.max(keys.length, 1)] ?? 0, i }))
    .sort((a, b) => a.key - b.key || a.i - b.i)
    .map(({ item }) => item);
}

export type Outcome = { nquads: string } | { maxDeepIterations: number };

/** rdf-canonize 5's answer, or the iteration bound it reported when it refused. */
export async function reference(quads: readonly Quad[], maxWorkFactor?: number): Promise<Outcome> {
  try {
    return {
      nquads: await canonize(
        quads,
        maxWorkFactor === undefined ? { algorithm: 'RDFC-1.0' } : { algorithm: 'RDFC-1.0', maxWorkFactor },
      ),
    };
  } catch (e) {
    const m = /^Maximum deep iterations exceeded \((\d+|Infinity)\)\.$/.exec((e as Error).message);
    if (!m) throw e;
    return { maxDeepIterations: Number(m[1]) };
  }
}

/** Ours, in the same shape; any error other than the documented work-bound one propagates and fails the test. */
export function ours(quads: readonly Quad[], maxWorkFactor?: number, stats?: CanonicalizeStats): Outcome {
  try {
    return { nquads: canonicalizeQuads(quads, { maxWorkFactor, stats }) };
  } catch (e) {
    if (e instanceof SkillproofError && e.code === 'ERR_JSONLD_INVALID') {
      return { maxDeepIterations: (e.details as { maxDeepIterations: number }).maxDeepIterations };
    }
    throw e;
  }
}

export function newStats(): CanonicalizeStats {
  return { path: 'first-degree', blankNodes: -1, nDegreeRuns: -1 };
}
