import type { Kysely } from 'kysely';
import type { RelatedInput } from '@skillproof/core';
import type { Database } from '../../db/schema.js';

/**
 * The components of a pathway achievement (the achievements its award rule names), as OB `related` entries.
 * CONTRACT PLACEHOLDER: the pathways work replaces this body.
 */
export async function pathwayRelated(
  _db: Kysely<Database>,
  _publicUrl: string,
  _achievementId: string,
): Promise<RelatedInput[]> {
  return [];
}
