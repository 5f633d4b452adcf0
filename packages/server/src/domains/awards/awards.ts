import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Cursor } from '../../http/pagination.js';

/**
 * An organisation's awards, newest first (keyset pages on awarded time and id), with each learner's email and name.
 *
 * @example
 * ```ts
 * const page = await listAwards(db, orgId, { limit: 51 });
 * ```
 */
export async function listAwards(
  db: Kysely<Database>,
  orgId: string,
  options: { achievementId?: string | undefined; learnerUserId?: string | undefined; limit: number; after?: Cursor },
) {
  let query = db
    .selectFrom('awards as w')
    .innerJoin('users as u', 'u.id', 'w.learnerUserId')
    .select([
      'w.id',
      'w.achievementId',
      'w.learnerUserId',
      'u.email',
      'u.name',
      'w.generation',
      'w.credentialId',
      'w.basis',
      'w.awardedAt',
    ])
    .where('w.orgId', '=', orgId);
  if (options.achievementId) query = query.where('w.achievementId', '=', options.achievementId);
  if (options.learnerUserId) query = query.where('w.learnerUserId', '=', options.learnerUserId);
  const { after } = options;
  if (after) {
    query = query.where((eb) =>
      eb.or([eb('w.awardedAt', '<', after.at), eb.and([eb('w.awardedAt', '=', after.at), eb('w.id', '<', after.id)])]),
    );
  }
  const rows = await query.orderBy('w.awardedAt', 'desc').orderBy('w.id', 'desc').limit(options.limit).execute();
  return rows.map((r) => ({
    id: r.id,
    achievementId: r.achievementId,
    learner: { userId: r.learnerUserId, email: r.email, name: r.name },
    generation: r.generation,
    credentialId: r.credentialId,
    basis: r.basis,
    awardedAt: r.awardedAt,
  }));
}
