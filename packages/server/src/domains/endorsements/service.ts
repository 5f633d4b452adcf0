import type { Kysely } from 'kysely';
import type { AnyEndorsementCredential } from '@skillproof/core';
import type { Database } from '../../db/schema.js';

/**
 * The signed EndorsementCredentials other organisations hold out for an achievement (not revoked), oldest first.
 * CONTRACT PLACEHOLDER: the endorsements work replaces this body.
 */
export async function achievementEndorsements(
  _db: Kysely<Database>,
  _achievementId: string,
): Promise<AnyEndorsementCredential[]> {
  return [];
}
