import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { pageOf } from '../../http/pagination.js';

export const AUDIT_PAGE_DEFAULT = 50;
export const AUDIT_PAGE_MAX = 200;

export interface AuditPage {
  entries: {
    id: string;
    at: Date;
    action: string;
    actorUserId: string | null;
    actorEmail: string | null;
    actorTokenId: string | null;
    targetType: string | null;
    targetId: string | null;
    data: Record<string, unknown>;
  }[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextBefore: string | null;
}

/**
 * One page of an organisation's audit log, newest first. Ids only grow, so `before` (an id) is a stable cursor
 * however many entries are written meanwhile.
 *
 * @example
 * ```ts
 * const first = await listAuditEntries(db, orgId, { limit: 50 });
 * const second = await listAuditEntries(db, orgId, { limit: 50, before: first.nextBefore! });
 * ```
 */
export async function listAuditEntries(
  db: Kysely<Database>,
  orgId: string,
  page: { before?: string | undefined; limit: number },
): Promise<AuditPage> {
  let query = db
    .selectFrom('auditLog as a')
    .leftJoin('users as u', 'u.id', 'a.actorUserId')
    .select([
      'a.id',
      'a.at',
      'a.action',
      'a.actorUserId',
      'u.email as actorEmail',
      'a.actorTokenId',
      'a.targetType',
      'a.targetId',
      'a.data',
    ])
    .where('a.orgId', '=', orgId)
    .orderBy('a.id', 'desc')
    .limit(page.limit + 1);
  if (page.before !== undefined) query = query.where('a.id', '<', page.before);
  const rows = await query.execute();
  const entries = rows.map((r) => ({ ...r, id: String(r.id) }));
  const { rows: shown, next } = pageOf(entries, page.limit, (last) => last.id);
  return { entries: shown, nextBefore: next };
}
