import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { generateEd25519Key } from '@skillproof/core';
import type { Database, LogKeysTable } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { AppDeps } from '../http/env.js';
import { openedKeyCache } from './master-key.js';

/**
 * Tables holding one active Ed25519 key of the instance, made on first use (a one-active unique index): the log's
 * note signer and the witness's cosigner. Their rows have the same shape.
 */
export type SingletonKeyTable = 'logKeys' | 'witnessKeys';

export type SingletonKeyRow = Selectable<LogKeysTable>;

export interface SingletonKey<T> {
  /** The active key's row, made on first use. */
  row(db: Kysely<Database>, deps: Pick<AppDeps, 'keys' | 'clock' | 'publicUrl'>): Promise<SingletonKeyRow>;
  /** The opened key, made on first use and cached per key store. */
  open(db: Kysely<Database>, deps: Pick<AppDeps, 'keys' | 'clock' | 'publicUrl'>): Promise<T>;
}

/**
 * An instance key kept in `table`: on first use a fresh Ed25519 seed, sealed under the master key and bound to its
 * row (`<purpose>:<id>`: a ciphertext copied into another row does not open). Two first uses at once make one key
 * (the loser of the unique index reads the winner's). A key made under another name (the public URL changed) is
 * refused: what it signs would name another log or witness. `make` turns the name and seed into the signer.
 *
 * @example
 * ```ts
 * const logKey = singletonKey('logKeys', 'log-key', logOrigin, createNoteSigner);
 * const signer = await logKey.open(db, deps);
 * ```
 */
export function singletonKey<T>(
  table: SingletonKeyTable,
  purpose: string,
  nameFor: (publicUrl: string) => string,
  make: (name: string, seed: Uint8Array) => T,
): SingletonKey<T> {
  // The tables share one type (WitnessKeysTable = LogKeysTable); Kysely is given one name to type the queries.
  const t = table as 'logKeys';
  const sealedFor = (keyId: string) => `${purpose}:${keyId}`;
  const label = purpose.replace('-', ' ');
  const opened = openedKeyCache<T>();
  const active = (db: Kysely<Database>) =>
    db.selectFrom(t).selectAll().where('revokedAt', 'is', null).executeTakeFirst();

  async function row(db: Kysely<Database>, deps: Pick<AppDeps, 'keys' | 'clock' | 'publicUrl'>) {
    const name = nameFor(deps.publicUrl);
    let found = await active(db);
    if (!found) {
      const id = randomUUID();
      const key = generateEd25519Key();
      await db
        .insertInto(t)
        .values({
          id,
          name,
          publicKey: key.publicKey,
          secretCiphertext: deps.keys.seal(key.seed!, sealedFor(id)),
          createdAt: deps.clock(),
          revokedAt: null,
        })
        .onConflict((oc) => oc.doNothing())
        .execute();
      found = await active(db);
      if (!found) throw new AppError('ERR_INTERNAL', `The ${label} could not be created.`);
    }
    if (found.name !== name) {
      throw new AppError('ERR_INTERNAL', `The ${label} signs as ${found.name}, but this instance's is ${name}.`);
    }
    return found;
  }

  return {
    row,
    async open(db, deps) {
      const found = await row(db, deps);
      const hit = opened.get(deps.keys, found.id);
      if (hit) return hit;
      const seed = deps.keys.open(found.secretCiphertext, sealedFor(found.id));
      if (!Buffer.from(generateEd25519Key({ seed }).publicKey).equals(found.publicKey)) {
        throw new AppError('ERR_INTERNAL', `The sealed ${label} does not match its public key.`);
      }
      const key = make(found.name, seed);
      opened.set(deps.keys, found.id, key);
      return key;
    },
  };
}
