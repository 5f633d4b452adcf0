import type { Kysely } from 'kysely';
import {
  analyseGap,
  createSkillTaxonomy,
  type GapAnalysis,
  type GoalRequirement,
  type SkillTaxonomy,
  type TaxonomySkill,
} from '@skillproof/skills';
import type { Database } from '../../db/schema.js';
import type { AppDeps } from '../../http/env.js';
import { frameworkItemUrl } from '../frameworks/skill-references.js';
import { resolveGoal, type GuidanceGoal, type ResolvedGoal } from './goal-requirements-for.js';
import { loadLearnerSkills, type LearnerSkills } from './learner-skills.js';

/** What a self-declared skill counts for in a gap when the learner asks to include them. */
export const SELF_DECLARED_CREDIT = 0.5;

/** The item type of ESCO's skill groups: classification buckets, never a parent that makes siblings. */
const GROUP_TYPE = 'skill-group';

// One taxonomy of the shared (global and public) frameworks per app: ESCO alone has ~14,500 items and 20,656 isChildOf
// links, too many to read per request (measured: see learnerGap). Its key is the frameworks' ids and update times, as
// the search indexes' are: an import or an edit that changes anything sets updated_at, and a framework made public or
// private joins or leaves the list, so the next request sees it.
const sharedTaxonomies = new WeakMap<AppDeps, { key: string; taxonomy: Promise<HierarchyParts> }>();

/** A taxonomy and the ids it holds, so that two can be laid over each other. */
interface HierarchyParts {
  readonly taxonomy: SkillTaxonomy;
  readonly ids: ReadonlySet<string>;
}

/**
 * The isChildOf links of some frameworks as taxonomy rows, both ends named as guidance names skills (the item's URL,
 * or the URI an end outside the framework gives), labelled by their item's statement, groups marked.
 */
async function hierarchyRows(db: Kysely<Database>, frameworkIds: readonly string[]): Promise<TaxonomySkill[]> {
  if (frameworkIds.length === 0) return [];
  const rows = await db
    .selectFrom('frameworkAssociations as a')
    .leftJoin('frameworkItems as o', 'o.id', 'a.originItemId')
    .leftJoin('frameworkItems as d', 'd.id', 'a.destinationItemId')
    .select([
      'a.originUri',
      'o.uri as oUri',
      'o.caseIdentifier as oCase',
      'o.statement as oStatement',
      'o.type as oType',
      'a.destinationUri',
      'd.uri as dUri',
      'd.caseIdentifier as dCase',
      'd.statement as dStatement',
      'd.type as dType',
    ])
    .where('a.frameworkId', 'in', frameworkIds)
    .where('a.type', '=', 'isChildOf')
    .execute();
  return rows.flatMap((r) => [...hierarchyEnds(r)]);
}

function* hierarchyEnds(r: {
  originUri: string | null;
  oUri: string | null;
  oCase: string | null;
  oStatement: string | null;
  oType: string | null;
  destinationUri: string | null;
  dUri: string | null;
  dCase: string | null;
  dStatement: string | null;
  dType: string | null;
}): Generator<TaxonomySkill> {
  const origin = endName(r.oCase, r.oUri, r.originUri);
  const destination = endName(r.dCase, r.dUri, r.destinationUri);
  if (origin === undefined || destination === undefined) return;
  yield { id: origin, ...label(r.oStatement), ...(r.oType === GROUP_TYPE && { group: true }), broader: [destination] };
  yield { id: destination, ...label(r.dStatement), ...(r.dType === GROUP_TYPE && { group: true }) };
}

const label = (statement: string | null) => (statement === null ? {} : { label: statement });

/** An end as a skill name: its item's URI, `case:<id>` for an item without one (resolved later), else its URI. */
function endName(caseIdentifier: string | null, itemUri: string | null, uri: string | null): string | undefined {
  if (caseIdentifier !== null) return itemUri ?? `case:${caseIdentifier}`;
  return uri ?? undefined;
}

/** Rows with `case:` names turned into the item's CASE URL on this server ({@link frameworkItemUrl}). */
function withUrls(publicUrl: string, rows: TaxonomySkill[]): TaxonomySkill[] {
  const url = (id: string) =>
    id.startsWith('case:') ? frameworkItemUrl(publicUrl, { uri: null, caseIdentifier: id.slice(5) }) : id;
  return rows.map((r) => ({ ...r, id: url(r.id), ...(r.broader && { broader: r.broader.map(url) }) }));
}

function buildParts(rows: readonly TaxonomySkill[]): HierarchyParts {
  return { taxonomy: createSkillTaxonomy(rows), ids: new Set(rows.map((r) => r.id)) };
}

async function sharedKey(db: Kysely<Database>): Promise<{ key: string; ids: string[] }> {
  const rows = await db
    .selectFrom('frameworks as f')
    .select(['f.id', 'f.updatedAt'])
    .where((eb) => eb.or([eb('f.orgId', 'is', null), eb('f.public', '=', true)]))
    .orderBy('f.id')
    .execute();
  return { key: rows.map((r) => `${r.id}@${r.updatedAt.toISOString()}`).join(','), ids: rows.map((r) => r.id) };
}

async function sharedHierarchy(deps: AppDeps): Promise<HierarchyParts> {
  const { key, ids } = await sharedKey(deps.db);
  const cached = sharedTaxonomies.get(deps);
  if (cached?.key === key) return cached.taxonomy;
  const taxonomy = hierarchyRows(deps.db, ids).then((rows) => buildParts(withUrls(deps.publicUrl, rows)));
  sharedTaxonomies.set(deps, { key, taxonomy });
  taxonomy.catch(() => {
    if (sharedTaxonomies.get(deps)?.taxonomy === taxonomy) sharedTaxonomies.delete(deps);
  });
  return taxonomy;
}

const merged = (a: readonly string[], b: readonly string[]) =>
  b.length === 0 ? a : a.length === 0 ? b : Object.freeze([...new Set([...a, ...b])].sort());

/** `extra` laid over `base`: links of both, `extra`'s labels first. Neither is copied. */
function overlay(base: HierarchyParts, extra: HierarchyParts): SkillTaxonomy {
  let size = base.ids.size;
  for (const id of extra.ids) if (!base.ids.has(id)) size++;
  return {
    labelOf: (id) => extra.taxonomy.labelOf(id) ?? base.taxonomy.labelOf(id),
    broaderOf: (id) => merged(base.taxonomy.broaderOf(id), extra.taxonomy.broaderOf(id)),
    narrowerOf: (id) => merged(base.taxonomy.narrowerOf(id), extra.taxonomy.narrowerOf(id)),
    isGroup: (id) => base.taxonomy.isGroup(id) || extra.taxonomy.isGroup(id),
    size,
  };
}

/**
 * The skill hierarchy a learner's gap may use: the isChildOf links of every global and public framework (cached per
 * app) and of their own organisations' private frameworks (read per request; another organisation's never), with the
 * labels of their skills and of the requirements (of one goal or several).
 *
 * @example
 * ```ts
 * const taxonomy = await learnerTaxonomy(deps, userId, learner, goal.requirements);
 * analyseGap(learner.profile, goal.requirements, { taxonomy });
 * ```
 */
export async function learnerTaxonomy(
  deps: AppDeps,
  userId: string,
  learner: LearnerSkills,
  requirements: Iterable<GoalRequirement>,
): Promise<SkillTaxonomy> {
  const [shared, orgFrameworkIds] = await Promise.all([
    sharedHierarchy(deps),
    deps.db
      .selectFrom('frameworks as f')
      .innerJoin('memberships as m', 'm.orgId', 'f.orgId')
      .select('f.id')
      .where('m.userId', '=', userId)
      .where('f.public', '=', false)
      .execute(),
  ]);
  const own = withUrls(
    deps.publicUrl,
    await hierarchyRows(
      deps.db,
      orgFrameworkIds.map((f) => f.id),
    ),
  );
  const labels: TaxonomySkill[] = [
    ...[...learner.labels].map(([id, label]) => ({ id, label })),
    ...[...requirements].map((r) => ({ id: r.skill, ...(r.label !== undefined && { label: r.label }) })),
  ];
  return overlay(shared, buildParts([...own, ...labels]));
}

/**
 * A learner's gap for a goal: the goal resolved ({@link resolveGoal}; ERR_NOT_FOUND for an occupation or job profile
 * they cannot see), their skills ({@link loadLearnerSkills}), and `analyseGap` over the skill hierarchy of the
 * frameworks they can see, so a held skill counts for a broader, narrower or sibling required one at the default
 * hierarchy factors, and levels attested below the required level leave a shortfall. Self-declared skills count at
 * {@link SELF_DECLARED_CREDIT} when `includeSelfDeclared`, else not at all.
 *
 * The shared frameworks' hierarchy is built once per app and key; per request only the key (one query over
 * `frameworks`) and the learner's organisations' links are read. Measured on the shipped ESCO v1.1.1 (20,656 links;
 * 2 shared cores, medians): the build takes 265 ms on PostgreSQL and 960 ms on PGlite, once; then a request's two
 * queries take under 1 ms on both. The alternative, a recursive CTE reading only the goal's neighbourhood (two levels
 * up and down and the parents' other children) for every request, took 54 ms (PostgreSQL) and 122 ms (PGlite) over 31
 * ESCO occupations (median 1,937 links read, at most 3,884), so the cache wins from the first few requests on.
 *
 * @example
 * ```ts
 * const { goal, gap } = await learnerGap(deps, userId, { occupationId }, { includeSelfDeclared: false });
 * gap.skills[0]?.explanation; // "held: SQL (verified, …) — covers 'use databases' via a narrower skill at 0.5; …"
 * ```
 */
export async function learnerGap(
  deps: AppDeps,
  userId: string,
  goal: GuidanceGoal,
  options: { includeSelfDeclared: boolean },
): Promise<{ goal: ResolvedGoal; gap: GapAnalysis; learner: LearnerSkills }> {
  const resolved = await resolveGoal(deps, userId, goal);
  const learner = await loadLearnerSkills(deps.db, deps.publicUrl, userId, deps.clock());
  const taxonomy = await learnerTaxonomy(deps, userId, learner, resolved.requirements);
  const gap = analyseGap(learner.profile, resolved.requirements, {
    taxonomy,
    selfDeclaredCredit: options.includeSelfDeclared ? SELF_DECLARED_CREDIT : 0,
  });
  return { goal: resolved, gap, learner };
}
