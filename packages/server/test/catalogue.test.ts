import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAchievement, OB_V3_CONTEXT, VC_V2_CONTEXT } from '@skillproof/core';
import { planLearningPath } from '@skillproof/skills';
import { AchievementDefinition, achievementInput } from '../src/domains/achievements/definition.js';
import { GLOBAL_SCALE_IDS } from '../src/domains/frameworks/scales.js';
import { requiredAchievementIds } from '../src/domains/guidance/catalogue.js';
import { planCatalogueFor } from '../src/domains/guidance/plan-catalogue.js';
import { ORG_NOT_FOUND } from '../src/http/access.js';
import { AppError } from '../src/errors.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { expectError } from './helpers/errors.js';
import { insertTestFramework, type TestFramework } from './helpers/frameworks.js';
import { anonymous, member, SAMPLE_ACHIEVEMENT, tokenFor, type Caller } from './helpers/fixtures.js';
import { issueTestCredential } from './helpers/public-fixtures.js';

interface Achievement {
  id: string;
  version: number;
  url: string;
  definition: Record<string, unknown>;
  updatedAt: string;
  archived: boolean;
  published: boolean;
  publishedAt: string | null;
}

interface Entry {
  id: string;
  url: string;
  name: string;
  description: string;
  org: { id: string; slug: string; name: string };
  hours: number | null;
  price: { amount: number; currency: string } | null;
  skills: { url: string; label: string; level: number | null }[];
  prerequisites: string[];
}

interface Page {
  achievements: Entry[];
  nextCursor: string | null;
}

async function json<T>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as T;
}

const PRICE = { amount: 49.5, currency: 'EUR' };

describe.each(databaseTargets())('learning catalogue on $name', (target) => {
  let ctx: TestContext;
  let fw: TestFramework;
  let issuer: { caller: Caller; orgId: string; user: { id: string } };
  let base: string;

  beforeAll(async () => {
    ctx = await createTestContext(target);
    fw = await insertTestFramework(ctx.db, {
      items: [
        { key: 'sql', statement: 'use SQL', uri: `http://skills.example.org/${randomUUID()}` },
        // No URI of its own: its CASE CFItem URL here stands for it.
        { key: 'python', statement: 'Python programming', uri: null },
        { key: 'stats', statement: 'statistics' },
        { key: 'viz', statement: 'present visual data' },
      ],
    });
    issuer = await member(ctx, 'issuer');
    base = `/api/v1/orgs/${issuer.orgId}/achievements`;
  });
  afterAll(() => ctx.close());

  const create = async (caller: Caller, orgId: string, fields: Record<string, unknown> = {}) =>
    (
      await json<{ achievement: Achievement }>(
        await caller.request('POST', `/api/v1/orgs/${orgId}/achievements`, { ...SAMPLE_ACHIEVEMENT, ...fields }),
        201,
      )
    ).achievement;
  const publish = async (caller: Caller, orgId: string, id: string) =>
    (
      await json<{ achievement: Achievement }>(
        await caller.request('PUT', `/api/v1/orgs/${orgId}/achievements/${id}/publication`),
      )
    ).achievement;
  const setRule = async (caller: Caller, orgId: string, id: string, rule: unknown) =>
    json(await caller.request('PUT', `/api/v1/orgs/${orgId}/achievements/${id}/award-rule`, { rule }));
  const leaf = (achievementId: string) => ({ type: 'achievement', achievementId });

  it('hours and price are validated with coded errors, and patched like the other fields', async () => {
    const refused = async (fields: Record<string, unknown>, path: string) => {
      const error = await expectError(
        await issuer.caller.request('POST', base, { ...SAMPLE_ACHIEVEMENT, ...fields }),
        400,
        'ERR_VALIDATION',
      );
      expect(error.details?.issues?.map((i) => i.path)).toEqual([path]);
    };
    await refused({ hours: -1 }, 'hours');
    await refused({ hours: 0 }, 'hours');
    await refused({ hours: 10_000.5 }, 'hours');
    await refused({ hours: '20' }, 'hours');
    await refused({ price: { amount: 12.345, currency: 'EUR' } }, 'price.amount');
    await refused({ price: { amount: -1, currency: 'EUR' } }, 'price.amount');
    await refused({ price: { amount: 10_000_000.01, currency: 'EUR' } }, 'price.amount');
    await refused({ price: { amount: 10, currency: 'eur' } }, 'price.currency');
    await refused({ price: { amount: 10, currency: 'EURO' } }, 'price.currency');
    await refused({ price: { amount: 10 } }, 'price.currency');
    await refused({ price: { amount: 10, currency: 'EUR', vat: 2 } }, 'price');

    const a = await create(issuer.caller, issuer.orgId, {
      hours: 10_000,
      price: { amount: 10_000_000, currency: 'JPY' },
    });
    expect(a.definition).toMatchObject({ hours: 10_000, price: { amount: 10_000_000, currency: 'JPY' } });
    const patch = (body: unknown) => issuer.caller.request('PATCH', `${base}/${a.id}`, body);
    const v2 = (
      await json<{ achievement: Achievement }>(await patch({ hours: 0.5, price: { amount: 0.1, currency: 'USD' } }))
    ).achievement;
    expect(v2.version).toBe(2);
    expect(v2.definition).toMatchObject({ hours: 0.5, price: { amount: 0.1, currency: 'USD' } });
    const bad = await expectError(await patch({ price: { amount: 1.001, currency: 'USD' } }), 400, 'ERR_VALIDATION');
    expect(bad.details?.issues?.map((i) => i.path)).toEqual(['price.amount']);
    const v3 = (await json<{ achievement: Achievement }>(await patch({ hours: null, price: null }))).achievement;
    expect(v3.version).toBe(3);
    expect(v3.definition).not.toHaveProperty('hours');
    expect(v3.definition).not.toHaveProperty('price');
  });

  it('the cost figures change neither the OB 3.0 Achievement nor the credentials (byte-identical)', async () => {
    const without = AchievementDefinition.parse({ ...SAMPLE_ACHIEVEMENT });
    const withCosts = AchievementDefinition.parse({ ...SAMPLE_ACHIEVEMENT, hours: 20, price: PRICE });
    const id = randomUUID();
    const { publicUrl } = ctx.deps;
    expect(JSON.stringify(buildAchievement(achievementInput(publicUrl, id, 1, withCosts)))).toBe(
      JSON.stringify(buildAchievement(achievementInput(publicUrl, id, 1, without))),
    );

    // Through the API: the public version document and an issued credential say exactly what they say without them.
    const a = await create(issuer.caller, issuer.orgId, { hours: 20, price: PRICE });
    const expected = buildAchievement(achievementInput(publicUrl, a.id, 1, without));
    const document = await (await anonymous(ctx).request('GET', `/achievements/${a.id}/versions/1`)).text();
    expect(document).toBe(JSON.stringify({ '@context': [VC_V2_CONTEXT, OB_V3_CONTEXT], ...expected }));
    const row = await issueTestCredential(ctx, { orgId: issuer.orgId, achievementId: a.id });
    const subject = (row.document as { credentialSubject: { achievement: unknown } }).credentialSubject;
    expect(JSON.stringify(subject.achievement)).toBe(JSON.stringify(expected));
    const payload = JSON.parse(Buffer.from(row.jwt.split('.')[1]!, 'base64url').toString('utf8')) as {
      credentialSubject: { achievement: unknown };
    };
    expect(JSON.stringify(payload.credentialSubject.achievement)).toBe(JSON.stringify(expected));
  });

  it('publish and unpublish are idempotent and audited; an archived achievement cannot be published, archiving unpublishes', async () => {
    ctx.setNow('2026-06-01T12:05:00Z');
    const a = await create(issuer.caller, issuer.orgId);
    expect(a).toMatchObject({ published: false, publishedAt: null });
    const path = `${base}/${a.id}/publication`;
    ctx.setNow('2026-06-01T12:10:00Z');
    const published = await publish(issuer.caller, issuer.orgId, a.id);
    expect(published).toMatchObject({
      id: a.id,
      version: 1,
      published: true,
      publishedAt: '2026-06-01T12:10:00.000Z',
      updatedAt: '2026-06-01T12:10:00.000Z',
    });
    ctx.setNow('2026-06-01T12:20:00Z');
    expect(await publish(issuer.caller, issuer.orgId, a.id)).toMatchObject({
      published: true,
      publishedAt: '2026-06-01T12:10:00.000Z',
      updatedAt: '2026-06-01T12:10:00.000Z',
    });
    const got = await json<{ achievement: Achievement }>(await issuer.caller.request('GET', `${base}/${a.id}`));
    expect(got.achievement).toMatchObject({ published: true, publishedAt: '2026-06-01T12:10:00.000Z' });

    const unpublished = await json<{ achievement: Achievement }>(await issuer.caller.request('DELETE', path));
    expect(unpublished.achievement).toMatchObject({ published: false, publishedAt: null });
    await json(await issuer.caller.request('DELETE', path));

    ctx.setNow('2026-06-01T12:30:00Z');
    await publish(issuer.caller, issuer.orgId, a.id);
    const archived = await json<{ achievement: Achievement }>(await issuer.caller.request('DELETE', `${base}/${a.id}`));
    expect(archived.achievement).toMatchObject({ archived: true, published: false, publishedAt: null });
    const refused = await expectError(await issuer.caller.request('PUT', path), 409, 'ERR_STATE');
    expect(refused.message).toMatch(/archived/);
    await json(await issuer.caller.request('DELETE', path));

    const audit = await ctx.db
      .selectFrom('auditLog')
      .select(['action', 'actorUserId', 'targetType'])
      .where('targetId', '=', a.id)
      .orderBy('id')
      .execute();
    expect(audit.map((r) => r.action)).toEqual([
      'achievement.create',
      'achievement.publish',
      'achievement.unpublish',
      'achievement.publish',
      'achievement.archive',
    ]);
    expect(new Set(audit.map((r) => `${r.actorUserId} ${r.targetType}`))).toEqual(
      new Set([`${issuer.user.id} achievement`]),
    );
    ctx.setNow('2026-06-01T12:00:00Z');
  });

  it('publication has the access of editing an achievement: other tenants get 404, viewers 403, anonymous 401', async () => {
    const a = await create(issuer.caller, issuer.orgId);
    const path = `${base}/${a.id}/publication`;
    const other = await member(ctx, 'owner');
    for (const method of ['PUT', 'DELETE']) {
      const notMember = await expectError(await other.caller.request(method, path), 404, 'ERR_NOT_FOUND');
      expect(notMember.message).toBe(ORG_NOT_FOUND);
      // Naming the achievement under their own organisation: no such achievement there.
      await expectError(
        await other.caller.request(method, `/api/v1/orgs/${other.orgId}/achievements/${a.id}/publication`),
        404,
        'ERR_NOT_FOUND',
      );
      const viewer = await member(ctx, 'viewer', issuer.orgId);
      await expectError(await viewer.caller.request(method, path), 403, 'ERR_FORBIDDEN');
      await expectError(await anonymous(ctx).request(method, path), 401, 'ERR_UNAUTHENTICATED');
      const readOnly = await tokenFor(ctx, issuer.user.id, ['achievements:read']);
      await expectError(await readOnly.request(method, path), 403, 'ERR_SCOPE');
    }
    const token = await tokenFor(ctx, issuer.user.id, ['achievements:write']);
    expect((await json<{ achievement: Achievement }>(await token.request('PUT', path))).achievement.published).toBe(
      true,
    );
    const row = await ctx.db.selectFrom('achievements').select('publishedAt').where('id', '=', a.id).executeTakeFirst();
    expect(row?.publishedAt).toEqual(ctx.deps.clock());
  });

  describe('the public listing', () => {
    let orgA: { caller: Caller; orgId: string };
    let orgB: { caller: Caller; orgId: string };
    let slugA: string;
    let slugB: string;
    let sqlEntry: Entry;
    let ids: Record<string, string>;

    beforeAll(async () => {
      ctx.setNow('2026-07-01T10:00:00Z');
      orgA = await member(ctx, 'issuer');
      orgB = await member(ctx, 'issuer');
      const slugs = await ctx.db
        .selectFrom('organizations')
        .select(['id', 'slug'])
        .where('id', 'in', [orgA.orgId, orgB.orgId])
        .execute();
      slugA = slugs.find((s) => s.id === orgA.orgId)!.slug;
      slugB = slugs.find((s) => s.id === orgB.orgId)!.slug;
      ids = {};
      const sql = await create(orgA.caller, orgA.orgId, {
        name: 'SQL for Analysts',
        hours: 20,
        price: PRICE,
        skills: [
          { itemId: fw.items['sql']!.id, requiredLevel: { scaleId: GLOBAL_SCALE_IDS.eqf, level: '5' } },
          { itemId: fw.items['stats']!.id },
        ],
      });
      ids['sql'] = sql.id;
      await publish(orgA.caller, orgA.orgId, sql.id);
      ctx.setNow('2026-07-01T11:00:00Z');
      ids['draft'] = (await create(orgA.caller, orgA.orgId, { name: 'Draft 100% SQL' })).id;
      const gone = await create(orgA.caller, orgA.orgId, {
        name: 'Old SQL',
        skills: [{ itemId: fw.items['sql']!.id }],
      });
      ids['gone'] = gone.id;
      await publish(orgA.caller, orgA.orgId, gone.id);
      await json(await orgA.caller.request('DELETE', `/api/v1/orgs/${orgA.orgId}/achievements/${gone.id}`));
      ctx.setNow('2026-07-01T12:00:00Z');
      const stats = await create(orgA.caller, orgA.orgId, {
        name: 'Statistics',
        skills: [{ itemId: fw.items['stats']!.id }],
      });
      ids['stats'] = stats.id;
      await publish(orgA.caller, orgA.orgId, stats.id);
      await setRule(orgA.caller, orgA.orgId, stats.id, { type: 'allOf', rules: [leaf(sql.id)] });
      ctx.setNow('2026-07-01T13:00:00Z');
      const python = await create(orgB.caller, orgB.orgId, {
        name: 'Python for Data',
        skills: [{ itemId: fw.items['python']!.id }],
      });
      ids['python'] = python.id;
      await publish(orgB.caller, orgB.orgId, python.id);
      ctx.setNow('2026-06-01T12:00:00Z');
      sqlEntry = {
        id: sql.id,
        url: `https://skillproof.test/achievements/${sql.id}/versions/1`,
        name: 'SQL for Analysts',
        description: SAMPLE_ACHIEVEMENT.description,
        org: { id: orgA.orgId, slug: slugA, name: `Org ${slugA}` },
        hours: 20,
        price: PRICE,
        skills: [
          { url: fw.items['sql']!.uri!, label: 'use SQL', level: 5 / 8 },
          { url: fw.items['stats']!.uri!, label: 'statistics', level: null },
        ],
        prerequisites: [],
      };
    });

    const list = async (query: string) => json<Page>(await anonymous(ctx).request('GET', `/api/v1/catalogue${query}`));

    it('lists the published, non-archived achievements of every organisation, newest published first', async () => {
      const { achievements } = await list('?limit=100');
      const ours = achievements.filter((e) => Object.values(ids).includes(e.id)).map((e) => e.id);
      expect(ours).toEqual([ids['python'], ids['stats'], ids['sql']]);
      expect(achievements.find((e) => e.id === ids['sql'])).toEqual(sqlEntry);
      expect(achievements.find((e) => e.id === ids['stats'])).toMatchObject({
        hours: null,
        price: null,
        prerequisites: [ids['sql']],
      });
      expect(achievements.find((e) => e.id === ids['python'])).toMatchObject({
        org: { id: orgB.orgId, slug: slugB },
        skills: [
          {
            url: `https://skillproof.test/ims/case/v1p1/CFItems/${fw.items['python']!.caseIdentifier}`,
            label: 'Python programming',
            level: null,
          },
        ],
      });
    });

    it('filters by skill URL (URI or CASE URL), name and organisation', async () => {
      const idsOf = (page: Page) => page.achievements.map((e) => e.id);
      expect(idsOf(await list(`?skill=${encodeURIComponent(fw.items['sql']!.uri!)}`))).toEqual([ids['sql']]);
      expect(idsOf(await list(`?skill=${encodeURIComponent(fw.items['stats']!.uri!)}`))).toEqual([
        ids['stats'],
        ids['sql'],
      ]);
      const caseUrl = `https://skillproof.test/ims/case/v1p1/CFItems/${fw.items['python']!.caseIdentifier}`;
      expect(idsOf(await list(`?skill=${encodeURIComponent(caseUrl)}`))).toEqual([ids['python']]);
      // An item with a URI of its own is not named by its CASE URL.
      const sqlCaseUrl = `https://skillproof.test/ims/case/v1p1/CFItems/${fw.items['sql']!.caseIdentifier}`;
      expect(idsOf(await list(`?skill=${encodeURIComponent(sqlCaseUrl)}`))).toEqual([]);
      expect(idsOf(await list(`?org=${slugA}`))).toEqual([ids['stats'], ids['sql']]);
      expect(idsOf(await list(`?org=${slugB}&q=PYTHON`))).toEqual([ids['python']]);
      expect(idsOf(await list(`?org=${slugA}&q=sql%20FOR`))).toEqual([ids['sql']]);
      // LIKE's wildcards are taken literally: the unpublished "Draft 100% SQL" is not listed, and "%" matches nothing.
      expect(idsOf(await list(`?org=${slugA}&q=${encodeURIComponent('%')}`))).toEqual([]);
      expect(idsOf(await list(`?org=${slugA}&q=_`))).toEqual([]);
      expect(idsOf(await list(`?org=no-such-org`))).toEqual([]);
      await expectError(await anonymous(ctx).request('GET', '/api/v1/catalogue?q='), 400, 'ERR_VALIDATION');
    });

    it('pages with cursors', async () => {
      const first = await list(`?org=${slugA}&limit=1`);
      expect(first.achievements.map((e) => e.id)).toEqual([ids['stats']]);
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = await list(`?org=${slugA}&limit=1&cursor=${first.nextCursor}`);
      expect(second.achievements.map((e) => e.id)).toEqual([ids['sql']]);
      expect(second.nextCursor).toBeNull();
      await expectError(
        await anonymous(ctx).request('GET', '/api/v1/catalogue?cursor=bm90LWEtY3Vyc29y'),
        400,
        'ERR_VALIDATION',
      );
      await expectError(await anonymous(ctx).request('GET', '/api/v1/catalogue?limit=101'), 400, 'ERR_VALIDATION');
    });

    it("counts an achievement's own Alignments as skills after its framework items, each URL once", async () => {
      const orgC = await member(ctx, 'issuer');
      const viz = 'http://data.europa.eu/esco/skill/c0326e27-5fa8-4dca-aecb-ed89ab491513';
      const aligned = await create(orgC.caller, orgC.orgId, {
        name: 'Dashboards',
        skills: [{ itemId: fw.items['sql']!.id }],
        alignment: [
          { targetName: 'prepare visual data', targetUrl: viz },
          // The same skill as the framework item: listed once, with the item's label.
          { targetName: 'SQL again', targetUrl: fw.items['sql']!.uri! },
        ],
      });
      await publish(orgC.caller, orgC.orgId, aligned.id);
      const [entry] = (await list(`?skill=${encodeURIComponent(viz)}`)).achievements;
      expect(entry?.id).toBe(aligned.id);
      expect(entry?.skills).toEqual([
        { url: fw.items['sql']!.uri!, label: 'use SQL', level: null },
        { url: viz, label: 'prepare visual data', level: null },
      ]);
      const planned = (await planCatalogueFor(ctx.deps)).credentials.find((c) => c.id === aligned.id);
      expect(planned?.skills).toEqual([{ skill: fw.items['sql']!.uri! }, { skill: viz }]);
    });
  });

  describe('the planner catalogue', () => {
    let org: { caller: Caller; orgId: string };
    let ids: Record<string, string>;

    beforeAll(async () => {
      org = await member(ctx, 'issuer');
      ids = {};
      const make = async (key: string, fields: Record<string, unknown>, published = true) => {
        const a = await create(org.caller, org.orgId, { name: key, ...fields });
        ids[key] = a.id;
        if (published) await publish(org.caller, org.orgId, a.id);
      };
      await make('basics', {
        hours: 10,
        price: { amount: 100, currency: 'EUR' },
        skills: [{ itemId: fw.items['sql']!.id }],
      });
      await make('free', {
        hours: 5,
        price: { amount: 0, currency: 'USD' },
        skills: [{ itemId: fw.items['stats']!.id }],
      });
      await make('elective1', { hours: 3, skills: [{ itemId: fw.items['viz']!.id }] });
      await make('elective2', { hours: 4 });
      await make('windowed', { hours: 2 });
      await make('unpublished', { hours: 1 }, false);
      await make('advanced', {
        hours: 30,
        price: { amount: 250.99, currency: 'EUR' },
        skills: [{ itemId: fw.items['python']!.id, requiredLevel: { scaleId: GLOBAL_SCALE_IDS.eqf, level: '6' } }],
      });
      await setRule(org.caller, org.orgId, ids['advanced']!, {
        type: 'allOf',
        rules: [
          leaf(ids['basics']!),
          { type: 'anyOf', rules: [leaf(ids['elective1']!), leaf(ids['elective2']!)] },
          { type: 'nOf', n: 1, rules: [leaf(ids['free']!), leaf(ids['elective2']!)] },
          { type: 'window', days: 365, rule: leaf(ids['windowed']!) },
          leaf(ids['unpublished']!),
          { type: 'credits', min: 5, achievementIds: [ids['elective1']!] },
        ],
      });
    });

    const credential = (c: Awaited<ReturnType<typeof planCatalogueFor>>, key: string) =>
      c.credentials.find((x) => x.id === ids[key]);

    it('holds every published achievement with skills, costs per currency and required prerequisites', async () => {
      const eur = await planCatalogueFor(ctx.deps, { currency: 'EUR' });
      expect(credential(eur, 'unpublished')).toBeUndefined();
      const pythonUrl = `https://skillproof.test/ims/case/v1p1/CFItems/${fw.items['python']!.caseIdentifier}`;
      expect(credential(eur, 'advanced')).toEqual({
        id: ids['advanced'],
        name: 'advanced',
        cost: { hours: 30, price: 250.99 },
        skills: [{ skill: pythonUrl, level: 6 / 8 }],
        prerequisites: [ids['basics'], ids['windowed'], ids['unpublished']],
      });
      expect(credential(eur, 'basics')).toEqual({
        id: ids['basics'],
        name: 'basics',
        cost: { hours: 10, price: 100 },
        skills: [{ skill: fw.items['sql']!.uri }],
        prerequisites: [],
      });
      expect(credential(eur, 'free')?.cost).toEqual({ hours: 5, price: 0 });
      expect(credential(eur, 'elective2')).toMatchObject({ cost: { hours: 4 }, skills: [], prerequisites: [] });
      expect(eur.entries.get(ids['advanced']!)).toEqual({
        id: ids['advanced'],
        name: 'advanced',
        url: `https://skillproof.test/achievements/${ids['advanced']}/versions/1`,
        org: { id: org.orgId, slug: expect.any(String), name: expect.stringMatching(/^Org /) },
        hours: 30,
        price: { amount: 250.99, currency: 'EUR' },
      });
      expect(eur.prepared.credentials).toBe(eur.credentials);
      expect(eur.entries.size).toBe(eur.credentials.length);

      const usd = await planCatalogueFor(ctx.deps, { currency: 'USD' });
      expect(credential(usd, 'basics')?.cost).toEqual({ hours: 10 });
      expect(credential(usd, 'free')?.cost).toEqual({ hours: 5, price: 0 });
      const none = await planCatalogueFor(ctx.deps);
      expect(credential(none, 'advanced')?.cost).toEqual({ hours: 30 });
      expect(credential(none, 'free')?.cost).toEqual({ hours: 5, price: 0 });

      await expect(planCatalogueFor(ctx.deps, { currency: 'eur' })).rejects.toMatchObject({
        code: 'ERR_VALIDATION',
      });
      await expect(planCatalogueFor(ctx.deps, { currency: 'eur' })).rejects.toBeInstanceOf(AppError);
    });

    it('the planner uses it: an unpublished prerequisite makes a credential unobtainable unless held', async () => {
      const { prepared } = await planCatalogueFor(ctx.deps, { currency: 'EUR' });
      const pythonUrl = `https://skillproof.test/ims/case/v1p1/CFItems/${fw.items['python']!.caseIdentifier}`;
      const goal = { skills: [{ skill: pythonUrl, weight: 1, level: 0.75 }] };
      expect(planLearningPath({ goal, catalogue: prepared, measure: 'hours' }).uncoverable).toEqual([pythonUrl]);
      const plan = planLearningPath({ goal, catalogue: prepared, held: [ids['unpublished']!], measure: 'hours' });
      expect(
        plan.steps
          .map((s) => s.id)
          .slice(0, 2)
          .sort(),
      ).toEqual([ids['basics'], ids['windowed']].sort());
      expect(plan.steps[2]).toMatchObject({ id: ids['advanced'], covers: [pythonUrl] });
      expect(plan.steps).toHaveLength(3);
      expect(plan.totalCost).toBe(42);
      // By price in USD the paid prerequisite has no figure: nothing reaches Python.
      const usd = await planCatalogueFor(ctx.deps, { currency: 'USD' });
      expect(
        planLearningPath({ goal, catalogue: usd.prepared, held: [ids['unpublished']!], measure: 'price' }).uncoverable,
      ).toEqual([pythonUrl]);
    });

    it('is kept per app and rebuilt after a publish, an edit, a rule change or an archive', async () => {
      const first = await planCatalogueFor(ctx.deps, { currency: 'EUR' });
      expect(await planCatalogueFor(ctx.deps, { currency: 'EUR' })).toBe(first);

      // The clock stands still: the key must see the change itself, not a newer timestamp.
      await publish(org.caller, org.orgId, ids['unpublished']!);
      const published = await planCatalogueFor(ctx.deps, { currency: 'EUR' });
      expect(published).not.toBe(first);
      expect(credential(published, 'unpublished')?.cost).toEqual({ hours: 1 });

      await json(
        await org.caller.request('PATCH', `/api/v1/orgs/${org.orgId}/achievements/${ids['basics']}`, { hours: 12 }),
      );
      const edited = await planCatalogueFor(ctx.deps, { currency: 'EUR' });
      expect(credential(edited, 'basics')?.cost).toEqual({ hours: 12, price: 100 });
      expect(edited.entries.get(ids['basics']!)?.url).toMatch(/\/versions\/2$/);

      await setRule(org.caller, org.orgId, ids['advanced']!, {
        type: 'anyOf',
        rules: [leaf(ids['basics']!), leaf(ids['free']!)],
      });
      const ruled = await planCatalogueFor(ctx.deps, { currency: 'EUR' });
      expect(credential(ruled, 'advanced')?.prerequisites).toEqual([]);

      await json(await org.caller.request('DELETE', `/api/v1/orgs/${org.orgId}/achievements/${ids['elective2']}`));
      const archived = await planCatalogueFor(ctx.deps, { currency: 'EUR' });
      expect(credential(archived, 'elective2')).toBeUndefined();
      expect(await planCatalogueFor(ctx.deps, { currency: 'EUR' })).toBe(archived);

      // A stored rule that no longer parses gives no prerequisites rather than failing the catalogue.
      await ctx.db
        .updateTable('awardRules')
        .set({ rule: JSON.stringify({ type: 'allOf', rules: [{ type: 'nonsense' }] }) })
        .where('achievementId', '=', ids['advanced']!)
        .execute();
      const unparsable = await planCatalogueFor(ctx.deps, { currency: 'EUR' });
      expect(unparsable).not.toBe(archived);
      expect(credential(unparsable, 'advanced')?.prerequisites).toEqual([]);
    });
  });

  it('requiredAchievementIds: allOf and window require, anyOf and nOf offer a choice unless there is none', () => {
    const [a, b, c, d, e] = Array.from({ length: 5 }, () => randomUUID()) as [string, string, string, string, string];
    const l = (id: string) => ({ type: 'achievement' as const, achievementId: id });
    expect(
      requiredAchievementIds({
        type: 'allOf',
        rules: [
          l(a),
          { type: 'anyOf', rules: [l(b), l(c)] },
          { type: 'nOf', n: 1, rules: [l(c), l(d)] },
          { type: 'window', days: 30, rule: { type: 'allOf', rules: [l(e), l(a)] } },
        ],
      }),
    ).toEqual([a, e]);
    expect(requiredAchievementIds({ type: 'anyOf', rules: [l(a)] })).toEqual([a]);
    expect(requiredAchievementIds({ type: 'nOf', n: 2, rules: [l(a), l(b)] })).toEqual([a, b]);
    expect(requiredAchievementIds({ type: 'anyOf', rules: [{ type: 'allOf', rules: [l(a)] }, l(b)] })).toEqual([]);
    expect(requiredAchievementIds({ type: 'credits', min: 3, achievementIds: [a] })).toEqual([]);
    expect(requiredAchievementIds(l(a))).toEqual([a]);
  });
});
