import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCredential, type JsonObject } from '@skillproof/core';
import { seedDemo } from '../src/seed/demo.js';
import { createSelfFetcher } from '../src/http/self-fetcher.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';

describe.each(databaseTargets())('demo seed on $name', (target) => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext(target);
  });
  afterAll(() => ctx.close());

  it('seeds an empty database once: the demo organisation, three achievements, three accounts that sign in', async () => {
    const accounts = await seedDemo(ctx.deps, { password: 'demo password 1234' });
    expect(accounts?.map((a) => [a.kind, a.email])).toEqual([
      ['staff', 'admin@demo.skillproof.dev'],
      ['learner', 'learner@demo.skillproof.dev'],
      ['employer', 'employer@demo.skillproof.dev'],
    ]);
    expect(await seedDemo(ctx.deps)).toBeUndefined();
    for (const a of accounts!) {
      const res = await ctx.app.request('/api/v1/auth/sign-in', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: a.email, password: a.password }),
      });
      expect(res.status).toBe(200);
    }
    const orgs = await ctx.db.selectFrom('organizations').selectAll().execute();
    expect(orgs.map((o) => o.slug)).toEqual(['demo']);
    const achievements = await ctx.db
      .selectFrom('achievements')
      .select('id')
      .where('orgId', '=', orgs[0]!.id)
      .execute();
    expect(achievements).toHaveLength(3);
    const catalogue = (await (await ctx.app.request('/api/v1/catalogue')).json()) as {
      achievements: { name: string; hours: number; skills: { url: string }[] }[];
    };
    expect(catalogue.achievements.map((a) => [a.name, a.hours, a.skills.length]).sort()).toEqual([
      ['Data Visualisation Project', 30, 1],
      ['SQL Fundamentals', 12, 2],
      ['Workplace Data Ethics', 4, 1],
    ]);
  });

  it('the learner holds two claimed credentials that verify, status checked', async () => {
    const learner = await ctx.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', 'learner@demo.skillproof.dev')
      .executeTakeFirstOrThrow();
    const held = await ctx.db.selectFrom('credentials').selectAll().where('holderUserId', '=', learner.id).execute();
    expect(held).toHaveLength(2);
    const fetcher = createSelfFetcher(ctx.app, ctx.deps);
    for (const c of held) {
      const result = await verifyCredential(c.document as JsonObject, { fetcher, clock: ctx.deps.clock });
      expect(result.checks.filter((k) => k.status !== 'passed' && k.status !== 'skipped')).toEqual([]);
      expect(result.verified).toBe(true);
    }
  });
});
