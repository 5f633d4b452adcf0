import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Cursor } from '../../http/pagination.js';
import { AchievementDefinition, achievementUrl } from '../achievements/definition.js';
import { AwardRule } from '../awards/rule.js';
import { frameworkItemUrl } from '../frameworks/skill-references.js';
import { achievementSkills, type AchievementSkill } from './learner-skills.js';

/**
 * The learning catalogue: every organisation's published, non-archived achievements, each at its current version, with
 * what a learning plan needs of it (cost figures, skills, prerequisites). One reading of a row serves both the public
 * listing (`GET /api/v1/catalogue`) and the planner's catalogue (`plan-catalogue.ts`).
 */

/** An achievement of the catalogue as plans name it: ids are achievement ids, `url` its current version's URL. */
export interface CatalogueEntry {
  id: string;
  name: string;
  url: string;
  org: { id: string; slug: string; name: string };
  hours?: number;
  price?: { amount: number; currency: string };
}

/** One catalogue achievement, read: its entry, description, skills and required achievements. */
export interface CatalogueItem {
  entry: CatalogueEntry;
  description: string;
  /** Its framework items, then its own Alignments' targets (see {@link achievementSkills}). */
  skills: AchievementSkill[];
  /** Achievement ids its award rule requires (see {@link requiredAchievementIds}); some may not be published. */
  prerequisites: string[];
  publishedAt: Date;
}

/**
 * The achievement ids a rule requires: its `achievement` leaves reachable from the root through combinators that need
 * every one of their rules: `allOf`, `window`, and the degenerate `nOf` with n equal to its count and `anyOf` of one
 * rule. A component under any other `anyOf` or `nOf` is one way among others, and `credits` may be met by other
 * achievements: neither is a prerequisite. In rule order, each once.
 *
 * @example
 * ```ts
 * requiredAchievementIds({ type: 'allOf', rules: [{ type: 'achievement', achievementId: a }, { type: 'anyOf', rules: [x, y] }] });
 * // [a]
 * ```
 */
export function requiredAchievementIds(rule: AwardRule): string[] {
  const ids = new Set<string>();
  const visit = (node: AwardRule): void => {
    switch (node.type) {
      case 'achievement':
        ids.add(node.achievementId);
        break;
      case 'allOf':
        node.rules.forEach(visit);
        break;
      case 'window':
        visit(node.rule);
        break;
      case 'anyOf':
        if (node.rules.length === 1) visit(node.rules[0]!);
        break;
      case 'nOf':
        if (node.n === node.rules.length) node.rules.forEach(visit);
        break;
      default:
        break;
    }
  };
  visit(rule);
  return [...ids];
}

/** The catalogue's rows: published, non-archived achievements with their current version, issuer and award rule. */
export function selectCatalogue(db: Kysely<Database>) {
  return db
    .selectFrom('achievements as a')
    .innerJoin('achievementVersions as v', (j) =>
      j.onRef('v.achievementId', '=', 'a.id').onRef('v.version', '=', 'a.currentVersion'),
    )
    .innerJoin('organizations as o', 'o.id', 'a.orgId')
    .leftJoin('awardRules as r', 'r.achievementId', 'a.id')
    .select(['a.id', 'a.orgId', 'a.publishedAt', 'v.version', 'v.definition', 'o.slug', 'o.name as orgName', 'r.rule'])
    .where('a.publishedAt', 'is not', null)
    .where('a.archivedAt', 'is', null);
}

export type CatalogueRow = Awaited<ReturnType<ReturnType<typeof selectCatalogue>['execute']>>[number];

/**
 * A catalogue row read: the version's definition (validated again), its skills as item URLs (exactly as credentials
 * and learner profiles name them) with the required level on the 0–1 scale, and the prerequisites from its award rule
 * (none when it has no rule, or one that no longer parses).
 *
 * @example
 * ```ts
 * const items = (await selectCatalogue(db).execute()).map((row) => catalogueItem(publicUrl, row));
 * ```
 */
export function catalogueItem(publicUrl: string, row: CatalogueRow): CatalogueItem {
  const d = AchievementDefinition.parse(row.definition);
  const parsed = row.rule === null ? undefined : AwardRule.safeParse(row.rule);
  return {
    entry: {
      id: row.id,
      name: d.name,
      url: achievementUrl(publicUrl, row.id, row.version),
      org: { id: row.orgId, slug: row.slug, name: row.orgName },
      ...(d.hours !== undefined && { hours: d.hours }),
      ...(d.price !== undefined && { price: { amount: d.price.amount, currency: d.price.currency } }),
    },
    description: d.description,
    skills: achievementSkills(publicUrl, d),
    prerequisites: parsed?.success ? requiredAchievementIds(parsed.data).filter((id) => id !== row.id) : [],
    publishedAt: row.publishedAt!,
  };
}

/** `%`, `_` and `\` taken literally in a LIKE pattern. */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, '\\$&');

/**
 * A page of the catalogue, newest published first, by keyset (`after`: the last one of the previous page). `skill`
 * keeps achievements certifying the skill with this URL (an item's URI, or its CASE CFItem URL here, as the version
 * saved it, or an Alignment's target); `q` those whose name contains it (case-insensitive); `org` those of the organisation with this slug.
 *
 * @example
 * ```ts
 * const page = await listCatalogue(db, publicUrl, { skill: 'http://data.europa.eu/esco/skill/…', limit: 21 });
 * ```
 */
export async function listCatalogue(
  db: Kysely<Database>,
  publicUrl: string,
  options: { skill?: string; q?: string; org?: string; limit: number; after?: Cursor },
): Promise<CatalogueItem[]> {
  let query = selectCatalogue(db);
  const { skill, q, org, after } = options;
  if (skill !== undefined) {
    // An item's URL is its URI, or the CASE URL its identifier gives (frameworkItemUrl): the same rule, in SQL.
    const casePrefix = frameworkItemUrl(publicUrl, { uri: null, caseIdentifier: '' });
    const definition = sql.ref('v.definition');
    query = query.where(
      sql<boolean>`(exists (select 1 from jsonb_array_elements(coalesce(${definition} -> 'skills', '[]'::jsonb)) as s
        where coalesce(s -> 'item' ->> 'uri', ${casePrefix} || (s -> 'item' ->> 'caseIdentifier')) = ${skill})
        or exists (select 1 from jsonb_array_elements(coalesce(${definition} -> 'alignment', '[]'::jsonb)) as a
        where a ->> 'targetUrl' = ${skill}))`,
    );
  }
  if (q !== undefined) {
    query = query.where(sql<string>`${sql.ref('v.definition')} ->> 'name'`, 'ilike', `%${likeLiteral(q)}%`);
  }
  if (org !== undefined) query = query.where('o.slug', '=', org);
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('a.publishedAt', '<', after.at),
        eb.and([eb('a.publishedAt', '=', after.at), eb('a.id', '<', after.id)]),
      ]),
    );
  }
  const rows = await query.orderBy('a.publishedAt', 'desc').orderBy('a.id', 'desc').limit(options.limit).execute();
  return rows.map((row) => catalogueItem(publicUrl, row));
}
