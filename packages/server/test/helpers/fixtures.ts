import { randomUUID } from 'node:crypto';
import type { AccountKind, Role } from '../../src/db/schema.js';
import { createOrganization } from '../../src/domains/orgs/service.js';
import { createAchievement } from '../../src/domains/achievements/service.js';
import { AchievementDefinition } from '../../src/domains/achievements/definition.js';
import { issueCredentials } from '../../src/domains/issuing/issue.js';
import { SESSION_COOKIE } from '../../src/http/authenticate.js';
import { hashPassword } from '../../src/security/passwords.js';
import { newSecret, secretHash } from '../../src/security/tokens.js';
import type { TestContext } from './context.js';

/** Test data made straight in the database, so that suites do not depend on each other's routes. */

let counter = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

export const TEST_PASSWORD = 'correct horse battery staple';

export async function createUser(
  ctx: TestContext,
  options: { kind?: AccountKind; email?: string; name?: string } = {},
) {
  const user = {
    id: randomUUID(),
    email: (options.email ?? `${unique('user')}@example.org`).toLowerCase(),
    name: options.name ?? 'Test User',
    passwordHash: await hashPassword(TEST_PASSWORD, ctx.deps.passwordParams),
    kind: options.kind ?? 'staff',
  };
  await ctx.db.insertInto('users').values(user).execute();
  return user;
}

/** Something that sends requests as one caller: a session (cookie + CSRF header), a token, or nobody. */
export interface Caller {
  headers: Record<string, string>;
  request(method: string, path: string, body?: unknown, extraHeaders?: Record<string, string>): Promise<Response>;
}

export function callerWith(ctx: TestContext, headers: Record<string, string>): Caller {
  return {
    headers,
    request(method, path, body, extraHeaders = {}) {
      const isJson = body !== undefined && !(typeof body === 'string') && !(body instanceof FormData);
      return Promise.resolve(
        ctx.app.request(path, {
          method,
          headers: { ...headers, ...(isJson && { 'content-type': 'application/json' }), ...extraHeaders },
          ...(body !== undefined && { body: isJson ? JSON.stringify(body) : (body as BodyInit) }),
        }),
      );
    },
  };
}

export const anonymous = (ctx: TestContext): Caller => callerWith(ctx, {});

export async function sessionFor(ctx: TestContext, userId: string): Promise<Caller> {
  const cookie = newSecret('sp_session');
  const csrfToken = newSecret('sp_csrf');
  await ctx.db
    .insertInto('sessions')
    .values({
      idHash: secretHash(cookie),
      userId,
      csrfToken,
      expiresAt: new Date(ctx.deps.clock().getTime() + 86_400_000),
    })
    .execute();
  return callerWith(ctx, { cookie: `${SESSION_COOKIE}=${cookie}`, 'x-csrf-token': csrfToken });
}

export async function tokenFor(ctx: TestContext, userId: string, scopes: string[], orgId: string | null = null) {
  const token = newSecret('sp_token');
  await ctx.db
    .insertInto('apiTokens')
    .values({
      id: randomUUID(),
      userId,
      orgId,
      name: 'test',
      tokenHash: secretHash(token),
      scopes,
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
    })
    .execute();
  return callerWith(ctx, { authorization: `Bearer ${token}` });
}

export async function createOrg(ctx: TestContext, ownerUserId: string | null = null, slug = unique('org')) {
  return ctx.db
    .transaction()
    .execute((tx) => createOrganization(tx, ctx.deps, { slug, name: `Org ${slug}` }, ownerUserId));
}

/** Turns an organisation's `suspendableCredentials` on or off: credentials issued from then on follow it. */
export async function setSuspendableCredentials(ctx: TestContext, orgId: string, on = true) {
  await ctx.db.updateTable('organizations').set({ suspendableCredentials: on }).where('id', '=', orgId).execute();
}

export async function addMember(ctx: TestContext, orgId: string, userId: string, role: Role) {
  await ctx.db.insertInto('memberships').values({ orgId, userId, role }).execute();
}

/** A user with `role` in a fresh organisation (or the given one), signed in. */
export async function member(ctx: TestContext, role: Role, orgId?: string) {
  const user = await createUser(ctx);
  const org = orgId ?? (await createOrg(ctx)).id;
  await addMember(ctx, org, user.id, role);
  return { user, orgId: org, caller: await sessionFor(ctx, user.id) };
}

/** An image as a `data:` URI, as achievements and organisations take uploads. */
export const dataUri = (type: string, bytes: Uint8Array | string) =>
  `data:${type};base64,${Buffer.from(bytes).toString('base64')}`;

export const SAMPLE_ACHIEVEMENT = {
  name: 'Data Analysis with SQL',
  description: 'Queries, joins and aggregates relational data to answer business questions.',
  criteria: { narrative: 'Pass the SQL quiz with 80% or more and submit a reviewed analysis project.' },
  tags: ['sql', 'data'],
};

export async function createSampleAchievement(
  ctx: TestContext,
  orgId: string,
  overrides: Record<string, unknown> = {},
) {
  const definition = AchievementDefinition.parse({ ...SAMPLE_ACHIEVEMENT, ...overrides });
  return ctx.db.transaction().execute((tx) => createAchievement(tx, orgId, definition, ctx.deps.clock(), null));
}

/** A signed-in issuer of a fresh organisation, and a sample achievement there to issue (with `overrides`). */
export async function issuerWithAchievement(ctx: TestContext, overrides: Record<string, unknown> = {}) {
  const issuer = await member(ctx, 'issuer');
  const { achievementId } = await createSampleAchievement(ctx, issuer.orgId, overrides);
  return { ...issuer, achievementId };
}

/** Issues `n` credentials of an achievement straight through `issueCredentials` (no mail), in one transaction. */
export async function issueMany(ctx: TestContext, orgId: string, achievementId: string, n: number) {
  return ctx.db.transaction().execute((tx) =>
    issueCredentials(tx, ctx.deps, {
      orgId,
      achievementId,
      items: Array.from({ length: n }, (_, i) => ({ recipient: { email: `learner${i}@example.org` }, notify: false })),
      actor: null,
    }),
  );
}
