import type { Context, MiddlewareHandler } from 'hono';
import type { AccountKind, Role } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { AppEnv } from './env.js';
import type { RateLimitBucket } from './rate-limit.js';
import { clientAddress } from './client-address.js';
import { isUuid } from './schemas.js';
import { isSelfFetch } from './self-fetcher.js';

/** What an API token may be allowed to do. A route names the one scope a token needs to call it. */
export const SCOPES = [
  'orgs:read',
  'orgs:write',
  'members:write',
  'achievements:read',
  'achievements:write',
  'credentials:read',
  'credentials:issue',
  'credentials:revoke',
  'audit:read',
  'frameworks:read',
  'frameworks:write',
  'profiles:read',
  'profiles:write',
  'assessments:read',
  'assessments:write',
  'assessments:grade',
  'assessments:take',
  'awards:read',
  'awards:write',
  'endorsements:write',
  'credentials:hold',
  'skills:read',
  'skills:write',
] as const;
export type Scope = (typeof SCOPES)[number];

/** Roles from least to most powerful; each includes every right of the ones before it. */
export const ROLES: readonly Role[] = ['viewer', 'assessor', 'issuer', 'admin', 'owner'];
export const roleRank = (role: Role): number => ROLES.indexOf(role);

/**
 * Who may call a route. Every route declares one (the route helper requires it), and this one middleware enforces it:
 * - `public`: anyone, rate-limited by client address when `rateLimit` is set;
 * - `signedIn`: any signed-in account (optionally only some kinds); tokens need `scope`, and with no scope a token may
 *   not call the route at all (changing passwords, minting tokens: people only);
 * - `org`: a member of the organisation named by the path's `{orgId}` with at least `role`; a token needs `scope` and, if
 *   bound to an organisation, must be bound to this one. Not a member: 404, so tenants cannot probe each other.
 */
export type Access =
  | { kind: 'public'; rateLimit?: RateLimitBucket }
  | { kind: 'signedIn'; accounts?: readonly AccountKind[]; scope?: Scope }
  | { kind: 'org'; role: Role; scope: Scope };

export const access = {
  public: (rateLimit?: RateLimitBucket): Access => ({ kind: 'public', ...(rateLimit && { rateLimit }) }),
  signedIn: (options: { accounts?: readonly AccountKind[]; scope?: Scope } = {}): Access => ({
    kind: 'signedIn',
    ...options,
  }),
  org: (role: Role, scope: Scope): Access => ({ kind: 'org', role, scope }),
};

/** The one answer for an organisation the caller is not a member of (or that does not exist): the same 404. */
export const ORG_NOT_FOUND = 'No organisation with this id that you belong to.';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function authorize(rule: Access): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const deps = c.get('deps');
    if (rule.kind === 'public') {
      if (rule.rateLimit && !isSelfFetch(c)) deps.rateLimiter.hit(rule.rateLimit, clientAddress(c));
      return next();
    }
    const principal = c.get('principal');
    if (!principal) throw new AppError('ERR_UNAUTHENTICATED', 'Sign in, or send an API token, to do this.');
    if (principal.via === 'session' && !SAFE_METHODS.has(c.req.method)) await checkCsrf(c, principal.csrfToken);
    if (principal.via === 'token' && (!rule.scope || !principal.scopes?.includes(rule.scope))) {
      throw new AppError(
        'ERR_SCOPE',
        rule.scope ? `This API token lacks the scope ${rule.scope}.` : 'API tokens cannot do this; sign in instead.',
      );
    }
    if (rule.kind === 'signedIn') {
      if (rule.accounts && !rule.accounts.includes(principal.kind)) {
        throw new AppError('ERR_FORBIDDEN', `Only ${rule.accounts.join(' or ')} accounts can do this.`);
      }
      return next();
    }
    const orgId = c.req.param('orgId') ?? '';
    const notFound = new AppError('ERR_NOT_FOUND', ORG_NOT_FOUND);
    if (!isUuid(orgId)) throw notFound;
    if (principal.via === 'token' && principal.tokenOrgId && principal.tokenOrgId !== orgId) throw notFound;
    const membership = await deps.db
      .selectFrom('memberships')
      .select('role')
      .where('orgId', '=', orgId)
      .where('userId', '=', principal.userId)
      .executeTakeFirst();
    if (!membership) throw notFound;
    if (roleRank(membership.role) < roleRank(rule.role)) {
      throw new AppError(
        'ERR_FORBIDDEN',
        `This needs the ${rule.role} role in the organisation; you are ${membership.role}.`,
      );
    }
    c.set('org', { id: orgId, role: membership.role });
    return next();
  };
}

async function checkCsrf(c: Context<AppEnv>, expected: string | undefined): Promise<void> {
  let sent = c.req.header('x-csrf-token');
  if (
    sent === undefined &&
    /^(application\/x-www-form-urlencoded|multipart\/form-data)/.test(c.req.header('content-type') ?? '')
  ) {
    const field = (await c.req.parseBody())['_csrf'];
    if (typeof field === 'string') sent = field;
  }
  if (!expected || sent !== expected) {
    throw new AppError('ERR_CSRF', 'Missing or wrong CSRF token: send the X-CSRF-Token header your session was given.');
  }
}
