import { sql, type Kysely } from 'kysely';
import { isSkillproofError } from '@skillproof/core';
import type { BatchStatus, Database } from '../../db/schema.js';
import { audit } from '../../audit.js';
import { AppError } from '../../errors.js';
import type { AppDeps, Principal } from '../../http/env.js';
import { issueCredentials, type CredentialSigner, type IssueItem } from '../issuing/issue.js';
import { validateRow, type RowData, type RowError } from './csv.js';
import { getBatch } from './service.js';

export interface BatchIssuanceOptions {
  /** Rows issued per transaction (default 200): a crash loses at most one chunk's work, which is then redone. */
  chunkSize?: number;
  signer?: CredentialSigner;
}

interface OpenBatch {
  id: string;
  orgId: string;
  achievementId: string;
  achievementVersion: number;
  createdBy: string | null;
}

const OPEN: BatchStatus[] = ['queued', 'running'];

/**
 * One step of bulk issuance, for the job runner: issues the next chunk of pending rows of the oldest confirmed batch
 * that has any not already taken, or marks a batch whose rows are all done `completed`. Returns whether it did
 * anything (the runner sleeps when it did not).
 *
 * Rows are claimed with `FOR UPDATE SKIP LOCKED`, so any number of runners, in any number of processes, share the
 * work without taking the same row; each chunk is issued and its rows marked in one transaction, so a crash loses the
 * uncommitted chunk only, and the rows go back to pending. (A second credential for a row is impossible besides:
 * `credentials (batch_id, batch_row)` is unique.)
 */
export async function issueNextBatchChunk(deps: AppDeps, options: BatchIssuanceOptions = {}): Promise<boolean> {
  const open = await deps.db
    .selectFrom('batches')
    .select(['id', 'orgId', 'achievementId', 'achievementVersion', 'createdBy'])
    .where('status', 'in', OPEN)
    .orderBy('confirmedAt')
    .orderBy('id')
    .limit(20)
    .execute();
  for (const batch of open) {
    await deps.db
      .updateTable('batches')
      .set({ status: 'running' })
      .where('id', '=', batch.id)
      .where('status', '=', 'queued')
      .execute();
    if ((await issueChunk(deps, batch, options)) > 0) return true;
    if (await completeIfDone(deps.db, batch, deps.clock())) return true;
  }
  return false;
}

/** Claims up to a chunk of the batch's pending rows and issues them; returns how many rows it settled. */
async function issueChunk(deps: AppDeps, batch: OpenBatch, options: BatchIssuanceOptions): Promise<number> {
  const chunkSize = options.chunkSize ?? 200;
  const actor = await actorOf(deps.db, batch);
  let claimed: number[] = [];
  try {
    return await deps.db.transaction().execute(async (tx) => {
      const rows = await claimRows(tx, batch.id, chunkSize);
      claimed = rows.map((r) => r.rowNumber);
      return settleRows(tx, deps, batch, rows, actor, options.signer);
    });
  } catch (e) {
    if (!isRowError(e) || claimed.length === 0) throw e;
  }
  // Something in the chunk was refused: issue its rows one by one, so that only the rows at fault fail.
  let settled = 0;
  for (const row of claimed) settled += await issueOneRow(deps, batch, row, actor, options.signer);
  return settled;
}

async function issueOneRow(
  deps: AppDeps,
  batch: OpenBatch,
  rowNumber: number,
  actor: Principal | null,
  signer: CredentialSigner | undefined,
): Promise<number> {
  try {
    return await deps.db.transaction().execute(async (tx) => {
      const rows = await claimRows(tx, batch.id, 1, rowNumber);
      return settleRows(tx, deps, batch, rows, actor, signer);
    });
  } catch (e) {
    if (!isRowError(e)) throw e;
    const error: RowError = { code: e.code, message: e.message };
    const failed = await deps.db
      .updateTable('batchRows')
      .set({ state: 'failed', errors: JSON.stringify([error]) })
      .where('batchId', '=', batch.id)
      .where('rowNumber', '=', rowNumber)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    return Number(failed.numUpdatedRows);
  }
}

/**
 * Locks pending rows of an open batch (all of a chunk, or the one `rowNumber`). The batch row is held `FOR SHARE`
 * first: cancelling waits for the chunk, and a chunk started after a cancel claims nothing.
 */
async function claimRows(tx: Kysely<Database>, batchId: string, limit: number, rowNumber?: number) {
  const batch = await tx.selectFrom('batches').select('status').where('id', '=', batchId).forShare().executeTakeFirst();
  if (!batch || !OPEN.includes(batch.status)) return [];
  let query = tx
    .selectFrom('batchRows')
    // As text: CamelCasePlugin would rename the keys of a JSON value it returns (valid_from → validFrom).
    .select(['rowNumber', sql<string>`data::text`.as('data')])
    .where('batchId', '=', batchId)
    .where('state', '=', 'pending');
  if (rowNumber !== undefined) query = query.where('rowNumber', '=', rowNumber);
  return query.orderBy('rowNumber').limit(limit).forUpdate().skipLocked().execute();
}

/** Issues the claimed rows that are still valid, fails the others, and records each row's outcome. */
async function settleRows(
  tx: Kysely<Database>,
  deps: AppDeps,
  batch: OpenBatch,
  rows: { rowNumber: number; data: string }[],
  actor: Principal | null,
  signer: CredentialSigner | undefined,
): Promise<number> {
  if (rows.length === 0) return 0;
  const now = deps.clock();
  const items: IssueItem[] = [];
  const failed: { row: number; errors: RowError[] }[] = [];
  for (const r of rows) {
    // Judged again: a row valid at preview may not be now (a valid_until that has passed since).
    const { errors, request } = validateRow(JSON.parse(r.data) as RowData, now);
    if (request) items.push({ ...request, batch: { id: batch.id, row: r.rowNumber } });
    else failed.push({ row: r.rowNumber, errors });
  }
  const issued = await issueCredentials(tx, deps, {
    orgId: batch.orgId,
    achievementId: batch.achievementId,
    achievementVersion: batch.achievementVersion,
    items,
    actor,
    ...(signer && { signer }),
  });
  if (issued.length > 0) {
    await sql`
      UPDATE batch_rows AS r SET state = 'issued', credential_id = v.credential_id
      FROM unnest(${issued.map((c) => c.batchRow)}::int[], ${issued.map((c) => c.id)}::uuid[])
        AS v(row_number, credential_id)
      WHERE r.batch_id = ${batch.id} AND r.row_number = v.row_number`.execute(tx);
  }
  for (const f of failed) {
    await tx
      .updateTable('batchRows')
      .set({ state: 'failed', errors: JSON.stringify(f.errors) })
      .where('batchId', '=', batch.id)
      .where('rowNumber', '=', f.row)
      .execute();
  }
  return rows.length;
}

/**
 * Marks the batch completed when no row is pending, and audits it. Rows another runner has claimed are still pending
 * for everyone else until its chunk commits, so a batch is never completed under a chunk in flight.
 */
async function completeIfDone(db: Kysely<Database>, batch: OpenBatch, now: Date): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const done = await tx
      .updateTable('batches')
      .set({ status: 'completed', completedAt: now })
      .where('id', '=', batch.id)
      .where('status', 'in', OPEN)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('batchRows').select('rowNumber').where('batchId', '=', batch.id).where('state', '=', 'pending'),
          ),
        ),
      )
      .executeTakeFirst();
    if (done.numUpdatedRows === 0n) return false;
    const counts = await getBatch(tx, batch.orgId, batch.id);
    await audit(tx, null, now, {
      orgId: batch.orgId,
      action: 'batch.complete',
      targetType: 'batch',
      targetId: batch.id,
      data: { issued: counts.issued, failed: counts.failed, invalid: counts.invalidRows },
    });
    return true;
  });
}

/** Who issues a batch's credentials: the account that uploaded it. */
async function actorOf(db: Kysely<Database>, batch: OpenBatch): Promise<Principal | null> {
  if (!batch.createdBy) return null;
  const user = await db
    .selectFrom('users')
    .select(['id', 'email', 'kind'])
    .where('id', '=', batch.createdBy)
    .executeTakeFirst();
  return user ? { userId: user.id, email: user.email, kind: user.kind, via: 'session' } : null;
}

/**
 * An error that belongs to the rows being issued (a coded refusal: the achievement archived, a value the issuer
 * refuses), as opposed to one of the system (the database gone), after which the chunk is simply tried again.
 */
function isRowError(e: unknown): e is { code: string; message: string } {
  if (e instanceof AppError) return e.status < 500;
  return isSkillproofError(e);
}
