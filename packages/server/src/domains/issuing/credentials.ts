import type { Kysely } from 'kysely';
import type { JsonObject } from '@skillproof/core';
import type { CredentialRow, CredentialState, Database } from '../../db/schema.js';
import { audit } from '../../audit.js';
import { AppError } from '../../errors.js';
import type { Principal } from '../../http/env.js';
import { logCredentialEvents } from '../ledger/events.js';
import { decodeCursor, encodeCursor, pageOf } from '../../http/pagination.js';
import { isUuid } from '../../http/schemas.js';
import { credentialUrl } from './issue.js';
import type { CredentialView } from './schemas.js';
import { setStatusBit } from './status-lists.js';

export function credentialView(publicUrl: string, row: CredentialRow): CredentialView {
  return {
    id: row.id,
    url: credentialUrl(publicUrl, row.id),
    achievementId: row.achievementId,
    achievementVersion: row.achievementVersion,
    state: row.state,
    stateReason: row.stateReason,
    stateChangedAt: row.stateChangedAt?.toISOString() ?? null,
    recipient: row.recipientDid !== null ? { did: row.recipientDid } : { email: row.recipientEmail! },
    name: row.recipientName,
    namePublic: row.namePublic,
    issuedAt: row.issuedAt.toISOString(),
    validFrom: row.validFrom.toISOString(),
    validUntil: row.validUntil?.toISOString() ?? null,
    claimed: row.claimedAt !== null,
    batchId: row.batchId,
    suspendable: row.suspensionListId !== null,
  };
}

const notFound = () => new AppError('ERR_NOT_FOUND', 'No credential with this id in this organisation.');

/** One of the organisation's credentials; another organisation's is not found, exactly like a missing one. */
export async function getCredential(db: Kysely<Database>, orgId: string, credentialId: string): Promise<CredentialRow> {
  if (!isUuid(credentialId)) throw notFound();
  const row = await db
    .selectFrom('credentials')
    .selectAll()
    .where('id', '=', credentialId)
    .where('orgId', '=', orgId)
    .executeTakeFirst();
  if (!row) throw notFound();
  return row;
}

export interface CredentialFilter {
  achievementId?: string | undefined;
  state?: CredentialState | undefined;
  batchId?: string | undefined;
  /** From a previous page's `nextCursor`. */
  cursor?: string | undefined;
  limit: number;
}

/** A page of the organisation's credentials, newest first, and the cursor of the next page (null at the end). */
export async function listCredentials(
  db: Kysely<Database>,
  orgId: string,
  filter: CredentialFilter,
): Promise<{ rows: CredentialRow[]; nextCursor: string | null }> {
  let query = db.selectFrom('credentials').selectAll().where('orgId', '=', orgId);
  if (filter.achievementId) query = query.where('achievementId', '=', filter.achievementId);
  if (filter.state) query = query.where('state', '=', filter.state);
  if (filter.batchId) query = query.where('batchId', '=', filter.batchId);
  if (filter.cursor) {
    const after = decodeCursor(filter.cursor);
    query = query.where((eb) =>
      eb.or([eb('issuedAt', '<', after.at), eb.and([eb('issuedAt', '=', after.at), eb('id', '<', after.id)])]),
    );
  }
  const rows = await query
    .orderBy('issuedAt', 'desc')
    .orderBy('id', 'desc')
    .limit(filter.limit + 1)
    .execute();
  const page = pageOf(rows, filter.limit, (last) => encodeCursor(last.issuedAt, last.id));
  return { rows: page.rows, nextCursor: page.next };
}

export type StateChange = 'revoke' | 'suspend' | 'unsuspend';

/**
 * Revokes, suspends or reinstates a credential: its status bit, its state, the audit entry and the transparency log's
 * entry change in one transaction, and the status list's version moves, so the list verifiers fetch next says so.
 * Revocation is final. A change that does not apply to the current state, or a suspension of a credential issued
 * without a suspension entry, is `ERR_STATE`.
 *
 * @example
 * ```ts
 * const row = await changeCredentialState(db, principal, now, orgId, id, 'revoke', 'Issued in error');
 * ```
 */
export async function changeCredentialState(
  db: Kysely<Database>,
  actor: Principal | null,
  now: Date,
  orgId: string,
  credentialId: string,
  change: StateChange,
  reason: string | null,
): Promise<CredentialRow> {
  if (!isUuid(credentialId)) throw notFound();
  return db.transaction().execute(async (tx) => {
    const row = await tx
      .selectFrom('credentials')
      .selectAll()
      .where('id', '=', credentialId)
      .where('orgId', '=', orgId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw notFound();
    if (row.state === 'revoked') {
      throw new AppError('ERR_STATE', 'The credential is revoked; revocation is final.');
    }
    if (change !== 'revoke' && row.suspensionListId === null) {
      throw new AppError(
        'ERR_STATE',
        'The credential was issued without a suspension entry (its organisation’s suspendableCredentials was off), ' +
          'so it cannot be suspended or reinstated; it can only be revoked.',
      );
    }
    if (change === 'suspend' && row.state === 'suspended') {
      throw new AppError('ERR_STATE', 'The credential is already suspended.');
    }
    if (change === 'unsuspend' && row.state !== 'suspended') {
      throw new AppError('ERR_STATE', 'The credential is not suspended.');
    }
    const next: CredentialState = change === 'revoke' ? 'revoked' : change === 'suspend' ? 'suspended' : 'active';
    if (change === 'revoke') await setStatusBit(tx, row.revocationListId, row.revocationIndex, 1, now);
    else await setStatusBit(tx, row.suspensionListId!, row.suspensionIndex!, change === 'suspend' ? 1 : 0, now);
    const updated = await tx
      .updateTable('credentials')
      .set({ state: next, stateReason: reason, stateChangedAt: now })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(tx, actor, now, {
      orgId,
      action: `credential.${change}`,
      targetType: 'credential',
      targetId: row.id,
      data: { from: row.state, to: next, ...(reason !== null && { reason }) },
    });
    // Last: appending holds the log's lock until this transaction commits.
    await logCredentialEvents(tx, change, orgId, [{ credentialId: row.id, document: row.document as JsonObject }], now);
    return updated;
  });
}
