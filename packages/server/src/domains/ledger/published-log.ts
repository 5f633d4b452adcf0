import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { AppDeps } from '../../http/env.js';
import type { PublishedLog } from '../orgs/identity.js';
import { logOrigin, logVerifierKey } from './log-key.js';

/**
 * The instance's log as the DID documents it serves name it (organisations' and its own): every credential issued
 * here is recorded in it, so a verifier holding only a credential finds the log, its origin and its key through the
 * issuer's DID document. Makes the log key on first use, as `/log/vkey` does.
 *
 * @example
 * ```ts
 * const doc = didDocument(orgDid(deps.publicUrl, slug), keys, await publishedLog(db, deps));
 * ```
 */
export async function publishedLog(
  db: Kysely<Database>,
  deps: Pick<AppDeps, 'keys' | 'clock' | 'publicUrl'>,
): Promise<PublishedLog> {
  return {
    serviceEndpoint: `${deps.publicUrl}/log`,
    origin: logOrigin(deps.publicUrl),
    verifierKey: await logVerifierKey(db, deps),
  };
}
