import type { z } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { isUniqueViolation } from '../../../db/errors.js';
import { AppError } from '../../../errors.js';
import type { AppDeps } from '../../../http/env.js';
import type { AwardResult } from '../../awards/engine.js';
import { krippendorffAlpha, pairwiseAgreement } from './agreement.js';
import { finalizeGrade } from './finalize-grade.js';
import { combineGradings, type Grade, type Levels } from './grading.js';
import { getSubmission, insertGrading, type Project } from './project.js';
import type { AgreementJson, GradingInput } from './schemas.js';
import { findGradings, isFlagged } from './submissions.js';

/** What grading a submission did: the grading's id, and the final grade with any credentials it earned, once final. */
export interface GradingResult {
  gradingId: string;
  final: { grade: Grade; awards: AwardResult[] } | null;
}

/**
 * An assessor grades a submission (rubric levels and comments). A project's grade is final once
 * `assessorsPerSubmission` assessors have graded it: per criterion, the mean of their points rounded to the nearest
 * level (halfway: the higher). On a peer-reviewed project an assessor's grading is a decision that overrides the peers'
 * grade at once (what a flagged submission waits for). A submission already graded changes only by appeal
 * (`ERR_STATE`); one assessor grades once (`ERR_CONFLICT`); nobody grades their own work (`ERR_FORBIDDEN`).
 * Call inside a transaction.
 *
 * @example
 * ```ts
 * const { final } = await gradeSubmission(tx, deps, project, submissionId, userId, { levels, comment }, now);
 * ```
 */
export async function gradeSubmission(
  tx: Kysely<Database>,
  deps: AppDeps,
  project: Project,
  submissionId: string,
  graderUserId: string,
  input: GradingInput,
  now: Date,
): Promise<GradingResult> {
  const submission = await getSubmission(tx, submissionId, { assessmentId: project.assessment.id, forUpdate: true });
  if (submission.isReference) {
    throw new AppError('ERR_STATE', 'A reference submission is not graded: its reference levels are its grade.');
  }
  if (submission.state !== 'submitted') {
    throw new AppError('ERR_STATE', 'This submission is already graded: an appeal by its author can change it.');
  }
  if (submission.learnerUserId === graderUserId) {
    throw new AppError('ERR_FORBIDDEN', 'You cannot grade your own submission.');
  }
  let gradingId: string;
  let levels: Levels;
  try {
    ({ id: gradingId, levels } = await insertGrading(
      tx,
      project.rubric,
      { submissionId, graderUserId, kind: 'assessor' },
      input,
      now,
    ));
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError('ERR_CONFLICT', 'You have already graded this submission.');
    throw e;
  }

  if (project.kind === 'peer_review') {
    const final = await finalizeGrade(tx, deps, project, submission, levels, now, 'by an assessor');
    return { gradingId, final };
  }
  const gradings = await tx
    .selectFrom('gradings')
    .select('levels')
    .where('submissionId', '=', submissionId)
    .where('kind', '=', 'assessor')
    .execute();
  const needed = project.settings.assessorsPerSubmission;
  if (gradings.length < needed) return { gradingId, final: null };
  const combined = combineGradings(
    project.rubric,
    gradings.map((g) => ({ levels: g.levels as Levels })),
  );
  const how = needed === 1 ? 'by an assessor' : `by ${needed} assessors (mean per criterion, nearest level)`;
  return { gradingId, final: await finalizeGrade(tx, deps, project, submission, combined.levels, now, how) };
}

/**
 * An assessor confirms the peer grade of a flagged submission as it stands: recorded as their grading with the same
 * levels, and final. Only a flagged submission (`ERR_STATE` otherwise); to change the grade, grade it instead.
 */
export async function confirmPeerGrade(
  tx: Kysely<Database>,
  deps: AppDeps,
  project: Project,
  submissionId: string,
  assessorUserId: string,
  comment: string | undefined,
  now: Date,
): Promise<GradingResult> {
  const submission = await getSubmission(tx, submissionId, { assessmentId: project.assessment.id, forUpdate: true });
  const gradings = await findGradings(tx, [submissionId]);
  if (project.kind !== 'peer_review' || !submission.levels || !isFlagged(submission, gradings)) {
    throw new AppError('ERR_STATE', 'Only a flagged peer grade waits for confirmation.');
  }
  if (submission.learnerUserId === assessorUserId) {
    throw new AppError('ERR_FORBIDDEN', 'You cannot grade your own submission.');
  }
  const { id: gradingId } = await insertGrading(
    tx,
    project.rubric,
    { submissionId, graderUserId: assessorUserId, kind: 'assessor' },
    { levels: submission.levels, comment: comment ?? 'Confirmed the peer grade.' },
    now,
  );
  const final = await finalizeGrade(
    tx,
    deps,
    project,
    submission,
    submission.levels,
    now,
    'by peer review, confirmed by an assessor',
  );
  return { gradingId, final };
}

/**
 * How far an assessment's raters agree (assessors on a project, peers on a peer-reviewed one), over the submissions two
 * or more of them graded: per criterion, the fraction of pairs of ratings of a submission that chose the same level
 * (exact) or neighbouring levels (adjacent), and Krippendorff's alpha, ordinal (level order) and interval (level
 * points); and interval alpha of the total score.
 */
export async function agreementReport(db: Kysely<Database>, project: Project): Promise<z.infer<typeof AgreementJson>> {
  const raters = project.kind === 'peer_review' ? 'peer' : 'assessor';
  const rows = await db
    .selectFrom('gradings as g')
    .innerJoin('submissions as s', 's.id', 'g.submissionId')
    .select(['g.submissionId', 'g.levels', 'g.score'])
    .where('s.assessmentId', '=', project.assessment.id)
    .where('s.isReference', '=', false)
    .where('g.kind', '=', raters)
    .orderBy('g.submissionId')
    .orderBy('g.createdAt')
    .execute();
  const bySubmission = new Map<string, { levels: Levels; score: number }[]>();
  for (const r of rows) {
    const list = bySubmission.get(r.submissionId) ?? [];
    list.push({ levels: r.levels as Levels, score: r.score });
    bySubmission.set(r.submissionId, list);
  }
  const units = [...bySubmission.values()].filter((u) => u.length >= 2);
  const orNull = (x: number | undefined) => (x === undefined ? null : Math.round(x * 10_000) / 10_000);
  return {
    raters,
    submissions: units.length,
    criteria: project.rubric.criteria.map((c) => {
      const index = new Map(c.levels.map((l, i) => [l.id, i]));
      const positions = units.map((u) => u.map((g) => index.get(g.levels[c.id]!) ?? 0));
      const points = positions.map((u) => u.map((i) => c.levels[i]!.points));
      const agreement = pairwiseAgreement(positions);
      return {
        criterionId: c.id,
        name: c.name,
        pairs: agreement.pairs,
        exactAgreement: orNull(agreement.exact),
        adjacentAgreement: orNull(agreement.adjacent),
        alphaOrdinal: orNull(krippendorffAlpha(positions, 'ordinal')),
        alphaInterval: orNull(krippendorffAlpha(points, 'interval')),
      };
    }),
    score: {
      alphaInterval: orNull(
        krippendorffAlpha(
          units.map((u) => u.map((g) => g.score)),
          'interval',
        ),
      ),
    },
  };
}
