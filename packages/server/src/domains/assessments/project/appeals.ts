import { randomUUID } from 'node:crypto';
import type { z } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { isUniqueViolation } from '../../../db/errors.js';
import { AppError } from '../../../errors.js';
import type { AppDeps } from '../../../http/env.js';
import { isUuid } from '../../../http/schemas.js';
import type { AwardResult } from '../../awards/engine.js';
import { finalizeGrade } from './finalize-grade.js';
import type { Grade } from './grading.js';
import { getSubmission, insertGrading, submissionNotFound, type Project } from './project.js';
import type { AppealJson, AppealResolution } from './schemas.js';

type Appeal = z.infer<typeof AppealJson>;

const APPEAL_COLUMNS = ['id', 'submissionId', 'state', 'reason', 'resolution', 'createdAt', 'resolvedAt'] as const;

const toJson = (a: {
  id: string;
  submissionId: string;
  state: Appeal['state'];
  reason: string;
  resolution: string | null;
  createdAt: Date;
  resolvedAt: Date | null;
}): Appeal => ({ ...a, createdAt: a.createdAt.toISOString(), resolvedAt: a.resolvedAt?.toISOString() ?? null });

/**
 * The author appeals the grade of their graded submission, saying why. One open appeal at a time (`ERR_STATE`); a
 * submission not yet graded cannot be appealed (`ERR_STATE`); someone else's is not found. Call inside a transaction.
 *
 * @example
 * ```ts
 * const appeal = await createAppeal(tx, userId, submissionId, 'The analysis criterion ignored my second notebook.', now);
 * ```
 */
export async function createAppeal(
  tx: Kysely<Database>,
  learnerUserId: string,
  submissionId: string,
  reason: string,
  now: Date,
): Promise<Appeal> {
  const submission = await getSubmission(tx, submissionId, { forUpdate: true });
  if (submission.learnerUserId !== learnerUserId) throw submissionNotFound();
  if (submission.state !== 'graded') throw new AppError('ERR_STATE', 'Only a graded submission can be appealed.');
  const open = await tx
    .selectFrom('appeals')
    .select('id')
    .where('submissionId', '=', submissionId)
    .where('state', '=', 'open')
    .executeTakeFirst();
  const already = () =>
    new AppError('ERR_STATE', 'This submission already has an open appeal: wait for its resolution.', {
      appealId: open?.id,
    });
  if (open) throw already();
  try {
    const row = await tx
      .insertInto('appeals')
      .values({
        id: randomUUID(),
        submissionId,
        learnerUserId,
        reason,
        state: 'open',
        resolution: null,
        resolvedBy: null,
        createdAt: now,
        resolvedAt: null,
      })
      .returning(APPEAL_COLUMNS)
      .executeTakeFirstOrThrow();
    return toJson(row);
  } catch (e) {
    if (isUniqueViolation(e)) throw already();
    throw e;
  }
}

/** An assessment's appeals, oldest first, optionally only those in one state. */
export async function listAppeals(db: Kysely<Database>, project: Project, state?: Appeal['state']): Promise<Appeal[]> {
  let q = db
    .selectFrom('appeals as a')
    .innerJoin('submissions as s', 's.id', 'a.submissionId')
    .select(APPEAL_COLUMNS.map((c) => `a.${c}` as const))
    .where('s.assessmentId', '=', project.assessment.id);
  if (state) q = q.where('a.state', '=', state);
  return (await q.orderBy('a.createdAt').orderBy('a.id').execute()).map(toJson);
}

/**
 * An assessor resolves an open appeal (`ERR_STATE` once resolved): upheld with new levels, which become the
 * submission's final grade (recorded as the assessor's `appeal` grading; the outcome is recorded again, so the award
 * engine sees the new grade), or rejected. Call inside a transaction.
 */
export async function resolveAppeal(
  tx: Kysely<Database>,
  deps: AppDeps,
  project: Project,
  appealId: string,
  assessorUserId: string,
  input: AppealResolution,
  now: Date,
): Promise<{ appeal: Appeal; grade: Grade | null; awards: AwardResult[] }> {
  const notFound = new AppError('ERR_NOT_FOUND', 'No appeal with this id in this assessment.');
  if (!isUuid(appealId)) throw notFound;
  const found = await tx
    .selectFrom('appeals as a')
    .innerJoin('submissions as s', 's.id', 'a.submissionId')
    .select(['a.id', 'a.state', 'a.submissionId', 's.learnerUserId'])
    .where('a.id', '=', appealId)
    .where('s.assessmentId', '=', project.assessment.id)
    .executeTakeFirst();
  if (!found) throw notFound;
  const submission = await getSubmission(tx, found.submissionId, { forUpdate: true });
  const current = await tx.selectFrom('appeals').select('state').where('id', '=', appealId).executeTakeFirstOrThrow();
  if (current.state !== 'open') throw new AppError('ERR_STATE', `This appeal is already ${current.state}.`);
  if (found.learnerUserId === assessorUserId)
    throw new AppError('ERR_FORBIDDEN', 'You cannot resolve your own appeal.');

  let grade: Grade | null = null;
  let awards: AwardResult[] = [];
  if (input.decision === 'uphold') {
    const { levels } = await insertGrading(
      tx,
      project.rubric,
      { submissionId: submission.id, graderUserId: assessorUserId, kind: 'appeal' },
      { levels: input.levels, ...(input.resolution !== undefined && { comment: input.resolution }) },
      now,
      { replace: true },
    );
    ({ grade, awards } = await finalizeGrade(tx, deps, project, submission, levels, now, 'on appeal, by an assessor'));
  }
  const row = await tx
    .updateTable('appeals')
    .set({
      state: input.decision === 'uphold' ? 'upheld' : 'rejected',
      resolution: input.resolution ?? null,
      resolvedBy: assessorUserId,
      resolvedAt: now,
    })
    .where('id', '=', appealId)
    .returning(APPEAL_COLUMNS)
    .executeTakeFirstOrThrow();
  return { appeal: toJson(row), grade, awards };
}
