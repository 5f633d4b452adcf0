import {
  analyseGap,
  rankReachableRoles,
  type PlanCostMeasure,
  type PlanGoalSkill,
  type ReachableRole,
} from '@skillproof/skills';
import type { AppDeps } from '../../http/env.js';
import { occupationRequirements } from './goal-requirements-for.js';
import { learnerTaxonomy } from './learner-gap.js';
import { loadLearnerSkills } from './learner-skills.js';
import { highsSolver, missingSkills } from './learning-plan.js';
import { nextRoleIndexFor } from './next-roles.js';
import { planCatalogueFor, type CatalogueEntry } from './plan-catalogue.js';

/**
 * How many of the closest occupations are planned for. Reaching a role takes the skills it asks for, so the roles
 * reachable with the fewest credentials are among those sharing most of them; planning for every occupation of ESCO
 * and O*NET (~4,000) per request would block the event loop for seconds.
 */
export const REACHABLE_CANDIDATES = 30;

/** Per plan: thirty plans must not block the event loop for long; one not proved in time is greedy with its bound. */
const ROLE_PLAN_TIME_LIMIT_SECONDS = 0.1;
/**
 * All plans together: the solver is synchronous, so a ranking holds the event loop while it runs. Past this, the
 * remaining roles are planned greedy (measured: a ranking takes p50 60 ms and p95 214 ms, so it rarely binds).
 */
const ROLES_TOTAL_TIME_LIMIT_SECONDS = 0.3;

export interface ReachableRolesSettings {
  readonly limit: number;
  readonly measure: PlanCostMeasure;
  readonly currency?: string | undefined;
  readonly scope: 'essential' | 'all';
}

export interface LearnerReachableRole extends ReachableRole {
  /** The missing skills in scope, with labels. */
  readonly skills: readonly PlanGoalSkill[];
  readonly missing: number;
}

/**
 * The occupations a learner reaches with the fewest credentials (or least hours or price): their
 * {@link REACHABLE_CANDIDATES} closest occupations by the next-role index, each one's gap (verified skills, hierarchy
 * credit), then a plan over every organisation's published achievements per occupation, ranked by `rankReachableRoles`
 * (roles the catalogue can close first, then by cost).
 *
 * @example
 * ```ts
 * const { roles } = await reachableRoles(deps, userId, { limit: 10, measure: 'count', scope: 'essential' });
 * roles[0]?.explanation; // "data analyst: 2 credentials close its 4 missing essential skills."
 * ```
 */
export async function reachableRoles(
  deps: AppDeps,
  userId: string,
  settings: ReachableRolesSettings,
): Promise<{
  candidates: number;
  roles: LearnerReachableRole[];
  achievements: ReadonlyMap<string, CatalogueEntry>;
}> {
  const learner = await loadLearnerSkills(deps.db, deps.publicUrl, userId, deps.clock());
  const [index, catalogue, solver] = await Promise.all([
    nextRoleIndexFor(deps),
    planCatalogueFor(deps, settings.currency !== undefined ? { currency: settings.currency } : {}),
    highsSolver(),
  ]);
  const closest = index.suggest(learner.profile, { limit: REACHABLE_CANDIDATES });
  const requirements = await occupationRequirements(
    deps,
    closest.map((o) => o.id),
  );
  const taxonomy = await learnerTaxonomy(deps, userId, learner, [...requirements.values()].flat());
  const gaps = new Map(
    closest.map((o) => {
      const gap = analyseGap(learner.profile, requirements.get(o.id) ?? [], { taxonomy, selfDeclaredCredit: 0 });
      return [o.id, missingSkills(gap, settings.scope)] as const;
    }),
  );
  const ranked = rankReachableRoles(
    {
      candidates: closest.map((o) => ({ id: o.id, label: o.label, gap: gaps.get(o.id)! })),
      catalogue: catalogue.prepared,
      held: [...learner.heldAchievementIds],
      measure: settings.measure,
      scope: settings.scope,
      limit: settings.limit,
    },
    {
      timeLimitSeconds: ROLE_PLAN_TIME_LIMIT_SECONDS,
      totalTimeLimitSeconds: ROLES_TOTAL_TIME_LIMIT_SECONDS,
      ...(solver && { solver }),
    },
  );
  return {
    candidates: closest.length,
    roles: ranked.map((r) => {
      const skills = gaps.get(r.id)!;
      return { ...r, skills, missing: skills.length };
    }),
    achievements: catalogue.entries,
  };
}
