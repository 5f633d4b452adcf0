import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { access } from '../../http/access.js';
import { auditedWrite } from '../../http/audited-write.js';
import type { AppEnv } from '../../http/env.js';
import { decodeCursor, encodeCursor, pageOf, PageQuery } from '../../http/pagination.js';
import { route } from '../../http/route.js';
import { errorResponse, jsonBody, jsonResponse, OrgParams } from '../../http/schemas.js';
import { attemptLength } from './quiz/draw.js';
import { quizLearnerStatus, settleLearnerQuiz } from './quiz/attempts.js';
import { syncResultDescriptions } from './result-descriptions.js';
import {
  ASSESSMENT_KINDS,
  AssessmentInput,
  AssessmentJson,
  AssessmentPatch,
  LearnerAssessmentJson,
  parseSettings,
} from './schemas.js';
import {
  archiveAssessment,
  assessmentJson,
  createAssessment,
  getAssessment,
  getLearnerAssessment,
  listAssessments,
  setAssessmentState,
  updateAssessment,
  type LearnerAssessment,
} from './service.js';

const TAGS = ['Assessments'];
const BASE = '/api/v1/orgs/{orgId}/assessments';

const READ = access.org('viewer', 'assessments:read');
const WRITE = access.org('issuer', 'assessments:write');

const OneParams = OrgParams.extend({ assessmentId: z.uuid() });
const Body = z.object({ assessment: AssessmentJson });

const createRoute = route({
  method: 'post',
  path: BASE,
  access: WRITE,
  summary: 'Create an assessment',
  description:
    'A quiz, a rubric-graded project or a peer-reviewed project, in state `draft` (only staff see it). `settings` ' +
    "follows the kind's schema (QuizSettings, ProjectSettings, PeerReviewSettings). With `achievementId`, passing it " +
    'counts toward that achievement of the organisation.',
  tags: TAGS,
  request: { params: OrgParams, body: jsonBody(AssessmentInput) },
  responses: {
    201: jsonResponse('Created', Body),
    400: errorResponse('The input is invalid, or the achievement is not this organisation’s (`ERR_VALIDATION`).'),
    409: errorResponse('The achievement is archived (`ERR_STATE`).'),
  },
});

const listRoute = route({
  method: 'get',
  path: BASE,
  access: READ,
  summary: "List an organisation's assessments",
  description: 'Newest first, a page at a time: pass `nextCursor` back as `cursor` for the next page.',
  tags: TAGS,
  request: {
    params: OrgParams,
    query: z.object({
      archived: z.enum(['true', 'false']).default('false').openapi({ description: 'Include archived assessments.' }),
      kind: z.enum(ASSESSMENT_KINDS).optional(),
      achievementId: z.uuid().optional(),
      ...PageQuery.shape,
    }),
  },
  responses: {
    200: jsonResponse('A page', z.object({ assessments: z.array(AssessmentJson), nextCursor: z.string().nullable() })),
  },
});

const getRoute = route({
  method: 'get',
  path: `${BASE}/{assessmentId}`,
  access: READ,
  summary: 'Get an assessment',
  description: 'The staff view: every setting.',
  tags: TAGS,
  request: { params: OneParams },
  responses: { 200: jsonResponse('The assessment', Body) },
});

const patchRoute = route({
  method: 'patch',
  path: `${BASE}/{assessmentId}`,
  access: WRITE,
  summary: 'Change an assessment',
  description:
    "Title, description, settings (the whole object, by the kind's schema) and window. Settings cannot change once " +
    'anyone has an attempt or submission (`ERR_STATE`); archived assessments cannot change.',
  tags: TAGS,
  request: { params: OneParams, body: jsonBody(AssessmentPatch) },
  responses: { 200: jsonResponse('The assessment', Body), 409: errorResponse('Not changeable now (`ERR_STATE`).') },
});

const stateRoute = (state: 'open' | 'close') =>
  route({
    method: 'post',
    path: `${BASE}/{assessmentId}/${state}`,
    access: WRITE,
    summary: state === 'open' ? 'Open an assessment' : 'Close an assessment',
    description:
      state === 'open'
        ? 'Learners can see and take it (within `opensAt`–`closesAt` when set). A quiz needs the questions its draw ' +
          'takes. When it counts toward an achievement, the achievement gets a new version with the ResultDescriptions ' +
          'it lacks: a Percent result named after the assessment (required value: the pass mark), and for projects ' +
          'a RubricCriterionLevel result per rubric criterion. Idempotent.'
        : 'Learners can no longer start or submit; they still see it and their results. Idempotent.',
    tags: TAGS,
    request: { params: OneParams },
    responses: {
      200: jsonResponse('The assessment', Body),
      409: errorResponse('Archived, a draft to close, or a quiz without the questions its draw needs (`ERR_STATE`).'),
    },
  });
const openRoute = stateRoute('open');
const closeRoute = stateRoute('close');

const archiveRoute = route({
  method: 'delete',
  path: `${BASE}/{assessmentId}`,
  access: WRITE,
  summary: 'Archive an assessment',
  description: 'Learners no longer see it; results and outcomes stay. Idempotent.',
  tags: TAGS,
  request: { params: OneParams },
  responses: { 200: jsonResponse('The archived assessment', Body) },
});

const learnerRoute = route({
  method: 'get',
  path: '/api/v1/assessments/{assessmentId}',
  access: access.signedIn({ scope: 'assessments:take' }),
  summary: 'An assessment, as a learner sees it',
  description:
    'An open (or closed) assessment: what it is, who offers it, what it takes to pass, and for a quiz where the ' +
    'caller stands (attempts used and left, cool-down, attempt in progress). Never an answer key. Drafts and ' +
    'archived assessments are not found.',
  tags: TAGS,
  request: { params: z.object({ assessmentId: z.uuid() }) },
  responses: {
    200: jsonResponse('The assessment', z.object({ assessment: LearnerAssessmentJson })),
    404: errorResponse('No open assessment with this id (`ERR_NOT_FOUND`).'),
  },
});

/**
 * The learner view of an assessment, built from an allow-list of fields: public settings only (never a quiz's
 * questions or keys), and for a quiz where this learner stands.
 */
async function learnerAssessmentJson(
  db: Kysely<Database>,
  found: LearnerAssessment,
  learnerUserId: string,
): Promise<LearnerAssessmentJson> {
  const { assessment: a } = found;
  const common = {
    id: a.id,
    kind: a.kind,
    title: a.title,
    description: a.description,
    organization: { id: a.orgId, name: found.organizationName },
    achievement: a.achievementId && found.achievementName ? { id: a.achievementId, name: found.achievementName } : null,
    state: a.state === 'open' ? ('open' as const) : ('closed' as const),
    opensAt: a.opensAt?.toISOString() ?? null,
    closesAt: a.closesAt?.toISOString() ?? null,
  };
  if (a.kind === 'quiz') {
    const s = parseSettings('quiz', a.settings);
    const bank = await db
      .selectFrom('quizQuestions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('assessmentId', '=', a.id)
      .where('archivedAt', 'is', null)
      .executeTakeFirstOrThrow();
    const status = await quizLearnerStatus(db, a, learnerUserId);
    return {
      ...common,
      settings: {
        passMark: s.passMark,
        questionCount: attemptLength(Number(bank.n), s),
        timeLimitSeconds: s.timeLimitSeconds ?? null,
        maxAttempts: s.maxAttempts ?? null,
        cooldownSeconds: s.cooldownSeconds ?? null,
        feedback: s.feedback,
      },
      quiz: { ...status, nextAttemptAt: status.nextAttemptAt?.toISOString() ?? null },
    };
  }
  const s = parseSettings(a.kind, a.settings);
  return {
    ...common,
    settings: {
      passMark: s.passMark,
      rubric: {
        criteria: s.rubric.criteria.map((c) => ({
          id: c.id,
          name: c.name,
          ...(c.description !== undefined && { description: c.description }),
          levels: c.levels.map((l) => ({
            id: l.id,
            name: l.name,
            ...(l.description !== undefined && { description: l.description }),
            points: l.points,
          })),
        })),
      },
      maxSubmissions: s.maxSubmissions,
      resubmit: s.resubmit,
      files: { maxFiles: s.files.maxFiles, maxBytes: s.files.maxBytes, mediaTypes: [...s.files.mediaTypes] },
      ...('reviewsPerSubmission' in s && { reviewsPerSubmission: s.reviewsPerSubmission, anonymous: s.anonymous }),
    },
  };
}

/** Assessments of any kind: staff authoring and the open/close life cycle; the learner view. */
export function registerAssessmentRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(createRoute, async (c) => {
    const input = c.req.valid('json');
    const assessment = await auditedWrite(c, async ({ tx, orgId, now, principal }) => {
      const created = await createAssessment(tx, orgId, input, now, principal.userId);
      return {
        result: created,
        audit: {
          action: 'assessment.create',
          targetType: 'assessment',
          targetId: created.id,
          data: { kind: created.kind, title: created.title, achievementId: created.achievementId },
        },
      };
    });
    return c.json({ assessment: assessmentJson(assessment) }, 201);
  });

  app.openapi(listRoute, async (c) => {
    const { db } = c.get('deps');
    const { archived, kind, achievementId, limit, cursor } = c.req.valid('query');
    const page = await listAssessments(db, c.get('org')!.id, {
      archived: archived === 'true',
      ...(kind && { kind }),
      ...(achievementId && { achievementId }),
      limit: limit + 1,
      ...(cursor !== undefined && { after: decodeCursor(cursor) }),
    });
    const { rows, next } = pageOf(page, limit, (last) => encodeCursor(last.createdAt, last.id));
    return c.json({ assessments: rows.map(assessmentJson), nextCursor: next }, 200);
  });

  app.openapi(getRoute, async (c) => {
    const { db } = c.get('deps');
    const { assessmentId } = c.req.valid('param');
    return c.json({ assessment: assessmentJson(await getAssessment(db, c.get('org')!.id, assessmentId)) }, 200);
  });

  app.openapi(patchRoute, async (c) => {
    const { assessmentId } = c.req.valid('param');
    const patch = c.req.valid('json');
    const assessment = await auditedWrite(c, async ({ tx, orgId, now }) => {
      const { assessment: updated, changed } = await updateAssessment(tx, orgId, assessmentId, patch, now);
      return {
        result: updated,
        audit:
          changed.length > 0
            ? {
                action: 'assessment.update',
                targetType: 'assessment',
                targetId: assessmentId,
                data: { fields: changed },
              }
            : null,
      };
    });
    return c.json({ assessment: assessmentJson(assessment) }, 200);
  });

  for (const [r, state] of [
    [openRoute, 'open'],
    [closeRoute, 'closed'],
  ] as const) {
    app.openapi(r, async (c) => {
      const { assessmentId } = c.req.valid('param');
      const assessment = await auditedWrite(c, async ({ tx, orgId, now, principal }) => {
        const { assessment: moved, changed } = await setAssessmentState(tx, orgId, assessmentId, state, now);
        const synced =
          changed && state === 'open' ? await syncResultDescriptions(tx, { orgId, now, principal }, moved) : null;
        return {
          result: moved,
          audit: changed
            ? {
                action: state === 'open' ? 'assessment.open' : 'assessment.close',
                targetType: 'assessment',
                targetId: assessmentId,
                ...(synced && { data: { achievementVersion: synced.version, addedResults: synced.added } }),
              }
            : null,
        };
      });
      return c.json({ assessment: assessmentJson(assessment) }, 200);
    });
  }

  app.openapi(archiveRoute, async (c) => {
    const { assessmentId } = c.req.valid('param');
    const assessment = await auditedWrite(c, async ({ tx, orgId, now }) => {
      const { assessment: archived, changed } = await archiveAssessment(tx, orgId, assessmentId, now);
      return {
        result: archived,
        audit: changed ? { action: 'assessment.archive', targetType: 'assessment', targetId: assessmentId } : null,
      };
    });
    return c.json({ assessment: assessmentJson(assessment) }, 200);
  });

  app.openapi(learnerRoute, async (c) => {
    const deps = c.get('deps');
    const { userId } = c.get('principal')!;
    const { assessmentId } = c.req.valid('param');
    await settleLearnerQuiz(deps, assessmentId, userId);
    const found = await getLearnerAssessment(deps.db, assessmentId);
    return c.json({ assessment: await learnerAssessmentJson(deps.db, found, userId) }, 200);
  });
}
