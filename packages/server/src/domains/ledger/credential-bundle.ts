import type { Kysely } from 'kysely';
import type { CredentialBundle, JsonObject } from '@skillproof/core';
import type { Database } from '../../db/schema.js';
import type { AppDeps } from '../../http/env.js';
import { orgDidDocument } from '../orgs/org-did-document.js';
import { credentialLogProof } from './serve.js';

/**
 * A credential's download bundle (`/credentials/<id>.bundle.json`): the stored signed document, its tlog-proof
 * against the log's latest checkpoint, and the issuer's DID document as served (its keys and the log's service), so
 * that `skillproof verify` checks it offline, the ledger check included (core's `CredentialBundle`). A credential
 * not yet in a signed checkpoint is `ERR_STATE`, as its proof is.
 *
 * @example
 * ```ts
 * const bundle = await credentialBundle(db, deps, { id, document, org: { id: orgId, slug } });
 * ```
 */
export async function credentialBundle(
  db: Kysely<Database>,
  deps: Pick<AppDeps, 'keys' | 'clock' | 'publicUrl'>,
  credential: { id: string; document: JsonObject; org: { id: string; slug: string } },
): Promise<CredentialBundle> {
  const tlogProof = await credentialLogProof(db, deps, credential.id);
  return {
    credential: credential.document,
    tlogProof,
    didDocument: await orgDidDocument(db, deps, credential.org),
  };
}
