import { sql } from 'kysely';
import { createNextRoleIndex, type NextRoleIndex, type RoleOccupation } from '@skillproof/skills';
import type { AppDeps } from '../../http/env.js';
import { frameworkItemUrl } from '../frameworks/skill-references.js';

// One index per app, rebuilt only when the shared frameworks change: over all of ESCO it holds ~3,000 occupations and
// ~120,000 skill links, too much to read per request. Its key is the frameworks' ids, update times and occupation
// counts, so an import or an edit is seen on the next request.
const indexes = new WeakMap<AppDeps, { key: string; index: Promise<NextRoleIndex> }>();

async function sharedFrameworksKey(deps: AppDeps): Promise<{ key: string; ids: string[] }> {
  const rows = await deps.db
    .selectFrom('frameworks as f')
    .select(['f.id', 'f.updatedAt'])
    .select((eb) =>
      eb
        .selectFrom('occupations as o')
        .select(eb.fn.countAll<string>().as('n'))
        .whereRef('o.frameworkId', '=', 'f.id')
        .as('n'),
    )
    .where((eb) => eb.or([eb('f.orgId', 'is', null), eb('f.public', '=', true)]))
    .orderBy('f.id')
    .execute();
  return {
    key: rows.map((r) => `${r.id}@${r.updatedAt.toISOString()}#${String(r.n)}`).join(','),
    ids: rows.map((r) => r.id),
  };
}

async function buildIndex(deps: AppDeps, frameworkIds: readonly string[]): Promise<NextRoleIndex> {
  if (frameworkIds.length === 0) return createNextRoleIndex([]);
  const rows = await deps.db
    .selectFrom('occupations as o')
    .innerJoin('occupationSkills as s', 's.occupationId', 'o.id')
    .innerJoin('frameworkItems as i', 'i.id', 's.itemId')
    .select(['o.id', 'o.title', 's.weight', 'i.uri', 'i.caseIdentifier', 'i.statement'])
    .where('o.frameworkId', 'in', frameworkIds)
    .where('o.kind', '=', 'occupation')
    .where('s.weight', '>', 0)
    .orderBy('o.id')
    .orderBy(sql`i.id`)
    .execute();
  const occupations = new Map<string, { id: string; label: string; skills: RoleOccupation['skills'][number][] }>();
  for (const r of rows) {
    let occupation = occupations.get(r.id);
    if (!occupation) occupations.set(r.id, (occupation = { id: r.id, label: r.title, skills: [] }));
    occupation.skills.push({ skill: frameworkItemUrl(deps.publicUrl, r), weight: r.weight, label: r.statement });
  }
  return createNextRoleIndex([...occupations.values()]);
}

/**
 * The next-role index over the occupations of every global and public framework (ESCO, O*NET, …), built once per
 * app and rebuilt when those frameworks change.
 *
 * @example
 * ```ts
 * const roles = await nextRoleIndexFor(deps);
 * roles.suggest(profile, { limit: 10 });
 * ```
 */
export async function nextRoleIndexFor(deps: AppDeps): Promise<NextRoleIndex> {
  const { key, ids } = await sharedFrameworksKey(deps);
  const cached = indexes.get(deps);
  if (cached?.key === key) return cached.index;
  const index = buildIndex(deps, ids);
  indexes.set(deps, { key, index });
  index.catch(() => {
    if (indexes.get(deps)?.index === index) indexes.delete(deps);
  });
  return index;
}
