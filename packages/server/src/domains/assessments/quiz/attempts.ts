import { randomUUID } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { AppError } from '../../../errors.js';
import type { AppDeps } from '../../../http/env.js';
import type { Cursor } from '../../../http/pagination.js';
import { isUuid } from '../../../http/schemas.js';
import type { AwardResult } from '../../awards/engine.js';
import { recordAssessmentOutcome } from '../../awards/outcomes.js';
import { decimalString } from '../result-descriptions.js';
import { parseSettings } from '../schemas.js';
import {
  assertTakingOpen,
  getAssessmentById,
  getLearnerAssessment,
  isAssessmentOver,
  type AssessmentRecord,
} from '../service.js';
import { activeBank, drawQuestions, seededRandom, shuffled } from './draw.js';
import { LearnerQuestionJson, learnerQuestion, type DisplayOrder, type StoredQuestion } from './question-types.js';
import { loadQuestions } from './questions.js';
import { AnswerInput, checkAnswer, scoreQuestion, scoreTotal, type QuestionOutcome } from './scoring.js';
import type { QuizSettings } from './settings.js';

/** A question an attempt drew, with the order its lists are shown in. */
interface AttemptQuestion {
  id: string;
  order: DisplayOrder;
}

/** How one question of a scored attempt went: what item statistics are computed from. */
export interface QuestionResult {
  questionId: string;
  points: number;
  max: number;
  outcome: QuestionOutcome;
}

const ATTEMPT_COLUMNS = [
  'id',
  'assessmentId',
  'learnerUserId',
  'number',
  'state',
  'startedAt',
  'deadlineAt',
  'submittedAt',
  'questions',
  'answers',
  'results',
  'score',
  'maxScore',
  'percent',
  'passed',
] as const;

type AttemptRow = {
  id: string;
  assessmentId: string;
  learnerUserId: string;
  number: number;
  state: 'in_progress' | 'submitted' | 'expired';
  startedAt: Date;
  deadlineAt: Date | null;
  submittedAt: Date | null;
  questions: AttemptQuestion[];
  answers: Record<string, AnswerInput>;
  results: QuestionResult[] | null;
  score: number | null;
  maxScore: number | null;
  percent: number | null;
  passed: boolean | null;
};

const toAttempt = (row: Record<(typeof ATTEMPT_COLUMNS)[number], unknown>): AttemptRow => row as AttemptRow;

const attemptNotFound = () => new AppError('ERR_NOT_FOUND', 'You have no attempt with this id.');

// --- what learners see

const QuestionFeedbackJson = z.object({
  questionId: z.uuid(),
  points: z.number(),
  maxPoints: z.number(),
  outcome: z.enum(['correct', 'partial', 'incorrect', 'unanswered']),
  feedback: z.string().optional().openapi({ description: "The author's feedback for this outcome." }),
});

/** An attempt as its learner sees it: the questions drawn (learner view), their own answers, and once scored the result. */
export const AttemptJson = z
  .object({
    id: z.uuid(),
    assessmentId: z.uuid(),
    number: z.number().int(),
    state: z.enum(['in_progress', 'submitted', 'expired']),
    startedAt: z.iso.datetime(),
    deadlineAt: z.iso.datetime().nullable(),
    submittedAt: z.iso.datetime().nullable(),
    questions: z.array(LearnerQuestionJson),
    answers: z.record(z.string(), AnswerInput),
    score: z.number().nullable(),
    maxScore: z.number().nullable(),
    percent: z.number().nullable(),
    passed: z.boolean().nullable(),
    feedback: z
      .object({ questions: z.array(QuestionFeedbackJson) })
      .optional()
      .openapi({
        description:
          'Per question: points and outcome, with the author’s feedback. Present once the attempt is scored, when the ' +
          'quiz gives feedback at once, or after it closed (`after_close`).',
      }),
  })
  .openapi('QuizAttempt');
export type AttemptJson = z.infer<typeof AttemptJson>;

/** An attempt in a learner's list. */
export const AttemptSummaryJson = z
  .object({
    id: z.uuid(),
    assessmentId: z.uuid(),
    assessmentTitle: z.string(),
    number: z.number().int(),
    state: z.enum(['in_progress', 'submitted', 'expired']),
    startedAt: z.iso.datetime(),
    deadlineAt: z.iso.datetime().nullable(),
    submittedAt: z.iso.datetime().nullable(),
    score: z.number().nullable(),
    maxScore: z.number().nullable(),
    percent: z.number().nullable(),
    passed: z.boolean().nullable(),
  })
  .openapi('QuizAttemptSummary');
export type AttemptSummaryJson = z.infer<typeof AttemptSummaryJson>;

function attemptJson(
  attempt: AttemptRow,
  assessment: AssessmentRecord,
  questions: ReadonlyMap<string, StoredQuestion>,
  now: Date,
): AttemptJson {
  const settings = parseSettings('quiz', assessment.settings);
  const finished = attempt.state !== 'in_progress';
  const showFeedback =
    finished &&
    (settings.feedback === 'immediate' || (settings.feedback === 'after_close' && isAssessmentOver(assessment, now)));
  const feedback = showFeedback
    ? {
        questions: (attempt.results ?? []).map((r) => {
          const q = questions.get(r.questionId);
          const text = r.outcome === 'correct' ? q?.feedback?.correct : q?.feedback?.incorrect;
          return {
            questionId: r.questionId,
            points: r.points,
            maxPoints: r.max,
            outcome: r.outcome,
            ...(text !== undefined && { feedback: text }),
          };
        }),
      }
    : undefined;
  return {
    id: attempt.id,
    assessmentId: attempt.assessmentId,
    number: attempt.number,
    state: attempt.state,
    startedAt: attempt.startedAt.toISOString(),
    deadlineAt: attempt.deadlineAt?.toISOString() ?? null,
    submittedAt: attempt.submittedAt?.toISOString() ?? null,
    questions: attempt.questions.flatMap((aq) => {
      const q = questions.get(aq.id);
      return q ? [learnerQuestion(q, aq.order)] : [];
    }),
    answers: attempt.answers,
    score: attempt.score,
    maxScore: attempt.maxScore,
    percent: attempt.percent,
    passed: attempt.passed,
    ...(feedback && { feedback }),
  };
}

async function renderAttempt(db: Kysely<Database>, attempt: AttemptRow, assessment: AssessmentRecord, now: Date) {
  const questions = await loadQuestions(
    db,
    attempt.questions.map((q) => q.id),
  );
  return attemptJson(attempt, assessment, questions, now);
}

// --- scoring an attempt

/**
 * Scores an attempt as its answers stand, marks it `submitted` (or `expired`: its deadline passed; it ended then),
 * and records the outcome for the award engine, in the caller's transaction. Returns the awards that issued.
 */
async function finalizeAttempt(
  tx: Kysely<Database>,
  deps: AppDeps,
  attempt: AttemptRow,
  assessment: AssessmentRecord,
  state: 'submitted' | 'expired',
  now: Date,
): Promise<{ attempt: AttemptRow; awards: AwardResult[] }> {
  const settings = parseSettings('quiz', assessment.settings);
  const questions = await loadQuestions(
    tx,
    attempt.questions.map((q) => q.id),
  );
  const results: QuestionResult[] = attempt.questions.flatMap((aq) => {
    const q = questions.get(aq.id);
    return q ? [{ questionId: q.id, ...scoreQuestion(q, attempt.answers[q.id]) }] : [];
  });
  const total = scoreTotal(results, settings.passMark);
  const endedAt = state === 'expired' && attempt.deadlineAt ? attempt.deadlineAt : now;
  const row = await tx
    .updateTable('quizAttempts')
    .set({
      state,
      submittedAt: endedAt,
      results: JSON.stringify(results),
      score: total.score,
      maxScore: total.maxScore,
      percent: total.percent,
      passed: total.passed,
    })
    .where('id', '=', attempt.id)
    .returning(ATTEMPT_COLUMNS)
    .executeTakeFirstOrThrow();
  const { awards } = await recordAssessmentOutcome(tx, deps, {
    orgId: assessment.orgId,
    assessmentId: assessment.id,
    learnerUserId: attempt.learnerUserId,
    source: 'quiz_attempt',
    sourceId: attempt.id,
    passed: total.passed,
    percent: total.percent,
    results: [{ type: 'percent', value: total.percent }],
    evidence: [
      {
        id: `${deps.publicUrl}/assessments/${assessment.id}`,
        name: assessment.title,
        genre: 'Quiz',
        description:
          `Scored ${decimalString(total.percent)}% (${decimalString(total.score)} of ${decimalString(total.maxScore)} ` +
          `points; pass mark ${decimalString(settings.passMark)}%)${state === 'expired' ? ' when time ran out' : ''}.`,
      },
    ],
    at: endedAt,
  });
  return { attempt: toAttempt(row), awards };
}

const isPastDeadline = (attempt: Pick<AttemptRow, 'deadlineAt'>, now: Date) =>
  attempt.deadlineAt !== null && now > attempt.deadlineAt;

/**
 * Scores, as they stood, the learner's attempts still in progress past their deadline (marked `expired`), each in
 * its own committed transaction: an attempt ends when its time runs out, whatever the request that notices.
 */
async function settleExpired(
  deps: AppDeps,
  where: { learnerUserId: string; assessmentId?: string; attemptId?: string },
): Promise<void> {
  const now = deps.clock();
  let q = deps.db
    .selectFrom('quizAttempts')
    .select('id')
    .where('learnerUserId', '=', where.learnerUserId)
    .where('state', '=', 'in_progress')
    .where('deadlineAt', '<', now);
  if (where.assessmentId) q = q.where('assessmentId', '=', where.assessmentId);
  if (where.attemptId) q = q.where('id', '=', where.attemptId);
  for (const { id } of await q.execute()) {
    await deps.db.transaction().execute(async (tx) => {
      const row = await tx
        .selectFrom('quizAttempts')
        .select(ATTEMPT_COLUMNS)
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirstOrThrow();
      const attempt = toAttempt(row);
      if (attempt.state !== 'in_progress' || !isPastDeadline(attempt, now)) return;
      const assessment = await getAssessmentById(tx, attempt.assessmentId);
      await finalizeAttempt(tx, deps, attempt, assessment, 'expired', now);
    });
  }
}

// --- starting an attempt

/** Where a learner stands with a quiz: attempts used and left, the cool-down, an attempt in progress, the best result. */
export async function quizLearnerStatus(
  db: Kysely<Database>,
  assessment: AssessmentRecord,
  learnerUserId: string,
): Promise<{
  attemptsUsed: number;
  attemptsLeft: number | null;
  nextAttemptAt: Date | null;
  inProgressAttemptId: string | null;
  bestPercent: number | null;
  passed: boolean;
}> {
  const settings = parseSettings('quiz', assessment.settings);
  const attempts = await db
    .selectFrom('quizAttempts')
    .select(['id', 'state', 'submittedAt', 'percent', 'passed'])
    .where('assessmentId', '=', assessment.id)
    .where('learnerUserId', '=', learnerUserId)
    .orderBy('number')
    .execute();
  const lastEnd = attempts.reduce<Date | null>(
    (latest, a) => (a.submittedAt && (!latest || a.submittedAt > latest) ? a.submittedAt : latest),
    null,
  );
  const percents = attempts.flatMap((a) => (a.percent === null ? [] : [a.percent]));
  return {
    attemptsUsed: attempts.length,
    attemptsLeft: settings.maxAttempts === undefined ? null : Math.max(0, settings.maxAttempts - attempts.length),
    nextAttemptAt:
      settings.cooldownSeconds !== undefined && lastEnd
        ? new Date(lastEnd.getTime() + settings.cooldownSeconds * 1000)
        : null,
    inProgressAttemptId: attempts.find((a) => a.state === 'in_progress')?.id ?? null,
    bestPercent: percents.length > 0 ? Math.max(...percents) : null,
    passed: attempts.some((a) => a.passed === true),
  };
}

/** The display order of each list of a question for one attempt (see QuizSettings.shuffleChoices). */
function displayOrder(q: StoredQuestion, settings: QuizSettings, random: () => number): DisplayOrder {
  const ids = (list: readonly { id: string }[]) => list.map((e) => e.id);
  const maybe = (list: readonly { id: string }[]) =>
    settings.shuffleChoices ? shuffled(ids(list), random) : ids(list);
  switch (q.type) {
    case 'single_choice':
    case 'multiple_choice':
      return { choices: maybe(q.body.choices) };
    // The authored order of items to order, and of options to match, is the key: they are always shuffled.
    case 'ordering':
      return { items: shuffled(ids(q.body.items), random) };
    case 'matching':
      return { prompts: maybe(q.body.prompts), options: shuffled(ids(q.body.options), random) };
    default:
      return {};
  }
}

/**
 * Starts a learner's attempt at an open quiz: the questions drawn (from pools, shuffled, seeded by the attempt's id)
 * and the deadline fixed now (start + time limit, capped by the quiz's `closesAt`). Refuses with
 * `ERR_ASSESSMENT_CLOSED` outside the quiz's window, `ERR_ATTEMPT_LIMIT` when the attempts are used up,
 * `ERR_COOLDOWN` (with `retryAfter` seconds) while the cool-down after the last attempt runs, and `ERR_STATE` (with
 * `attemptId`) while another attempt is in progress. An attempt past its deadline is scored (expired) first.
 *
 * @example
 * ```ts
 * const attempt = await startAttempt(deps, assessmentId, learnerUserId);
 * ```
 */
export async function startAttempt(deps: AppDeps, assessmentId: string, learnerUserId: string): Promise<AttemptJson> {
  if (isUuid(assessmentId)) await settleExpired(deps, { learnerUserId, assessmentId });
  const now = deps.clock();
  return deps.db.transaction().execute(async (tx) => {
    const { assessment } = await getLearnerAssessment(tx, assessmentId);
    if (assessment.kind !== 'quiz') throw new AppError('ERR_NOT_FOUND', 'This assessment is not a quiz.');
    // One start at a time per learner and quiz: the limits below are checked and the attempt numbered under it.
    await sql`SELECT pg_advisory_xact_lock(hashtext(${assessmentId}), hashtext(${learnerUserId}))`.execute(tx);
    const settings = parseSettings('quiz', assessment.settings);
    const status = await quizLearnerStatus(tx, assessment, learnerUserId);
    if (status.inProgressAttemptId) {
      throw new AppError('ERR_STATE', 'You have an attempt in progress at this quiz: finish it first.', {
        attemptId: status.inProgressAttemptId,
      });
    }
    assertTakingOpen(assessment, now);
    if (status.attemptsLeft === 0) {
      throw new AppError('ERR_ATTEMPT_LIMIT', `You have used all ${settings.maxAttempts} attempts at this quiz.`, {
        maxAttempts: settings.maxAttempts,
      });
    }
    if (status.nextAttemptAt && now < status.nextAttemptAt) {
      const retryAfter = Math.ceil((status.nextAttemptAt.getTime() - now.getTime()) / 1000);
      throw new AppError(
        'ERR_COOLDOWN',
        `You can start your next attempt in ${retryAfter} s (at ${status.nextAttemptAt.toISOString()}).`,
        { retryAfter, nextAttemptAt: status.nextAttemptAt.toISOString() },
        { 'Retry-After': String(retryAfter) },
      );
    }
    const id = randomUUID();
    const random = seededRandom(id);
    const drawn = drawQuestions(await activeBank(tx, assessment.id), settings, random);
    const questions = await loadQuestions(tx, drawn);
    const attemptQuestions: AttemptQuestion[] = drawn.map((qid) => ({
      id: qid,
      order: displayOrder(questions.get(qid)!, settings, random),
    }));
    const limit =
      settings.timeLimitSeconds !== undefined ? new Date(now.getTime() + settings.timeLimitSeconds * 1000) : null;
    const deadlineAt =
      limit && assessment.closesAt
        ? limit < assessment.closesAt
          ? limit
          : assessment.closesAt
        : (limit ?? assessment.closesAt);
    const row = await tx
      .insertInto('quizAttempts')
      .values({
        id,
        assessmentId: assessment.id,
        learnerUserId,
        number: status.attemptsUsed + 1,
        state: 'in_progress',
        startedAt: now,
        deadlineAt,
        submittedAt: null,
        questions: JSON.stringify(attemptQuestions),
        answers: '{}',
      })
      .returning(ATTEMPT_COLUMNS)
      .executeTakeFirstOrThrow();
    return attemptJson(toAttempt(row), assessment, questions, now);
  });
}

/** A learner's own attempt, its row locked when `forUpdate` (another's, or none: `ERR_NOT_FOUND`). */
async function getOwnAttempt(
  db: Kysely<Database>,
  attemptId: string,
  learnerUserId: string,
  options: { forUpdate?: boolean } = {},
): Promise<{ attempt: AttemptRow; assessment: AssessmentRecord }> {
  if (!isUuid(attemptId)) throw attemptNotFound();
  let q = db
    .selectFrom('quizAttempts')
    .select(ATTEMPT_COLUMNS)
    .where('id', '=', attemptId)
    .where('learnerUserId', '=', learnerUserId);
  if (options.forUpdate) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw attemptNotFound();
  return { attempt: toAttempt(row), assessment: await getAssessmentById(db, row.assessmentId) };
}

/** A learner's own attempt (scored as expired first, if its deadline passed). */
export async function getAttempt(deps: AppDeps, attemptId: string, learnerUserId: string): Promise<AttemptJson> {
  if (isUuid(attemptId)) await settleExpired(deps, { learnerUserId, attemptId });
  const { attempt, assessment } = await getOwnAttempt(deps.db, attemptId, learnerUserId);
  return renderAttempt(deps.db, attempt, assessment, deps.clock());
}

/**
 * Saves answers to an attempt in progress: each replaces the question's saved answer (`null` clears it); each is
 * checked against its question (`ERR_VALIDATION`). Answers are taken up to and including the deadline's instant;
 * after it: `ERR_DEADLINE_PASSED`, and the attempt is scored as it stood (expired). A scored attempt: `ERR_STATE`.
 */
export async function saveAnswers(
  deps: AppDeps,
  attemptId: string,
  learnerUserId: string,
  answers: Record<string, AnswerInput | null>,
): Promise<AttemptJson> {
  if (isUuid(attemptId)) await settleExpired(deps, { learnerUserId, attemptId });
  const now = deps.clock();
  return deps.db.transaction().execute(async (tx) => {
    const { attempt, assessment } = await getOwnAttempt(tx, attemptId, learnerUserId, { forUpdate: true });
    if (attempt.state === 'expired' || (attempt.state === 'in_progress' && isPastDeadline(attempt, now))) {
      throw new AppError(
        'ERR_DEADLINE_PASSED',
        `The time for this attempt ran out at ${attempt.deadlineAt?.toISOString()}: it was scored as it stood.`,
        { deadlineAt: attempt.deadlineAt?.toISOString() ?? null },
      );
    }
    if (attempt.state !== 'in_progress') throw new AppError('ERR_STATE', 'This attempt has been submitted.');
    const questions = await loadQuestions(
      tx,
      attempt.questions.map((q) => q.id),
    );
    const saved = { ...attempt.answers };
    for (const [questionId, answer] of Object.entries(answers)) {
      const path = `answers.${questionId}`;
      const question = attempt.questions.some((q) => q.id === questionId) ? questions.get(questionId) : undefined;
      if (!question) {
        throw new AppError('ERR_VALIDATION', `${path}: this attempt has no such question.`, {
          issues: [{ path, message: 'this attempt has no such question' }],
        });
      }
      if (answer === null) {
        delete saved[questionId];
        continue;
      }
      checkAnswer(question, answer, path);
      saved[questionId] = answer;
    }
    const row = await tx
      .updateTable('quizAttempts')
      .set({ answers: JSON.stringify(saved) })
      .where('id', '=', attemptId)
      .returning(ATTEMPT_COLUMNS)
      .executeTakeFirstOrThrow();
    return attemptJson(toAttempt(row), assessment, questions, now);
  });
}

/**
 * Submits an attempt: scored, `submitted` (or `expired` when its deadline passed: scored as it stood at the
 * deadline), the outcome recorded and the award engine run in the same transaction. Returns the attempt (with the
 * result) and the credentials it earned. An attempt already scored: `ERR_STATE`.
 */
export async function submitAttempt(
  deps: AppDeps,
  attemptId: string,
  learnerUserId: string,
): Promise<{ attempt: AttemptJson; awards: AwardResult[] }> {
  const now = deps.clock();
  return deps.db.transaction().execute(async (tx) => {
    const { attempt, assessment } = await getOwnAttempt(tx, attemptId, learnerUserId, { forUpdate: true });
    if (attempt.state !== 'in_progress') throw new AppError('ERR_STATE', 'This attempt has been scored already.');
    const state = isPastDeadline(attempt, now) ? 'expired' : 'submitted';
    const done = await finalizeAttempt(tx, deps, attempt, assessment, state, now);
    return { attempt: await renderAttempt(tx, done.attempt, assessment, now), awards: done.awards };
  });
}

/** A page of a learner's attempts, newest first (optionally at one quiz); expired ones are scored first. */
export async function listMyAttempts(
  deps: AppDeps,
  learnerUserId: string,
  options: { assessmentId?: string; limit: number; after?: Cursor },
): Promise<(AttemptSummaryJson & { cursor: Cursor })[]> {
  await settleExpired(deps, { learnerUserId });
  let q = deps.db
    .selectFrom('quizAttempts as t')
    .innerJoin('assessments as a', 'a.id', 't.assessmentId')
    .select([
      't.id',
      't.assessmentId',
      'a.title',
      't.number',
      't.state',
      't.startedAt',
      't.deadlineAt',
      't.submittedAt',
      't.score',
      't.maxScore',
      't.percent',
      't.passed',
    ])
    .where('t.learnerUserId', '=', learnerUserId);
  if (options.assessmentId) q = q.where('t.assessmentId', '=', options.assessmentId);
  const { after } = options;
  if (after) {
    q = q.where((eb) =>
      eb.or([eb('t.startedAt', '<', after.at), eb.and([eb('t.startedAt', '=', after.at), eb('t.id', '<', after.id)])]),
    );
  }
  const rows = await q.orderBy('t.startedAt', 'desc').orderBy('t.id', 'desc').limit(options.limit).execute();
  return rows.map((r) => ({
    id: r.id,
    assessmentId: r.assessmentId,
    assessmentTitle: r.title,
    number: r.number,
    state: r.state,
    startedAt: r.startedAt.toISOString(),
    deadlineAt: r.deadlineAt?.toISOString() ?? null,
    submittedAt: r.submittedAt?.toISOString() ?? null,
    score: r.score,
    maxScore: r.maxScore,
    percent: r.percent,
    passed: r.passed,
    cursor: { at: r.startedAt, id: r.id },
  }));
}

/** Scores the learner's attempt at this quiz if its time ran out: call before reading where they stand. */
export const settleLearnerQuiz = (deps: AppDeps, assessmentId: string, learnerUserId: string) =>
  isUuid(assessmentId) ? settleExpired(deps, { learnerUserId, assessmentId }) : Promise.resolve();
