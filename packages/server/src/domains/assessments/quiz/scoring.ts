import { z } from '@hono/zod-openapi';
import { AppError } from '../../../errors.js';
import { MAX_ANSWER_LENGTH, normalizeAnswer, type StoredQuestion } from './question-types.js';
import { compilePattern } from './safe-pattern.js';

const Id = z.string().min(1).max(64);

/**
 * A learner's answer to one question, by the question's type: `choiceId` (single choice), `choiceIds` (multiple
 * choice), `value` (true/false: a boolean; numeric: a number), `text` (short answer), `order` (ordering: every item
 * id, first to last), `matches` (matching: prompt id → option id).
 */
export const AnswerInput = z
  .union([
    z.object({ choiceId: Id }).strict(),
    z.object({ choiceIds: z.array(Id).max(20) }).strict(),
    z.object({ value: z.union([z.boolean(), z.number().min(-1e15).max(1e15)]) }).strict(),
    z.object({ text: z.string().max(MAX_ANSWER_LENGTH) }).strict(),
    z.object({ order: z.array(Id).max(20) }).strict(),
    z.object({ matches: z.record(Id, Id) }).strict(),
  ])
  .openapi('AnswerInput');
export type AnswerInput = z.output<typeof AnswerInput>;

const wrongShape = (q: StoredQuestion, expected: string, path: string) =>
  new AppError('ERR_VALIDATION', `${path}: a ${q.type} question takes ${expected}.`, {
    issues: [{ path, message: `a ${q.type} question takes ${expected}` }],
  });

const unknownIds = (path: string, what: string) =>
  new AppError('ERR_VALIDATION', `${path}: names ${what} this question does not have.`, {
    issues: [{ path, message: `names ${what} this question does not have` }],
  });

/**
 * Checks that an answer fits its question: the right shape for the type, and only ids of the question's own choices,
 * items, prompts and options (`ERR_VALIDATION` at `path` otherwise). Incomplete answers are fine (they score what
 * they score); an ordering answer, when given, orders every item exactly once.
 */
export function checkAnswer(q: StoredQuestion, answer: AnswerInput, path: string): void {
  const has = (list: readonly { id: string }[], ids: readonly string[]) =>
    ids.every((id) => list.some((e) => e.id === id));
  switch (q.type) {
    case 'single_choice':
      if (!('choiceId' in answer)) throw wrongShape(q, '{ choiceId }', path);
      if (!has(q.body.choices, [answer.choiceId])) throw unknownIds(path, 'a choice');
      return;
    case 'multiple_choice':
      if (!('choiceIds' in answer)) throw wrongShape(q, '{ choiceIds }', path);
      if (!has(q.body.choices, answer.choiceIds)) throw unknownIds(path, 'a choice');
      if (new Set(answer.choiceIds).size !== answer.choiceIds.length) throw unknownIds(path, 'a choice twice, or');
      return;
    case 'true_false':
      if (!('value' in answer) || typeof answer.value !== 'boolean') throw wrongShape(q, '{ value: boolean }', path);
      return;
    case 'numeric':
      if (!('value' in answer) || typeof answer.value !== 'number') throw wrongShape(q, '{ value: number }', path);
      return;
    case 'short_answer':
      if (!('text' in answer)) throw wrongShape(q, '{ text }', path);
      return;
    case 'ordering': {
      if (!('order' in answer)) throw wrongShape(q, '{ order }', path);
      const ids = new Set(answer.order);
      if (ids.size !== q.body.items.length || answer.order.length !== ids.size || !has(q.body.items, answer.order)) {
        throw new AppError('ERR_VALIDATION', `${path}: order lists every item of the question exactly once.`, {
          issues: [{ path, message: 'order lists every item of the question exactly once' }],
        });
      }
      return;
    }
    case 'matching': {
      if (!('matches' in answer)) throw wrongShape(q, '{ matches }', path);
      if (!has(q.body.prompts, Object.keys(answer.matches))) throw unknownIds(path, 'a prompt');
      if (!has(q.body.options, Object.values(answer.matches))) throw unknownIds(path, 'an option');
      return;
    }
  }
}

/** How a question went: every point, some, none (answered), or no answer. */
export type QuestionOutcome = 'correct' | 'partial' | 'incorrect' | 'unanswered';

export interface QuestionScore {
  points: number;
  max: number;
  outcome: QuestionOutcome;
}

/** Rounds away floating-point noise (points are sums of fractions of at most 1,000). */
const tidy = (n: number) => Math.round(n * 1e6) / 1e6;

/**
 * The fraction (0–1) of a question's points an answer earns. The rules:
 * - single choice, true/false: 1 for the correct choice (value), else 0;
 * - multiple choice, `all_or_nothing`: 1 when exactly the correct choices are selected, else 0;
 *   `partial`: max(0, (correct selected − incorrect selected) / number of correct choices): a wrong choice cancels a
 *   right one, and the total is never negative;
 * - numeric: 1 when |answer − value| ≤ tolerance (plus 1e-9 relative slack for floating point), else 0;
 * - short answer: 1 when the normalised answer (see `normalizeAnswer`) equals a normalised accepted answer or matches
 *   a pattern as a whole, else 0;
 * - ordering: 1 for exactly the correct order, else 0 (all or nothing: a near-miss is still the wrong order);
 * - matching: the fraction of prompts matched to their option (proportional).
 * An answer of the wrong shape (not checked, e.g. stored before a change) earns 0.
 */
export function answerFraction(q: StoredQuestion, answer: AnswerInput): number {
  switch (q.type) {
    case 'single_choice':
      return 'choiceId' in answer && answer.choiceId === q.answer.correct ? 1 : 0;
    case 'multiple_choice': {
      if (!('choiceIds' in answer)) return 0;
      const selected = new Set(answer.choiceIds);
      const correct = new Set(q.answer.correct);
      const hits = [...selected].filter((id) => correct.has(id)).length;
      const misses = selected.size - hits;
      if (q.answer.scoring === 'all_or_nothing') return hits === correct.size && misses === 0 ? 1 : 0;
      return Math.max(0, (hits - misses) / correct.size);
    }
    case 'true_false':
      return 'value' in answer && answer.value === q.answer.correct ? 1 : 0;
    case 'numeric': {
      if (!('value' in answer) || typeof answer.value !== 'number') return 0;
      const slack = 1e-9 * Math.max(1, Math.abs(q.answer.value));
      return Math.abs(answer.value - q.answer.value) <= q.answer.tolerance + slack ? 1 : 0;
    }
    case 'short_answer': {
      if (!('text' in answer) || answer.text.length > MAX_ANSWER_LENGTH) return 0;
      const { caseSensitive } = q.answer;
      const given = normalizeAnswer(answer.text, caseSensitive);
      if (q.answer.accepted.some((a) => normalizeAnswer(a, caseSensitive) === given)) return 1;
      return q.answer.patterns.some((p) => compilePattern(p, { caseSensitive }).test(given)) ? 1 : 0;
    }
    case 'ordering':
      return 'order' in answer &&
        answer.order.length === q.answer.order.length &&
        answer.order.every((id, i) => id === q.answer.order[i])
        ? 1
        : 0;
    case 'matching': {
      if (!('matches' in answer)) return 0;
      const prompts = Object.keys(q.answer.pairs);
      const right = prompts.filter((p) => Object.hasOwn(answer.matches, p) && answer.matches[p] === q.answer.pairs[p]);
      return right.length / prompts.length;
    }
  }
}

/** Whether an answer says anything (an empty text or selection is no answer). */
function isAnswered(answer: AnswerInput | undefined): answer is AnswerInput {
  if (answer === undefined) return false;
  if ('text' in answer) return answer.text.trim() !== '';
  if ('choiceIds' in answer) return answer.choiceIds.length > 0;
  if ('matches' in answer) return Object.keys(answer.matches).length > 0;
  if ('order' in answer) return answer.order.length > 0;
  return true;
}

/**
 * Scores one question: its points × {@link answerFraction}; no answer scores 0.
 *
 * @example
 * ```ts
 * scoreQuestion(question, { choiceId: 'a1b2c3d4e5' }); // { points: 2, max: 2, outcome: 'correct' }
 * ```
 */
export function scoreQuestion(q: StoredQuestion, answer: AnswerInput | undefined): QuestionScore {
  if (!isAnswered(answer)) return { points: 0, max: q.points, outcome: 'unanswered' };
  const fraction = answerFraction(q, answer);
  const points = fraction >= 1 ? q.points : tidy(q.points * fraction);
  return {
    points,
    max: q.points,
    outcome: fraction >= 1 ? 'correct' : fraction > 0 ? 'partial' : 'incorrect',
  };
}

/** An attempt's total: score, max score, percent (rounded to 2 decimals) and pass (percent ≥ pass mark). */
export function scoreTotal(
  scores: readonly QuestionScore[],
  passMark: number,
): { score: number; maxScore: number; percent: number; passed: boolean } {
  const score = tidy(scores.reduce((s, q) => s + q.points, 0));
  const maxScore = tidy(scores.reduce((s, q) => s + q.max, 0));
  const exact = maxScore > 0 ? (score / maxScore) * 100 : 0;
  return { score, maxScore, percent: Math.round(exact * 100) / 100, passed: exact >= passMark - 1e-9 };
}
