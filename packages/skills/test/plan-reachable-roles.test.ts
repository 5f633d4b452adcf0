import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadHighsSolver, type MilpSolver } from '../src/plan/milp-solver.js';
import type { CatalogueCredential } from '../src/plan/plan-learning-path.js';
import { rankReachableRoles, type RoleCandidate } from '../src/plan/rank-reachable-roles.js';
import { isSkillsError } from '../src/skills-error.js';
import { credential } from './helpers/catalogue.js';

let solver: MilpSolver;
beforeAll(async () => {
  solver = await loadHighsSolver();
});

const gap = (essential: string[], optional: string[] = []): RoleCandidate['gap'] => [
  ...essential.map((skill) => ({ skill, weight: 1, essential: true })),
  ...optional.map((skill) => ({ skill, weight: 0.5 })),
];

describe('rankReachableRoles', () => {
  const catalogue = [
    credential('sql', 10, ['sql']),
    credential('analytics', 30, ['stats', 'viz'], ['sql']),
    credential('stats', 25, ['stats']),
    credential('bread', 40, ['bake', 'dough']),
    credential('ml', 60, ['ml', 'stats'], ['analytics']),
  ];
  const candidates: RoleCandidate[] = [
    { id: 'scientist', label: 'Data Scientist', gap: gap(['sql', 'stats', 'ml']) },
    { id: 'analyst', label: 'Data Analyst', gap: gap(['sql', 'stats'], ['viz', 'ml']) },
    { id: 'baker', label: 'Baker', gap: gap(['bake'], ['dough']) },
    { id: 'pilot', label: 'Pilot', gap: gap(['fly', 'sql']) },
    { id: 'clerk', label: 'Clerk', gap: gap([], ['sql']) },
    { id: 'diver', label: 'Diver', gap: gap(['dive', 'swim']) },
  ];

  it('ranks by fewest credentials closing the essential gap; unreachable roles last', () => {
    const roles = rankReachableRoles({ candidates, catalogue }, { solver });
    expect(roles.map((r) => [r.id, r.credentials, r.reachable])).toEqual([
      ['clerk', 0, true],
      ['baker', 1, true],
      ['analyst', 2, true],
      ['scientist', 3, true],
      ['pilot', 1, false],
      ['diver', 0, false],
    ]);
    expect(roles.map((r) => r.explanation)).toEqual([
      'Clerk: no missing essential skills.',
      'Baker: 1 credential closes its 1 missing essential skill.',
      'Data Analyst: 2 credentials close its 2 missing essential skills.',
      'Data Scientist: 3 credentials close its 3 missing essential skills.',
      'Pilot: 1 credential closes 1 of its 2 missing essential skills; no credential teaches 1.',
      'Diver: no credential teaches any of its 2 missing essential skills.',
    ]);
    expect(roles[2]!.plan.steps.map((s) => s.id)).toEqual(['sql', 'stats']);
    expect(roles[4]!.uncoverable).toEqual(['fly']);
    expect(roles.every((r) => r.plan.method === 'exact')).toBe(true);
  });

  it('plans greedy once the total solver time is spent, and says so per plan', () => {
    // A clock that advances 40 ms per reading: the deadline (0.1 s) passes after the first two plans.
    let t = 0;
    const now = () => (t += 40);
    const roles = rankReachableRoles({ candidates, catalogue }, { solver, totalTimeLimitSeconds: 0.1, now });
    const method = new Map(roles.map((r) => [r.id, r.plan.method]));
    // Candidates are planned in request order: scientist and analyst before the deadline, the rest after.
    expect(candidates.map((c) => method.get(c.id))).toEqual(['exact', 'exact', 'greedy', 'greedy', 'greedy', 'greedy']);
    // Greedy plans on this catalogue are still the optimal ones, so the ranking is the same.
    const unbounded = rankReachableRoles({ candidates, catalogue }, { solver });
    expect(roles.map((r) => [r.id, r.credentials])).toEqual(unbounded.map((r) => [r.id, r.credentials]));
    // No bound spent: every plan exact.
    const generous = rankReachableRoles({ candidates, catalogue }, { solver, totalTimeLimitSeconds: 60 });
    expect(generous.every((r) => r.plan.method === 'exact')).toBe(true);
    for (const bad of [-1, Number.NaN]) {
      try {
        rankReachableRoles({ candidates, catalogue }, { solver, totalTimeLimitSeconds: bad });
        expect.unreachable();
      } catch (e) {
        expect(isSkillsError(e) && e.code === 'ERR_PLAN_INPUT' && e.path).toBe('$.totalTimeLimitSeconds');
      }
    }
  });

  it('by hours, held credentials count, the whole gap with scope all, and a limit', () => {
    // Holding the sql credential, the learner no longer misses sql (as analyseGap would report), and analytics no
    // longer needs it planned.
    const withoutSql = candidates.map((c) => ({ ...c, gap: c.gap.filter((s) => s.skill !== 'sql') }));
    const byHours = rankReachableRoles(
      { candidates: withoutSql, catalogue, measure: 'hours', held: ['sql'], limit: 3 },
      { solver },
    );
    expect(byHours.map((r) => [r.id, r.cost, r.credentials])).toEqual([
      ['clerk', 0, 0],
      ['analyst', 25, 1],
      ['baker', 40, 1],
    ]);
    expect(byHours[1]!.explanation).toBe('Data Analyst: 1 credential closes its 1 missing essential skill (25 hours).');
    expect(
      rankReachableRoles({ candidates: withoutSql, catalogue, measure: 'hours', held: ['sql'] }, { solver })[3],
    ).toMatchObject({ id: 'scientist', cost: 90, credentials: 2 });
    const all = rankReachableRoles({ candidates, catalogue, scope: 'all' }, { solver });
    // The analyst's optional ml pulls in analytics and ml (sql, analytics, ml cover everything).
    expect(all.find((r) => r.id === 'analyst')).toMatchObject({ credentials: 3, reachable: true });
    expect(all.find((r) => r.id === 'clerk')).toMatchObject({ credentials: 1 });
  });

  it('rejects bad requests with ERR_PLAN_INPUT and the path', () => {
    const cases: [Parameters<typeof rankReachableRoles>[0], string][] = [
      [{ candidates: [candidates[0]!, candidates[0]!], catalogue }, '$.candidates[1].id'],
      [{ candidates, catalogue, limit: -1 }, '$.limit'],
      [{ candidates, catalogue, measure: 'days' as 'hours' }, '$.measure'],
      [{ candidates, catalogue, scope: 'some' as 'all' }, '$.scope'],
    ];
    for (const [request, path] of cases) {
      let error: unknown;
      try {
        rankReachableRoles(request, { solver });
      } catch (e) {
        error = e;
      }
      expect(isSkillsError(error, 'ERR_PLAN_INPUT') && error.path).toBe(path);
    }
  });
});

/** The fewest credentials closing a set of skills, by enumeration (prerequisites earlier in the list, none held). */
function fewest(catalogue: readonly CatalogueCredential[], skills: readonly string[]) {
  const coverable = skills.filter((s) => catalogue.some((c) => c.skills.some((t) => t.skill === s)));
  let best = Infinity;
  for (let mask = 0; mask < 1 << catalogue.length; mask++) {
    const chosen = catalogue.filter((_, i) => mask & (1 << i));
    const ids = new Set(chosen.map((c) => c.id));
    if (!chosen.every((c) => c.prerequisites.every((p) => ids.has(p)))) continue;
    if (!coverable.every((s) => chosen.some((c) => c.skills.some((t) => t.skill === s)))) continue;
    best = Math.min(best, chosen.length);
  }
  return { count: best, uncoverable: skills.length - coverable.length };
}

describe('rankReachableRoles properties', () => {
  const world = fc.record({
    credentials: fc.array(
      fc.record({
        skills: fc.uniqueArray(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 3 }),
        prerequisite: fc.option(fc.nat(), { nil: undefined, freq: 3 }),
      }),
      { minLength: 1, maxLength: 8 },
    ),
    roles: fc.array(
      fc.record({
        essential: fc.uniqueArray(fc.integer({ min: 0, max: 11 }), { maxLength: 5 }),
        optional: fc.uniqueArray(fc.integer({ min: 0, max: 11 }), { maxLength: 3 }),
      }),
      { minLength: 1, maxLength: 8 },
    ),
    seed: fc.integer(),
  });

  it('each role gets the fewest credentials enumeration finds; the order is the stated one, whatever the input order', () => {
    fc.assert(
      fc.property(world, ({ credentials, roles, seed }) => {
        const catalogue = credentials.map((c, i) =>
          credential(
            `c${i}`,
            1,
            c.skills.map((s) => `s${s}`),
            c.prerequisite === undefined || i === 0 ? [] : [`c${c.prerequisite % i}`],
          ),
        );
        const candidates = roles.map((r, i) => ({
          id: `r${i}`,
          label: `Role ${i}`,
          gap: gap(
            r.essential.map((s) => `s${s}`),
            r.optional.filter((s) => !r.essential.includes(s)).map((s) => `s${s}`),
          ),
        }));
        const ranked = rankReachableRoles({ candidates, catalogue }, { solver });
        expect(ranked.map((r) => r.id).sort()).toEqual(candidates.map((c) => c.id).sort());
        for (const role of ranked) {
          const essential = candidates.find((c) => c.id === role.id)!.gap.filter((s) => s.essential);
          const expected = fewest(
            catalogue,
            essential.map((s) => s.skill),
          );
          expect(role.credentials).toBe(expected.count);
          expect(role.cost).toBe(expected.count);
          expect(role.uncoverable.length).toBe(expected.uncoverable);
          expect(role.reachable).toBe(expected.uncoverable === 0);
        }
        for (let i = 1; i < ranked.length; i++) {
          const [a, b] = [ranked[i - 1]!, ranked[i]!];
          const key = (r: typeof a) => [Number(!r.reachable), r.uncoverable.length, r.cost, r.credentials];
          const [ka, kb] = [key(a), key(b)];
          const cmp = ka.findIndex((x, k) => x !== kb[k]);
          expect(cmp === -1 ? a.id < b.id : ka[cmp]! < kb[cmp]!).toBe(true);
        }
        const shuffled = [...candidates].sort(
          (x, y) => ((x.id.length * 31 + seed) % 7) - ((y.id.length * 17 + seed) % 5),
        );
        expect(rankReachableRoles({ candidates: shuffled, catalogue }, { solver }).map((r) => r.id)).toEqual(
          ranked.map((r) => r.id),
        );
      }),
      { numRuns: 150 },
    );
  });
});
