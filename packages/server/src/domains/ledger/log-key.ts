import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { createNoteSigner, generateEd25519Key, noteVerifierKey, type NoteSigner } from '@skillproof/core';
import type { Database, LogKeysTable } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { AppDeps } from '../../http/env.js';
import { openedKeyCache } from '../../security/master-key.js';

type LogKeyRow = Selectable<LogKeysTable>;

/**
 * The instance log's origin: `<host>/log` (the checkpoint's first line and the note key's name). One log per
 * instance: a witness cosigns one tree per instance, and every leaf names its issuer.
 *
 * @example
 * ```ts
 * logOrigin('https://badges.example.edu'); // 'badges.example.edu/log'
 * ```
 */
export function logOrigin(publicUrl: string): string {
  return `${new URL(publicUrl).host}/log`;
}

/** The associated data the sealed seed is bound to: its row (a ciphertext copied into another row does not open). */
const sealedFor = (keyId: string) => `log-key:${keyId}`;

const opened = openedKeyCache<NoteSigner>();

async function activeKeyRow(db: Kysely<Database>): Promise<LogKeyRow | undefined> {
  return db.selectFrom('logKeys').selectAll().where('revokedAt', 'is', null).executeTakeFirst();
}

/**
 * The log key's row, made on first use: a fresh Ed25519 seed sealed under the master key. Two first uses at once make
 * one key (the one-active unique index; the loser reads the winner's). A key made under another origin (the public
 * URL changed) is refused: its checkpoints would name another log.
 */
async function ensureKeyRow(db: Kysely<Database>, deps: Pick<AppDeps, 'keys' | 'clock' | 'publicUrl'>) {
  const name = logOrigin(deps.publicUrl);
  let row = await activeKeyRow(db);
  if (!row) {
    const id = randomUUID();
    const key = generateEd25519Key();
    await db
      .insertInto('logKeys')
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
    if (!row) throw new AppError('ERR_INTERNAL', 'The log key could not be created.');
  }
  if (row.name !== name) {
    throw new AppError('ERR_INTERNAL', `The log key signs for ${row.name}, but this instance's log is ${name}.`);
  }
  return row;
}

/**
 * The signed-note signer of the instance's log (key name {@link logOrigin}), opened from its sealed form and made on
 * first use.
 *
 * @example
 * ```ts
 * const signer = await logSigner(db, deps);
 * const note = signNote(formatCheckpoint({ origin: signer.name, size, rootHash }), [signer]);
 * ```
 */
export async function logSigner(
  db: Kysely<Database>,
  deps: Pick<AppDeps, 'keys' | 'clock' | 'publicUrl'>,
): Promise<NoteSigner> {
  const row = await ensureKeyRow(db, deps);
  const hit = opened.get(deps.keys, row.id);
  if (hit) return hit;
  const seed = deps.keys.open(row.secretCiphertext, sealedFor(row.id));
  if (!Buffer.from(generateEd25519Key({ seed }).publicKey).equals(row.publicKey)) {
    throw new AppError('ERR_INTERNAL', 'The sealed log key does not match its public key.');
  }
  const signer = createNoteSigner(row.name, seed);
  opened.set(deps.keys, row.id, signer);
  return signer;
}

/**
 * The log's verifier key in the signed-note format (`<name>+<key hash>+<base64 key>`), what a witness or auditor
 * configures to check its checkpoints. Makes the key on first use.
 *
 * @example
 * ```ts
 * await logVerifierKey(db, deps); // 'badges.example.edu/log+8a1c…+AQ…'
 * ```
 */
export async function logVerifierKey(
  db: Kysely<Database>,
  deps: Pick<AppDeps, 'keys' | 'clock' | 'publicUrl'>,
): Promise<string> {
  const row = await ensureKeyRow(db, deps);
  return noteVerifierKey(row.name, row.publicKey);
}
