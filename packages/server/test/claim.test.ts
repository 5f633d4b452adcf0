import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../src/http/authenticate.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { expectError } from './helpers/errors.js';
import {
  anonymous,
  callerWith,
  createSampleAchievement,
  createUser,
  issuerWithAchievement,
  sessionFor,
  type Caller,
} from './helpers/fixtures.js';

const PASSWORD = 'a long enough passphrase';

describe.each(databaseTargets())('claiming credentials on $name', (target) => {
  let ctx: TestContext;
  let issuer: Caller;
  let orgId: string;
  let achievementId: string;
  let counter = 0;

  beforeAll(async () => {
    ctx = await createTestContext(target);
    ({ caller: issuer, orgId, achievementId } = await issuerWithAchievement(ctx));
  });
  afterAll(() => ctx?.close());

  /** Issues to a fresh address and reads the claim token out of the mail in the outbox. */
  async function issueAndReadMail(options: { email?: string; achievement?: string; name?: string } = {}) {
    const email = options.email ?? `claim-${target.name}-${counter++}@example.org`;
    const res = await issuer.request('POST', `/api/v1/orgs/${orgId}/credentials`, {
      achievementId: options.achievement ?? achievementId,
      recipient: { email },
      ...(options.name && { name: options.name }),
    });
    expect(res.status).toBe(201);
    const { credential } = (await res.json()) as { credential: { id: string } };
    const mail = await ctx.db.selectFrom('outbox').selectAll().where('toAddress', '=', email).executeTakeFirstOrThrow();
    const token = /\/claim\/(sp_claim_[A-Za-z0-9_-]{43})\n/.exec(mail.text)![1]!;
    return { email, credentialId: credential.id, token, mail };
  }

  /** The caller a Set-Cookie and CSRF token make. */
  function signedInFrom(res: Response, csrfToken: string): Caller {
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Secure/);
    return callerWith(ctx, { cookie: cookie.split(';')[0]!, 'x-csrf-token': csrfToken });
  }

  it('end to end: mail → claim page → claim creates the learner account → my credentials → a second claim is 410', async () => {
    const { email, credentialId, token } = await issueAndReadMail({ name: 'Lin Learner' });
    const page = await anonymous(ctx).request('GET', `/claim/${token}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    expect(html).toContain('Data Analysis with SQL');
    expect(html).toContain(email);
    expect(html).toContain('value="Lin Learner"');
    expect(html).toContain('type="password"');

    const res = await anonymous(ctx).request('POST', '/api/v1/claims', { token, password: PASSWORD });
    const body = (await res.json()) as {
      credential: { id: string; claimed: boolean };
      user: { email: string; kind: string; name: string };
      csrfToken: string;
    };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.credential).toMatchObject({ id: credentialId, claimed: true });
    expect(body.user).toMatchObject({ email, kind: 'learner', name: 'Lin Learner' });
    const learner = signedInFrom(res, body.csrfToken);

    const mine = await learner.request('GET', '/api/v1/me/credentials');
    const held = (await mine.json()) as { credentials: { credential: { id: string }; document: { id: string } }[] };
    expect(mine.status).toBe(200);
    expect(held.credentials.map((c) => c.credential.id)).toEqual([credentialId]);
    expect(held.credentials[0]!.document.id).toBe(`https://skillproof.test/credentials/${credentialId}`);

    await expectError(
      await anonymous(ctx).request('POST', '/api/v1/claims', { token, password: PASSWORD }),
      410,
      'ERR_GONE',
    );
    await expectError(await learner.request('POST', '/api/v1/claims', { token }), 410, 'ERR_GONE');
    const gone = await anonymous(ctx).request('GET', `/claim/${token}`);
    expect(gone.status).toBe(410);
    expect(await gone.text()).toContain('already been claimed');

    const user = await ctx.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
    const audit = await ctx.db
      .selectFrom('auditLog')
      .select(['action', 'orgId', 'actorUserId'])
      .where('actorUserId', '=', user.id)
      .orderBy('id')
      .execute();
    expect(audit).toEqual([
      { action: 'user.sign-up', orgId: null, actorUserId: user.id },
      { action: 'credential.claim', orgId, actorUserId: user.id },
    ]);
  });

  it('a signed-in account claims with its CSRF token; a visitor whose email has an account must sign in', async () => {
    const existing = await createUser(ctx, { kind: 'learner' });
    const { token, credentialId } = await issueAndReadMail({ email: existing.email });
    await expectError(
      await anonymous(ctx).request('POST', '/api/v1/claims', { token, password: PASSWORD }),
      409,
      'ERR_EMAIL_TAKEN',
    );
    const page = await anonymous(ctx).request('GET', `/claim/${token}`);
    expect(await page.text()).toContain('Sign in to it, then open this link again');

    const session = await sessionFor(ctx, existing.id);
    const noCsrf = callerWith(ctx, { cookie: session.headers['cookie']! });
    await expectError(await noCsrf.request('POST', '/api/v1/claims', { token }), 403, 'ERR_CSRF');
    const res = await session.request('POST', '/api/v1/claims', { token });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { csrfToken: unknown }).csrfToken).toBeNull();
    expect(res.headers.getSetCookie()).toEqual([]);
    const row = await ctx.db
      .selectFrom('credentials')
      .selectAll()
      .where('id', '=', credentialId)
      .executeTakeFirstOrThrow();
    expect(row.holderUserId).toBe(existing.id);
  });

  it('unknown, malformed and incomplete claims are coded errors, and claim nothing', async () => {
    const { token, credentialId } = await issueAndReadMail();
    const unknown = `sp_claim_${'A'.repeat(43)}`;
    await expectError(
      await anonymous(ctx).request('POST', '/api/v1/claims', { token: unknown, password: PASSWORD }),
      404,
      'ERR_NOT_FOUND',
    );
    await expectError(
      await anonymous(ctx).request('POST', '/api/v1/claims', { token: 'nope', password: PASSWORD }),
      404,
      'ERR_NOT_FOUND',
    );
    expect((await anonymous(ctx).request('GET', `/claim/${unknown}`)).status).toBe(404);
    expect((await anonymous(ctx).request('GET', '/claim/%3Cscript%3E')).status).toBe(404);
    await expectError(await anonymous(ctx).request('POST', '/api/v1/claims', { token }), 400, 'ERR_VALIDATION');
    await expectError(
      await anonymous(ctx).request('POST', '/api/v1/claims', { token, password: 'short' }),
      400,
      'ERR_VALIDATION',
    );
    await expectError(await anonymous(ctx).request('POST', '/api/v1/claims', {}), 400, 'ERR_VALIDATION');
    await expectError(
      await anonymous(ctx).request('POST', '/api/v1/claims', { token, password: PASSWORD, extra: true }),
      400,
      'ERR_VALIDATION',
    );
    await expectError(
      await anonymous(ctx).request('POST', '/api/v1/claims', { token, password: PASSWORD, name: '' }),
      400,
      'ERR_VALIDATION',
    );
    const row = await ctx.db
      .selectFrom('credentials')
      .selectAll()
      .where('id', '=', credentialId)
      .executeTakeFirstOrThrow();
    expect(row.claimedAt).toBeNull();
  });

  it('two claims of one token at once: one succeeds, the other is 410', async () => {
    const { token } = await issueAndReadMail();
    const responses = await Promise.all(
      [0, 1].map(() => anonymous(ctx).request('POST', '/api/v1/claims', { token, password: PASSWORD })),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([200, 410]);
  });

  it('the claim page and the mail escape what the issuer wrote', async () => {
    const nasty = await createSampleAchievement(ctx, orgId, { name: '<script>alert(1)</script> & "SQL"' });
    const { token, mail } = await issueAndReadMail({
      achievement: nasty.achievementId,
      name: '<img src=x onerror=alert(1)>',
    });
    const html = await (await anonymous(ctx).request('GET', `/claim/${token}`)).text();
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;SQL&quot;');
    expect(mail.html).not.toContain('<script>alert');
    expect(mail.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  describe('the claim page form', () => {
    const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
    const post = (caller: Caller, token: string, fields: Record<string, string>) =>
      caller.request('POST', `/claim/${token}`, form(fields), { 'content-type': 'application/x-www-form-urlencoded' });

    it('a visitor creates the account and lands on the credential, signed in', async () => {
      const { token, credentialId } = await issueAndReadMail();
      const short = await post(anonymous(ctx), token, { password: 'short', name: 'Sam' });
      expect(short.status).toBe(400);
      expect(await short.text()).toContain('at least 12 characters');
      const res = await post(anonymous(ctx), token, { password: PASSWORD, name: 'Sam Student' });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe(`/credentials/${credentialId}`);
      expect(res.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(true);
      const again = await post(anonymous(ctx), token, { password: PASSWORD });
      expect(again.status).toBe(410);
    });

    it('a signed-in account posts its CSRF token as a field', async () => {
      const user = await createUser(ctx, { kind: 'learner' });
      const session = await sessionFor(ctx, user.id);
      const { token } = await issueAndReadMail();
      const page = await (await session.request('GET', `/claim/${token}`)).text();
      expect(page).toContain(`value="${session.headers['x-csrf-token']}"`);
      const cookieOnly = callerWith(ctx, { cookie: session.headers['cookie']! });
      await expectError(await post(cookieOnly, token, {}), 403, 'ERR_CSRF');
      const res = await post(cookieOnly, token, { _csrf: session.headers['x-csrf-token']! });
      expect(res.status).toBe(303);
      const mine = (await (await session.request('GET', '/api/v1/me/credentials')).json()) as {
        credentials: unknown[];
      };
      expect(mine.credentials).toHaveLength(1);
    });
  });

  describe('my credentials', () => {
    it('the holder, and only the holder, shows or hides their name', async () => {
      const user = await createUser(ctx, { kind: 'learner' });
      const session = await sessionFor(ctx, user.id);
      const { token, credentialId } = await issueAndReadMail();
      expect((await session.request('POST', '/api/v1/claims', { token })).status).toBe(200);
      const res = await session.request('PATCH', `/api/v1/me/credentials/${credentialId}`, { namePublic: true });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { credential: { namePublic: boolean } }).credential.namePublic).toBe(true);
      const other = await sessionFor(ctx, (await createUser(ctx, { kind: 'learner' })).id);
      await expectError(
        await other.request('PATCH', `/api/v1/me/credentials/${credentialId}`, { namePublic: false }),
        404,
        'ERR_NOT_FOUND',
      );
      await expectError(
        await session.request('PATCH', '/api/v1/me/credentials/nope', { namePublic: false }),
        404,
        'ERR_NOT_FOUND',
      );
      await expectError(
        await session.request('PATCH', `/api/v1/me/credentials/${credentialId}`, { namePublic: 'yes' }),
        400,
        'ERR_VALIDATION',
      );
      await expectError(await anonymous(ctx).request('GET', '/api/v1/me/credentials'), 401, 'ERR_UNAUTHENTICATED');
      const row = await ctx.db
        .selectFrom('credentials')
        .select('namePublic')
        .where('id', '=', credentialId)
        .executeTakeFirstOrThrow();
      expect(row.namePublic).toBe(true);
      expect(
        ((await (await other.request('GET', '/api/v1/me/credentials')).json()) as { credentials: unknown[] })
          .credentials,
      ).toEqual([]);
    });
  });
});
