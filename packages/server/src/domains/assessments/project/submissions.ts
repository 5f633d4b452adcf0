import { createHash, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { isUniqueViolation } from '../../../db/errors.js';
import { AppError } from '../../../errors.js';
import { roleRank } from '../../../http/access.js';
import type { Principal } from '../../../http/env.js';
import type { Cursor } from '../../../http/pagination.js';
import { isUuid } from '../../../http/schemas.js';
import { assertTakingOpen, getLearnerAssessment, type AssessmentRecord } from '../service.js';
import { contentMatchesType, essenceOf, safeFileName } from './files.js';
import { checkLevels } from './grading.js';
import {
  getSubmission,
  projectOf,
  storedGrade,
  SUBMISSION_COLUMNS,
  submissionNotFound,
  toSubmissionRow,
  type Project,
  type SubmissionRow,
} from './project.js';
import type { ReferenceSubmissionInput, SubmissionInput, SubmissionJson } from './schemas.js';
import type { ProjectSettings } from './settings.js';
import { gradeJson, gradingJson, levelsJson, type GradingRow } from './views.js';

/** A file as uploaded: its name and declared media type as sent, and its bytes. */
export interface UploadedFile {
  name: string;
  mediaType: string;
  bytes: Uint8Array;
}

/**
 * Checks uploads against a project's limits, before anything is stored: how many (`ERR_VALIDATION`), how large
 * (`ERR_FILE_TOO_LARGE`), which media type, declared and actual (`ERR_FILE_TYPE`: the declared type must be allowed
 * and, for the types with a signature, match the content).
 *
 * @example
 * ```ts
 * checkFiles(settings.files, [{ name: 'report.pdf', mediaType: 'application/pdf', bytes }]);
 * ```
 */
export function checkFiles(limits: ProjectSettings['files'], files: readonly UploadedFile[]): void {
  if (files.length > limits.maxFiles) {
    throw new AppError(
      'ERR_VALIDATION',
      `files: at most ${limits.maxFiles} file${limits.maxFiles === 1 ? '' : 's'} per submission; ${files.length} sent.`,
      { issues: [{ path: 'files', message: `at most ${limits.maxFiles} files` }], maxFiles: limits.maxFiles },
    );
  }
  for (const f of files) {
    if (f.bytes.length === 0) {
      throw new AppError('ERR_VALIDATION', `files: "${f.name}" is empty.`, {
        issues: [{ path: 'files', message: 'empty file' }],
      });
    }
    if (f.bytes.length > limits.maxBytes) {
      throw new AppError(
        'ERR_FILE_TOO_LARGE',
        `"${f.name}" has ${f.bytes.length.toLocaleString('en')} bytes; files may have at most ` +
          `${limits.maxBytes.toLocaleString('en')}.`,
        { file: f.name, size: f.bytes.length, maxBytes: limits.maxBytes },
      );
    }
    const type = essenceOf(f.mediaType);
    if (!limits.mediaTypes.includes(type)) {
      throw new AppError(
        'ERR_FILE_TYPE',
        `"${f.name}" is ${type || 'of no declared type'}; this project takes ${limits.mediaTypes.join(', ')}.`,
        { file: f.name, mediaType: type, mediaTypes: limits.mediaTypes },
      );
    }
    if (!contentMatchesType(type, f.bytes)) {
      throw new AppError('ERR_FILE_TYPE', `"${f.name}" is declared as ${type}, but its content is not ${type}.`, {
        file: f.name,
        mediaType: type,
      });
    }
  }
}

/**
 * A learner submits work to an open project: text, links and files. Refused, with nothing stored: the assessment
 * not open (`ERR_ASSESSMENT_CLOSED`), nothing to submit or too many files (`ERR_VALIDATION`), file limits
 * (`ERR_FILE_TOO_LARGE`, `ERR_FILE_TYPE`), a submission still awaiting its grade or one that passed (`ERR_STATE`),
 * no submissions left or resubmission not allowed (`ERR_ATTEMPT_LIMIT`). Resubmission follows a failed grade only.
 * Call inside a transaction.
 *
 * @example
 * ```ts
 * const id = await db.transaction().execute((tx) => createSubmission(tx, userId, assessmentId, { text }, [], now));
 * ```
 */
export async function createSubmission(
  tx: Kysely<Database>,
  learnerUserId: string,
  assessmentId: string,
  input: SubmissionInput,
  files: readonly UploadedFile[],
  now: Date,
): Promise<string> {
  const { assessment } = await getLearnerAssessment(tx, assessmentId);
  if (assessment.kind === 'quiz') {
    throw new AppError('ERR_NOT_FOUND', 'No open project with this id: a quiz is taken with attempts.');
  }
  const project = projectOf(assessment);
  assertTakingOpen(assessment, now);
  if (!input.text && (input.links ?? []).length === 0 && files.length === 0) {
    throw new AppError('ERR_VALIDATION', 'Submit something: text, links or files.', {
      issues: [{ path: 'text', message: 'text, links or files are required' }],
    });
  }
  checkFiles(project.settings.files, files);

  const previous = await tx
    .selectFrom('submissions')
    .select(['number', 'state', 'passed'])
    .where('assessmentId', '=', assessmentId)
    .where('learnerUserId', '=', learnerUserId)
    .execute();
  if (previous.some((p) => p.state === 'submitted')) {
    throw new AppError('ERR_STATE', 'Your previous submission is still awaiting its grade.');
  }
  if (previous.some((p) => p.passed === true)) {
    throw new AppError('ERR_STATE', 'You have already passed this project.');
  }
  const { maxSubmissions, resubmit } = project.settings;
  if (previous.length > 0 && resubmit === 'never') {
    throw new AppError('ERR_ATTEMPT_LIMIT', 'This project takes one submission: resubmission is not allowed.', {
      maxSubmissions: 1,
    });
  }
  if (previous.length >= maxSubmissions) {
    throw new AppError('ERR_ATTEMPT_LIMIT', `You have used all ${maxSubmissions} submissions of this project.`, {
      maxSubmissions,
    });
  }

  const id = randomUUID();
  try {
    await tx
      .insertInto('submissions')
      .values({
        id,
        assessmentId,
        learnerUserId,
        number: previous.length + 1,
        text: input.text ?? null,
        links: JSON.stringify(input.links ?? []),
        isReference: false,
        referenceLevels: null,
        submittedAt: now,
        ...UNGRADED,
      })
      .execute();
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError('ERR_STATE', 'Another submission of yours was just made.');
    throw e;
  }
  if (files.length > 0) {
    await tx
      .insertInto('submissionFiles')
      .values(
        files.map((f) => ({
          id: randomUUID(),
          submissionId: id,
          name: safeFileName(f.name),
          mediaType: essenceOf(f.mediaType),
          size: f.bytes.length,
          sha256: createHash('sha256').update(f.bytes).digest('hex'),
          content: f.bytes,
        })),
      )
      .execute();
  }
  return id;
}

/** A new submission's state: submitted, not graded. */
const UNGRADED = {
  state: 'submitted',
  gradedAt: null,
  levels: null,
  score: null,
  percent: null,
  passed: null,
} as const;

/**
 * A reference submission for calibration: work the staff wrote, with the grade it deserves. Peer reviewers review
 * references first; how near they come to `referenceLevels` weighs their reviews. Call inside a transaction.
 */
export async function createReferenceSubmission(
  tx: Kysely<Database>,
  project: Project,
  input: ReferenceSubmissionInput,
  now: Date,
): Promise<string> {
  if (!input.text && (input.links ?? []).length === 0) {
    throw new AppError('ERR_VALIDATION', 'A reference submission needs text or links.');
  }
  const referenceLevels = checkLevels(project.rubric, input.referenceLevels, 'referenceLevels');
  const { count } = await tx
    .selectFrom('submissions')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('assessmentId', '=', project.assessment.id)
    .where('isReference', '=', true)
    .executeTakeFirstOrThrow();
  const id = randomUUID();
  await tx
    .insertInto('submissions')
    .values({
      id,
      assessmentId: project.assessment.id,
      learnerUserId: null,
      number: Number(count) + 1,
      text: input.text ?? null,
      links: JSON.stringify(input.links ?? []),
      isReference: true,
      referenceLevels: JSON.stringify(referenceLevels),
      submittedAt: now,
      ...UNGRADED,
    })
    .execute();
  return id;
}

/** An assessment by id, whatever its organisation or state (callers decide who may see what of it). */
export async function loadAssessment(db: Kysely<Database>, assessmentId: string): Promise<AssessmentRecord> {
  const row = await db.selectFrom('assessments').selectAll().where('id', '=', assessmentId).executeTakeFirstOrThrow();
  return { ...row, settings: row.settings as Record<string, unknown> };
}

/** Who the caller is to a submission: its author, staff of the organisation (assessor or above), an assigned reviewer. */
export type SubmissionView = 'owner' | 'staff' | 'reviewer';

/**
 * What `principal` may see of a submission, or `null` (then it answers 404 like a submission that does not exist).
 * Staff through an API token need it bound to no other organisation and the `assessments:grade` scope.
 */
export async function viewOf(
  db: Kysely<Database>,
  principal: Principal,
  s: SubmissionRow,
  assessment: AssessmentRecord,
): Promise<SubmissionView | null> {
  if (s.learnerUserId === principal.userId) return 'owner';
  const tokenAllows =
    principal.via !== 'token' ||
    ((!principal.tokenOrgId || principal.tokenOrgId === assessment.orgId) &&
      (principal.scopes ?? []).includes('assessments:grade'));
  if (tokenAllows) {
    const membership = await db
      .selectFrom('memberships')
      .select('role')
      .where('orgId', '=', assessment.orgId)
      .where('userId', '=', principal.userId)
      .executeTakeFirst();
    if (membership && roleRank(membership.role) >= roleRank('assessor')) return 'staff';
  }
  const assigned = await db
    .selectFrom('reviewAssignments')
    .select('id')
    .where('submissionId', '=', s.id)
    .where('reviewerUserId', '=', principal.userId)
    .executeTakeFirst();
  return assigned ? 'reviewer' : null;
}

/** A submission and its assessment, as `principal` may see it (`ERR_NOT_FOUND` when they may not). */
export async function getVisibleSubmission(
  db: Kysely<Database>,
  principal: Principal,
  submissionId: string,
): Promise<{ submission: SubmissionRow; project: Project; view: SubmissionView }> {
  const submission = await getSubmission(db, submissionId);
  const assessment = await loadAssessment(db, submission.assessmentId);
  const view = await viewOf(db, principal, submission, assessment);
  if (!view) throw submissionNotFound();
  return { submission, project: projectOf(assessment), view };
}

/** The gradings of some submissions, with their graders' names. */
export async function findGradings(
  db: Kysely<Database>,
  submissionIds: readonly string[],
  kinds?: readonly GradingRow['kind'][],
): Promise<GradingRow[]> {
  if (submissionIds.length === 0) return [];
  let q = db
    .selectFrom('gradings as g')
    .innerJoin('users as u', 'u.id', 'g.graderUserId')
    .select([
      'g.id',
      'g.submissionId',
      'g.graderUserId',
      'u.name as graderName',
      'u.email as graderEmail',
      'g.kind',
      'g.levels',
      'g.score',
      'g.comment',
      'g.criterionComments',
      'g.weight',
      'g.outlier',
      'g.createdAt',
    ])
    .where('g.submissionId', 'in', submissionIds);
  if (kinds) q = q.where('g.kind', 'in', kinds);
  return q.orderBy('g.createdAt').orderBy('g.id').execute();
}

/** Whether a peer-reviewed submission's computed grade waits for an assessor: a review is an outlier, no decision yet. */
export function isFlagged(s: SubmissionRow, gradings: readonly GradingRow[]): boolean {
  return (
    !s.isReference &&
    s.state === 'submitted' &&
    gradings.some((g) => g.kind === 'peer' && g.outlier) &&
    !gradings.some((g) => g.kind === 'assessor')
  );
}

/**
 * A submission as `view` may see it: the author sees their work, grade, the reviews' levels and comments (never who
 * wrote them) and appeals; a reviewer the work alone, without its author when reviews are anonymous; staff all.
 */
export async function submissionJson(
  db: Kysely<Database>,
  project: Project,
  s: SubmissionRow,
  view: SubmissionView,
): Promise<SubmissionJson> {
  const files = await db
    .selectFrom('submissionFiles')
    .select(['id', 'name', 'mediaType', 'size', 'sha256'])
    .where('submissionId', '=', s.id)
    .orderBy('name')
    .orderBy('id')
    .execute();
  const grade = storedGrade(project, s);
  const base = {
    id: s.id,
    assessmentId: s.assessmentId,
    view,
    number: s.isReference ? null : s.number,
    state: s.state,
    isReference: s.isReference,
    text: s.text,
    links: s.links,
    files,
    submittedAt: s.submittedAt.toISOString(),
  };
  const author = s.learnerUserId
    ? await db.selectFrom('users').select(['id', 'name', 'email']).where('id', '=', s.learnerUserId).executeTakeFirst()
    : undefined;

  if (view === 'reviewer') {
    const anonymous = project.peer?.anonymous ?? true;
    return { ...base, author: author && !anonymous ? { name: author.name } : null, grade: null };
  }

  const appeals = (
    await db
      .selectFrom('appeals')
      .select(['id', 'submissionId', 'state', 'reason', 'resolution', 'createdAt', 'resolvedAt'])
      .where('submissionId', '=', s.id)
      .orderBy('createdAt')
      .execute()
  ).map((a) => ({ ...a, createdAt: a.createdAt.toISOString(), resolvedAt: a.resolvedAt?.toISOString() ?? null }));

  if (view === 'owner') {
    const graded = s.state === 'graded';
    const gradings = graded ? await findGradings(db, [s.id], ['assessor', 'peer', 'appeal']) : [];
    return {
      ...base,
      author: null,
      grade: graded && grade ? gradeJson(project.rubric, grade, s.gradedAt) : null,
      gradings: gradings.map((g) => gradingJson(project.rubric, g, 'owner')),
      appeals,
    };
  }

  const gradings = await findGradings(db, [s.id]);
  return {
    ...base,
    author: author ?? null,
    grade: grade ? gradeJson(project.rubric, grade, s.gradedAt) : null,
    gradings: gradings.map((g) => gradingJson(project.rubric, g, 'staff')),
    appeals,
    referenceLevels: s.referenceLevels ? levelsJson(project.rubric, s.referenceLevels) : null,
    flagged: isFlagged(s, gradings),
  };
}

/** One file of a submission the caller may see (`ERR_NOT_FOUND` otherwise). */
export async function getSubmissionFile(
  db: Kysely<Database>,
  principal: Principal,
  submissionId: string,
  fileId: string,
): Promise<{ name: string; mediaType: string; content: Uint8Array; sha256: string }> {
  await getVisibleSubmission(db, principal, submissionId);
  const notFound = new AppError('ERR_NOT_FOUND', 'No file with this id in this submission.');
  if (!isUuid(fileId)) throw notFound;
  const file = await db
    .selectFrom('submissionFiles')
    .select(['name', 'mediaType', 'content', 'sha256'])
    .where('id', '=', fileId)
    .where('submissionId', '=', submissionId)
    .executeTakeFirst();
  if (!file) throw notFound;
  return file;
}

/** A row of a submissions list. */
export interface SubmissionListItem {
  submission: SubmissionRow;
  project: Project;
  author: { id: string; name: string | null; email: string } | null;
  gradings: number;
}

/** A learner's own submissions, newest first (keyset `after`). */
export async function listMySubmissions(
  db: Kysely<Database>,
  learnerUserId: string,
  options: { limit: number; after?: Cursor },
): Promise<SubmissionListItem[]> {
  let q = db
    .selectFrom('submissions as s')
    .select(SUBMISSION_COLUMNS.map((c) => `s.${c}` as const))
    .where('s.learnerUserId', '=', learnerUserId);
  if (options.after) {
    const { at, id } = options.after;
    q = q.where((eb) =>
      eb.or([eb('s.submittedAt', '<', at), eb.and([eb('s.submittedAt', '=', at), eb('s.id', '<', id)])]),
    );
  }
  const rows = await q.orderBy('s.submittedAt', 'desc').orderBy('s.id', 'desc').limit(options.limit).execute();
  return withDetails(db, rows.map(toSubmissionRow), false);
}

/** An assessment's submissions for its staff, oldest first (the grading queue; keyset `after`). */
export async function listSubmissions(
  db: Kysely<Database>,
  project: Project,
  options: { state?: SubmissionRow['state']; reference?: boolean; limit: number; after?: Cursor },
): Promise<SubmissionListItem[]> {
  let q = db
    .selectFrom('submissions as s')
    .select(SUBMISSION_COLUMNS.map((c) => `s.${c}` as const))
    .where('s.assessmentId', '=', project.assessment.id);
  if (options.state) q = q.where('s.state', '=', options.state);
  if (options.reference !== undefined) q = q.where('s.isReference', '=', options.reference);
  if (options.after) {
    const { at, id } = options.after;
    q = q.where((eb) =>
      eb.or([eb('s.submittedAt', '>', at), eb.and([eb('s.submittedAt', '=', at), eb('s.id', '>', id)])]),
    );
  }
  const rows = await q.orderBy('s.submittedAt').orderBy('s.id').limit(options.limit).execute();
  return withDetails(db, rows.map(toSubmissionRow), true);
}

async function withDetails(
  db: Kysely<Database>,
  rows: SubmissionRow[],
  withAuthor: boolean,
): Promise<SubmissionListItem[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const counts = await db
    .selectFrom('gradings')
    .select(['submissionId', sql<string>`count(*)`.as('n')])
    .where('submissionId', 'in', ids)
    .where('kind', 'in', ['assessor', 'peer'])
    .groupBy('submissionId')
    .execute();
  const countOf = new Map(counts.map((c) => [c.submissionId, Number(c.n)]));
  const projects = new Map<string, Project>();
  for (const assessmentId of new Set(rows.map((r) => r.assessmentId))) {
    projects.set(assessmentId, projectOf(await loadAssessment(db, assessmentId)));
  }
  const learnerIds = [...new Set(rows.flatMap((r) => (r.learnerUserId ? [r.learnerUserId] : [])))];
  const authors =
    withAuthor && learnerIds.length > 0
      ? await db.selectFrom('users').select(['id', 'name', 'email']).where('id', 'in', learnerIds).execute()
      : [];
  const authorOf = new Map(authors.map((a) => [a.id, a]));
  return rows.map((submission) => ({
    submission,
    project: projects.get(submission.assessmentId)!,
    author: submission.learnerUserId ? (authorOf.get(submission.learnerUserId) ?? null) : null,
    gradings: countOf.get(submission.id) ?? 0,
  }));
}
