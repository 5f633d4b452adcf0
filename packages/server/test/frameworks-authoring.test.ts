import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { expectError } from './helpers/errors.js';
import { anonymous, member, tokenFor, type Caller } from './helpers/fixtures.js';
import { insertTestFramework } from './helpers/frameworks.js';

interface Framework {
  id: string;
  orgId: string | null;
  source: string;
  identifier: string;
  uri: string;
  title: string;
  public: boolean;
  adoptionStatus: string | null;
  updatedAt: string;
  lastChangeAt: string;
}
interface Item {
  id: string;
  identifier: string;
  caseIdentifier: string;
  statement: string;
  type: string;
  altLabels: string[];
}
interface Association {
  id: string;
  type: string;
  origin: { itemId: string | null; identifier: string };
  destination: { itemId: string | null; identifier: string; uri: string | null; title: string | null };
}

async function json<T>(res: Response, status: number): Promise<T> {
  const body = (await res.json()) as T;
  expect(res.status, JSON.stringify(body)).toBe(status);
  return body;
}

describe.each(databaseTargets())('framework authoring on $name', (target) => {
  let ctx: TestContext;
  let admin: { caller: Caller; orgId: string; user: { id: string } };
  let base: string;
  beforeAll(async () => {
    ctx = await createTestContext(target);
    admin = await member(ctx, 'admin');
    base = `/api/v1/orgs/${admin.orgId}/frameworks`;
  });
  afterAll(() => ctx.close());

  const createFramework = async (title = 'Data skills') =>
    (await json<{ framework: Framework }>(await admin.caller.request('POST', base, { title }), 201)).framework;
  const addItem = async (frameworkId: string, statement: string, extra: Record<string, unknown> = {}) =>
    (
      await json<{ item: Item }>(
        await admin.caller.request('POST', `${base}/${frameworkId}/items`, { statement, ...extra }),
        201,
      )
    ).item;
  const associate = (frameworkId: string, body: Record<string, unknown>) =>
    admin.caller.request('POST', `${base}/${frameworkId}/associations`, body);
  const childOf = async (frameworkId: string, child: Item, parent: Item) =>
    (
      await json<{ association: Association }>(
        await associate(frameworkId, { type: 'isChildOf', originItemId: child.id, destinationItemId: parent.id }),
        201,
      )
    ).association;
  const stored = async (frameworkId: string) => ({
    framework: await ctx.db.selectFrom('frameworks').selectAll().where('id', '=', frameworkId).executeTakeFirst(),
    items: await ctx.db
      .selectFrom('frameworkItems')
      .select('statement')
      .where('frameworkId', '=', frameworkId)
      .execute(),
    associations: await ctx.db
      .selectFrom('frameworkAssociations')
      .select(['type', 'originIdentifier', 'destinationIdentifier'])
      .where('frameworkId', '=', frameworkId)
      .orderBy('createdAt')
      .orderBy('originIdentifier')
      .execute(),
  });

  it('an admin creates a private draft framework, adds items and places them with isChildOf; each write is audited', async () => {
    ctx.setNow('2026-06-01T13:00:00Z');
    const framework = await createFramework();
    expect(framework).toMatchObject({
      orgId: admin.orgId,
      source: 'custom',
      title: 'Data skills',
      public: false,
      adoptionStatus: 'Draft',
      uri: `https://skillproof.test/ims/case/v1p1/CFDocuments/${framework.identifier}`,
      updatedAt: '2026-06-01T13:00:00.000Z',
    });
    ctx.setNow('2026-06-01T13:05:00Z');
    const data = await addItem(framework.id, 'Work with data', { type: 'competency', code: 'D' });
    const sql = await addItem(framework.id, 'Query relational databases with SQL', {
      type: 'skill',
      code: 'D.1',
      altLabels: ['SQL', 'write SQL queries'],
    });
    expect(sql).toMatchObject({ type: 'skill', altLabels: ['SQL', 'write SQL queries'] });
    expect(sql.identifier).toBe(sql.caseIdentifier);
    ctx.setNow('2026-06-01T13:10:00Z');
    const association = await childOf(framework.id, sql, data);
    expect(association).toMatchObject({
      type: 'isChildOf',
      origin: { itemId: sql.id, identifier: sql.identifier },
      destination: { itemId: data.id, identifier: data.identifier, title: 'Work with data' },
    });
    const after = await stored(framework.id);
    expect(after.framework!.updatedAt.toISOString()).toBe('2026-06-01T13:10:00.000Z');
    expect(after.associations).toEqual([
      { type: 'isChildOf', originIdentifier: sql.identifier, destinationIdentifier: data.identifier },
    ]);
    const audit = await ctx.db
      .selectFrom('auditLog')
      .select(['action', 'actorUserId'])
      .where('orgId', '=', admin.orgId)
      .where((eb) => eb.or([eb('targetId', 'in', [framework.id, data.id, sql.id, association.id])]))
      .orderBy('at')
      .execute();
    expect(audit.map((a) => a.action)).toEqual([
      'framework.create',
      'framework_item.create',
      'framework_item.create',
      'framework_association.create',
    ]);
    expect(new Set(audit.map((a) => a.actorUserId))).toEqual(new Set([admin.user.id]));
  });

  it('refuses an isChildOf cycle with ERR_IMPORT_CYCLE naming the items, and writes nothing', async () => {
    ctx.setNow('2026-06-01T14:00:00Z');
    const framework = await createFramework('Cycles');
    const [a, b, c] = [
      await addItem(framework.id, 'A'),
      await addItem(framework.id, 'B'),
      await addItem(framework.id, 'C'),
    ];
    await childOf(framework.id, b, a);
    await childOf(framework.id, c, b);
    const before = await stored(framework.id);
    ctx.setNow('2026-06-01T14:30:00Z');
    const error = await expectError(
      await associate(framework.id, { type: 'isChildOf', originItemId: a.id, destinationItemId: c.id }),
      400,
      'ERR_IMPORT_CYCLE',
    );
    for (const item of [a, b, c]) expect(error.message).toContain(item.identifier);
    await expectError(
      await associate(framework.id, { type: 'isChildOf', originItemId: a.id, destinationItemId: a.id }),
      400,
      'ERR_IMPORT_CYCLE',
    );
    expect(await stored(framework.id)).toEqual(before);
    // Other types may run against the hierarchy: a precedes its descendant c.
    await json(await associate(framework.id, { type: 'precedes', originItemId: c.id, destinationItemId: a.id }), 201);
  });

  it('checks types, references and duplicates as an import does', async () => {
    const framework = await createFramework('Checks');
    const [a, b] = [await addItem(framework.id, 'A'), await addItem(framework.id, 'B')];
    const before = await stored(framework.id);
    await expectError(
      await associate(framework.id, { type: 'isCousinOf', originItemId: a.id, destinationItemId: b.id }),
      400,
      'ERR_IMPORT_ASSOCIATION_TYPE',
    );
    await expectError(
      await associate(framework.id, { type: 'isChildOf', originItemId: randomUUID(), destinationItemId: b.id }),
      400,
      'ERR_IMPORT_REFERENCE',
    );
    await expectError(
      await associate(framework.id, { type: 'isChildOf', originItemId: a.id, destinationItemId: randomUUID() }),
      400,
      'ERR_IMPORT_REFERENCE',
    );
    // Another organisation's private framework is as good as absent.
    const stranger = await member(ctx, 'admin');
    const hidden = await insertTestFramework(ctx.db, { orgId: stranger.orgId, items: [{ key: 'x', statement: 'X' }] });
    await expectError(
      await associate(framework.id, {
        type: 'exactMatchOf',
        originItemId: a.id,
        destinationItemId: hidden.items['x']!.id,
      }),
      400,
      'ERR_IMPORT_REFERENCE',
    );
    expect(await stored(framework.id)).toEqual(before);
    await json(
      await associate(framework.id, { type: 'ext:prerequisite', originItemId: a.id, destinationItemId: b.id }),
      201,
    );
    await expectError(
      await associate(framework.id, { type: 'ext:prerequisite', originItemId: a.id, destinationItemId: b.id }),
      400,
      'ERR_IMPORT_DUPLICATE',
    );
  });

  it('aligns an item to a global framework item as a node elsewhere, by URI', async () => {
    const framework = await createFramework('Aligned');
    const mine = await addItem(framework.id, 'Use SQL');
    const esco = await insertTestFramework(ctx.db, {
      items: [{ key: 'sql', statement: 'SQL', uri: 'http://data.europa.eu/esco/skill/sql-test' }],
    });
    const { association } = await json<{ association: Association }>(
      await associate(framework.id, {
        type: 'exactMatchOf',
        originItemId: mine.id,
        destinationItemId: esco.items['sql']!.id,
      }),
      201,
    );
    expect(association.destination).toEqual({
      itemId: null,
      identifier: esco.items['sql']!.caseIdentifier,
      uri: 'http://data.europa.eu/esco/skill/sql-test',
      title: 'SQL',
    });
    const external = await json<{ association: Association }>(
      await associate(framework.id, {
        type: 'isRelatedTo',
        originItemId: mine.id,
        destination: { uri: 'https://example.org/skills/databases', title: 'Databases' },
      }),
      201,
    );
    expect(external.association.destination).toEqual({
      itemId: null,
      identifier: 'https://example.org/skills/databases',
      uri: 'https://example.org/skills/databases',
      title: 'Databases',
    });
  });

  it('changes metadata and items, publishes, and a patch that changes nothing writes nothing', async () => {
    ctx.setNow('2026-06-01T15:00:00Z');
    const framework = await createFramework('Drafty');
    const item = await addItem(framework.id, 'Old statement');
    const document = `/ims/case/v1p1/CFDocuments/${framework.identifier}`;
    expect((await anonymous(ctx).request('GET', document)).status).toBe(404);
    ctx.setNow('2026-06-01T15:10:00Z');
    const { framework: published } = await json<{ framework: Framework }>(
      await admin.caller.request('PATCH', `${base}/${framework.id}`, {
        title: 'Data skills 2026',
        public: true,
        adoptionStatus: 'Adopted',
      }),
      200,
    );
    expect(published).toMatchObject({ title: 'Data skills 2026', public: true, updatedAt: '2026-06-01T15:10:00.000Z' });
    expect((await anonymous(ctx).request('GET', document)).status).toBe(200);
    ctx.setNow('2026-06-01T15:20:00Z');
    const same = await json<{ framework: Framework }>(
      await admin.caller.request('PATCH', `${base}/${framework.id}`, { title: 'Data skills 2026' }),
      200,
    );
    expect(same.framework.updatedAt).toBe('2026-06-01T15:10:00.000Z');
    const { item: changed } = await json<{ item: Item }>(
      await admin.caller.request('PATCH', `${base}/${framework.id}/items/${item.id}`, {
        statement: 'New statement',
        altLabels: ['fresh'],
      }),
      200,
    );
    expect(changed).toMatchObject({ statement: 'New statement', altLabels: ['fresh'], identifier: item.identifier });
    const actions = await ctx.db
      .selectFrom('auditLog')
      .select(['action', 'data'])
      .where('targetId', 'in', [framework.id, item.id])
      .where('action', 'like', '%.update')
      .orderBy('at')
      .execute();
    expect(actions).toEqual([
      { action: 'framework.update', data: { fields: ['title', 'adoptionStatus', 'public'] } },
      { action: 'framework_item.update', data: { frameworkId: framework.id, fields: ['statement', 'altLabels'] } },
    ]);
  });

  it('deletes items (with their associations) and frameworks, but not while a job profile uses an item', async () => {
    const framework = await createFramework('Deletable');
    const [a, b] = [await addItem(framework.id, 'A'), await addItem(framework.id, 'B')];
    await childOf(framework.id, b, a);
    const profileId = randomUUID();
    await ctx.db.insertInto('jobProfiles').values({ id: profileId, orgId: admin.orgId, title: 'Analyst' }).execute();
    await ctx.db.insertInto('jobProfileSkills').values({ jobProfileId: profileId, itemId: b.id, weight: 1 }).execute();
    const inUse = await expectError(
      await admin.caller.request('DELETE', `${base}/${framework.id}/items/${b.id}`),
      409,
      'ERR_IMPORT_IN_USE',
    );
    expect(inUse.message).toContain('1 job profile');
    await expectError(await admin.caller.request('DELETE', `${base}/${framework.id}`), 409, 'ERR_IMPORT_IN_USE');
    expect((await stored(framework.id)).items).toHaveLength(2);
    await json(await admin.caller.request('DELETE', `${base}/${framework.id}/items/${a.id}`), 200);
    expect((await stored(framework.id)).associations).toEqual([]);
    await ctx.db.deleteFrom('jobProfileSkills').where('jobProfileId', '=', profileId).execute();
    const { framework: deleted } = await json<{ framework: Framework }>(
      await admin.caller.request('DELETE', `${base}/${framework.id}`),
      200,
    );
    expect(deleted.id).toBe(framework.id);
    expect(await stored(framework.id)).toEqual({ framework: undefined, items: [], associations: [] });
  });

  it('another organisation cannot see or edit the framework (404); a viewer, or a token without frameworks:write, cannot write (403)', async () => {
    const framework = await createFramework('Private');
    const item = await addItem(framework.id, 'Secret');
    const document = `/ims/case/v1p1/CFDocuments/${framework.identifier}`;
    const outsider = await member(ctx, 'admin');
    expect((await outsider.caller.request('GET', document)).status).toBe(404);
    const theirBase = `/api/v1/orgs/${outsider.orgId}/frameworks/${framework.id}`;
    await expectError(await outsider.caller.request('PATCH', theirBase, { title: 'Mine' }), 404, 'ERR_NOT_FOUND');
    await expectError(
      await outsider.caller.request('POST', `${theirBase}/items`, { statement: 'x' }),
      404,
      'ERR_NOT_FOUND',
    );
    await expectError(await outsider.caller.request('DELETE', `${theirBase}/items/${item.id}`), 404, 'ERR_NOT_FOUND');
    await expectError(await outsider.caller.request('DELETE', theirBase), 404, 'ERR_NOT_FOUND');
    // Through this organisation's path they are not a member: the same 404.
    await expectError(
      await outsider.caller.request('PATCH', `${base}/${framework.id}`, { title: 'Mine' }),
      404,
      'ERR_NOT_FOUND',
    );

    const viewer = await member(ctx, 'viewer', admin.orgId);
    expect((await viewer.caller.request('GET', document)).status).toBe(200);
    await expectError(await viewer.caller.request('POST', base, { title: 'Nope' }), 403, 'ERR_FORBIDDEN');
    await expectError(
      await viewer.caller.request('POST', `${base}/${framework.id}/items`, { statement: 'x' }),
      403,
      'ERR_FORBIDDEN',
    );
    const readOnly = await tokenFor(ctx, admin.user.id, ['frameworks:read'], admin.orgId);
    await expectError(await readOnly.request('POST', base, { title: 'Nope' }), 403, 'ERR_SCOPE');
    const writer = await tokenFor(ctx, admin.user.id, ['frameworks:write'], admin.orgId);
    await json(await writer.request('POST', `${base}/${framework.id}/items`, { statement: 'By token' }), 201);
    expect((await stored(framework.id)).items.map((i) => i.statement).sort()).toEqual(['By token', 'Secret']);
  });

  it('global frameworks and imported ESCO/O*NET releases cannot be edited (403)', async () => {
    const global = await insertTestFramework(ctx.db, { items: [{ key: 'a', statement: 'A' }] });
    const imported = await insertTestFramework(ctx.db, {
      orgId: admin.orgId,
      source: 'esco',
      items: [{ key: 'a', statement: 'A' }],
    });
    for (const f of [global, imported]) {
      await expectError(await admin.caller.request('PATCH', `${base}/${f.id}`, { title: 'X' }), 403, 'ERR_FORBIDDEN');
      await expectError(
        await admin.caller.request('POST', `${base}/${f.id}/items`, { statement: 'X' }),
        403,
        'ERR_FORBIDDEN',
      );
      await expectError(
        await admin.caller.request('DELETE', `${base}/${f.id}/items/${f.items['a']!.id}`),
        403,
        'ERR_FORBIDDEN',
      );
      await expectError(await admin.caller.request('DELETE', `${base}/${f.id}`), 403, 'ERR_FORBIDDEN');
    }
    const row = await ctx.db.selectFrom('frameworks').select('title').where('id', '=', global.id).executeTakeFirst();
    expect(row?.title).toBe(global.title);
  });
});
