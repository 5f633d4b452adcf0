import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssessmentJson } from '../src/domains/assessments/schemas.js';
import type { AttemptJson } from '../src/domains/assessments/quiz/attempts.js';
import type { LearnerQuestionJson, QuestionJson } from '../src/domains/assessments/quiz/question-types.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { expectError } from './helpers/errors.js';
import {
  createSampleAchievement,
  createUser,
  issuerWithAchievement,
  member,
  sessionFor,
  type Caller,
} from './helpers/fixtures.js';

async function json<T>(res: Response, status = 200): Promise<T> {
  const body = (await res.json()) as T;
  expect(res.status, JSON.stringify(body)).toBe(status);
  return body;
}

/** One question of every type: 8 points in all. */
const EVERY_TYPE = [
  {
    type: 'single_choice',
    prompt: 'Which clause filters rows before grouping?',
    choices: [{ text: 'WHERE', correct: true }, { text: 'HAVING' }, { text: 'ORDER BY' }],
    feedback: { correct: 'Yes: WHERE filters rows.', incorrect: 'WHERE filters rows; HAVING filters groups.' },
  },
  {
    type: 'multiple_choice',
    prompt: 'Which are aggregate functions?',
    points: 2,
    scoring: 'partial',
    choices: [
      { text: 'COUNT', correct: true },
      { text: 'SUM', correct: true },
      { text: 'UPPER', correct: false },
    ],
  },
  { type: 'true_false', prompt: 'NULL = NULL is true in SQL.', correct: false },
  { type: 'numeric', prompt: 'Rows in a cross join of 3 and 4 rows?', value: 12, tolerance: 0, unit: 'rows' },
  { type: 'short_answer', prompt: 'What uniquely identifies a row?', accepted: ['Primary key'], patterns: ['pk'] },
  { type: 'ordering', prompt: 'Order the logical steps of a query.', items: ['FROM', 'WHERE', 'GROUP BY', 'SELECT'] },
  {
    type: 'matching',
    prompt: 'Match each join to what it keeps.',
    pairs: [
      { left: 'INNER JOIN', right: 'rows matching on both sides' },
      { left: 'LEFT JOIN', right: 'every row of the left table' },
    ],
    distractors: ['no rows at all'],
  },
] as const;

/** The answer to a question that the key says is right, or one that is wrong. */
function answerFor(q: QuestionJson, right: boolean): Record<string, unknown> {
  switch (q.type) {
    case 'single_choice':
      return { choiceId: q.choices!.find((c) => c.correct === right)!.id };
    case 'multiple_choice':
      return { choiceIds: q.choices!.filter((c) => c.correct === right).map((c) => c.id) };
    case 'true_false':
      return { value: right ? q.correct : !q.correct };
    case 'numeric':
      return { value: right ? q.value : q.value! + 100 };
    case 'short_answer':
      return { text: right ? q.accepted![0] : 'a foreign key' };
    case 'ordering': {
      const order = q.items!.map((i) => i.id);
      return { order: right ? order : order.reverse() };
    }
    case 'matching': {
      const pairs = q.pairs!;
      return {
        matches: Object.fromEntries(
          pairs.map((p, i) => [p.leftId, right ? p.rightId : pairs[(i + 1) % pairs.length]!.rightId]),
        ),
      };
    }
  }
}

describe.each(databaseTargets())('quizzes on $name', (target) => {
  let ctx: TestContext;
  let issuer: Awaited<ReturnType<typeof issuerWithAchievement>>;
  let base: string;
  const start = new Date('2026-06-01T12:00:00Z');

  beforeAll(async () => {
    ctx = await createTestContext(target);
    issuer = await issuerWithAchievement(ctx);
    base = `/api/v1/orgs/${issuer.orgId}/assessments`;
  });
  afterAll(() => ctx.close());

  const learner = async () => {
    const user = await createUser(ctx, { kind: 'learner' });
    return { user, caller: await sessionFor(ctx, user.id) };
  };

  /** A quiz with these questions (every type by default), opened unless `open` is false. */
  async function quiz(
    settings: Record<string, unknown>,
    options: { questions?: readonly object[]; achievementId?: string; open?: boolean; extra?: object } = {},
  ) {
    const { assessment } = await json<{ assessment: AssessmentJson }>(
      await issuer.caller.request('POST', base, {
        kind: 'quiz',
        title: `SQL basics ${Math.random().toString(36).slice(2, 8)}`,
        settings,
        ...(options.achievementId && { achievementId: options.achievementId }),
        ...options.extra,
      }),
      201,
    );
    const questions: QuestionJson[] = [];
    for (const q of options.questions ?? EVERY_TYPE) {
      const res = await issuer.caller.request('POST', `${base}/${assessment.id}/questions`, q);
      questions.push((await json<{ question: QuestionJson }>(res, 201)).question);
    }
    if (options.open !== false) await json(await issuer.caller.request('POST', `${base}/${assessment.id}/open`));
    return { assessment, questions, path: `${base}/${assessment.id}` };
  }

  const startAttempt = async (caller: Caller, assessmentId: string) =>
    (
      await json<{ attempt: AttemptJson }>(
        await caller.request('POST', `/api/v1/assessments/${assessmentId}/attempts`),
        201,
      )
    ).attempt;

  /** Answers the attempt: right for the question indexes in `right` (of `questions`), wrong for the others. */
  async function answer(
    caller: Caller,
    attempt: AttemptJson,
    questions: QuestionJson[],
    right: (i: number) => boolean,
  ) {
    const answers = Object.fromEntries(
      attempt.questions.map((lq) => {
        const i = questions.findIndex((q) => q.id === lq.id);
        return [lq.id, answerFor(questions[i]!, right(i))];
      }),
    );
    return (
      await json<{ attempt: AttemptJson }>(
        await caller.request('PUT', `/api/v1/attempts/${attempt.id}/answers`, { answers }),
      )
    ).attempt;
  }

  const submit = async (caller: Caller, attemptId: string) =>
    json<{ attempt: AttemptJson; awards: { achievementId: string; credentialId: string }[] }>(
      await caller.request('POST', `/api/v1/attempts/${attemptId}/submit`),
    );

  it('authoring: every question type, checked strictly; opening adds a Percent ResultDescription as a new achievement version', async () => {
    ctx.setNow(start);
    const { achievementId } = await createSampleAchievement(ctx, issuer.orgId);
    const { assessment, questions, path } = await quiz({ passMark: 75 }, { achievementId, open: false });
    expect(assessment).toMatchObject({
      kind: 'quiz',
      achievementId,
      state: 'draft',
      settings: { passMark: 75, shuffleQuestions: false, shuffleChoices: false, feedback: 'immediate' },
      archived: false,
    });
    expect(questions.map((q) => [q.type, q.position, q.points, q.pool])).toEqual([
      ['single_choice', 1, 1, 'default'],
      ['multiple_choice', 2, 2, 'default'],
      ['true_false', 3, 1, 'default'],
      ['numeric', 4, 1, 'default'],
      ['short_answer', 5, 1, 'default'],
      ['ordering', 6, 1, 'default'],
      ['matching', 7, 1, 'default'],
    ]);
    // Ids are random, never positional.
    const ids = questions.flatMap((q) => [...(q.choices ?? []), ...(q.items ?? [])].map((c) => c.id));
    expect(ids.every((id) => /^[0-9a-f]{10}$/.test(id))).toBe(true);
    expect(questions[6]).toMatchObject({
      pairs: [
        { left: 'INNER JOIN', right: 'rows matching on both sides' },
        { left: 'LEFT JOIN', right: 'every row of the left table' },
      ],
      distractors: [{ text: 'no rows at all' }],
    });

    const bad = async (question: object, path: string, message: RegExp) => {
      const error = await expectError(
        await issuer.caller.request('POST', `${base}/${assessment.id}/questions`, { prompt: 'Q?', ...question }),
        400,
        'ERR_VALIDATION',
      );
      expect(error.details?.issues?.[0]).toEqual({ path, message: expect.stringMatching(message) });
    };
    const two = [
      { text: 'a', correct: true },
      { text: 'b', correct: true },
    ];
    await bad({ type: 'single_choice', choices: two }, 'choices', /exactly one choice is correct \(2 are\)/);
    await bad({ type: 'single_choice', choices: [{ text: 'a', correct: true }] }, 'choices', /2/);
    await bad(
      { type: 'single_choice', choices: [{ text: 'Yes', correct: true }, { text: ' yes' }] },
      'choices.1.text',
      /repeats/,
    );
    await bad({ type: 'multiple_choice', choices: [{ text: 'a' }, { text: 'b' }] }, 'choices', /at least one/);
    await bad({ type: 'numeric', value: 1, tolerance: -0.1 }, 'tolerance', /0/);
    await bad({ type: 'short_answer' }, 'accepted', /accepted answers, patterns/);
    await bad({ type: 'short_answer', patterns: ['(a)\\1'] }, 'patterns.0', /backreferences are not supported/);
    await bad({ type: 'short_answer', patterns: ['(ab'] }, 'patterns.0', /not closed/);
    await bad({ type: 'short_answer', patterns: ['a'.repeat(201)] }, 'patterns.0', /200/);
    await bad({ type: 'ordering', items: ['x', 'y', 'X'] }, 'items.2', /repeats/);
    await bad(
      {
        type: 'matching',
        pairs: [
          { left: 'a', right: 'x' },
          { left: 'b', right: 'x' },
        ],
      },
      'pairs.1.right',
      /repeats/,
    );
    await bad(
      {
        type: 'matching',
        pairs: [
          { left: 'a', right: 'x' },
          { left: 'b', right: 'y' },
        ],
        distractors: ['x'],
      },
      'distractors.0',
      /repeats/,
    );
    await bad({ type: 'true_false', correct: true, points: 0 }, 'points', /0/);

    // A patch is checked as a whole question, and keeps choice ids where the text stays.
    const single = questions[0]!;
    await expectError(
      await issuer.caller.request('PATCH', `${path}/questions/${single.id}`, {
        choices: [{ text: 'WHERE' }, { text: 'HAVING' }],
      }),
      400,
      'ERR_VALIDATION',
    );
    const { question: patched } = await json<{ question: QuestionJson }>(
      await issuer.caller.request('PATCH', `${path}/questions/${single.id}`, {
        choices: [{ text: 'HAVING' }, { text: 'WHERE', correct: true }, { text: 'LIMIT' }],
        points: 1,
      }),
    );
    expect(
      patched.choices!.map((c) => [c.text, c.correct, c.id === single.choices!.find((s) => s.text === c.text)?.id]),
    ).toEqual([
      ['HAVING', false, true],
      ['WHERE', true, true],
      ['LIMIT', false, false],
    ]);

    // Opening: version 2 of the achievement carries the quiz's result.
    const { assessment: opened } = await json<{ assessment: AssessmentJson }>(
      await issuer.caller.request('POST', `${path}/open`),
    );
    expect(opened.state).toBe('open');
    const { achievement } = await json<{
      achievement: { version: number; definition: { resultDescription: unknown[] } };
    }>(await issuer.caller.request('GET', `/api/v1/orgs/${issuer.orgId}/achievements/${achievementId}`));
    expect(achievement.version).toBe(2);
    expect(achievement.definition.resultDescription).toEqual([
      { name: assessment.title, resultType: 'Percent', valueMin: '0', valueMax: '100', requiredValue: '75' },
    ]);
    const audit = await ctx.db
      .selectFrom('auditLog')
      .select(['action', 'data'])
      .where('targetId', 'in', [assessment.id, achievementId])
      .orderBy('at')
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['assessment.create', 'achievement.update', 'assessment.open']);
    expect(audit[2]!.data).toEqual({ achievementVersion: 2, addedResults: [assessment.title] });
    // Closing and opening again adds nothing: the description is there.
    await json(await issuer.caller.request('POST', `${path}/close`));
    await json(await issuer.caller.request('POST', `${path}/open`));
    const again = await json<{ achievement: { version: number } }>(
      await issuer.caller.request('GET', `/api/v1/orgs/${issuer.orgId}/achievements/${achievementId}`),
    );
    expect(again.achievement.version).toBe(2);

    // The public achievement document has the description the credential's result will point at.
    const doc = (await (await ctx.app.request(`/achievements/${achievementId}/versions/2`)).json()) as {
      resultDescription: { id: string; name: string }[];
    };
    expect(doc.resultDescription).toEqual([
      expect.objectContaining({
        id: `https://skillproof.test/achievements/${achievementId}/versions/2#result-1`,
        name: assessment.title,
        resultType: 'Percent',
      }),
    ]);
  });

  it('a learner fails, meets the cool-down, passes the next attempt and holds the credential', async () => {
    ctx.setNow(start);
    const { achievementId } = await createSampleAchievement(ctx, issuer.orgId, { name: 'SQL Querying' });
    const { assessment, questions } = await quiz(
      { passMark: 75, cooldownSeconds: 600, maxAttempts: 3, shuffleQuestions: true, shuffleChoices: true },
      { achievementId },
    );
    const { user, caller } = await learner();
    const { assessment: view } = await json<{ assessment: Record<string, unknown> }>(
      await caller.request('GET', `/api/v1/assessments/${assessment.id}`),
    );
    expect(view).toEqual({
      id: assessment.id,
      kind: 'quiz',
      title: assessment.title,
      description: null,
      organization: { id: issuer.orgId, name: expect.stringMatching(/^Org /) },
      achievement: { id: achievementId, name: 'SQL Querying' },
      state: 'open',
      opensAt: null,
      closesAt: null,
      settings: {
        passMark: 75,
        questionCount: 7,
        timeLimitSeconds: null,
        maxAttempts: 3,
        cooldownSeconds: 600,
        feedback: 'immediate',
      },
      quiz: {
        attemptsUsed: 0,
        attemptsLeft: 3,
        nextAttemptAt: null,
        inProgressAttemptId: null,
        bestPercent: null,
        passed: false,
      },
    });

    const first = await startAttempt(caller, assessment.id);
    expect(first).toMatchObject({ number: 1, state: 'in_progress', deadlineAt: null, score: null, answers: {} });
    expect(first.questions.map((q) => q.id).sort()).toEqual(questions.map((q) => q.id).sort());
    // A reload shows the same questions in the same order, with the same choice order.
    const reloaded = await json<{ attempt: AttemptJson }>(await caller.request('GET', `/api/v1/attempts/${first.id}`));
    expect(reloaded.attempt.questions).toEqual(first.questions);
    // A second start while one is in progress points at it.
    const busy = await expectError(
      await caller.request('POST', `/api/v1/assessments/${assessment.id}/attempts`),
      409,
      'ERR_STATE',
    );
    expect(busy.details).toEqual({ attemptId: first.id });

    // Right: single choice, true/false, numeric (3 of 8 points): 37.5 %.
    await answer(caller, first, questions, (i) => [0, 2, 3].includes(i));
    const failed = await submit(caller, first.id);
    expect(failed.awards).toEqual([]);
    expect(failed.attempt).toMatchObject({ state: 'submitted', score: 3, maxScore: 8, percent: 37.5, passed: false });
    expect(failed.attempt.submittedAt).toBe(start.toISOString());
    const single = questions[0]!;
    expect(failed.attempt.feedback!.questions.find((f) => f.questionId === single.id)).toEqual({
      questionId: single.id,
      points: 1,
      maxPoints: 1,
      outcome: 'correct',
      feedback: 'Yes: WHERE filters rows.',
    });
    expect(failed.attempt.feedback!.questions.find((f) => f.questionId === questions[1]!.id)).toEqual({
      questionId: questions[1]!.id,
      points: 0,
      maxPoints: 2,
      outcome: 'incorrect',
    });
    await expectError(await caller.request('POST', `/api/v1/attempts/${first.id}/submit`), 409, 'ERR_STATE');

    ctx.setNow(new Date(start.getTime() + 5 * 60_000));
    const res = await caller.request('POST', `/api/v1/assessments/${assessment.id}/attempts`);
    const cooling = await expectError(res, 429, 'ERR_COOLDOWN');
    expect(cooling.details).toEqual({ retryAfter: 300, nextAttemptAt: '2026-06-01T12:10:00.000Z' });
    expect(res.headers.get('retry-after')).toBe('300');

    ctx.setNow(new Date(start.getTime() + 10 * 60_000));
    const second = await startAttempt(caller, assessment.id);
    expect(second.number).toBe(2);
    // Every question but the partial-credit one right; that one half right: 7 of 8 = 87.5 %.
    const multi = questions[1]!;
    await answer(caller, second, questions, (i) => i !== 1);
    await json(
      await caller.request('PUT', `/api/v1/attempts/${second.id}/answers`, {
        answers: { [multi.id]: { choiceIds: [multi.choices![0]!.id] } },
      }),
    );
    const passed = await submit(caller, second.id);
    expect(passed.attempt).toMatchObject({ state: 'submitted', score: 7, maxScore: 8, percent: 87.5, passed: true });

    const outcomes = await ctx.db
      .selectFrom('assessmentOutcomes')
      .select(['sourceId', 'passed', 'percent', 'results', 'evidence', 'at'])
      .where('learnerUserId', '=', user.id)
      .orderBy('at')
      .execute();
    expect(outcomes).toEqual([
      expect.objectContaining({ sourceId: first.id, passed: false, percent: 37.5 }),
      {
        sourceId: second.id,
        passed: true,
        percent: 87.5,
        results: [{ type: 'percent', value: 87.5 }],
        evidence: [
          {
            id: `https://skillproof.test/assessments/${assessment.id}`,
            name: assessment.title,
            genre: 'Quiz',
            description: 'Scored 87.5% (7 of 8 points; pass mark 75%).',
          },
        ],
        at: new Date(start.getTime() + 10 * 60_000),
      },
    ]);

    // The award engine issued the credential, with the score pointing at the quiz's ResultDescription.
    expect(passed.awards).toEqual([expect.objectContaining({ achievementId })]);
    const { credentials } = await json<{ credentials: { document: Record<string, unknown> }[] }>(
      await caller.request('GET', '/api/v1/me/credentials'),
    );
    const held = credentials.filter((c) =>
      (c.document['credentialSubject'] as { achievement: { id: string } }).achievement.id.includes(achievementId),
    );
    expect(held).toHaveLength(1);
    const subject = held[0]!.document['credentialSubject'] as { result: unknown[]; achievement: { id: string } };
    expect(subject.achievement.id).toBe(`https://skillproof.test/achievements/${achievementId}/versions/2`);
    expect(subject.result).toEqual([
      expect.objectContaining({
        type: ['Result'],
        resultDescription: `https://skillproof.test/achievements/${achievementId}/versions/2#result-1`,
        value: '87.5',
      }),
    ]);

    const { attempts } = await json<{ attempts: { id: string; state: string; percent: number }[] }>(
      await caller.request('GET', `/api/v1/me/attempts?assessmentId=${assessment.id}`),
    );
    expect(attempts.map((a) => [a.id, a.state, a.percent])).toEqual([
      [second.id, 'submitted', 87.5],
      [first.id, 'submitted', 37.5],
    ]);

    // Item statistics for the authors (viewers may read them): the single choice was right twice, the matching once.
    const viewer = await member(ctx, 'viewer', issuer.orgId);
    const stats = await json<{
      attempts: number;
      questions: { questionId: string; attempts: number; difficulty: number }[];
    }>(await viewer.caller.request('GET', `${base}/${assessment.id}/statistics`));
    expect(stats.attempts).toBe(2);
    const byId = new Map(stats.questions.map((s) => [s.questionId, s]));
    expect(byId.get(single.id)).toMatchObject({ attempts: 2, difficulty: 1 });
    expect(byId.get(multi.id)).toMatchObject({ attempts: 2, difficulty: 0.25 });
    expect(byId.get(questions[6]!.id)).toMatchObject({ attempts: 2, difficulty: 0.5 });
    // Viewers do not read the item bank (it holds the keys).
    await expectError(await viewer.caller.request('GET', `${base}/${assessment.id}/questions`), 403, 'ERR_FORBIDDEN');

    // Now that learners have attempted it, its settings and questions are fixed.
    await expectError(
      await issuer.caller.request('PATCH', `${base}/${assessment.id}`, { settings: { passMark: 50 } }),
      409,
      'ERR_STATE',
    );
    await expectError(
      await issuer.caller.request('PATCH', `${base}/${assessment.id}/questions/${single.id}`, { prompt: 'Changed?' }),
      409,
      'ERR_STATE',
    );
    const renamed = await json<{ assessment: AssessmentJson }>(
      await issuer.caller.request('PATCH', `${base}/${assessment.id}`, { description: 'Now with a description.' }),
    );
    expect(renamed.assessment.description).toBe('Now with a description.');
  });

  it('attempt limits refuse the attempt after the last', async () => {
    ctx.setNow(start);
    const { assessment, questions } = await quiz(
      { passMark: 50, maxAttempts: 2 },
      { questions: EVERY_TYPE.slice(0, 2) },
    );
    const { caller } = await learner();
    for (const n of [1, 2]) {
      const attempt = await startAttempt(caller, assessment.id);
      expect(attempt.number).toBe(n);
      await answer(caller, attempt, questions, () => false);
      await submit(caller, attempt.id);
    }
    const error = await expectError(
      await caller.request('POST', `/api/v1/assessments/${assessment.id}/attempts`),
      409,
      'ERR_ATTEMPT_LIMIT',
    );
    expect(error.details).toEqual({ maxAttempts: 2 });
    const { assessment: view } = await json<{ assessment: { quiz: { attemptsLeft: number; attemptsUsed: number } } }>(
      await caller.request('GET', `/api/v1/assessments/${assessment.id}`),
    );
    expect(view.quiz).toMatchObject({ attemptsUsed: 2, attemptsLeft: 0 });
    // Another learner still has theirs.
    const other = await learner();
    expect((await startAttempt(other.caller, assessment.id)).number).toBe(1);
  });

  it('time limits are the server’s: answers after the deadline are refused and the attempt is scored as it stood', async () => {
    ctx.setNow(start);
    const { assessment, questions } = await quiz({ passMark: 50, timeLimitSeconds: 60 });
    const { user, caller } = await learner();
    const attempt = await startAttempt(caller, assessment.id);
    expect(attempt.deadlineAt).toBe('2026-06-01T12:01:00.000Z');
    ctx.setNow('2026-06-01T12:00:30Z');
    await answer(caller, attempt, questions, (i) => i === 0 || i === 1);
    // At the deadline itself answers are still taken.
    ctx.setNow('2026-06-01T12:01:00Z');
    await json(
      await caller.request('PUT', `/api/v1/attempts/${attempt.id}/answers`, {
        answers: { [questions[2]!.id]: { value: false } },
      }),
    );
    ctx.setNow('2026-06-01T12:01:01Z');
    const late = await expectError(
      await caller.request('PUT', `/api/v1/attempts/${attempt.id}/answers`, {
        answers: { [questions[3]!.id]: { value: 12 } },
      }),
      409,
      'ERR_DEADLINE_PASSED',
    );
    expect(late.details).toEqual({ deadlineAt: '2026-06-01T12:01:00.000Z' });
    const { attempt: expired } = await json<{ attempt: AttemptJson }>(
      await caller.request('GET', `/api/v1/attempts/${attempt.id}`),
    );
    // Single choice, multiple choice and true/false right: 4 of 8; the late numeric answer was not taken.
    expect(expired).toMatchObject({
      state: 'expired',
      submittedAt: '2026-06-01T12:01:00.000Z',
      score: 4,
      maxScore: 8,
      percent: 50,
      passed: true,
    });
    expect(expired.answers[questions[3]!.id]).toEqual({ value: 112 });
    const outcome = await ctx.db
      .selectFrom('assessmentOutcomes')
      .select(['passed', 'percent', 'at', 'evidence'])
      .where('sourceId', '=', attempt.id)
      .executeTakeFirstOrThrow();
    expect(outcome).toMatchObject({ passed: true, percent: 50, at: new Date('2026-06-01T12:01:00Z') });
    expect((outcome.evidence as { description: string }[])[0]!.description).toBe(
      'Scored 50% (4 of 8 points; pass mark 50%) when time ran out.',
    );
    await expectError(await caller.request('POST', `/api/v1/attempts/${attempt.id}/submit`), 409, 'ERR_STATE');

    // Submitting late scores it as it stood, expired; a start after a silent time-out scores that one first.
    const second = await startAttempt(caller, assessment.id);
    ctx.setNow('2026-06-01T12:03:00Z');
    const lateSubmit = await submit(caller, second.id);
    expect(lateSubmit.attempt).toMatchObject({ state: 'expired', score: 0, submittedAt: '2026-06-01T12:02:01.000Z' });
    const third = await startAttempt(caller, assessment.id);
    ctx.setNow('2026-06-01T12:10:00Z');
    const fourth = await startAttempt(caller, assessment.id);
    expect(fourth.number).toBe(4);
    const states = await ctx.db
      .selectFrom('quizAttempts')
      .select(['number', 'state'])
      .where('learnerUserId', '=', user.id)
      .orderBy('number')
      .execute();
    expect(states).toEqual([
      { number: 1, state: 'expired' },
      { number: 2, state: 'expired' },
      { number: 3, state: 'expired' },
      { number: 4, state: 'in_progress' },
    ]);
    expect(third.id).not.toBe(fourth.id);

    // The quiz's closing time caps deadlines; before it opens or after it closes, no attempt starts.
    ctx.setNow(start);
    const windowed = await quiz(
      { passMark: 50, timeLimitSeconds: 600 },
      {
        questions: EVERY_TYPE.slice(0, 1),
        extra: { opensAt: '2026-06-01T12:00:00Z', closesAt: '2026-06-01T12:05:00Z' },
      },
    );
    expect((await startAttempt(caller, windowed.assessment.id)).deadlineAt).toBe('2026-06-01T12:05:00.000Z');
    const other = await learner();
    ctx.setNow('2026-06-01T11:59:59Z');
    await expectError(
      await other.caller.request('POST', `/api/v1/assessments/${windowed.assessment.id}/attempts`),
      409,
      'ERR_ASSESSMENT_CLOSED',
    );
    ctx.setNow('2026-06-01T12:05:00Z');
    await expectError(
      await other.caller.request('POST', `/api/v1/assessments/${windowed.assessment.id}/attempts`),
      409,
      'ERR_ASSESSMENT_CLOSED',
    );
  });

  it('feedback: at once, after the quiz closes, or never; the score always', async () => {
    ctx.setNow(start);
    const { caller } = await learner();
    const run = async (feedback: string) => {
      const q = await quiz({ passMark: 50, feedback }, { questions: EVERY_TYPE.slice(0, 1) });
      const attempt = await startAttempt(caller, q.assessment.id);
      await answer(caller, attempt, q.questions, () => false);
      const { attempt: scored } = await submit(caller, attempt.id);
      expect(scored).toMatchObject({ score: 0, maxScore: 1, percent: 0, passed: false });
      return { ...q, attempt: scored };
    };
    const expected = (questionId: string) => ({
      questions: [
        {
          questionId,
          points: 0,
          maxPoints: 1,
          outcome: 'incorrect',
          feedback: 'WHERE filters rows; HAVING filters groups.',
        },
      ],
    });
    const now = await run('immediate');
    expect(now.attempt.feedback).toEqual(expected(now.questions[0]!.id));

    for (const mode of ['after_close', 'none'] as const) {
      const q = await run(mode);
      expect(q.attempt).not.toHaveProperty('feedback');
      await json(await issuer.caller.request('POST', `${q.path}/close`));
      const { attempt } = await json<{ attempt: AttemptJson }>(
        await caller.request('GET', `/api/v1/attempts/${q.attempt.id}`),
      );
      if (mode === 'after_close') expect(attempt.feedback).toEqual(expected(q.questions[0]!.id));
      else expect(attempt).not.toHaveProperty('feedback');
      // A closed quiz is still visible, but takes no new attempt.
      await json(await caller.request('GET', `/api/v1/assessments/${q.assessment.id}`));
      await expectError(
        await (await learner()).caller.request('POST', `/api/v1/assessments/${q.assessment.id}/attempts`),
        409,
        'ERR_ASSESSMENT_CLOSED',
      );
    }
  });

  it('draws from pools per attempt; learners see only their own attempts and only open quizzes', async () => {
    ctx.setNow(start);
    const pool = (name: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({ type: 'true_false', prompt: `${name} ${i}`, correct: true, pool: name }));
    const drawn = await quiz(
      {
        passMark: 50,
        draw: [
          { pool: 'easy', count: 2 },
          { pool: 'hard', count: 1 },
        ],
      },
      { questions: [...pool('hard', 2), ...pool('easy', 3)], open: false },
    );
    // A draw the bank cannot fill cannot open.
    await json(
      await issuer.caller.request('PATCH', drawn.path, {
        settings: { passMark: 50, draw: [{ pool: 'hard', count: 3 }] },
      }),
    );
    const short = await expectError(await issuer.caller.request('POST', `${drawn.path}/open`), 409, 'ERR_STATE');
    expect(short.details).toEqual({ pool: 'hard', has: 2, count: 3 });
    await json(
      await issuer.caller.request('PATCH', drawn.path, {
        settings: {
          passMark: 50,
          draw: [
            { pool: 'easy', count: 2 },
            { pool: 'hard', count: 1 },
          ],
        },
      }),
    );
    // Learners do not see drafts.
    const { caller } = await learner();
    await expectError(await caller.request('GET', `/api/v1/assessments/${drawn.assessment.id}`), 404, 'ERR_NOT_FOUND');
    await json(await issuer.caller.request('POST', `${drawn.path}/open`));
    // Open, its draw must stay one the bank can fill.
    await expectError(
      await issuer.caller.request('PATCH', drawn.path, {
        settings: { passMark: 50, draw: [{ pool: 'easy', count: 4 }] },
      }),
      409,
      'ERR_STATE',
    );
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const { caller: someone } = await learner();
      const attempt = await startAttempt(someone, drawn.assessment.id);
      const prompts = attempt.questions.map((q) => q.prompt);
      expect(prompts).toHaveLength(3);
      expect(prompts.slice(0, 2).every((p) => p.startsWith('easy'))).toBe(true);
      expect(prompts[2]).toMatch(/^hard/);
      prompts.forEach((p) => seen.add(p));
    }
    expect(seen.size).toBeGreaterThan(3);
    // Archiving a question the draw needs is refused while the quiz is open.
    const bank = await json<{ questions: QuestionJson[] }>(
      await issuer.caller.request('GET', `${drawn.path}/questions`),
    );
    const hard = bank.questions.filter((q) => q.pool === 'hard');
    await json(await issuer.caller.request('DELETE', `${drawn.path}/questions/${hard[0]!.id}`));
    await expectError(
      await issuer.caller.request('DELETE', `${drawn.path}/questions/${hard[1]!.id}`),
      409,
      'ERR_STATE',
    );

    // Another learner cannot read, answer or submit my attempt.
    const mine = await startAttempt(caller, drawn.assessment.id);
    const { caller: stranger } = await learner();
    await expectError(await stranger.request('GET', `/api/v1/attempts/${mine.id}`), 404, 'ERR_NOT_FOUND');
    await expectError(
      await stranger.request('PUT', `/api/v1/attempts/${mine.id}/answers`, { answers: {} }),
      404,
      'ERR_NOT_FOUND',
    );
    await expectError(await stranger.request('POST', `/api/v1/attempts/${mine.id}/submit`), 404, 'ERR_NOT_FOUND');
    expect(
      (await json<{ attempts: unknown[] }>(await stranger.request('GET', '/api/v1/me/attempts'))).attempts,
    ).toEqual([]);
    // Answers must fit their question.
    const tf = mine.questions[0]!;
    const wrongShape = await expectError(
      await caller.request('PUT', `/api/v1/attempts/${mine.id}/answers`, { answers: { [tf.id]: { text: 'true' } } }),
      400,
      'ERR_VALIDATION',
    );
    expect(wrongShape.details?.issues?.[0]?.path).toBe(`answers.${tf.id}`);
    await expectError(
      await caller.request('PUT', `/api/v1/attempts/${mine.id}/answers`, {
        answers: { [drawn.assessment.id]: { value: true } },
      }),
      400,
      'ERR_VALIDATION',
    );
    // Staff of another organisation do not find the quiz; archived, learners no longer do.
    const outsider = await member(ctx, 'owner');
    await expectError(
      await outsider.caller.request('GET', `/api/v1/orgs/${outsider.orgId}/assessments/${drawn.assessment.id}`),
      404,
      'ERR_NOT_FOUND',
    );
    await json(await issuer.caller.request('DELETE', drawn.path));
    await expectError(await caller.request('GET', `/api/v1/assessments/${drawn.assessment.id}`), 404, 'ERR_NOT_FOUND');
  });

  it('concurrent starts make one attempt, concurrent submits score it once', async () => {
    ctx.setNow(start);
    const { assessment, questions } = await quiz({ passMark: 50 }, { questions: EVERY_TYPE.slice(0, 3) });
    const { user, caller } = await learner();
    const starts = await Promise.all(
      Array.from({ length: 6 }, () => caller.request('POST', `/api/v1/assessments/${assessment.id}/attempts`)),
    );
    expect(starts.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    const { attempt } = (await starts.find((r) => r.status === 201)!.json()) as { attempt: AttemptJson };
    await answer(caller, attempt, questions, () => true);
    const submits = await Promise.all(
      Array.from({ length: 4 }, () => caller.request('POST', `/api/v1/attempts/${attempt.id}/submit`)),
    );
    expect(submits.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
    const outcomes = await ctx.db
      .selectFrom('assessmentOutcomes')
      .select(['sourceId', 'percent'])
      .where('learnerUserId', '=', user.id)
      .execute();
    expect(outcomes).toEqual([{ sourceId: attempt.id, percent: 100 }]);
  });

  it('projects: opening adds a RubricCriterionLevel result per criterion; learners see the rubric, no quiz status', async () => {
    ctx.setNow(start);
    const { achievementId } = await createSampleAchievement(ctx, issuer.orgId);
    const rubric = {
      criteria: [
        {
          name: 'Clarity',
          levels: [
            { name: 'Unclear', points: 0 },
            { name: 'Clear', description: 'A reader follows it.', points: 2.5 },
          ],
        },
        {
          name: 'Depth',
          levels: [
            { name: 'Shallow', points: 0 },
            { name: 'Deep', points: 3 },
          ],
        },
      ],
    };
    const { assessment } = await json<{ assessment: AssessmentJson }>(
      await issuer.caller.request('POST', base, {
        kind: 'peer_review',
        title: 'Data story',
        achievementId,
        settings: { rubric, passMark: 60 },
      }),
      201,
    );
    // Quiz settings do not fit a project, nor project settings a quiz.
    await expectError(
      await issuer.caller.request('PATCH', `${base}/${assessment.id}`, { settings: { passMark: 60 } }),
      400,
      'ERR_VALIDATION',
    );
    await expectError(
      await issuer.caller.request('POST', base, { kind: 'quiz', title: 'Q', settings: { rubric, passMark: 60 } }),
      400,
      'ERR_VALIDATION',
    );
    await expectError(await issuer.caller.request('GET', `${base}/${assessment.id}/questions`), 404, 'ERR_NOT_FOUND');
    await json(await issuer.caller.request('POST', `${base}/${assessment.id}/open`));
    const { achievement } = await json<{
      achievement: { version: number; definition: { resultDescription: unknown[] } };
    }>(await issuer.caller.request('GET', `/api/v1/orgs/${issuer.orgId}/achievements/${achievementId}`));
    expect(achievement.definition.resultDescription).toEqual([
      { name: 'Data story', resultType: 'Percent', valueMin: '0', valueMax: '100', requiredValue: '60' },
      {
        name: 'Data story: Clarity',
        resultType: 'RubricCriterionLevel',
        rubricCriterionLevel: [
          { name: 'Unclear', points: '0' },
          { name: 'Clear', description: 'A reader follows it.', points: '2.5' },
        ],
      },
      {
        name: 'Data story: Depth',
        resultType: 'RubricCriterionLevel',
        rubricCriterionLevel: [
          { name: 'Shallow', points: '0' },
          { name: 'Deep', points: '3' },
        ],
      },
    ]);
    const { caller } = await learner();
    const { assessment: view } = await json<{ assessment: Record<string, unknown> }>(
      await caller.request('GET', `/api/v1/assessments/${assessment.id}`),
    );
    expect(view).not.toHaveProperty('quiz');
    expect(view['settings']).toEqual({
      passMark: 60,
      rubric: {
        criteria: [
          {
            id: 'c1',
            name: 'Clarity',
            levels: [
              { id: 'l1', name: 'Unclear', points: 0 },
              { id: 'l2', name: 'Clear', description: 'A reader follows it.', points: 2.5 },
            ],
          },
          {
            id: 'c2',
            name: 'Depth',
            levels: [
              { id: 'l1', name: 'Shallow', points: 0 },
              { id: 'l2', name: 'Deep', points: 3 },
            ],
          },
        ],
      },
      maxSubmissions: 3,
      resubmit: 'after_fail',
      files: expect.objectContaining({ maxFiles: 5, maxBytes: 5 * 1024 * 1024 }),
      reviewsPerSubmission: 3,
      anonymous: true,
    });
    await expectError(
      await caller.request('POST', `/api/v1/assessments/${assessment.id}/attempts`),
      404,
      'ERR_NOT_FOUND',
    );
  });

  it('property: no learner-facing response carries an answer key', async () => {
    ctx.setNow(start);
    const KEY_FIELDS = new Set([
      'correct',
      'accepted',
      'patterns',
      'tolerance',
      'caseSensitive',
      'scoring',
      'pairs',
      'distractors',
      'answer',
    ]);
    const word = fc.stringMatching(/^[a-z]{3,8}$/);
    const question = fc.oneof(
      fc.record({
        type: fc.constant('single_choice'),
        prompt: word,
        correctIndex: fc.nat(3),
      }),
      fc.record({
        type: fc.constant('multiple_choice'),
        prompt: word,
        flags: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      }),
      fc.record({ type: fc.constant('true_false'), prompt: word, correct: fc.boolean() }),
      fc.record({
        type: fc.constant('numeric'),
        prompt: word,
        value: fc.integer({ min: 100_000, max: 999_999 }).map((n) => n + 0.375),
        tolerance: fc.integer({ min: 1, max: 9 }).map((n) => n / 1000 + 0.000123),
      }),
      fc.record({
        type: fc.constant('short_answer'),
        prompt: word,
        accepted: fc.array(
          word.map((w) => `keyacc${w}`),
          { minLength: 1, maxLength: 3 },
        ),
        patterns: fc.array(
          word.map((w) => `keypat${w}[0-9]+`),
          { minLength: 1, maxLength: 2 },
        ),
      }),
      fc.record({ type: fc.constant('ordering'), prompt: word }),
      fc.record({ type: fc.constant('matching'), prompt: word }),
    );
    const toInput = (q: { type: string; prompt: string } & Record<string, unknown>, i: number) => {
      const common = { prompt: `${q.prompt} ${i}?`, feedback: { correct: 'Well done.', incorrect: 'Not quite.' } };
      switch (q.type) {
        case 'single_choice':
          return {
            type: q.type,
            ...common,
            choices: ['alpha', 'beta', 'gamma', 'delta'].map((text, j) => ({ text, correct: j === q['correctIndex'] })),
          };
        case 'multiple_choice': {
          const flags = q['flags'] as boolean[];
          if (!flags.some(Boolean)) flags[0] = true;
          return {
            type: q.type,
            ...common,
            choices: ['one', 'two', 'three', 'four'].map((text, j) => ({ text, correct: flags[j] })),
          };
        }
        case 'ordering':
          return { type: q.type, ...common, items: ['first', 'second', 'third'] };
        case 'matching':
          return {
            type: q.type,
            ...common,
            pairs: [
              { left: 'l1', right: 'r1' },
              { left: 'l2', right: 'r2' },
            ],
            distractors: ['r3'],
          };
        default: {
          const { prompt: _, ...rest } = q;
          return { ...rest, ...common };
        }
      }
    };
    /** A learner's (wrong or arbitrary) answer, from what the learner sees. */
    const learnerAnswer = (q: LearnerQuestionJson) => {
      switch (q.type) {
        case 'single_choice':
          return { choiceId: q.choices[0]!.id };
        case 'multiple_choice':
          return { choiceIds: [q.choices[1]!.id] };
        case 'true_false':
          return { value: true };
        case 'numeric':
          return { value: 1 };
        case 'short_answer':
          return { text: 'no idea' };
        case 'ordering':
          return { order: q.items.map((i) => i.id) };
        case 'matching':
          return { matches: { [q.prompts[0]!.id]: q.options[0]!.id } };
      }
    };
    const secretsOf = (q: Record<string, unknown>): string[] => [
      ...((q['accepted'] as string[] | undefined) ?? []),
      ...((q['patterns'] as string[] | undefined) ?? []),
      ...(q['type'] === 'numeric' ? [String(q['value']), String(q['tolerance'])] : []),
    ];
    const check = (label: string, body: unknown, secrets: readonly string[]) => {
      const text = JSON.stringify(body);
      for (const s of secrets) expect(text, `${label} leaks ${s}`).not.toContain(s);
      const walk = (v: unknown, path: string) => {
        if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
        else if (v && typeof v === 'object') {
          for (const [k, x] of Object.entries(v)) {
            expect(KEY_FIELDS.has(k), `${label} has the key field ${path}.${k}`).toBe(false);
            walk(x, `${path}.${k}`);
          }
        }
      };
      walk(body, label);
    };
    const ALLOWED = new Set([
      'id',
      'type',
      'prompt',
      'points',
      'choices',
      'text',
      'unit',
      'maxLength',
      'items',
      'prompts',
      'options',
    ]);
    const learnerQuestionsOnly = (attempt: AttemptJson) => {
      const walk = (v: unknown) => {
        if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === 'object') {
          for (const [k, x] of Object.entries(v)) {
            expect(ALLOWED.has(k), `a learner question has ${k}`).toBe(true);
            walk(x);
          }
        }
      };
      walk(attempt.questions);
    };

    await fc.assert(
      fc.asyncProperty(
        fc.array(question, { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        fc.constantFrom('immediate', 'after_close', 'none'),
        async (generated, shuffle, feedback) => {
          const inputs = generated.map((q, i) => toInput(q as never, i));
          const secrets = inputs.flatMap((q) => secretsOf(q));
          const { assessment } = await quiz(
            { passMark: 50, shuffleChoices: shuffle, shuffleQuestions: shuffle, feedback },
            { questions: inputs },
          );
          const { caller } = await learner();
          const responses: [string, Response][] = [];
          const call = async (label: string, method: string, path: string, body?: unknown) => {
            const res = await caller.request(method, path, body);
            responses.push([label, res.clone()]);
            return res;
          };
          await call('view', 'GET', `/api/v1/assessments/${assessment.id}`);
          const { attempt } = (await (
            await call('start', 'POST', `/api/v1/assessments/${assessment.id}/attempts`)
          ).json()) as {
            attempt: AttemptJson;
          };
          learnerQuestionsOnly(attempt);
          await call('get', 'GET', `/api/v1/attempts/${attempt.id}`);
          const answers = Object.fromEntries(attempt.questions.map((q) => [q.id, learnerAnswer(q)]));
          await call('save', 'PUT', `/api/v1/attempts/${attempt.id}/answers`, { answers });
          await call('bad answer', 'PUT', `/api/v1/attempts/${attempt.id}/answers`, {
            answers: { [attempt.questions[0]!.id]: { matches: { x: 'y' } } },
          });
          await call('submit', 'POST', `/api/v1/attempts/${attempt.id}/submit`);
          await call('get scored', 'GET', `/api/v1/attempts/${attempt.id}`);
          await call('mine', 'GET', `/api/v1/me/attempts`);
          await call('view after', 'GET', `/api/v1/assessments/${assessment.id}`);
          for (const [label, res] of responses) {
            expect(res.status, label).toBeLessThan(500);
            check(label, await res.json(), secrets);
          }
        },
      ),
      { numRuns: 12 },
    );
  });
});
