import type { Context } from 'hono';
import type { Kysely } from 'kysely';
import { audit, type AuditEntry } from '../audit.js';
import type { Database } from '../db/schema.js';
import type { AppDeps, AppEnv, Principal } from './env.js';

/** What an organisation's write runs with: its transaction, the organisation, the moment and who acts. */
export interface WriteContext {
  tx: Kysely<Database>;
  orgId: string;
  now: Date;
  principal: Principal;
  deps: AppDeps;
}

/** What a write returns: its result, and the audit record to write with it (null: nothing changed, nothing recorded). */
export interface AuditedResult<T> {
  result: T;
  audit: Omit<AuditEntry, 'orgId'> | null;
}

/**
 * Runs a write of an organisation route (one behind an `org` access rule) in one transaction with its audit record,
 * so that the change and its record commit together or not at all; returns the write's result.
 *
 * @example
 * ```ts
 * const scale = await auditedWrite(c, async ({ tx, orgId, now }) => {
 *   const created = await createScale(tx, orgId, input, now);
 *   return { result: created, audit: { action: 'proficiency_scale.create', targetType: 'proficiency_scale', targetId: created.id } };
 * });
 * ```
 */
export async function auditedWrite<T>(
  c: Pick<Context<AppEnv>, 'get'>,
  write: (context: WriteContext) => Promise<AuditedResult<T>>,
): Promise<T> {
  const deps = c.get('deps');
  const principal = c.get('principal')!;
  const orgId = c.get('org')!.id;
  const now = deps.clock();
  return deps.db.transaction().execute(async (tx) => {
    const { result, audit: entry } = await write({ tx, orgId, now, principal, deps });
    if (entry) await audit(tx, principal, now, { orgId, ...entry });
    return result;
  });
}
