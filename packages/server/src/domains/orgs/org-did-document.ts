import type { Kysely } from 'kysely';
import type { JsonObject } from '@skillproof/core';
import type { Database } from '../../db/schema.js';
import type { AppDeps } from '../../http/env.js';
import { publishedLog } from '../ledger/published-log.js';
import { didDocument, orgDid } from './identity.js';
import { listOrgKeys } from './signing-keys.js';

/**
 * The organisation's DID document as `/orgs/<slug>/did.json` serves it: every key it has had, and the instance's
 * transparency log. One function, so that a credential's download bundle carries exactly the served document.
 *
 * @example
 * ```ts
 * const doc = await orgDidDocument(db, deps, { id: org.id, slug: org.slug });
 * ```
 */
export async function orgDidDocument(
  db: Kysely<Database>,
  deps: Pick<AppDeps, 'keys' | 'clock' | 'publicUrl'>,
  org: { id: string; slug: string },
): Promise<JsonObject> {
  return didDocument(orgDid(deps.publicUrl, org.slug), await listOrgKeys(db, org.id), await publishedLog(db, deps));
}
