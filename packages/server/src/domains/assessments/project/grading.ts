import { AppError } from '../../../errors.js';
import { rubricMaxScore, type Rubric, type RubricCriterionOut } from './settings.js';

/** A grade as rubric levels: criterion id → level id, one for every criterion. */
export type Levels = Record<string, string>;

/** A final grade: levels, the score they add up to, and what that means. */
export interface Grade {
  levels: Levels;
  score: number;
  maxScore: number;
  /** 0–100, rounded to two decimals. */
  percent: number;
  passed: boolean;
}

/**
 * Checks that `levels` names one level of every criterion of the rubric and nothing else (`ERR_VALIDATION`, naming
 * the criterion, otherwise).
 *
 * @example
 * ```ts
 * checkLevels(rubric, { c1: 'l2', c2: 'l3' });
 * ```
 */
export function checkLevels(rubric: Rubric, levels: Record<string, string>, field = 'levels'): Levels {
  const known = new Set(rubric.criteria.map((c) => c.id));
  for (const id of Object.keys(levels)) {
    if (!known.has(id))
      throw new AppError('ERR_VALIDATION', `${field}.${id}: no criterion with this id in the rubric.`);
  }
  const out: Levels = {};
  for (const c of rubric.criteria) {
    const level = levels[c.id];
    if (level === undefined) {
      throw new AppError('ERR_VALIDATION', `${field}.${c.id}: a level is required for "${c.name}".`);
    }
    if (!c.levels.some((l) => l.id === level)) {
      throw new AppError(
        'ERR_VALIDATION',
        `${field}.${c.id}: "${level}" is not a level of "${c.name}" (${c.levels.map((l) => l.id).join(', ')}).`,
      );
    }
    out[c.id] = level;
  }
  return out;
}

/** The points of the level a grade gives a criterion. */
export function pointsOf(criterion: RubricCriterionOut, levels: Levels): number {
  const level = criterion.levels.find((l) => l.id === levels[criterion.id]);
  if (!level) throw new Error(`levels lack criterion ${criterion.id}`); // checked by checkLevels before
  return level.points;
}

/** The score of checked levels: the sum of their points. */
export function scoreOf(rubric: Rubric, levels: Levels): number {
  return rubric.criteria.reduce((sum, c) => sum + pointsOf(c, levels), 0);
}

/**
 * The grade checked levels give: score, percent of the max score, and whether it reaches the pass mark.
 *
 * @example
 * ```ts
 * gradeOf(rubric, { c1: 'l2' }, 60); // { score: 2, maxScore: 3, percent: 66.67, passed: true, … }
 * ```
 */
export function gradeOf(rubric: Rubric, levels: Levels, passMark: number): Grade {
  const score = scoreOf(rubric, levels);
  const maxScore = rubricMaxScore(rubric);
  const exact = (score / maxScore) * 100;
  return { levels, score, maxScore, percent: Math.round(exact * 100) / 100, passed: exact >= passMark - 1e-9 };
}

/** The level of `criterion` whose points are nearest `points`; halfway between two levels, the higher one. */
export function nearestLevel(criterion: RubricCriterionOut, points: number): string {
  let best = criterion.levels[0]!;
  for (const l of criterion.levels) {
    if (Math.abs(l.points - points) <= Math.abs(best.points - points) + 1e-9) best = l;
  }
  return best.id;
}

/** One rater's levels for a submission, with how much they count (absent: 1). */
export interface WeightedLevels {
  levels: Levels;
  weight?: number | null;
}

/**
 * Combines several gradings of one submission into one: per criterion, the weighted mean of the points given, rounded
 * to the nearest level (halfway: the higher level). With every weight zero (or none given), the weights are equal.
 * Also answers the weighted mean score before rounding.
 *
 * Why the mean and not the median: with two assessors (the common case) the median is the mean; with weights (peer
 * review) the weighted mean lets an accurate reviewer count more without discarding anyone.
 *
 * @example
 * ```ts
 * combineGradings(rubric, [{ levels: { c1: 'l1' } }, { levels: { c1: 'l3' } }]); // c1 → l2 when l2 lies halfway
 * ```
 */
export function combineGradings(
  rubric: Rubric,
  gradings: readonly WeightedLevels[],
): { levels: Levels; meanScore: number } {
  if (gradings.length === 0) throw new Error('combineGradings needs at least one grading');
  const given = gradings.map((g) => Math.max(0, g.weight ?? 1));
  const total = given.reduce((a, b) => a + b, 0);
  const weights = total > 0 ? given.map((w) => w / total) : given.map(() => 1 / gradings.length);
  const levels: Levels = {};
  let meanScore = 0;
  for (const c of rubric.criteria) {
    const mean = gradings.reduce((sum, g, i) => sum + weights[i]! * pointsOf(c, g.levels), 0);
    meanScore += mean;
    levels[c.id] = nearestLevel(c, mean);
  }
  return { levels, meanScore };
}

/**
 * A reviewer's calibration accuracy from their reviews of reference submissions: per review, 1 − the mean over
 * criteria of |their points − the reference's points| / the criterion's top points; then the mean over reviews.
 * `undefined` when they reviewed no reference.
 *
 * @example
 * ```ts
 * calibrationAccuracy(rubric, [{ levels: { c1: 'l2' }, reference: { c1: 'l3' } }]);
 * ```
 */
export function calibrationAccuracy(
  rubric: Rubric,
  reviews: readonly { levels: Levels; reference: Levels }[],
): number | undefined {
  if (reviews.length === 0) return undefined;
  const perReview = reviews.map((r) => {
    const error =
      rubric.criteria.reduce((sum, c) => {
        const top = Math.max(...c.levels.map((l) => l.points));
        return sum + Math.abs(pointsOf(c, r.levels) - pointsOf(c, r.reference)) / top;
      }, 0) / rubric.criteria.length;
    return 1 - error;
  });
  return perReview.reduce((a, b) => a + b, 0) / perReview.length;
}

/**
 * Whether a review lies farther than `threshold` × the max score from the grade's score (an outlier to flag).
 *
 * @example
 * ```ts
 * isOutlier(rubric, review.levels, grade.score, 0.25);
 * ```
 */
export function isOutlier(rubric: Rubric, levels: Levels, gradeScore: number, threshold: number): boolean {
  return Math.abs(scoreOf(rubric, levels) - gradeScore) > threshold * rubricMaxScore(rubric) + 1e-9;
}
