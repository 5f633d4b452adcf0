import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { normalizeEmail } from '@skillproof/core';
import { audit } from '../../audit.js';
import type { BatchStatus, Database } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { Principal } from '../../http/env.js';
import { assertIssuable, loadAchievementVersion } from '../achievements/service.js';
import type { ParsedRow, RowData } from './csv.js';
import type { BatchView, ReportRow } from './schemas.js';

const OPEN: BatchStatus[] = ['queued', 'running'];
const INSERT_ROWS_AT_ONCE = 1000;
const notFound = () => new AppError('ERR_NOT_FOUND', 'No batch with this id in this organisation.');

/**
 * Stores an uploaded batch for preview: the batch and every row (`invalid` with its errors, or `pending`) in one
 * transaction. Nothing is issued until {@link confirmBatch}. A second batch with the organisation's
 * `idempotency.key` fails on the unique constraint (23505) before any row is written.
 */
export async function createBatch(
  db: Kysely<Database>,
  input: {
    orgId: string;
    achievementId: string;
    filename: string | null;
    rows: ParsedRow[];
    principal: Principal;
    now: Date;
    idempotency?: { key: string; requestHash: string };
  },
): Promise<BatchView> {
  const { orgId, rows, now } = input;
  const invalidRows = rows.filter((r) => r.errors.length > 0).length;
  return db.transaction().execute(async (tx) => {
    const achievement = await loadAchievementVersion(tx, orgId, input.achievementId);
    assertIssuable(achievement);
    const id = randomUUID();
    await tx
      .insertInto('batches')
      .values({
        id,
        orgId,
        achievementId: achievement.achievementId,
        achievementVersion: achievement.version,
        status: 'preview',
        filename: input.filename,
        totalRows: rows.length,
        validRows: rows.length - invalidRows,
        invalidRows,
        createdBy: input.principal.userId,
        createdAt: now,
        confirmedAt: null,
        completedAt: null,
        idempotencyKey: input.idempotency?.key ?? null,
        requestHash: input.idempotency?.requestHash ?? null,
      })
      .execute();
    for (let i = 0; i < rows.length; i += INSERT_ROWS_AT_ONCE) {
      await tx
        .insertInto('batchRows')
        .values(
          rows.slice(i, i + INSERT_ROWS_AT_ONCE).map((r) => ({
            batchId: id,
            rowNumber: r.row,
            data: JSON.stringify(r.data),
            errors: r.errors.length > 0 ? JSON.stringify(r.errors) : null,
            state: r.errors.length > 0 ? ('invalid' as const) : ('pending' as const),
            credentialId: null,
          })),
        )
        .execute();
    }
    await audit(tx, input.principal, now, {
      orgId,
      action: 'batch.upload',
      targetType: 'batch',
      targetId: id,
      data: { filename: input.filename, totalRows: rows.length, invalidRows },
    });
    return getBatch(tx, orgId, id);
  });
}

/**
 * Confirms a previewed batch: `preview` → `queued`, once. Any other status is `ERR_STATE` (409), so a retried confirm
 * can never queue a batch twice, and the caller learns the batch's status from the error's details.
 */
export async function confirmBatch(
  db: Kysely<Database>,
  orgId: string,
  batchId: string,
  principal: Principal,
  now: Date,
): Promise<BatchView> {
  return changeStatus(db, orgId, batchId, principal, now, {
    from: ['preview'],
    to: { status: 'queued', confirmedAt: now },
    action: 'batch.confirm',
    refused: (status) => `The batch is ${status}; only a batch in preview can be confirmed.`,
  });
}

/**
 * Cancels a batch in preview, queued or running. Rows already issued stay issued; the rest are not issued. It waits
 * for a chunk being issued to commit (the job holds the batch row `FOR SHARE`), so the counts it returns are final.
 */
export async function cancelBatch(
  db: Kysely<Database>,
  orgId: string,
  batchId: string,
  principal: Principal,
  now: Date,
): Promise<BatchView> {
  return changeStatus(db, orgId, batchId, principal, now, {
    from: ['preview', ...OPEN],
    to: { status: 'cancelled', completedAt: now },
    action: 'batch.cancel',
    refused: (status) => `The batch is ${status} and can no longer be cancelled.`,
  });
}

/**
 * Moves the organisation's batch from one of the `from` statuses to `to.status` and audits it, in one transaction.
 * From any other status it is `ERR_STATE` with the status in the error's details.
 */
async function changeStatus(
  db: Kysely<Database>,
  orgId: string,
  batchId: string,
  principal: Principal,
  now: Date,
  change: {
    from: BatchStatus[];
    to: { status: BatchStatus; confirmedAt?: Date; completedAt?: Date };
    action: 'batch.confirm' | 'batch.cancel';
    refused: (status: BatchStatus) => string;
  },
): Promise<BatchView> {
  return db.transaction().execute(async (tx) => {
    const updated = await tx
      .updateTable('batches')
      .set(change.to)
      .where('id', '=', batchId)
      .where('orgId', '=', orgId)
      .where('status', 'in', change.from)
      .returning('id')
      .executeTakeFirst();
    if (!updated) {
      const { status } = await getBatch(tx, orgId, batchId);
      throw new AppError('ERR_STATE', change.refused(status), { status });
    }
    await audit(tx, principal, now, { orgId, action: change.action, targetType: 'batch', targetId: batchId });
    return getBatch(tx, orgId, batchId);
  });
}

/** The organisation's batch with its rows counted by state; another organisation's batch is not found. */
export async function getBatch(db: Kysely<Database>, orgId: string, batchId: string): Promise<BatchView> {
  const batch = await db
    .selectFrom('batches')
    .selectAll()
    .where('id', '=', batchId)
    .where('orgId', '=', orgId)
    .executeTakeFirst();
  if (!batch) throw notFound();
  const counts = await db
    .selectFrom('batchRows')
    .select([
      sql<number>`count(*) filter (where state = 'issued')`.as('issued'),
      sql<number>`count(*) filter (where state = 'failed')`.as('failed'),
      sql<number>`count(*) filter (where state = 'pending')`.as('pending'),
    ])
    .where('batchId', '=', batchId)
    .executeTakeFirstOrThrow();
  return {
    id: batch.id,
    achievementId: batch.achievementId,
    achievementVersion: batch.achievementVersion,
    status: batch.status,
    filename: batch.filename,
    totalRows: batch.totalRows,
    validRows: batch.validRows,
    invalidRows: batch.invalidRows,
    issued: Number(counts.issued),
    failed: Number(counts.failed),
    pending: Number(counts.pending),
    createdAt: batch.createdAt.toISOString(),
    confirmedAt: batch.confirmedAt?.toISOString() ?? null,
    completedAt: batch.completedAt?.toISOString() ?? null,
  };
}

/** Every row of the batch in row order, with its state, credential and errors. */
export async function batchReport(
  db: Kysely<Database>,
  orgId: string,
  batchId: string,
): Promise<{ batch: BatchView; rows: ReportRow[] }> {
  const batch = await getBatch(db, orgId, batchId);
  const rows = await db
    .selectFrom('batchRows')
    // As text: CamelCasePlugin would rename the keys of a JSON value it returns (valid_from → validFrom).
    .select(['rowNumber', sql<string>`data::text`.as('data'), 'state', 'credentialId', 'errors'])
    .where('batchId', '=', batchId)
    .orderBy('rowNumber')
    .execute();
  return {
    batch,
    rows: rows.map((r) => {
      const data = JSON.parse(r.data) as RowData;
      return {
        row: r.rowNumber,
        email: data.email === undefined ? null : normalizeEmail(data.email),
        did: data.did ?? null,
        name: data.name ?? null,
        state: r.state === 'pending' && batch.status === 'cancelled' ? 'cancelled' : r.state,
        credentialId: r.credentialId,
        errors: r.errors ?? [],
      };
    }),
  };
}

/** The organisation's batch uploaded with this Idempotency-Key, if any, with the hash of that upload. */
export async function findBatchByKey(
  db: Kysely<Database>,
  orgId: string,
  key: string,
): Promise<{ id: string; requestHash: string | null } | undefined> {
  return db
    .selectFrom('batches')
    .select(['id', 'requestHash'])
    .where('orgId', '=', orgId)
    .where('idempotencyKey', '=', key)
    .executeTakeFirst();
}

/**
 * A stored batch's preview as its upload answered it ({@link previewRows} of what was parsed then): every invalid
 * row and the first `validShown` valid ones, with the errors the file had (not those of rows that failed to issue).
 */
export async function storedPreview(
  db: Kysely<Database>,
  orgId: string,
  batchId: string,
  validShown = 100,
): Promise<{ batch: BatchView; rows: Pick<ParsedRow, 'row' | 'data' | 'errors'>[] }> {
  const batch = await getBatch(db, orgId, batchId);
  const rows = await db
    .selectFrom('batchRows')
    // As text: CamelCasePlugin would rename the keys of a JSON value it returns (valid_from → validFrom).
    .select(['rowNumber', sql<string>`data::text`.as('data'), 'state', 'errors'])
    .where('batchId', '=', batchId)
    .where((eb) =>
      eb.or([
        eb('state', '=', 'invalid'),
        eb(
          'rowNumber',
          'in',
          eb
            .selectFrom('batchRows')
            .select('rowNumber')
            .where('batchId', '=', batchId)
            .where('state', '!=', 'invalid')
            .orderBy('rowNumber')
            .limit(validShown),
        ),
      ]),
    )
    .orderBy('rowNumber')
    .execute();
  return {
    batch,
    rows: rows.map((r) => ({
      row: r.rowNumber,
      data: JSON.parse(r.data) as RowData,
      errors: r.state === 'invalid' ? (r.errors ?? []) : [],
    })),
  };
}

/** The first rows of a new batch for its preview: every invalid row, and the first `validShown` valid ones. */
export function previewRows(rows: ParsedRow[], validShown = 100): Pick<ParsedRow, 'row' | 'data' | 'errors'>[] {
  let valid = 0;
  return rows
    .filter((r) => r.errors.length > 0 || valid++ < validShown)
    .map(({ row, data, errors }) => ({ row, data, errors }));
}
