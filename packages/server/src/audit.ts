import type { Kysely } from 'kysely';
import type { Database } from './db/schema.js';
import type { Principal } from './http/env.js';

export interface AuditEntry {
  orgId: string | null;
  action: string;
  targetType?: string;
  targetId?: string;
  data?: Record<string, unknown>;
}

/**
 * Records a change in the audit log. Call it with the transaction that makes the change, so that the change and its
 * record commit together or not at all. `data` must never hold a secret.
 *
 * @example
 * ```ts
 * await db.transaction().execute(async (tx) => {
 *   await tx.updateTable('credentials').set({ state: 'revoked' }).where(…).execute();
 *   await audit(tx, principal, now, { orgId, action: 'credential.revoke', targetType: 'credential', targetId: id });
 * });
 * ```
 */
export async function audit(db: Kysely<Database>, actor: Principal | null, at: Date, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('auditLog')
    .values({
      orgId: entry.orgId,
      actorUserId: actor?.userId ?? null,
      actorTokenId: actor?.tokenId ?? null,
      action: entry.action,
      targetType: entry.targetType ?? null,
      targetId: entry.targetId ?? null,
      data: JSON.stringify(entry.data ?? {}),
      at,
    })
    .execute();
}
