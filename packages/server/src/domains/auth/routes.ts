import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { audit } from '../../audit.js';
import { AppError } from '../../errors.js';
import { access } from '../../http/access.js';
import { clientAddress } from '../../http/client-address.js';
import type { AppEnv } from '../../http/env.js';
import { route } from '../../http/route.js';
import { errorResponse, jsonBody, jsonResponse } from '../../http/schemas.js';
import { hashPassword, verifyPassword } from '../../security/passwords.js';
import {
  accountView,
  actingAs,
  assertEmailFree,
  createAccount,
  createPasswordChecker,
  findAccountByEmail,
  needsRehash,
  normalizeEmail,
} from './accounts.js';
import { registerApiTokenRoutes } from './api-token-routes.js';
import { registerMemberRoutes } from './member-routes.js';
import { AccountKindSchema, EmailInput, GivenPassword, MembershipSchema, NewPassword, UserSchema } from './schemas.js';
import { clearSessionCookie, endSession, sessionCookieHash, setSessionCookie, startSession } from './sessions.js';

const TAGS = ['People'];

const SignedIn = z.object({
  user: UserSchema,
  csrfToken: z.string().openapi({ description: 'Send it as the X-CSRF-Token header on unsafe methods.' }),
});

const signUp = route({
  method: 'post',
  path: '/api/v1/auth/sign-up',
  access: access.public('public'),
  summary: 'Create an account and sign in',
  tags: TAGS,
  request: {
    body: jsonBody(
      z.strictObject({
        email: EmailInput,
        password: NewPassword,
        name: z.string().trim().min(1).max(200).optional(),
        kind: AccountKindSchema,
      }),
    ),
  },
  responses: {
    201: jsonResponse('Signed up and signed in: the `sp_session` cookie is set.', SignedIn),
    400: errorResponse('The input is invalid (`ERR_VALIDATION`).'),
    409: errorResponse('The email address already has an account (`ERR_EMAIL_TAKEN`).'),
    429: errorResponse('Too many sign-ups from this address (`ERR_RATE_LIMITED`, with Retry-After).'),
  },
});

const signIn = route({
  method: 'post',
  path: '/api/v1/auth/sign-in',
  access: access.public('public'),
  summary: 'Sign in with email and password',
  description: 'Limited per client address, and per client address and email address.',
  tags: TAGS,
  request: { body: jsonBody(z.strictObject({ email: EmailInput, password: GivenPassword })) },
  responses: {
    200: jsonResponse('Signed in: the `sp_session` cookie is set.', SignedIn),
    400: errorResponse('The input is invalid (`ERR_VALIDATION`).'),
    401: errorResponse('The email address or password is wrong (`ERR_SIGN_IN_FAILED`).'),
    429: errorResponse('Too many attempts (`ERR_RATE_LIMITED`, with Retry-After).'),
  },
});

const signOut = route({
  method: 'post',
  path: '/api/v1/auth/sign-out',
  access: access.signedIn(),
  summary: 'End this session',
  tags: TAGS,
  responses: { 204: { description: 'Signed out: the session is deleted and the cookie cleared.' } },
});

const getMe = route({
  method: 'get',
  path: '/api/v1/me',
  access: access.signedIn({ scope: 'orgs:read' }),
  summary: 'Who is signed in, and their organisations',
  description: 'A token bound to an organisation sees only its membership there.',
  tags: TAGS,
  responses: {
    200: jsonResponse(
      'The account, its memberships, and the session’s CSRF token (null for API tokens).',
      z.object({ user: UserSchema, memberships: z.array(MembershipSchema), csrfToken: z.string().nullable() }),
    ),
  },
});

const changePassword = route({
  method: 'post',
  path: '/api/v1/me/password',
  access: access.signedIn(),
  summary: 'Change the password',
  description:
    'Ends every other session of the account; API tokens stay. `currentPassword` is required when the account has ' +
    'a password (accounts made by claiming a credential may have none yet).',
  tags: TAGS,
  request: {
    body: jsonBody(z.strictObject({ currentPassword: GivenPassword.optional(), newPassword: NewPassword })),
  },
  responses: {
    204: { description: 'Changed.' },
    400: errorResponse('The input is invalid (`ERR_VALIDATION`).'),
    403: errorResponse('The current password is wrong (`ERR_FORBIDDEN`).'),
    429: errorResponse('Too many attempts (`ERR_RATE_LIMITED`).'),
  },
});

/** People and access: accounts, sessions, API tokens, organisation members and the audit log. */
export function registerAuthRoutes(app: OpenAPIHono<AppEnv>): void {
  let checker: ReturnType<typeof createPasswordChecker> | undefined;

  app.openapi(signUp, async (c) => {
    const deps = c.get('deps');
    const body = c.req.valid('json');
    // Sign-ups share the sign-in budget of the address: each costs a password hash, and each answer says whether
    // an address has an account.
    deps.rateLimiter.hit('sign-in', `sign-up:${clientAddress(c)}`);
    await assertEmailFree(deps.db, body.email);
    const passwordHash = await hashPassword(body.password, deps.passwordParams);
    const now = deps.clock();
    const { user, session } = await deps.db.transaction().execute(async (tx) => {
      const user = await createAccount(
        tx,
        { email: body.email, name: body.name ?? null, kind: body.kind, passwordHash },
        now,
      );
      await audit(tx, actingAs(user), now, {
        orgId: null,
        action: 'user.sign-up',
        targetType: 'user',
        targetId: user.id,
        data: { kind: user.kind },
      });
      return { user, session: await startSession(tx, user.id, now) };
    });
    setSessionCookie(c, session);
    deps.logger.info({ requestId: c.get('requestId'), userId: user.id }, 'signed up');
    return c.json({ user: accountView(user), csrfToken: session.csrfToken }, 201);
  });

  app.openapi(signIn, async (c) => {
    const deps = c.get('deps');
    const body = c.req.valid('json');
    const email = normalizeEmail(body.email);
    deps.rateLimiter.hit('sign-in', `${clientAddress(c)}:${email}`);
    checker ??= createPasswordChecker(deps.passwordParams);
    const user = await checker(await findAccountByEmail(deps.db, email), body.password);
    if (!user?.passwordHash) {
      deps.logger.info({ requestId: c.get('requestId') }, 'sign-in failed');
      throw new AppError('ERR_SIGN_IN_FAILED', 'The email address or password is wrong.');
    }
    const rehashed = needsRehash(user.passwordHash, deps.passwordParams)
      ? await hashPassword(body.password, deps.passwordParams)
      : undefined;
    const previous = sessionCookieHash(c);
    const now = deps.clock();
    const session = await deps.db.transaction().execute(async (tx) => {
      if (rehashed) await tx.updateTable('users').set({ passwordHash: rehashed }).where('id', '=', user.id).execute();
      await tx.deleteFrom('sessions').where('userId', '=', user.id).where('expiresAt', '<=', now).execute();
      if (previous) await endSession(tx, previous);
      await audit(tx, actingAs(user), now, {
        orgId: null,
        action: 'user.sign-in',
        targetType: 'user',
        targetId: user.id,
        ...(rehashed && { data: { passwordRehashed: true } }),
      });
      return startSession(tx, user.id, now);
    });
    setSessionCookie(c, session);
    deps.logger.info({ requestId: c.get('requestId'), userId: user.id }, 'signed in');
    return c.json({ user: accountView(user), csrfToken: session.csrfToken }, 200);
  });

  app.openapi(signOut, async (c) => {
    const deps = c.get('deps');
    const principal = c.get('principal')!;
    const idHash = sessionCookieHash(c)!;
    const now = deps.clock();
    await deps.db.transaction().execute(async (tx) => {
      await endSession(tx, idHash);
      await audit(tx, principal, now, {
        orgId: null,
        action: 'user.sign-out',
        targetType: 'user',
        targetId: principal.userId,
      });
    });
    clearSessionCookie(c);
    return c.body(null, 204);
  });

  app.openapi(getMe, async (c) => {
    const { db } = c.get('deps');
    const principal = c.get('principal')!;
    const user = await db
      .selectFrom('users')
      .select(['id', 'email', 'name', 'kind'])
      .where('id', '=', principal.userId)
      .executeTakeFirstOrThrow();
    let memberships = db
      .selectFrom('memberships as m')
      .innerJoin('organizations as o', 'o.id', 'm.orgId')
      .select(['m.orgId', 'o.slug', 'o.name', 'm.role'])
      .where('m.userId', '=', principal.userId)
      .orderBy('o.name')
      .orderBy('o.id');
    if (principal.tokenOrgId) memberships = memberships.where('m.orgId', '=', principal.tokenOrgId);
    return c.json(
      {
        user: accountView(user),
        memberships: await memberships.execute(),
        csrfToken: principal.via === 'session' ? principal.csrfToken! : null,
      },
      200,
    );
  });

  app.openapi(changePassword, async (c) => {
    const deps = c.get('deps');
    const principal = c.get('principal')!;
    const body = c.req.valid('json');
    deps.rateLimiter.hit('sign-in', `${clientAddress(c)}:${principal.email}`);
    const { passwordHash } = await deps.db
      .selectFrom('users')
      .select('passwordHash')
      .where('id', '=', principal.userId)
      .executeTakeFirstOrThrow();
    if (passwordHash && !(body.currentPassword && (await verifyPassword(body.currentPassword, passwordHash)))) {
      throw new AppError('ERR_FORBIDDEN', 'The current password is wrong.');
    }
    const newHash = await hashPassword(body.newPassword, deps.passwordParams);
    const current = sessionCookieHash(c)!;
    const now = deps.clock();
    await deps.db.transaction().execute(async (tx) => {
      await tx.updateTable('users').set({ passwordHash: newHash }).where('id', '=', principal.userId).execute();
      const ended = await tx
        .deleteFrom('sessions')
        .where('userId', '=', principal.userId)
        .where('idHash', '!=', current)
        .returning('idHash')
        .execute();
      await audit(tx, principal, now, {
        orgId: null,
        action: 'user.password-change',
        targetType: 'user',
        targetId: principal.userId,
        data: { endedSessions: ended.length },
      });
    });
    return c.body(null, 204);
  });

  registerApiTokenRoutes(app);
  registerMemberRoutes(app);
}
