import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { access } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { route } from '../../http/route.js';
import { errorResponse, jsonBody, jsonResponse, OrgParams } from '../../http/schemas.js';
import { AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX, listAuditEntries } from './audit-log.js';
import { addMember, changeMemberRole, listMembers, removeMember, type Member } from './members.js';
import { AuditEntrySchema, EmailInput, MemberSchema, RoleSchema, iso } from './schemas.js';

const TAGS = ['Members'];

const MemberParams = OrgParams.extend({ userId: z.uuid() });

const memberView = (m: Member) => ({ ...m, since: iso(m.since) });

const ROLE_RULES =
  'Admins manage members; only an owner can make someone an owner or change or remove an owner, and the last ' +
  'owner can be neither demoted nor removed (`ERR_STATE`).';

const list = route({
  method: 'get',
  path: '/api/v1/orgs/{orgId}/members',
  access: access.org('viewer', 'orgs:read'),
  summary: 'List the members of an organisation',
  tags: TAGS,
  request: { params: OrgParams },
  responses: { 200: jsonResponse('Oldest first.', z.object({ members: z.array(MemberSchema) })) },
});

const add = route({
  method: 'post',
  path: '/api/v1/orgs/{orgId}/members',
  access: access.org('admin', 'members:write'),
  summary: 'Add an account to the organisation',
  description: `The account must exist: people sign up first, then are added by email address. ${ROLE_RULES}`,
  tags: TAGS,
  request: { params: OrgParams, body: jsonBody(z.strictObject({ email: EmailInput, role: RoleSchema })) },
  responses: {
    201: jsonResponse('Added.', z.object({ member: MemberSchema })),
    400: errorResponse('The input is invalid (`ERR_VALIDATION`).'),
    403: errorResponse('The role rules forbid it (`ERR_FORBIDDEN`).'),
    404: errorResponse('No account uses this email address (`ERR_NOT_FOUND`).'),
    409: errorResponse('Already a member (`ERR_CONFLICT`).'),
  },
});

const change = route({
  method: 'patch',
  path: '/api/v1/orgs/{orgId}/members/{userId}',
  access: access.org('admin', 'members:write'),
  summary: "Change a member's role",
  description: ROLE_RULES,
  tags: TAGS,
  request: { params: MemberParams, body: jsonBody(z.strictObject({ role: RoleSchema })) },
  responses: {
    200: jsonResponse('Changed (or already so).', z.object({ member: MemberSchema })),
    400: errorResponse('The input is invalid (`ERR_VALIDATION`).'),
    403: errorResponse('The role rules forbid it (`ERR_FORBIDDEN`).'),
    404: errorResponse('No such member (`ERR_NOT_FOUND`).'),
    409: errorResponse('It would leave the organisation without an owner (`ERR_STATE`).'),
  },
});

const remove = route({
  method: 'delete',
  path: '/api/v1/orgs/{orgId}/members/{userId}',
  access: access.org('admin', 'members:write'),
  summary: 'Remove a member',
  description: `Their API tokens bound to the organisation are revoked. ${ROLE_RULES}`,
  tags: TAGS,
  request: { params: MemberParams },
  responses: {
    204: { description: 'Removed.' },
    403: errorResponse('The role rules forbid it (`ERR_FORBIDDEN`).'),
    404: errorResponse('No such member (`ERR_NOT_FOUND`).'),
    409: errorResponse('It would leave the organisation without an owner (`ERR_STATE`).'),
  },
});

const auditLog = route({
  method: 'get',
  path: '/api/v1/orgs/{orgId}/audit',
  access: access.org('admin', 'audit:read'),
  summary: "Read the organisation's audit log",
  description: 'Newest first. Page back with `before` set to the `nextBefore` of the previous page.',
  tags: TAGS,
  request: {
    params: OrgParams,
    query: z.strictObject({
      before: z
        .string()
        .regex(/^[1-9][0-9]{0,17}$/, { error: 'must be an entry id' })
        .optional(),
      limit: z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX).default(AUDIT_PAGE_DEFAULT),
    }),
  },
  responses: {
    200: jsonResponse('One page.', z.object({ entries: z.array(AuditEntrySchema), nextBefore: z.string().nullable() })),
    400: errorResponse('The query is invalid (`ERR_VALIDATION`).'),
  },
});

export function registerMemberRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(list, async (c) => {
    const members = await listMembers(c.get('deps').db, c.get('org')!.id);
    return c.json({ members: members.map(memberView) }, 200);
  });

  app.openapi(add, async (c) => {
    const deps = c.get('deps');
    const body = c.req.valid('json');
    const member = await deps.db
      .transaction()
      .execute((tx) => addMember(tx, c.get('principal')!, c.get('org')!.id, body, deps.clock()));
    return c.json({ member: memberView(member) }, 201);
  });

  app.openapi(change, async (c) => {
    const deps = c.get('deps');
    const { userId } = c.req.valid('param');
    const { role } = c.req.valid('json');
    const member = await deps.db
      .transaction()
      .execute((tx) => changeMemberRole(tx, c.get('principal')!, c.get('org')!.id, userId, role, deps.clock()));
    return c.json({ member: memberView(member) }, 200);
  });

  app.openapi(remove, async (c) => {
    const deps = c.get('deps');
    const { userId } = c.req.valid('param');
    await deps.db
      .transaction()
      .execute((tx) => removeMember(tx, c.get('principal')!, c.get('org')!.id, userId, deps.clock()));
    return c.body(null, 204);
  });

  app.openapi(auditLog, async (c) => {
    const page = await listAuditEntries(c.get('deps').db, c.get('org')!.id, c.req.valid('query'));
    return c.json({ entries: page.entries.map((e) => ({ ...e, at: iso(e.at) })), nextBefore: page.nextBefore }, 200);
  });
}
