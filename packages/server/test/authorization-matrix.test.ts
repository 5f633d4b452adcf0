import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountKind, Role } from '../src/db/schema.js';
import { ORG_NOT_FOUND, ROLES, roleRank, SCOPES, type Access } from '../src/http/access.js';
import { routeTable, type RouteEntry } from '../src/http/route.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import {
  addMember,
  anonymous,
  createOrg,
  createSampleAchievement,
  createUser,
  sessionFor,
  tokenFor,
  type Caller,
} from './helpers/fixtures.js';

/**
 * Every route × every kind of caller × the other-tenant case, with the outcome the route's access rule predicts.
 * "allowed" means the access rule let the request through (the handler may still answer 400 or 404 for the fake ids
 * and empty bodies sent here); "denied" outcomes must come from the access rule itself.
 */

type Outcome = 'allowed' | 'unauthenticated' | 'forbidden' | 'scope' | 'not-found';

interface CallerCase {
  name: string;
  caller: Caller;
  account?: AccountKind;
  role?: Role; // in org A
  token?: { scopes: readonly string[] };
}

function expected(rule: Access, c: CallerCase): Outcome {
  if (rule.kind === 'public') return 'allowed';
  if (!c.account) return 'unauthenticated';
  if (c.token && (!rule.scope || !c.token.scopes.includes(rule.scope))) return 'scope';
  if (rule.kind === 'signedIn') return rule.accounts && !rule.accounts.includes(c.account) ? 'forbidden' : 'allowed';
  if (!c.role) return 'not-found';
  return roleRank(c.role) < roleRank(rule.role) ? 'forbidden' : 'allowed';
}

async function observed(res: Response, rule: Access): Promise<Outcome | `other ${number} ${string}`> {
  const body = (await res
    .clone()
    .json()
    .catch(() => null)) as { error?: { code: string; message: string } } | null;
  const code = body?.error?.code;
  if (res.status === 401 && code === 'ERR_UNAUTHENTICATED') return 'unauthenticated';
  if (res.status === 403 && code === 'ERR_SCOPE') return 'scope';
  if (res.status === 403 && code === 'ERR_FORBIDDEN') return 'forbidden';
  if (res.status === 404 && body?.error?.message === ORG_NOT_FOUND) return 'not-found';
  // A public route that checks a signature itself (webhooks) refuses the unsigned requests sent here on its own.
  if (rule.kind === 'public' && res.status === 401 && code === 'ERR_WEBHOOK_SIGNATURE') return 'allowed';
  if (res.status === 401 || res.status === 403) return `other ${res.status} ${code ?? ''}`;
  return 'allowed';
}

describe.each(databaseTargets())('authorization matrix on $name', (target) => {
  let ctx: TestContext;
  const callers: CallerCase[] = [];
  let ids: Record<string, string>;

  beforeAll(async () => {
    ctx = await createTestContext(target);
    const orgA = await createOrg(ctx);
    const orgB = await createOrg(ctx);
    const achievement = await createSampleAchievement(ctx, orgA.id);
    ids = {
      orgId: orgA.id,
      achievementId: achievement.achievementId,
      slug: orgA.slug,
      version: '1',
    };
    callers.push({ name: 'anonymous', caller: anonymous(ctx) });
    for (const kind of ['learner', 'employer', 'staff'] as const) {
      const user = await createUser(ctx, { kind });
      callers.push({ name: `${kind} (no membership)`, caller: await sessionFor(ctx, user.id), account: kind });
    }
    for (const role of ROLES) {
      const user = await createUser(ctx);
      await addMember(ctx, orgA.id, user.id, role);
      callers.push({ name: role, caller: await sessionFor(ctx, user.id), account: 'staff', role });
    }
    const otherOwner = await createUser(ctx);
    await addMember(ctx, orgB.id, otherOwner.id, 'owner');
    callers.push({ name: 'owner of another org', caller: await sessionFor(ctx, otherOwner.id), account: 'staff' });
    const owner = await createUser(ctx);
    await addMember(ctx, orgA.id, owner.id, 'owner');
    callers.push({
      name: 'owner token, all scopes',
      caller: await tokenFor(ctx, owner.id, [...SCOPES]),
      account: 'staff',
      role: 'owner',
      token: { scopes: SCOPES },
    });
    callers.push({
      name: 'owner token, no scopes',
      caller: await tokenFor(ctx, owner.id, []),
      account: 'staff',
      role: 'owner',
      token: { scopes: [] },
    });
    callers.push({
      name: 'owner token bound to another org',
      caller: await tokenFor(ctx, owner.id, [...SCOPES], orgB.id),
      account: 'staff',
      token: { scopes: SCOPES },
    });
  });
  afterAll(() => ctx.close());

  it('every route the app serves was defined with an access rule', () => {
    const defined = new Set(routeTable().map((r) => `${r.method} ${r.path}`));
    const served = ctx.app.routes
      .filter((r) => !(r.method === 'ALL' && r.path === '/*'))
      .map((r) => `${r.method} ${r.path}`);
    expect(served.filter((r) => !defined.has(r))).toEqual([]);
    expect(served.length).toBeGreaterThan(1);
  });

  const concretePath = (r: RouteEntry) =>
    r.path.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(ids[name] ?? randomUUID()));

  it('every route × caller gets the outcome its access rule predicts', async () => {
    const mismatches: string[] = [];
    // Signing out ends the callers' sessions: it goes last.
    const routes = [...routeTable()].sort((a, b) => Number(/sign-out/.test(a.path)) - Number(/sign-out/.test(b.path)));
    for (const r of routes) {
      for (const c of callers) {
        const res = await c.caller.request(r.method, concretePath(r), r.method === 'GET' ? undefined : {});
        const want = expected(r.access, c);
        const got = await observed(res, r.access);
        if (got !== want) mismatches.push(`${r.method} ${r.path} as ${c.name}: expected ${want}, got ${got}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
