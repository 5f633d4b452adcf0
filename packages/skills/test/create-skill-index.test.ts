import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSkillIndex, createSkillIndexAsync, labelKey, type SkillDocument } from '../src/index.js';

const SKILLS: SkillDocument[] = [
  {
    id: 'musical-staff',
    label: 'manage musical staff',
    altLabels: ['manage music staff', 'direct musical staff'],
    type: 'skill',
  },
  { id: 'staff', label: 'manage staff', altLabels: ['manage employees', 'supervise staff'], type: 'skill' },
  { id: 'music-theory', label: 'music theory', description: 'Interrelated concepts of music.', type: 'knowledge' },
  { id: 'pm', label: 'project management', altLabels: ['managing projects'], type: 'knowledge' },
  { id: 'agile-pm', label: 'agile project management', type: 'knowledge' },
  { id: 'pm-principles', label: 'principles of project management', type: 'knowledge' },
  { id: 'cpp', label: 'C++', altLabels: ['C plus plus'], type: 'knowledge' },
  { id: 'c', label: 'C', type: 'knowledge' },
  { id: 'presentation', label: 'Präsentationstechnik', altLabels: ['Vortragstechnik'], type: 'skill' },
  {
    id: 'java',
    label: 'Java (computer programming)',
    description: 'Techniques of software development in Java, such as analysis and coding.',
    type: 'knowledge',
  },
];

const index = createSkillIndex(SKILLS);
const ids = (query: string, options?: Parameters<typeof index.search>[1]) =>
  index.search(query, options).map((h) => h.id);

describe('createSkillIndex', () => {
  it('finds a skill by an alternative label with a typo (substitution, insertion, deletion, transposition)', () => {
    for (const query of ['manage musoc staff', 'manage musiic staff', 'manage msic staff', 'manage msuic staff']) {
      expect(ids(query)[0], query).toBe('musical-staff');
    }
  });

  it('ranks an exact label above labels that contain the query', () => {
    expect(ids('project management').slice(0, 3)).toEqual(['pm', 'agile-pm', 'pm-principles']);
    expect(index.search('project management')[0]?.match).toEqual({
      field: 'label',
      text: 'project management',
      exact: true,
    });
    expect(index.search('Managing-Projects')[0]).toMatchObject({
      id: 'pm',
      match: { field: 'altLabel', text: 'managing projects', exact: true },
    });
  });

  it('completes the last word while it is being typed, not once a space follows it', () => {
    expect(ids('proj')[0]).toBe('pm');
    expect(ids('agile proj')[0]).toBe('agile-pm');
    expect(ids('proj ')).toEqual([]);
    // A word one letter short is a typo as well as an unfinished word.
    expect(ids('projec ')[0]).toBe('pm');
  });

  it('folds case and accents, and keeps C++ apart from C', () => {
    expect(ids('prasentationstechnik')[0]).toBe('presentation');
    expect(ids('PRÄSENTATIONSTECHNIK')[0]).toBe('presentation');
    expect(ids('c++')[0]).toBe('cpp');
    expect(ids('c')[0]).toBe('c');
  });

  it('searches descriptions, below labels', () => {
    expect(ids('software development')).toEqual(['java']);
    expect(index.search('software development')[0]?.match).toEqual({ field: 'description', exact: false });
  });

  it('filters by type and by a predicate', () => {
    expect(ids('manage staff', { types: ['knowledge'] })).not.toContain('staff');
    expect(ids('music', { types: ['knowledge'] })).toEqual(['music-theory']);
    expect(ids('manage staff', { filter: (d) => d.id !== 'staff' })[0]).toBe('musical-staff');
    expect(ids('manage staff', { types: [] })).toEqual([]);
  });

  it('keeps the documents’ order between equal scores', () => {
    const twins = createSkillIndex([
      { id: 'b', label: 'welding' },
      { id: 'a', label: 'welding' },
      { id: 'c', label: 'welding' },
    ]);
    expect(twins.search('welding').map((h) => h.id)).toEqual(['b', 'a', 'c']);
    expect(twins.search('weldin').map((h) => h.id)).toEqual(['b', 'a', 'c']);
  });

  it('refuses two documents with one id, and looks documents up by id', () => {
    expect(() => createSkillIndex([SKILLS[0]!, SKILLS[0]!])).toThrow(/two documents have the id/);
    expect(index.get('pm')).toBe(SKILLS[3]);
    expect(index.get('nope')).toBeUndefined();
    expect(index.size).toBe(SKILLS.length);
    expect(createSkillIndex([]).search('anything')).toEqual([]);
  });

  it('answers odd queries without throwing', () => {
    const odd = [
      '',
      '   ',
      '\n\t',
      '\ud800',
      '\udfff x',
      '\u0000',
      '🙂 🙂',
      '\u202e',
      'a'.repeat(100_000),
      'x '.repeat(5000),
    ];
    for (const query of odd) expect(() => index.search(query)).not.toThrow();
    expect(index.search('')).toEqual([]);
    expect(index.search('   ')).toEqual([]);
    expect(index.search('manage staff', { limit: 0 })).toEqual([]);
    expect(index.search('manage staff', { limit: -3 })).toEqual([]);
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.integer({ min: -2, max: 60 }), (query, limit) => {
        const hits = index.search(query, { limit });
        expect(hits.length).toBeLessThanOrEqual(Math.max(0, limit));
      }),
      { numRuns: 300 },
    );
  });
});

// Generated documents: labels from a small vocabulary, so that documents share words and compete.
const WORDS = [
  'data',
  'analysis',
  'manage',
  'staff',
  'music',
  'project',
  'safety',
  'welding',
  'of',
  'and',
  'sql',
  'c#',
];
const phrase = fc
  .array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 4 })
  .chain((words) => fc.constantFrom(words.join(' '), words.join('-'), words.map((w) => w.toUpperCase()).join(' ')));
const documents = fc
  .array(
    fc.record({
      label: phrase,
      altLabels: fc.array(phrase, { maxLength: 3 }),
      description: fc.option(phrase, { nil: undefined }),
      type: fc.constantFrom('skill', 'knowledge'),
    }),
    { minLength: 1, maxLength: 40 },
  )
  .map((docs) => docs.map((d, i) => ({ id: `d${i}`, ...d })));

describe('createSkillIndexAsync', () => {
  it('builds the same index as createSkillIndex, letting other work run meanwhile', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({
      id: `s${i}`,
      label: `skill ${i} ${WORDS[i % WORDS.length]!}`,
      altLabels: [`${WORDS[(i * 7) % WORDS.length]!} ${i}`],
    }));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const index = await createSkillIndexAsync(many);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
    const reference = createSkillIndex(many);
    for (const query of ['skill 42', 'welding 17', 'manage stafff', 'sq']) {
      expect(index.search(query, { limit: 20 })).toEqual(reference.search(query, { limit: 20 }));
    }
    await expect(createSkillIndexAsync([SKILLS[0]!, SKILLS[0]!])).rejects.toThrow(/two documents have the id/);
  });
});

describe('createSkillIndex properties', () => {
  it('a preferred label, searched for exactly, comes first (or after documents with the same preferred label)', () => {
    fc.assert(
      fc.property(documents, fc.nat(), (docs, pick) => {
        const target = docs[pick % docs.length]!;
        const hits = createSkillIndex(docs).search(target.label, { limit: docs.length });
        const sameLabel = docs.filter((d) => labelKey(d.label) === labelKey(target.label)).map((d) => d.id);
        // Every document with this preferred label comes before any other (among them, BM25 decides).
        expect(new Set(hits.slice(0, sameLabel.length).map((h) => h.id))).toEqual(new Set(sameLabel));
        expect(hits[0]!.match.exact).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('answers hits sorted by score, at most `limit`, each document once, all passing the filters', () => {
    fc.assert(
      fc.property(
        documents,
        phrase,
        fc.integer({ min: 1, max: 50 }),
        fc.option(fc.constantFrom('skill', 'knowledge'), { nil: undefined }),
        (docs, query, limit, type) => {
          const index = createSkillIndex(docs);
          const hits = index.search(query, { limit, ...(type && { types: [type] }) });
          expect(hits.length).toBeLessThanOrEqual(limit);
          expect(new Set(hits.map((h) => h.id)).size).toBe(hits.length);
          for (let k = 1; k < hits.length; k++) expect(hits[k - 1]!.score).toBeGreaterThanOrEqual(hits[k]!.score);
          if (type) for (const h of hits) expect(index.get(h.id)!.type).toBe(type);
        },
      ),
      { numRuns: 200 },
    );
  });
});
