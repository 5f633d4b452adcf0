import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { recordAssessmentOutcome, type OutcomeResult } from '../../src/domains/awards/outcomes.js';
import type { TestContext } from './context.js';

/** Award-engine test data: assessments inserted straight in the database, outcomes through the engine's real input. */

export async function json<T>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A quiz of the organisation (open unless said otherwise), attached to an achievement when given. */
export async function insertQuiz(
  ctx: TestContext,
  orgId: string,
  options: { achievementId?: string; title?: string; state?: 'draft' | 'open' | 'closed'; passMark?: number } = {},
) {
  const id = randomUUID();
  const title = options.title ?? `Quiz ${id.slice(0, 8)}`;
  await ctx.db
    .insertInto('assessments')
    .values({
      id,
      orgId,
      achievementId: options.achievementId ?? null,
      kind: 'quiz',
      title,
      settings: JSON.stringify({ passMark: options.passMark ?? 70 }),
      state: options.state ?? 'open',
      updatedAt: ctx.deps.clock(),
    })
    .execute();
  return { id, title };
}

/** A graded quiz attempt, recorded as the quiz would: the outcome, then the award engine, in one transaction. */
export async function recordQuizOutcome(
  ctx: TestContext,
  input: {
    orgId: string;
    assessmentId: string;
    title?: string;
    learnerUserId: string;
    percent: number;
    passMark?: number;
  },
) {
  const passed = input.percent >= (input.passMark ?? 70);
  const results: OutcomeResult[] = [{ type: 'percent', value: input.percent }];
  return ctx.db.transaction().execute((tx) =>
    recordAssessmentOutcome(tx, ctx.deps, {
      orgId: input.orgId,
      assessmentId: input.assessmentId,
      learnerUserId: input.learnerUserId,
      source: 'quiz_attempt',
      sourceId: randomUUID(),
      passed,
      percent: input.percent,
      results,
      evidence: [
        {
          id: `${ctx.deps.publicUrl}/assessments/${input.assessmentId}`,
          name: input.title ?? 'Quiz',
          genre: 'Quiz',
          description: `Scored ${input.percent}%`,
        },
      ],
      at: ctx.deps.clock(),
    }),
  );
}

/** The engine's awards of one achievement to one learner, oldest first. */
export async function awardsOf(ctx: TestContext, achievementId: string, learnerUserId: string) {
  return ctx.db
    .selectFrom('awards')
    .selectAll()
    .where('achievementId', '=', achievementId)
    .where('learnerUserId', '=', learnerUserId)
    .orderBy('generation')
    .execute();
}

/** The credentials of an achievement a learner holds, oldest first. */
export async function heldOf(ctx: TestContext, achievementId: string, learnerUserId: string) {
  return ctx.db
    .selectFrom('credentials')
    .selectAll()
    .where('achievementId', '=', achievementId)
    .where('holderUserId', '=', learnerUserId)
    .orderBy('issuedAt')
    .execute();
}
