import { SkillsError } from '../skills-error.js';
import {
  createPlanCatalogue,
  planLearningPath,
  type CatalogueCredential,
  type LearningPlan,
  type PlanCatalogue,
  type PlanCostMeasure,
  type PlanGoal,
  type PlanOptions,
} from './plan-learning-path.js';

/** An occupation the learner might aim for, with the skills still missing for it (from `analyseGap`). */
export interface RoleCandidate {
  readonly id: string;
  readonly label: string;
  /** The missing skills; those marked essential are what must be closed to count as reaching the role. */
  readonly gap: PlanGoal['skills'];
}

export interface ReachableRolesRequest {
  readonly candidates: readonly RoleCandidate[];
  /** A plain list, or one prepared by `createPlanCatalogue` (prepared once here otherwise). */
  readonly catalogue: readonly CatalogueCredential[] | PlanCatalogue;
  readonly held?: readonly string[];
  /** What a plan minimises and roles are ranked by: `count` ranks by the fewest credentials (default). */
  readonly measure?: PlanCostMeasure;
  /** Which missing skills a plan must close: the essential ones (default), or all of them. */
  readonly scope?: 'essential' | 'all';
  /** How many roles to return (default all). */
  readonly limit?: number;
}

export interface ReachableRole {
  readonly id: string;
  readonly label: string;
  /** Every skill in scope can be covered by obtainable credentials. */
  readonly reachable: boolean;
  /** Credentials in the plan (its steps). */
  readonly credentials: number;
  /** The plan's cost in the request's measure. */
  readonly cost: number;
  /** Skills in scope that no obtainable credential covers. */
  readonly uncoverable: readonly string[];
  /** The plan closing the gap in scope (exact when the planner proved it). */
  readonly plan: LearningPlan;
  /** "Data Analyst: 3 credentials close its 5 missing essential skills (40 hours)." */
  readonly explanation: string;
}

const MEASURES: readonly PlanCostMeasure[] = ['hours', 'price', 'count'];

/** {@link rankReachableRoles}'s options: a plan's, and a bound on the solver time all the plans may take together. */
export interface RankReachableRolesOptions extends PlanOptions {
  /**
   * Solver time for all candidates together, in seconds: once spent, the remaining candidates are planned greedy
   * (`plan.method` says so), so that one ranking never holds a thread for the candidates × `timeLimitSeconds` worst
   * case. Default: no bound.
   */
  readonly totalTimeLimitSeconds?: number;
  /** Monotonic milliseconds (default `performance.now`), injectable for tests. */
  readonly now?: () => number;
}

function formatCost(cost: number, measure: PlanCostMeasure): string {
  const figure = Number.isInteger(cost) ? String(cost) : cost.toFixed(2);
  return measure === 'hours' ? `${figure} hour${cost === 1 ? '' : 's'}` : `price ${figure}`;
}

/**
 * Ranks occupations by what it takes to reach them: for each candidate, a plan over the catalogue closing its essential
 * gap (or its whole gap), through {@link planLearningPath}; roles whose gap the catalogue can close come first, by the
 * least plan cost (with `count`, the fewest credentials), then fewer credentials, then id; the others follow by how
 * many skills stay uncoverable, then the same order. A plan is per candidate, so the ranking is exact whenever each
 * plan is (`plan.method`); `totalTimeLimitSeconds` bounds the solver time of the whole ranking.
 *
 * @example
 * const roles = rankReachableRoles(
 *   {
 *     candidates: [{ id: 'analyst', label: 'Data Analyst', gap: [{ skill: 'sql', weight: 1, essential: true }] }],
 *     catalogue: [{ id: 'c1', name: 'SQL Basics', cost: { hours: 20 }, skills: [{ skill: 'sql' }], prerequisites: [] }],
 *   },
 *   { solver: await loadHighsSolver() },
 * );
 * roles[0]?.explanation; // "Data Analyst: 1 credential closes its 1 missing essential skill."
 */
export function rankReachableRoles(
  request: ReachableRolesRequest,
  options: RankReachableRolesOptions = {},
): ReachableRole[] {
  const { measure = 'count', scope = 'essential', limit } = request;
  const { totalTimeLimitSeconds, now = () => performance.now(), ...planOptions } = options;
  if (totalTimeLimitSeconds !== undefined && !(totalTimeLimitSeconds >= 0)) {
    throw new SkillsError('ERR_PLAN_INPUT', 'totalTimeLimitSeconds must be a number ≥ 0.', {
      path: '$.totalTimeLimitSeconds',
    });
  }
  const deadline = totalTimeLimitSeconds === undefined ? Infinity : now() + totalTimeLimitSeconds * 1000;
  if (!MEASURES.includes(measure)) {
    throw new SkillsError('ERR_PLAN_INPUT', `measure must be one of ${MEASURES.join(', ')}.`, { path: '$.measure' });
  }
  if (scope !== 'essential' && scope !== 'all') {
    throw new SkillsError('ERR_PLAN_INPUT', 'scope must be essential or all.', { path: '$.scope' });
  }
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
    throw new SkillsError('ERR_PLAN_INPUT', 'limit must be an integer ≥ 0.', { path: '$.limit' });
  }
  const ids = new Set<string>();
  request.candidates.forEach((c, i) => {
    if (typeof c.id !== 'string' || c.id === '' || ids.has(c.id)) {
      throw new SkillsError('ERR_PLAN_INPUT', 'each candidate needs an id of its own.', {
        path: `$.candidates[${i}].id`,
      });
    }
    ids.add(c.id);
  });
  // Prepared once: each plan then reads only the credentials teaching its own gap skills.
  const catalogue = Array.isArray(request.catalogue)
    ? createPlanCatalogue(request.catalogue as readonly CatalogueCredential[])
    : (request.catalogue as PlanCatalogue);
  const roles = request.candidates.map((candidate): ReachableRole => {
    const skills = scope === 'all' ? candidate.gap : candidate.gap.filter((s) => s.essential);
    const plan = planLearningPath(
      { goal: { name: candidate.label, skills }, catalogue, ...(request.held ? { held: request.held } : {}), measure },
      now() < deadline ? planOptions : { ...planOptions, exact: false },
    );
    const credentials = plan.steps.length;
    const kind = scope === 'all' ? 'missing' : 'missing essential';
    const closes = `${credentials} credential${credentials === 1 ? '' : 's'} close${credentials === 1 ? 's' : ''}`;
    const what =
      skills.length === 0
        ? `no ${kind} skills`
        : plan.uncoverable.length === 0
          ? `${closes} its ${skills.length} ${kind} skill${skills.length === 1 ? '' : 's'}`
          : plan.uncoverable.length === skills.length
            ? `no credential teaches any of its ${skills.length} ${kind} skill${skills.length === 1 ? '' : 's'}`
            : `${closes} ${skills.length - plan.uncoverable.length} of its ${skills.length} ${kind} skills; no credential teaches ${plan.uncoverable.length}`;
    const costNote = measure === 'count' || credentials === 0 ? '' : ` (${formatCost(plan.totalCost, measure)})`;
    return {
      id: candidate.id,
      label: candidate.label,
      reachable: plan.uncoverable.length === 0,
      credentials,
      cost: plan.totalCost,
      uncoverable: plan.uncoverable,
      plan,
      explanation: `${candidate.label}: ${what}${costNote}.`,
    };
  });
  roles.sort(
    (a, b) =>
      Number(b.reachable) - Number(a.reachable) ||
      a.uncoverable.length - b.uncoverable.length ||
      a.cost - b.cost ||
      a.credentials - b.credentials ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  return limit === undefined ? roles : roles.slice(0, limit);
}
