import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { generateEd25519Key, type Ed25519Key, type JsonObject } from '@skillproof/core';
import type { Database, InstanceKeysTable } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { AppDeps } from '../../http/env.js';
import { openedKeyCache } from '../../security/master-key.js';
import { publishedLog } from '../ledger/published-log.js';
import { didDocument } from '../orgs/identity.js';

type InstanceKeyRow = Selectable<InstanceKeysTable>;

/**
 * The instance's own identity: `did:web:<host>` (a port as `%3A<port>`), whose DID document is served at
 * `<origin>/.well-known/did.json` (the did:web rule for a DID without a path). It signs what no one organisation
 * issues, such as a learner's CLR of credentials from several issuers.
 *
 * @example
 * ```ts
 * instanceDid('https://badges.example.edu'); // 'did:web:badges.example.edu'
 * ```
 */
export function instanceDid(publicUrl: string): string {
  return `did:web:${new URL(publicUrl).host.replace(':', '%3A')}`;
}

/** The associated data the sealed secret is bound to: its row (a ciphertext copied into another row does not open). */
const sealedFor = (keyId: string) => `instance-key:${keyId}`;

const opened = openedKeyCache<Ed25519Key>();

async function activeKeyRow(db: Kysely<Database>): Promise<InstanceKeyRow | undefined> {
  return db.selectFrom('instanceKeys').selectAll().where('revokedAt', 'is', null).executeTakeFirst();
}

/**
 * The instance's active key row, made on first use: a fresh Ed25519 key sealed under the master key. Two first uses at
 * once make one key (the one-active unique index; the loser reads the winner's).
 */
async function ensureKeyRow(db: Kysely<Database>, deps: Pick<AppDeps, 'keys' | 'clock'>): Promise<InstanceKeyRow> {
  const found = await activeKeyRow(db);
  if (found) return found;
  const { count } = await db
    .selectFrom('instanceKeys')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  const id = randomUUID();
  const key = generateEd25519Key();
  await db
    .insertInto('instanceKeys')
    .values({
      id,
      fragment: `key-${Number(count) + 1}`,
      publicKeyMultibase: key.publicKeyMultibase,
      secretCiphertext: deps.keys.seal(key.seed!, sealedFor(id)),
      createdAt: deps.clock(),
      revokedAt: null,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
  const row = await activeKeyRow(db);
  if (!row) throw new AppError('ERR_INTERNAL', 'The instance key could not be created.');
  return row;
}

/**
 * The instance's signing key (`did:web:<host>#key-N`), opened from its sealed form, created on first use.
 *
 * @example
 * ```ts
 * const key = await instanceSigningKey(db, deps);
 * const signed = await signCredential(clr, { key, clock: deps.clock });
 * ```
 */
export async function instanceSigningKey(
  db: Kysely<Database>,
  deps: Pick<AppDeps, 'keys' | 'clock' | 'publicUrl'>,
): Promise<Ed25519Key> {
  const row = await ensureKeyRow(db, deps);
  const did = instanceDid(deps.publicUrl);
  const id = `${did}#${row.fragment}`;
  const hit = opened.get(deps.keys, row.id);
  if (hit && hit.id === id) return hit;
  const key = generateEd25519Key({
    seed: deps.keys.open(row.secretCiphertext, sealedFor(row.id)),
    controller: did,
    id,
  });
  if (key.publicKeyMultibase !== row.publicKeyMultibase) {
    throw new AppError('ERR_INTERNAL', `The sealed instance key ${row.fragment} does not match its public key.`);
  }
  opened.set(deps.keys, row.id, key);
  return key;
}

/**
 * The instance's DID document: every key it has had (Multikey, with `created` and `revoked`), the active one made on
 * first use so that the document always lists the key the instance signs with, and the instance's transparency log.
 *
 * @example
 * ```ts
 * const doc = await instanceDidDocument(db, deps); // served at /.well-known/did.json
 * ```
 */
export async function instanceDidDocument(
  db: Kysely<Database>,
  deps: Pick<AppDeps, 'keys' | 'clock' | 'publicUrl'>,
): Promise<JsonObject> {
  await ensureKeyRow(db, deps);
  const rows = await db.selectFrom('instanceKeys').selectAll().orderBy('createdAt').orderBy('fragment').execute();
  return didDocument(
    instanceDid(deps.publicUrl),
    rows.map((r) => ({
      fragment: r.fragment,
      publicKeyMultibase: r.publicKeyMultibase,
      createdAt: r.createdAt,
      expiresAt: null,
      revokedAt: r.revokedAt,
    })),
    await publishedLog(db, deps),
  );
}
