import type { Kysely } from 'kysely';
import {
  entryBundle,
  formatTlogProof,
  HASH_SIZE,
  inclusionProof,
  TILE_WIDTH,
  tileWidth,
  type TileRef,
} from '@skillproof/core';
import type { Database } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { AppDeps } from '../../http/env.js';
import { isUuid } from '../../http/schemas.js';
import { findLatestCheckpoint, integrateLog, type LogCheckpoint } from './integrate.js';
import { witnessQuorum } from './witnessing.js';
import { withTiles } from './tile-store.js';

/**
 * The checkpoint the log serves: the newest signed one whose cosignatures from the configured witnesses meet the
 * quorum (`ledger.witnessQuorum`, default every witness), its note followed by those cosignature lines (C2SP
 * signed-note: one note, the log's signature then the witnesses'). With no witnesses, the newest. Before the first
 * integration, integrates now (signing the tree as it stands, the empty tree on a new instance); while no checkpoint
 * has its quorum yet, `ERR_UNAVAILABLE` with Retry-After: an unwitnessed checkpoint is never served when witnessing is
 * required, since a verifier requiring it would refuse it anyway.
 *
 * @example
 * ```ts
 * const { note } = await servedCheckpoint(db, deps);
 * ```
 */
export async function servedCheckpoint(db: Kysely<Database>, deps: ServeDeps): Promise<LogCheckpoint> {
  const witnesses = (deps.ledger?.witnesses ?? []).map((w) => w.vkey);
  const quorum = witnessQuorum(deps.ledger);
  let latest = await findLatestCheckpoint(db);
  if (!latest) latest = (await integrateLog(db, deps))?.checkpoint;
  if (latest && quorum > 0) {
    const witnessed = await db
      .selectFrom('logCheckpointCosignatures')
      .select('size')
      .where('witness', 'in', witnesses)
      .groupBy('size')
      .having((eb) => eb.fn.countAll(), '>=', quorum)
      .orderBy('size', 'desc')
      .limit(1)
      .executeTakeFirst();
    latest = witnessed
      ? await db.selectFrom('logCheckpoints').selectAll().where('size', '=', witnessed.size).executeTakeFirst()
      : undefined;
    if (!latest) {
      throw new AppError(
        'ERR_UNAVAILABLE',
        `The log's checkpoints await the cosignatures of ${quorum} witness(es); try again in a moment.`,
        undefined,
        { 'Retry-After': '5' },
      );
    }
  }
  if (!latest) {
    throw new AppError(
      'ERR_UNAVAILABLE',
      'The log is signing its first checkpoint; try again in a moment.',
      undefined,
      {
        'Retry-After': '1',
      },
    );
  }
  if (witnesses.length === 0) return latest;
  const cosignatures = await db
    .selectFrom('logCheckpointCosignatures')
    .select(['witness', 'line'])
    .where('size', '=', latest.size)
    .where('witness', 'in', witnesses)
    .execute();
  // In configuration order: the served note is the same bytes on every read (ETag).
  const lines = witnesses.flatMap((w) => cosignatures.filter((c) => c.witness === w).map((c) => `${c.line}\n`));
  return { ...latest, note: latest.note + lines.join('') };
}

/** What serving needs: keys and clock (to sign the first checkpoint), the public URL, and the witnessing policy. */
export type ServeDeps = Pick<AppDeps, 'keys' | 'clock' | 'publicUrl' | 'ledger'>;

const notFound = (path: string) => new AppError('ERR_NOT_FOUND', `The log has no ${path} in its latest checkpoint.`);

/**
 * A tile (`level` 0…) or entry bundle (`'entries'`) of the tree of the latest checkpoint, as C2SP tlog-tiles serves
 * it. A partial tile `.p/W` is served while the tile holds at least W hashes (its first W are the partial tile); a
 * tile the tree does not reach yet is `ERR_NOT_FOUND`.
 *
 * @example
 * ```ts
 * const bytes = await readTile(db, size, { level: 0, index: 3, width: 256 });
 * ```
 */
export async function readTile(db: Kysely<Database>, size: number, ref: TileRef): Promise<Uint8Array | undefined> {
  const level = ref.level === 'entries' ? 0 : ref.level;
  if (tileWidth(level, ref.index, size) < ref.width) return undefined;
  if (ref.level === 'entries') {
    const first = ref.index * TILE_WIDTH;
    const rows = await db
      .selectFrom('logEntries')
      .select(['idx', 'leaf'])
      .where('idx', '>=', first)
      .where('idx', '<', first + ref.width)
      .orderBy('idx')
      .execute();
    if (rows.length !== ref.width || rows.some((r, i) => r.idx !== first + i)) {
      throw new AppError('ERR_INTERNAL', `The log's entries ${first}…${first + ref.width - 1} are not all stored.`);
    }
    return entryBundle(rows.map((r) => r.leaf));
  }
  const row = await db
    .selectFrom('logTiles')
    .select('hashes')
    .where('level', '=', ref.level)
    .where('idx', '=', ref.index)
    .executeTakeFirst();
  if (!row || row.hashes.length < ref.width * HASH_SIZE) {
    throw new AppError('ERR_INTERNAL', `The log's tile ${ref.level}/${ref.index} is missing or too short.`);
  }
  return row.hashes.subarray(0, ref.width * HASH_SIZE);
}

/**
 * Serves a tile path (`tile/…`, C2SP tlog-tiles) of the latest checkpoint's tree: `ERR_NOT_FOUND` for one it does
 * not reach.
 */
export async function servedTile(
  db: Kysely<Database>,
  deps: ServeDeps,
  path: string,
  ref: TileRef,
): Promise<Uint8Array> {
  const { size } = await servedCheckpoint(db, deps);
  const bytes = await readTile(db, size, ref);
  if (!bytes) throw notFound(path);
  return bytes;
}

/** The credential uuid from a uuid or a credential URL of this instance (`<publicUrl>/credentials/<uuid>`). */
export function credentialIdOf(publicUrl: string, credential: string): string | undefined {
  const prefix = `${publicUrl}/credentials/`;
  const id = credential.startsWith(prefix) ? credential.slice(prefix.length) : credential;
  return isUuid(id) ? id.toLowerCase() : undefined;
}

/**
 * The C2SP tlog-proof@v1 of a credential's issuance: its leaf (the `extra` line), its index, the inclusion proof
 * against the latest checkpoint, and that signed checkpoint. `ERR_NOT_FOUND` for a credential the log does not hold; `ERR_STATE` (with
 * Retry-After) for one issued after the latest checkpoint, until the log integrates it.
 *
 * @example
 * ```ts
 * const text = await credentialLogProof(db, deps, credentialId);
 * ```
 */
export async function credentialLogProof(db: Kysely<Database>, deps: ServeDeps, credentialId: string): Promise<string> {
  const entry = await db
    .selectFrom('logEntries')
    .select(['idx', 'leaf'])
    .where('credentialId', '=', credentialId)
    .where('type', '=', 'issue')
    .orderBy('idx')
    .limit(1)
    .executeTakeFirst();
  if (!entry) throw new AppError('ERR_NOT_FOUND', 'The log holds no issuance of a credential with this id.');
  const checkpoint = await servedCheckpoint(db, deps);
  if (entry.idx >= checkpoint.size) {
    throw new AppError(
      'ERR_STATE',
      'The credential is in the log but not yet in a signed checkpoint; the log integrates new entries within seconds.',
      { index: entry.idx, checkpointSize: checkpoint.size },
      { 'Retry-After': '2' },
    );
  }
  const proof = await withTiles(db, checkpoint.size, new Map(), (read) =>
    inclusionProof(entry.idx, checkpoint.size, read),
  );
  // The leaf rides in the `extra` line: a verifier holding only the credential reads what the log states (the time
  // and digest) from it, and the inclusion proof authenticates it.
  return formatTlogProof({ index: entry.idx, extra: entry.leaf, proof, checkpoint: checkpoint.note });
}
