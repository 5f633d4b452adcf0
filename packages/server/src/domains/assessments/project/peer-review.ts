import { randomBytes, randomUUID } from 'node:crypto';
import type { z } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { AppError } from '../../../errors.js';
import type { AppDeps } from '../../../http/env.js';
import { isUuid } from '../../../http/schemas.js';
import type { AwardResult } from '../../awards/engine.js';
import { getAssessment } from '../service.js';
import { assignPeerReviews } from './assignment.js';
import { finalizeGrade } from './finalize-grade.js';
import { calibrationAccuracy, combineGradings, gradeOf, isOutlier, type Grade, type Levels } from './grading.js';
import { getSubmission, insertGrading, projectOf, storedGrade, type Project, type SubmissionRow } from './project.js';
import type { FlagJson, GradingInput, ReviewAssignmentJson } from './schemas.js';
import { findGradings, isFlagged, loadAssessment } from './submissions.js';
import { gradeJson, gradingJson } from './views.js';

/** What an assignment call made. */
export interface PeerAssignmentResult {
  seed: string;
  reviewers: number;
  submissions: number;
  peerReviews: number;
  calibrationReviews: number;
  /** Peer reviews per reviewer in this call: the least and the most. */
  load: { min: number; max: number };
}

/**
 * Assigns the submissions that have no reviewers yet, each to `k` peers among the learners who submitted (balanced,
 * never oneself, no repeated pair; see `assignPeerReviews`), and gives each reviewer the calibration reviews they
 * still lack. Deterministic for a seed (one is drawn and answered when none is given). Calls one after another
 * (the assessment row is locked); a later call assigns the submissions that arrived since. Call inside a transaction.
 *
 * @example
 * ```ts
 * const result = await createPeerAssignments(tx, project, 'cohort-2026', now);
 * ```
 */
export async function createPeerAssignments(
  tx: Kysely<Database>,
  project: Project,
  seed: string | undefined,
  now: Date,
): Promise<PeerAssignmentResult> {
  if (!project.peer) throw new AppError('ERR_STATE', 'Peer reviews are assigned for peer-reviewed assessments only.');
  const { assessment } = project;
  await getAssessment(tx, assessment.orgId, assessment.id, { forUpdate: true });
  const submissions = await tx
    .selectFrom('submissions')
    .select(['id', 'learnerUserId', 'isReference', 'state'])
    .where('assessmentId', '=', assessment.id)
    .execute();
  const existing = await tx
    .selectFrom('reviewAssignments')
    .select(['submissionId', 'reviewerUserId', 'kind'])
    .where('assessmentId', '=', assessment.id)
    .execute();
  const assignedSubmissions = new Set(existing.filter((e) => e.kind === 'peer').map((e) => e.submissionId));
  const learners = submissions.filter((s) => !s.isReference && s.learnerUserId);
  const toAssign = learners
    .filter((s) => s.state === 'submitted' && !assignedSubmissions.has(s.id))
    .map((s) => ({ submissionId: s.id, authorId: s.learnerUserId! }));
  const reviewers = [...new Set(learners.map((s) => s.learnerUserId!))];
  const usedSeed = seed ?? randomBytes(12).toString('base64url');
  const assignment = assignPeerReviews({
    submissions: toAssign,
    reviewers,
    k: project.peer.k,
    seed: usedSeed,
    existing: existing.map((e) => ({ submissionId: e.submissionId, reviewerId: e.reviewerUserId })),
    references: submissions.filter((s) => s.isReference).map((s) => s.id),
    calibration: project.peer.calibration,
  });
  const rows = [
    ...assignment.calibration.map((p) => ({ ...p, kind: 'calibration' as const })),
    ...assignment.peer.map((p) => ({ ...p, kind: 'peer' as const })),
  ].map((p) => ({
    id: randomUUID(),
    assessmentId: assessment.id,
    submissionId: p.submissionId,
    reviewerUserId: p.reviewerId,
    kind: p.kind,
    state: 'assigned' as const,
    createdAt: now,
  }));
  for (let i = 0; i < rows.length; i += 1_000) {
    await tx
      .insertInto('reviewAssignments')
      .values(rows.slice(i, i + 1_000))
      .execute();
  }
  const loads = reviewers.map((r) => assignment.peer.filter((p) => p.reviewerId === r).length);
  return {
    seed: usedSeed,
    reviewers: reviewers.length,
    submissions: toAssign.length,
    peerReviews: assignment.peer.length,
    calibrationReviews: assignment.calibration.length,
    load: { min: loads.length > 0 ? Math.min(...loads) : 0, max: loads.length > 0 ? Math.max(...loads) : 0 },
  };
}

/** A learner's review assignments (to do, or all), calibration first. */
export async function listMyReviews(
  db: Kysely<Database>,
  reviewerUserId: string,
  state: 'assigned' | 'done' | 'all',
): Promise<z.infer<typeof ReviewAssignmentJson>[]> {
  let q = db
    .selectFrom('reviewAssignments as r')
    .select(['r.id', 'r.kind', 'r.state', 'r.assessmentId', 'r.submissionId', 'r.createdAt'])
    .where('r.reviewerUserId', '=', reviewerUserId)
    .where('r.kind', 'in', ['peer', 'calibration']);
  if (state !== 'all') q = q.where('r.state', '=', state);
  const rows = await q.orderBy('r.createdAt').orderBy('r.kind').orderBy('r.id').execute();
  const pending = await db
    .selectFrom('reviewAssignments')
    .select('assessmentId')
    .where('reviewerUserId', '=', reviewerUserId)
    .where('kind', '=', 'calibration')
    .where('state', '=', 'assigned')
    .execute();
  const calibrating = new Set(pending.map((p) => p.assessmentId));
  const projects = new Map<string, Project>();
  for (const id of new Set(rows.map((r) => r.assessmentId))) projects.set(id, projectOf(await loadAssessment(db, id)));
  return rows
    .filter((r) => !projects.get(r.assessmentId)!.assessment.archivedAt)
    .map((r) => {
      const project = projects.get(r.assessmentId)!;
      return {
        id: r.id,
        kind: r.kind as 'peer' | 'calibration',
        state: r.state,
        available: r.state === 'assigned' && (r.kind === 'calibration' || !calibrating.has(r.assessmentId)),
        assessment: { id: project.assessment.id, title: project.assessment.title },
        submissionId: r.submissionId,
        rubric: project.rubric,
        createdAt: r.createdAt.toISOString(),
      };
    })
    .sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'calibration' ? -1 : 1));
}

/**
 * A peer submits a review of an assignment: rubric levels and comments. Peer reviews wait until the reviewer's
 * calibration reviews of that assessment are done (`ERR_STATE`); an assignment is reviewed once (`ERR_STATE`); another
 * learner's assignment is not found. When the last of a submission's `k` reviews arrives, its grade is computed (see
 * {@link computePeerGrade}). Call inside a transaction.
 */
export async function submitReview(
  tx: Kysely<Database>,
  deps: AppDeps,
  reviewerUserId: string,
  assignmentId: string,
  input: GradingInput,
  now: Date,
): Promise<{ reviewId: string; kind: 'peer' | 'calibration'; awards: AwardResult[] }> {
  const notFound = new AppError('ERR_NOT_FOUND', 'No review assignment of yours with this id.');
  if (!isUuid(assignmentId)) throw notFound;
  const assignment = await tx
    .selectFrom('reviewAssignments')
    .select(['id', 'assessmentId', 'submissionId', 'kind', 'state'])
    .where('id', '=', assignmentId)
    .where('reviewerUserId', '=', reviewerUserId)
    .where('kind', 'in', ['peer', 'calibration'])
    .forUpdate()
    .executeTakeFirst();
  if (!assignment) throw notFound;
  const kind = assignment.kind as 'peer' | 'calibration';
  if (assignment.state === 'done') throw new AppError('ERR_STATE', 'You have already reviewed this submission.');
  const project = projectOf(await loadAssessment(tx, assignment.assessmentId));
  if (project.assessment.archivedAt) throw notFound;
  if (kind === 'peer') {
    const pending = await tx
      .selectFrom('reviewAssignments')
      .select('id')
      .where('assessmentId', '=', assignment.assessmentId)
      .where('reviewerUserId', '=', reviewerUserId)
      .where('kind', '=', 'calibration')
      .where('state', '=', 'assigned')
      .execute();
    if (pending.length > 0) {
      throw new AppError(
        'ERR_STATE',
        `Review your ${pending.length} calibration submission${pending.length === 1 ? '' : 's'} first.`,
        { calibrationPending: pending.length },
      );
    }
  }
  const submission = await getSubmission(tx, assignment.submissionId, { forUpdate: true });
  const { id: reviewId } = await insertGrading(
    tx,
    project.rubric,
    { submissionId: submission.id, graderUserId: reviewerUserId, kind },
    input,
    now,
  );
  await tx.updateTable('reviewAssignments').set({ state: 'done' }).where('id', '=', assignmentId).execute();
  if (kind === 'calibration') return { reviewId, kind, awards: [] };

  const open = await tx
    .selectFrom('reviewAssignments')
    .select('id')
    .where('submissionId', '=', submission.id)
    .where('kind', '=', 'peer')
    .where('state', '=', 'assigned')
    .execute();
  if (open.length > 0) return { reviewId, kind, awards: [] };
  const { awards } = await computePeerGrade(tx, deps, project, submission, now);
  return { reviewId, kind, awards };
}

/** Each reviewer's calibration accuracy in an assessment (reviewers with no calibration review are absent). */
export async function reviewerAccuracies(
  db: Kysely<Database>,
  project: Project,
  reviewerIds: readonly string[],
): Promise<Map<string, number>> {
  if (reviewerIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('gradings as g')
    .innerJoin('submissions as s', 's.id', 'g.submissionId')
    .select(['g.graderUserId', 'g.levels', 's.referenceLevels'])
    .where('s.assessmentId', '=', project.assessment.id)
    .where('s.isReference', '=', true)
    .where('g.kind', '=', 'calibration')
    .where('g.graderUserId', 'in', reviewerIds)
    .execute();
  const out = new Map<string, number>();
  for (const id of reviewerIds) {
    const mine = rows
      .filter((r) => r.graderUserId === id && r.referenceLevels)
      .map((r) => ({ levels: r.levels as Levels, reference: r.referenceLevels as Levels }));
    const accuracy = calibrationAccuracy(project.rubric, mine);
    if (accuracy !== undefined) out.set(id, accuracy);
  }
  return out;
}

/**
 * The grade of a peer-reviewed submission from its peer reviews: per criterion, the mean of the reviewers' points
 * weighted by each reviewer's calibration accuracy (equal weights without calibration), rounded to the nearest level.
 * A review whose score lies farther than `outlierThreshold` × the max score from that grade's score is flagged; a
 * flagged grade waits for an assessor (confirm or grade), otherwise it is final. A submission an assessor already
 * decided keeps that grade. Call inside a transaction, with the submission locked.
 */
export async function computePeerGrade(
  tx: Kysely<Database>,
  deps: AppDeps,
  project: Project,
  submission: SubmissionRow,
  now: Date,
): Promise<{ grade: Grade; flagged: boolean; awards: AwardResult[] }> {
  const peer = project.peer!;
  const reviews = await tx
    .selectFrom('gradings')
    .select(['id', 'graderUserId', 'levels', 'kind'])
    .where('submissionId', '=', submission.id)
    .execute();
  const peerReviews = reviews.filter((r) => r.kind === 'peer');
  const accuracies =
    peer.calibration > 0
      ? await reviewerAccuracies(
          tx,
          project,
          peerReviews.map((r) => r.graderUserId),
        )
      : new Map<string, number>();
  const weighted = peerReviews.map((r) => ({
    id: r.id,
    levels: r.levels as Levels,
    weight: peer.calibration > 0 ? (accuracies.get(r.graderUserId) ?? 1) : 1,
  }));
  const { levels } = combineGradings(project.rubric, weighted);
  const grade = gradeOf(project.rubric, levels, project.settings.passMark);
  let flagged = false;
  for (const r of weighted) {
    const outlier = isOutlier(project.rubric, r.levels, grade.score, peer.outlierThreshold);
    flagged ||= outlier;
    await tx.updateTable('gradings').set({ weight: r.weight, outlier }).where('id', '=', r.id).execute();
  }
  const decided = submission.state !== 'submitted' || reviews.some((r) => r.kind === 'assessor' || r.kind === 'appeal');
  if (decided) return { grade, flagged, awards: [] };
  if (flagged) {
    await tx
      .updateTable('submissions')
      .set({
        levels: JSON.stringify(levels),
        score: grade.score,
        percent: grade.percent,
        passed: grade.passed,
      })
      .where('id', '=', submission.id)
      .execute();
    return { grade, flagged, awards: [] };
  }
  const how =
    peer.calibration > 0
      ? `by ${weighted.length} peer reviews weighted by the reviewers' calibration accuracy`
      : `by ${weighted.length} peer reviews`;
  const final = await finalizeGrade(tx, deps, project, submission, levels, now, how);
  return { grade: final.grade, flagged, awards: final.awards };
}

/** An assessment's flagged submissions: a peer review lies far from the computed grade, and no assessor decided yet. */
export async function listFlags(db: Kysely<Database>, project: Project): Promise<z.infer<typeof FlagJson>[]> {
  const candidates = await db
    .selectFrom('submissions as s')
    .select('s.id')
    .where('s.assessmentId', '=', project.assessment.id)
    .where('s.state', '=', 'submitted')
    .where('s.isReference', '=', false)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('gradings as g')
          .select('g.id')
          .whereRef('g.submissionId', '=', 's.id')
          .where('g.kind', '=', 'peer')
          .where('g.outlier', '=', true),
      ),
    )
    .orderBy('s.submittedAt')
    .orderBy('s.id')
    .execute();
  const out: z.infer<typeof FlagJson>[] = [];
  for (const { id } of candidates) {
    const submission = await getSubmission(db, id);
    const gradings = await findGradings(db, [id]);
    if (!isFlagged(submission, gradings)) continue;
    const author = submission.learnerUserId
      ? await db
          .selectFrom('users')
          .select(['id', 'name', 'email'])
          .where('id', '=', submission.learnerUserId)
          .executeTakeFirst()
      : undefined;
    const grade = storedGrade(project, submission);
    out.push({
      submissionId: id,
      author: author ?? null,
      grade: grade ? gradeJson(project.rubric, grade, null) : null,
      reviews: gradings.filter((g) => g.kind === 'peer').map((g) => gradingJson(project.rubric, g, 'staff')),
    });
  }
  return out;
}
