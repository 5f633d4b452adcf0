import { sql, type ExpressionBuilder, type Expression, type Kysely, type Selectable, type SqlBool } from 'kysely';
import type { Database, FrameworksTable } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { Principal } from '../../http/env.js';
import { isUuid } from '../../http/schemas.js';

/** A framework row as the database holds it. */
export type FrameworkRow = Selectable<FrameworksTable>;

/** The one answer for a framework that does not exist or that the caller may not see: they must look the same. */
export const FRAMEWORK_NOT_FOUND = 'No framework with this id that you can see.';

/**
 * The organisations whose private frameworks `principal` may see: with a session, every organisation the user is a
 * member of; with an API token, only if it has `frameworks:read`, and then only the organisation it is bound to (or
 * all the user's, when it is bound to none). Anonymous callers: none. Roles do not matter: any member reads.
 *
 * @example
 * ```ts
 * const orgIds = await frameworkReaderOrgIds(deps, c.get('principal'));
 * ```
 */
export async function frameworkReaderOrgIds(
  deps: { db: Kysely<Database> },
  principal: Principal | null | undefined,
): Promise<string[]> {
  if (!principal) return [];
  if (principal.via === 'token' && !principal.scopes?.includes('frameworks:read')) return [];
  let query = deps.db.selectFrom('memberships').select('orgId').where('userId', '=', principal.userId);
  if (principal.via === 'token' && principal.tokenOrgId) query = query.where('orgId', '=', principal.tokenOrgId);
  return (await query.execute()).map((r) => r.orgId);
}

/**
 * The condition "this framework is visible" for a query over `frameworks` (global, public, or one of `orgIds`'), so
 * that lists filter in SQL and paginate correctly.
 *
 * @example
 * ```ts
 * const orgIds = await frameworkReaderOrgIds(deps, principal);
 * db.selectFrom('frameworks').selectAll().where((eb) => isFrameworkVisible(eb, orgIds));
 * ```
 */
export function isFrameworkVisible<DB extends Pick<Database, 'frameworks'>>(
  eb: ExpressionBuilder<DB, 'frameworks'>,
  orgIds: readonly string[],
): Expression<SqlBool> {
  const e = eb as unknown as ExpressionBuilder<Pick<Database, 'frameworks'>, 'frameworks'>;
  const anyOf = [e('frameworks.orgId', 'is', null), e('frameworks.public', '=', true)];
  if (orgIds.length > 0) anyOf.push(e('frameworks.orgId', 'in', orgIds));
  return e.or(anyOf);
}

/**
 * Every framework `principal` may see (global ones, public ones, and private ones of the organisations it reads for),
 * global first, then by title. Frameworks are few (tens), so callers filter and count in memory.
 *
 * @example
 * ```ts
 * const frameworks = await visibleFrameworks(deps, c.get('principal'));
 * ```
 */
export async function visibleFrameworks(
  deps: { db: Kysely<Database> },
  principal: Principal | null | undefined,
): Promise<FrameworkRow[]> {
  const orgIds = await frameworkReaderOrgIds(deps, principal);
  return deps.db
    .selectFrom('frameworks')
    .selectAll()
    .where((eb) => isFrameworkVisible(eb, orgIds))
    .orderBy(sql`org_id IS NULL`, 'desc')
    .orderBy('title')
    .orderBy('version')
    .orderBy('id')
    .execute();
}

/**
 * The framework with this id if `principal` may see it; otherwise (no such framework, not a UUID, or another
 * organisation's private framework) `ERR_NOT_FOUND`, the same answer in every case so that existence does not leak.
 *
 * @example
 * ```ts
 * const framework = await assertFrameworkVisible(deps, c.get('principal'), frameworkId); // 404 if not visible
 * ```
 */
export async function assertFrameworkVisible(
  deps: { db: Kysely<Database> },
  principal: Principal | null | undefined,
  frameworkId: string,
): Promise<FrameworkRow> {
  const notFound = new AppError('ERR_NOT_FOUND', FRAMEWORK_NOT_FOUND);
  if (!isUuid(frameworkId)) throw notFound;
  const framework = await deps.db.selectFrom('frameworks').selectAll().where('id', '=', frameworkId).executeTakeFirst();
  if (!framework) throw notFound;
  if (framework.orgId === null || framework.public) return framework;
  const orgIds = await frameworkReaderOrgIds(deps, principal);
  if (!orgIds.includes(framework.orgId)) throw notFound;
  return framework;
}
