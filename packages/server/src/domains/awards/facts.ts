import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { achievementUrl } from '../achievements/definition.js';
import { orgDid } from '../orgs/identity.js';
import { noFacts, type LearnerFacts } from './evaluate.js';

// Learners per query when facts are gathered for many (dry runs, apply).
const CHUNK = 500;

/**
 * Gathers what award rules test about these learners, from the database: assessment outcomes, the active credentials
 * they hold from this instance (with their issuer's DID, achievement version URL and credits), verified credentials
 * they imported, external events and approvals. The evaluation itself is {@link evaluateRule}'s, which is pure.
 *
 * @example
 * ```ts
 * const facts = (await loadLearnerFacts(tx, publicUrl, [learnerId])).get(learnerId)!;
 * ```
 */
export async function loadLearnerFacts(
  db: Kysely<Database>,
  publicUrl: string,
  learnerUserIds: readonly string[],
): Promise<Map<string, LearnerFacts>> {
  const out = new Map<string, LearnerFacts>();
  for (const id of learnerUserIds) out.set(id, noFacts());
  for (let start = 0; start < learnerUserIds.length; start += CHUNK) {
    const ids = learnerUserIds.slice(start, start + CHUNK);
    const [outcomes, credentials, held, events, approvals] = await Promise.all([
      db
        .selectFrom('assessmentOutcomes')
        .select(['id', 'learnerUserId', 'assessmentId', 'passed', 'percent', 'at'])
        .where('learnerUserId', 'in', ids)
        .execute(),
      db
        .selectFrom('credentials as c')
        .innerJoin('organizations as o', 'o.id', 'c.orgId')
        .innerJoin('achievementVersions as v', (j) =>
          j.onRef('v.achievementId', '=', 'c.achievementId').onRef('v.version', '=', 'c.achievementVersion'),
        )
        .select([
          'c.id',
          'c.holderUserId',
          'c.orgId',
          'c.achievementId',
          'c.achievementVersion',
          'c.validFrom',
          'c.validUntil',
          'o.slug',
          sql<number | null>`(v.definition->>'creditsAvailable')::float8`.as('credits'),
        ])
        .where('c.holderUserId', 'in', ids)
        .where('c.state', '=', 'active')
        .execute(),
      db
        .selectFrom('heldCredentials')
        .select(['id', 'userId', 'issuerId', 'achievementUri', 'credits', 'validFrom', 'validUntil', 'verifiedAt'])
        .where('userId', 'in', ids)
        .execute(),
      db
        .selectFrom('awardEvents')
        .select(['id', 'orgId', 'learnerUserId', 'name', 'data', 'at'])
        .where('learnerUserId', 'in', ids)
        .execute(),
      db
        .selectFrom('awardApprovals')
        .select(['achievementId', 'learnerUserId', 'at'])
        .where('learnerUserId', 'in', ids)
        .execute(),
    ]);
    for (const o of outcomes) {
      out.get(o.learnerUserId)!.outcomes.push({
        id: o.id,
        assessmentId: o.assessmentId,
        passed: o.passed,
        percent: o.percent,
        at: o.at,
      });
    }
    for (const c of credentials) {
      out.get(c.holderUserId!)!.credentials.push({
        id: c.id,
        orgId: c.orgId,
        achievementId: c.achievementId,
        issuer: orgDid(publicUrl, c.slug),
        achievementUri: achievementUrl(publicUrl, c.achievementId, c.achievementVersion),
        credits: c.credits,
        at: c.validFrom,
        validUntil: c.validUntil,
      });
    }
    for (const h of held) {
      out.get(h.userId)!.held.push({
        id: h.id,
        issuer: h.issuerId,
        achievementUri: h.achievementUri,
        credits: h.credits,
        at: h.validFrom ?? h.verifiedAt,
        validUntil: h.validUntil,
      });
    }
    for (const e of events) {
      const data = e.data !== null && typeof e.data === 'object' ? (e.data as Record<string, unknown>) : {};
      out.get(e.learnerUserId)!.events.push({ id: e.id, orgId: e.orgId, name: e.name, data, at: e.at });
    }
    for (const a of approvals) {
      out.get(a.learnerUserId)!.approvals.push({ achievementId: a.achievementId, at: a.at });
    }
  }
  return out;
}
