import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { access } from '../../../http/access.js';
import { auditedWrite } from '../../../http/audited-write.js';
import type { AppEnv } from '../../../http/env.js';
import { decodeCursor, encodeCursor, pageOf, PageQuery } from '../../../http/pagination.js';
import { route } from '../../../http/route.js';
import { errorResponse, jsonBody, jsonResponse, OrgParams } from '../../../http/schemas.js';
import { getAssessment } from '../service.js';
import {
  AttemptJson,
  AttemptSummaryJson,
  getAttempt,
  listMyAttempts,
  saveAnswers,
  startAttempt,
  submitAttempt,
} from './attempts.js';
import { QuestionInput, QuestionJson, QuestionPatch, questionJson } from './question-types.js';
import { archiveQuestion, assertQuiz, createQuestion, listQuestions, updateQuestion } from './questions.js';
import { AnswerInput } from './scoring.js';
import { itemStatistics, scoredAttempts } from './statistics.js';

const TAGS = ['Quizzes'];
const QUIZ = '/api/v1/orgs/{orgId}/assessments/{assessmentId}';

// The item bank holds the answer keys: issuers (who author quizzes) read and write it; viewers see statistics only.
const BANK_READ = access.org('issuer', 'assessments:read');
const BANK_WRITE = access.org('issuer', 'assessments:write');
const STATS = access.org('viewer', 'assessments:read');
const TAKE = access.signedIn({ scope: 'assessments:take' });

const QuizParams = OrgParams.extend({ assessmentId: z.uuid() });
const QuestionParams = QuizParams.extend({ questionId: z.uuid() });
const AttemptParams = z.object({ attemptId: z.uuid() });
const QuestionBody = z.object({ question: QuestionJson });

const AwardJson = z
  .object({ awardId: z.uuid(), achievementId: z.uuid(), credentialId: z.uuid(), generation: z.number().int() })
  .openapi('Award');

const createQuestionRoute = route({
  method: 'post',
  path: `${QUIZ}/questions`,
  access: BANK_WRITE,
  summary: "Add a question to a quiz's item bank",
  description:
    'Types: single_choice (exactly one correct choice), multiple_choice (at least one; all-or-nothing or partial ' +
    'scoring), true_false, numeric (value ± tolerance), short_answer (accepted answers and/or safe patterns), ' +
    'ordering (items in their correct order), matching (pairs, optional distractors). Choices, items and options get ' +
    'random ids.',
  tags: TAGS,
  request: { params: QuizParams, body: jsonBody(QuestionInput) },
  responses: { 201: jsonResponse('Created', QuestionBody), 404: errorResponse('No such quiz (`ERR_NOT_FOUND`).') },
});

const listQuestionsRoute = route({
  method: 'get',
  path: `${QUIZ}/questions`,
  access: BANK_READ,
  summary: "A quiz's item bank",
  description: 'Every question with its answer key, in position order.',
  tags: TAGS,
  request: {
    params: QuizParams,
    query: z.object({
      archived: z.enum(['true', 'false']).default('false').openapi({ description: 'Include archived questions.' }),
    }),
  },
  responses: { 200: jsonResponse('The questions', z.object({ questions: z.array(QuestionJson) })) },
});

const patchQuestionRoute = route({
  method: 'patch',
  path: `${QUIZ}/questions/{questionId}`,
  access: BANK_WRITE,
  summary: 'Change a question',
  description:
    'The fields given replace the current ones (`null` removes an optional one); the result is checked as a whole ' +
    'question. Once anyone has attempted the quiz, questions cannot change (`ERR_STATE`): archive and add instead.',
  tags: TAGS,
  request: { params: QuestionParams, body: jsonBody(QuestionPatch) },
  responses: { 200: jsonResponse('The question', QuestionBody), 409: errorResponse('Not changeable (`ERR_STATE`).') },
});

const archiveQuestionRoute = route({
  method: 'delete',
  path: `${QUIZ}/questions/{questionId}`,
  access: BANK_WRITE,
  summary: 'Archive a question',
  description:
    'Attempts no longer draw it; attempts that did keep it. An open quiz must keep what its draw needs. Idempotent.',
  tags: TAGS,
  request: { params: QuestionParams },
  responses: { 200: jsonResponse('The archived question', QuestionBody) },
});

const ItemStatisticsJson = z
  .object({
    questionId: z.uuid(),
    type: z.string(),
    pool: z.string(),
    prompt: z.string(),
    points: z.number(),
    archived: z.boolean(),
    attempts: z.number().int().openapi({ description: 'Scored attempts that drew the question.' }),
    meanPoints: z.number().nullable(),
    difficulty: z.number().nullable().openapi({
      description: 'p-value: the mean fraction of the points earned (1: everyone earned all, 0: nobody any).',
    }),
    discrimination: z
      .number()
      .nullable()
      .openapi({
        description:
          "Pearson's r (point-biserial for right/wrong items) between the item's fraction of points and the fraction " +
          'of the points of the attempt’s other questions; null with too few attempts or no variation.',
      }),
    outcomes: z.object({
      correct: z.number().int(),
      partial: z.number().int(),
      incorrect: z.number().int(),
      unanswered: z.number().int(),
    }),
  })
  .openapi('QuizItemStatistics');

const statisticsRoute = route({
  method: 'get',
  path: `${QUIZ}/statistics`,
  access: STATS,
  summary: "A quiz's item statistics",
  description: 'Per question, over scored attempts: difficulty and discrimination, and how answers went.',
  tags: TAGS,
  request: { params: QuizParams },
  responses: {
    200: jsonResponse(
      'The statistics',
      z.object({ attempts: z.number().int(), questions: z.array(ItemStatisticsJson) }),
    ),
  },
});

const startRoute = route({
  method: 'post',
  path: '/api/v1/assessments/{assessmentId}/attempts',
  access: TAKE,
  summary: 'Start an attempt at a quiz',
  description:
    'Draws the questions (from pools, shuffled as the quiz says, the same on every reload) and fixes the deadline ' +
    '(start + time limit, capped by the quiz’s closing time). The questions come without any answer key.',
  tags: TAGS,
  request: { params: z.object({ assessmentId: z.uuid() }) },
  responses: {
    201: jsonResponse('Started', z.object({ attempt: AttemptJson })),
    404: errorResponse('No open quiz with this id (`ERR_NOT_FOUND`).'),
    409: errorResponse(
      'Attempts used up (`ERR_ATTEMPT_LIMIT`), outside the quiz’s window (`ERR_ASSESSMENT_CLOSED`), or an attempt ' +
        'in progress (`ERR_STATE`, with `attemptId`).',
    ),
    429: errorResponse('The cool-down after the last attempt runs (`ERR_COOLDOWN`, `retryAfter` seconds).'),
  },
});

const getAttemptRoute = route({
  method: 'get',
  path: '/api/v1/attempts/{attemptId}',
  access: TAKE,
  summary: 'One of my quiz attempts',
  description: 'In progress: its questions and my saved answers. Past its deadline it is scored as it stood (expired).',
  tags: TAGS,
  request: { params: AttemptParams },
  responses: {
    200: jsonResponse('The attempt', z.object({ attempt: AttemptJson })),
    404: errorResponse('You have no attempt with this id (`ERR_NOT_FOUND`).'),
  },
});

const answersRoute = route({
  method: 'put',
  path: '/api/v1/attempts/{attemptId}/answers',
  access: TAKE,
  summary: 'Save answers to my attempt',
  description:
    'Each answer replaces the saved one for its question (`null` clears it). Refused after the deadline ' +
    '(`ERR_DEADLINE_PASSED`; the attempt is then scored as it stood).',
  tags: TAGS,
  request: {
    params: AttemptParams,
    body: jsonBody(
      z
        .object({
          answers: z
            .record(z.uuid(), AnswerInput.nullable())
            .refine((a) => Object.keys(a).length <= 500, 'at most 500 answers at once'),
        })
        .strict(),
    ),
  },
  responses: {
    200: jsonResponse('Saved', z.object({ attempt: AttemptJson })),
    409: errorResponse('The deadline passed (`ERR_DEADLINE_PASSED`) or the attempt was submitted (`ERR_STATE`).'),
  },
});

const submitRoute = route({
  method: 'post',
  path: '/api/v1/attempts/{attemptId}/submit',
  access: TAKE,
  summary: 'Submit my attempt',
  description:
    'Scores it (past its deadline: as it stood, state `expired`), records the outcome and issues any credential it ' +
    'earns, listed in `awards`.',
  tags: TAGS,
  request: { params: AttemptParams },
  responses: {
    200: jsonResponse('Scored', z.object({ attempt: AttemptJson, awards: z.array(AwardJson) })),
    409: errorResponse('Already scored (`ERR_STATE`).'),
  },
});

const myAttemptsRoute = route({
  method: 'get',
  path: '/api/v1/me/attempts',
  access: TAKE,
  summary: 'My quiz attempts',
  description: 'Newest first, a page at a time; `assessmentId` keeps one quiz’s.',
  tags: TAGS,
  request: { query: z.object({ assessmentId: z.uuid().optional(), ...PageQuery.shape }) },
  responses: {
    200: jsonResponse('A page', z.object({ attempts: z.array(AttemptSummaryJson), nextCursor: z.string().nullable() })),
  },
});

/** Quizzes: the item bank and statistics for staff; attempts for learners. */
export function registerQuizRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(createQuestionRoute, async (c) => {
    const { assessmentId } = c.req.valid('param');
    const input = c.req.valid('json');
    const question = await auditedWrite(c, async ({ tx, orgId, now }) => {
      const quiz = await getAssessment(tx, orgId, assessmentId, { forUpdate: true });
      const created = await createQuestion(tx, quiz, input, now);
      return {
        result: created,
        audit: {
          action: 'quiz_question.create',
          targetType: 'quiz_question',
          targetId: created.id,
          data: { assessmentId, type: created.type, pool: created.pool },
        },
      };
    });
    return c.json({ question: questionJson(question) }, 201);
  });

  app.openapi(listQuestionsRoute, async (c) => {
    const { db } = c.get('deps');
    const { assessmentId } = c.req.valid('param');
    const quiz = await getAssessment(db, c.get('org')!.id, assessmentId);
    assertQuiz(quiz);
    const questions = await listQuestions(db, quiz.id, { archived: c.req.valid('query').archived === 'true' });
    return c.json({ questions: questions.map(questionJson) }, 200);
  });

  app.openapi(patchQuestionRoute, async (c) => {
    const { assessmentId, questionId } = c.req.valid('param');
    const patch = c.req.valid('json');
    const question = await auditedWrite(c, async ({ tx, orgId }) => {
      const quiz = await getAssessment(tx, orgId, assessmentId, { forUpdate: true });
      const { question: updated, changed } = await updateQuestion(tx, quiz, questionId, patch);
      return {
        result: updated,
        audit:
          changed.length > 0
            ? {
                action: 'quiz_question.update',
                targetType: 'quiz_question',
                targetId: questionId,
                data: { assessmentId, fields: changed },
              }
            : null,
      };
    });
    return c.json({ question: questionJson(question) }, 200);
  });

  app.openapi(archiveQuestionRoute, async (c) => {
    const { assessmentId, questionId } = c.req.valid('param');
    const question = await auditedWrite(c, async ({ tx, orgId, now }) => {
      const quiz = await getAssessment(tx, orgId, assessmentId, { forUpdate: true });
      const { question: archived, changed } = await archiveQuestion(tx, quiz, questionId, now);
      return {
        result: archived,
        audit: changed
          ? {
              action: 'quiz_question.archive',
              targetType: 'quiz_question',
              targetId: questionId,
              data: { assessmentId },
            }
          : null,
      };
    });
    return c.json({ question: questionJson(question) }, 200);
  });

  app.openapi(statisticsRoute, async (c) => {
    const { db } = c.get('deps');
    const { assessmentId } = c.req.valid('param');
    const quiz = await getAssessment(db, c.get('org')!.id, assessmentId);
    assertQuiz(quiz);
    const questions = await listQuestions(db, quiz.id, { archived: true });
    const attempts = await scoredAttempts(db, quiz.id);
    const stats = itemStatistics(attempts);
    return c.json(
      {
        attempts: attempts.length,
        questions: questions.map((q) => {
          const s = stats.get(q.id);
          return {
            questionId: q.id,
            type: q.type,
            pool: q.pool,
            prompt: q.prompt,
            points: q.points,
            archived: q.archived,
            attempts: s?.attempts ?? 0,
            meanPoints: s?.meanPoints ?? null,
            difficulty: s?.difficulty ?? null,
            discrimination: s?.discrimination ?? null,
            outcomes: s?.outcomes ?? { correct: 0, partial: 0, incorrect: 0, unanswered: 0 },
          };
        }),
      },
      200,
    );
  });

  app.openapi(startRoute, async (c) => {
    const { assessmentId } = c.req.valid('param');
    const attempt = await startAttempt(c.get('deps'), assessmentId, c.get('principal')!.userId);
    return c.json({ attempt }, 201);
  });

  app.openapi(getAttemptRoute, async (c) => {
    const { attemptId } = c.req.valid('param');
    return c.json({ attempt: await getAttempt(c.get('deps'), attemptId, c.get('principal')!.userId) }, 200);
  });

  app.openapi(answersRoute, async (c) => {
    const { attemptId } = c.req.valid('param');
    const { answers } = c.req.valid('json');
    return c.json({ attempt: await saveAnswers(c.get('deps'), attemptId, c.get('principal')!.userId, answers) }, 200);
  });

  app.openapi(submitRoute, async (c) => {
    const { attemptId } = c.req.valid('param');
    const { attempt, awards } = await submitAttempt(c.get('deps'), attemptId, c.get('principal')!.userId);
    return c.json({ attempt, awards }, 200);
  });

  app.openapi(myAttemptsRoute, async (c) => {
    const { assessmentId, limit, cursor } = c.req.valid('query');
    const page = await listMyAttempts(c.get('deps'), c.get('principal')!.userId, {
      ...(assessmentId && { assessmentId }),
      limit: limit + 1,
      ...(cursor !== undefined && { after: decodeCursor(cursor) }),
    });
    const { rows, next } = pageOf(page, limit, (last) => encodeCursor(last.cursor.at, last.cursor.id));
    return c.json({ attempts: rows.map(({ cursor: _, ...a }) => a), nextCursor: next }, 200);
  });
}
