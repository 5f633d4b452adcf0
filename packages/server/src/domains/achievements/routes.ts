import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { buildAchievement, OB_V3_CONTEXT, VC_V2_CONTEXT } from '@skillproof/core';
import { audit } from '../../audit.js';
import { AppError } from '../../errors.js';
import { access } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { route } from '../../http/route.js';
import { decodeCursor, encodeCursor, pageOf, PageQuery } from '../../http/pagination.js';
import { errorResponse, jsonBody, jsonResponse, OrgParams } from '../../http/schemas.js';
import {
  AchievementDefinition,
  AchievementDefinitionInput,
  AchievementPatch,
  achievementInput,
  achievementUrl,
} from './definition.js';
import { IMAGE_HEADERS, imageResponse, isDataUri, storedImage } from './image.js';
import { achievementEndorsements } from '../endorsements/service.js';
import {
  archiveAchievement,
  createAchievement,
  findPublicAchievementVersion,
  getAchievement,
  listAchievements,
  listAchievementVersions,
  setAchievementPublished,
  updateAchievement,
  type AchievementRecord,
} from './service.js';

const TAGS = ['Achievements'];

const AchievementJson = z
  .object({
    id: z.uuid(),
    orgId: z.uuid(),
    version: z.number().int(),
    url: z.string().openapi({ description: "The current version's public URL: its OB `id`." }),
    definition: AchievementDefinition,
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    archived: z.boolean(),
    published: z.boolean().openapi({
      description: 'In the public learning catalogue (GET /api/v1/catalogue), where learning plans choose from.',
    }),
    publishedAt: z.iso.datetime().nullable(),
  })
  .openapi('Achievement');

const VersionJson = z
  .object({
    version: z.number().int(),
    url: z.string(),
    definition: AchievementDefinition,
    createdAt: z.iso.datetime(),
    createdBy: z.uuid().nullable(),
  })
  .openapi('AchievementVersion');

const OneParams = OrgParams.extend({ achievementId: z.uuid() });
const PublicParams = z.object({
  achievementId: z.uuid(),
  version: z
    .string()
    .regex(/^[1-9]\d{0,8}$/, 'must be a version number (1, 2, …)')
    .openapi({ param: { name: 'version', in: 'path' }, example: '1' }),
});

const createRoute = route({
  method: 'post',
  path: '/api/v1/orgs/{orgId}/achievements',
  access: access.org('issuer', 'achievements:write'),
  summary: 'Define an achievement',
  description:
    'Creates an achievement (badge class) at version 1. `achievementType` defaults to MicroCredential. `skills` aligns ' +
    "it to framework items (global, public, or the organisation's own), each optionally with a required level of a " +
    'proficiency scale: the version saves what each item says now, and credentials carry them as OB 3.0 Alignments ' +
    '(targetType CFItem) and, for a required level, a RubricCriterionLevel ResultDescription.',
  tags: TAGS,
  request: {
    params: OrgParams,
    body: jsonBody(AchievementDefinitionInput),
  },
  responses: { 201: jsonResponse('Created', z.object({ achievement: AchievementJson })) },
});

const listRoute = route({
  method: 'get',
  path: '/api/v1/orgs/{orgId}/achievements',
  access: access.org('viewer', 'achievements:read'),
  summary: "List an organisation's achievements",
  description: 'Newest first, a page at a time: pass `nextCursor` back as `cursor` for the next page.',
  tags: TAGS,
  request: {
    params: OrgParams,
    query: z.object({
      archived: z.enum(['true', 'false']).default('false').openapi({ description: 'Include archived achievements.' }),
      ...PageQuery.shape,
    }),
  },
  responses: {
    200: jsonResponse(
      'A page',
      z.object({ achievements: z.array(AchievementJson), nextCursor: z.string().nullable() }),
    ),
  },
});

const getRoute = route({
  method: 'get',
  path: '/api/v1/orgs/{orgId}/achievements/{achievementId}',
  access: access.org('viewer', 'achievements:read'),
  summary: 'Get an achievement',
  tags: TAGS,
  request: { params: OneParams },
  responses: {
    200: jsonResponse('The achievement, at its current version', z.object({ achievement: AchievementJson })),
  },
});

const patchRoute = route({
  method: 'patch',
  path: '/api/v1/orgs/{orgId}/achievements/{achievementId}',
  access: access.org('issuer', 'achievements:write'),
  summary: 'Change an achievement (a new version)',
  description:
    'A JSON merge patch of the definition. A change makes a new version; credentials already issued keep theirs. ' +
    'A patch that changes nothing makes none. Archived achievements cannot change.',
  tags: TAGS,
  request: {
    params: OneParams,
    body: jsonBody(AchievementPatch),
  },
  responses: { 200: jsonResponse('The achievement, at its new version', z.object({ achievement: AchievementJson })) },
});

const archiveRoute = route({
  method: 'delete',
  path: '/api/v1/orgs/{orgId}/achievements/{achievementId}',
  access: access.org('issuer', 'achievements:write'),
  summary: 'Archive an achievement',
  description:
    'No more credentials can be issued for it, and it cannot change; issued ones stay valid. It leaves the learning ' +
    'catalogue (unpublished). Idempotent.',
  tags: TAGS,
  request: { params: OneParams },
  responses: { 200: jsonResponse('The archived achievement', z.object({ achievement: AchievementJson })) },
});

const publishRoute = route({
  method: 'put',
  path: '/api/v1/orgs/{orgId}/achievements/{achievementId}/publication',
  access: access.org('issuer', 'achievements:write'),
  summary: 'Publish an achievement in the learning catalogue',
  description:
    'Lists it in the public catalogue (GET /api/v1/catalogue) that learning plans choose from, with its `hours`, ' +
    '`price`, aligned skills and the achievements its award rule requires. Idempotent: publishing a published ' +
    'achievement changes nothing. An archived achievement cannot be published (ERR_STATE).',
  tags: TAGS,
  request: { params: OneParams },
  responses: {
    200: jsonResponse('The published achievement', z.object({ achievement: AchievementJson })),
    409: errorResponse('The achievement is archived (ERR_STATE)'),
  },
});

const unpublishRoute = route({
  method: 'delete',
  path: '/api/v1/orgs/{orgId}/achievements/{achievementId}/publication',
  access: access.org('issuer', 'achievements:write'),
  summary: 'Take an achievement out of the learning catalogue',
  description: 'Credentials can still be issued for it. Idempotent.',
  tags: TAGS,
  request: { params: OneParams },
  responses: { 200: jsonResponse('The unpublished achievement', z.object({ achievement: AchievementJson })) },
});

const versionsRoute = route({
  method: 'get',
  path: '/api/v1/orgs/{orgId}/achievements/{achievementId}/versions',
  access: access.org('viewer', 'achievements:read'),
  summary: "List an achievement's versions",
  tags: TAGS,
  request: { params: OneParams },
  responses: { 200: jsonResponse('Every version, oldest first', z.object({ versions: z.array(VersionJson) })) },
});

const publicRoute = route({
  method: 'get',
  path: '/achievements/{achievementId}/versions/{version}',
  access: access.public('reads'),
  summary: 'An achievement version as Open Badges 3.0 JSON-LD',
  description:
    'The `credentialSubject.achievement` of the credentials issued under this version, as a JSON-LD document.',
  tags: TAGS,
  request: { params: PublicParams },
  responses: {
    200: {
      description: 'The OB 3.0 Achievement',
      content: { 'application/ld+json': { schema: z.record(z.string(), z.unknown()) } },
    },
  },
});

const publicImageRoute = route({
  method: 'get',
  path: '/achievements/{achievementId}/versions/{version}/image',
  access: access.public('reads'),
  summary: "An achievement version's uploaded image",
  tags: TAGS,
  request: { params: PublicParams },
  responses: { 200: imageResponse('The PNG or SVG image') },
});

/** A version never changes: caches may keep it for a day (not forever, so that a takedown can take effect). */
const VERSION_CACHE = 'public, max-age=86400';

function achievementJson(publicUrl: string, a: AchievementRecord): z.infer<typeof AchievementJson> {
  return {
    id: a.achievementId,
    orgId: a.orgId,
    version: a.version,
    url: achievementUrl(publicUrl, a.achievementId, a.version),
    definition: a.definition,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
    archived: a.archived,
    published: a.publishedAt !== null,
    publishedAt: a.publishedAt?.toISOString() ?? null,
  };
}

export function registerAchievementsRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(createRoute, async (c) => {
    const { db, clock, publicUrl } = c.get('deps');
    const principal = c.get('principal')!;
    const orgId = c.get('org')!.id;
    const definition = c.req.valid('json');
    const now = clock();
    const achievement = await db.transaction().execute(async (tx) => {
      const created = await createAchievement(tx, orgId, definition, now, principal.userId);
      await audit(tx, principal, now, {
        orgId,
        action: 'achievement.create',
        targetType: 'achievement',
        targetId: created.achievementId,
        data: { name: definition.name },
      });
      return getAchievement(tx, orgId, created.achievementId);
    });
    return c.json({ achievement: achievementJson(publicUrl, achievement) }, 201);
  });

  app.openapi(listRoute, async (c) => {
    const { db, publicUrl } = c.get('deps');
    const { archived, limit, cursor } = c.req.valid('query');
    const page = await listAchievements(db, c.get('org')!.id, {
      archived: archived === 'true',
      limit: limit + 1,
      ...(cursor !== undefined && { after: decodeCursor(cursor) }),
    });
    const { rows, next } = pageOf(page, limit, (last) => encodeCursor(last.createdAt, last.achievementId));
    return c.json({ achievements: rows.map((a) => achievementJson(publicUrl, a)), nextCursor: next }, 200);
  });

  app.openapi(getRoute, async (c) => {
    const { db, publicUrl } = c.get('deps');
    const { achievementId } = c.req.valid('param');
    return c.json(
      { achievement: achievementJson(publicUrl, await getAchievement(db, c.get('org')!.id, achievementId)) },
      200,
    );
  });

  app.openapi(patchRoute, async (c) => {
    const { db, clock, publicUrl } = c.get('deps');
    const principal = c.get('principal')!;
    const orgId = c.get('org')!.id;
    const { achievementId } = c.req.valid('param');
    const patch = c.req.valid('json');
    const now = clock();
    const achievement = await db.transaction().execute(async (tx) => {
      const { achievement: updated, changed } = await updateAchievement(
        tx,
        orgId,
        achievementId,
        patch,
        now,
        principal.userId,
      );
      if (changed.length > 0) {
        await audit(tx, principal, now, {
          orgId,
          action: 'achievement.update',
          targetType: 'achievement',
          targetId: achievementId,
          data: { version: updated.version, fields: changed },
        });
      }
      return updated;
    });
    return c.json({ achievement: achievementJson(publicUrl, achievement) }, 200);
  });

  app.openapi(archiveRoute, async (c) => {
    const { db, clock, publicUrl } = c.get('deps');
    const principal = c.get('principal')!;
    const orgId = c.get('org')!.id;
    const { achievementId } = c.req.valid('param');
    const now = clock();
    const achievement = await db.transaction().execute(async (tx) => {
      const { achievement: archived, changed } = await archiveAchievement(tx, orgId, achievementId, now);
      if (changed) {
        await audit(tx, principal, now, {
          orgId,
          action: 'achievement.archive',
          targetType: 'achievement',
          targetId: achievementId,
        });
      }
      return archived;
    });
    return c.json({ achievement: achievementJson(publicUrl, achievement) }, 200);
  });

  for (const [definition, published] of [
    [publishRoute, true],
    [unpublishRoute, false],
  ] as const) {
    app.openapi(definition, async (c) => {
      const { db, clock, publicUrl } = c.get('deps');
      const principal = c.get('principal')!;
      const orgId = c.get('org')!.id;
      const { achievementId } = c.req.valid('param');
      const now = clock();
      const achievement = await db.transaction().execute(async (tx) => {
        const result = await setAchievementPublished(tx, orgId, achievementId, published, now);
        if (result.changed) {
          await audit(tx, principal, now, {
            orgId,
            action: published ? 'achievement.publish' : 'achievement.unpublish',
            targetType: 'achievement',
            targetId: achievementId,
          });
        }
        return result.achievement;
      });
      return c.json({ achievement: achievementJson(publicUrl, achievement) }, 200);
    });
  }

  app.openapi(versionsRoute, async (c) => {
    const { db, publicUrl } = c.get('deps');
    const { achievementId } = c.req.valid('param');
    const versions = await listAchievementVersions(db, c.get('org')!.id, achievementId);
    return c.json(
      {
        versions: versions.map((v) => ({
          version: v.version,
          url: achievementUrl(publicUrl, achievementId, v.version),
          definition: v.definition,
          createdAt: v.createdAt.toISOString(),
          createdBy: v.createdBy,
        })),
      },
      200,
    );
  });

  app.openapi(publicRoute, async (c) => {
    const { db, publicUrl } = c.get('deps');
    const { achievementId, version } = c.req.valid('param');
    const found = await findPublicAchievementVersion(db, achievementId, Number(version));
    if (!found) throw new AppError('ERR_NOT_FOUND', 'No such achievement version.');
    const endorsement = await achievementEndorsements(db, achievementId);
    const achievement = buildAchievement({
      ...achievementInput(publicUrl, achievementId, found.version, found.definition),
      ...(endorsement.length > 0 && { endorsement }),
    });
    return c.json({ '@context': [VC_V2_CONTEXT, OB_V3_CONTEXT], ...achievement }, 200, {
      'Content-Type': 'application/ld+json',
      'Cache-Control': VERSION_CACHE,
      'Access-Control-Allow-Origin': '*',
    });
  });

  app.openapi(publicImageRoute, async (c) => {
    const { db } = c.get('deps');
    const { achievementId, version } = c.req.valid('param');
    const found = await findPublicAchievementVersion(db, achievementId, Number(version));
    const image = found?.definition.image;
    if (!image || !isDataUri(image))
      throw new AppError('ERR_NOT_FOUND', 'This achievement version has no uploaded image.');
    const { contentType, bytes } = storedImage(image);
    return c.body(bytes, 200, { ...IMAGE_HEADERS, 'Content-Type': contentType, 'Cache-Control': VERSION_CACHE });
  });
}
