import { sql, type Kysely } from 'kysely';
import { leafHash } from '@skillproof/core';
import type { Database, LogEntryType } from '../../db/schema.js';

/** One entry to append: the leaf's bytes and, for lookups, what it is about. */
export interface LogAppend {
  type: LogEntryType;
  orgId: string;
  /** The credential's uuid, for credential events. */
  credentialId: string | null;
  at: Date;
  /** The exact bytes the log hashes (core's `buildLeaf`). */
  leaf: Uint8Array;
}

// Entries per INSERT: each column goes as one array parameter (unnest), far cheaper to bind than a parameter per value.
const INSERT_CHUNK = 5000;

/**
 * Appends entries to the instance's transparency log, in the caller's transaction, and returns the index of the
 * first (the others follow it). The indexes come from the one-row `log_state`, updated here: its row lock is held
 * until the caller's transaction ends, so appenders take turns, indexes are dense (a rollback gives them back) and in
 * commit order, and the entries any reader sees are a prefix of the log. Call it as the last write of a transaction
 * (every appender waits for the lock until the holder commits) and never take another lock after it: a transaction
 * waiting for the log while holding a lock the holder wants would deadlock.
 *
 * @example
 * ```ts
 * const first = await appendLogEntries(tx, [{ type: 'issue', orgId, credentialId, at: now, leaf }]);
 * ```
 */
export async function appendLogEntries(tx: Kysely<Database>, entries: readonly LogAppend[]): Promise<number> {
  if (entries.length === 0) throw new Error('appendLogEntries: nothing to append.');
  const { size } = await tx
    .updateTable('logState')
    .set((eb) => ({ size: eb('size', '+', entries.length) }))
    .where('id', '=', true)
    .returning('size')
    .executeTakeFirstOrThrow();
  const first = size - entries.length;
  for (let start = 0; start < entries.length; start += INSERT_CHUNK) {
    const chunk = entries.slice(start, start + INSERT_CHUNK);
    await sql`
      INSERT INTO log_entries (idx, leaf, leaf_hash, type, credential_id, org_id, at)
      SELECT ${first + start}::bigint + e.n - 1, e.leaf, e.leaf_hash, e.type, e.credential_id, e.org_id, e.at
      FROM unnest(
        ${chunk.map((e) => e.leaf)}::bytea[],
        ${chunk.map((e) => leafHash(e.leaf))}::bytea[],
        ${chunk.map((e) => e.type)}::text[],
        ${chunk.map((e) => e.credentialId)}::uuid[],
        ${chunk.map((e) => e.orgId)}::uuid[],
        ${chunk.map((e) => e.at.toISOString())}::timestamptz[]
      ) WITH ORDINALITY AS e(leaf, leaf_hash, type, credential_id, org_id, at, n)`.execute(tx);
  }
  return first;
}
