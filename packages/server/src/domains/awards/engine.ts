import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { AppDeps } from '../../http/env.js';

/** What changed for a learner, and so which award rules may now hold. */
export type AwardTrigger =
  | { type: 'assessment'; id: string }
  | { type: 'achievement'; id: string }
  | { type: 'external_achievement'; id: string }
  | { type: 'event'; orgId: string; name: string }
  | { type: 'approval'; achievementId: string };

/** A credential the engine issued. */
export interface AwardResult {
  awardId: string;
  achievementId: string;
  credentialId: string;
  generation: number;
}

/**
 * Evaluates the award rules a trigger can change for one learner and issues every credential whose rule now holds
 * (then the pathways those complete, and so on), in the caller's transaction. Idempotent under concurrency.
 * CONTRACT PLACEHOLDER: the award engine replaces this body.
 */
export async function evaluateAwards(
  _tx: Kysely<Database>,
  _deps: AppDeps,
  _input: { learnerUserId: string; trigger: AwardTrigger },
): Promise<AwardResult[]> {
  return [];
}
