import type { Kysely } from 'kysely';
import { consistencyProof } from '@skillproof/core';
import type { Database } from '../../db/schema.js';
import { withTiles } from './tile-store.js';

/**
 * The RFC 9162 consistency proof from the log's tree of `from` leaves to its tree of `to` leaves, read from the
 * stored tiles (`to` at most the latest integrated size). Empty when `from` is 0 (every tree extends the empty one,
 * and C2SP tlog-witness sends no proof from size 0) or equals `to`.
 *
 * @example
 * ```ts
 * const proof = await logConsistencyProof(db, witnessedSize, checkpoint.size);
 * ```
 */
export async function logConsistencyProof(db: Kysely<Database>, from: number, to: number): Promise<Uint8Array[]> {
  if (from === 0 || from === to) return [];
  return withTiles(db, to, new Map(), (read) => consistencyProof(from, to, read));
}
