import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { sql, type Kysely } from 'kysely';
import {
  createStatusListCredential,
  createStatusListIndexAllocator,
  signCredential,
  STATUS_LIST_MIN_ENTRIES,
  type JsonObject,
} from '@skillproof/core';
import type { Database, StatusListPurpose, StatusListRow } from '../../db/schema.js';
import type { AppDeps } from '../../http/env.js';
import { orgDid } from '../orgs/identity.js';
import { signingKeyFor } from '../orgs/service.js';

/** Entries per list: the Bitstring Status List minimum (§3.2, herd privacy), 16 KiB uncompressed. */
export const STATUS_LIST_SIZE = STATUS_LIST_MIN_ENTRIES;

/**
 * A list takes new credentials until three quarters of its indexes are handed out (98,304 credentials). Below that,
 * every new index is still drawn from at least 32,768 free ones (15 bits of chance), so an index says nothing useful
 * about when, or in what order, a credential was issued (§2.1 asks for random indexes for that reason); above it the
 * choice would narrow towards a forced last index. A quarter of each list stays unused: 4 KiB of bits, free to serve
 * since GZIP compresses runs of zeros to almost nothing.
 */
export const STATUS_LIST_CAPACITY = (STATUS_LIST_SIZE * 3) / 4;

/** The public URL of a status list credential: what the credentials' `statusListCredential` points at. */
export const statusListUrl = (publicUrl: string, listId: string): string => `${publicUrl}/status/${listId}`;

export interface StatusIndex {
  listId: string;
  index: number;
}

function setBits(bitmap: Uint8Array): number[] {
  const indexes: number[] = [];
  for (let byte = 0; byte < bitmap.length; byte++) {
    const b = bitmap[byte]!;
    if (b === 0) continue;
    for (let bit = 0; bit < 8; bit++) if (b & (0x80 >> bit)) indexes.push(byte * 8 + bit);
  }
  return indexes;
}

/**
 * Hands out `count` status list indexes of `purpose` for the organisation: uniformly random among the free ones of its
 * current list, never one handed out before, moving to a new list (created here) when the current one reaches
 * {@link STATUS_LIST_CAPACITY}. The list row is locked (`FOR UPDATE`) until the caller's transaction ends, so
 * concurrent issuers take turns; a rolled-back issuance gives its indexes back. Call inside a transaction.
 *
 * @example
 * ```ts
 * const [revocation] = await allocateStatusIndexes(tx, orgId, 'revocation', 1);
 * ```
 */
export async function allocateStatusIndexes(
  tx: Kysely<Database>,
  orgId: string,
  purpose: StatusListPurpose,
  count: number,
  now: Date,
  random?: (bytes: number) => Uint8Array,
): Promise<StatusIndex[]> {
  const out: StatusIndex[] = [];
  while (out.length < count) {
    const list =
      (await tx
        .selectFrom('statusLists')
        .select(['id', 'size', 'allocation', 'allocated'])
        .where('orgId', '=', orgId)
        .where('purpose', '=', purpose)
        .where('allocated', '<', STATUS_LIST_CAPACITY)
        .orderBy('createdAt')
        .orderBy('id')
        .limit(1)
        .forUpdate()
        .executeTakeFirst()) ?? (await createStatusListRow(tx, orgId, purpose, now));
    const take = Math.min(count - out.length, STATUS_LIST_CAPACITY - list.allocated);
    const allocation = Uint8Array.from(list.allocation);
    const allocator = createStatusListIndexAllocator({
      length: list.size,
      used: setBits(allocation),
      ...(random && { random }),
    });
    for (let i = 0; i < take; i++) {
      const index = allocator.allocate();
      allocation[index >> 3]! |= 0x80 >> (index & 7);
      out.push({ listId: list.id, index });
    }
    await tx
      .updateTable('statusLists')
      .set({ allocation, allocated: list.allocated + take, updatedAt: now })
      .where('id', '=', list.id)
      .execute();
  }
  return out;
}

async function createStatusListRow(tx: Kysely<Database>, orgId: string, purpose: StatusListPurpose, now: Date) {
  const empty = new Uint8Array(STATUS_LIST_SIZE / 8);
  return tx
    .insertInto('statusLists')
    .values({
      id: randomUUID(),
      orgId,
      purpose,
      size: STATUS_LIST_SIZE,
      bits: empty,
      allocation: empty,
      allocated: 0,
      version: 1,
      signedVersion: null,
      signedCredential: null,
      createdAt: now,
      updatedAt: now,
    })
    .returning(['id', 'size', 'allocation', 'allocated'])
    .executeTakeFirstOrThrow();
}

/**
 * Sets (1) or clears (0) one entry of a status list and bumps its version, so the next read re-signs it. One UPDATE,
 * atomic under concurrent changes to other entries of the same list.
 */
export async function setStatusBit(
  tx: Kysely<Database>,
  listId: string,
  index: number,
  value: 0 | 1,
  now: Date,
): Promise<void> {
  // PostgreSQL numbers a bytea's bits from the least significant bit of each byte; Bitstring Status List (§2.2)
  // from the most significant one.
  const pgBit = (index & ~7) | (7 - (index & 7));
  await tx
    .updateTable('statusLists')
    .set((eb) => ({
      bits: sql<Uint8Array>`set_bit(bits, ${pgBit}, ${value})`,
      version: eb('version', '+', 1),
      updatedAt: now,
    }))
    .where('id', '=', listId)
    .execute();
}

/** The `encodedList` of a bitstring: "u" + base64url-no-pad(GZIP(bits)) (Bitstring Status List v1.0 §3.3). */
export function encodeStatusBits(bits: Uint8Array): string {
  return 'u' + gzipSync(bits).toString('base64url');
}

/**
 * The signed BitstringStatusListCredential of a list, as served at {@link statusListUrl}: the stored one while it
 * encodes the list's current version under the organisation's current key, otherwise signed now and stored.
 * Undefined when there is no such list.
 */
export async function signedStatusList(
  db: Kysely<Database>,
  deps: Pick<AppDeps, 'keys' | 'publicUrl' | 'clock'>,
  listId: string,
): Promise<JsonObject | undefined> {
  const list = await db.selectFrom('statusLists').selectAll().where('id', '=', listId).executeTakeFirst();
  if (!list) return undefined;
  const stored = list.signedCredential as JsonObject | null;
  if (stored && list.signedVersion === list.version && (await signedWithCurrentKey(db, deps, list, stored))) {
    return stored;
  }
  const { key } = await signingKeyFor(db, deps, list.orgId);
  const unsigned = createStatusListCredential({
    id: statusListUrl(deps.publicUrl, list.id),
    issuer: key.controller,
    statusPurpose: list.purpose,
    list: encodeStatusBits(list.bits),
    // Valid from the list's last change (to the second), not from the moment it is signed: a verifier that read its
    // clock just before fetching must not find the list "not yet valid".
    validFrom: new Date(Math.floor(list.updatedAt.getTime() / 1000) * 1000),
  });
  const signed = await signCredential(unsigned as unknown as JsonObject, { key, clock: deps.clock });
  await db
    .updateTable('statusLists')
    .set({ signedCredential: JSON.stringify(signed), signedVersion: list.version })
    .where('id', '=', list.id)
    .where('version', '=', list.version)
    .execute();
  return signed;
}

/** After a key rotation (or a change of the organisation's DID) the list is re-signed with the current key. */
async function signedWithCurrentKey(
  db: Kysely<Database>,
  deps: Pick<AppDeps, 'publicUrl'>,
  list: StatusListRow,
  stored: JsonObject,
): Promise<boolean> {
  const key = await db
    .selectFrom('orgKeys as k')
    .innerJoin('organizations as o', 'o.id', 'k.orgId')
    .select(['k.fragment', 'o.slug'])
    .where('k.orgId', '=', list.orgId)
    .where('k.expiresAt', 'is', null)
    .where('k.revokedAt', 'is', null)
    .executeTakeFirst();
  const proof = stored['proof'] as JsonObject | undefined;
  return key !== undefined && proof?.['verificationMethod'] === `${orgDid(deps.publicUrl, key.slug)}#${key.fragment}`;
}
