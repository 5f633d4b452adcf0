import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { AppError } from '../../../errors.js';
import { access } from '../../../http/access.js';
import { auditedWrite } from '../../../http/audited-write.js';
import type { AppEnv } from '../../../http/env.js';
import { decodeCursor, encodeCursor, pageOf, PageQuery } from '../../../http/pagination.js';
import { route } from '../../../http/route.js';
import { errorResponse, jsonBody, jsonResponse, OrgParams } from '../../../http/schemas.js';
import type { AwardResult } from '../../awards/engine.js';
import { parseInput } from '../schemas.js';
import { getAssessment } from '../service.js';
import { createAppeal, listAppeals, resolveAppeal } from './appeals.js';
import { attachmentDisposition } from './files.js';
import { agreementReport, confirmPeerGrade, gradeSubmission } from './grades.js';
import { createPeerAssignments, listFlags, listMyReviews, submitReview } from './peer-review.js';
import { getSubmission, projectOf, storedGrade, type Project } from './project.js';
import {
  AgreementJson,
  AppealInput,
  AppealJson,
  AppealResolution,
  FlagJson,
  GradingInput,
  PeerAssignmentInput,
  ReferenceSubmissionInput,
  ReviewAssignmentJson,
  SubmissionInput,
  SubmissionJson,
  SubmissionSummaryJson,
} from './schemas.js';
import {
  createReferenceSubmission,
  createSubmission,
  getSubmissionFile,
  getVisibleSubmission,
  listMySubmissions,
  listSubmissions,
  loadAssessment,
  submissionJson,
  type SubmissionListItem,
  type UploadedFile,
} from './submissions.js';
import { gradeJson } from './views.js';

const TAGS = ['Projects and peer review'];
const TAKE = access.signedIn({ scope: 'assessments:take' });
const GRADE = access.org('assessor', 'assessments:grade');
const STAFF_BASE = '/api/v1/orgs/{orgId}/assessments/{assessmentId}';

const AssessmentParams = OrgParams.extend({ assessmentId: z.uuid() });
const StaffSubmissionParams = AssessmentParams.extend({ submissionId: z.uuid() });
const SubmissionParams = z.object({ submissionId: z.uuid() });
const SubmissionBody = z.object({ submission: SubmissionJson });
const AwardJson = z
  .object({ awardId: z.uuid(), achievementId: z.uuid(), credentialId: z.uuid(), generation: z.number().int() })
  .openapi('Award');
const SubmissionPage = z.object({ submissions: z.array(SubmissionSummaryJson), nextCursor: z.string().nullable() });

const submitRoute = route({
  method: 'post',
  path: '/api/v1/assessments/{assessmentId}/submissions',
  access: TAKE,
  summary: 'Submit work to a project',
  description:
    'JSON `{ text?, links? }`, or a multipart form with `text`, `links` (repeated) and `files` (repeated). Files ' +
    "are checked against the project's limits (count: `ERR_VALIDATION`; size: `ERR_FILE_TOO_LARGE`; media type, " +
    'declared and, for PDF, PNG, JPEG, GIF, WebP, ZIP and plain text, by content: `ERR_FILE_TYPE`); when anything ' +
    'is refused, nothing is stored. One submission awaits its grade at a time (`ERR_STATE`); another follows a ' +
    'failed grade only, up to `maxSubmissions` (`ERR_ATTEMPT_LIMIT`).',
  tags: TAGS,
  request: {
    params: z.object({ assessmentId: z.uuid() }),
    body: {
      content: {
        'application/json': { schema: SubmissionInput },
        'multipart/form-data': {
          schema: {
            type: 'object',
            properties: {
              text: { type: 'string' },
              links: { type: 'array', items: { type: 'string', format: 'uri' } },
              files: { type: 'array', items: { type: 'string', format: 'binary' } },
            },
          },
        },
      },
    },
  },
  responses: {
    201: jsonResponse('The submission', SubmissionBody),
    400: errorResponse('Nothing submitted, bad text or links, too many files (`ERR_VALIDATION`).'),
    404: errorResponse('No open project with this id.'),
    409: errorResponse(
      'Closed (`ERR_ASSESSMENT_CLOSED`), a submission pending or passed (`ERR_STATE`), none left (`ERR_ATTEMPT_LIMIT`).',
    ),
    413: errorResponse('A file is larger than the project allows (`ERR_FILE_TOO_LARGE`).'),
    415: errorResponse("A file's type is not allowed or not what its content is (`ERR_FILE_TYPE`)."),
  },
});

const getRoute = route({
  method: 'get',
  path: '/api/v1/submissions/{submissionId}',
  access: TAKE,
  summary: 'Read a submission',
  description:
    'Its author sees the work, the grade and the reviews (levels and comments, never who wrote them) and appeals; ' +
    "an assigned reviewer sees the work only (without its author when reviews are anonymous); the organisation's " +
    'assessors see everything. Anyone else: 404.',
  tags: TAGS,
  request: { params: SubmissionParams },
  responses: { 200: jsonResponse('The submission', SubmissionBody), 404: errorResponse('Not found.') },
});

const fileRoute = route({
  method: 'get',
  path: '/api/v1/submissions/{submissionId}/files/{fileId}',
  access: TAKE,
  summary: 'Download a file of a submission',
  description:
    'Served as an attachment with its stored media type, `X-Content-Type-Options: nosniff` and a sandboxing ' +
    'Content-Security-Policy, to the same people who may read the submission.',
  tags: TAGS,
  request: { params: SubmissionParams.extend({ fileId: z.uuid() }) },
  responses: {
    200: {
      description: 'The file',
      content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
    },
    404: errorResponse('Not found.'),
  },
});

const mySubmissionsRoute = route({
  method: 'get',
  path: '/api/v1/me/submissions',
  access: TAKE,
  summary: 'My submissions',
  description: 'Newest first, with grades once final.',
  tags: TAGS,
  request: { query: PageQuery },
  responses: { 200: jsonResponse('A page', SubmissionPage) },
});

const appealRoute = route({
  method: 'post',
  path: '/api/v1/submissions/{submissionId}/appeals',
  access: TAKE,
  summary: 'Appeal the grade of my submission',
  description: 'Graded submissions only; one open appeal at a time (`ERR_STATE`). An assessor resolves it.',
  tags: TAGS,
  request: { params: SubmissionParams, body: jsonBody(AppealInput) },
  responses: {
    201: jsonResponse('The appeal', z.object({ appeal: AppealJson })),
    404: errorResponse('Not found.'),
    409: errorResponse('Not graded, or an appeal is open (`ERR_STATE`).'),
  },
});

const myReviewsRoute = route({
  method: 'get',
  path: '/api/v1/me/reviews',
  access: TAKE,
  summary: 'My peer reviews to do',
  description:
    'Calibration reviews first: peer reviews of an assessment open (`available`) once its calibration reviews are done.',
  tags: TAGS,
  request: { query: z.object({ state: z.enum(['assigned', 'done', 'all']).default('assigned') }) },
  responses: { 200: jsonResponse('Assignments', z.object({ reviews: z.array(ReviewAssignmentJson) })) },
});

const reviewRoute = route({
  method: 'post',
  path: '/api/v1/reviews/{assignmentId}',
  access: TAKE,
  summary: 'Submit a peer review',
  description:
    'Rubric levels for every criterion, with comments. Once a submission has all its reviews, its grade is the ' +
    "reviews weighted by each reviewer's calibration accuracy; a review far from it is flagged to an assessor.",
  tags: TAGS,
  request: { params: z.object({ assignmentId: z.uuid() }), body: jsonBody(GradingInput) },
  responses: {
    201: jsonResponse(
      'Recorded',
      z.object({ review: z.object({ id: z.uuid(), kind: z.enum(['peer', 'calibration']) }) }),
    ),
    404: errorResponse('No such assignment of yours.'),
    409: errorResponse('Already reviewed, or calibration reviews pending (`ERR_STATE`).'),
  },
});

// --- staff

const listRoute = route({
  method: 'get',
  path: `${STAFF_BASE}/submissions`,
  access: GRADE,
  summary: "List an assessment's submissions",
  description: 'Oldest first (the grading queue), with their authors; `reference=true` lists calibration references.',
  tags: TAGS,
  request: {
    params: AssessmentParams,
    query: z.object({
      state: z.enum(['submitted', 'graded']).optional(),
      reference: z.enum(['true', 'false']).optional(),
      ...PageQuery.shape,
    }),
  },
  responses: { 200: jsonResponse('A page', SubmissionPage), 404: errorResponse('No such assessment.') },
});

const staffGetRoute = route({
  method: 'get',
  path: `${STAFF_BASE}/submissions/{submissionId}`,
  access: GRADE,
  summary: 'Read a submission (staff)',
  description: 'Everything: the author, every grading with its grader, weight and outlier flag, appeals.',
  tags: TAGS,
  request: { params: StaffSubmissionParams },
  responses: { 200: jsonResponse('The submission', SubmissionBody), 404: errorResponse('Not found.') },
});

const GradedBody = z.object({ submission: SubmissionJson, awards: z.array(AwardJson) });

const gradeRoute = route({
  method: 'post',
  path: `${STAFF_BASE}/submissions/{submissionId}/grades`,
  access: GRADE,
  summary: 'Grade a submission',
  description:
    'Rubric levels for every criterion, with comments. A project is graded once `assessorsPerSubmission` assessors ' +
    'have graded it: per criterion the mean of their points, rounded to the nearest level (halfway: the higher). On a ' +
    "peer-reviewed project an assessor's grading overrides the peer grade at once. The final grade records the " +
    'outcome and runs the award engine in the same transaction.',
  tags: TAGS,
  request: { params: StaffSubmissionParams, body: jsonBody(GradingInput) },
  responses: {
    201: jsonResponse('The grading; the grade once final', GradedBody.extend({ grading: z.object({ id: z.uuid() }) })),
    404: errorResponse('Not found.'),
    409: errorResponse('Already graded (`ERR_STATE`), or graded by you (`ERR_CONFLICT`).'),
  },
});

const confirmRoute = route({
  method: 'post',
  path: `${STAFF_BASE}/submissions/{submissionId}/confirm`,
  access: GRADE,
  summary: 'Confirm a flagged peer grade',
  description: 'The weighted peer grade becomes final as computed. To change it instead, grade the submission.',
  tags: TAGS,
  request: {
    params: StaffSubmissionParams,
    body: jsonBody(z.object({ comment: z.string().trim().min(1).max(10_000).optional() }).strict()),
  },
  responses: {
    200: jsonResponse('The graded submission', GradedBody),
    404: errorResponse('Not found.'),
    409: errorResponse('Not flagged (`ERR_STATE`).'),
  },
});

const referenceRoute = route({
  method: 'post',
  path: `${STAFF_BASE}/reference-submissions`,
  access: GRADE,
  summary: 'Add a reference submission for calibration',
  description:
    'Work written by staff, with the levels it deserves. Peer reviewers review `calibration` references first; their ' +
    'accuracy (1 − mean |their points − reference points| / top points per criterion) weighs their peer reviews.',
  tags: TAGS,
  request: { params: AssessmentParams, body: jsonBody(ReferenceSubmissionInput) },
  responses: { 201: jsonResponse('The reference', SubmissionBody), 404: errorResponse('No such assessment.') },
});

const assignRoute = route({
  method: 'post',
  path: `${STAFF_BASE}/peer-assignments`,
  access: GRADE,
  summary: 'Assign peer reviews',
  description:
    'Each submission not yet assigned goes to `reviewsPerSubmission` (k) peers among the learners who submitted: ' +
    'never its author, never a repeated pair, balanced (when every learner submitted once, each reviews exactly k). ' +
    'Each reviewer also gets the calibration reviews they lack. The same seed over the same submissions gives the ' +
    'same assignment; without one, a seed is drawn and answered.',
  tags: TAGS,
  request: { params: AssessmentParams, body: jsonBody(PeerAssignmentInput) },
  responses: {
    201: jsonResponse(
      'What was assigned',
      z.object({
        assignment: z.object({
          seed: z.string(),
          reviewers: z.number().int(),
          submissions: z.number().int(),
          peerReviews: z.number().int(),
          calibrationReviews: z.number().int(),
          load: z.object({ min: z.number().int(), max: z.number().int() }),
        }),
      }),
    ),
    404: errorResponse('No such assessment.'),
    409: errorResponse('Not peer-reviewed, too few learners for k, or too few references (`ERR_STATE`).'),
  },
});

const agreementRoute = route({
  method: 'get',
  path: `${STAFF_BASE}/agreement`,
  access: GRADE,
  summary: 'How far graders agree',
  description:
    'Over the submissions two or more assessors (peers, on a peer-reviewed project) graded: per criterion exact and ' +
    "adjacent agreement of pairs, Krippendorff's alpha (ordinal on the level order, interval on the points), and " +
    'interval alpha of the total score. Null where undefined (no pairs, or no variation).',
  tags: TAGS,
  request: { params: AssessmentParams },
  responses: {
    200: jsonResponse('The report', z.object({ agreement: AgreementJson })),
    404: errorResponse('Not found.'),
  },
});

const flagsRoute = route({
  method: 'get',
  path: `${STAFF_BASE}/flags`,
  access: GRADE,
  summary: 'Flagged peer grades',
  description:
    'Submissions with a peer review farther than `outlierThreshold` × the max score from their weighted grade, ' +
    'awaiting an assessor: confirm (POST …/confirm) or grade them.',
  tags: TAGS,
  request: { params: AssessmentParams },
  responses: {
    200: jsonResponse('The flags', z.object({ flags: z.array(FlagJson) })),
    404: errorResponse('Not found.'),
  },
});

const appealsRoute = route({
  method: 'get',
  path: `${STAFF_BASE}/appeals`,
  access: GRADE,
  summary: "List an assessment's appeals",
  tags: TAGS,
  request: { params: AssessmentParams, query: z.object({ state: z.enum(['open', 'upheld', 'rejected']).optional() }) },
  responses: {
    200: jsonResponse('Appeals', z.object({ appeals: z.array(AppealJson) })),
    404: errorResponse('Not found.'),
  },
});

const resolveRoute = route({
  method: 'post',
  path: `${STAFF_BASE}/appeals/{appealId}/resolve`,
  access: GRADE,
  summary: 'Resolve an appeal',
  description:
    "Uphold with new levels (the submission's new final grade: the outcome is recorded again and the award engine " +
    'runs), or reject.',
  tags: TAGS,
  request: { params: AssessmentParams.extend({ appealId: z.uuid() }), body: jsonBody(AppealResolution) },
  responses: {
    200: jsonResponse(
      'Resolved',
      z.object({ appeal: AppealJson, submission: SubmissionJson, awards: z.array(AwardJson) }),
    ),
    404: errorResponse('Not found.'),
    409: errorResponse('Already resolved (`ERR_STATE`).'),
  },
});

/** Rubric-graded projects and peer review: submissions, grading, calibration, peer assignment, flags and appeals. */
export function registerProjectRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(submitRoute, async (c) => {
    const deps = c.get('deps');
    const principal = c.get('principal')!;
    const { assessmentId } = c.req.valid('param');
    const { input, files } = await readSubmission(c);
    const now = deps.clock();
    const submission = await deps.db.transaction().execute(async (tx) => {
      const id = await createSubmission(tx, principal.userId, assessmentId, input, files, now);
      const s = await getSubmission(tx, id);
      return submissionJson(tx, projectOf(await loadAssessment(tx, s.assessmentId)), s, 'owner');
    });
    return c.json({ submission }, 201);
  });

  app.openapi(getRoute, async (c) => {
    const { db } = c.get('deps');
    const { submission, project, view } = await getVisibleSubmission(
      db,
      c.get('principal')!,
      c.req.valid('param').submissionId,
    );
    return c.json({ submission: await submissionJson(db, project, submission, view) }, 200);
  });

  app.openapi(fileRoute, async (c) => {
    const { submissionId, fileId } = c.req.valid('param');
    const file = await getSubmissionFile(c.get('deps').db, c.get('principal')!, submissionId, fileId);
    const type = file.mediaType.startsWith('text/') ? `${file.mediaType}; charset=utf-8` : file.mediaType;
    return c.body(new Uint8Array(file.content), 200, {
      'content-type': type,
      'content-disposition': attachmentDisposition(file.name),
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'cache-control': 'private, no-store',
      etag: `"${file.sha256}"`,
    }) as never;
  });

  app.openapi(mySubmissionsRoute, async (c) => {
    const { db } = c.get('deps');
    const { limit, cursor } = c.req.valid('query');
    const rows = await listMySubmissions(db, c.get('principal')!.userId, {
      limit: limit + 1,
      ...(cursor !== undefined && { after: decodeCursor(cursor) }),
    });
    const { rows: shown, next } = pageOf(rows, limit, (last) =>
      encodeCursor(last.submission.submittedAt, last.submission.id),
    );
    return c.json({ submissions: shown.map((r) => summaryJson(r, false)), nextCursor: next }, 200);
  });

  app.openapi(appealRoute, async (c) => {
    const deps = c.get('deps');
    const { submissionId } = c.req.valid('param');
    const { reason } = c.req.valid('json');
    const appeal = await deps.db
      .transaction()
      .execute((tx) => createAppeal(tx, c.get('principal')!.userId, submissionId, reason, deps.clock()));
    return c.json({ appeal }, 201);
  });

  app.openapi(myReviewsRoute, async (c) => {
    const reviews = await listMyReviews(c.get('deps').db, c.get('principal')!.userId, c.req.valid('query').state);
    return c.json({ reviews }, 200);
  });

  app.openapi(reviewRoute, async (c) => {
    const deps = c.get('deps');
    const { assignmentId } = c.req.valid('param');
    const input = c.req.valid('json');
    const result = await deps.db
      .transaction()
      .execute((tx) => submitReview(tx, deps, c.get('principal')!.userId, assignmentId, input, deps.clock()));
    // The awards a review completes belong to the author, not the reviewer: not answered here.
    return c.json({ review: { id: result.reviewId, kind: result.kind } }, 201);
  });

  // --- staff

  app.openapi(listRoute, async (c) => {
    const { db } = c.get('deps');
    const { orgId, assessmentId } = c.req.valid('param');
    const { state, reference, limit, cursor } = c.req.valid('query');
    const project = projectOf(await getAssessment(db, orgId, assessmentId));
    const rows = await listSubmissions(db, project, {
      limit: limit + 1,
      ...(state && { state }),
      ...(reference && { reference: reference === 'true' }),
      ...(cursor !== undefined && { after: decodeCursor(cursor) }),
    });
    const { rows: shown, next } = pageOf(rows, limit, (last) =>
      encodeCursor(last.submission.submittedAt, last.submission.id),
    );
    return c.json({ submissions: shown.map((r) => summaryJson(r, true)), nextCursor: next }, 200);
  });

  app.openapi(staffGetRoute, async (c) => {
    const { db } = c.get('deps');
    const { orgId, assessmentId, submissionId } = c.req.valid('param');
    const project = projectOf(await getAssessment(db, orgId, assessmentId));
    const s = await getSubmission(db, submissionId, { assessmentId });
    return c.json({ submission: await submissionJson(db, project, s, 'staff') }, 200);
  });

  app.openapi(gradeRoute, async (c) => {
    const { orgId, assessmentId, submissionId } = c.req.valid('param');
    const input = c.req.valid('json');
    const out = await auditedWrite(c, async ({ tx, now, principal, deps }) => {
      const project = await writableProject(tx, orgId, assessmentId);
      const { gradingId, final } = await gradeSubmission(tx, deps, project, submissionId, principal.userId, input, now);
      return {
        result: { gradingId, ...(await gradedBody(tx, project, submissionId, final?.awards ?? [])) },
        audit: {
          action: 'submission.grade',
          targetType: 'submission',
          targetId: submissionId,
          data: { assessmentId, gradingId, levels: input.levels, final: final ? final.grade.percent : null },
        },
      };
    });
    return c.json({ grading: { id: out.gradingId }, submission: out.submission, awards: out.awards }, 201);
  });

  app.openapi(confirmRoute, async (c) => {
    const { orgId, assessmentId, submissionId } = c.req.valid('param');
    const { comment } = c.req.valid('json');
    const out = await auditedWrite(c, async ({ tx, now, principal, deps }) => {
      const project = await writableProject(tx, orgId, assessmentId);
      const { final } = await confirmPeerGrade(tx, deps, project, submissionId, principal.userId, comment, now);
      return {
        result: await gradedBody(tx, project, submissionId, final?.awards ?? []),
        audit: {
          action: 'submission.confirm_peer_grade',
          targetType: 'submission',
          targetId: submissionId,
          data: { assessmentId, percent: final?.grade.percent ?? null },
        },
      };
    });
    return c.json(out, 200);
  });

  app.openapi(referenceRoute, async (c) => {
    const { orgId, assessmentId } = c.req.valid('param');
    const input = c.req.valid('json');
    const submission = await auditedWrite(c, async ({ tx, now }) => {
      const project = await writableProject(tx, orgId, assessmentId);
      const id = await createReferenceSubmission(tx, project, input, now);
      return {
        result: await submissionJson(tx, project, await getSubmission(tx, id), 'staff'),
        audit: {
          action: 'submission.create_reference',
          targetType: 'submission',
          targetId: id,
          data: { assessmentId },
        },
      };
    });
    return c.json({ submission }, 201);
  });

  app.openapi(assignRoute, async (c) => {
    const { orgId, assessmentId } = c.req.valid('param');
    const { seed } = c.req.valid('json');
    const assignment = await auditedWrite(c, async ({ tx, now }) => {
      const project = await writableProject(tx, orgId, assessmentId);
      const result = await createPeerAssignments(tx, project, seed, now);
      return {
        result,
        audit: {
          action: 'assessment.assign_peer_reviews',
          targetType: 'assessment',
          targetId: assessmentId,
          data: { ...result },
        },
      };
    });
    return c.json({ assignment }, 201);
  });

  app.openapi(agreementRoute, async (c) => {
    const { db } = c.get('deps');
    const { orgId, assessmentId } = c.req.valid('param');
    const project = projectOf(await getAssessment(db, orgId, assessmentId));
    return c.json({ agreement: await agreementReport(db, project) }, 200);
  });

  app.openapi(flagsRoute, async (c) => {
    const { db } = c.get('deps');
    const { orgId, assessmentId } = c.req.valid('param');
    const project = projectOf(await getAssessment(db, orgId, assessmentId));
    return c.json({ flags: await listFlags(db, project) }, 200);
  });

  app.openapi(appealsRoute, async (c) => {
    const { db } = c.get('deps');
    const { orgId, assessmentId } = c.req.valid('param');
    const project = projectOf(await getAssessment(db, orgId, assessmentId));
    return c.json({ appeals: await listAppeals(db, project, c.req.valid('query').state) }, 200);
  });

  app.openapi(resolveRoute, async (c) => {
    const { orgId, assessmentId, appealId } = c.req.valid('param');
    const input = c.req.valid('json');
    const out = await auditedWrite(c, async ({ tx, now, principal, deps }) => {
      const project = projectOf(await getAssessment(tx, orgId, assessmentId));
      const { appeal, awards } = await resolveAppeal(tx, deps, project, appealId, principal.userId, input, now);
      return {
        result: { appeal, ...(await gradedBody(tx, project, appeal.submissionId, awards)) },
        audit: {
          action: 'appeal.resolve',
          targetType: 'appeal',
          targetId: appealId,
          data: {
            assessmentId,
            decision: input.decision,
            ...(input.decision === 'uphold' && { levels: input.levels }),
          },
        },
      };
    });
    return c.json(out, 200);
  });
}

/** A staff write's project: archived assessments take no more grading work (`ERR_STATE`). */
async function writableProject(
  tx: Parameters<typeof getAssessment>[0],
  orgId: string,
  assessmentId: string,
): Promise<Project> {
  const project = projectOf(await getAssessment(tx, orgId, assessmentId));
  if (project.assessment.archivedAt) throw new AppError('ERR_STATE', 'This assessment is archived.');
  return project;
}

async function gradedBody(
  tx: Parameters<typeof getAssessment>[0],
  project: Project,
  submissionId: string,
  awards: AwardResult[],
) {
  const s = await getSubmission(tx, submissionId);
  return { submission: await submissionJson(tx, project, s, 'staff'), awards };
}

function summaryJson(item: SubmissionListItem, staff: boolean): z.infer<typeof SubmissionSummaryJson> {
  const { submission: s, project } = item;
  const grade = s.state === 'graded' ? storedGrade(project, s) : null;
  return {
    id: s.id,
    assessment: { id: project.assessment.id, title: project.assessment.title, kind: project.kind },
    number: s.isReference ? null : s.number,
    state: s.state,
    isReference: s.isReference,
    ...(staff && { author: item.author }),
    submittedAt: s.submittedAt.toISOString(),
    gradings: item.gradings,
    grade: grade ? gradeJson(project.rubric, grade, s.gradedAt) : null,
  };
}

const FORM_FIELDS = new Set(['text', 'links', 'files', '_csrf']);

/** The submission a request carries: JSON (validated by the route), or a multipart form with files. */
async function readSubmission(c: Context<AppEnv>): Promise<{ input: SubmissionInput; files: UploadedFile[] }> {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  if (!type.startsWith('multipart/form-data')) {
    // JSON, already checked against SubmissionInput by the route (the body is cached); no body at all is `{}`.
    const body: unknown = type === '' ? {} : await c.req.json();
    return { input: parseInput(SubmissionInput, body), files: [] };
  }
  let form: FormData;
  try {
    form = await c.req.formData();
  } catch {
    throw new AppError('ERR_VALIDATION', 'The form data could not be read.');
  }
  const entries: [string, FormDataEntryValue][] = [];
  form.forEach((value, key) => entries.push([key, value]));
  const files: UploadedFile[] = [];
  const links: string[] = [];
  let text: string | undefined;
  for (const [key, value] of entries) {
    if (!FORM_FIELDS.has(key)) {
      throw new AppError('ERR_VALIDATION', `${key}: not a field of a submission (text, links, files).`, {
        issues: [{ path: key, message: 'unknown field' }],
      });
    }
    if (key === 'files') {
      if (typeof value === 'string') {
        throw new AppError('ERR_VALIDATION', 'files: send files, not text.', {
          issues: [{ path: 'files', message: 'not a file' }],
        });
      }
      files.push({ name: value.name, mediaType: value.type, bytes: new Uint8Array(await value.arrayBuffer()) });
    } else if (typeof value !== 'string') {
      throw new AppError('ERR_VALIDATION', `${key}: text expected, not a file.`, {
        issues: [{ path: key, message: 'not text' }],
      });
    } else if (key === 'text') {
      text = value;
    } else if (key === 'links') {
      links.push(value);
    }
  }
  const input = parseInput(SubmissionInput, {
    ...(text !== undefined && text.trim() !== '' && { text }),
    ...(links.length > 0 && { links }),
  });
  return { input, files };
}
