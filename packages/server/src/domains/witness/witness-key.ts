import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { createCosigner, generateEd25519Key, type Cosigner } from '@skillproof/core';
import type { Database } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { AppDeps } from '../../http/env.js';
import { openedKeyCache } from '../../security/master-key.js';

/**
 * The instance's witness name: `<host>/witness`, the cosigner name in its cosignatures (C2SP tlog-cosignature names a
 * witness by a schema-less URL).
 *
 * @example
 * ```ts
 * witnessName('https://badges.example.edu'); // 'badges.example.edu/witness'
 * ```
 */
export function witnessName(publicUrl: string): string {
  return `${new URL(publicUrl).host}/witness`;
}

/** The sealed seed is bound to its row: a ciphertext copied into another row does not open. */
const sealedFor = (keyId: string) => `witness-key:${keyId}`;

const opened = openedKeyCache<Cosigner>();

const activeKeyRow = (db: Kysely<Database>) =>
  db.selectFrom('witnessKeys').selectAll().where('revokedAt', 'is', null).executeTakeFirst();

/**
 * The witness's cosigner (Ed25519, cosignature/v1), made on first use with a fresh seed sealed under the master key.
 * Two first uses at once make one key (the one-active unique index; the loser reads the winner's). A key made under
 * another name (the public URL changed) is refused: its cosignatures would name another witness.
 *
 * @example
 * ```ts
 * const cosigner = await witnessCosigner(db, deps);
 * const line = cosign(checkpointNote, cosigner, seconds).line;
 * ```
 */
export async function witnessCosigner(
  db: Kysely<Database>,
  deps: Pick<AppDeps, 'keys' | 'clock' | 'publicUrl'>,
): Promise<Cosigner> {
  const name = witnessName(deps.publicUrl);
  let row = await activeKeyRow(db);
  if (!row) {
    const id = randomUUID();
    const key = generateEd25519Key();
    await db
      .insertInto('witnessKeys')
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
    row = await activeKeyRow(db);
    if (!row) throw new AppError('ERR_INTERNAL', 'The witness key could not be created.');
  }
  if (row.name !== name) {
    throw new AppError(
      'ERR_INTERNAL',
      `The witness key cosigns as ${row.name}, but this instance's witness is ${name}.`,
    );
  }
  const hit = opened.get(deps.keys, row.id);
  if (hit) return hit;
  const cosigner = createCosigner(row.name, deps.keys.open(row.secretCiphertext, sealedFor(row.id)));
  if (!Buffer.from(cosigner.publicKey).equals(row.publicKey)) {
    throw new AppError('ERR_INTERNAL', 'The sealed witness key does not match its public key.');
  }
  opened.set(deps.keys, row.id, cosigner);
  return cosigner;
}
