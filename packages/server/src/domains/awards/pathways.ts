import type { Kysely } from 'kysely';
import type { RelatedInput } from '@skillproof/core';
import type { Database } from '../../db/schema.js';
import { achievementUrl } from '../achievements/definition.js';
import { AwardRule, namedAchievementIds, ruleNodes } from './rule.js';

/**
 * The components of a pathway achievement (the achievements its award rule names), as OB `related` entries, in rule
 * order: this organisation's achievements by their current version's URL (with `version`), achievements defined
 * elsewhere by the URI the rule names. An achievement without a rule, or whose rule names none, has none.
 *
 * @example
 * ```ts
 * const related = await pathwayRelated(tx, publicUrl, pathwayId); // [{ id: 'https://…/achievements/…/versions/1', version: '1' }]
 * ```
 */
export async function pathwayRelated(
  db: Kysely<Database>,
  publicUrl: string,
  achievementId: string,
): Promise<RelatedInput[]> {
  const row = await db
    .selectFrom('awardRules')
    .select('rule')
    .where('achievementId', '=', achievementId)
    .executeTakeFirst();
  if (!row) return [];
  const parsed = AwardRule.safeParse(row.rule);
  if (!parsed.success) return [];
  const ids = namedAchievementIds(parsed.data);
  const versions = new Map(
    ids.length === 0
      ? []
      : (await db.selectFrom('achievements').select(['id', 'currentVersion']).where('id', 'in', ids).execute()).map(
          (a) => [a.id, a.currentVersion] as const,
        ),
  );
  const related: RelatedInput[] = [];
  const seen = new Set<string>();
  for (const [node] of ruleNodes(parsed.data)) {
    const local =
      node.type === 'achievement' ? [node.achievementId] : node.type === 'credits' ? (node.achievementIds ?? []) : [];
    for (const id of local) {
      const version = versions.get(id);
      if (version === undefined || seen.has(id)) continue;
      seen.add(id);
      related.push({ id: achievementUrl(publicUrl, id, version), version: String(version) });
    }
    if (node.type === 'externalAchievement' && !seen.has(node.achievementUri)) {
      seen.add(node.achievementUri);
      related.push({ id: node.achievementUri });
    }
  }
  return related;
}
