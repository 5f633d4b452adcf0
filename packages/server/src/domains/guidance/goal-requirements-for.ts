import { goalRequirements, type GoalRequirement } from '@skillproof/skills';
import { AppError } from '../../errors.js';
import type { AppDeps } from '../../http/env.js';
import { isUuid } from '../../http/schemas.js';
import { frameworkItemUrl } from '../frameworks/skill-references.js';
import { isFrameworkVisible } from '../frameworks/visibility.js';
import { levelOnUnitScale, memberOrgIds } from './learner-skills.js';
import { skillExtractorFor } from './skill-extractor.js';

/** A career goal as a learner states it. */
export type GuidanceGoal = { occupationId: string } | { jobProfileId: string } | { posting: string; top?: number };

/** A goal resolved: what it is, and the skills it asks for (skills named by their item's URL). */
export interface ResolvedGoal {
  readonly kind: 'occupation' | 'job-profile' | 'posting';
  readonly id: string | null;
  readonly title: string;
  readonly requirements: readonly GoalRequirement[];
}

/** How many skills of a posting count by default: a posting names a dozen or two. */
export const DEFAULT_POSTING_SKILLS = 15;

/**
 * The skill requirements of occupations, each in its source's own terms: ESCO's essential/optional, O*NET's Importance
 * and Level, else the stored weight. One query for all of them; the caller has checked they may be seen.
 *
 * @example
 * ```ts
 * const byOccupation = await occupationRequirements(deps, [occupationId]);
 * byOccupation.get(occupationId); // [{ skill: 'http://data.europa.eu/esco/skill/…', weight: 1, essential: true, … }]
 * ```
 */
export async function occupationRequirements(
  deps: AppDeps,
  occupationIds: readonly string[],
): Promise<Map<string, GoalRequirement[]>> {
  const byOccupation = new Map<string, GoalRequirement[]>();
  if (occupationIds.length === 0) return byOccupation;
  const rows = await deps.db
    .selectFrom('occupationSkills as s')
    .innerJoin('frameworkItems as i', 'i.id', 's.itemId')
    .select([
      's.occupationId',
      's.relation',
      's.importance',
      's.level',
      's.weight',
      'i.uri',
      'i.caseIdentifier',
      'i.statement',
    ])
    .where('s.occupationId', 'in', occupationIds)
    .orderBy('s.occupationId')
    .orderBy('i.id')
    .execute();
  const grouped = new Map<string, typeof rows>();
  for (const r of rows) {
    const list = grouped.get(r.occupationId);
    if (list) list.push(r);
    else grouped.set(r.occupationId, [r]);
  }
  for (const [id, list] of grouped) {
    const skill = (r: (typeof rows)[number]) => ({ skill: frameworkItemUrl(deps.publicUrl, r), label: r.statement });
    byOccupation.set(id, [
      ...goalRequirements({
        kind: 'esco-occupation',
        skills: list.filter((r) => r.relation !== null).map((r) => ({ ...skill(r), relationType: r.relation! })),
      }),
      ...goalRequirements({
        kind: 'onet-occupation',
        elements: list
          .filter((r) => r.relation === null && r.importance !== null)
          .map((r) => ({ ...skill(r), importance: r.importance!, ...(r.level !== null && { level: r.level }) })),
      }),
      ...goalRequirements({
        kind: 'job-profile',
        skills: list
          .filter((r) => r.relation === null && r.importance === null && r.weight > 0)
          .map((r) => ({ ...skill(r), weight: r.weight })),
      }),
    ]);
  }
  return byOccupation;
}

async function occupationGoal(deps: AppDeps, userId: string, occupationId: string): Promise<ResolvedGoal> {
  const { db } = deps;
  const orgIds = await memberOrgIds(db, userId);
  const occupation = isUuid(occupationId)
    ? await db
        .selectFrom('occupations')
        .innerJoin('frameworks', 'frameworks.id', 'occupations.frameworkId')
        .select(['occupations.id', 'occupations.title'])
        .where('occupations.id', '=', occupationId)
        .where((eb) => isFrameworkVisible(eb, orgIds))
        .executeTakeFirst()
    : undefined;
  if (!occupation) throw new AppError('ERR_NOT_FOUND', 'No occupation with this id in a framework you can see.');
  const requirements = (await occupationRequirements(deps, [occupation.id])).get(occupation.id) ?? [];
  return { kind: 'occupation', id: occupation.id, title: occupation.title, requirements };
}

async function jobProfileGoal(deps: AppDeps, userId: string, jobProfileId: string): Promise<ResolvedGoal> {
  const { db, publicUrl } = deps;
  // A job profile is its organisation's: a learner sets one as a goal only as a member there (tenants stay apart).
  const profile = isUuid(jobProfileId)
    ? await db
        .selectFrom('jobProfiles as p')
        .innerJoin('memberships as m', 'm.orgId', 'p.orgId')
        .select(['p.id', 'p.title'])
        .where('p.id', '=', jobProfileId)
        .where('m.userId', '=', userId)
        .where('p.archivedAt', 'is', null)
        .executeTakeFirst()
    : undefined;
  if (!profile) throw new AppError('ERR_NOT_FOUND', 'No job profile with this id in an organisation you belong to.');
  const rows = await db
    .selectFrom('jobProfileSkills as s')
    .innerJoin('frameworkItems as i', 'i.id', 's.itemId')
    .leftJoin('proficiencyScales as sc', 'sc.id', 's.scaleId')
    .select(['s.weight', 's.requiredLevel', 'sc.levels', 'i.uri', 'i.caseIdentifier', 'i.statement'])
    .where('s.jobProfileId', '=', jobProfileId)
    .orderBy('i.id')
    .execute();
  const requirements = goalRequirements({
    kind: 'job-profile',
    skills: rows.map((r) => {
      const level = levelOnUnitScale(r.levels ?? undefined, r.requiredLevel ?? undefined);
      return {
        skill: frameworkItemUrl(publicUrl, r),
        label: r.statement,
        weight: r.weight,
        ...(level !== undefined && { requiredLevel: level }),
      };
    }),
  });
  return { kind: 'job-profile', id: profile.id, title: profile.title, requirements };
}

async function postingGoal(deps: AppDeps, posting: string, top: number): Promise<ResolvedGoal> {
  const extractor = await skillExtractorFor(deps);
  const skills = extractor.extract(posting, { top }).map((s) => ({ skill: s.uri, label: s.label }));
  const firstLine = posting.trim().split('\n')[0]!.trim();
  return {
    kind: 'posting',
    id: null,
    title: firstLine.length > 80 ? `${firstLine.slice(0, 79)}…` : firstLine,
    requirements: goalRequirements({ kind: 'skill-list', skills }),
  };
}

/**
 * Resolves a learner's goal into skill requirements: an occupation of a framework they can see (ESCO essential 1 /
 * optional 0.5; O*NET from Importance and Level), a job profile of an organisation they belong to (its weights and
 * levels), or a pasted job posting (the ESCO skills the extractor finds in it, each essential). An unknown or invisible
 * occupation or job profile is ERR_NOT_FOUND.
 *
 * @example
 * ```ts
 * const goal = await resolveGoal(deps, userId, { occupationId });
 * goal.requirements.length; // the occupation's skills
 * ```
 */
export async function resolveGoal(deps: AppDeps, userId: string, goal: GuidanceGoal): Promise<ResolvedGoal> {
  if ('occupationId' in goal) return occupationGoal(deps, userId, goal.occupationId);
  if ('jobProfileId' in goal) return jobProfileGoal(deps, userId, goal.jobProfileId);
  return postingGoal(deps, goal.posting, goal.top ?? DEFAULT_POSTING_SKILLS);
}
