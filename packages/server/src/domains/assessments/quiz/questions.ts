import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { AppError } from '../../../errors.js';
import { isUuid } from '../../../http/schemas.js';
import { parseInput } from '../schemas.js';
import type { AssessmentRecord } from '../service.js';
import { assertQuizReady } from './draw.js';
import {
  authoringFields,
  QuestionInput,
  readStoredQuestion,
  toStored,
  type QuestionPatch,
  type StoredQuestion,
} from './question-types.js';
import { QuizSettings } from './settings.js';

const QUESTION_COLUMNS = [
  'id',
  'type',
  'prompt',
  'points',
  'pool',
  'position',
  'body',
  'answer',
  'feedback',
  'archivedAt',
] as const;

const questionNotFound = () => new AppError('ERR_NOT_FOUND', 'No question with this id in this quiz.');

/** Throws unless the assessment is a quiz (`ERR_NOT_FOUND`: the item bank belongs to quizzes) that may change. */
export function assertQuiz(assessment: AssessmentRecord, options: { writable?: boolean } = {}): void {
  if (assessment.kind !== 'quiz')
    throw new AppError('ERR_NOT_FOUND', 'This assessment is not a quiz: it has no questions.');
  if (options.writable && assessment.archivedAt) {
    throw new AppError('ERR_STATE', 'This quiz is archived; its questions can no longer change.');
  }
}

/** Whether anyone has started an attempt at the quiz. */
async function hasAttempts(db: Kysely<Database>, assessmentId: string): Promise<boolean> {
  const row = await db
    .selectFrom('quizAttempts')
    .select('id')
    .where('assessmentId', '=', assessmentId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Adds a question to a quiz's bank (at the end unless `position` says otherwise). Call inside a transaction with
 * the quiz's row locked (see `getAssessment(…, { forUpdate: true })`) and the audit record.
 *
 * @example
 * ```ts
 * const q = await createQuestion(tx, quiz, { type: 'true_false', prompt: 'SQL is declarative.', correct: true, points: 1, pool: 'default' }, now);
 * ```
 */
export async function createQuestion(
  db: Kysely<Database>,
  assessment: AssessmentRecord,
  input: QuestionInput,
  now: Date,
): Promise<StoredQuestion> {
  assertQuiz(assessment, { writable: true });
  let position = input.position;
  if (position === undefined) {
    const last = await db
      .selectFrom('quizQuestions')
      .select((eb) => eb.fn.max('position').as('max'))
      .where('assessmentId', '=', assessment.id)
      .executeTakeFirst();
    position = (last?.max ?? 0) + 1;
  }
  const { body, answer } = toStored(input);
  const row = await db
    .insertInto('quizQuestions')
    .values({
      id: randomUUID(),
      assessmentId: assessment.id,
      pool: input.pool,
      position,
      type: input.type,
      prompt: input.prompt,
      points: input.points,
      body: JSON.stringify(body),
      answer: JSON.stringify(answer),
      feedback: input.feedback ? JSON.stringify(input.feedback) : null,
      createdAt: now,
      archivedAt: null,
    })
    .returning(QUESTION_COLUMNS)
    .executeTakeFirstOrThrow();
  return readStoredQuestion(row);
}

/** A quiz's questions in position order; archived ones only when asked. */
export async function listQuestions(
  db: Kysely<Database>,
  assessmentId: string,
  options: { archived?: boolean } = {},
): Promise<StoredQuestion[]> {
  let q = db.selectFrom('quizQuestions').select(QUESTION_COLUMNS).where('assessmentId', '=', assessmentId);
  if (!options.archived) q = q.where('archivedAt', 'is', null);
  const rows = await q.orderBy('position').orderBy('createdAt').orderBy('id').execute();
  return rows.map(readStoredQuestion);
}

/** One question of a quiz (archived too). */
export async function getQuestion(
  db: Kysely<Database>,
  assessmentId: string,
  questionId: string,
): Promise<StoredQuestion> {
  if (!isUuid(questionId)) throw questionNotFound();
  const row = await db
    .selectFrom('quizQuestions')
    .select(QUESTION_COLUMNS)
    .where('assessmentId', '=', assessmentId)
    .where('id', '=', questionId)
    .executeTakeFirst();
  if (!row) throw questionNotFound();
  return readStoredQuestion(row);
}

/** Questions by id (any quiz's: callers pass the ids an attempt drew). */
export async function loadQuestions(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<Map<string, StoredQuestion>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('quizQuestions').select(QUESTION_COLUMNS).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, readStoredQuestion(r)]));
}

const COMMON_FIELDS = ['prompt', 'points', 'pool', 'position', 'feedback'] as const;

/**
 * Changes a question: the patch's fields replace the current ones and the result is checked as a whole question
 * (`null` removes an optional field). Choices, items and options keep their ids where their text stays. Once anyone
 * has attempted the quiz its questions cannot change (`ERR_STATE`: archive the question and add a new one), so that
 * scored attempts and item statistics keep meaning what they meant. Call inside a transaction (quiz row locked).
 */
export async function updateQuestion(
  db: Kysely<Database>,
  assessment: AssessmentRecord,
  questionId: string,
  patch: QuestionPatch,
): Promise<{ question: StoredQuestion; changed: string[] }> {
  assertQuiz(assessment, { writable: true });
  const current = await getQuestion(db, assessment.id, questionId);
  if (current.archived) throw new AppError('ERR_STATE', 'This question is archived; archived questions cannot change.');
  if (await hasAttempts(db, assessment.id)) {
    throw new AppError(
      'ERR_STATE',
      'Learners have attempted this quiz: its questions can no longer change. Archive the question and add a new one.',
    );
  }
  const sameType = patch.type === undefined || patch.type === current.type;
  const merged: Record<string, unknown> = {
    type: current.type,
    prompt: current.prompt,
    points: current.points,
    pool: current.pool,
    position: current.position,
    ...(current.feedback && { feedback: current.feedback }),
    ...(sameType && authoringFields(current)),
  };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else if (value !== undefined) merged[key] = value;
  }
  const input = parseInput(QuestionInput, merged);
  const { body, answer } = toStored(input, current);
  const before = current as unknown as Record<string, unknown>;
  const changed = [
    ...COMMON_FIELDS.filter((k) => JSON.stringify(input[k] ?? null) !== JSON.stringify(before[k] ?? null)),
    ...(input.type !== current.type ? ['type'] : []),
    ...(JSON.stringify(body) !== JSON.stringify(current.body) ||
    JSON.stringify(answer) !== JSON.stringify(current.answer)
      ? ['content']
      : []),
  ];
  if (changed.length === 0) return { question: current, changed };
  const row = await db
    .updateTable('quizQuestions')
    .set({
      type: input.type,
      prompt: input.prompt,
      points: input.points,
      pool: input.pool,
      position: input.position ?? current.position,
      body: JSON.stringify(body),
      answer: JSON.stringify(answer),
      feedback: input.feedback ? JSON.stringify(input.feedback) : null,
    })
    .where('id', '=', questionId)
    .returning(QUESTION_COLUMNS)
    .executeTakeFirstOrThrow();
  if (assessment.state === 'open') await assertQuizReady(db, assessment.id, QuizSettings.parse(assessment.settings));
  return { question: readStoredQuestion(row), changed };
}

/**
 * Archives a question: later attempts no longer draw it; attempts that drew it keep it. An open quiz must keep the
 * questions its draw needs (`ERR_STATE`). Idempotent. Call inside a transaction (quiz row locked).
 */
export async function archiveQuestion(
  db: Kysely<Database>,
  assessment: AssessmentRecord,
  questionId: string,
  now: Date,
): Promise<{ question: StoredQuestion; changed: boolean }> {
  assertQuiz(assessment, { writable: true });
  const current = await getQuestion(db, assessment.id, questionId);
  if (current.archived) return { question: current, changed: false };
  await db.updateTable('quizQuestions').set({ archivedAt: now }).where('id', '=', questionId).execute();
  if (assessment.state === 'open') await assertQuizReady(db, assessment.id, QuizSettings.parse(assessment.settings));
  return { question: await getQuestion(db, assessment.id, questionId), changed: true };
}
