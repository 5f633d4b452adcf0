/**
 * eval:recommend section `plan`: learning plans (planLearningPath) measured two ways.
 * 1. Quality over 1,200 seeded generated instances of varied size (5–40 gap skills, 10–250 credentials, prerequisite
 *    chains, some held credentials; two in three cover the whole gap at least cost, one in three maximise covered
 *    weight within a budget): the cost (or covered weight) of what the planner returns and of plain greedy, relative to
 *    the MILP optimum HiGHS proves, and prerequisite and budget violations found by an independent check of each plan.
 * 2. Latency of one plan over the full ESCO v1.1.1 skill catalogue with 10,000 generated catalogue credentials (each
 *    teaching 2–6 skills of one ESCO occupation, one in three needing 1–2 earlier credentials of the same occupation),
 *    for 300 goals drawn from ESCO occupations' essential (weight 1) and optional (0.5) skills, less a random third the
 *    learner already holds. The exact planner first shrinks each instance (bounds, dominated credentials, implied rows),
 *    enumerates small independent parts, and tries the LP relaxation before the MILP; the model sizes reported are
 *    what reaches HiGHS.
 * 3. Reachable roles (rankReachableRoles): for 50 learners holding a random half of one occupation's skills, 20 other
 *    occupations ranked by the fewest credentials closing their essential gap, over the same catalogue.
 * Data: ESCO © European Union (CC BY 4.0).
 */
import { loadHighsSolver, type MilpSolver } from '../../packages/skills/src/plan/milp-solver.js';
import {
  createPlanCatalogue,
  planLearningPath,
  type CatalogueCredential,
  type LearningPlan,
  type PlanCatalogue,
  type PlanRequest,
} from '../../packages/skills/src/plan/plan-learning-path.js';
import { rankReachableRoles, type RoleCandidate } from '../../packages/skills/src/plan/rank-reachable-roles.js';
import { readShippedRows } from './shipped-data.js';
import { seededRandom } from '../../packages/server/bench/search-evaluation.js';

const INSTANCES = 1200;
const CATALOGUE_SIZE = 10_000;
const GOALS = 300;
const RANK_LEARNERS = 50;
const RANK_CANDIDATES = 20;

const between = (rnd: () => number, lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
const sample = <T>(rnd: () => number, items: readonly T[], k: number): T[] => {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, k);
};

function generatedInstance(seed: number): PlanRequest {
  const rnd = seededRandom(seed);
  const skillCount = between(rnd, 5, 40);
  const credentialCount = between(rnd, 10, 250);
  const catalogue: CatalogueCredential[] = [];
  for (let i = 0; i < credentialCount; i++) {
    const skills = sample(rnd, [...Array(skillCount + 10).keys()], between(rnd, 1, 6)).map((k) => ({
      skill: `s${k}`,
      ...(rnd() < 0.3 ? { level: between(rnd, 1, 4) } : {}),
    }));
    const prerequisites = i > 0 && rnd() < 0.35 ? sample(rnd, [...Array(i).keys()], between(rnd, 1, 2)) : [];
    catalogue.push({
      id: `c${i}`,
      name: `Credential ${i}`,
      cost: { hours: Math.round(5 * Math.exp(rnd() * Math.log(40))), price: between(rnd, 0, 2000) },
      skills,
      prerequisites: prerequisites.map((p) => `c${p}`),
    });
  }
  const held = catalogue.filter(() => rnd() < 0.05).map((c) => c.id);
  const measure = (['hours', 'hours', 'price', 'count'] as const)[between(rnd, 0, 3)]!;
  const request: PlanRequest = {
    goal: {
      name: `Goal ${seed}`,
      skills: [...Array(skillCount).keys()].map((k) => ({
        skill: `s${k}`,
        weight: rnd() < 0.6 ? 1 : 0.5,
        essential: rnd() < 0.6,
        ...(rnd() < 0.2 ? { level: between(rnd, 1, 4) } : {}),
      })),
    },
    catalogue,
    held,
    measure,
  };
  if (rnd() >= 1 / 3) return request;
  // A budget between a tenth and the whole of what the greedy cover costs, so that it binds.
  const cover = planLearningPath(request).totalCost;
  return { ...request, budget: Math.round(cover * (0.1 + 0.9 * rnd())) };
}

/** An independent check of a plan against its request: prerequisites earned earlier or held, budget kept. */
function violations(request: PlanRequest, plan: LearningPlan): { prerequisites: number; budget: number } {
  const held = new Set(request.held ?? []);
  const list = Array.isArray(request.catalogue) ? request.catalogue : (request.catalogue as PlanCatalogue).credentials;
  const byId = new Map(list.map((c) => [c.id, c]));
  const earned = new Set<string>();
  let prerequisites = 0;
  for (const step of plan.steps) {
    for (const p of byId.get(step.id)?.prerequisites ?? ['(unknown credential)']) {
      if (!held.has(p) && !earned.has(p)) prerequisites++;
    }
    earned.add(step.id);
  }
  const budget = request.budget !== undefined && plan.totalCost > request.budget + 1e-9 ? 1 : 0;
  return { prerequisites, budget };
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const quantile = (xs: readonly number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
};

function quality(solver: MilpSolver) {
  const costRatio = { planner: [] as number[], greedy: [] as number[] };
  const weightRatio = { planner: [] as number[], greedy: [] as number[] };
  let prerequisiteViolations = 0;
  let budgetViolations = 0;
  let exactCount = 0;
  let coverInstances = 0;
  let budgetInstances = 0;
  let coverage = 0;
  for (let seed = 1; seed <= INSTANCES; seed++) {
    const request = generatedInstance(seed);
    const planner = planLearningPath(request, { solver });
    // The reference: a proved MILP optimum. When the planner proved it, that is it; otherwise solve again with a
    // generous limit (only proved optima count).
    const optimum = planner.method === 'exact' ? planner : planLearningPath(request, { solver, timeLimitSeconds: 60 });
    if (optimum.method !== 'exact') throw new Error(`instance ${seed}: HiGHS did not prove optimality in 60 s`);
    const greedy = planLearningPath(request, { solver, exact: false });
    if (planner.method === 'exact') exactCount++;
    coverage += optimum.totalWeight === 0 ? 1 : optimum.coveredWeight / optimum.totalWeight;
    for (const plan of [planner, greedy]) {
      const v = violations(request, plan);
      prerequisiteViolations += v.prerequisites;
      budgetViolations += v.budget;
    }
    if (request.budget === undefined) {
      coverInstances++;
      if (optimum.totalCost === 0) continue;
      costRatio.planner.push(planner.totalCost / optimum.totalCost);
      costRatio.greedy.push(greedy.totalCost / optimum.totalCost);
    } else {
      budgetInstances++;
      if (optimum.coveredWeight === 0) continue;
      weightRatio.planner.push(planner.coveredWeight / optimum.coveredWeight);
      weightRatio.greedy.push(greedy.coveredWeight / optimum.coveredWeight);
    }
  }
  return {
    costRatio,
    weightRatio,
    prerequisiteViolations,
    budgetViolations,
    exactCount,
    coverInstances,
    budgetInstances,
    coverage: coverage / INSTANCES,
  };
}

async function escoWorld() {
  const [skills, relations] = await Promise.all([
    readShippedRows('esco', 'skills_en.csv', ['conceptUri']),
    readShippedRows('esco', 'occupationSkillRelations.csv', ['occupationUri', 'relationType', 'skillUri']),
  ]);
  const known = new Set(skills.map((s) => s.conceptUri!));
  const occupations = new Map<string, { skill: string; essential: boolean }[]>();
  for (const r of relations) {
    if (!known.has(r.skillUri!)) continue;
    const list = occupations.get(r.occupationUri!) ?? [];
    list.push({ skill: r.skillUri!, essential: r.relationType === 'essential' });
    occupations.set(r.occupationUri!, list);
  }
  const withSkills = [...occupations.entries()].filter(([, s]) => s.length >= 5).sort(([a], [b]) => (a < b ? -1 : 1));
  return { skillCount: known.size, allSkills: [...known].sort(), occupations: withSkills };
}

async function latency(exactSolver: MilpSolver) {
  const world = await escoWorld();
  // Timed separately, to tell the solver's share of a plan from building the model over the whole catalogue.
  const solverTimes: number[] = [];
  const modelColumns: number[] = [];
  const solver: MilpSolver = (problem, limits) => {
    const started = performance.now();
    const solution = exactSolver(problem, limits);
    solverTimes.push(performance.now() - started);
    modelColumns.push(problem.objective.length);
    return solution;
  };
  const rnd = seededRandom(20_260_8);
  const catalogue: CatalogueCredential[] = [];
  const byOccupation = new Map<string, number[]>();
  for (let i = 0; i < CATALOGUE_SIZE; i++) {
    const [occupation, skills] = world.occupations[Math.floor(rnd() * world.occupations.length)]!;
    const taught = sample(rnd, skills, between(rnd, 2, 6)).map((s) => s.skill);
    // Now and then a skill from anywhere in ESCO, as real courses stray from one occupation.
    if (rnd() < 0.2) taught.push(world.allSkills[Math.floor(rnd() * world.allSkills.length)]!);
    const earlier = byOccupation.get(occupation) ?? [];
    const prerequisites = earlier.length > 0 && rnd() < 1 / 3 ? sample(rnd, earlier, between(rnd, 1, 2)) : [];
    catalogue.push({
      id: `cred-${String(i).padStart(5, '0')}`,
      name: `Credential ${i}`,
      cost: { hours: Math.round(5 * Math.exp(rnd() * Math.log(40))), price: between(rnd, 0, 2000) },
      skills: [...new Set(taught)].map((skill) => ({ skill })),
      prerequisites: prerequisites.map((p) => catalogue[p]!.id),
    });
    byOccupation.set(occupation, [...earlier, i]);
  }
  let started = performance.now();
  const prepared = createPlanCatalogue(catalogue);
  const indexMs = performance.now() - started;
  const times: number[] = [];
  const budgetTimes: number[] = [];
  const sizes: number[] = [];
  const coverSolverTimes: number[] = [];
  const columns: number[] = [];
  let exact = 0;
  let budgetExact = 0;
  let solverPlans = 0;
  let uncoverable = 0;
  let gapSkills = 0;
  for (let g = 0; g < GOALS; g++) {
    const [, skills] = world.occupations[Math.floor(rnd() * world.occupations.length)]!;
    const gap = skills.filter(() => rnd() >= 1 / 3);
    const held = catalogue.filter(() => rnd() < 0.001).map((c) => c.id);
    const request: PlanRequest = {
      goal: { skills: gap.map((s) => ({ skill: s.skill, weight: s.essential ? 1 : 0.5, essential: s.essential })) },
      catalogue: prepared,
      held,
      measure: 'hours',
    };
    solverTimes.length = 0;
    modelColumns.length = 0;
    started = performance.now();
    const plan = planLearningPath(request, { solver });
    times.push(performance.now() - started);
    coverSolverTimes.push(solverTimes.reduce((a, b) => a + b, 0));
    columns.push(Math.max(0, ...modelColumns));
    if (modelColumns.length > 0) solverPlans++;
    if (plan.method === 'exact') exact++;
    sizes.push(plan.steps.length);
    uncoverable += plan.uncoverable.length;
    gapSkills += gap.length;
    const budgeted = { ...request, budget: Math.round(plan.totalCost / 2) };
    started = performance.now();
    const half = planLearningPath(budgeted, { solver });
    budgetTimes.push(performance.now() - started);
    if (half.method === 'exact') budgetExact++;
  }
  const rankTimes: number[] = [];
  let rankExact = 0;
  let reachableShare = 0;
  for (let learner = 0; learner < RANK_LEARNERS; learner++) {
    const [own, ownSkills] = world.occupations[Math.floor(rnd() * world.occupations.length)]!;
    const holds = new Set(ownSkills.filter(() => rnd() < 0.5).map((s) => s.skill));
    const candidates: RoleCandidate[] = sample(rnd, world.occupations, RANK_CANDIDATES + 1)
      .filter(([id]) => id !== own)
      .slice(0, RANK_CANDIDATES)
      .map(([id, skills]) => ({
        id,
        label: id,
        gap: skills
          .filter((s) => !holds.has(s.skill))
          .map((s) => ({ skill: s.skill, weight: s.essential ? 1 : 0.5, essential: s.essential })),
      }));
    started = performance.now();
    const ranked = rankReachableRoles({ candidates, catalogue: prepared, measure: 'count' }, { solver });
    rankTimes.push(performance.now() - started);
    if (ranked.every((r) => r.plan.method === 'exact')) rankExact++;
    reachableShare += ranked.filter((r) => r.reachable).length / ranked.length;
  }
  return {
    rankTimes,
    rankExact,
    reachableShare: reachableShare / RANK_LEARNERS,
    solverPlans,
    world,
    times,
    budgetTimes,
    sizes,
    exact,
    budgetExact,
    uncoverable,
    gapSkills,
    coverSolverTimes,
    columns,
    indexMs,
  };
}

/** Runs the section (see the file's comment). */
export async function run(): Promise<{ metrics: Record<string, number | string>; report: string[] }> {
  const solver = await loadHighsSolver();
  const q = quality(solver);
  const l = await latency(solver);
  const fmt = (x: number, digits = 4) => Number(x.toFixed(digits));
  const metrics: Record<string, number | string> = {
    instances: INSTANCES,
    cover_instances: q.coverInstances,
    budget_instances: q.budgetInstances,
    planner_exact_share: fmt(q.exactCount / INSTANCES),
    planner_cost_ratio_mean: fmt(mean(q.costRatio.planner)),
    planner_cost_ratio_max: fmt(Math.max(...q.costRatio.planner)),
    greedy_cost_ratio_mean: fmt(mean(q.costRatio.greedy)),
    greedy_cost_ratio_max: fmt(Math.max(...q.costRatio.greedy)),
    planner_weight_ratio_mean: fmt(mean(q.weightRatio.planner)),
    greedy_weight_ratio_mean: fmt(mean(q.weightRatio.greedy)),
    greedy_weight_ratio_min: fmt(Math.min(...q.weightRatio.greedy)),
    gap_weight_covered_mean: fmt(q.coverage),
    prerequisite_violations: q.prerequisiteViolations,
    budget_violations: q.budgetViolations,
    esco_skills: l.world.skillCount,
    catalogue_credentials: CATALOGUE_SIZE,
    latency_goals: GOALS,
    latency_p50_ms: fmt(quantile(l.times, 0.5), 2),
    latency_p95_ms: fmt(quantile(l.times, 0.95), 2),
    latency_solver_p50_ms: fmt(quantile(l.coverSolverTimes, 0.5), 2),
    latency_solver_p95_ms: fmt(quantile(l.coverSolverTimes, 0.95), 2),
    latency_model_credentials_mean: fmt(mean(l.columns), 1),
    latency_model_credentials_max: Math.max(...l.columns),
    catalogue_index_ms: fmt(l.indexMs, 1),
    latency_budget_p50_ms: fmt(quantile(l.budgetTimes, 0.5), 2),
    latency_budget_p95_ms: fmt(quantile(l.budgetTimes, 0.95), 2),
    latency_exact_share: fmt(l.exact / GOALS),
    latency_plans_reaching_highs: l.solverPlans,
    reachable_roles_learners: RANK_LEARNERS,
    reachable_roles_candidates: RANK_CANDIDATES,
    reachable_roles_p50_ms: fmt(quantile(l.rankTimes, 0.5), 2),
    reachable_roles_p95_ms: fmt(quantile(l.rankTimes, 0.95), 2),
    reachable_roles_exact_share: fmt(l.rankExact / RANK_LEARNERS),
    reachable_roles_reachable_share: fmt(l.reachableShare),
    latency_budget_exact_share: fmt(l.budgetExact / GOALS),
  };
  const pct = (x: number) => `${((x - 1) * 100).toFixed(2)} %`;
  const report = [
    `Quality: ${INSTANCES} seeded instances (${q.coverInstances} cover the gap, ${q.budgetInstances} within a budget); optimum = HiGHS MILP, proved.`,
    `  planner (HiGHS, 2 s limit): exact in ${q.exactCount}/${INSTANCES}; cost vs optimum mean +${pct(mean(q.costRatio.planner))}, max +${pct(Math.max(...q.costRatio.planner))}; covered weight vs optimum mean ${mean(q.weightRatio.planner).toFixed(4)}`,
    `  plain greedy: cost vs optimum mean +${pct(mean(q.costRatio.greedy))}, max +${pct(Math.max(...q.costRatio.greedy))}; covered weight vs optimum mean ${mean(q.weightRatio.greedy).toFixed(4)}, min ${Math.min(...q.weightRatio.greedy).toFixed(4)}`,
    `  gap weight covered by the optimum (mean): ${(q.coverage * 100).toFixed(1)} %; prerequisite violations: ${q.prerequisiteViolations}; budget violations: ${q.budgetViolations} (over all ${INSTANCES * 2} plans, planner's and greedy's)`,
    `Latency: ${GOALS} ESCO occupation goals over ${l.world.skillCount} ESCO skills and ${CATALOGUE_SIZE} generated credentials (hours)`,
    `  catalogue indexed once (createPlanCatalogue) in ${metrics.catalogue_index_ms} ms; each plan then reads only the credentials teaching a gap skill and their prerequisites, shrinks that exactly, and sends HiGHS what is left (${l.solverPlans}/${GOALS} cover plans reach it; mean ${metrics.latency_model_credentials_mean}, max ${metrics.latency_model_credentials_max} credentials per cover plan)`,
    `  cover the gap: p50 ${metrics.latency_p50_ms} ms, p95 ${metrics.latency_p95_ms} ms (HiGHS p50 ${metrics.latency_solver_p50_ms} ms, p95 ${metrics.latency_solver_p95_ms} ms); exact in ${l.exact}/${GOALS}; mean ${mean(l.sizes).toFixed(1)} steps; ${((l.uncoverable / l.gapSkills) * 100).toFixed(1)} % of gap skills uncoverable by the catalogue`,
    `  half that budget: p50 ${metrics.latency_budget_p50_ms} ms, p95 ${metrics.latency_budget_p95_ms} ms; exact in ${l.budgetExact}/${GOALS}`,
    `Reachable roles: ${RANK_LEARNERS} learners, ${RANK_CANDIDATES} occupations each ranked by the fewest credentials closing the essential gap: p50 ${metrics.reachable_roles_p50_ms} ms, p95 ${metrics.reachable_roles_p95_ms} ms per ranking; every plan exact for ${l.rankExact}/${RANK_LEARNERS} learners; ${(l.reachableShare * 100).toFixed(1)} % of candidates fully reachable`,
  ];
  return { metrics, report };
}
