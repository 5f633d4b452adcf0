import type { Kysely } from 'kysely';
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

// Rows per INSERT: a log_entries row binds 7 parameters; PostgreSQL allows 65,535 per statement.
const INSERT_CHUNK = 2000;

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
    await tx
      .insertInto('logEntries')
      .values(
        entries.slice(start, start + INSERT_CHUNK).map((e, offset) => ({
          idx: first + start + offset,
          leaf: e.leaf,
          leafHash: leafHash(e.leaf),
          type: e.type,
          credentialId: e.credentialId,
          orgId: e.orgId,
          at: e.at,
        })),
      )
      .execute();
  }
  return first;
}
