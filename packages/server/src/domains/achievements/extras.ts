import type { Kysely } from 'kysely';
import type { AnyEndorsementCredential, RelatedInput } from '@skillproof/core';
import type { Database } from '../../db/schema.js';
import { pathwayRelated } from '../awards/pathways.js';
import { achievementEndorsements } from '../endorsements/service.js';

/**
 * What an achievement's credentials carry beside its definition, read at the moment of issue: the components of a
 * pathway (OB `related`) and the endorsements other organisations signed for it.
 */
export async function achievementExtras(
  db: Kysely<Database>,
  publicUrl: string,
  achievementId: string,
): Promise<{ related?: RelatedInput[]; endorsement?: AnyEndorsementCredential[] }> {
  const [related, endorsement] = await Promise.all([
    pathwayRelated(db, publicUrl, achievementId),
    achievementEndorsements(db, achievementId),
  ]);
  return { ...(related.length > 0 && { related }), ...(endorsement.length > 0 && { endorsement }) };
}
