import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../src/db/schema.js';
import { ROLES, roleRank } from '../src/http/access.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { expectError } from './helpers/errors.js';
import { addMember, createUser, member, sessionFor, tokenFor, type Caller } from './helpers/fixtures.js';

/** Organisation members and roles (the owner rules, the last-owner rule), and reading the audit log. */

interface MemberJson {
  userId: string;
  email: string;
  name: string | null;
  kind: string;
  role: Role;
  since: string;
}

describe.each(databaseTargets())('members and the audit log on $name', (target) => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await createTestContext(target);
  });
  afterAll(() => ctx.close());

  const membersPath = (orgId: string, userId?: string) => `/api/v1/orgs/${orgId}/members${userId ? `/${userId}` : ''}`;

  async function roleOf(orgId: string, userId: string): Promise<Role | undefined> {
    const row = await ctx.db
      .selectFrom('memberships')
      .select('role')
      .where('orgId', '=', orgId)
      .where('userId', '=', userId)
      .executeTakeFirst();
    return row?.role;
  }

  async function auditOf(orgId: string) {
    return ctx.db
      .selectFrom('auditLog')
      .select(['action', 'actorUserId', 'targetId', 'data'])
      .where('orgId', '=', orgId)
      .orderBy('id')
      .execute();
  }

  describe('listing', () => {
    it('any member can list the members, oldest first; an outsider gets 404', async () => {
      const owner = await member(ctx, 'owner');
      const viewer = await createUser(ctx, { kind: 'employer', name: 'Vi' });
      ctx.setNow('2026-06-01T12:00:01Z');
      await addMember(ctx, owner.orgId, viewer.id, 'viewer');
      ctx.setNow('2026-06-01T12:00:00Z');
      const res = await (await sessionFor(ctx, viewer.id)).request('GET', membersPath(owner.orgId));
      expect(res.status).toBe(200);
      const { members } = (await res.json()) as { members: MemberJson[] };
      expect(members.map((m) => [m.userId, m.role, m.kind])).toEqual([
        [owner.user.id, 'owner', 'staff'],
        [viewer.id, 'viewer', 'employer'],
      ]);
      expect(members[1]).toEqual({
        userId: viewer.id,
        email: viewer.email,
        name: 'Vi',
        kind: 'employer',
        role: 'viewer',
        since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      const outsider = await sessionFor(ctx, (await createUser(ctx)).id);
      await expectError(await outsider.request('GET', membersPath(owner.orgId)), 404, 'ERR_NOT_FOUND');
    });
  });

  describe('adding', () => {
    it('an admin adds an existing account by email (any case), audited; twice is 409', async () => {
      const admin = await member(ctx, 'admin');
      const person = await createUser(ctx);
      const res = await admin.caller.request('POST', membersPath(admin.orgId), {
        email: person.email.toUpperCase(),
        role: 'issuer',
      });
      expect(res.status).toBe(201);
      expect(await res.json()).toMatchObject({ member: { userId: person.id, email: person.email, role: 'issuer' } });
      expect(await roleOf(admin.orgId, person.id)).toBe('issuer');
      expect(await auditOf(admin.orgId)).toEqual([
        { action: 'member.add', actorUserId: admin.user.id, targetId: person.id, data: { role: 'issuer' } },
      ]);
      const again = await admin.caller.request('POST', membersPath(admin.orgId), {
        email: person.email,
        role: 'viewer',
      });
      await expectError(again, 409, 'ERR_CONFLICT');
      expect(await roleOf(admin.orgId, person.id)).toBe('issuer');
      expect(await auditOf(admin.orgId)).toHaveLength(1);
    });

    it('an address without an account is 404 with a message saying they must sign up first', async () => {
      const admin = await member(ctx, 'admin');
      const res = await admin.caller.request('POST', membersPath(admin.orgId), {
        email: 'nobody-here@example.org',
        role: 'viewer',
      });
      expect(res.status).toBe(404);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe('ERR_NOT_FOUND');
      expect(error.message).toMatch(/sign up/);
      expect(await auditOf(admin.orgId)).toEqual([]);
    });

    it('only an owner can add an owner; below admin nobody can add anyone', async () => {
      const admin = await member(ctx, 'admin');
      const person = await createUser(ctx);
      const refused = await admin.caller.request('POST', membersPath(admin.orgId), {
        email: person.email,
        role: 'owner',
      });
      await expectError(refused, 403, 'ERR_FORBIDDEN');
      const owner = await member(ctx, 'owner', admin.orgId);
      const ok = await owner.caller.request('POST', membersPath(admin.orgId), { email: person.email, role: 'owner' });
      expect(ok.status).toBe(201);
      const issuer = await member(ctx, 'issuer', admin.orgId);
      const other = await createUser(ctx);
      const denied = await issuer.caller.request('POST', membersPath(admin.orgId), {
        email: other.email,
        role: 'viewer',
      });
      await expectError(denied, 403, 'ERR_FORBIDDEN');
      expect(await roleOf(admin.orgId, other.id)).toBeUndefined();
    });

    it('refuses bad input with ERR_VALIDATION', async () => {
      const admin = await member(ctx, 'admin');
      const person = await createUser(ctx);
      for (const body of [
        { email: person.email, role: 'superuser' },
        { email: person.email },
        { email: 'not-an-email', role: 'viewer' },
        { email: person.email, role: 'viewer', userId: person.id },
        { email: [person.email], role: 'viewer' },
        { email: person.email, role: 3 },
      ]) {
        await expectError(await admin.caller.request('POST', membersPath(admin.orgId), body), 400, 'ERR_VALIDATION');
      }
      expect(await roleOf(admin.orgId, person.id)).toBeUndefined();
    });
  });

  describe('changing roles and removing', () => {
    it('an admin changes a role (audited with from and to); the same role again changes and audits nothing', async () => {
      const admin = await member(ctx, 'admin');
      const person = await member(ctx, 'viewer', admin.orgId);
      const res = await admin.caller.request('PATCH', membersPath(admin.orgId, person.user.id), { role: 'assessor' });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ member: { userId: person.user.id, role: 'assessor' } });
      const same = await admin.caller.request('PATCH', membersPath(admin.orgId, person.user.id), { role: 'assessor' });
      expect(same.status).toBe(200);
      expect(await auditOf(admin.orgId)).toEqual([
        {
          action: 'member.role-change',
          actorUserId: admin.user.id,
          targetId: person.user.id,
          data: { from: 'viewer', to: 'assessor' },
        },
      ]);
    });

    it('the last owner can be neither demoted nor removed (409 ERR_STATE); with a second owner both work', async () => {
      const owner = await member(ctx, 'owner');
      await expectError(
        await owner.caller.request('PATCH', membersPath(owner.orgId, owner.user.id), { role: 'admin' }),
        409,
        'ERR_STATE',
      );
      await expectError(
        await owner.caller.request('DELETE', membersPath(owner.orgId, owner.user.id)),
        409,
        'ERR_STATE',
      );
      expect(await roleOf(owner.orgId, owner.user.id)).toBe('owner');
      const second = await member(ctx, 'owner', owner.orgId);
      const demoted = await second.caller.request('PATCH', membersPath(owner.orgId, owner.user.id), { role: 'admin' });
      expect(demoted.status).toBe(200);
      await expectError(
        await second.caller.request('DELETE', membersPath(owner.orgId, second.user.id)),
        409,
        'ERR_STATE',
      );
      expect((await second.caller.request('DELETE', membersPath(owner.orgId, owner.user.id))).status).toBe(204);
      expect(await roleOf(owner.orgId, owner.user.id)).toBeUndefined();
      expect((await auditOf(owner.orgId)).map((a) => [a.action, a.data])).toEqual([
        ['member.role-change', { from: 'owner', to: 'admin' }],
        ['member.remove', { role: 'admin', revokedTokens: [] }],
      ]);
    });

    it('removing a member ends their access and revokes their tokens bound to the organisation', async () => {
      const admin = await member(ctx, 'admin');
      const person = await member(ctx, 'issuer', admin.orgId);
      const boundToken = await tokenFor(ctx, person.user.id, ['orgs:read'], admin.orgId);
      const freeToken = await tokenFor(ctx, person.user.id, ['orgs:read']);
      expect((await boundToken.request('GET', membersPath(admin.orgId))).status).toBe(200);
      expect((await admin.caller.request('DELETE', membersPath(admin.orgId, person.user.id))).status).toBe(204);
      await expectError(await person.caller.request('GET', membersPath(admin.orgId)), 404, 'ERR_NOT_FOUND');
      await expectError(await freeToken.request('GET', membersPath(admin.orgId)), 404, 'ERR_NOT_FOUND');
      await expectError(await boundToken.request('GET', '/api/v1/me'), 401, 'ERR_UNAUTHENTICATED');
      expect((await freeToken.request('GET', '/api/v1/me')).status).toBe(200);
      const [entry] = await auditOf(admin.orgId);
      expect(entry).toMatchObject({ action: 'member.remove', targetId: person.user.id, data: { role: 'issuer' } });
      expect((entry!.data as { revokedTokens: string[] }).revokedTokens).toHaveLength(1);
    });

    it('unknown members are 404; bad ids and bodies are 400', async () => {
      const admin = await member(ctx, 'admin');
      const stranger = await createUser(ctx);
      for (const res of [
        await admin.caller.request('PATCH', membersPath(admin.orgId, stranger.id), { role: 'viewer' }),
        await admin.caller.request('DELETE', membersPath(admin.orgId, stranger.id)),
      ]) {
        await expectError(res, 404, 'ERR_NOT_FOUND');
      }
      const person = await member(ctx, 'viewer', admin.orgId);
      for (const [method, path, body] of [
        ['PATCH', membersPath(admin.orgId, 'nope'), { role: 'viewer' }],
        ['DELETE', membersPath(admin.orgId, 'nope'), undefined],
        ['PATCH', membersPath(admin.orgId, person.user.id), { role: 'root' }],
        ['PATCH', membersPath(admin.orgId, person.user.id), { role: 'issuer', orgId: admin.orgId }],
        ['PATCH', membersPath(admin.orgId, person.user.id), {}],
      ] as const) {
        await expectError(await admin.caller.request(method, path, body), 400, 'ERR_VALIDATION');
      }
      expect(await roleOf(admin.orgId, person.user.id)).toBe('viewer');
    });

    it('another organisation’s member cannot be changed through this one (404)', async () => {
      const admin = await member(ctx, 'admin');
      const elsewhere = await member(ctx, 'viewer');
      await expectError(
        await admin.caller.request('PATCH', membersPath(admin.orgId, elsewhere.user.id), { role: 'admin' }),
        404,
        'ERR_NOT_FOUND',
      );
      expect(await roleOf(elsewhere.orgId, elsewhere.user.id)).toBe('viewer');
    });

    it('two owners demoting each other at once leave exactly one owner', async () => {
      for (let i = 0; i < 4; i++) {
        const a = await member(ctx, 'owner');
        const b = await member(ctx, 'owner', a.orgId);
        const [ra, rb] = await Promise.all([
          a.caller.request('PATCH', membersPath(a.orgId, b.user.id), { role: 'admin' }),
          b.caller.request('PATCH', membersPath(a.orgId, a.user.id), { role: 'admin' }),
        ]);
        const outcomes = [ra.status, rb.status].sort();
        expect(outcomes[0]).toBe(200);
        expect([403, 409]).toContain(outcomes[1]);
        const owners = await ctx.db
          .selectFrom('memberships')
          .select('userId')
          .where('orgId', '=', a.orgId)
          .where('role', '=', 'owner')
          .execute();
        expect(owners).toHaveLength(1);
        expect(await auditOf(a.orgId)).toHaveLength(1);
      }
    });
  });

  describe('the role rules, as properties', () => {
    /** The rules, stated independently of the code: admins manage members, owners alone touch ownership. */
    const atLeastAdmin = (r: Role) => roleRank(r) >= roleRank('admin');
    const arbitraryRole = fc.constantFrom(...ROLES);
    type Outcome = [status: number, code: string | null];

    function expectedChange(actor: Role, from: Role, to: Role, owners: number): Outcome {
      if (!atLeastAdmin(actor)) return [403, 'ERR_FORBIDDEN'];
      if (from === to) return [200, null];
      if ((from === 'owner' || to === 'owner') && actor !== 'owner') return [403, 'ERR_FORBIDDEN'];
      if (from === 'owner' && owners === 1) return [409, 'ERR_STATE'];
      return [200, null];
    }

    function expectedRemoval(actor: Role, from: Role, owners: number): Outcome {
      if (!atLeastAdmin(actor)) return [403, 'ERR_FORBIDDEN'];
      if (from === 'owner' && actor !== 'owner') return [403, 'ERR_FORBIDDEN'];
      if (from === 'owner' && owners === 1) return [409, 'ERR_STATE'];
      return [204, null];
    }

    /** The same three people in a fresh organisation each time: who acts, who is acted on, maybe another owner. */
    let cast: { actor: string; target: string; extra: string; caller: Caller } | undefined;
    async function scene(actorRole: Role, targetRole: Role, self: boolean, extraOwner: boolean) {
      if (!cast) {
        const [actor, target, extra] = [await createUser(ctx), await createUser(ctx), await createUser(ctx)];
        cast = { actor: actor.id, target: target.id, extra: extra.id, caller: await sessionFor(ctx, actor.id) };
      }
      const org = await ctx.db
        .insertInto('organizations')
        .values({ id: randomUUID(), slug: `rules-${randomUUID()}`, name: 'Rules', updatedAt: new Date() })
        .returning('id')
        .executeTakeFirstOrThrow();
      const roles: [string, Role][] = [[cast.actor, actorRole]];
      if (!self) roles.push([cast.target, targetRole]);
      if (extraOwner) roles.push([cast.extra, 'owner']);
      await ctx.db
        .insertInto('memberships')
        .values(roles.map(([userId, role]) => ({ orgId: org.id, userId, role })))
        .execute();
      return {
        orgId: org.id,
        targetId: self ? cast.actor : cast.target,
        from: self ? actorRole : targetRole,
        owners: roles.filter(([, role]) => role === 'owner').length,
      };
    }

    /**
     * Every combination as an example, then random runs: the space is small, so no rule slip can hide behind sampling.
     * (fast-check counts examples within numRuns.)
     */
    const withEvery = <T>(examples: T[]) => ({ examples, numRuns: examples.length + 30 });
    const combos = <T>(f: (actor: Role, target: Role, self: boolean, extra: boolean) => T[]) =>
      ROLES.flatMap((a) =>
        ROLES.flatMap((t) => [false, true].flatMap((self) => [false, true].flatMap((x) => f(a, t, self, x)))),
      );

    it('a member changes a role exactly when the rules allow', async () => {
      await fc.assert(
        fc.asyncProperty(
          arbitraryRole,
          arbitraryRole,
          arbitraryRole,
          fc.boolean(),
          fc.boolean(),
          async (actorRole, targetRole, to, self, extraOwner) => {
            const s = await scene(actorRole, targetRole, self, extraOwner);
            const expected = expectedChange(actorRole, s.from, to, s.owners);
            const res = await cast!.caller.request('PATCH', membersPath(s.orgId, s.targetId), { role: to });
            const body = (await res.json()) as { error?: { code: string } };
            expect([res.status, body.error?.code ?? null]).toEqual(expected);
            const changed = expected[0] === 200 && s.from !== to;
            expect(await roleOf(s.orgId, s.targetId)).toBe(changed ? to : s.from);
            expect((await auditOf(s.orgId)).map((a) => a.data)).toEqual(changed ? [{ from: s.from, to }] : []);
          },
        ),
        withEvery(
          combos((a, t, self, x) =>
            self && t !== a ? [] : ROLES.map((to): [Role, Role, Role, boolean, boolean] => [a, t, to, self, x]),
          ),
        ),
      );
    });

    it('a member removes someone exactly when the rules allow', async () => {
      await fc.assert(
        fc.asyncProperty(
          arbitraryRole,
          arbitraryRole,
          fc.boolean(),
          fc.boolean(),
          async (actorRole, targetRole, self, extraOwner) => {
            const s = await scene(actorRole, targetRole, self, extraOwner);
            const expected = expectedRemoval(actorRole, s.from, s.owners);
            const res = await cast!.caller.request('DELETE', membersPath(s.orgId, s.targetId));
            const code = res.status === 204 ? null : ((await res.json()) as { error: { code: string } }).error.code;
            expect([res.status, code]).toEqual(expected);
            expect(await roleOf(s.orgId, s.targetId)).toBe(expected[0] === 204 ? undefined : s.from);
            expect(await auditOf(s.orgId)).toHaveLength(expected[0] === 204 ? 1 : 0);
          },
        ),
        withEvery(
          combos((a, t, self, x) => (self && t !== a ? [] : [[a, t, self, x] as [Role, Role, boolean, boolean]])),
        ),
      );
    });
  });

  describe('the audit log', () => {
    it('admins read it newest first, page by page, and see only their organisation', async () => {
      const admin = await member(ctx, 'admin');
      const elsewhere = await member(ctx, 'admin');
      for (let i = 0; i < 4; i++) {
        const people = [await createUser(ctx), await createUser(ctx)];
        for (const [j, m] of [admin, elsewhere].entries()) {
          const res = await m.caller.request('POST', membersPath(m.orgId), { email: people[j]!.email, role: 'viewer' });
          expect(res.status).toBe(201);
          const patched = await m.caller.request('PATCH', membersPath(m.orgId, people[j]!.id), { role: 'issuer' });
          expect(patched.status).toBe(200);
        }
      }
      const expectedIds = (
        await ctx.db
          .selectFrom('auditLog')
          .select('id')
          .where('orgId', '=', admin.orgId)
          .orderBy('id', 'desc')
          .execute()
      ).map((r) => String(r.id));
      expect(expectedIds).toHaveLength(8);

      const seen: string[] = [];
      let before: string | null = null;
      let pages = 0;
      do {
        const query: string = `?limit=3${before ? `&before=${before}` : ''}`;
        const res = await admin.caller.request('GET', `/api/v1/orgs/${admin.orgId}/audit${query}`);
        expect(res.status).toBe(200);
        const page = (await res.json()) as {
          entries: { id: string; action: string; actorUserId: string; actorEmail: string; at: string }[];
          nextBefore: string | null;
        };
        expect(page.entries.length).toBeLessThanOrEqual(3);
        for (const e of page.entries) {
          expect(e).toMatchObject({ actorUserId: admin.user.id, actorEmail: admin.user.email, at: expect.any(String) });
        }
        seen.push(...page.entries.map((e) => e.id));
        before = page.nextBefore;
        pages++;
      } while (before);
      expect(pages).toBe(3);
      expect(seen).toEqual(expectedIds);

      const all = await admin.caller.request('GET', `/api/v1/orgs/${admin.orgId}/audit`);
      const first = (await all.json()) as { entries: { action: string; data: unknown }[]; nextBefore: string | null };
      expect(first.nextBefore).toBeNull();
      expect(first.entries[0]).toMatchObject({ action: 'member.role-change', data: { from: 'viewer', to: 'issuer' } });
      expect(first.entries[1]).toMatchObject({ action: 'member.add', data: { role: 'viewer' } });
    });

    it('is for admins and owners; below admin is 403, outsiders 404', async () => {
      const admin = await member(ctx, 'admin');
      const issuer = await member(ctx, 'issuer', admin.orgId);
      await expectError(await issuer.caller.request('GET', `/api/v1/orgs/${admin.orgId}/audit`), 403, 'ERR_FORBIDDEN');
      const outsider = await member(ctx, 'owner');
      await expectError(
        await outsider.caller.request('GET', `/api/v1/orgs/${admin.orgId}/audit`),
        404,
        'ERR_NOT_FOUND',
      );
      const owner = await member(ctx, 'owner', admin.orgId);
      expect((await owner.caller.request('GET', `/api/v1/orgs/${admin.orgId}/audit`)).status).toBe(200);
    });

    it('refuses a bad cursor or limit with ERR_VALIDATION', async () => {
      const admin = await member(ctx, 'admin');
      for (const query of [
        'limit=0',
        'limit=201',
        'limit=abc',
        'limit=1.5',
        'before=abc',
        'before=-1',
        'before=0',
        'sort=asc',
      ]) {
        const res = await admin.caller.request('GET', `/api/v1/orgs/${admin.orgId}/audit?${query}`);
        expect(res.status, query).toBe(400);
        expect(await res.json()).toMatchObject({ error: { code: 'ERR_VALIDATION' } });
      }
      expect((await admin.caller.request('GET', `/api/v1/orgs/${admin.orgId}/audit?limit=200`)).status).toBe(200);
    });
  });

  it('member changes put no email address or secret in the audit log', async () => {
    const rows = await ctx.db.selectFrom('auditLog').selectAll().where('action', 'like', 'member.%').execute();
    expect(rows.length).toBeGreaterThan(20);
    const emails = (await ctx.db.selectFrom('users').select('email').execute()).map((u) => u.email);
    const text = rows.map((r) => JSON.stringify(r)).join('\n');
    expect(emails.filter((e) => text.includes(e))).toEqual([]);
    expect(text).not.toMatch(/sp_(session|token|csrf)_|scrypt\$/);
  });
});
