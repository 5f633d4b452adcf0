import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { access } from '../../http/access.js';
import { auditedWrite } from '../../http/audited-write.js';
import type { AppEnv } from '../../http/env.js';
import { route } from '../../http/route.js';
import { jsonBody, jsonResponse, OrgParams } from '../../http/schemas.js';
import { createEndorsement, listEndorsements, revokeEndorsement, type EndorsementRow } from './service.js';

const TAGS = ['Endorsements'];

const EndorsementCreate = z
  .object({
    target: z.union([z.object({ achievementId: z.uuid() }).strict(), z.object({ organizationId: z.uuid() }).strict()]),
    comment: z.string().trim().min(1).max(5_000),
  })
  .strict()
  .openapi('EndorsementCreate');

const EndorsementJson = z
  .object({
    id: z.uuid(),
    endorserOrgId: z.uuid(),
    target: z.object({ type: z.enum(['achievement', 'organization']), id: z.uuid() }),
    comment: z.string().nullable(),
    createdAt: z.iso.datetime(),
    revokedAt: z.iso.datetime().nullable(),
    credential: z
      .record(z.string(), z.unknown())
      .openapi({ description: 'The signed OB 3.0 EndorsementCredential (eddsa-rdfc-2022, the endorser’s key).' }),
  })
  .openapi('Endorsement');

const createRoute = route({
  method: 'post',
  path: '/api/v1/orgs/{orgId}/endorsements',
  access: access.org('admin', 'endorsements:write'),
  summary: 'Endorse another organisation or its achievement',
  description:
    'Signs an OB 3.0 EndorsementCredential with the organisation’s key: its subject is the achievement (its current ' +
    'version’s URL) or the organisation (its DID), with the comment. Credentials of an endorsed achievement issued ' +
    'from now on embed it, and the achievement’s public document or the organisation’s Profile shows it. An ' +
    'organisation cannot endorse itself or its own achievements (`ERR_VALIDATION`), nor the same target twice while ' +
    'the first stands (`ERR_CONFLICT`).',
  tags: TAGS,
  request: { params: OrgParams, body: jsonBody(EndorsementCreate) },
  responses: { 201: jsonResponse('Signed', z.object({ endorsement: EndorsementJson })) },
});

const listRoute = route({
  method: 'get',
  path: '/api/v1/orgs/{orgId}/endorsements',
  access: access.org('viewer', 'orgs:read'),
  summary: 'Endorsements made, or received',
  description:
    'Newest first, revoked ones included. `direction=received`: endorsements of the organisation and its achievements.',
  tags: TAGS,
  request: {
    params: OrgParams,
    query: z.object({ direction: z.enum(['given', 'received']).default('given') }),
  },
  responses: { 200: jsonResponse('The endorsements', z.object({ endorsements: z.array(EndorsementJson) })) },
});

const revokeRoute = route({
  method: 'delete',
  path: '/api/v1/orgs/{orgId}/endorsements/{endorsementId}',
  access: access.org('admin', 'endorsements:write'),
  summary: 'Revoke an endorsement',
  description:
    'Sets the endorsement’s bit in the organisation’s revocation list (so the signed credential no longer verifies) ' +
    'and stops embedding it in newly issued credentials. Idempotent.',
  tags: TAGS,
  request: { params: OrgParams.extend({ endorsementId: z.string() }) },
  responses: { 200: jsonResponse('Revoked', z.object({ endorsement: EndorsementJson })) },
});

function endorsementJson(row: EndorsementRow): z.infer<typeof EndorsementJson> {
  return {
    id: row.id,
    endorserOrgId: row.endorserOrgId,
    target: { type: row.targetType, id: row.targetId },
    comment: row.comment,
    createdAt: row.createdAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
    credential: row.credential as Record<string, unknown>,
  };
}

/** Organisations endorse each other's achievements and each other (OB 3.0 EndorsementCredential). */
export function registerEndorsementRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(createRoute, async (c) => {
    const { target, comment } = c.req.valid('json');
    const row = await auditedWrite(c, async ({ tx, orgId, deps }) => {
      const created = await createEndorsement(tx, deps, orgId, target, comment);
      return {
        result: created,
        audit: {
          action: 'endorsement.create',
          targetType: 'endorsement',
          targetId: created.id,
          data: { target: { type: created.targetType, id: created.targetId } },
        },
      };
    });
    return c.json({ endorsement: endorsementJson(row) }, 201);
  });

  app.openapi(listRoute, async (c) => {
    const rows = await listEndorsements(c.get('deps').db, c.get('org')!.id, c.req.valid('query').direction);
    return c.json({ endorsements: rows.map(endorsementJson) }, 200);
  });

  app.openapi(revokeRoute, async (c) => {
    const { endorsementId } = c.req.valid('param');
    const row = await auditedWrite(c, async ({ tx, orgId, now }) => {
      const { endorsement, changed } = await revokeEndorsement(tx, orgId, endorsementId, now);
      return {
        result: endorsement,
        audit: changed ? { action: 'endorsement.revoke', targetType: 'endorsement', targetId: endorsement.id } : null,
      };
    });
    return c.json({ endorsement: endorsementJson(row) }, 200);
  });
}
