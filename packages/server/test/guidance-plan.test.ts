import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { expectError } from './helpers/errors.js';
import { insertTestFramework, type TestFramework } from './helpers/frameworks.js';
import {
  anonymous,
  createUser,
  member,
  SAMPLE_ACHIEVEMENT,
  sessionFor,
  tokenFor,
  type Caller,
} from './helpers/fixtures.js';
import { issueTestCredential } from './helpers/public-fixtures.js';

interface SkillRef {
  skill: string;
  label: string;
}
interface Step {
  achievement: {
    id: string;
    name: string;
    url: string;
    org: { id: string; slug: string; name: string };
    hours: number | null;
    price: { amount: number; currency: string } | null;
  };
  cost: number;
  covers: SkillRef[];
  coversEssential: number;
  needs: string[];
  explanation: string;
}
interface Plan {
  goal: { kind: string; id: string | null; title: string };
  measure: string;
  currency: string | null;
  budget: number | null;
  method: 'exact' | 'greedy';
  fallback: string | null;
  guarantee: { kind: string; factor: number | null; statement: string | null };
  steps: Step[];
  totalCost: number;
  covered: SkillRef[];
  uncovered: SkillRef[];
  uncoverable: SkillRef[];
  coveredWeight: number;
  totalWeight: number;
  gap: { score: number; essentialCoverage: { met: number; total: number; ratio: number }; missing: number };
}
interface Roles {
  measure: string;
  candidates: number;
  roles: {
    occupation: { id: string; title: string };
    reachable: boolean;
    credentials: number;
    cost: number;
    missing: number;
    uncoverable: SkillRef[];
    method: string;
    steps: Step[];
    explanation: string;
  }[];
}

async function json<T>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as T;
}

/**
 * One learner holding SQL Basics, a data-analyst goal missing python and statistics (essential) and data visualisation
 * (optional), and a catalogue across two organisations where the cheapest answer depends on the measure, the currency,
 * the scope, the budget and a prerequisite:
 *
 * | achievement (org)        | teaches             | hours | price   | needs         |
 * |--------------------------|---------------------|-------|---------|---------------|
 * | SQL Basics (A)           | sql                 | 20    | 100 EUR | held          |
 * | Statistics I (A)         | stats               | 30    | free    |               |
 * | Python Fundamentals (A)  | python              | 35    | 200 EUR |               |
 * | Intro to Data (B)        | viz                 | 10    | 20 USD  |               |
 * | Data Toolkit (B)         | python, stats, viz  | 60    | 150 USD | Intro to Data |
 * | Charts (A, unpublished)  | viz                 | 1     | free    |               |
 */
describe.each(databaseTargets())('learning plans and reachable roles on $name', (target) => {
  let ctx: TestContext;
  let fw: TestFramework;
  let caller: Caller;
  let learnerId: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    ctx = await createTestContext(target);
    fw = await insertTestFramework(ctx.db, {
      title: 'Skills',
      items: [
        { key: 'sql', statement: 'SQL' },
        { key: 'python', statement: 'Python' },
        { key: 'stats', statement: 'statistics' },
        { key: 'viz', statement: 'data visualisation' },
        { key: 'ml', statement: 'machine learning' },
      ],
      occupations: [
        {
          key: 'analyst',
          title: 'data analyst',
          skills: [
            { item: 'sql', weight: 1, relation: 'essential' },
            { item: 'python', weight: 1, relation: 'essential' },
            { item: 'stats', weight: 1, relation: 'essential' },
            { item: 'viz', weight: 0.5, relation: 'optional' },
          ],
        },
        {
          key: 'dba',
          title: 'database administrator',
          skills: [
            { item: 'sql', weight: 1, relation: 'essential' },
            { item: 'stats', weight: 0.5, relation: 'optional' },
          ],
        },
        {
          key: 'mle',
          title: 'machine learning engineer',
          skills: [
            { item: 'sql', weight: 0.5, relation: 'optional' },
            { item: 'python', weight: 1, relation: 'essential' },
            { item: 'ml', weight: 1, relation: 'essential' },
          ],
        },
      ],
    });
    const a = await member(ctx, 'issuer');
    const b = await member(ctx, 'issuer');
    const make = async (
      key: string,
      org: { caller: Caller; orgId: string },
      fields: Record<string, unknown>,
      published = true,
    ) => {
      const res = await org.caller.request('POST', `/api/v1/orgs/${org.orgId}/achievements`, {
        ...SAMPLE_ACHIEVEMENT,
        ...fields,
      });
      const { achievement } = await json<{ achievement: { id: string } }>(res, 201);
      ids[key] = achievement.id;
      if (published) {
        await json(
          await org.caller.request('PUT', `/api/v1/orgs/${org.orgId}/achievements/${achievement.id}/publication`),
        );
      }
    };
    const skills = (...keys: string[]) => keys.map((k) => ({ itemId: fw.items[k]!.id }));
    await make('sqlBasics', a, {
      name: 'SQL Basics',
      skills: skills('sql'),
      hours: 20,
      price: { amount: 100, currency: 'EUR' },
    });
    await make('stats', a, {
      name: 'Statistics I',
      skills: skills('stats'),
      hours: 30,
      price: { amount: 0, currency: 'EUR' },
    });
    await make('python', a, {
      name: 'Python Fundamentals',
      skills: skills('python'),
      hours: 35,
      price: { amount: 200, currency: 'EUR' },
    });
    await make('intro', b, {
      name: 'Intro to Data',
      skills: skills('viz'),
      hours: 10,
      price: { amount: 20, currency: 'USD' },
    });
    await make('toolkit', b, {
      name: 'Data Toolkit',
      skills: skills('python', 'stats', 'viz'),
      hours: 60,
      price: { amount: 150, currency: 'USD' },
    });
    await make(
      'charts',
      a,
      { name: 'Charts', skills: skills('viz'), hours: 1, price: { amount: 0, currency: 'EUR' } },
      false,
    );
    await json(
      await b.caller.request('PUT', `/api/v1/orgs/${b.orgId}/achievements/${ids['toolkit']}/award-rule`, {
        rule: { type: 'allOf', rules: [{ type: 'achievement', achievementId: ids['intro'] }] },
      }),
    );

    const learner = await createUser(ctx, { kind: 'learner' });
    learnerId = learner.id;
    caller = await sessionFor(ctx, learner.id);
    const row = await issueTestCredential(ctx, {
      orgId: a.orgId,
      achievementId: ids['sqlBasics']!,
      email: learner.email,
    });
    await ctx.db.updateTable('credentials').set({ holderUserId: learner.id }).where('id', '=', row.id).execute();
  });
  afterAll(() => ctx.close());

  const plan = async (body: Record<string, unknown>, who: Caller = caller) =>
    json<Plan>(
      await who.request('POST', '/api/v1/me/plan', { goal: { occupationId: fw.occupations['analyst']!.id }, ...body }),
    );
  const names = (p: Plan) => p.steps.map((s) => s.achievement.name);
  const skillLabels = (refs: SkillRef[]) => refs.map((r) => r.label);

  it('plans the fewest hours: one prerequisite first, each step explained, the held credential left out', async () => {
    const p = await plan({});
    expect(p.goal).toEqual({ kind: 'occupation', id: fw.occupations['analyst']!.id, title: 'data analyst' });
    expect([p.measure, p.method, p.fallback, p.guarantee.kind]).toEqual(['hours', 'exact', null, 'optimal']);
    // Intro + Toolkit (70 h) beats Statistics + Python + Intro (75 h); Toolkit needs Intro, so Intro comes first.
    expect(names(p)).toEqual(['Intro to Data', 'Data Toolkit']);
    expect(p.totalCost).toBe(70);
    expect(p.steps[1]!.needs).toEqual([ids['intro']]);
    expect(p.steps[1]!.achievement).toMatchObject({ hours: 60, price: { amount: 150, currency: 'USD' } });
    expect(p.steps[1]!.explanation).toBe(
      'Covers 2 of 2 missing essential skills for data analyst (Python, statistics); needs Intro to Data first; 60 hours.',
    );
    expect(skillLabels(p.covered).sort()).toEqual(['Python', 'data visualisation', 'statistics']);
    expect([p.uncovered, p.uncoverable]).toEqual([[], []]);
    // SQL is held: weight 1 of 3.5, one essential skill of three.
    expect(p.gap.score).toBeCloseTo(1 / 3.5, 12);
    expect(p.gap.essentialCoverage).toEqual({ met: 1, total: 3, ratio: 1 / 3 });
    expect(p.gap.missing).toBe(3);
  });

  it('answers each measure, currency, scope and budget with its own optimum', async () => {
    // Essential only: Statistics + Python (65 h) beats Intro + Toolkit (70 h); equal weight, the cheaper one first.
    expect(names(await plan({ scope: 'essential' }))).toEqual(['Statistics I', 'Python Fundamentals']);
    const count = await plan({ measure: 'count' });
    expect([names(count), count.totalCost]).toEqual([['Intro to Data', 'Data Toolkit'], 2]);
    // In euros the USD achievements cannot be chosen (Statistics is free in any currency); no published one teaches viz.
    const eur = await plan({ measure: 'price', currency: 'EUR' });
    expect([names(eur), eur.totalCost, skillLabels(eur.uncoverable)]).toEqual([
      ['Statistics I', 'Python Fundamentals'],
      200,
      ['data visualisation'],
    ]);
    const usd = await plan({ measure: 'price', currency: 'USD' });
    expect([names(usd), usd.totalCost]).toEqual([['Intro to Data', 'Data Toolkit'], 170]);
    // 40 hours: Statistics + Intro (weight 1.5) beats Python alone (1); Python is left for later. Heavier step first.
    const budget = await plan({ budget: 40 });
    expect([names(budget), budget.totalCost, budget.coveredWeight, budget.totalWeight]).toEqual([
      ['Statistics I', 'Intro to Data'],
      40,
      1.5,
      2.5,
    ]);
    expect(skillLabels(budget.uncovered)).toEqual(['Python']);
  });

  it('gives the same plan for the same request', async () => {
    const body = { measure: 'count', budget: 1 };
    expect(await plan(body)).toEqual(await plan(body));
  });

  it('refuses bad requests with coded errors', async () => {
    const refused = async (body: unknown, path: string) => {
      const error = await expectError(await caller.request('POST', '/api/v1/me/plan', body), 400, 'ERR_VALIDATION');
      expect(error.details?.issues?.map((i) => i.path)).toContain(path);
    };
    const goal = { occupationId: fw.occupations['analyst']!.id };
    await refused({ goal, measure: 'price' }, 'currency');
    await refused({ goal, measure: 'hours', currency: 'EUR' }, 'currency');
    await refused({ goal, measure: 'minutes' }, 'measure');
    await refused({ goal, budget: -1 }, 'budget');
    await refused({ goal, scope: 'some' }, 'scope');
    await expectError(
      await caller.request('POST', '/api/v1/me/plan', {
        goal: { occupationId: '00000000-0000-4000-8000-000000000000' },
      }),
      404,
      'ERR_NOT_FOUND',
    );
    await expectError(await anonymous(ctx).request('POST', '/api/v1/me/plan', { goal }), 401, 'ERR_UNAUTHENTICATED');
    const token = await tokenFor(ctx, learnerId, ['credentials:hold']);
    await expectError(await token.request('POST', '/api/v1/me/plan', { goal }), 403, 'ERR_SCOPE');
    const reader = await tokenFor(ctx, learnerId, ['skills:read']);
    expect(names(await plan({}, reader))).toEqual(['Intro to Data', 'Data Toolkit']);
  });

  it('ranks the closest occupations by the fewest credentials that reach them', async () => {
    const body = await json<Roles>(await caller.request('GET', '/api/v1/me/reachable-roles'));
    expect([body.measure, body.candidates]).toEqual(['count', 3]);
    expect(body.roles.map((r) => [r.occupation.title, r.reachable, r.credentials, r.missing])).toEqual([
      ['database administrator', true, 0, 0],
      ['data analyst', true, 2, 2],
      ['machine learning engineer', false, 1, 2],
    ]);
    const mle = body.roles[2]!;
    expect(skillLabels(mle.uncoverable)).toEqual(['machine learning']);
    expect(mle.explanation).toBe(
      'machine learning engineer: 1 credential closes 1 of its 2 missing essential skills; no credential teaches 1.',
    );
    expect(body.roles[1]!.steps.map((s) => s.achievement.name)).toHaveLength(2);
    const hours = await json<Roles>(await caller.request('GET', '/api/v1/me/reachable-roles?measure=hours&limit=1'));
    expect(hours.roles.map((r) => [r.occupation.title, r.cost])).toEqual([['database administrator', 0]]);
    await expectError(await caller.request('GET', '/api/v1/me/reachable-roles?measure=price'), 400, 'ERR_VALIDATION');
  });
});
