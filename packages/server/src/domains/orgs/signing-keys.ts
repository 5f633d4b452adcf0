import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { generateEd25519Key, type Ed25519Key } from '@skillproof/core';
import type { Database, Organization, OrgKeysTable } from '../../db/schema.js';
import type { AppDeps } from '../../http/env.js';
import { openedKeyCache } from '../../security/master-key.js';
import { AppError } from '../../errors.js';
import { logKeyEvent } from '../ledger/events.js';
import { orgDid } from './identity.js';

export type OrgKeyRow = Selectable<OrgKeysTable>;
export type OrgKeyStatus = 'active' | 'expired' | 'revoked';

/** A key's public half and history, without the sealed secret. */
export type OrgKeyInfo = Omit<OrgKeyRow, 'secretCiphertext'> & { status: OrgKeyStatus };

/** The associated data a key's sealed secret is bound to: its row. A ciphertext copied into another row does not open. */
const sealedFor = (keyId: string) => `org-key:${keyId}`;

// Opened keys; which key is current always comes from the database, so a rotation on another node takes effect at
// once, and forgetting a retired key here only frees memory.
const opened = openedKeyCache<Ed25519Key>();

/**
 * Generates a signing key for the organisation, sealed under the master key, and appends its `key-add` to the
 * transparency log; returns its fragment (`key-N`). Call inside a transaction that holds the organisation (see
 * {@link rotateOrgKey}).
 */
export async function addOrgKey(
  db: Kysely<Database>,
  deps: Pick<AppDeps, 'keys' | 'publicUrl'>,
  orgId: string,
  now: Date,
): Promise<string> {
  const { count } = await db
    .selectFrom('orgKeys')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('orgId', '=', orgId)
    .executeTakeFirstOrThrow();
  const id = randomUUID();
  const fragment = `key-${Number(count) + 1}`;
  const key = generateEd25519Key();
  await db
    .insertInto('orgKeys')
    .values({
      id,
      orgId,
      fragment,
      publicKeyMultibase: key.publicKeyMultibase,
      secretCiphertext: deps.keys.seal(key.seed!, sealedFor(id)),
      createdAt: now,
      expiresAt: null,
      revokedAt: null,
      revokedReason: null,
    })
    .execute();
  const issuer = await didOf(db, deps, orgId);
  await logKeyEvent(db, { type: 'key-add', orgId, issuer, key: `${issuer}#${fragment}` }, now);
  return fragment;
}

async function didOf(db: Kysely<Database>, deps: Pick<AppDeps, 'publicUrl'>, orgId: string): Promise<string> {
  const { slug } = await db
    .selectFrom('organizations')
    .select('slug')
    .where('id', '=', orgId)
    .executeTakeFirstOrThrow();
  return orgDid(deps.publicUrl, slug);
}

/**
 * The organisation's current signing key, opened from its sealed form (and kept open in this process), with the
 * organisation. The key's `id` is the DID URL verifiers resolve (`did:web:…:orgs:<slug>#key-N`). Throws `ERR_STATE`
 * when the organisation has no active key, `ERR_INTERNAL` when the sealed key does not open (wrong master key, or a
 * ciphertext that belongs to another key) or does not match its published public key.
 *
 * @example
 * ```ts
 * const { org, key } = await signingKeyFor(db, deps, orgId);
 * const signed = await signCredential(credential, { key, clock: deps.clock });
 * ```
 */
export async function signingKeyFor(
  db: Kysely<Database>,
  deps: Pick<AppDeps, 'keys' | 'publicUrl'>,
  orgId: string,
): Promise<{ org: Organization; key: Ed25519Key }> {
  // One round trip: the organisation and its active key (if any).
  const found = await db
    .selectFrom('organizations as o')
    .leftJoin('orgKeys as k', (j) =>
      j.onRef('k.orgId', '=', 'o.id').on('k.expiresAt', 'is', null).on('k.revokedAt', 'is', null),
    )
    .selectAll('o')
    .select(['k.id as keyId', 'k.fragment', 'k.publicKeyMultibase', 'k.secretCiphertext'])
    .where('o.id', '=', orgId)
    .executeTakeFirst();
  if (!found) throw new AppError('ERR_NOT_FOUND', 'No such organisation.');
  const { keyId, fragment, publicKeyMultibase, secretCiphertext, ...org } = found;
  if (!keyId || !fragment || !publicKeyMultibase || !secretCiphertext) {
    throw new AppError('ERR_STATE', 'The organisation has no active signing key; rotate to make one.');
  }
  const did = orgDid(deps.publicUrl, org.slug);
  const id = `${did}#${fragment}`;
  const hit = opened.get(deps.keys, keyId);
  if (hit && hit.id === id && hit.publicKeyMultibase === publicKeyMultibase) return { org, key: hit };

  const seed = deps.keys.open(secretCiphertext, sealedFor(keyId));
  const key = generateEd25519Key({ seed, controller: did, id });
  if (key.publicKeyMultibase !== publicKeyMultibase) {
    throw new AppError('ERR_INTERNAL', `The sealed key ${fragment} does not match its published public key.`);
  }
  opened.set(deps.keys, keyId, key);
  return { org, key };
}

function toInfo({ secretCiphertext: _sealed, ...row }: OrgKeyRow): OrgKeyInfo {
  const status: OrgKeyStatus = row.revokedAt ? 'revoked' : row.expiresAt ? 'expired' : 'active';
  return { ...row, status };
}

/** Every key the organisation has had, oldest first: public halves and history only. */
export async function listOrgKeys(db: Kysely<Database>, orgId: string): Promise<OrgKeyInfo[]> {
  const rows = await db.selectFrom('orgKeys').selectAll().where('orgId', '=', orgId).execute();
  // Fragments are numbered in the order keys were made: key-2 comes before key-10.
  return rows.map(toInfo).sort((a, b) => fragmentNumber(a) - fragmentNumber(b));
}

const fragmentNumber = (k: { fragment: string }) => Number(k.fragment.slice(4));

/** Locks the organisation for a key change, so that two rotations cannot both retire the same key. */
async function lockOrg(db: Kysely<Database>, orgId: string): Promise<void> {
  const org = await db.selectFrom('organizations').select('id').where('id', '=', orgId).forUpdate().executeTakeFirst();
  if (!org) throw new AppError('ERR_NOT_FOUND', 'No such organisation.');
}

async function findKey(db: Kysely<Database>, orgId: string, fragment: string): Promise<OrgKeyRow> {
  const row = await db
    .selectFrom('orgKeys')
    .selectAll()
    .where('orgId', '=', orgId)
    .where('fragment', '=', fragment)
    .executeTakeFirst();
  if (!row) throw new AppError('ERR_NOT_FOUND', `This organisation has no key ${fragment}.`);
  return row;
}

/**
 * Rotates the organisation's signing key: the active key is retired (`expiresAt = now`: it still vouches for what it
 * signed before) and a new `key-N+1` becomes active. Call inside a transaction.
 *
 * @example
 * ```ts
 * const { key, retired } = await db.transaction().execute((tx) => rotateOrgKey(tx, deps, orgId, deps.clock()));
 * ```
 */
export async function rotateOrgKey(
  db: Kysely<Database>,
  deps: Pick<AppDeps, 'keys' | 'publicUrl'>,
  orgId: string,
  now: Date,
): Promise<{ key: OrgKeyInfo; retired: string | null }> {
  await lockOrg(db, orgId);
  const retired = await db
    .updateTable('orgKeys')
    .set({ expiresAt: now })
    .where('orgId', '=', orgId)
    .where('expiresAt', 'is', null)
    .where('revokedAt', 'is', null)
    .returning(['id', 'fragment'])
    .executeTakeFirst();
  if (retired) opened.delete(deps.keys, retired.id);
  const fragment = await addOrgKey(db, deps, orgId, now);
  return { key: toInfo(await findKey(db, orgId, fragment)), retired: retired?.fragment ?? null };
}

/**
 * Revokes a key after a compromise: proofs it made at or after `compromisedAt` (default now; it may be earlier, when
 * the compromise is found late, but not before the key existed nor in the future) no longer verify, while earlier ones
 * still do. Revoking the active key rotates at once, so that issuing goes on under a fresh key: an organisation is
 * never left without one. A key already revoked is `ERR_STATE`. Call inside a transaction.
 *
 * @example
 * ```ts
 * await db.transaction().execute((tx) => revokeOrgKey(tx, deps, orgId, 'key-2', { reason: 'laptop stolen' }, now));
 * ```
 */
export async function revokeOrgKey(
  db: Kysely<Database>,
  deps: Pick<AppDeps, 'keys' | 'publicUrl'>,
  orgId: string,
  fragment: string,
  options: { reason: string; compromisedAt?: Date | undefined },
  now: Date,
): Promise<{ key: OrgKeyInfo; activeKey: OrgKeyInfo | null }> {
  await lockOrg(db, orgId);
  const row = await findKey(db, orgId, fragment);
  if (row.revokedAt) throw new AppError('ERR_STATE', `The key ${fragment} is already revoked.`);
  const revokedAt = options.compromisedAt ?? now;
  if (revokedAt > now) throw new AppError('ERR_VALIDATION', 'compromisedAt: must not be in the future.');
  if (revokedAt < row.createdAt) {
    throw new AppError(
      'ERR_VALIDATION',
      `compromisedAt: must not be before the key was made (${row.createdAt.toISOString()}).`,
    );
  }
  const wasActive = row.expiresAt === null;
  await db
    .updateTable('orgKeys')
    .set({ revokedAt, revokedReason: options.reason, ...(wasActive && { expiresAt: now }) })
    .where('id', '=', row.id)
    .where('orgId', '=', orgId)
    .execute();
  opened.delete(deps.keys, row.id);
  const issuer = await didOf(db, deps, orgId);
  await logKeyEvent(
    db,
    { type: 'key-revoke', orgId, issuer, key: `${issuer}#${fragment}`, reason: options.reason },
    now,
  );
  const activeFragment = wasActive ? await addOrgKey(db, deps, orgId, now) : await activeFragmentOf(db, orgId);
  return {
    key: toInfo(await findKey(db, orgId, fragment)),
    activeKey: activeFragment ? toInfo(await findKey(db, orgId, activeFragment)) : null,
  };
}

async function activeFragmentOf(db: Kysely<Database>, orgId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('orgKeys')
    .select('fragment')
    .where('orgId', '=', orgId)
    .where('expiresAt', 'is', null)
    .where('revokedAt', 'is', null)
    .executeTakeFirst();
  return row?.fragment;
}
