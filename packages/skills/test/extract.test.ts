import { readFileSync } from 'node:fs';
import { brotliDecompressSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSkillExtractor, isSkillsError, MAX_EXTRACT_CHARS, type ExtractorSkill } from '../src/index.js';
import { porterStem } from '../src/extract/porter-stem.js';

const CATALOGUE: ExtractorSkill[] = [
  { uri: 'u:sql', label: 'SQL', description: 'The computer language SQL is a query language for databases.' },
  { uri: 'u:java', label: 'Java (computer programming)', altLabels: ['Java'], occupations: 40 },
  { uri: 'u:teams', label: 'work in teams', altLabels: ['team working', 'teamwork'], occupations: 300 },
  { uri: 'u:manage-team', label: 'manage a team', description: 'Lead and motivate a team of employees.' },
  { uri: 'u:team', label: 'team building', occupations: 10 },
  { uri: 'u:comm', label: 'communication', altLabels: ['communicating'], occupations: 500 },
  { uri: 'u:web', label: 'web programming', altLabels: ['web development'] },
  { uri: 'u:db', label: 'database management systems', description: 'Tools for creating and querying databases.' },
];

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('porterStem', () => {
  it('gives the published stems of Porter (1980)', () => {
    const vectors: Record<string, string> = {
      caresses: 'caress',
      ponies: 'poni',
      agreed: 'agre',
      hopping: 'hop',
      filing: 'file',
      relational: 'relat',
      triplicate: 'triplic',
      adjustment: 'adjust',
      adoption: 'adopt',
      controll: 'control',
      programming: 'program',
      developing: 'develop',
      development: 'develop',
    };
    for (const [word, stem] of Object.entries(vectors)) expect([word, porterStem(word)]).toEqual([word, stem]);
    expect(porterStem('c++')).toBe('c++');
    expect(porterStem('html5')).toBe('html5');
  });
});

describe('createSkillExtractor', () => {
  const extractor = createSkillExtractor(CATALOGUE);

  it('puts the skill whose label is the whole text first, preferred or alternative', () => {
    for (const skill of CATALOGUE) {
      for (const label of [skill.label, ...(skill.altLabels ?? [])]) {
        expect([label, extractor.extract(label, { top: 1 })[0]?.uri]).toEqual([label, skill.uri]);
      }
    }
  });

  it('finds every skill a sentence names, through inflections, above the others', () => {
    const found = extractor.extract('Team player who worked in teams, communicates well and knows SQL and Java', {
      top: 4,
    });
    expect(found.map((s) => s.uri).sort()).toEqual(['u:comm', 'u:java', 'u:sql', 'u:teams']);
    expect(found.find((s) => s.uri === 'u:java')).toMatchObject({
      label: 'Java (computer programming)',
      matched: 'Java',
    });
  });

  it('finds a skill through its description when no label matches', () => {
    expect(extractor.extract('querying databases', { top: 1 })[0]?.uri).toBe('u:db');
  });

  it('returns nothing for empty, punctuation-only or function-word text, and for top < 1', () => {
    for (const text of ['', '   ', '?!.,', 'the and of to with you']) expect(extractor.extract(text)).toEqual([]);
    expect(extractor.extract('SQL', { top: 0 })).toEqual([]);
  });

  it('reads at most MAX_EXTRACT_CHARS of a huge text', () => {
    const padding = 'x '.repeat(MAX_EXTRACT_CHARS / 2);
    expect(extractor.extract(`${padding} SQL`)).toEqual([]);
    expect(extractor.extract(`SQL ${padding}`)[0]?.uri).toBe('u:sql');
  });

  it('is deterministic, ranks by falling score and honours top (property)', () => {
    const words = ['sql', 'java', 'team', 'teams', 'web', 'development', 'manage', 'the', 'database', 'x', 'Ünïcode'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...words), { maxLength: 30 }), fc.integer({ min: 1, max: 10 }), (w, top) => {
        const text = w.join(' ');
        const a = extractor.extract(text, { top });
        expect(createSkillExtractor(CATALOGUE).extract(text, { top })).toEqual(a);
        expect(a.length).toBeLessThanOrEqual(top);
        for (let k = 1; k < a.length; k++) expect(a[k - 1]!.score).toBeGreaterThanOrEqual(a[k]!.score);
        expect(new Set(a.map((s) => s.uri)).size).toBe(a.length);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a malformed catalogue or text with ERR_EXTRACT_INPUT', () => {
    const duplicate = thrown(() => createSkillExtractor([CATALOGUE[0]!, { uri: 'u:sql', label: 'again' }]));
    expect(isSkillsError(duplicate, 'ERR_EXTRACT_INPUT') && duplicate.path).toBe('$[1].uri');
    const noLabel = thrown(() => createSkillExtractor([{ uri: 'u:x' } as unknown as ExtractorSkill]));
    expect(isSkillsError(noLabel, 'ERR_EXTRACT_INPUT')).toBe(true);
    expect(
      isSkillsError(
        thrown(() => extractor.extract(42 as unknown as string)),
        'ERR_EXTRACT_INPUT',
      ),
    ).toBe(true);
  });
});

describe('the shipped ESCO model (data/skill-model.json.br)', () => {
  const model = JSON.parse(
    brotliDecompressSync(readFileSync(new URL('../data/skill-model.json.br', import.meta.url))).toString('utf8'),
  ) as { esco: string; skills: ExtractorSkill[] };
  const extractor = createSkillExtractor(model.skills);

  it('holds every ESCO 1.1.1 skill and names each skill from its preferred label (sample of 1 in 50)', () => {
    expect(model.esco).toBe('1.1.1');
    expect(model.skills.length).toBe(13896);
    let first = 0;
    let sampled = 0;
    for (let i = 0; i < model.skills.length; i += 50) {
      sampled++;
      if (extractor.extract(model.skills[i]!.label, { top: 1 })[0]?.uri === model.skills[i]!.uri) first++;
    }
    // The rest are distinct skills whose labels stem alike ("trim excess material(s)").
    expect(first / sampled).toBeGreaterThan(0.98);
  });

  it('maps a job-posting sentence to the ESCO skills it names', () => {
    const labels = extractor
      .extract('Experience with Java C# or other backend language; SQL experience is a plus', { top: 5 })
      .map((s) => s.label);
    expect(labels).toEqual(expect.arrayContaining(['Java (computer programming)', 'C#', 'SQL']));
  });
});
