import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { CookieOptions } from 'hono/utils/cookie';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { SESSION_COOKIE } from '../../http/authenticate.js';
import type { AppEnv } from '../../http/env.js';
import { newSecret, secretHash } from '../../security/tokens.js';

/** How long a session lasts from sign-in. */
export const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;

export interface NewSession {
  /** The cookie's value: known only to the browser; the database keeps its hash. */
  cookie: string;
  /** Sent back in the `X-CSRF-Token` header on unsafe methods. */
  csrfToken: string;
  expiresAt: Date;
}

/**
 * Starts a session for a user: a fresh random id (so a session id fixed before sign-in is never promoted) and its CSRF
 * token. Set the cookie with {@link setSessionCookie}.
 *
 * @example
 * ```ts
 * const session = await startSession(tx, user.id, deps.clock());
 * setSessionCookie(c, session);
 * return c.json({ user, csrfToken: session.csrfToken }, 200);
 * ```
 */
export async function startSession(db: Kysely<Database>, userId: string, now: Date): Promise<NewSession> {
  const session = {
    cookie: newSecret('sp_session'),
    csrfToken: newSecret('sp_csrf'),
    expiresAt: new Date(now.getTime() + SESSION_TTL_MS),
  };
  await db
    .insertInto('sessions')
    .values({
      idHash: secretHash(session.cookie),
      userId,
      csrfToken: session.csrfToken,
      createdAt: now,
      expiresAt: session.expiresAt,
    })
    .execute();
  return session;
}

/** The hash of the session cookie the request carries, if any (whether or not it names a live session). */
export function sessionCookieHash(c: Context<AppEnv>): string | undefined {
  const cookie = getCookie(c, SESSION_COOKIE);
  return cookie ? secretHash(cookie) : undefined;
}

/** Ends the session whose cookie has this hash. */
export async function endSession(db: Kysely<Database>, idHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('idHash', '=', idHash).execute();
}

/** httpOnly (no script reads it), SameSite=Lax (not sent on cross-site POSTs), Secure whenever the site is HTTPS. */
function cookieOptions(c: Context<AppEnv>): CookieOptions {
  return {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    secure: c.get('deps').publicUrl.startsWith('https:'),
  };
}

export function setSessionCookie(c: Context<AppEnv>, session: NewSession): void {
  setCookie(c, SESSION_COOKIE, session.cookie, {
    ...cookieOptions(c),
    expires: session.expiresAt,
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
}

export function clearSessionCookie(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, cookieOptions(c));
}
