import {
  loadHighsSolver,
  planLearningPath,
  type GapAnalysis,
  type MilpSolver,
  type PlanCostMeasure,
  type PlanGoalSkill,
} from '@skillproof/skills';
import type { AppDeps } from '../../http/env.js';
import type { GuidanceGoal } from './goal-requirements-for.js';
import { learnerGap } from './learner-gap.js';
import { planCatalogueFor } from './plan-catalogue.js';

/**
 * The longest one exact solve may block the event loop: HiGHS runs synchronously. Past it the plan is greedy with the
 * bound it proves (`fallback: 'not-proved'`); on the full ESCO catalogue plans take milliseconds (npm run eval:recommend).
 */
export const PLAN_TIME_LIMIT_SECONDS = 0.5;

let highs: Promise<MilpSolver | undefined> | undefined;

/** HiGHS, loaded once per process; undefined (greedy plans) if its WebAssembly cannot load here. */
export function highsSolver(): Promise<MilpSolver | undefined> {
  highs ??= loadHighsSolver().catch(() => undefined);
  return highs;
}

export interface PlanSettings {
  readonly measure: PlanCostMeasure;
  readonly currency?: string | undefined;
  readonly budget?: number | undefined;
  readonly scope: 'all' | 'essential';
}

/**
 * The skills of a gap a plan should close: those in scope with a shortfall, each worth its weight times the part not
 * yet met, at the level the goal requires.
 */
export function missingSkills(gap: GapAnalysis, scope: 'all' | 'essential'): PlanGoalSkill[] {
  return gap.skills
    .filter((s) => s.shortfall > 0 && s.met < 1 && (scope === 'all' || s.essential))
    .map((s) => ({
      skill: s.skill,
      label: s.label,
      weight: s.weight * (1 - s.met),
      essential: s.essential,
      level: s.requiredLevel,
    }));
}

/**
 * A learner's learning plan for a goal: their gap (verified skills, hierarchy credit), then the published achievements
 * of every organisation that close it at least cost, in prerequisite order, each step explained.
 *
 * @example
 * ```ts
 * const { plan } = await learnerPlan(deps, userId, { occupationId }, { measure: 'hours', scope: 'all' }, false);
 * plan.steps[0]?.explanation; // "Covers 3 of 5 missing essential skills for data analyst (…); 20 hours."
 * ```
 */
export async function learnerPlan(
  deps: AppDeps,
  userId: string,
  goal: GuidanceGoal,
  settings: PlanSettings,
  includeSelfDeclared: boolean,
) {
  const [{ goal: resolved, gap, learner }, catalogue] = await Promise.all([
    learnerGap(deps, userId, goal, { includeSelfDeclared }),
    planCatalogueFor(deps, settings.currency !== undefined ? { currency: settings.currency } : {}),
  ]);
  const skills = missingSkills(gap, settings.scope);
  const solver = await highsSolver();
  const plan = planLearningPath(
    {
      goal: { name: resolved.title, skills },
      catalogue: catalogue.prepared,
      held: [...learner.heldAchievementIds],
      measure: settings.measure,
      ...(settings.budget !== undefined && { budget: settings.budget }),
    },
    { timeLimitSeconds: PLAN_TIME_LIMIT_SECONDS, ...(solver && { solver }) },
  );
  return { goal: resolved, gap, skills, plan, achievements: catalogue.entries };
}
