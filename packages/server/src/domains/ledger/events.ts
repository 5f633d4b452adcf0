import type { Kysely } from 'kysely';
import { buildLeaf, credentialDigest, type JsonObject } from '@skillproof/core';
import type { Database } from '../../db/schema.js';
import { appendLogEntries, type LogAppend } from './append.js';

/** A credential event: issued, revoked, suspended or reinstated. */
export type CredentialLogEvent = 'issue' | 'revoke' | 'suspend' | 'unsuspend';

/** The issuer id of a signed credential (`issuer` is a URI or a Profile with an `id`). */
function issuerOf(document: JsonObject): string {
  const issuer = document['issuer'];
  const id = typeof issuer === 'string' ? issuer : (issuer as JsonObject | undefined)?.['id'];
  if (typeof id !== 'string') throw new Error('A stored credential has no issuer id.');
  return id;
}

/**
 * Appends one leaf per credential, in the caller's transaction (the last write before it commits): what happened,
 * when, the issuer and the credential's id as the signed document states them, and the SHA-256 of the document's
 * canonical JSON (as stored and served), so an auditor can recompute it from what the instance serves.
 *
 * @example
 * ```ts
 * await logCredentialEvents(tx, 'revoke', orgId, [{ credentialId: row.id, document }], now);
 * ```
 */
export async function logCredentialEvents(
  tx: Kysely<Database>,
  type: CredentialLogEvent,
  orgId: string,
  credentials: readonly { credentialId: string; document: JsonObject }[],
  at: Date,
): Promise<void> {
  if (credentials.length === 0) return;
  const entries: LogAppend[] = credentials.map(({ credentialId, document }) => ({
    type,
    orgId,
    credentialId,
    at,
    leaf: buildLeaf({
      type,
      at,
      issuer: issuerOf(document),
      credential: String(document['id']),
      sha256: credentialDigest(document),
    }),
  }));
  await appendLogEntries(tx, entries);
}

/**
 * Appends a key event of an organisation: a verification method added (made at creation, by rotation or to replace a
 * revoked key) or revoked, with the reason given. Call in the transaction that changes the key.
 *
 * @example
 * ```ts
 * await logKeyEvent(tx, { type: 'key-add', orgId, issuer: did, key: `${did}#key-2` }, now);
 * ```
 */
export async function logKeyEvent(
  tx: Kysely<Database>,
  event:
    | { type: 'key-add'; orgId: string; issuer: string; key: string }
    | {
        type: 'key-revoke';
        orgId: string;
        issuer: string;
        key: string;
        reason: string;
      },
  at: Date,
): Promise<void> {
  const { orgId, ...leaf } = event;
  await appendLogEntries(tx, [{ type: event.type, orgId, credentialId: null, at, leaf: buildLeaf({ ...leaf, at }) }]);
}
