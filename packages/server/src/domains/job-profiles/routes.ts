import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { access } from '../../http/access.js';
import { auditedWrite } from '../../http/audited-write.js';
import type { AppEnv } from '../../http/env.js';
import { decodeCursor, encodeCursor, pageOf, PageQuery } from '../../http/pagination.js';
import { route } from '../../http/route.js';
import { jsonBody, jsonResponse, OrgParams } from '../../http/schemas.js';
import { JobProfileInput, JobProfileJson, JobProfilePatch, JobProfileSummaryJson } from './schemas.js';
import { archiveJobProfile, createJobProfile, getJobProfile, listJobProfiles, updateJobProfile } from './service.js';

const TAGS = ['Job profiles'];
const BASE = '/api/v1/orgs/{orgId}/job-profiles';

// Job profiles are the organisation's hiring definitions, like its frameworks: admins write them, members read them.
const READ = access.org('viewer', 'profiles:read');
const WRITE = access.org('admin', 'profiles:write');

const OneParams = OrgParams.extend({ jobProfileId: z.uuid() });
const ProfileBody = z.object({ jobProfile: JobProfileJson });

const createRoute = route({
  method: 'post',
  path: BASE,
  access: WRITE,
  summary: 'Create a job profile',
  description:
    'The skills a role needs, with weights (0 < weight ≤ 1) and optional required levels. Started from an occupation, ' +
    "the occupation's skills come with its weights (ESCO: essential 1, optional 0.5; O*NET: from importance, with the " +
    'O*NET level as the required level on the O*NET level scale), essential first; `skills` given beside it replace ' +
    'those entries for the same item and add the others. Items and occupations must be in frameworks the organisation ' +
    'can use (global, public, or its own).',
  tags: TAGS,
  request: { params: OrgParams, body: jsonBody(JobProfileInput) },
  responses: { 201: jsonResponse('Created', ProfileBody) },
});

const listRoute = route({
  method: 'get',
  path: BASE,
  access: READ,
  summary: "List an organisation's job profiles",
  description: 'Newest first, a page at a time: pass `nextCursor` back as `cursor` for the next page.',
  tags: TAGS,
  request: {
    params: OrgParams,
    query: z.object({
      archived: z.enum(['true', 'false']).default('false').openapi({ description: 'Include archived profiles.' }),
      ...PageQuery.shape,
    }),
  },
  responses: {
    200: jsonResponse(
      'A page',
      z.object({ jobProfiles: z.array(JobProfileSummaryJson), nextCursor: z.string().nullable() }),
    ),
  },
});

const getRoute = route({
  method: 'get',
  path: `${BASE}/{jobProfileId}`,
  access: READ,
  summary: 'Get a job profile',
  description: 'With its skills, highest weight first: each item with its framework, and the required level by name.',
  tags: TAGS,
  request: { params: OneParams },
  responses: { 200: jsonResponse('The job profile', ProfileBody) },
});

const patchRoute = route({
  method: 'patch',
  path: `${BASE}/{jobProfileId}`,
  access: WRITE,
  summary: 'Change a job profile',
  description: 'Title, description, or the whole list of skills. Archived profiles cannot change.',
  tags: TAGS,
  request: { params: OneParams, body: jsonBody(JobProfilePatch) },
  responses: { 200: jsonResponse('The job profile', ProfileBody) },
});

const archiveRoute = route({
  method: 'delete',
  path: `${BASE}/{jobProfileId}`,
  access: WRITE,
  summary: 'Archive a job profile',
  description: 'It stays readable (lists show it with `archived=true`) and can no longer change. Idempotent.',
  tags: TAGS,
  request: { params: OneParams },
  responses: { 200: jsonResponse('The archived job profile', ProfileBody) },
});

/** Job profiles: an organisation's roles as weighted skills with required levels. */
export function registerJobProfileRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(createRoute, async (c) => {
    const input = c.req.valid('json');
    const jobProfile = await auditedWrite(c, async ({ tx, orgId, now, principal, deps }) => {
      const created = await createJobProfile(tx, orgId, input, now, principal.userId);
      return {
        result: await getJobProfile(tx, deps.publicUrl, orgId, created.id),
        audit: {
          action: 'job_profile.create',
          targetType: 'job_profile',
          targetId: created.id,
          data: { title: input.title, occupationId: input.occupationId ?? null, skills: created.skills },
        },
      };
    });
    return c.json({ jobProfile }, 201);
  });

  app.openapi(listRoute, async (c) => {
    const { db } = c.get('deps');
    const { archived, limit, cursor } = c.req.valid('query');
    const page = await listJobProfiles(db, c.get('org')!.id, {
      archived: archived === 'true',
      limit: limit + 1,
      ...(cursor !== undefined && { after: decodeCursor(cursor) }),
    });
    const { rows, next } = pageOf(page, limit, (last) => encodeCursor(last.cursor.at, last.cursor.id));
    return c.json({ jobProfiles: rows.map(({ cursor: _, ...p }) => p), nextCursor: next }, 200);
  });

  app.openapi(getRoute, async (c) => {
    const { db, publicUrl } = c.get('deps');
    const { jobProfileId } = c.req.valid('param');
    return c.json({ jobProfile: await getJobProfile(db, publicUrl, c.get('org')!.id, jobProfileId) }, 200);
  });

  app.openapi(patchRoute, async (c) => {
    const { jobProfileId } = c.req.valid('param');
    const jobProfile = await auditedWrite(c, async ({ tx, orgId, now, deps }) => {
      const { changed } = await updateJobProfile(tx, orgId, jobProfileId, c.req.valid('json'), now);
      return {
        result: await getJobProfile(tx, deps.publicUrl, orgId, jobProfileId),
        audit:
          changed.length > 0
            ? {
                action: 'job_profile.update',
                targetType: 'job_profile',
                targetId: jobProfileId,
                data: { fields: changed },
              }
            : null,
      };
    });
    return c.json({ jobProfile }, 200);
  });

  app.openapi(archiveRoute, async (c) => {
    const { jobProfileId } = c.req.valid('param');
    const jobProfile = await auditedWrite(c, async ({ tx, orgId, now, deps }) => {
      const { changed } = await archiveJobProfile(tx, orgId, jobProfileId, now);
      return {
        result: await getJobProfile(tx, deps.publicUrl, orgId, jobProfileId),
        audit: changed ? { action: 'job_profile.archive', targetType: 'job_profile', targetId: jobProfileId } : null,
      };
    });
    return c.json({ jobProfile }, 200);
  });
}
