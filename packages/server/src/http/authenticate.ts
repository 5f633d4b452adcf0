import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { AppError } from '../errors.js';
import { secretHash } from '../security/tokens.js';
import type { AppEnv } from './env.js';

export const SESSION_COOKIE = 'sp_session';

const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Finds who is calling: an API token (`Authorization: Bearer sp_token_…`) or a session cookie. Sets `principal`
 * (null when anonymous); whether that principal may call the route is for {@link authorize} to say.
 * A token that is sent but invalid is an error at once rather than a silent fall-back to anonymous.
 */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const { db, clock } = c.get('deps');
  const now = clock();
  c.set('principal', null);
  const authorization = c.req.header('authorization');
  if (authorization !== undefined) {
    const match = /^Bearer\s+(sp_token_[A-Za-z0-9_-]{43})$/.exec(authorization);
    const row = match
      ? await db
          .selectFrom('apiTokens as t')
          .innerJoin('users as u', 'u.id', 't.userId')
          .select([
            't.id',
            't.scopes',
            't.orgId',
            't.expiresAt',
            't.revokedAt',
            't.lastUsedAt',
            'u.id as userId',
            'u.email',
            'u.kind',
          ])
          .where('t.tokenHash', '=', secretHash(match[1]!))
          .executeTakeFirst()
      : undefined;
    if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= now)) {
      throw new AppError('ERR_UNAUTHENTICATED', 'The API token is unknown, expired or revoked.');
    }
    // "Last used" to the minute: not a write on every API call.
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
      await db.updateTable('apiTokens').set({ lastUsedAt: now }).where('id', '=', row.id).execute();
    }
    c.set('principal', {
      userId: row.userId,
      email: row.email,
      kind: row.kind,
      via: 'token',
      tokenId: row.id,
      scopes: row.scopes,
      tokenOrgId: row.orgId,
    });
    return next();
  }
  const cookie = getCookie(c, SESSION_COOKIE);
  if (cookie) {
    const row = await db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.userId')
      .select(['s.csrfToken', 's.expiresAt', 'u.id as userId', 'u.email', 'u.kind'])
      .where('s.idHash', '=', secretHash(cookie))
      .executeTakeFirst();
    if (row && row.expiresAt > now) {
      c.set('principal', {
        userId: row.userId,
        email: row.email,
        kind: row.kind,
        via: 'session',
        csrfToken: row.csrfToken,
      });
    }
  }
  return next();
};
