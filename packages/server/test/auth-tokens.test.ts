import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../src/http/access.js';
import { secretHash } from '../src/security/tokens.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { addMember, callerWith, createOrg, createUser, member, sessionFor, type Caller } from './helpers/fixtures.js';

/** API tokens: minting (shown once, hash kept), scopes, binding to an organisation, listing, revoking, expiry. */

interface MintedToken {
  id: string;
  token: string;
  name: string;
  scopes: string[];
  orgId: string | null;
  createdAt: string;
  expiresAt: string;
}

describe.each(databaseTargets())('API tokens on $name', (target) => {
  let ctx: TestContext;
  const tokens = new Set<string>();

  beforeAll(async () => {
    ctx = await createTestContext(target);
  });
  afterAll(() => ctx.close());

  async function mint(session: Caller, body: Record<string, unknown>): Promise<MintedToken> {
    const res = await session.request('POST', '/api/v1/me/tokens', body);
    expect(res.status).toBe(201);
    const json = (await res.json()) as MintedToken;
    tokens.add(json.token);
    return json;
  }
  const bearer = (token: string) => callerWith(ctx, { authorization: `Bearer ${token}` });

  it('is returned once, stored only as its hash, expires in 90 days by default, and acts as its owner', async () => {
    const user = await createUser(ctx);
    const session = await sessionFor(ctx, user.id);
    const minted = await mint(session, { name: '  LMS sync ', scopes: ['orgs:read', 'orgs:read', 'audit:read'] });
    expect(minted).toEqual({
      id: expect.any(String),
      token: expect.stringMatching(/^sp_token_[A-Za-z0-9_-]{43}$/),
      name: 'LMS sync',
      scopes: ['orgs:read', 'audit:read'],
      orgId: null,
      createdAt: ctx.deps.clock().toISOString(),
      expiresAt: new Date(ctx.deps.clock().getTime() + 90 * 86_400_000).toISOString(),
    });
    const row = await ctx.db.selectFrom('apiTokens').selectAll().where('id', '=', minted.id).executeTakeFirstOrThrow();
    expect(row.tokenHash).toBe(secretHash(minted.token));
    expect(JSON.stringify(row)).not.toContain(minted.token);

    const me = await bearer(minted.token).request('GET', '/api/v1/me');
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ user: { id: user.id }, csrfToken: null });

    const listed = await session.request('GET', '/api/v1/me/tokens');
    const text = await listed.text();
    expect(text).not.toContain(minted.token);
    expect(text).not.toContain(row.tokenHash);
    expect(JSON.parse(text)).toEqual({
      tokens: [
        {
          id: minted.id,
          name: 'LMS sync',
          scopes: ['orgs:read', 'audit:read'],
          orgId: null,
          createdAt: minted.createdAt,
          expiresAt: minted.expiresAt,
          revokedAt: null,
          lastUsedAt: ctx.deps.clock().toISOString(),
        },
      ],
    });
  });

  it('records when a token was last used, to the minute (not a write per call)', async () => {
    const { user, orgId } = await member(ctx, 'viewer');
    const minted = await mint(await sessionFor(ctx, user.id), { name: 'clock', scopes: ['orgs:read'] });
    const token = callerWith(ctx, { authorization: `Bearer ${minted.token}` });
    const lastUsed = async () =>
      (
        await ctx.db
          .selectFrom('apiTokens')
          .select('lastUsedAt')
          .where('userId', '=', user.id)
          .executeTakeFirstOrThrow()
      ).lastUsedAt?.toISOString();
    const start = ctx.deps.clock();
    try {
      expect((await token.request('GET', `/api/v1/orgs/${orgId}`)).status).toBe(200);
      expect(await lastUsed()).toBe(start.toISOString());
      ctx.setNow(new Date(start.getTime() + 59_000));
      await token.request('GET', `/api/v1/orgs/${orgId}`);
      expect(await lastUsed()).toBe(start.toISOString());
      ctx.setNow(new Date(start.getTime() + 60_000));
      await token.request('GET', `/api/v1/orgs/${orgId}`);
      expect(await lastUsed()).toBe(new Date(start.getTime() + 60_000).toISOString());
    } finally {
      ctx.setNow(start);
    }
  });

  it('a route needs its scope: missing scope is 403 ERR_SCOPE, with it the call goes through', async () => {
    const { user, orgId } = await member(ctx, 'admin');
    const session = await sessionFor(ctx, user.id);
    const reader = await mint(session, { name: 'reader', scopes: ['credentials:read'] });
    const lister = await mint(session, { name: 'lister', scopes: ['orgs:read'] });
    for (const path of [`/api/v1/orgs/${orgId}/members`, '/api/v1/me']) {
      const res = await bearer(reader.token).request('GET', path);
      expect(res.status, path).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: 'ERR_SCOPE' } });
    }
    expect((await bearer(lister.token).request('GET', `/api/v1/orgs/${orgId}/members`)).status).toBe(200);
    const audit = await bearer(lister.token).request('GET', `/api/v1/orgs/${orgId}/audit`);
    expect(audit.status).toBe(403);
    expect(await audit.json()).toMatchObject({
      error: { code: 'ERR_SCOPE', message: expect.stringContaining('audit:read') },
    });
  });

  it('a token bound to one organisation cannot reach another the owner belongs to (404)', async () => {
    const { user, orgId: home } = await member(ctx, 'owner');
    const other = await createOrg(ctx);
    await addMember(ctx, other.id, user.id, 'owner');
    const session = await sessionFor(ctx, user.id);
    const bound = await mint(session, { name: 'bound', scopes: ['orgs:read'], orgId: home });
    expect(bound.orgId).toBe(home);
    expect((await bearer(bound.token).request('GET', `/api/v1/orgs/${home}/members`)).status).toBe(200);
    const res = await bearer(bound.token).request('GET', `/api/v1/orgs/${other.id}/members`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
    const unbound = await mint(session, { name: 'unbound', scopes: ['orgs:read'] });
    expect((await bearer(unbound.token).request('GET', `/api/v1/orgs/${other.id}/members`)).status).toBe(200);
  });

  it('binding a token to an organisation one does not belong to is 404, and nothing is stored', async () => {
    const user = await createUser(ctx);
    const stranger = await createOrg(ctx);
    const session = await sessionFor(ctx, user.id);
    for (const orgId of [stranger.id, crypto.randomUUID()]) {
      const res = await session.request('POST', '/api/v1/me/tokens', { name: 'x', scopes: ['orgs:read'], orgId });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
    }
    expect(await ctx.db.selectFrom('apiTokens').select('id').where('userId', '=', user.id).execute()).toEqual([]);
  });

  it('refuses bad input with ERR_VALIDATION and stores nothing', async () => {
    const user = await createUser(ctx);
    const session = await sessionFor(ctx, user.id);
    const good = { name: 'ci', scopes: ['orgs:read'] };
    for (const body of [
      { ...good, scopes: [] },
      { ...good, scopes: ['orgs:admin'] },
      { ...good, scopes: 'orgs:read' },
      { ...good, name: '' },
      { ...good, name: 'n'.repeat(101) },
      { ...good, orgId: 'not-a-uuid' },
      { ...good, expiresInDays: 0 },
      { ...good, expiresInDays: 366 },
      { ...good, expiresInDays: 1.5 },
      { ...good, expiresInDays: '30' },
      { ...good, userId: crypto.randomUUID() },
      { scopes: ['orgs:read'] },
    ]) {
      const res = await session.request('POST', '/api/v1/me/tokens', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'ERR_VALIDATION' } });
    }
    expect(await ctx.db.selectFrom('apiTokens').select('id').where('userId', '=', user.id).execute()).toEqual([]);
    const max = await mint(session, { ...good, expiresInDays: 365 });
    expect(max.expiresAt).toBe(new Date(ctx.deps.clock().getTime() + 365 * 86_400_000).toISOString());
  });

  it('every scope can be granted', async () => {
    const user = await createUser(ctx);
    const minted = await mint(await sessionFor(ctx, user.id), { name: 'all', scopes: [...SCOPES] });
    expect(minted.scopes).toEqual([...SCOPES]);
  });

  it('revoking: the token stops working at once; revoking again is a no-op; others’ tokens are 404', async () => {
    const user = await createUser(ctx);
    const session = await sessionFor(ctx, user.id);
    const minted = await mint(session, { name: 'revoke me', scopes: ['orgs:read'] });
    const otherUser = await createUser(ctx);
    const others = await mint(await sessionFor(ctx, otherUser.id), { name: 'not yours', scopes: ['orgs:read'] });

    const foreign = await session.request('DELETE', `/api/v1/me/tokens/${others.id}`);
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
    expect((await bearer(others.token).request('GET', '/api/v1/me')).status).toBe(200);
    expect((await session.request('DELETE', '/api/v1/me/tokens/not-a-uuid')).status).toBe(400);

    expect((await session.request('DELETE', `/api/v1/me/tokens/${minted.id}`)).status).toBe(204);
    const refused = await bearer(minted.token).request('GET', '/api/v1/me');
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: 'ERR_UNAUTHENTICATED' } });
    expect((await session.request('DELETE', `/api/v1/me/tokens/${minted.id}`)).status).toBe(204);

    const listed = (await (await session.request('GET', '/api/v1/me/tokens')).json()) as { tokens: MintedToken[] };
    expect(listed.tokens).toEqual([
      expect.objectContaining({ id: minted.id, revokedAt: ctx.deps.clock().toISOString() }),
    ]);
    const audit = await ctx.db
      .selectFrom('auditLog')
      .select(['action', 'actorUserId', 'orgId'])
      .where('targetId', '=', minted.id)
      .orderBy('id')
      .execute();
    expect(audit).toEqual([
      { action: 'api-token.create', actorUserId: user.id, orgId: null },
      { action: 'api-token.revoke', actorUserId: user.id, orgId: null },
    ]);
  });

  it('an expired token is refused', async () => {
    const user = await createUser(ctx);
    const minted = await mint(await sessionFor(ctx, user.id), {
      name: 'short',
      scopes: ['orgs:read'],
      expiresInDays: 1,
    });
    const start = ctx.deps.clock();
    try {
      ctx.setNow(new Date(start.getTime() + 86_400_000 - 1));
      expect((await bearer(minted.token).request('GET', '/api/v1/me')).status).toBe(200);
      ctx.setNow(new Date(start.getTime() + 86_400_000));
      expect((await bearer(minted.token).request('GET', '/api/v1/me')).status).toBe(401);
    } finally {
      ctx.setNow(start);
    }
  });

  it('a token bound to an organisation is audited in that organisation’s log, without the token', async () => {
    const { user, orgId } = await member(ctx, 'admin');
    const session = await sessionFor(ctx, user.id);
    const minted = await mint(session, { name: 'org audit', scopes: ['audit:read'], orgId });
    const res = await bearer(minted.token).request('GET', `/api/v1/orgs/${orgId}/audit`);
    expect(res.status).toBe(200);
    const { entries } = (await res.json()) as { entries: { action: string; targetId: string; data: unknown }[] };
    expect(entries[0]).toMatchObject({
      action: 'api-token.create',
      targetId: minted.id,
      data: { name: 'org audit', scopes: ['audit:read'], expiresAt: minted.expiresAt },
    });
  });

  it('no token or token hash appears in any audit row or log line', async () => {
    expect(tokens.size).toBeGreaterThan(5);
    const rows = await ctx.db.selectFrom('auditLog').selectAll().execute();
    const texts = [...rows.map((r) => JSON.stringify(r)), ...ctx.logLines];
    const secrets = [...tokens].flatMap((t) => [t, secretHash(t)]);
    expect(secrets.filter((s) => texts.some((t) => t.includes(s)))).toEqual([]);
  });
});
