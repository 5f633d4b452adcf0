import { SkillsError } from '../skills-error.js';
import type { MilpProblem, MilpRow, MilpSolution, MilpSolver } from './milp-solver.js';

/** What a plan's cost counts: study hours, price, or the number of credentials. */
export type PlanCostMeasure = 'hours' | 'price' | 'count';

/** One skill of the gap a plan should close. */
export interface PlanGoalSkill {
  /** The skill's id (an ESCO URI, …): what catalogue credentials name. */
  readonly skill: string;
  /** How it is named in explanations (default: the id). */
  readonly label?: string;
  /** How much covering it is worth (> 0); only matters with a budget. */
  readonly weight: number;
  /** Essential to the goal (counted apart in explanations). */
  readonly essential?: boolean;
  /** The level the learner must reach; a credential teaching the skill at a lower level does not cover it. */
  readonly level?: number;
}

export interface PlanGoal {
  /** The goal's name for explanations ("Data Analyst"). */
  readonly name?: string;
  /** The missing skills, each once. */
  readonly skills: readonly PlanGoalSkill[];
}

/** A credential that can be earned: an organisation's published achievement. */
export interface CatalogueCredential {
  readonly id: string;
  readonly name: string;
  /** A credential without a figure for the request's measure cannot be planned with that measure. */
  readonly cost: { readonly hours?: number; readonly price?: number };
  /** The skills it teaches; without a level it covers the skill at any required level. */
  readonly skills: readonly { readonly skill: string; readonly level?: number }[];
  /** Credentials that must be held or earned first. */
  readonly prerequisites: readonly string[];
}

/** A catalogue checked and indexed once (see {@link createPlanCatalogue}), for planning many goals against it. */
export interface PlanCatalogue {
  readonly credentials: readonly CatalogueCredential[];
  readonly byId: ReadonlyMap<string, number>;
  /** Skill id → indices of the credentials that teach it. */
  readonly bySkill: ReadonlyMap<string, readonly number[]>;
}

export interface PlanRequest {
  readonly goal: PlanGoal;
  /** The credentials to choose from: a plain list, or one prepared by {@link createPlanCatalogue} (faster when reused). */
  readonly catalogue: readonly CatalogueCredential[] | PlanCatalogue;
  /** Ids of credentials the learner already holds: they satisfy prerequisites and are not planned again. */
  readonly held?: readonly string[];
  readonly measure: PlanCostMeasure;
  /** With a budget the plan covers as much weight as the budget allows; without one it covers every coverable skill. */
  readonly budget?: number;
}

export interface PlanOptions {
  /** An exact MILP solver (see `loadHighsSolver`); without one the plan is greedy. */
  readonly solver?: MilpSolver;
  /** Use the solver when there is one (default true); false gives the greedy plan, as the evaluation compares. */
  readonly exact?: boolean;
  /** The solver's time limit per solve (default 2 s). */
  readonly timeLimitSeconds?: number;
  /** Larger models (credentials after pruning to the gap and its prerequisites) go to greedy (default 5,000). */
  readonly maxExactCredentials?: number;
}

/** One credential of the path, in an order that earns every prerequisite before what needs it. */
export interface PlanStep {
  readonly id: string;
  readonly name: string;
  readonly cost: number;
  /** Gap skills this step is the first in the path to cover, in goal order. */
  readonly covers: readonly string[];
  /** How many of `covers` are essential. */
  readonly coversEssential: number;
  /** Its prerequisites that are earned earlier in this path (held ones are not listed). */
  readonly needs: readonly string[];
  /** "Covers 4 of 7 missing essential skills for Data Analyst (…); needs SQL Basics first; 20 hours." */
  readonly explanation: string;
}

/**
 * What the result promises. `optimal`: HiGHS proved no cheaper plan covers the same (or, with a budget, no plan within
 * it covers more weight, and none covering as much is cheaper). `greedy`: the stated factor is proved for this instance
 * (`factor` absent when none is).
 */
export type PlanGuarantee =
  | { readonly kind: 'optimal' }
  | { readonly kind: 'greedy-cost'; readonly factor: number; readonly statement: string }
  | { readonly kind: 'greedy-coverage'; readonly factor?: number; readonly statement: string };

export interface LearningPlan {
  readonly method: 'exact' | 'greedy';
  /** Why greedy: no solver, asked for, model too large, or the solver did not prove optimality in time. */
  readonly fallback?: 'no-solver' | 'requested' | 'too-large' | 'not-proved';
  readonly guarantee: PlanGuarantee;
  readonly measure: PlanCostMeasure;
  readonly steps: readonly PlanStep[];
  readonly totalCost: number;
  /** Gap skills the plan covers, in goal order. */
  readonly covered: readonly string[];
  /** Coverable gap skills left out (only with a budget). */
  readonly uncovered: readonly string[];
  /** Gap skills no obtainable catalogue credential covers at the required level. */
  readonly uncoverable: readonly string[];
  readonly coveredWeight: number;
  readonly totalWeight: number;
}

const MEASURES: readonly PlanCostMeasure[] = ['hours', 'price', 'count'];

/** The instance after pruning: only credentials that cover a gap skill, and their prerequisite closures. */
interface Model {
  /** Credential indices into the catalogue, sorted by id so that the same request builds the same model. */
  readonly credentials: readonly number[];
  readonly cost: readonly number[];
  /** Per model credential: the gap skills (indices into goal.skills) it covers. */
  readonly covers: readonly (readonly number[])[];
  /** Per model credential: its direct prerequisites not held (model indices). */
  readonly prerequisites: readonly (readonly number[])[];
  /** Per model credential: itself and every prerequisite to earn first, transitively (model indices). */
  readonly closure: readonly (readonly number[])[];
  /** Gap skills some model credential covers. */
  readonly coverable: readonly number[];
  readonly uncoverable: readonly number[];
}

/**
 * Chooses catalogue credentials that close a skill gap at least cost (hours, price or count), respecting prerequisites
 * and an optional budget, and orders them into a path with an explanation per step. With a solver (HiGHS) the choice
 * is an exact MILP; otherwise, or when the model is too large or optimality is not proved in time, it is greedy with
 * the bound it guarantees. The same request gives the same plan.
 *
 * @example
 * const plan = planLearningPath(
 *   {
 *     goal: { name: 'Data Analyst', skills: [{ skill: 'sql', weight: 1, essential: true }] },
 *     catalogue: [{ id: 'c1', name: 'SQL Basics', cost: { hours: 20 }, skills: [{ skill: 'sql' }], prerequisites: [] }],
 *     measure: 'hours',
 *   },
 *   { solver: await loadHighsSolver() },
 * );
 * plan.steps[0]?.explanation; // "Covers 1 of 1 missing essential skills for Data Analyst (sql); 20 hours."
 */
export function planLearningPath(request: PlanRequest, options: PlanOptions = {}): LearningPlan {
  checkRequest(request);
  const catalogue = isPrepared(request.catalogue) ? request.catalogue : createPlanCatalogue(request.catalogue);
  const model = buildModel(request, catalogue);
  const { solver, exact = true, timeLimitSeconds = 2, maxExactCredentials = 5000 } = options;
  let chosen: number[] | undefined;
  let fallback: LearningPlan['fallback'];
  if (!solver) fallback = 'no-solver';
  else if (!exact) fallback = 'requested';
  else {
    // A budget some full cover fits in does not bind: the most weight within it is every coverable skill's, and the
    // cheapest plan covering them all is the cheapest full cover, which costs no more than that cover. So the (faster)
    // full-cover model answers, and its answer keeps the budget.
    const asCover: PlanRequest =
      request.budget !== undefined && fitsFullCover(model, request.budget)
        ? {
            goal: request.goal,
            catalogue: request.catalogue,
            measure: request.measure,
            ...(request.held ? { held: request.held } : {}),
          }
        : request;
    const reduced = reduceModel(model, asCover.budget);
    if (reduced.columns.length > maxExactCredentials) fallback = 'too-large';
    else {
      chosen = solveExactly(asCover, model, reduced, solver, timeLimitSeconds);
      if (!chosen) fallback = 'not-proved';
    }
  }
  const guarantee: PlanGuarantee = chosen ? { kind: 'optimal' } : greedyGuarantee(request, model);
  chosen ??= request.budget === undefined ? greedyCover(model) : greedyBudget(request, model);
  return describePlan(
    request,
    catalogue.credentials,
    model,
    chosen,
    fallback === undefined ? 'exact' : 'greedy',
    fallback,
    guarantee,
  );
}

function fail(message: string, path: string): never {
  throw new SkillsError('ERR_PLAN_INPUT', message, { path });
}

function isPrepared(catalogue: PlanRequest['catalogue']): catalogue is PlanCatalogue {
  return !Array.isArray(catalogue);
}

/**
 * Checks a catalogue (unique ids, costs ≥ 0) and indexes it by id and by skill, so that each plan looks only at the
 * credentials teaching one of its gap skills instead of scanning the whole catalogue.
 *
 * @example
 * const catalogue = createPlanCatalogue(credentials);
 * const plans = goals.map((goal) => planLearningPath({ goal, catalogue, measure: 'hours' }, { solver }));
 */
export function createPlanCatalogue(credentials: readonly CatalogueCredential[]): PlanCatalogue {
  const byId = new Map<string, number>();
  const bySkill = new Map<string, number[]>();
  credentials.forEach((c, i) => {
    if (typeof c.id !== 'string' || c.id === '') fail('each credential needs an id.', `$.catalogue[${i}].id`);
    if (byId.has(c.id)) fail(`credential id ${c.id} is used twice.`, `$.catalogue[${i}].id`);
    byId.set(c.id, i);
    for (const key of ['hours', 'price'] as const) {
      const v = c.cost[key];
      if (v !== undefined && !(Number.isFinite(v) && v >= 0))
        fail(`${key} must be ≥ 0.`, `$.catalogue[${i}].cost.${key}`);
    }
    for (const { skill } of c.skills) {
      const list = bySkill.get(skill);
      if (!list) bySkill.set(skill, [i]);
      else if (list.at(-1) !== i) list.push(i);
    }
  });
  return { credentials, byId, bySkill };
}

function checkRequest(request: PlanRequest): void {
  if (!MEASURES.includes(request.measure)) fail(`measure must be one of ${MEASURES.join(', ')}.`, '$.measure');
  if (request.budget !== undefined && !(Number.isFinite(request.budget) && request.budget >= 0)) {
    fail('budget must be a finite number ≥ 0 (omit it to cover every coverable skill).', '$.budget');
  }
  const skills = new Set<string>();
  request.goal.skills.forEach((s, i) => {
    if (typeof s.skill !== 'string' || s.skill === '')
      fail('each goal skill needs an id.', `$.goal.skills[${i}].skill`);
    if (skills.has(s.skill)) fail(`goal skill ${s.skill} is listed twice.`, `$.goal.skills[${i}].skill`);
    skills.add(s.skill);
    if (!(Number.isFinite(s.weight) && s.weight > 0))
      fail('weight must be a finite number > 0.', `$.goal.skills[${i}].weight`);
  });
}

function costOf(c: CatalogueCredential, measure: PlanCostMeasure): number | undefined {
  return measure === 'count' ? 1 : c.cost[measure];
}

function buildModel(request: PlanRequest, prepared: PlanCatalogue): Model {
  const { goal, measure } = request;
  const { credentials: catalogue, byId } = prepared;
  const held = new Set(request.held ?? []);
  // Obtainable: priced in this measure, not held, and every prerequisite held or obtainable. A prerequisite cycle, an
  // unknown prerequisite or an unpriced one makes a credential unobtainable rather than the request invalid: a shared
  // catalogue from many organisations can have any of these, and the rest of it is still usable.
  const obtainable = new Map<number, boolean>();
  const visiting = new Set<number>();
  const isObtainable = (i: number): boolean => {
    const known = obtainable.get(i);
    if (known !== undefined) return known;
    if (visiting.has(i)) return false;
    visiting.add(i);
    const c = catalogue[i]!;
    const ok =
      costOf(c, measure) !== undefined &&
      c.prerequisites.every((p) => {
        if (held.has(p)) return true;
        const j = byId.get(p);
        return j !== undefined && isObtainable(j);
      });
    visiting.delete(i);
    obtainable.set(i, ok);
    return ok;
  };
  const gapIndex = new Map(goal.skills.map((s, k) => [s.skill, k]));
  const coversCache = new Map<number, number[]>();
  const coversOf = (i: number): number[] => {
    const known = coversCache.get(i);
    if (known) return known;
    const out: number[] = [];
    for (const t of catalogue[i]!.skills) {
      const k = gapIndex.get(t.skill);
      if (k === undefined || out.includes(k)) continue;
      const need = goal.skills[k]!.level;
      if (need === undefined || t.level === undefined || t.level >= need) out.push(k);
    }
    if (out.length > 1) out.sort((a, b) => a - b);
    coversCache.set(i, out);
    return out;
  };
  const inModel = new Set<number>();
  const addWithPrerequisites = (i: number): void => {
    if (inModel.has(i)) return;
    inModel.add(i);
    for (const p of catalogue[i]!.prerequisites) if (!held.has(p)) addWithPrerequisites(byId.get(p)!);
  };
  const teaching = new Set(goal.skills.flatMap((s) => prepared.bySkill.get(s.skill) ?? []));
  for (const i of [...teaching].sort((a, b) => a - b)) {
    const c = catalogue[i]!;
    if (!held.has(c.id) && coversOf(i).length > 0 && isObtainable(i)) addWithPrerequisites(i);
  }
  const credentials = [...inModel].sort((a, b) => (catalogue[a]!.id < catalogue[b]!.id ? -1 : 1));
  const local = new Map(credentials.map((i, j) => [i, j]));
  const prerequisites = credentials.map((i) =>
    [...new Set(catalogue[i]!.prerequisites.filter((p) => !held.has(p)).map((p) => local.get(byId.get(p)!)!))].sort(
      (a, b) => a - b,
    ),
  );
  const closure: number[][] = [];
  const closureOf = (j: number): number[] => {
    const known = closure[j];
    if (known) return known;
    const all = new Set<number>([j]);
    for (const p of prerequisites[j]!) for (const q of closureOf(p)) all.add(q);
    return (closure[j] = [...all].sort((a, b) => a - b));
  };
  credentials.forEach((_, j) => closureOf(j));
  const covers = credentials.map((i) => coversOf(i));
  const coverableSet = new Set(covers.flat());
  const coverable: number[] = [];
  const uncoverable: number[] = [];
  goal.skills.forEach((_, k) => (coverableSet.has(k) ? coverable : uncoverable).push(k));
  return {
    credentials,
    cost: credentials.map((i) => costOf(catalogue[i]!, measure)!),
    covers,
    prerequisites,
    closure,
    coverable,
    uncoverable,
  };
}

/** Whether the union of each coverable skill's cheapest closure covering it (a full cover) costs at most `budget`. */
function fitsFullCover(model: Model, budget: number): boolean {
  const closureCost = model.closure.map((c) => totalCost(model, c));
  const cheapest = new Map<number, number>();
  model.covers.forEach((ks, j) => {
    for (const k of ks) {
      const best = cheapest.get(k);
      if (best === undefined || closureCost[j]! < closureCost[best]!) cheapest.set(k, j);
    }
  });
  const union = new Set<number>();
  for (const j of cheapest.values()) for (const q of model.closure[j]!) union.add(q);
  return totalCost(model, [...union]) <= budget * (1 + 1e-12) + 1e-9;
}

/** Checks a chosen set the way a learner would: prerequisites, budget, and (without a budget) full coverage. */
function isAdmissible(request: PlanRequest, model: Model, chosen: readonly number[]): boolean {
  const set = new Set(chosen);
  if (!chosen.every((j) => model.prerequisites[j]!.every((p) => set.has(p)))) return false;
  const cost = chosen.reduce((sum, j) => sum + model.cost[j]!, 0);
  if (request.budget !== undefined) return cost <= request.budget * (1 + 1e-12) + 1e-9;
  const covered = new Set(chosen.flatMap((j) => model.covers[j]!));
  return model.coverable.every((k) => covered.has(k));
}

function coveredWeight(request: PlanRequest, model: Model, chosen: readonly number[]): number {
  const covered = new Set(chosen.flatMap((j) => model.covers[j]!));
  return [...covered].reduce((sum, k) => sum + request.goal.skills[k]!.weight, 0);
}

function totalCost(model: Model, chosen: readonly number[]): number {
  return chosen.reduce((sum, j) => sum + model.cost[j]!, 0);
}

/** The exact solve's instance after {@link reduceModel}: fewer credentials and, covering the whole gap, fewer rows. */
interface Reduced {
  /** Model indices kept, ascending; prerequisite-closed. */
  readonly columns: readonly number[];
  /** Coverable gap skills whose cover constraint is kept (all of them with a budget). */
  readonly rows: readonly number[];
  /** Per model credential: the kept rows it covers. */
  readonly covers: readonly (readonly number[])[];
}

/**
 * Shrinks the exact instance without changing its optimum (neither the least cost of a full cover, nor, with a budget,
 * the most weight within it and the least cost reaching that weight). First credentials that bounds exclude from every
 * optimal plan go, with everything needing them (see {@link boundExcluded}); what is left is prerequisite-closed and
 * has the same optimum. Then two rules, applied until neither applies:
 *
 * Rows (full cover only): if every credential covering skill s also covers t, the row for t is implied by the row for
 * s and is dropped. Removing credentials later keeps that inclusion, so the dropped row stays implied.
 *
 * Credentials: a credential a that no kept credential needs as a prerequisite is dropped when it covers no kept row,
 * or when some kept b ≠ a covers every kept row a covers and cost(closure(b) \ closure(a)) ≤ cost(a). Proof: take an
 * optimal plan S (prerequisite-closed). If a ∉ S it survives. Otherwise S' = (S \ {a}) ∪ closure(b) is
 * prerequisite-closed (nothing needs a; closure(b) is closed and a ∉ closure(b) because nothing needs a), it covers
 * everything S covers (a's rows through b; a dropped row t through the row that implies it), and it costs at most
 * cost(S) − cost(a) + cost(closure(b) \ (closure(a) \ {a})) ≤ cost(S), because closure(a) \ {a} ⊆ S already. So S'
 * is as good in every objective and avoids a; each removal keeps the optimum of the model before it, and by induction
 * the reduced model's optimum is the full model's. Everything in closure(b) stays kept while b is, since each has a
 * kept credential needing it. The test "reduction never changes the optimum" checks this against the unreduced MILP.
 */
function reduceModel(model: Model, budget: number | undefined): Reduced {
  const cover = budget === undefined;
  const n = model.credentials.length;
  const coveredBy = new Map<number, number[]>();
  model.covers.forEach((ks, j) => {
    for (const k of ks) {
      const list = coveredBy.get(k);
      if (list) list.push(j);
      else coveredBy.set(k, [j]);
    }
  });
  const closureCost = model.closure.map((c) => totalCost(model, c));
  const kept = new Array<boolean>(n).fill(true);
  const excluded = cover
    ? boundExcluded(model, coveredBy, closureCost)
    : closureCost.map((c) => c > budget * (1 + 1e-12) + 1e-9);
  model.closure.forEach((c, j) => {
    if (c.some((q) => excluded[q])) kept[j] = false;
  });
  const dependents = new Array<number>(n).fill(0);
  model.prerequisites.forEach((ps, j) => {
    if (kept[j]) for (const p of ps) dependents[p]!++;
  });
  const coverSets = model.covers.map((ks) => new Set(ks));
  const rows = new Set(model.coverable);
  const dropRows = (): boolean => {
    if (!cover) return false;
    let changed = false;
    for (const t of [...rows]) {
      const byT = new Set(coveredBy.get(t)!.filter((j) => kept[j]));
      for (const s of rows) {
        if (s === t) continue;
        if (coveredBy.get(s)!.every((j) => !kept[j] || byT.has(j))) {
          rows.delete(t);
          changed = true;
          break;
        }
      }
    }
    return changed;
  };
  const isDominated = (a: number): boolean => {
    const own = model.covers[a]!.filter((k) => rows.has(k));
    if (own.length === 0) return true;
    const closureA = new Set(model.closure[a]!);
    const limit = model.cost[a]!;
    for (const b of coveredBy.get(own[0]!)!) {
      if (b === a || !kept[b] || !own.every((k) => coverSets[b]!.has(k))) continue;
      let extra = 0;
      for (const q of model.closure[b]!) if (!closureA.has(q)) extra += model.cost[q]!;
      if (extra <= limit) return true;
    }
    return false;
  };
  const dropCredentials = (): boolean => {
    let changed = false;
    const queue = [...Array(n).keys()].filter((j) => kept[j] && dependents[j] === 0);
    for (let i = 0; i < queue.length; i++) {
      const a = queue[i]!;
      if (!kept[a] || dependents[a]! > 0 || !isDominated(a)) continue;
      kept[a] = false;
      changed = true;
      for (const p of model.prerequisites[a]!) if (--dependents[p]! === 0) queue.push(p);
    }
    return changed;
  };
  dropRows();
  while (dropCredentials() && dropRows());
  const rowList = [...rows].sort((a, b) => a - b);
  return {
    columns: [...Array(n).keys()].filter((j) => kept[j]),
    rows: rowList,
    covers: model.covers.map((ks) => ks.filter((k) => rows.has(k))),
  };
}

/**
 * Credentials no optimal full cover can hold, by bounds. Any plan holding j holds closure(j), and for each row its
 * closure does not cover, some credential outside it covering that row: so it costs at least
 * LB(j) = cost(closure(j)) + max over such rows of the cheapest credential covering the row. The union of each row's
 * cheapest closure covering it is a plan costing UB. A credential with LB(j) > UB is in no optimal plan, and neither is
 * anything needing it (the caller drops those too). With a budget the bound is simpler: cost(closure(j)) > budget.
 */
function boundExcluded(
  model: Model,
  coveredBy: ReadonlyMap<number, number[]>,
  closureCost: readonly number[],
): boolean[] {
  const cheapest = new Map<number, number>();
  const union = new Set<number>();
  for (const k of model.coverable) {
    const js = coveredBy.get(k)!;
    let best = js[0]!;
    for (const j of js) if (closureCost[j]! < closureCost[best]!) best = j;
    for (const q of model.closure[best]!) union.add(q);
    cheapest.set(k, Math.min(...js.map((j) => model.cost[j]!)));
  }
  const upper = totalCost(model, [...union]);
  return model.closure.map((c, j) => {
    const own = new Set(c.flatMap((q) => model.covers[q]!));
    let rest = 0;
    for (const k of model.coverable) if (!own.has(k)) rest = Math.max(rest, cheapest.get(k)!);
    return closureCost[j]! + rest > upper * (1 + 1e-12) + 1e-9;
  });
}

/** Splits a full-cover instance into parts sharing no credential and no row: each is solved on its own. */
function components(model: Model, reduced: Reduced): { columns: number[]; rows: number[] }[] {
  const parent = new Map<number, number>(reduced.columns.map((j) => [j, j]));
  const find = (j: number): number => {
    let r = j;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(j, r);
    return r;
  };
  const union = (a: number, b: number) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(Math.max(ra, rb), Math.min(ra, rb));
  };
  const firstCovering = new Map<number, number>();
  for (const j of reduced.columns) {
    for (const p of model.prerequisites[j]!) union(j, p);
    for (const k of reduced.covers[j]!) {
      const first = firstCovering.get(k);
      if (first === undefined) firstCovering.set(k, j);
      else union(first, j);
    }
  }
  const parts = new Map<number, { columns: number[]; rows: number[] }>();
  const part = (j: number) => {
    const root = find(j);
    let p = parts.get(root);
    if (!p) parts.set(root, (p = { columns: [], rows: [] }));
    return p;
  };
  for (const j of reduced.columns) part(j).columns.push(j);
  for (const k of reduced.rows) part(firstCovering.get(k)!).rows.push(k);
  return [...parts.values()].filter((p) => p.rows.length > 0);
}

/**
 * Solves the LP relaxation first: when its optimum is integral it is the MILP's optimum too (the relaxation's feasible
 * set contains the MILP's, so nothing integral does better), and HiGHS solves an LP of this size in a fraction of the
 * time its MIP machinery takes to start; set covers with prerequisite rows often relax to integral vertices. Otherwise
 * the MILP itself, started from `problem.start` or, when `improve` finds a cheaper feasible start from the LP's
 * fractional values, from that one (a minimisation).
 */
function relaxFirst(
  solver: MilpSolver,
  problem: MilpProblem,
  limits: { timeLimitSeconds: number },
  improve?: (relaxed: readonly number[], target: number) => readonly number[] | undefined,
): MilpSolution {
  const relaxed = solver({ ...problem, integer: problem.integer.map(() => false), start: undefined }, limits);
  let start = problem.start;
  if (relaxed.status === 'optimal' && relaxed.values) {
    const values = relaxed.values;
    if (problem.integer.every((isInteger, j) => !isInteger || Math.abs(values[j]! - Math.round(values[j]!)) <= 1e-9)) {
      return { ...relaxed, values: values.map((v, j) => (problem.integer[j] ? Math.round(v) : v)) };
    }
    const costOfStart = (x: readonly number[]) => problem.objective.reduce((sum, c, j) => sum + c * x[j]!, 0);
    // A minimisation over integer variables with integer costs has an integer optimum ≥ the LP's, so ≥ its ceiling:
    // a start reaching that ceiling is optimal. (Counting credentials always qualifies; so do whole hours.)
    const integral =
      problem.sense === 'minimize' &&
      relaxed.objective !== undefined &&
      problem.integer.every((isInteger, j) => isInteger || problem.objective[j] === 0) &&
      problem.objective.every((c) => Number.isInteger(c));
    const target = integral
      ? Math.ceil(relaxed.objective! - 1e-6 * Math.max(1, Math.abs(relaxed.objective!)))
      : -Infinity;
    if (improve && problem.sense === 'minimize' && !(start && costOfStart(start) <= target)) {
      const better = improve(values, target);
      if (better && (!start || costOfStart(better) < costOfStart(start))) start = better;
    }
    if (integral && start) {
      const startCost = costOfStart(start);
      if (startCost <= target) return { status: 'optimal', values: start, objective: startCost };
    }
  }
  return solver(start ? { ...problem, start } : problem, limits);
}

/**
 * Greedy cover of a part's rows by closures (most newly covered rows per unit of added cost; among equals the higher
 * `score`, then the cheaper), from `initial` (prerequisite-closed), then reverse delete of credentials nothing chosen
 * needs: a good feasible plan, used as the MILP's start and upper bound.
 */
function greedyPart(
  model: Model,
  reduced: Reduced,
  columns: readonly number[],
  rows: readonly number[],
  initial: Iterable<number> = [],
  score?: ReadonlyMap<number, number>,
): number[] {
  const chosen = new Set<number>(initial);
  const uncovered = new Set(rows);
  for (const q of chosen) for (const k of reduced.covers[q]!) uncovered.delete(k);
  while (uncovered.size > 0) {
    let best: { j: number; gain: number; cost: number; score: number } | undefined;
    for (const j of columns) {
      if (chosen.has(j)) continue;
      const gains = new Set<number>();
      let cost = 0;
      for (const q of model.closure[j]!) {
        if (chosen.has(q)) continue;
        cost += model.cost[q]!;
        for (const k of reduced.covers[q]!) if (uncovered.has(k)) gains.add(k);
      }
      if (gains.size === 0) continue;
      const s = score?.get(j) ?? 0;
      if (
        !best ||
        gains.size * best.cost > best.gain * cost ||
        (gains.size * best.cost === best.gain * cost && (s > best.score || (s === best.score && cost < best.cost)))
      )
        best = { j, gain: gains.size, cost, score: s };
    }
    // Every row of the part is covered by one of its columns, so best is found.
    for (const q of model.closure[best!.j]!) {
      chosen.add(q);
      for (const k of reduced.covers[q]!) uncovered.delete(k);
    }
  }
  const covers = (set: ReadonlySet<number>) => {
    const c = new Set<number>();
    for (const q of set) for (const k of reduced.covers[q]!) c.add(k);
    return rows.every((k) => c.has(k));
  };
  for (const j of [...chosen].sort((a, b) => model.cost[b]! - model.cost[a]! || b - a)) {
    if ([...chosen].some((q) => model.prerequisites[q]!.includes(j))) continue;
    chosen.delete(j);
    if (!covers(chosen)) chosen.add(j);
  }
  return [...chosen];
}

/** At most this many greedy completions per local search in {@link lpGuidedCover}. */
const LOCAL_SEARCH_FILLS = 200;

/**
 * Cheaper covers of a part, guided by the LP relaxation's values `relaxed` (one per column): greedy with ties going to
 * the larger LP value; greedy from the closures of the columns the LP sets to at least one half; then, from the best
 * of these and `incumbent`, a local search that drops two credentials nothing chosen needs and refills greedily while
 * that lowers the cost. It stops once the cost reaches `target` (the LP bound's ceiling, when that proves
 * optimality). Every plan it returns is a prerequisite-closed cover of the part's rows; its only use is as a start.
 */
function lpGuidedCover(
  model: Model,
  reduced: Reduced,
  columns: readonly number[],
  rows: readonly number[],
  relaxed: readonly number[],
  incumbent: readonly number[],
  target: number,
): Set<number> | undefined {
  const score = new Map(columns.map((j, i) => [j, relaxed[i]!]));
  const fixed = new Set<number>();
  columns.forEach((j, i) => {
    if (relaxed[i]! >= 0.5 - 1e-9) for (const q of model.closure[j]!) fixed.add(q);
  });
  let best = incumbent;
  for (const candidate of [
    greedyPart(model, reduced, columns, rows, [], score),
    greedyPart(model, reduced, columns, rows, fixed, score),
  ]) {
    if (totalCost(model, candidate) < totalCost(model, best)) best = candidate;
  }
  let fills = 0;
  for (let improved = true; improved && totalCost(model, best) > target && fills < LOCAL_SEARCH_FILLS;) {
    improved = false;
    const chosen = new Set(best);
    const removable = best.filter((j) => !best.some((q) => model.prerequisites[q]!.includes(j))).sort((a, b) => a - b);
    const cost = totalCost(model, best);
    search: for (let a = 0; a < removable.length; a++) {
      for (let b = a + 1; b < removable.length; b++) {
        if (++fills > LOCAL_SEARCH_FILLS) break search;
        const kept = [...chosen].filter((q) => q !== removable[a] && q !== removable[b]);
        const refilled = greedyPart(model, reduced, columns, rows, kept, score);
        if (totalCost(model, refilled) < cost) {
          best = refilled;
          improved = true;
          break search;
        }
      }
    }
  }
  return best === incumbent ? undefined : new Set(best);
}

/** Parts with at most this many credentials are solved by enumerating their subsets (2^12 = 4,096) instead of HiGHS. */
const ENUMERATE_COLUMNS = 12;

/**
 * The least-cost prerequisite-closed subset of a part's credentials covering its rows, by enumeration (exact by
 * construction; ties go to the lowest mask, so the answer is deterministic).
 */
function cheapestCover(model: Model, reduced: Reduced, part: { columns: number[]; rows: number[] }): number[] {
  const bit = new Map(part.columns.map((j, i) => [j, 1 << i]));
  const needs = part.columns.map((j) => model.prerequisites[j]!.reduce((m, p) => m | bit.get(p)!, 0));
  const rowMasks = part.rows.map((k) =>
    part.columns.reduce((m, j, i) => (reduced.covers[j]!.includes(k) ? m | (1 << i) : m), 0),
  );
  const cost = part.columns.map((j) => model.cost[j]!);
  let best = -1;
  let bestCost = Infinity;
  for (let mask = 1; mask < 1 << part.columns.length; mask++) {
    if (!rowMasks.every((r) => (mask & r) !== 0)) continue;
    let c = 0;
    let closed = true;
    for (let i = 0; i < part.columns.length && closed; i++) {
      if ((mask & (1 << i)) === 0) continue;
      closed = (mask & needs[i]!) === needs[i];
      c += cost[i]!;
    }
    if (closed && c < bestCost) {
      best = mask;
      bestCost = c;
    }
  }
  return part.columns.filter((_, i) => (best & (1 << i)) !== 0);
}

/**
 * The MILP: binary x_j per kept credential; x_j ≤ x_p for each prerequisite p not held (transitivity follows). Without
 * a budget: min Σ c_j x_j s.t. every kept row has Σ_{j covers s} x_j ≥ 1, per independent part (a part of at most
 * {@link ENUMERATE_COLUMNS} credentials by enumeration, the rest together in one MILP). With one: y_s ∈ [0, 1], y_s ≤ Σ_{j covers s} x_j,
 * Σ c_j x_j ≤ B, max Σ w_s y_s; then a second solve, started from the first's answer, finds the cheapest plan reaching
 * that weight. Returns undefined unless optimality was proved and the solution passes {@link isAdmissible} on the full
 * model.
 */
function solveExactly(
  request: PlanRequest,
  model: Model,
  reduced: Reduced,
  solver: MilpSolver,
  timeLimitSeconds: number,
): number[] | undefined {
  if (reduced.columns.length === 0) return isAdmissible(request, model, []) ? [] : undefined;
  const closureCost = (j: number) => totalCost(model, model.closure[j]!);
  /** A MILP over some kept credentials: their columns first (local indices), then `extra` columns. */
  const columnsOf = (columns: readonly number[]) => {
    const local = new Map(columns.map((j, i) => [j, i]));
    const prerequisiteRows: MilpRow[] = columns.flatMap((j, i) =>
      model.prerequisites[j]!.map((p) => ({
        columns: [i, local.get(p)!],
        coefficients: [1, -1],
        lower: -Infinity,
        upper: 0,
      })),
    );
    const coveredBy = new Map<number, number[]>();
    columns.forEach((j, i) =>
      reduced.covers[j]!.forEach((k) => {
        const list = coveredBy.get(k);
        if (list) list.push(i);
        else coveredBy.set(k, [i]);
      }),
    );
    return { prerequisiteRows, coveredBy };
  };
  const pick = (columns: readonly number[], values: readonly number[] | undefined): number[] | undefined =>
    values && columns.filter((_, i) => values[i]! > 0.5);
  if (request.budget === undefined) {
    const chosen = new Set<number>();
    const rest: { columns: number[]; rows: number[] } = { columns: [], rows: [] };
    for (const part of components(model, reduced)) {
      if (part.columns.length <= ENUMERATE_COLUMNS) {
        for (const j of cheapestCover(model, reduced, part)) chosen.add(j);
      } else {
        rest.columns.push(...part.columns);
        rest.rows.push(...part.rows);
      }
    }
    if (rest.rows.length > 0) {
      // The larger parts go to HiGHS together: one call costs less than one per part.
      const columns = rest.columns.sort((a, b) => a - b);
      const { prerequisiteRows, coveredBy } = columnsOf(columns);
      const n = columns.length;
      // A start for branch and bound, and an upper bound: the cheaper of each row's cheapest closure together (kept
      // credentials' closures are kept, and lie in the same part) and greedy over the part's closures.
      const byRow = new Set<number>();
      for (const k of rest.rows) {
        const js = coveredBy.get(k)!;
        let best = js[0]!;
        for (const i of js) if (closureCost(columns[i]!) < closureCost(columns[best]!)) best = i;
        for (const q of model.closure[columns[best]!]!) byRow.add(q);
      }
      const greedy = greedyPart(model, reduced, columns, rest.rows);
      const incumbent = totalCost(model, greedy) < totalCost(model, [...byRow]) ? new Set(greedy) : byRow;
      const start = columns.map((j) => (incumbent.has(j) ? 1 : 0));
      const solution = relaxFirst(
        solver,
        {
          sense: 'minimize',
          objective: columns.map((j) => model.cost[j]!),
          upper: new Array<number>(n).fill(1),
          integer: new Array<boolean>(n).fill(true),
          rows: [
            ...rest.rows.map((k) => {
              const js = coveredBy.get(k)!;
              return { columns: js, coefficients: js.map(() => 1), lower: 1, upper: Infinity };
            }),
            ...prerequisiteRows,
          ],
          start,
        },
        { timeLimitSeconds },
        (relaxed, target) => {
          const better = lpGuidedCover(model, reduced, columns, rest.rows, relaxed, [...incumbent], target);
          return better && columns.map((j) => (better.has(j) ? 1 : 0));
        },
      );
      const values = solution.status === 'optimal' ? pick(columns, solution.values) : undefined;
      if (!values) return undefined;
      for (const j of values) chosen.add(j);
    }
    const answer = [...chosen].sort((a, b) => a - b);
    return isAdmissible(request, model, answer) ? answer : undefined;
  }
  const columns = reduced.columns;
  const n = columns.length;
  const { prerequisiteRows, coveredBy } = columnsOf(columns);
  const m = model.coverable.length;
  const weights = model.coverable.map((k) => request.goal.skills[k]!.weight);
  const all = [...Array(n + m).keys()];
  const coverRows: MilpRow[] = model.coverable.map((k, s) => {
    const js = coveredBy.get(k) ?? [];
    return { columns: [n + s, ...js], coefficients: [1, ...js.map(() => -1)], lower: -Infinity, upper: 0 };
  });
  const cost = columns.map((j) => model.cost[j]!);
  const budgetRow: MilpRow = { columns: all.slice(0, n), coefficients: cost, lower: -Infinity, upper: request.budget };
  const base = {
    upper: new Array<number>(n + m).fill(1),
    integer: all.map((j) => j < n),
    rows: [...coverRows, ...prerequisiteRows, budgetRow],
  };
  const checked = (values: readonly number[] | undefined) => {
    const chosen = pick(columns, values);
    return chosen && isAdmissible(request, model, chosen) ? chosen : undefined;
  };
  const first = relaxFirst(
    solver,
    { ...base, sense: 'maximize', objective: [...new Array<number>(n).fill(0), ...weights] },
    { timeLimitSeconds },
  );
  const best = first.status === 'optimal' ? checked(first.values) : undefined;
  if (!best) return undefined;
  const reached = coveredWeight(request, model, best);
  // Second solve: the cheapest plan reaching that weight. The row is relaxed by a relative 1e-9 for floating point;
  // its answer is kept only if it really reaches the weight (checked exactly below), else the first answer stands.
  const second = relaxFirst(
    solver,
    {
      ...base,
      sense: 'minimize',
      objective: [...cost, ...new Array<number>(m).fill(0)],
      rows: [
        ...base.rows,
        {
          columns: all.slice(n),
          coefficients: weights,
          lower: reached - 1e-9 * Math.max(1, reached),
          upper: Infinity,
        },
      ],
      start: first.values,
    },
    { timeLimitSeconds },
  );
  const cheaper = second.status === 'optimal' ? checked(second.values) : undefined;
  return cheaper &&
    coveredWeight(request, model, cheaper) >= reached &&
    totalCost(model, cheaper) <= totalCost(model, best)
    ? cheaper
    : best;
}

/** The chosen set grown by one closure: the closure's credentials not yet chosen, and what they newly cover. */
function marginal(model: Model, chosen: ReadonlySet<number>, covered: ReadonlySet<number>, j: number) {
  const added = model.closure[j]!.filter((q) => !chosen.has(q));
  const cost = added.reduce((sum, q) => sum + model.cost[q]!, 0);
  const gains = new Set<number>();
  for (const q of added) for (const k of model.covers[q]!) if (!covered.has(k)) gains.add(k);
  return { added, cost, gains: [...gains] };
}

/**
 * Greedy weighted set cover over prerequisite closures (Chvátal 1979): repeatedly take the credential whose not yet
 * chosen closure covers the most uncovered gap skills per unit of cost, then drop any credential that nothing needs and
 * whose skills the rest still cover (which only lowers the cost).
 */
function greedyCover(model: Model): number[] {
  const chosen = new Set<number>();
  const covered = new Set<number>();
  while (model.coverable.some((k) => !covered.has(k))) {
    let best: ReturnType<typeof marginal> | undefined;
    for (let j = 0; j < model.credentials.length; j++) {
      if (chosen.has(j)) continue;
      const m = marginal(model, chosen, covered, j);
      if (m.gains.length === 0) continue;
      // a/b > c/d as a·d > c·b, so that free credentials (cost 0) rank first without dividing by zero.
      const better =
        !best ||
        m.gains.length * best.cost > best.gains.length * m.cost ||
        (m.gains.length * best.cost === best.gains.length * m.cost &&
          (m.gains.length > best.gains.length || (m.gains.length === best.gains.length && m.cost < best.cost)));
      if (better) best = m;
    }
    // Every coverable skill has some model credential covering it, so best is always found here.
    for (const q of best!.added) chosen.add(q);
    for (const k of best!.gains) covered.add(k);
  }
  return prune(model, [...chosen], (kept) => {
    const c = new Set(kept.flatMap((j) => model.covers[j]!));
    return model.coverable.every((k) => c.has(k));
  });
}

/**
 * Greedy budgeted maximum coverage over prerequisite closures (Khuller, Moss & Naor 1999): repeatedly take the
 * affordable closure with the most newly covered weight per unit of cost; the answer is the better of that and the
 * best single affordable closure.
 */
function greedyBudget(request: PlanRequest, model: Model): number[] {
  const budget = request.budget!;
  const weight = (ks: readonly number[]) => ks.reduce((sum, k) => sum + request.goal.skills[k]!.weight, 0);
  const chosen = new Set<number>();
  const covered = new Set<number>();
  let spent = 0;
  for (;;) {
    let best: (ReturnType<typeof marginal> & { w: number }) | undefined;
    for (let j = 0; j < model.credentials.length; j++) {
      if (chosen.has(j)) continue;
      const m = marginal(model, chosen, covered, j);
      if (m.gains.length === 0 || spent + m.cost > budget) continue;
      const w = weight(m.gains);
      const better =
        !best ||
        w * best.cost > best.w * m.cost ||
        (w * best.cost === best.w * m.cost && (w > best.w || (w === best.w && m.cost < best.cost)));
      if (better) best = { ...m, w };
    }
    if (!best) break;
    for (const q of best.added) chosen.add(q);
    for (const k of best.gains) covered.add(k);
    spent += best.cost;
  }
  let single: number[] = [];
  for (let j = 0; j < model.credentials.length; j++) {
    const c = model.closure[j]!;
    if (totalCost(model, c) > budget) continue;
    const w = coveredWeight(request, model, c);
    const bw = coveredWeight(request, model, single);
    if (w > bw || (w === bw && totalCost(model, c) < totalCost(model, single))) single = [...c];
  }
  const greedy = [...chosen];
  const gw = coveredWeight(request, model, greedy);
  const sw = coveredWeight(request, model, single);
  const pickSingle = sw > gw || (sw === gw && totalCost(model, single) < totalCost(model, greedy));
  const answer = pickSingle ? single : greedy;
  const target = coveredWeight(request, model, answer);
  return prune(model, answer, (kept) => coveredWeight(request, model, kept) >= target);
}

/** Reverse delete: most expensive first (then highest index), drop a credential nothing chosen needs if `keeps` holds. */
function prune(model: Model, chosen: number[], keeps: (kept: number[]) => boolean): number[] {
  let kept = [...chosen].sort((a, b) => a - b);
  const order = [...kept].sort((a, b) => model.cost[b]! - model.cost[a]! || b - a);
  for (const j of order) {
    if (kept.some((q) => model.prerequisites[q]!.includes(j))) continue;
    const without = kept.filter((q) => q !== j);
    if (keeps(without)) kept = without;
  }
  return kept;
}

/** Harmonic number H(k) = 1 + 1/2 + … + 1/k. */
function harmonic(k: number): number {
  let h = 0;
  for (let i = 1; i <= k; i++) h += 1 / i;
  return h;
}

/**
 * The factor greedy is proved to reach on this instance. Cover: greedy over closures is within H(k) of the cheapest
 * cover by closures (k = most gap skills one closure covers); an optimal plan S is a union of closures whose summed
 * closure costs count each credential at most D times (D = most model credentials whose closure holds one credential),
 * so cost ≤ H(k)·D·OPT; D = 1 without shared prerequisites, the classic bound. Budget: without prerequisites in the
 * model, the better of greedy and the best single credential covers ≥ (1 − 1/√e) of the optimal weight (Khuller, Moss &
 * Naor 1999); with them no constant factor is proved here.
 */
function greedyGuarantee(request: PlanRequest, model: Model): PlanGuarantee {
  const inClosures = new Array<number>(model.credentials.length).fill(0);
  for (const c of model.closure) for (const q of c) inClosures[q]!++;
  const d = Math.max(1, ...inClosures);
  if (request.budget === undefined) {
    const k = Math.max(1, ...model.closure.map((c) => new Set(c.flatMap((q) => model.covers[q]!)).size));
    const factor = harmonic(k) * d;
    return {
      kind: 'greedy-cost',
      factor,
      statement: `cost ≤ ${factor.toFixed(3)} × the optimum (H(${k}) = ${harmonic(k).toFixed(3)} × ${d}, the most closures sharing one credential)`,
    };
  }
  if (d === 1) {
    const factor = 1 - 1 / Math.sqrt(Math.E);
    return {
      kind: 'greedy-coverage',
      factor,
      statement: `covered weight ≥ ${factor.toFixed(3)} × the optimum within the budget (1 − 1/√e)`,
    };
  }
  return { kind: 'greedy-coverage', statement: 'no constant factor is proved when credentials share prerequisites' };
}

function formatCost(cost: number, measure: PlanCostMeasure): string {
  if (measure === 'count') return 'one credential';
  const figure = Number.isInteger(cost) ? String(cost) : cost.toFixed(2);
  return measure === 'hours' ? `${figure} hour${cost === 1 ? '' : 's'}` : `price ${figure}`;
}

/**
 * Orders the chosen credentials into a path (Kahn's algorithm; among those whose prerequisites are met, the one that
 * newly covers the most weight, then the cheapest, then by id, so the same plan always reads the same) and explains
 * each step.
 */
function describePlan(
  request: PlanRequest,
  catalogue: readonly CatalogueCredential[],
  model: Model,
  chosen: readonly number[],
  method: LearningPlan['method'],
  fallback: LearningPlan['fallback'],
  guarantee: PlanGuarantee,
): LearningPlan {
  const { goal, measure } = request;
  const skills = goal.skills;
  const essentialMissing = skills.filter((s) => s.essential).length;
  const label = (k: number) => skills[k]!.label ?? skills[k]!.skill;
  const remaining = new Set(chosen);
  const done = new Set<number>();
  const covered = new Set<number>();
  const steps: PlanStep[] = [];
  while (remaining.size > 0) {
    let best: { j: number; gains: number[]; w: number } | undefined;
    for (const j of [...remaining].sort((a, b) => a - b)) {
      if (!model.prerequisites[j]!.every((p) => done.has(p))) continue;
      const gains = model.covers[j]!.filter((k) => !covered.has(k));
      const w = gains.reduce((sum, k) => sum + skills[k]!.weight, 0);
      if (!best || w > best.w || (w === best.w && model.cost[j]! < model.cost[best.j]!)) best = { j, gains, w };
    }
    // chosen sets are prerequisite-closed (checked by isAdmissible or built from closures), so one is always ready.
    const { j, gains } = best!;
    remaining.delete(j);
    done.add(j);
    for (const k of gains) covered.add(k);
    const credential = catalogue[model.credentials[j]!]!;
    const needs = model.prerequisites[j]!.map((p) => catalogue[model.credentials[p]!]!);
    const coversEssential = gains.filter((k) => skills[k]!.essential).length;
    const forGoal = goal.name ? ` for ${goal.name}` : '';
    const what =
      gains.length === 0
        ? `Covers no gap skill itself; it is a prerequisite for a later step`
        : essentialMissing > 0
          ? `Covers ${coversEssential} of ${essentialMissing} missing essential skills${forGoal}` +
            (gains.length > coversEssential ? ` and ${gains.length - coversEssential} other gap skills` : '') +
            ` (${gains.map(label).join(', ')})`
          : `Covers ${gains.length} of ${skills.length} missing skills${forGoal} (${gains.map(label).join(', ')})`;
    const first = needs.length > 0 ? `; needs ${needs.map((c) => c.name).join(', ')} first` : '';
    steps.push({
      id: credential.id,
      name: credential.name,
      cost: model.cost[j]!,
      covers: gains.map((k) => skills[k]!.skill),
      coversEssential,
      needs: needs.map((c) => c.id),
      explanation: `${what}${first}; ${formatCost(model.cost[j]!, measure)}.`,
    });
  }
  const inGoalOrder = (ks: Iterable<number>) => [...ks].sort((a, b) => a - b).map((k) => skills[k]!.skill);
  return {
    method,
    ...(fallback && method === 'greedy' ? { fallback } : {}),
    guarantee,
    measure,
    steps,
    totalCost: totalCost(model, chosen),
    covered: inGoalOrder(covered),
    uncovered: inGoalOrder(model.coverable.filter((k) => !covered.has(k))),
    uncoverable: inGoalOrder(model.uncoverable),
    coveredWeight: coveredWeight(request, model, [...chosen]),
    totalWeight: skills.reduce((sum, s) => sum + s.weight, 0),
  };
}
