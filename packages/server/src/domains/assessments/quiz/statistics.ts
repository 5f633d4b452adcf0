import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import type { QuestionResult } from './attempts.js';
import type { QuestionOutcome } from './scoring.js';

/** What item statistics are computed from: the per-question results of one scored attempt. */
export interface ScoredAttempt {
  results: readonly QuestionResult[];
}

export interface ItemStatistics {
  questionId: string;
  /** Scored attempts that drew the question. */
  attempts: number;
  meanPoints: number | null;
  difficulty: number | null;
  discrimination: number | null;
  outcomes: Record<QuestionOutcome, number>;
}

/** Pearson's correlation of paired values; null with fewer than two pairs or when either side does not vary. */
function correlation(pairs: readonly (readonly [number, number])[]): number | null {
  if (pairs.length < 2) return null;
  const mx = pairs.reduce((s, [x]) => s + x, 0) / pairs.length;
  const my = pairs.reduce((s, [, y]) => s + y, 0) / pairs.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const [x, y] of pairs) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  }
  // Sums of squares this small are rounding noise around zero: the values do not vary.
  if (sxx < 1e-12 || syy < 1e-12) return null;
  return sxy / Math.sqrt(sxx * syy);
}

const round = (n: number) => Math.round(n * 10_000) / 10_000;

/**
 * Classical item statistics over scored attempts. For attempt a and question i it drew, with `x = points_i / max_i`
 * (the item score, 0–1) and the rest score `y = (score_a − points_i) / (maxScore_a − max_i)` (the fraction of the
 * other questions' points; attempts draw different questions, so fractions rather than sums):
 * - difficulty (p-value) = the mean of x: 1 means everyone earned every point (an easy item), 0 nobody any;
 * - discrimination = Pearson's r between x and y over the attempts that drew the item (the point-biserial correlation
 *   when the item is scored right/wrong), corrected for the item's own part in the total by leaving it out of y:
 *   positive when learners who do well on the rest also do well on the item. Null with fewer than two attempts that
 *   have other questions, or when x or y does not vary.
 * Values are rounded to 4 decimals.
 *
 * @example
 * ```ts
 * itemStatistics([{ results: [{ questionId: 'q1', points: 1, max: 1, outcome: 'correct' }, …] }, …]);
 * ```
 */
export function itemStatistics(attempts: readonly ScoredAttempt[]): Map<string, ItemStatistics> {
  const byItem = new Map<
    string,
    { x: number[]; pairs: [number, number][]; points: number[]; outcomes: Record<QuestionOutcome, number> }
  >();
  for (const { results } of attempts) {
    const score = results.reduce((s, r) => s + r.points, 0);
    const max = results.reduce((s, r) => s + r.max, 0);
    for (const r of results) {
      if (r.max <= 0) continue;
      let item = byItem.get(r.questionId);
      if (!item) {
        item = { x: [], pairs: [], points: [], outcomes: { correct: 0, partial: 0, incorrect: 0, unanswered: 0 } };
        byItem.set(r.questionId, item);
      }
      const x = r.points / r.max;
      item.x.push(x);
      item.points.push(r.points);
      item.outcomes[r.outcome]++;
      const restMax = max - r.max;
      if (restMax > 0) item.pairs.push([x, (score - r.points) / restMax]);
    }
  }
  const out = new Map<string, ItemStatistics>();
  for (const [questionId, item] of byItem) {
    const n = item.x.length;
    const r = correlation(item.pairs);
    out.set(questionId, {
      questionId,
      attempts: n,
      meanPoints: round(item.points.reduce((s, p) => s + p, 0) / n),
      difficulty: round(item.x.reduce((s, x) => s + x, 0) / n),
      discrimination: r === null ? null : round(r),
      outcomes: item.outcomes,
    });
  }
  return out;
}

/** The scored attempts (submitted or expired) at a quiz. */
export async function scoredAttempts(db: Kysely<Database>, assessmentId: string): Promise<ScoredAttempt[]> {
  const rows = await db
    .selectFrom('quizAttempts')
    .select('results')
    .where('assessmentId', '=', assessmentId)
    .where('state', '<>', 'in_progress')
    .where('results', 'is not', null)
    .execute();
  return rows.map((r) => ({ results: r.results as QuestionResult[] }));
}
