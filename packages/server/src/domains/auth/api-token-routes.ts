import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { access } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { route } from '../../http/route.js';
import { errorResponse, jsonBody, jsonResponse } from '../../http/schemas.js';
import {
  TOKEN_DEFAULT_DAYS,
  TOKEN_MAX_DAYS,
  createApiToken,
  listApiTokens,
  revokeApiToken,
  type ApiTokenRow,
} from './api-tokens.js';
import { ApiTokenSchema, ScopeSchema, iso, isoOrNull } from './schemas.js';

const TAGS = ['API tokens'];

const tokenView = (t: ApiTokenRow): z.infer<typeof ApiTokenSchema> => ({
  id: t.id,
  name: t.name,
  scopes: t.scopes as z.infer<typeof ScopeSchema>[],
  orgId: t.orgId,
  createdAt: iso(t.createdAt),
  expiresAt: isoOrNull(t.expiresAt),
  revokedAt: isoOrNull(t.revokedAt),
  lastUsedAt: isoOrNull(t.lastUsedAt),
});

const createToken = route({
  method: 'post',
  path: '/api/v1/me/tokens',
  access: access.signedIn(),
  summary: 'Create an API token',
  description:
    'The token is in the answer once and never again (only its hash is kept). A token acts as its owner, limited to ' +
    'its scopes and, when `orgId` is given, to that organisation. API tokens cannot create tokens.',
  tags: TAGS,
  request: {
    body: jsonBody(
      z.strictObject({
        name: z.string().trim().min(1).max(100),
        scopes: z.array(ScopeSchema).min(1),
        orgId: z.uuid().optional(),
        expiresInDays: z
          .number()
          .int()
          .min(1)
          .max(TOKEN_MAX_DAYS)
          .optional()
          .openapi({ description: `Default ${TOKEN_DEFAULT_DAYS}.` }),
      }),
    ),
  },
  responses: {
    201: jsonResponse(
      'Created.',
      ApiTokenSchema.omit({ revokedAt: true, lastUsedAt: true }).extend({
        token: z.string().openapi({ description: '`sp_token_…`: shown once; send as `Authorization: Bearer …`.' }),
      }),
    ),
    400: errorResponse('The input is invalid (`ERR_VALIDATION`).'),
    404: errorResponse('`orgId` names no organisation you belong to (`ERR_NOT_FOUND`).'),
  },
});

const listTokens = route({
  method: 'get',
  path: '/api/v1/me/tokens',
  access: access.signedIn(),
  summary: 'List my API tokens',
  tags: TAGS,
  responses: {
    200: jsonResponse('Newest first, revoked ones included.', z.object({ tokens: z.array(ApiTokenSchema) })),
  },
});

const revokeToken = route({
  method: 'delete',
  path: '/api/v1/me/tokens/{tokenId}',
  access: access.signedIn(),
  summary: 'Revoke an API token',
  tags: TAGS,
  request: { params: z.object({ tokenId: z.uuid() }) },
  responses: {
    204: { description: 'Revoked (also when it already was).' },
    404: errorResponse('You have no token with this id (`ERR_NOT_FOUND`).'),
  },
});

export function registerApiTokenRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(createToken, async (c) => {
    const deps = c.get('deps');
    const body = c.req.valid('json');
    const { token, row } = await deps.db
      .transaction()
      .execute((tx) => createApiToken(tx, c.get('principal')!, body, deps.clock()));
    const { revokedAt: _r, lastUsedAt: _l, ...view } = tokenView(row);
    return c.json({ ...view, token }, 201);
  });

  app.openapi(listTokens, async (c) => {
    const tokens = await listApiTokens(c.get('deps').db, c.get('principal')!.userId);
    return c.json({ tokens: tokens.map(tokenView) }, 200);
  });

  app.openapi(revokeToken, async (c) => {
    const deps = c.get('deps');
    const { tokenId } = c.req.valid('param');
    await deps.db.transaction().execute((tx) => revokeApiToken(tx, c.get('principal')!, tokenId, deps.clock()));
    return c.body(null, 204);
  });
}
