import { describe, expect, it } from 'vitest';
import { krippendorffAlpha, pairwiseAgreement } from '../src/domains/assessments/project/agreement.js';
import { attachmentDisposition, contentMatchesType, safeFileName } from '../src/domains/assessments/project/files.js';
import {
  calibrationAccuracy,
  checkLevels,
  combineGradings,
  gradeOf,
  isOutlier,
  nearestLevel,
} from '../src/domains/assessments/project/grading.js';
import { Rubric } from '../src/domains/assessments/project/settings.js';

// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers, twelve units, missing
// values; published α: nominal 0.743, ordinal 0.815, interval 0.849, ratio 0.797. Rows are observers A–D.
const OBSERVERS: (number | null)[][] = [
  [1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null],
  [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3],
  [null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null],
  [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null],
];
const UNITS = OBSERVERS[0]!.map((_, u) => OBSERVERS.map((row) => row[u]!).filter((v) => v !== null));

const rubric = Rubric.parse({
  criteria: [
    {
      id: 'analysis',
      name: 'Analysis',
      levels: [
        { id: 'none', name: 'Missing', points: 0 },
        { id: 'weak', name: 'Weak', points: 1 },
        { id: 'good', name: 'Good', points: 2 },
        { id: 'great', name: 'Excellent', points: 4 },
      ],
    },
    {
      name: 'Clarity',
      levels: [
        { name: 'Unclear', points: 0 },
        { name: 'Clear', points: 2 },
      ],
    },
  ],
});

describe("Krippendorff's alpha", () => {
  it('reproduces the published example for every metric', () => {
    expect(krippendorffAlpha(UNITS, 'nominal')!.toFixed(3)).toBe('0.743');
    expect(krippendorffAlpha(UNITS, 'ordinal')!.toFixed(3)).toBe('0.815');
    expect(krippendorffAlpha(UNITS, 'interval')!.toFixed(3)).toBe('0.849');
    expect(krippendorffAlpha(UNITS, 'ratio')!.toFixed(3)).toBe('0.797');
  });

  it('is 1 for perfect agreement, undefined with no variation or nothing pairable, below 0 for systematic disagreement', () => {
    expect(
      krippendorffAlpha(
        [
          [1, 1],
          [2, 2],
          [3, 3],
        ],
        'interval',
      ),
    ).toBe(1);
    expect(
      krippendorffAlpha(
        [
          [2, 2],
          [2, 2],
        ],
        'ordinal',
      ),
    ).toBeUndefined();
    expect(krippendorffAlpha([[1], [2]], 'interval')).toBeUndefined();
    // Two units, two raters who always disagree: n = 4, o₁₂ = o₂₁ = 2, n₁ = n₂ = 2 → α = 1 − 3·4 / (2·2·2) = −0.5.
    expect(
      krippendorffAlpha(
        [
          [1, 2],
          [2, 1],
        ],
        'nominal',
      ),
    ).toBeCloseTo(-0.5, 12);
  });

  it('pairwise agreement: exact and adjacent fractions over every pair of ratings of a unit', () => {
    // Pairs: (0,0) exact; (1,2) adjacent; (0,2) neither; three raters → 3 pairs: (1,1) exact, (1,3), (1,3).
    expect(
      pairwiseAgreement([
        [0, 0],
        [1, 2],
        [0, 2],
        [1, 1, 3],
      ]),
    ).toEqual({ pairs: 6, exact: 2 / 6, adjacent: 3 / 6 });
    expect(pairwiseAgreement([[1]])).toEqual({ pairs: 0, exact: undefined, adjacent: undefined });
  });
});

describe('rubric grading', () => {
  it('gives ids from positions and checks levels against the rubric', () => {
    expect(rubric.criteria[1]!.id).toBe('c2');
    expect(rubric.criteria[1]!.levels.map((l) => l.id)).toEqual(['l1', 'l2']);
    expect(checkLevels(rubric, { analysis: 'good', c2: 'l2' })).toEqual({ analysis: 'good', c2: 'l2' });
    expect(() => checkLevels(rubric, { analysis: 'good' })).toThrow(
      expect.objectContaining({ code: 'ERR_VALIDATION' }),
    );
    expect(() => checkLevels(rubric, { analysis: 'x', c2: 'l1' })).toThrow(/not a level of "Analysis"/);
    expect(() => checkLevels(rubric, { analysis: 'good', c2: 'l1', c9: 'l1' })).toThrow(/c9: no criterion/);
  });

  it('scores a grade: points, percent of the max score (6), pass mark', () => {
    expect(gradeOf(rubric, { analysis: 'good', c2: 'l2' }, 60)).toEqual({
      levels: { analysis: 'good', c2: 'l2' },
      score: 4,
      maxScore: 6,
      percent: 66.67,
      passed: true,
    });
    expect(gradeOf(rubric, { analysis: 'good', c2: 'l1' }, 40).passed).toBe(false); // 33.33 %
    expect(gradeOf(rubric, { analysis: 'great', c2: 'l1' }, 66.66666666666667).passed).toBe(true); // exactly 4/6
  });

  it('rounds a mean to the nearest level, halfway to the higher', () => {
    const analysis = rubric.criteria[0]!;
    expect(nearestLevel(analysis, 2.9)).toBe('good');
    expect(nearestLevel(analysis, 3)).toBe('great'); // halfway between 2 and 4
    expect(nearestLevel(analysis, 0.5)).toBe('weak');
    expect(nearestLevel(analysis, 0.49)).toBe('none');
  });

  it('combines assessors by the mean per criterion, and peers by their weights', () => {
    // Two assessors: analysis 1 and 4 → mean 2.5 → good (2, nearer than 4); clarity 0 and 2 → 1 → halfway → Clear.
    expect(
      combineGradings(rubric, [
        { levels: { analysis: 'weak', c2: 'l1' } },
        { levels: { analysis: 'great', c2: 'l2' } },
      ]),
    ).toEqual({ levels: { analysis: 'good', c2: 'l2' }, meanScore: 3.5 });
    // Weighted: 0.9 on weak (1), 0.1 on great (4) → 1.3 → weak; clarity 0.9·0 + 0.1·2 = 0.2 → Unclear.
    const weighted = combineGradings(rubric, [
      { levels: { analysis: 'weak', c2: 'l1' }, weight: 0.9 },
      { levels: { analysis: 'great', c2: 'l2' }, weight: 0.1 },
    ]);
    expect(weighted.levels).toEqual({ analysis: 'weak', c2: 'l1' });
    expect(weighted.meanScore).toBeCloseTo(1.5, 12);
    // All weights zero: equal weights.
    expect(
      combineGradings(rubric, [
        { levels: { analysis: 'weak', c2: 'l1' }, weight: 0 },
        { levels: { analysis: 'great', c2: 'l2' }, weight: 0 },
      ]).levels,
    ).toEqual({ analysis: 'good', c2: 'l2' });
  });

  it('calibration accuracy: 1 − mean |points − reference| / top points per criterion, averaged over reviews', () => {
    const reference = { analysis: 'great', c2: 'l2' };
    expect(calibrationAccuracy(rubric, [{ levels: reference, reference }])).toBe(1);
    // |1 − 4| / 4 = 0.75 and |0 − 2| / 2 = 1 → mean error 0.875 → 0.125.
    expect(calibrationAccuracy(rubric, [{ levels: { analysis: 'weak', c2: 'l1' }, reference }])).toBeCloseTo(0.125, 12);
    // Two reviews: 1 and (1 − (2/4 + 0) / 2) = 0.75 → 0.875.
    expect(
      calibrationAccuracy(rubric, [
        { levels: reference, reference },
        { levels: { analysis: 'good', c2: 'l2' }, reference },
      ]),
    ).toBeCloseTo(0.875, 12);
    expect(calibrationAccuracy(rubric, [])).toBeUndefined();
  });

  it('flags a review farther than threshold × max score from the grade', () => {
    // Max score 6, threshold 0.25 → 1.5 points.
    expect(isOutlier(rubric, { analysis: 'weak', c2: 'l1' }, 4, 0.25)).toBe(true); // 1 vs 4
    expect(isOutlier(rubric, { analysis: 'good', c2: 'l1' }, 3.5, 0.25)).toBe(false); // 2 vs 3.5: exactly 1.5
  });
});

describe('submission files', () => {
  const bytes = (...b: number[]) => new Uint8Array(b);
  it('checks the declared type against the content for the common types', () => {
    expect(contentMatchesType('application/pdf', new TextEncoder().encode('%PDF-1.7\n'))).toBe(true);
    expect(contentMatchesType('application/pdf', bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a))).toBe(false);
    expect(contentMatchesType('image/png', bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0))).toBe(true);
    expect(contentMatchesType('image/jpeg', bytes(0xff, 0xd8, 0xff, 0xe0))).toBe(true);
    expect(contentMatchesType('image/jpeg', bytes(0xff, 0xd8))).toBe(false);
    expect(contentMatchesType('application/zip', bytes(0x50, 0x4b, 0x03, 0x04, 1))).toBe(true);
    expect(contentMatchesType('text/plain', new TextEncoder().encode('Hello, wörld\n\tline 2\r\n'))).toBe(true);
    expect(contentMatchesType('text/plain', bytes(0x48, 0x00, 0x49))).toBe(false); // NUL
    expect(contentMatchesType('text/plain', bytes(0xc3, 0x28))).toBe(false); // not UTF-8
    expect(contentMatchesType('application/x-unknown', bytes(1, 2, 3))).toBe(true);
  });

  it('makes file names safe and offers them as attachments', () => {
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('C:\\Users\\me\\report "final".pdf')).toBe('report final.pdf');
    expect(safeFileName('..')).toBe('file');
    expect(attachmentDisposition('résumé (1).pdf')).toBe(
      `attachment; filename="r_sum_ (1).pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%281%29.pdf`,
    );
  });
});
