import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { AppError } from '../../../errors.js';
import { isUuid } from '../../../http/schemas.js';
import { parseSettings } from '../schemas.js';
import type { AssessmentRecord } from '../service.js';
import { checkLevels, scoreOf, type Grade, type Levels } from './grading.js';
import type { GradingInput } from './schemas.js';
import type { ProjectSettings, Rubric } from './settings.js';

/** Peer review's own settings; null for a project graded by assessors only. */
export interface PeerSettings {
  k: number;
  anonymous: boolean;
  calibration: number;
  outlierThreshold: number;
}

/** A project or peer-reviewed assessment with its settings read. */
export interface Project {
  assessment: AssessmentRecord;
  kind: 'project' | 'peer_review';
  settings: ProjectSettings;
  rubric: Rubric;
  peer: PeerSettings | null;
}

export const projectNotFound = () =>
  new AppError('ERR_NOT_FOUND', 'No project or peer-reviewed assessment with this id in this organisation.');

/**
 * An assessment as a project: its settings read by the kind's schema. A quiz is not found here (these routes are
 * about submissions).
 *
 * @example
 * ```ts
 * const project = projectOf(await getAssessment(db, orgId, assessmentId));
 * ```
 */
export function projectOf(assessment: AssessmentRecord): Project {
  if (assessment.kind === 'project') {
    const settings = parseSettings('project', assessment.settings);
    return { assessment, kind: 'project', settings, rubric: settings.rubric, peer: null };
  }
  if (assessment.kind === 'peer_review') {
    const s = parseSettings('peer_review', assessment.settings);
    return {
      assessment,
      kind: 'peer_review',
      settings: s,
      rubric: s.rubric,
      peer: {
        k: s.reviewsPerSubmission,
        anonymous: s.anonymous,
        calibration: s.calibration,
        outlierThreshold: s.outlierThreshold,
      },
    };
  }
  throw projectNotFound();
}

/** A submission as stored. */
export interface SubmissionRow {
  id: string;
  assessmentId: string;
  learnerUserId: string | null;
  number: number;
  state: 'submitted' | 'graded' | 'returned' | 'withdrawn';
  text: string | null;
  links: string[];
  isReference: boolean;
  referenceLevels: Levels | null;
  submittedAt: Date;
  gradedAt: Date | null;
  levels: Levels | null;
  score: number | null;
  percent: number | null;
  passed: boolean | null;
}

export const SUBMISSION_COLUMNS = [
  'id',
  'assessmentId',
  'learnerUserId',
  'number',
  'state',
  'text',
  'links',
  'isReference',
  'referenceLevels',
  'submittedAt',
  'gradedAt',
  'levels',
  'score',
  'percent',
  'passed',
] as const;

/** A row read with {@link SUBMISSION_COLUMNS}, typed (the jsonb columns hold what this domain wrote). */
export const toSubmissionRow = (row: Record<(typeof SUBMISSION_COLUMNS)[number], unknown>): SubmissionRow =>
  row as unknown as SubmissionRow;

export const submissionNotFound = () => new AppError('ERR_NOT_FOUND', 'No submission with this id that you can see.');

/**
 * A submission of an assessment, locked for the rest of the transaction when `forUpdate` (grading it, reviewing it,
 * appealing it: one after the other). Not found unless it belongs to `assessmentId` (when given).
 */
export async function getSubmission(
  db: Kysely<Database>,
  submissionId: string,
  options: { assessmentId?: string; forUpdate?: boolean } = {},
): Promise<SubmissionRow> {
  if (!isUuid(submissionId)) throw submissionNotFound();
  let q = db.selectFrom('submissions').select(SUBMISSION_COLUMNS).where('id', '=', submissionId);
  if (options.assessmentId) q = q.where('assessmentId', '=', options.assessmentId);
  if (options.forUpdate) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw submissionNotFound();
  return toSubmissionRow(row);
}

/** The final grade a submission holds (when graded), from its stored levels. */
export function storedGrade(project: Project, s: SubmissionRow): Grade | null {
  if (!s.levels || s.score === null || s.percent === null || s.passed === null) return null;
  const maxScore = project.rubric.criteria.reduce((sum, c) => sum + Math.max(...c.levels.map((l) => l.points)), 0);
  return { levels: s.levels, score: s.score, maxScore, percent: s.percent, passed: s.passed };
}

/** Checks that per-criterion comments name criteria of the rubric (`ERR_VALIDATION` otherwise). */
export function checkCriterionComments(rubric: Rubric, comments: Record<string, string> | undefined): void {
  const known = new Set(rubric.criteria.map((c) => c.id));
  for (const id of Object.keys(comments ?? {})) {
    if (!known.has(id)) {
      throw new AppError('ERR_VALIDATION', `criterionComments.${id}: no criterion with this id in the rubric.`);
    }
  }
}

/**
 * Checks a grading against the rubric (every criterion a level of its own, comments on criteria it has) and stores it:
 * an assessor's grading, a peer's review, a calibration review, or an appeal's new grade. Returns its id and the levels
 * as checked. A second grading of one submission by one person of one kind fails on the unique constraint (23505),
 * unless `replace` (an appeal resolved again replaces the earlier resolution's grading).
 */
export async function insertGrading(
  tx: Kysely<Database>,
  rubric: Rubric,
  grading: { submissionId: string; graderUserId: string; kind: 'assessor' | 'peer' | 'calibration' | 'appeal' },
  input: GradingInput,
  now: Date,
  options: { replace?: boolean } = {},
): Promise<{ id: string; levels: Levels }> {
  const levels = checkLevels(rubric, input.levels);
  checkCriterionComments(rubric, input.criterionComments);
  const values = {
    levels: JSON.stringify(levels),
    score: scoreOf(rubric, levels),
    comment: input.comment ?? null,
    criterionComments: input.criterionComments ? JSON.stringify(input.criterionComments) : null,
    createdAt: now,
  };
  const { id } = await tx
    .insertInto('gradings')
    .values({ id: randomUUID(), ...grading, ...values, weight: null, outlier: false })
    .$call((q) =>
      options.replace
        ? q.onConflict((oc) => oc.columns(['submissionId', 'graderUserId', 'kind']).doUpdateSet(values))
        : q,
    )
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id, levels };
}
