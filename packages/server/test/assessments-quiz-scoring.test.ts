import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AchievementDefinition, achievementInput } from '../src/domains/achievements/definition.js';
import { outcomeResultsToOb } from '../src/domains/assessments/result-descriptions.js';
import { drawQuestions, seededRandom, shuffled } from '../src/domains/assessments/quiz/draw.js';
import {
  QuestionInput,
  readStoredQuestion,
  toStored,
  type StoredQuestion,
} from '../src/domains/assessments/quiz/question-types.js';
import { compilePattern, PatternError } from '../src/domains/assessments/quiz/safe-pattern.js';
import {
  answerFraction,
  scoreQuestion,
  scoreTotal,
  type AnswerInput,
} from '../src/domains/assessments/quiz/scoring.js';
import { itemStatistics } from '../src/domains/assessments/quiz/statistics.js';

/** A question as the bank stores it, from an author's input. */
function stored(input: Record<string, unknown>): StoredQuestion {
  const parsed = QuestionInput.parse({ prompt: 'Q?', ...input });
  const { body, answer } = toStored(parsed);
  return readStoredQuestion({
    id: '00000000-0000-4000-8000-000000000001',
    type: parsed.type,
    prompt: parsed.prompt,
    points: parsed.points,
    pool: parsed.pool,
    position: 1,
    body,
    answer,
    feedback: null,
    archivedAt: null,
  });
}

/** The answer the key gives: full marks. */
function keyAnswer(q: StoredQuestion): AnswerInput {
  switch (q.type) {
    case 'single_choice':
      return { choiceId: q.answer.correct };
    case 'multiple_choice':
      return { choiceIds: q.answer.correct };
    case 'true_false':
      return { value: q.answer.correct };
    case 'numeric':
      return { value: q.answer.value };
    case 'short_answer':
      return { text: q.answer.accepted[0]! };
    case 'ordering':
      return { order: q.answer.order };
    case 'matching':
      return { matches: q.answer.pairs };
  }
}

const choiceIds = (q: StoredQuestion) => ('choices' in q.body ? q.body.choices.map((c) => c.id) : []);

describe('quiz scoring', () => {
  it('multiple choice: all-or-nothing, and partial = max(0, (hits − false picks) / correct)', () => {
    const input = {
      type: 'multiple_choice',
      points: 4,
      choices: [
        { text: 'SELECT', correct: true },
        { text: 'WHERE', correct: true },
        { text: 'HAVING', correct: true },
        { text: 'BANANA' },
        { text: 'APPLE' },
      ],
    };
    const strict = stored(input);
    const partial = stored({ ...input, scoring: 'partial' });
    const [a, b, c, d, e] = choiceIds(partial);
    const [sa, sb, sc] = choiceIds(strict);
    expect(scoreQuestion(strict, { choiceIds: [sa!, sb!, sc!] })).toEqual({ points: 4, max: 4, outcome: 'correct' });
    expect(scoreQuestion(strict, { choiceIds: [sa!, sb!] })).toEqual({ points: 0, max: 4, outcome: 'incorrect' });
    // 2 of 3 correct, no false pick: 2/3 of 4 points.
    expect(scoreQuestion(partial, { choiceIds: [a!, b!] })).toEqual({ points: 2.666667, max: 4, outcome: 'partial' });
    // 3 hits, 1 false pick: (3 − 1) / 3.
    expect(answerFraction(partial, { choiceIds: [a!, b!, c!, d!] })).toBeCloseTo(2 / 3, 12);
    // 1 hit, 2 false picks: never below zero.
    expect(scoreQuestion(partial, { choiceIds: [a!, d!, e!] })).toEqual({ points: 0, max: 4, outcome: 'incorrect' });
    expect(scoreQuestion(partial, { choiceIds: [] })).toEqual({ points: 0, max: 4, outcome: 'unanswered' });
  });

  it('numeric tolerance is inclusive; ordering is all-or-nothing; matching is proportional', () => {
    const numeric = stored({ type: 'numeric', value: 3.14, tolerance: 0.01 });
    expect(answerFraction(numeric, { value: 3.15 })).toBe(1);
    expect(answerFraction(numeric, { value: 3.13 })).toBe(1);
    expect(answerFraction(numeric, { value: 3.1501 })).toBe(0);
    const exact = stored({ type: 'numeric', value: 0.3 });
    expect(answerFraction(exact, { value: 0.1 + 0.2 })).toBe(1);
    const ordering = stored({ type: 'ordering', items: ['FROM', 'WHERE', 'GROUP BY', 'SELECT'] });
    if (ordering.type !== 'ordering') throw new Error('ordering');
    const [o1, o2, o3, o4] = ordering.answer.order;
    expect(answerFraction(ordering, { order: [o1!, o2!, o3!, o4!] })).toBe(1);
    expect(answerFraction(ordering, { order: [o1!, o2!, o4!, o3!] })).toBe(0);
    const matching = stored({
      type: 'matching',
      points: 3,
      pairs: [
        { left: 'INNER', right: 'both sides' },
        { left: 'LEFT', right: 'all of the left' },
        { left: 'CROSS', right: 'every pair' },
      ],
      distractors: ['none'],
    });
    if (matching.type !== 'matching') throw new Error('matching');
    const [p1, p2, p3] = matching.body.prompts.map((p) => p.id);
    const wrong = matching.body.options.at(-1)!.id;
    const pairs = matching.answer.pairs;
    expect(scoreQuestion(matching, { matches: { [p1!]: pairs[p1!]!, [p2!]: pairs[p2!]!, [p3!]: wrong } })).toEqual({
      points: 2,
      max: 3,
      outcome: 'partial',
    });
  });

  it('short answers: normalised accepted answers, and whole-answer patterns', () => {
    const q = stored({ type: 'short_answer', accepted: ['Primary  Key'], patterns: ['pk|primary[ -]?keys?'] });
    for (const text of ['primary key', '  PRIMARY\tkey ', 'PK', 'primary-keys', 'Primary Key']) {
      expect(answerFraction(q, { text }), text).toBe(1);
    }
    for (const text of ['a primary key', 'pkey', 'primary', '']) expect(answerFraction(q, { text }), text).toBe(0);
    const sensitive = stored({ type: 'short_answer', accepted: ['NULL'], caseSensitive: true });
    expect(answerFraction(sensitive, { text: ' NULL ' })).toBe(1);
    expect(answerFraction(sensitive, { text: 'null' })).toBe(0);
  });

  it('property: the key earns every point, no answer none, and any answer between', () => {
    const question = fc.oneof(
      fc
        .uniqueArray(
          fc.string({ minLength: 1, maxLength: 8 }).filter((s) => s.trim() !== ''),
          {
            minLength: 2,
            maxLength: 6,
            selector: (s) => s.normalize('NFKC').trim().replace(/\s+/gu, ' ').toLowerCase(),
          },
        )
        .chain((texts) =>
          fc.record({
            type: fc.constant('multiple_choice'),
            points: fc.integer({ min: 1, max: 10 }),
            scoring: fc.constantFrom('all_or_nothing', 'partial'),
            choices: fc
              .array(fc.boolean(), { minLength: texts.length, maxLength: texts.length })
              .filter((flags) => flags.some(Boolean))
              .map((flags) => texts.map((text, i) => ({ text, correct: flags[i] }))),
          }),
        ),
      fc.record({
        type: fc.constant('numeric'),
        points: fc.double({ min: 0.5, max: 5, noNaN: true }),
        value: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        tolerance: fc.double({ min: 0, max: 10, noNaN: true }),
      }),
      fc.record({ type: fc.constant('true_false'), correct: fc.boolean() }),
      fc.record({
        type: fc.constant('ordering'),
        items: fc.uniqueArray(fc.stringMatching(/^[a-z]{1,6}$/), { minLength: 2, maxLength: 7 }),
      }),
      fc.record({
        type: fc.constant('matching'),
        pairs: fc
          .uniqueArray(fc.stringMatching(/^[a-z]{1,6}$/), { minLength: 4, maxLength: 10 })
          .map((w) =>
            Array.from({ length: Math.floor(w.length / 2) }, (_, i) => ({ left: w[2 * i]!, right: w[2 * i + 1]! })),
          ),
      }),
    );
    fc.assert(
      fc.property(question, fc.integer(), (input, seed) => {
        const q = stored(input);
        expect(scoreQuestion(q, keyAnswer(q))).toEqual({ points: q.points, max: q.points, outcome: 'correct' });
        expect(scoreQuestion(q, undefined)).toEqual({ points: 0, max: q.points, outcome: 'unanswered' });
        // Any shuffled selection scores within [0, points].
        const random = seededRandom(String(seed));
        const ids = shuffled(choiceIds(q), random).slice(0, Math.floor(random() * 4));
        const other: AnswerInput =
          q.type === 'multiple_choice'
            ? { choiceIds: ids }
            : q.type === 'ordering'
              ? { order: shuffled(q.answer.order, random) }
              : { value: random() * 100 };
        const { points } = scoreQuestion(q, other);
        expect(points).toBeGreaterThanOrEqual(0);
        expect(points).toBeLessThanOrEqual(q.points);
      }),
      { numRuns: 100 },
    );
  });

  it('an attempt passes at exactly the pass mark; percent has two decimals', () => {
    const total = (points: number[], max: number[], passMark: number) =>
      scoreTotal(
        points.map((p, i) => ({ points: p, max: max[i]!, outcome: 'correct' as const })),
        passMark,
      );
    expect(total([1, 1, 0], [1, 1, 1], 66.67)).toEqual({ score: 2, maxScore: 3, percent: 66.67, passed: false });
    expect(total([1, 1, 0], [1, 1, 1], 66.66)).toEqual({ score: 2, maxScore: 3, percent: 66.67, passed: true });
    expect(total([0.7, 0], [0.7, 0.3], 70)).toEqual({ score: 0.7, maxScore: 1, percent: 70, passed: true });
  });
});

describe('safe short-answer patterns', () => {
  it('agree with JavaScript regular expressions on the subset (differential property)', () => {
    const atom = fc.constantFrom('a', 'b', '.', '[ab]', '[^a]', '\\d', '(a|b)', '(?:ab|a)', '[a-c]', '\\.');
    const quantified = fc
      .tuple(atom, fc.constantFrom('', '', '*', '+', '?', '{2}', '{1,3}', '{0,}'))
      .map((p) => p.join(''));
    const pattern = fc.array(quantified, { minLength: 1, maxLength: 5 }).map((parts) => parts.join(''));
    const text = fc.stringMatching(/^[abcAB1.]{0,8}$/);
    fc.assert(
      fc.property(pattern, text, (p, t) => {
        expect(compilePattern(p).test(t), `${p} on ${t}`).toBe(new RegExp(`^(?:${p})$`, 'i').test(t));
        expect(compilePattern(p, { caseSensitive: true }).test(t), `${p} on ${t}`).toBe(
          new RegExp(`^(?:${p})$`).test(t),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('run in linear time on patterns that make backtracking engines explode', () => {
    const long = `${'a'.repeat(499)}!`;
    for (const p of ['(a+)+$', '(a|a)*b', '(a*)*b', '\\w*\\w*\\w*\\w*\\w*\\w*\\w*\\w*x', '(.*a){20}']) {
      expect(compilePattern(p).test(long), p).toBe(false);
    }
    expect(compilePattern('(a+)+!').test(long)).toBe(true);
  });

  it('refuse what the subset does not have, saying what', () => {
    const refused: [string, RegExp][] = [
      ['(a)\\1', /backreferences/],
      ['(?=a)a', /lookarounds/],
      ['(?<x>a)', /lookarounds and named groups/],
      ['(a', /not closed/],
      ['[ab', /not closed/],
      ['a)', /unmatched/],
      ['*a', /nothing to repeat/],
      ['a{2,1}', /below the minimum/],
      ['a{51}', /up to \{50\}/],
      ['a^b', /only accepted at the start/],
      ['\\bword', /not supported/],
      ['[z-a]', /out of order/],
      ['(a{50}){50}', /too complex/],
    ];
    for (const [p, message] of refused) {
      expect(() => compilePattern(p), p).toThrow(PatternError);
      expect(() => compilePattern(p), p).toThrow(message);
    }
    expect(compilePattern('^colou?r$').test('Colour')).toBe(true);
  });
});

describe('item statistics', () => {
  it('difficulty and discrimination on a hand-computed example', () => {
    // Four attempts at three one-point items (1 = right):
    //        q1 q2 q3
    //   A1    1  1  1
    //   A2    1  0  1
    //   A3    0  0  1
    //   A4    0  1  0
    // q1: x = (1,1,0,0), rest y = (1, .5, .5, .5): p = .5, r = .25 / √(1 · .1875) = 1/√3.
    // q2: x = (1,0,0,1), y = (1, 1, .5, 0): p = .5, r = −.25 / √(1 · .6875) = −1/√11.
    // q3: x = (1,1,1,0), y = (1, .5, 0, .5): p = .75, Σ(x − x̄)(y − ȳ) = 0, r = 0.
    const grid = [
      [1, 1, 1],
      [1, 0, 1],
      [0, 0, 1],
      [0, 1, 0],
    ];
    const attempts = grid.map((row) => ({
      results: row.map((points, i) => ({
        questionId: `q${i + 1}`,
        points,
        max: 1,
        outcome: points ? ('correct' as const) : ('incorrect' as const),
      })),
    }));
    const stats = itemStatistics(attempts);
    expect(stats.get('q1')).toEqual({
      questionId: 'q1',
      attempts: 4,
      meanPoints: 0.5,
      difficulty: 0.5,
      discrimination: Math.round(10_000 / Math.sqrt(3)) / 10_000,
      outcomes: { correct: 2, partial: 0, incorrect: 2, unanswered: 0 },
    });
    expect(stats.get('q2')?.discrimination).toBe(Math.round(-10_000 / Math.sqrt(11)) / 10_000);
    expect(stats.get('q3')).toMatchObject({ difficulty: 0.75, discrimination: 0 });
    // One attempt, or an item everyone got right: no correlation to report.
    expect(itemStatistics(attempts.slice(0, 1)).get('q1')?.discrimination).toBeNull();
    expect(itemStatistics(attempts.slice(0, 3)).get('q3')?.discrimination).toBeNull();
  });
});

describe('draws', () => {
  const bank = [
    ...['a1', 'a2', 'a3', 'a4'].map((id) => ({ id, pool: 'a' })),
    ...['b1', 'b2', 'b3'].map((id) => ({ id, pool: 'b' })),
  ];
  it('take count questions from each pool, in position order, the same for the same seed', () => {
    const settings = {
      draw: [
        { pool: 'b', count: 1 },
        { pool: 'a', count: 2 },
      ],
      shuffleQuestions: false,
    };
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const ids = drawQuestions(bank, settings, seededRandom(`attempt-${i}`));
      expect(ids).toEqual(drawQuestions(bank, settings, seededRandom(`attempt-${i}`)));
      expect(ids).toHaveLength(3);
      expect(ids[0]).toMatch(/^b/);
      expect(ids.slice(1).every((id) => id.startsWith('a'))).toBe(true);
      expect(ids[1]! < ids[2]!).toBe(true);
      seen.add(ids.join());
    }
    // 3 × 6 possible draws: fifty seeds meet most of them.
    expect(seen.size).toBeGreaterThan(10);
  });

  it('shuffle uniformly enough: each of the 6 orders of 3 shows up in 600 seeds', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 600; i++) {
      const key = shuffled(['x', 'y', 'z'], seededRandom(String(i))).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    for (const n of counts.values()) expect(n).toBeGreaterThan(60);
  });
});

describe('outcomeResultsToOb', () => {
  it('points each result at the ResultDescription of its name in that version, with the ids the document has', () => {
    const definition = AchievementDefinition.parse({
      name: 'Data storytelling',
      description: 'Tells a story with data.',
      criteria: { narrative: 'Pass the project.' },
      resultDescription: [
        { name: 'Another quiz', resultType: 'Percent' },
        { name: 'Project', resultType: 'Percent', valueMin: '0', valueMax: '100', requiredValue: '60' },
        {
          name: 'Project: Clarity',
          resultType: 'RubricCriterionLevel',
          rubricCriterionLevel: [
            { name: 'Weak', points: '0' },
            { name: 'Strong', points: '2' },
          ],
        },
        {
          name: 'Project: Depth',
          resultType: 'RubricCriterionLevel',
          rubricCriterionLevel: [
            { name: 'Shallow', points: '0' },
            { name: 'Deep', points: '3' },
          ],
        },
      ],
    });
    const achievementId = '00000000-0000-4000-8000-0000000000aa';
    const version = { achievementId, orgId: achievementId, version: 3, definition, archived: false };
    const results = outcomeResultsToOb('https://skillproof.test', version, 'Project', [
      { type: 'percent', value: 87.5 },
      { type: 'rubric', criterion: 'Clarity', level: 'Strong', points: 2 },
      { type: 'rubric', criterion: 'Depth', level: 'Unheard of' },
      { type: 'rubric', criterion: 'Style', level: 'Deep' },
    ]);
    const url = `https://skillproof.test/achievements/${achievementId}/versions/3`;
    expect(results).toEqual([
      { resultDescription: `${url}#result-2`, value: '87.5' },
      { resultDescription: `${url}#result-3`, achievedLevel: `${url}#result-3-level-2` },
    ]);
    const document = achievementInput('https://skillproof.test', achievementId, 3, definition);
    const described = document.resultDescription!;
    expect(described[1]).toMatchObject({ id: `${url}#result-2`, name: 'Project' });
    expect(described[2]!.rubricCriterionLevel![1]).toMatchObject({ id: `${url}#result-3-level-2`, name: 'Strong' });
    // An assessment the version does not describe (renamed since) gives no result.
    expect(outcomeResultsToOb('https://skillproof.test', version, 'Renamed', [{ type: 'percent', value: 50 }])).toEqual(
      [],
    );
  });
});
