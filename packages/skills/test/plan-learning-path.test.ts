import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadHighsSolver, type MilpSolver } from '../src/plan/milp-solver.js';
import {
  createPlanCatalogue,
  planLearningPath,
  type CatalogueCredential,
  type LearningPlan,
  type PlanRequest,
} from '../src/plan/plan-learning-path.js';
import { isSkillsError } from '../src/skills-error.js';
import { credential } from './helpers/catalogue.js';

/** Requests whose catalogue is a plain list, as the generators make them. */
type ListRequest = PlanRequest & { catalogue: readonly CatalogueCredential[] };

let solver: MilpSolver;
beforeAll(async () => {
  solver = await loadHighsSolver();
});

describe('planLearningPath', () => {
  const analyst: ListRequest = {
    goal: {
      name: 'Data Analyst',
      skills: [
        { skill: 'sql', label: 'SQL', weight: 1, essential: true },
        { skill: 'stats', label: 'statistics', weight: 1, essential: true },
        { skill: 'viz', label: 'data visualisation', weight: 0.5 },
      ],
    },
    catalogue: [
      credential('sql-basics', 10, ['sql']),
      credential('analytics', 30, ['stats', 'viz'], ['sql-basics']),
      credential('stats-course', 25, ['stats']),
      credential('viz-course', 8, ['viz']),
    ],
    measure: 'hours',
  };

  it('orders prerequisites first and explains each step', () => {
    const plan = planLearningPath(analyst, { solver });
    expect(plan.method).toBe('exact');
    expect(plan.guarantee).toEqual({ kind: 'optimal' });
    expect(plan.steps.map((s) => s.id)).toEqual(['sql-basics', 'analytics']);
    expect(plan.steps.map((s) => s.explanation)).toEqual([
      'Covers 1 of 2 missing essential skills for Data Analyst (SQL); 10 hours.',
      'Covers 1 of 2 missing essential skills for Data Analyst and 1 other gap skills (statistics, data visualisation); needs SQL-BASICS first; 30 hours.',
    ]);
    expect(plan.steps[1]!.needs).toEqual(['sql-basics']);
    expect(plan).toMatchObject({ totalCost: 40, covered: ['sql', 'stats', 'viz'], uncovered: [], uncoverable: [] });
  });

  it('a held prerequisite is not planned again and changes the optimum', () => {
    const goal = { skills: analyst.goal.skills.filter((g) => g.skill !== 'sql') };
    expect(planLearningPath({ ...analyst, goal }, { solver }).steps.map((s) => s.id)).toEqual([
      'stats-course',
      'viz-course',
    ]);
    const plan = planLearningPath({ ...analyst, goal, held: ['sql-basics'] }, { solver });
    expect(plan.steps.map((s) => [s.id, s.needs])).toEqual([['analytics', []]]);
    expect(plan).toMatchObject({ covered: ['stats', 'viz'], uncoverable: [], totalCost: 30 });
  });

  it('with count as the measure, fewest credentials; with a budget, most weight within it', () => {
    expect(planLearningPath({ ...analyst, measure: 'count' }, { solver }).totalCost).toBe(2);
    const budgeted = planLearningPath({ ...analyst, budget: 20 }, { solver });
    expect(budgeted.steps.map((s) => s.id)).toEqual(['sql-basics', 'viz-course']);
    expect(budgeted).toMatchObject({ coveredWeight: 1.5, totalWeight: 2.5, uncovered: ['stats'], totalCost: 18 });
  });

  it('skills no obtainable credential covers are reported, not planned for', () => {
    const plan = planLearningPath(
      {
        goal: {
          skills: [
            { skill: 'a', weight: 1 },
            { skill: 'b', weight: 1, level: 3 },
            { skill: 'c', weight: 1 },
          ],
        },
        catalogue: [
          { ...credential('low', 1, [], [], 2), skills: [{ skill: 'b', level: 2 }, { skill: 'a' }] },
          credential('orphan', 1, ['c'], ['missing'], 1),
          credential('loop-1', 1, ['c'], ['loop-2'], 1),
          credential('loop-2', 1, [], ['loop-1'], 1),
          credential('unpriced', 1, ['c']),
        ],
        measure: 'price',
      },
      { solver },
    );
    expect(plan).toMatchObject({ covered: ['a'], uncoverable: ['b', 'c'], totalCost: 2 });
    expect(plan.steps.map((s) => s.explanation)).toEqual(['Covers 1 of 3 missing skills (a); price 2.']);
  });

  it('falls back to greedy and says why', () => {
    const greedy = planLearningPath(analyst);
    expect(greedy).toMatchObject({ method: 'greedy', fallback: 'no-solver', guarantee: { kind: 'greedy-cost' } });
    expect(planLearningPath(analyst, { solver, exact: false }).fallback).toBe('requested');
    expect(planLearningPath(analyst, { solver, maxExactCredentials: 1 }).fallback).toBe('too-large');
    // Small parts are solved by enumeration; a ring of 14 credentials, each covering two neighbouring skills (none
    // dominated, no row implied), is one part large enough to go to the solver.
    const ring: ListRequest = {
      goal: { skills: [...Array(14).keys()].map((k) => ({ skill: `s${k}`, weight: 1 })) },
      catalogue: [...Array(14).keys()].map((k) =>
        credential(`r${String(k).padStart(2, '0')}`, 5 + k, [`s${k}`, `s${(k + 1) % 14}`]),
      ),
      measure: 'hours',
    };
    expect(planLearningPath(ring, { solver }).method).toBe('exact');
    const timedOut: MilpSolver = () => ({ status: 'time-limit' });
    expect(planLearningPath(ring, { solver: timedOut }).fallback).toBe('not-proved');
    // A solver answer that does not cover the gap is not trusted even if it claims optimality.
    const wrong: MilpSolver = (p) => ({ status: 'optimal', values: p.objective.map((_, j) => (j === 0 ? 1 : 0)) });
    expect(planLearningPath(ring, { solver: wrong })).toMatchObject({ method: 'greedy', fallback: 'not-proved' });
    // Nor one that breaks a prerequisite (with a budget the whole instance goes to the solver; 42 hours binds, as
    // the cover of each skill's cheapest closure costs 43, so the budgeted model is the one solved).
    const budgeted = { ...analyst, budget: 42 };
    expect(planLearningPath(budgeted, { solver: wrong })).toMatchObject({ method: 'greedy', fallback: 'not-proved' });
  });

  it('rejects malformed requests with ERR_PLAN_INPUT and the path', () => {
    const cases: [PlanRequest, string][] = [
      [{ ...analyst, measure: 'minutes' as 'hours' }, '$.measure'],
      [{ ...analyst, budget: -1 }, '$.budget'],
      [{ ...analyst, budget: Number.NaN }, '$.budget'],
      [{ ...analyst, catalogue: [...analyst.catalogue, credential('viz-course', 1, [])] }, '$.catalogue[4].id'],
      [{ ...analyst, catalogue: [credential('x', -2, [])] }, '$.catalogue[0].cost.hours'],
      [{ ...analyst, goal: { skills: [{ skill: 'a', weight: 0 }] } }, '$.goal.skills[0].weight'],
      [
        {
          ...analyst,
          goal: {
            skills: [
              { skill: 'a', weight: 1 },
              { skill: 'a', weight: 1 },
            ],
          },
        },
        '$.goal.skills[1].skill',
      ],
    ];
    for (const [request, path] of cases) {
      let error: unknown;
      try {
        planLearningPath(request, { solver });
      } catch (e) {
        error = e;
      }
      expect(isSkillsError(error, 'ERR_PLAN_INPUT') && error.path).toBe(path);
    }
  });
});

/** Small random instances: prerequisites point to earlier credentials, with the odd unknown one or a cycle. */
const instance = fc
  .record({
    skillCount: fc.integer({ min: 1, max: 7 }),
    credentials: fc.array(
      fc.record({
        skills: fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { maxLength: 4 }),
        levels: fc.array(fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }), { minLength: 4, maxLength: 4 }),
        hours: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined, freq: 8 }),
        price: fc.integer({ min: 1, max: 500 }),
        prerequisites: fc.uniqueArray(fc.integer({ min: 0, max: 10 }), { maxLength: 2 }),
        held: fc.boolean(),
      }),
      { minLength: 1, maxLength: 10 },
    ),
    weights: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 7, maxLength: 7 }),
    requiredLevels: fc.array(fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined, freq: 3 }), {
      minLength: 7,
      maxLength: 7,
    }),
    measure: fc.constantFrom('hours' as const, 'price' as const, 'count' as const),
    budget: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
    cycle: fc.boolean(),
  })
  .map((r): ListRequest => {
    const n = r.credentials.length;
    const catalogue = r.credentials.map((c, i) => ({
      id: `c${i}`,
      name: `Credential ${i}`,
      cost: c.hours === undefined ? { price: c.price } : { hours: c.hours, price: c.price },
      skills: c.skills.filter((s) => s < r.skillCount).map((s, k) => ({ skill: `s${s}`, level: c.levels[k] })),
      // Mostly earlier credentials; an index ≥ n names an unknown one; `cycle` points the first at the last.
      prerequisites: c.prerequisites
        .filter((p) => p < i || p >= n || (r.cycle && i === 0 && p === n - 1))
        .map((p) => (p >= n && p !== n - 1 ? `unknown-${p}` : `c${p}`)),
    }));
    return {
      goal: {
        name: 'Goal',
        skills: [...Array(r.skillCount).keys()].map((k) => ({
          skill: `s${k}`,
          weight: r.weights[k]!,
          essential: k % 2 === 0,
          level: r.requiredLevels[k],
        })),
      },
      catalogue,
      held: r.credentials.flatMap((c, i) => (c.held ? [`c${i}`] : [])),
      measure: r.measure,
      ...(r.budget === undefined ? {} : { budget: r.budget }),
    };
  });

/** The optimum by enumerating every subset of the not-held credentials (at most 2^10). */
function bruteForce(request: ListRequest): { cost: number; weight: number } {
  const held = new Set(request.held ?? []);
  const candidates = request.catalogue.filter((c) => !held.has(c.id));
  const costOf = (c: CatalogueCredential) => (request.measure === 'count' ? 1 : c.cost[request.measure]);
  const coversOf = (c: CatalogueCredential) =>
    request.goal.skills
      .filter((g) =>
        c.skills.some(
          (s) => s.skill === g.skill && (g.level === undefined || s.level === undefined || s.level >= g.level),
        ),
      )
      .map((g) => g.skill);
  const evaluate = (mask: number) => {
    const chosen = candidates.filter((_, i) => mask & (1 << i));
    const ids = new Set(chosen.map((c) => c.id));
    if (chosen.some((c) => costOf(c) === undefined)) return undefined;
    if (!chosen.every((c) => c.prerequisites.every((p) => held.has(p) || ids.has(p)))) return undefined;
    // A prerequisite cycle can never be earned: the chosen set must have an order.
    const earned = new Set(held);
    for (let progress = true; progress;) {
      progress = false;
      for (const c of chosen) {
        if (earned.has(c.id) || !c.prerequisites.every((p) => earned.has(p))) continue;
        progress = true;
        earned.add(c.id);
      }
    }
    if (chosen.some((c) => !earned.has(c.id))) return undefined;
    const covered = new Set(chosen.flatMap(coversOf));
    return {
      cost: chosen.reduce((sum, c) => sum + costOf(c)!, 0),
      weight: request.goal.skills.filter((g) => covered.has(g.skill)).reduce((sum, g) => sum + g.weight, 0),
      count: covered.size,
    };
  };
  const feasible = [...Array(1 << candidates.length).keys()].map(evaluate).filter((x) => x !== undefined);
  const maxCount = Math.max(...feasible.map((f) => f.count));
  const admissible =
    request.budget === undefined
      ? feasible.filter((f) => f.count === maxCount)
      : feasible.filter((f) => f.cost <= request.budget!);
  const weight = Math.max(...admissible.map((f) => f.weight));
  const cost = Math.min(...admissible.filter((f) => f.weight === weight).map((f) => f.cost));
  return { cost, weight };
}

/** The claims a plan makes, checked against the request itself. */
function checkPlan(request: ListRequest, plan: LearningPlan): void {
  const held = new Set(request.held ?? []);
  const byId = new Map(request.catalogue.map((c) => [c.id, c]));
  const earned = new Set<string>();
  const covered: string[] = [];
  for (const step of plan.steps) {
    const c = byId.get(step.id)!;
    expect(held.has(step.id)).toBe(false);
    for (const p of c.prerequisites) expect(held.has(p) || earned.has(p)).toBe(true);
    expect([...step.needs].sort()).toEqual(c.prerequisites.filter((p) => !held.has(p)).sort());
    for (const skill of step.covers) {
      const need = request.goal.skills.find((g) => g.skill === skill)!.level;
      expect(
        c.skills.some((s) => s.skill === skill && (need === undefined || s.level === undefined || s.level >= need)),
      ).toBe(true);
      expect(covered).not.toContain(skill);
      covered.push(skill);
    }
    earned.add(step.id);
  }
  expect([...covered].sort()).toEqual([...plan.covered].sort());
  const weight = request.goal.skills.filter((g) => covered.includes(g.skill)).reduce((s, g) => s + g.weight, 0);
  expect(plan.coveredWeight).toBe(weight);
  expect(plan.totalCost).toBe(plan.steps.reduce((s, step) => s + step.cost, 0));
  if (request.budget !== undefined) expect(plan.totalCost).toBeLessThanOrEqual(request.budget);
  else expect(plan.uncovered).toEqual([]);
  const all = [...plan.covered, ...plan.uncovered, ...plan.uncoverable].sort();
  expect(all).toEqual(request.goal.skills.map((g) => g.skill).sort());
}

describe('planLearningPath properties', () => {
  it('every plan keeps prerequisites and budget, and claims only what it covers (exact and greedy)', () => {
    fc.assert(
      fc.property(instance, (request) => {
        checkPlan(request, planLearningPath(request, { solver }));
        checkPlan(request, planLearningPath(request));
      }),
      { numRuns: 300 },
    );
  });

  it('exact is the optimum found by enumeration; greedy is no better and within its stated factor', () => {
    fc.assert(
      fc.property(instance, (request) => {
        const optimum = bruteForce(request);
        const exact = planLearningPath(request, { solver });
        const greedy = planLearningPath(request);
        expect(exact.method).toBe('exact');
        expect(exact.coveredWeight).toBe(optimum.weight);
        expect(exact.totalCost).toBe(optimum.cost);
        if (request.budget === undefined) {
          expect(exact.totalCost).toBeLessThanOrEqual(greedy.totalCost);
          expect(greedy.guarantee.kind).toBe('greedy-cost');
          if (greedy.guarantee.kind === 'greedy-cost') {
            expect(greedy.totalCost).toBeLessThanOrEqual(greedy.guarantee.factor * optimum.cost + 1e-9);
          }
        } else {
          expect(greedy.coveredWeight).toBeLessThanOrEqual(exact.coveredWeight);
          if (greedy.guarantee.kind === 'greedy-coverage' && greedy.guarantee.factor !== undefined) {
            expect(greedy.coveredWeight).toBeGreaterThanOrEqual(greedy.guarantee.factor * optimum.weight - 1e-9);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the same request gives the same plan, whatever the catalogue order', () => {
    fc.assert(
      fc.property(instance, fc.integer(), (request, seed) => {
        const shuffled = [...request.catalogue].sort(
          (a, b) => ((Number(a.id.slice(1)) * 7919 + seed) % 97) - ((Number(b.id.slice(1)) * 7919 + seed) % 97),
        );
        for (const options of [{ solver }, {}]) {
          const plan = planLearningPath(request, options);
          expect(planLearningPath(request, options)).toEqual(plan);
          expect(planLearningPath({ ...request, catalogue: shuffled }, options)).toEqual(plan);
          expect(planLearningPath({ ...request, catalogue: createPlanCatalogue(request.catalogue) }, options)).toEqual(
            plan,
          );
        }
      }),
      { numRuns: 150 },
    );
  });
});
