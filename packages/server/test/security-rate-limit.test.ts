import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiter } from '../src/index.js';
import { NO_RATE_LIMITS } from '../src/http/rate-limit.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { TEST_PASSWORD, createUser, sessionFor } from './helpers/fixtures.js';

/**
 * Rate limits on sign-in, sign-up and password changes, with a tight limiter and its own clock:
 * 'sign-in' 3 a minute per client address + email address (sign-ups: per client address), 'public' 8 a minute per
 * client address.
 */

const SIGN_IN_LIMIT = 3;
const PUBLIC_LIMIT = 8;

describe.each(databaseTargets())('rate limits on $name', (target) => {
  let ctx: TestContext;
  let limiterNow = Date.parse('2026-06-01T12:00:00Z');
  let address = 0;
  /** Each test comes from its own client address, so their budgets stay apart. */
  const newAddress = () => `192.0.2.${++address}`;

  beforeAll(async () => {
    ctx = await createTestContext(target, {
      rateLimiter: createRateLimiter(
        {
          ...NO_RATE_LIMITS,
          'sign-in': { limit: SIGN_IN_LIMIT, windowMs: 60_000 },
          public: { limit: PUBLIC_LIMIT, windowMs: 60_000 },
        },
        () => limiterNow,
      ),
    });
  });
  afterAll(() => ctx.close());

  /** A request from `from`, as the Node server would see it (the socket's remote address). */
  const post = (from: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
    ctx.app.request(
      path,
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) },
      { incoming: { socket: { remoteAddress: from } } },
    );

  async function expectLimited(res: Response, retryAfter: string) {
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe(retryAfter);
    expect(await res.json()).toMatchObject({ error: { code: 'ERR_RATE_LIMITED' } });
  }

  it('sign-in: after the limit for one email from one address, even the right password is 429 with Retry-After', async () => {
    const user = await createUser(ctx);
    const from = newAddress();
    for (let i = 0; i < SIGN_IN_LIMIT; i++) {
      const res = await post(from, '/api/v1/auth/sign-in', { email: user.email, password: `wrong password ${i}` });
      expect(res.status).toBe(401);
    }
    limiterNow += 20_000;
    await expectLimited(await post(from, '/api/v1/auth/sign-in', { email: user.email, password: TEST_PASSWORD }), '40');
    // The email in another case is the same account, so the same budget.
    await expectLimited(
      await post(from, '/api/v1/auth/sign-in', { email: user.email.toUpperCase(), password: TEST_PASSWORD }),
      '40',
    );
    // Another address, or another account from this address, has its own budget.
    expect(
      (await post(newAddress(), '/api/v1/auth/sign-in', { email: user.email, password: TEST_PASSWORD })).status,
    ).toBe(200);
    const other = await createUser(ctx);
    expect((await post(from, '/api/v1/auth/sign-in', { email: other.email, password: TEST_PASSWORD })).status).toBe(
      200,
    );
    // The window passes: allowed again.
    limiterNow += 40_000;
    expect((await post(from, '/api/v1/auth/sign-in', { email: user.email, password: TEST_PASSWORD })).status).toBe(200);
  });

  it('a limited sign-in writes no session and no audit row', async () => {
    const user = await createUser(ctx);
    const from = newAddress();
    for (let i = 0; i < SIGN_IN_LIMIT; i++) {
      expect((await post(from, '/api/v1/auth/sign-in', { email: user.email, password: TEST_PASSWORD })).status).toBe(
        200,
      );
    }
    await expectLimited(await post(from, '/api/v1/auth/sign-in', { email: user.email, password: TEST_PASSWORD }), '60');
    const sessions = await ctx.db.selectFrom('sessions').select('idHash').where('userId', '=', user.id).execute();
    const audits = await ctx.db.selectFrom('auditLog').select('id').where('targetId', '=', user.id).execute();
    expect([sessions.length, audits.length]).toEqual([SIGN_IN_LIMIT, SIGN_IN_LIMIT]);
    limiterNow += 60_000;
  });

  it('per client address: many emails from one address hit the public limit', async () => {
    const from = newAddress();
    for (let i = 0; i < PUBLIC_LIMIT; i++) {
      const res = await post(from, '/api/v1/auth/sign-in', {
        email: `guess-${i}@example.org`,
        password: 'guessing again',
      });
      expect(res.status).toBe(401);
    }
    await expectLimited(
      await post(from, '/api/v1/auth/sign-in', { email: 'one-more@example.org', password: 'guessing again' }),
      '60',
    );
    limiterNow += 60_000;
  });

  it('sign-up: limited per client address, and a limited sign-up creates nothing', async () => {
    const from = newAddress();
    const signUp = (i: number) =>
      post(from, '/api/v1/auth/sign-up', {
        email: `limited-${address}-${i}@example.org`,
        password: 'a long enough password',
        kind: 'learner',
      });
    for (let i = 0; i < SIGN_IN_LIMIT; i++) expect((await signUp(i)).status).toBe(201);
    await expectLimited(await signUp(SIGN_IN_LIMIT), '60');
    const made = await ctx.db.selectFrom('users').select('id').where('email', 'like', `limited-${address}-%`).execute();
    expect(made).toHaveLength(SIGN_IN_LIMIT);
    expect(
      (
        await post(newAddress(), '/api/v1/auth/sign-up', {
          email: `x-${address}@example.org`,
          password: 'a long enough password',
          kind: 'learner',
        })
      ).status,
    ).toBe(201);
    limiterNow += 60_000;
  });

  it('password changes share the sign-in budget, so a stolen session cannot guess the password forever', async () => {
    const user = await createUser(ctx);
    const session = await sessionFor(ctx, user.id);
    const from = newAddress();
    const change = (currentPassword: string) =>
      post(from, '/api/v1/me/password', { currentPassword, newPassword: 'a different password' }, session.headers);
    for (let i = 0; i < SIGN_IN_LIMIT; i++) expect((await change(`guess number ${i}`)).status).toBe(403);
    await expectLimited(await change(TEST_PASSWORD), '60');
    limiterNow += 60_000;
    expect((await change(TEST_PASSWORD)).status).toBe(204);
  });
});
