import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTerms, createDocumentLoader, type JsonObject } from '@skillproof/core';
import { SLUG_PATTERN } from '../src/domains/orgs/service.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { errorOf } from './helpers/errors.js';
import {
  anonymous,
  createOrg,
  createUser,
  dataUri,
  member,
  sessionFor,
  tokenFor,
  type Caller,
} from './helpers/fixtures.js';

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle cx="5" cy="5" r="4"/></svg>';

let slugs = 0;
const freshSlug = () => `org-${Date.now().toString(36)}-${(slugs++).toString(36)}`;

interface OrgBody {
  org: { id: string; slug: string; did: string; parentOrgId: string | null } & Record<string, unknown>;
}

describe.each(databaseTargets())('organisations on $name', (target) => {
  let ctx: TestContext;
  let staff: Caller;
  let staffId: string;
  beforeAll(async () => {
    ctx = await createTestContext(target);
    const user = await createUser(ctx, { kind: 'staff' });
    staffId = user.id;
    staff = await sessionFor(ctx, user.id);
  });
  afterAll(() => ctx.close());

  const create = (caller: Caller, body: Record<string, unknown>) => caller.request('POST', '/api/v1/orgs', body);

  it('a staff account creates an organisation, becomes its owner, and the change is audited', async () => {
    ctx.setNow('2026-06-01T12:00:00Z');
    const slug = freshSlug();
    const res = await create(staff, {
      slug,
      name: 'Department of Physics',
      url: 'https://physics.example.edu',
      email: 'badges@physics.example.edu',
      description: 'Teaching and research in physics.',
    });
    expect(res.status).toBe(201);
    const { org } = (await res.json()) as OrgBody;
    expect(org).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      slug,
      did: `did:web:skillproof.test:orgs:${slug}`,
      name: 'Department of Physics',
      url: 'https://physics.example.edu',
      email: 'badges@physics.example.edu',
      description: 'Teaching and research in physics.',
      image: null,
      parentOrgId: null,
      suspendableCredentials: false,
      createdAt: '2026-06-01T12:00:00.000Z',
      updatedAt: '2026-06-01T12:00:00.000Z',
    });
    const membership = await ctx.db
      .selectFrom('memberships')
      .select(['userId', 'role'])
      .where('orgId', '=', org.id)
      .execute();
    expect(membership).toEqual([{ userId: staffId, role: 'owner' }]);
    const keys = await ctx.db.selectFrom('orgKeys').select('fragment').where('orgId', '=', org.id).execute();
    expect(keys).toEqual([{ fragment: 'key-1' }]);
    const audit = await ctx.db.selectFrom('auditLog').selectAll().where('orgId', '=', org.id).execute();
    expect(audit).toMatchObject([{ action: 'org.create', actorUserId: staffId, targetId: org.id, data: { slug } }]);

    const got = await staff.request('GET', `/api/v1/orgs/${org.id}`);
    expect(await got.json()).toEqual({ org });
  });

  it('only staff accounts create organisations; tokens need orgs:write and must not be bound to an organisation', async () => {
    for (const kind of ['learner', 'employer'] as const) {
      const caller = await sessionFor(ctx, (await createUser(ctx, { kind })).id);
      const res = await create(caller, { slug: freshSlug(), name: 'X' });
      expect(res.status).toBe(403);
      expect((await errorOf(res)).code).toBe('ERR_FORBIDDEN');
    }
    expect((await create(anonymous(ctx), { slug: freshSlug(), name: 'X' })).status).toBe(401);
    const readOnly = await tokenFor(ctx, staffId, ['orgs:read']);
    const scoped = await create(readOnly, { slug: freshSlug(), name: 'X' });
    expect([scoped.status, (await errorOf(scoped)).code]).toEqual([403, 'ERR_SCOPE']);
    const { orgId } = await member(ctx, 'owner');
    const bound = await tokenFor(ctx, staffId, ['orgs:write'], orgId);
    const boundRes = await create(bound, { slug: freshSlug(), name: 'X' });
    expect([boundRes.status, (await errorOf(boundRes)).code]).toEqual([403, 'ERR_FORBIDDEN']);
    const token = await tokenFor(ctx, staffId, ['orgs:write']);
    expect((await create(token, { slug: freshSlug(), name: 'By token' })).status).toBe(201);
  });

  it('a taken slug is 409 ERR_CONFLICT, also when two requests race for it', async () => {
    const slug = freshSlug();
    expect((await create(staff, { slug, name: 'First' })).status).toBe(201);
    const again = await create(staff, { slug, name: 'Second' });
    expect(again.status).toBe(409);
    expect((await errorOf(again)).code).toBe('ERR_CONFLICT');

    const raced = freshSlug();
    const results = await Promise.all([1, 2, 3].map((i) => create(staff, { slug: raced, name: `Racer ${i}` })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    const rows = await ctx.db.selectFrom('organizations').select('id').where('slug', '=', raced).execute();
    expect(rows).toHaveLength(1);
  });

  it('bad input is 400 with the field path, and creates nothing', async () => {
    const before = await ctx.db
      .selectFrom('organizations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const cases: [Record<string, unknown>, string, string?][] = [
      [{ name: 'No slug' }, 'slug'],
      [{ slug: 'Physics', name: 'X' }, 'slug'],
      [{ slug: 'phys ics', name: 'X' }, 'slug'],
      [{ slug: '-physics', name: 'X' }, 'slug'],
      [{ slug: 'a'.repeat(65), name: 'X' }, 'slug'],
      [{ slug: freshSlug() }, 'name'],
      [{ slug: freshSlug(), name: '   ' }, 'name'],
      [{ slug: freshSlug(), name: 'X', url: 'javascript:alert(1)' }, 'url'],
      [{ slug: freshSlug(), name: 'X', url: 'not a url' }, 'url'],
      [{ slug: freshSlug(), name: 'X', email: 'nobody' }, 'email'],
      [{ slug: freshSlug(), name: 'X', image: 'ftp://example.org/logo.png' }, 'image'],
      [{ slug: freshSlug(), name: 'X', parentOrgId: 'not-a-uuid' }, 'parentOrgId'],
      [{ slug: freshSlug(), name: 'X', owner: 'me' }, ''],
    ];
    for (const [body, path] of cases) {
      const res = await create(staff, body);
      const error = await errorOf(res);
      expect({ body, status: res.status, code: error.code }).toEqual({ body, status: 400, code: 'ERR_VALIDATION' });
      expect((error.details?.['issues'] as { path: string }[])[0]!.path).toBe(path);
      if (path) expect(error.message.startsWith(`${path}: `)).toBe(true);
    }
    const badImage = await create(staff, { slug: freshSlug(), name: 'X', image: 'data:image/jpeg;base64,/9j/' });
    expect([badImage.status, (await errorOf(badImage)).code]).toEqual([415, 'ERR_UNSUPPORTED_MEDIA_TYPE']);
    const scripted = await create(staff, {
      slug: freshSlug(),
      name: 'X',
      image: dataUri('image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    });
    expect([scripted.status, (await errorOf(scripted)).code]).toEqual([400, 'ERR_IMAGE_INVALID']);
    const after = await ctx.db
      .selectFrom('organizations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it("the slug rule is the database's CHECK, exactly", async () => {
    const char = fc.constantFrom(...'abcz09-_A. '.split(''));
    const slug = fc.oneof(
      fc.string({ unit: char, minLength: 0, maxLength: 8 }),
      fc.string({ unit: fc.constantFrom('a', '-'), minLength: 60, maxLength: 68 }),
    );
    await fc.assert(
      fc.asyncProperty(slug, async (s) => {
        const id = randomUUID();
        const accepted = await ctx.db
          .insertInto('organizations')
          .values({ id, slug: `${s}`, name: 'Check', updatedAt: new Date() })
          .execute()
          .then(
            () => true,
            (e: { code?: string }) => {
              if (e.code !== '23514' && e.code !== '23505') throw e;
              return e.code === '23505' ? SLUG_PATTERN.test(s) : false;
            },
          );
        await ctx.db.deleteFrom('organizations').where('id', '=', id).execute();
        expect(accepted).toBe(SLUG_PATTERN.test(s));
      }),
      { numRuns: 150 },
    );
  });

  it('a parent must be an organisation where the caller is admin or owner', async () => {
    const parent = await member(ctx, 'admin');
    const res = await create(parent.caller, { slug: freshSlug(), name: 'Child', parentOrgId: parent.orgId });
    expect(res.status).toBe(201);
    const { org: child } = (await res.json()) as OrgBody;
    expect(child.parentOrgId).toBe(parent.orgId);

    const issuer = await member(ctx, 'issuer', parent.orgId);
    const asIssuer = await create(issuer.caller, { slug: freshSlug(), name: 'X', parentOrgId: parent.orgId });
    expect([asIssuer.status, (await errorOf(asIssuer)).code]).toEqual([403, 'ERR_FORBIDDEN']);
    for (const parentOrgId of [parent.orgId, randomUUID()]) {
      const outsider = await create(staff, { slug: freshSlug(), name: 'X', parentOrgId });
      const error = await errorOf(outsider);
      expect([outsider.status, error.code]).toEqual([404, 'ERR_NOT_FOUND']);
      expect(error.message).toMatch(/^parentOrgId: /);
    }

    // The public profile names the parent.
    const profile = await ctx.app.request(`/orgs/${child.slug}/profile`);
    const parentRow = await ctx.db
      .selectFrom('organizations')
      .selectAll()
      .where('id', '=', parent.orgId)
      .executeTakeFirstOrThrow();
    expect(await profile.json()).toMatchObject({
      id: child.did,
      parentOrg: { id: `did:web:skillproof.test:orgs:${parentRow.slug}`, type: ['Profile'], name: parentRow.name },
    });
  });

  it('lists my organisations with my role; a bound token sees only its organisation', async () => {
    const user = await createUser(ctx);
    const one = await createOrg(ctx, user.id);
    const two = await createOrg(ctx);
    await ctx.db.insertInto('memberships').values({ orgId: two.id, userId: user.id, role: 'viewer' }).execute();
    await createOrg(ctx); // someone else's
    const session = await sessionFor(ctx, user.id);
    const res = await session.request('GET', '/api/v1/orgs');
    const { orgs } = (await res.json()) as { orgs: { id: string; role: string; did: string }[] };
    expect(orgs.map((o) => [o.id, o.role]).sort()).toEqual(
      [
        [one.id, 'owner'],
        [two.id, 'viewer'],
      ].sort(),
    );
    const bound = await tokenFor(ctx, user.id, ['orgs:read'], two.id);
    const boundOrgs = ((await (await bound.request('GET', '/api/v1/orgs')).json()) as { orgs: { id: string }[] }).orgs;
    expect(boundOrgs.map((o) => o.id)).toEqual([two.id]);
  });

  it("another tenant's organisation is 404 exactly like a missing one", async () => {
    const mine = await member(ctx, 'owner');
    const theirs = await createOrg(ctx);
    const bodies = [];
    for (const id of [theirs.id, randomUUID(), 'not-a-uuid']) {
      for (const [method, body] of [
        ['GET', undefined],
        ['PATCH', { name: 'Taken over' }],
      ] as const) {
        const res = await mine.caller.request(method, `/api/v1/orgs/${id}`, body);
        expect(res.status).toBe(404);
        bodies.push(await res.json());
      }
    }
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    const row = await ctx.db
      .selectFrom('organizations')
      .select('name')
      .where('id', '=', theirs.id)
      .executeTakeFirstOrThrow();
    expect(row.name).toBe(theirs.name);
  });

  it('admins change the profile (never the slug); each change is audited, a no-op is not', async () => {
    const admin = await member(ctx, 'admin');
    const path = `/api/v1/orgs/${admin.orgId}`;
    ctx.setNow('2026-06-01T15:00:00Z');
    const res = await admin.caller.request('PATCH', path, {
      name: 'Renamed',
      url: 'https://renamed.example.org',
      description: 'New words.',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      org: { name: 'Renamed', url: 'https://renamed.example.org', updatedAt: '2026-06-01T15:00:00.000Z' },
    });
    const cleared = await admin.caller.request('PATCH', path, { url: null });
    expect(await cleared.json()).toMatchObject({ org: { url: null, name: 'Renamed' } });
    expect((await admin.caller.request('PATCH', path, { name: 'Renamed' })).status).toBe(200);

    const audit = await ctx.db
      .selectFrom('auditLog')
      .select(['action', 'data'])
      .where('orgId', '=', admin.orgId)
      .orderBy('id')
      .execute();
    expect(audit).toEqual([
      { action: 'org.update', data: { fields: ['name', 'url', 'description'] } },
      { action: 'org.update', data: { fields: ['url'] } },
    ]);

    const slug = await admin.caller.request('PATCH', path, { slug: 'new-slug' });
    expect([slug.status, (await errorOf(slug)).code]).toEqual([400, 'ERR_VALIDATION']);
    const issuer = await member(ctx, 'issuer', admin.orgId);
    const forbidden = await issuer.caller.request('PATCH', path, { name: 'Mine now' });
    expect([forbidden.status, (await errorOf(forbidden)).code]).toEqual([403, 'ERR_FORBIDDEN']);
  });

  it('suspendableCredentials: off by default, set at creation or by admins and owners, each change audited', async () => {
    const created = await create(staff, { slug: freshSlug(), name: 'Suspends', suspendableCredentials: true });
    const { org } = (await created.json()) as OrgBody;
    expect(org.suspendableCredentials).toBe(true);
    const createdAudit = await ctx.db
      .selectFrom('auditLog')
      .select('data')
      .where('orgId', '=', org.id)
      .where('action', '=', 'org.create')
      .executeTakeFirstOrThrow();
    expect(createdAudit.data).toEqual({ slug: org.slug, suspendableCredentials: true });

    const admin = await member(ctx, 'admin');
    const path = `/api/v1/orgs/${admin.orgId}`;
    const read = async () => ((await (await admin.caller.request('GET', path)).json()) as OrgBody).org;
    expect((await read()).suspendableCredentials).toBe(false);
    for (const role of ['issuer', 'assessor', 'viewer'] as const) {
      const other = await member(ctx, role, admin.orgId);
      const res = await other.caller.request('PATCH', path, { suspendableCredentials: true });
      expect([res.status, (await errorOf(res)).code]).toEqual([403, 'ERR_FORBIDDEN']);
    }
    for (const bad of ['yes', 1, null]) {
      const res = await admin.caller.request('PATCH', path, { suspendableCredentials: bad });
      const error = await errorOf(res);
      expect([res.status, error.code]).toEqual([400, 'ERR_VALIDATION']);
      expect(error.message).toContain('suspendableCredentials');
    }
    expect((await read()).suspendableCredentials).toBe(false);

    const on = await admin.caller.request('PATCH', path, { suspendableCredentials: true });
    expect(((await on.json()) as OrgBody).org.suspendableCredentials).toBe(true);
    expect((await read()).suspendableCredentials).toBe(true);
    await admin.caller.request('PATCH', path, { suspendableCredentials: true });
    const owner = await member(ctx, 'owner', admin.orgId);
    await owner.caller.request('PATCH', path, { suspendableCredentials: false, name: 'Renamed' });
    const audit = await ctx.db
      .selectFrom('auditLog')
      .select(['action', 'actorUserId', 'data'])
      .where('orgId', '=', admin.orgId)
      .orderBy('id')
      .execute();
    expect(audit).toEqual([
      {
        action: 'org.update',
        actorUserId: admin.user.id,
        data: { fields: ['suspendableCredentials'], suspendableCredentials: true },
      },
      {
        action: 'org.update',
        actorUserId: owner.user.id,
        data: { fields: ['name', 'suspendableCredentials'], suspendableCredentials: false },
      },
    ]);
  });

  it('a parent change cannot make a cycle', async () => {
    const top = await member(ctx, 'owner');
    const child = await create(top.caller, { slug: freshSlug(), name: 'Child', parentOrgId: top.orgId });
    const childId = ((await child.json()) as OrgBody).org.id;
    for (const parentOrgId of [childId, top.orgId]) {
      const res = await top.caller.request('PATCH', `/api/v1/orgs/${top.orgId}`, { parentOrgId });
      const error = await errorOf(res);
      expect([res.status, error.code]).toEqual([400, 'ERR_VALIDATION']);
      expect(error.message).toMatch(/^parentOrgId: /);
    }
    const detach = await top.caller.request('PATCH', `/api/v1/orgs/${childId}`, { parentOrgId: null });
    expect(await detach.json()).toMatchObject({ org: { parentOrgId: null } });
  });

  it('publishes the issuer Profile as OB 3.0 JSON-LD, and serves an uploaded image safely', async () => {
    const slug = freshSlug();
    const res = await create(staff, {
      slug,
      name: 'Image Org',
      url: 'https://image.example.org',
      email: 'hello@image.example.org',
      image: dataUri('image/svg+xml', SVG),
    });
    expect(res.status).toBe(201);
    const profileRes = await ctx.app.request(`/orgs/${slug}/profile`);
    expect(profileRes.status).toBe(200);
    expect(profileRes.headers.get('content-type')).toMatch(/^application\/ld\+json/);
    const profile = (await profileRes.json()) as JsonObject;
    expect(profile).toEqual({
      '@context': [
        'https://www.w3.org/ns/credentials/v2',
        'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
      ],
      id: `did:web:skillproof.test:orgs:${slug}`,
      type: ['Profile'],
      name: 'Image Org',
      url: 'https://image.example.org',
      email: 'hello@image.example.org',
      image: { id: `https://skillproof.test/orgs/${slug}/image`, type: 'Image' },
    });
    await checkTerms(profile, createDocumentLoader());

    const image = await ctx.app.request(`/orgs/${slug}/image`);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/svg+xml');
    expect(image.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(image.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await image.text()).toBe(SVG);
    expect((await ctx.app.request('/orgs/no-such-org/profile')).status).toBe(404);
    expect((await ctx.app.request(`/orgs/${(await createOrg(ctx)).slug}/image`)).status).toBe(404);
  });
});
