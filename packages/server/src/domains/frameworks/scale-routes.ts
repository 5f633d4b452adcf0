import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { access } from '../../http/access.js';
import { auditedWrite } from '../../http/audited-write.js';
import type { AppEnv } from '../../http/env.js';
import { route } from '../../http/route.js';
import { jsonBody, jsonResponse, OrgParams } from '../../http/schemas.js';
import { frameworkReaderOrgIds } from './visibility.js';
import {
  createScale,
  deleteScale,
  getScale,
  listScales,
  ScaleInput,
  ScaleJson,
  scaleJson,
  ScalePatch,
  updateScale,
} from './scales.js';

const TAGS = ['Proficiency scales'];

const ScaleParams = z.object({ scaleId: z.string().openapi({ param: { name: 'scaleId', in: 'path' } }) });
const OrgScaleParams = OrgParams.extend({ scaleId: z.uuid() });
const ScaleBody = z.object({ scale: ScaleJson });

const listRoute = route({
  method: 'get',
  path: '/api/v1/proficiency-scales',
  access: access.public('reads'),
  summary: 'List proficiency scales',
  description:
    'The global scales (EQF 1–8, O*NET level 0–7, O*NET importance 1–5) and the rubric scales of the organisations ' +
    'the caller belongs to (API tokens need `frameworks:read` for those, and see only the organisation they are bound ' +
    'to). Global scales come first.',
  tags: TAGS,
  responses: { 200: jsonResponse('The scales', z.object({ scales: z.array(ScaleJson) })) },
});

const getRoute = route({
  method: 'get',
  path: '/api/v1/proficiency-scales/{scaleId}',
  access: access.public('reads'),
  summary: 'Get a proficiency scale',
  description: "A global scale, or one of the caller's organisations' (otherwise 404).",
  tags: TAGS,
  request: { params: ScaleParams },
  responses: { 200: jsonResponse('The scale', ScaleBody) },
});

const createRoute = route({
  method: 'post',
  path: '/api/v1/orgs/{orgId}/proficiency-scales',
  access: access.org('admin', 'frameworks:write'),
  summary: 'Define a rubric scale',
  description:
    'An organisation-specific proficiency scale for job profiles and achievements: 2 to 20 levels, lowest first, with ' +
    'unique codes and strictly increasing values. The key is unique within the organisation (409 otherwise).',
  tags: TAGS,
  request: { params: OrgParams, body: jsonBody(ScaleInput) },
  responses: { 201: jsonResponse('Created', ScaleBody) },
});

const patchRoute = route({
  method: 'patch',
  path: '/api/v1/orgs/{orgId}/proficiency-scales/{scaleId}',
  access: access.org('admin', 'frameworks:write'),
  summary: 'Change a rubric scale',
  description:
    "Title, description or levels. New levels must keep the codes that job profiles and achievements' current " +
    'versions require (409 otherwise); issued credentials and earlier achievement versions keep the levels they had.',
  tags: TAGS,
  request: { params: OrgScaleParams, body: jsonBody(ScalePatch) },
  responses: { 200: jsonResponse('The scale', ScaleBody) },
});

const deleteRoute = route({
  method: 'delete',
  path: '/api/v1/orgs/{orgId}/proficiency-scales/{scaleId}',
  access: access.org('admin', 'frameworks:write'),
  summary: 'Delete a rubric scale',
  description: "Refused (409) while a job profile or an achievement's current version requires one of its levels.",
  tags: TAGS,
  request: { params: OrgScaleParams },
  responses: { 200: jsonResponse('The deleted scale', ScaleBody) },
});

/** Proficiency scales: global ones for everyone, rubric scales per organisation. */
export function registerScaleRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(listRoute, async (c) => {
    const deps = c.get('deps');
    const orgIds = await frameworkReaderOrgIds(deps, c.get('principal'));
    return c.json({ scales: (await listScales(deps.db, orgIds)).map(scaleJson) }, 200);
  });

  app.openapi(getRoute, async (c) => {
    const deps = c.get('deps');
    const { scaleId } = c.req.valid('param');
    const orgIds = await frameworkReaderOrgIds(deps, c.get('principal'));
    return c.json({ scale: scaleJson(await getScale(deps.db, scaleId, orgIds)) }, 200);
  });

  app.openapi(createRoute, async (c) => {
    const scale = await auditedWrite(c, async ({ tx, orgId, now }) => {
      const created = await createScale(tx, orgId, c.req.valid('json'), now);
      return {
        result: created,
        audit: {
          action: 'proficiency_scale.create',
          targetType: 'proficiency_scale',
          targetId: created.id,
          data: { key: created.key, levels: created.levels.length },
        },
      };
    });
    return c.json({ scale: scaleJson(scale) }, 201);
  });

  app.openapi(patchRoute, async (c) => {
    const { scaleId } = c.req.valid('param');
    const scale = await auditedWrite(c, async ({ tx, orgId, now }) => {
      const { scale: updated, changed } = await updateScale(tx, orgId, scaleId, c.req.valid('json'), now);
      return {
        result: updated,
        audit:
          changed.length > 0
            ? {
                action: 'proficiency_scale.update',
                targetType: 'proficiency_scale',
                targetId: scaleId,
                data: { fields: changed },
              }
            : null,
      };
    });
    return c.json({ scale: scaleJson(scale) }, 200);
  });

  app.openapi(deleteRoute, async (c) => {
    const { scaleId } = c.req.valid('param');
    const scale = await auditedWrite(c, async ({ tx, orgId }) => {
      const deleted = await deleteScale(tx, orgId, scaleId);
      return {
        result: deleted,
        audit: {
          action: 'proficiency_scale.delete',
          targetType: 'proficiency_scale',
          targetId: scaleId,
          data: { key: deleted.key },
        },
      };
    });
    return c.json({ scale: scaleJson(scale) }, 200);
  });
}
