import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/index.js';
import { hashPassword } from '../src/security/passwords.js';
import { secretHash } from '../src/security/tokens.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { TEST_PASSWORD, addMember, createOrg, createUser, sessionFor, tokenFor } from './helpers/fixtures.js';

/** Sign-up, sign-in, sign-out, sessions and their cookie, CSRF, the current account, password changes. */

const PASSWORD = 'a long enough passphrase';

interface Sent {
  body?: unknown;
  cookie?: string;
  csrf?: string;
  headers?: Record<string, string>;
}

interface SetCookie {
  name: string;
  value: string;
  attributes: Map<string, string | true>;
}

function parseSetCookie(res: Response): SetCookie {
  const header = res.headers.get('set-cookie');
  expect(header).toBeTruthy();
  const [pair, ...attributes] = header!.split(/;\s*/);
  const eq = pair!.indexOf('=');
  return {
    name: pair!.slice(0, eq),
    value: pair!.slice(eq + 1),
    attributes: new Map<string, string | true>(
      attributes.map((a): [string, string | true] => {
        const i = a.indexOf('=');
        return i < 0 ? [a.toLowerCase(), true] : [a.slice(0, i).toLowerCase(), a.slice(i + 1)];
      }),
    ),
  };
}

describe.each(databaseTargets())('accounts and sessions on $name', (target) => {
  let ctx: TestContext;
  /** Every secret the tests saw: none may appear in an audit row or a log line. */
  const secrets = new Set<string>([PASSWORD, TEST_PASSWORD]);
  let n = 0;
  const freshEmail = () => `person-${Date.now().toString(36)}-${n++}@example.org`;

  const send = (method: string, path: string, sent: Sent = {}) =>
    ctx.app.request(path, {
      method,
      headers: {
        ...(sent.body !== undefined && { 'content-type': 'application/json' }),
        ...(sent.cookie && { cookie: `sp_session=${sent.cookie}` }),
        ...(sent.csrf && { 'x-csrf-token': sent.csrf }),
        ...sent.headers,
      },
      ...(sent.body !== undefined && { body: JSON.stringify(sent.body) }),
    });

  /** Signs up through the API; answers the session cookie's value and CSRF token. */
  async function signUp(body: Record<string, unknown> = {}) {
    const email = freshEmail();
    const res = await send('POST', '/api/v1/auth/sign-up', {
      body: { email, password: PASSWORD, kind: 'staff', ...body },
    });
    expect(res.status).toBe(201);
    const json = (await res.json()) as { user: { id: string; email: string }; csrfToken: string };
    const cookie = parseSetCookie(res).value;
    secrets.add(cookie).add(json.csrfToken);
    return { ...json, cookie, email: json.user.email };
  }

  async function signIn(email: string, password: string, cookie?: string) {
    const res = await send('POST', '/api/v1/auth/sign-in', { body: { email, password }, ...(cookie && { cookie }) });
    if (res.status === 200) secrets.add(parseSetCookie(res.clone()).value);
    return res;
  }

  beforeAll(async () => {
    ctx = await createTestContext(target);
  });
  afterAll(() => ctx.close());

  describe('sign-up', () => {
    it('creates the account, signs it in with a hardened cookie, and audits it', async () => {
      const email = `Mixed.Case-${n++}@Example.ORG`;
      const res = await send('POST', '/api/v1/auth/sign-up', {
        body: { email, password: PASSWORD, name: '  Ada Lovelace ', kind: 'learner' },
      });
      expect(res.status).toBe(201);
      const body = (await res.json()) as { user: Record<string, unknown>; csrfToken: string };
      expect(body.user).toEqual({
        id: expect.any(String),
        email: email.toLowerCase(),
        name: 'Ada Lovelace',
        kind: 'learner',
      });
      expect(body.csrfToken).toMatch(/^sp_csrf_[A-Za-z0-9_-]{43}$/);

      const cookie = parseSetCookie(res);
      secrets.add(cookie.value).add(body.csrfToken);
      expect(cookie.name).toBe('sp_session');
      expect(cookie.value).toMatch(/^sp_session_[A-Za-z0-9_-]{43}$/);
      expect(cookie.attributes.get('httponly')).toBe(true);
      expect(cookie.attributes.get('secure')).toBe(true);
      expect(cookie.attributes.get('samesite')).toBe('Lax');
      expect(cookie.attributes.get('path')).toBe('/');
      expect(cookie.attributes.get('max-age')).toBe(String(30 * 86400));
      expect(new Date(cookie.attributes.get('expires') as string).getTime()).toBe(
        ctx.deps.clock().getTime() + 30 * 86_400_000,
      );

      const user = await ctx.db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', body.user['id'] as string)
        .executeTakeFirstOrThrow();
      expect(user.passwordHash).toMatch(/^scrypt\$1024\$8\$1\$/);
      secrets.add(user.passwordHash!);
      const session = await ctx.db
        .selectFrom('sessions')
        .selectAll()
        .where('userId', '=', user.id)
        .executeTakeFirstOrThrow();
      expect(session.idHash).toBe(secretHash(cookie.value));
      expect(session.csrfToken).toBe(body.csrfToken);
      const rows = await ctx.db.selectFrom('auditLog').selectAll().where('targetId', '=', user.id).execute();
      expect(rows.map((r) => [r.action, r.orgId, r.actorUserId])).toEqual([['user.sign-up', null, user.id]]);
    });

    it('the session cookie signs the browser in, and GET /api/v1/me answers who it is', async () => {
      const { cookie, csrfToken, user } = await signUp({ name: 'Grace' });
      const res = await send('GET', '/api/v1/me', { cookie });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        user: { id: user.id, email: user.email, name: 'Grace', kind: 'staff' },
        memberships: [],
        csrfToken,
      });
    });

    it('an address already in use (in any case) is 409 ERR_EMAIL_TAKEN, and says nothing about the account', async () => {
      const { email, user } = await signUp({ name: 'First Owner', kind: 'employer' });
      const before = await ctx.db.selectFrom('users').select('id').execute();
      const res = await send('POST', '/api/v1/auth/sign-up', {
        body: { email: email.toUpperCase(), password: 'another long password', kind: 'staff' },
      });
      expect(res.status).toBe(409);
      expect(res.headers.get('set-cookie')).toBeNull();
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({ error: { code: 'ERR_EMAIL_TAKEN' } });
      for (const leak of [user.id, 'First Owner', 'employer']) expect(text).not.toContain(leak);
      expect(await ctx.db.selectFrom('users').select('id').execute()).toHaveLength(before.length);
    });

    it('concurrent sign-ups with one address make one account; the others are ERR_EMAIL_TAKEN', async () => {
      const email = freshEmail();
      const results = await Promise.all(
        [0, 1, 2].map(() =>
          send('POST', '/api/v1/auth/sign-up', { body: { email, password: PASSWORD, kind: 'staff' } }),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([201, 409, 409]);
      for (const r of results) if (r.status === 201) secrets.add(parseSetCookie(r).value);
      expect(await ctx.db.selectFrom('users').select('id').where('email', '=', email).execute()).toHaveLength(1);
    });

    it('refuses bad input with a coded 400 (or 415) and writes nothing', async () => {
      const valid = { email: freshEmail(), password: PASSWORD, kind: 'staff' };
      const cases: [string, unknown][] = [
        ['malformed email', { ...valid, email: 'not-an-email' }],
        ['email without a domain', { ...valid, email: 'ada@' }],
        ['email with a space', { ...valid, email: ' ada@example.org' }],
        ['email too long', { ...valid, email: `${'a'.repeat(250)}@example.org` }],
        ['password of 11 characters', { ...valid, password: 'x'.repeat(11) }],
        ['password over 1024 characters', { ...valid, password: 'x'.repeat(1025) }],
        ['password as a number', { ...valid, password: 123456789012345 }],
        ['email as an array', { ...valid, email: [valid.email] }],
        ['unknown kind', { ...valid, kind: 'admin' }],
        ['missing kind', { email: valid.email, password: PASSWORD }],
        ['empty name', { ...valid, name: '   ' }],
        ['unknown field', { ...valid, role: 'owner' }],
        ['an array body', [valid]],
        ['null body', null],
      ];
      const before = await ctx.db.selectFrom('users').select('id').execute();
      for (const [label, body] of cases) {
        const res = await send('POST', '/api/v1/auth/sign-up', { body });
        expect(res.status, label).toBe(400);
        const json = (await res.json()) as { error: { code: string; message: string } };
        expect(json.error.code, label).toBe('ERR_VALIDATION');
        expect(json.error.message.length, label).toBeGreaterThan(5);
      }
      const malformed = await ctx.app.request('/api/v1/auth/sign-up', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"email":',
      });
      expect(malformed.status).toBe(400);
      expect(await malformed.json()).toMatchObject({ error: { code: 'ERR_VALIDATION' } });
      const form = await ctx.app.request('/api/v1/auth/sign-up', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ email: valid.email, password: PASSWORD, kind: 'staff' }).toString(),
      });
      expect(form.status).toBe(415);
      expect(await form.json()).toMatchObject({ error: { code: 'ERR_UNSUPPORTED_MEDIA_TYPE' } });
      const empty = await ctx.app.request('/api/v1/auth/sign-up', { method: 'POST' });
      expect(empty.status).toBe(400);
      expect(await empty.json()).toMatchObject({ error: { code: 'ERR_VALIDATION' } });
      expect(await ctx.db.selectFrom('users').select('id').execute()).toHaveLength(before.length);
    });

    it('without https the cookie is not Secure (and stays httpOnly, SameSite=Lax)', async () => {
      const app = createApp({ ...ctx.deps, publicUrl: 'http://localhost:3000' });
      const res = await app.request('/api/v1/auth/sign-up', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: freshEmail(), password: PASSWORD, kind: 'staff' }),
      });
      expect(res.status).toBe(201);
      const cookie = parseSetCookie(res);
      secrets.add(cookie.value);
      expect(cookie.attributes.has('secure')).toBe(false);
      expect(cookie.attributes.get('httponly')).toBe(true);
      expect(cookie.attributes.get('samesite')).toBe('Lax');
    });
  });

  describe('sign-in', () => {
    it('right password (email in any case): 200, a new session; wrong password or unknown email: the same 401', async () => {
      const { email, cookie: firstCookie, user } = await signUp();
      const ok = await signIn(email.toUpperCase(), PASSWORD);
      expect(ok.status).toBe(200);
      const body = (await ok.json()) as { user: { id: string }; csrfToken: string };
      secrets.add(body.csrfToken);
      expect(body.user.id).toBe(user.id);
      const cookie = parseSetCookie(ok);
      expect(cookie.value).not.toBe(firstCookie);
      expect([cookie.attributes.get('httponly'), cookie.attributes.get('samesite')]).toEqual([true, 'Lax']);
      expect((await send('GET', '/api/v1/me', { cookie: cookie.value })).status).toBe(200);

      const wrong = await signIn(email, 'not the password at all');
      const unknown = await signIn(freshEmail(), PASSWORD);
      expect([wrong.status, unknown.status]).toEqual([401, 401]);
      expect(wrong.headers.get('set-cookie')).toBeNull();
      const [w, u] = [await wrong.json(), await unknown.json()];
      expect(w).toEqual(u);
      expect(w).toMatchObject({ error: { code: 'ERR_SIGN_IN_FAILED' } });
      const actions = await ctx.db.selectFrom('auditLog').select('action').where('targetId', '=', user.id).execute();
      expect(actions.map((a) => a.action)).toEqual(['user.sign-up', 'user.sign-in']);
    });

    it('signing in from a browser that holds a session replaces that session (no fixation)', async () => {
      const { email, cookie } = await signUp();
      const res = await signIn(email, PASSWORD, cookie);
      expect(res.status).toBe(200);
      const old = await ctx.db
        .selectFrom('sessions')
        .select('idHash')
        .where('idHash', '=', secretHash(cookie))
        .execute();
      expect(old).toEqual([]);
      expect((await send('GET', '/api/v1/me', { cookie })).status).toBe(401);
    });

    it('an account without a password cannot sign in', async () => {
      const user = await createUser(ctx, { kind: 'learner' });
      await ctx.db.updateTable('users').set({ passwordHash: null }).where('id', '=', user.id).execute();
      const res = await signIn(user.email, TEST_PASSWORD);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 'ERR_SIGN_IN_FAILED' } });
    });

    it('a hash made with other scrypt parameters is re-made with the current ones at sign-in', async () => {
      const user = await createUser(ctx);
      const old = await hashPassword(TEST_PASSWORD, { N: 2048, r: 8, p: 1 });
      secrets.add(old);
      await ctx.db.updateTable('users').set({ passwordHash: old }).where('id', '=', user.id).execute();
      expect((await signIn(user.email, TEST_PASSWORD)).status).toBe(200);
      const { passwordHash } = await ctx.db
        .selectFrom('users')
        .select('passwordHash')
        .where('id', '=', user.id)
        .executeTakeFirstOrThrow();
      secrets.add(passwordHash!);
      expect(passwordHash).toMatch(/^scrypt\$1024\$8\$1\$/);
      expect((await signIn(user.email, TEST_PASSWORD)).status).toBe(200);
    });

    it('refuses bad input with ERR_VALIDATION', async () => {
      for (const body of [
        { email: 'nobody', password: PASSWORD },
        { email: freshEmail(), password: '' },
        { email: freshEmail(), password: 'x'.repeat(1025) },
        { email: freshEmail(), password: PASSWORD, remember: true },
        { email: freshEmail() },
        { email: 42, password: PASSWORD },
      ]) {
        const res = await send('POST', '/api/v1/auth/sign-in', { body });
        expect(res.status).toBe(400);
        expect(await res.json()).toMatchObject({ error: { code: 'ERR_VALIDATION' } });
      }
    });

    it('a session ends after 30 days', async () => {
      const { cookie } = await signUp();
      const start = ctx.deps.clock();
      try {
        ctx.setNow(new Date(start.getTime() + 30 * 86_400_000 - 1000));
        expect((await send('GET', '/api/v1/me', { cookie })).status).toBe(200);
        ctx.setNow(new Date(start.getTime() + 30 * 86_400_000));
        const res = await send('GET', '/api/v1/me', { cookie });
        expect(res.status).toBe(401);
        expect(await res.json()).toMatchObject({ error: { code: 'ERR_UNAUTHENTICATED' } });
      } finally {
        ctx.setNow(start);
      }
    });
  });

  describe('CSRF and sign-out', () => {
    it('a session POST without the CSRF token, or with a wrong one, is 403 ERR_CSRF; with it, it works', async () => {
      const { cookie, csrfToken } = await signUp();
      const other = await signUp();
      for (const csrf of [undefined, 'sp_csrf_wrong', other.csrfToken, csrfToken.slice(0, -1)]) {
        const res = await send('POST', '/api/v1/auth/sign-out', { cookie, ...(csrf && { csrf }) });
        expect(res.status).toBe(403);
        expect(await res.json()).toMatchObject({ error: { code: 'ERR_CSRF' } });
      }
      const tokens = await send('POST', '/api/v1/me/tokens', {
        cookie,
        body: { name: 'ci', scopes: ['orgs:read'] },
      });
      expect(tokens.status).toBe(403);
      expect(await tokens.json()).toMatchObject({ error: { code: 'ERR_CSRF' } });
      expect((await send('GET', '/api/v1/me', { cookie })).status).toBe(200);
      const res = await send('POST', '/api/v1/auth/sign-out', { cookie, csrf: csrfToken });
      expect(res.status).toBe(204);
    });

    it('sign-out deletes the session row, clears the cookie, and the cookie no longer works', async () => {
      const { cookie, csrfToken, user } = await signUp();
      const res = await send('POST', '/api/v1/auth/sign-out', { cookie, csrf: csrfToken });
      expect(res.status).toBe(204);
      const cleared = parseSetCookie(res);
      expect(cleared.name).toBe('sp_session');
      expect(cleared.value).toBe('');
      expect(cleared.attributes.get('max-age')).toBe('0');
      expect(cleared.attributes.get('path')).toBe('/');
      expect(
        await ctx.db.selectFrom('sessions').select('idHash').where('idHash', '=', secretHash(cookie)).execute(),
      ).toEqual([]);
      const me = await send('GET', '/api/v1/me', { cookie });
      expect(me.status).toBe(401);
      expect(await me.json()).toMatchObject({ error: { code: 'ERR_UNAUTHENTICATED' } });
      const again = await send('POST', '/api/v1/auth/sign-out', { cookie, csrf: csrfToken });
      expect(again.status).toBe(401);
      const audit = await ctx.db
        .selectFrom('auditLog')
        .select(['action', 'orgId'])
        .where('targetId', '=', user.id)
        .orderBy('id')
        .execute();
      expect(audit).toEqual([
        { action: 'user.sign-up', orgId: null },
        { action: 'user.sign-out', orgId: null },
      ]);
    });

    it('API tokens cannot sign out, change the password or mint tokens (ERR_SCOPE)', async () => {
      const user = await createUser(ctx);
      const token = await tokenFor(ctx, user.id, ['orgs:read', 'orgs:write', 'members:write']);
      for (const [path, body] of [
        ['/api/v1/auth/sign-out', undefined],
        ['/api/v1/me/password', { currentPassword: TEST_PASSWORD, newPassword: 'a brand new password' }],
        ['/api/v1/me/tokens', { name: 'more', scopes: ['orgs:read'] }],
      ] as const) {
        const res = await token.request('POST', path, body);
        expect(res.status, path).toBe(403);
        expect(await res.json()).toMatchObject({ error: { code: 'ERR_SCOPE' } });
      }
    });
  });

  describe('GET /api/v1/me', () => {
    it('lists memberships for a session; a token sees its bound organisation only, and no CSRF token', async () => {
      const user = await createUser(ctx, { name: 'Member' });
      const orgs = [];
      for (const [slug, role] of [
        [`me-alpha-${n++}`, 'viewer'],
        [`me-beta-${n++}`, 'owner'],
      ] as const) {
        const org = await createOrg(ctx, null, slug);
        await addMember(ctx, org.id, user.id, role);
        orgs.push({ orgId: org.id, slug: org.slug, name: org.name, role });
      }
      const session = await sessionFor(ctx, user.id);
      const res = await session.request('GET', '/api/v1/me');
      expect(await res.json()).toEqual({
        user: { id: user.id, email: user.email, name: 'Member', kind: 'staff' },
        memberships: orgs,
        csrfToken: session.headers['x-csrf-token'],
      });
      const bound = await tokenFor(ctx, user.id, ['orgs:read'], orgs[1]!.orgId);
      expect(await (await bound.request('GET', '/api/v1/me')).json()).toMatchObject({
        memberships: [orgs[1]],
        csrfToken: null,
      });
      const unscoped = await tokenFor(ctx, user.id, ['credentials:read']);
      const refused = await unscoped.request('GET', '/api/v1/me');
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ error: { code: 'ERR_SCOPE' } });
      expect((await ctx.app.request('/api/v1/me')).status).toBe(401);
    });
  });

  describe('changing the password', () => {
    it('needs the current password, ends every other session, keeps this one, and audits it', async () => {
      const { email, cookie, csrfToken, user } = await signUp();
      const second = await signIn(email, PASSWORD);
      const secondCookie = parseSetCookie(second).value;
      const newPassword = 'an entirely new passphrase';
      secrets.add(newPassword);

      const wrong = await send('POST', '/api/v1/me/password', {
        cookie,
        csrf: csrfToken,
        body: { currentPassword: 'not my password!', newPassword },
      });
      expect(wrong.status).toBe(403);
      expect(await wrong.json()).toMatchObject({ error: { code: 'ERR_FORBIDDEN' } });
      const missing = await send('POST', '/api/v1/me/password', { cookie, csrf: csrfToken, body: { newPassword } });
      expect(missing.status).toBe(403);
      expect((await send('GET', '/api/v1/me', { cookie: secondCookie })).status).toBe(200);

      const res = await send('POST', '/api/v1/me/password', {
        cookie,
        csrf: csrfToken,
        body: { currentPassword: PASSWORD, newPassword },
      });
      expect(res.status).toBe(204);
      expect((await send('GET', '/api/v1/me', { cookie })).status).toBe(200);
      expect((await send('GET', '/api/v1/me', { cookie: secondCookie })).status).toBe(401);
      expect((await signIn(email, PASSWORD)).status).toBe(401);
      expect((await signIn(email, newPassword)).status).toBe(200);
      const row = await ctx.db
        .selectFrom('auditLog')
        .select(['action', 'data'])
        .where('targetId', '=', user.id)
        .where('action', '=', 'user.password-change')
        .executeTakeFirstOrThrow();
      expect(row.data).toEqual({ endedSessions: 1 });
    });

    it('an account without a password may set one without a current password', async () => {
      const user = await createUser(ctx, { kind: 'learner' });
      await ctx.db.updateTable('users').set({ passwordHash: null }).where('id', '=', user.id).execute();
      const session = await sessionFor(ctx, user.id);
      const res = await session.request('POST', '/api/v1/me/password', { newPassword: 'my first real password' });
      expect(res.status).toBe(204);
      secrets.add('my first real password');
      expect((await signIn(user.email, 'my first real password')).status).toBe(200);
    });

    it('refuses a short or over-long new password, and unknown fields, with ERR_VALIDATION', async () => {
      const user = await createUser(ctx);
      const session = await sessionFor(ctx, user.id);
      for (const body of [
        { currentPassword: TEST_PASSWORD, newPassword: 'short' },
        { currentPassword: TEST_PASSWORD, newPassword: 'y'.repeat(1025) },
        { currentPassword: TEST_PASSWORD, newPassword: 'long enough password', confirm: 'x' },
        { currentPassword: TEST_PASSWORD, newPassword: 1234567890123 },
      ]) {
        const res = await session.request('POST', '/api/v1/me/password', body);
        expect(res.status).toBe(400);
        expect(await res.json()).toMatchObject({ error: { code: 'ERR_VALIDATION' } });
      }
      expect((await signIn(user.email, TEST_PASSWORD)).status).toBe(200);
    });
  });

  it('no password, hash, session, CSRF token or API token appears in any audit row or log line', async () => {
    const rows = await ctx.db.selectFrom('auditLog').selectAll().execute();
    expect(rows.length).toBeGreaterThan(10);
    const hashes = await ctx.db.selectFrom('users').select('passwordHash').execute();
    for (const h of hashes) if (h.passwordHash) secrets.add(h.passwordHash);
    const texts = [...rows.map((r) => JSON.stringify(r)), ...ctx.logLines];
    expect(ctx.logLines.some((l) => l.includes('signed in'))).toBe(true);
    const leaks = [...secrets].filter((s) => texts.some((t) => t.includes(s)));
    expect(leaks).toEqual([]);
    // Nor the parts a hash is made of (salt, derived key), nor a session's hash.
    const parts = [...hashes.flatMap((h) => h.passwordHash?.split('$').slice(4) ?? [])];
    expect(parts.filter((p) => texts.some((t) => t.includes(p)))).toEqual([]);
  });
});
