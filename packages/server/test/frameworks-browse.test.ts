import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFramework } from '../src/domains/frameworks/importer.js';
import { searchIndexCacheFor } from '../src/domains/frameworks/search.js';
import { readEsco } from '../src/domains/frameworks/sources/esco.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { expectError } from './helpers/errors.js';
import { anonymous, member, tokenFor, type Caller } from './helpers/fixtures.js';

const ESCO_MINI = fileURLToPath(new URL('./fixtures/esco-mini', import.meta.url));

interface ItemJson {
  id: string;
  statement: string;
  type: string;
  altLabels: string[];
  uri: string;
  score?: number;
}
interface Hit {
  item: { id: string; statement: string; type: string; code: string | null; uri: string; altLabels: string[] };
  framework: { id: string; title: string; version: string | null; attribution: string | null };
  score: number;
  match: { field: string; text?: string; exact: boolean };
}

async function json<T>(res: Response | Promise<Response>, status = 200): Promise<T> {
  const r = await res;
  const body = (await r.json()) as T;
  expect(r.status, JSON.stringify(body)).toBe(status);
  return body;
}

describe.each(databaseTargets())('framework browsing and search on $name', (target) => {
  let ctx: TestContext;
  let escoId: string;
  let attribution: string | null;
  let orgA: { orgId: string; caller: Caller; user: { id: string } };
  let orgB: { orgId: string; caller: Caller };
  let privateId: string;
  const privateItems: string[] = [];

  const get = (caller: Caller, path: string) => caller.request('GET', path);

  beforeAll(async () => {
    ctx = await createTestContext(target);
    escoId = (await importFramework(ctx.db, readEsco(ESCO_MINI), { now: ctx.deps.clock() })).frameworkId;
    attribution = (
      await ctx.db.selectFrom('frameworks').select('attribution').where('id', '=', escoId).executeTakeFirstOrThrow()
    ).attribution;
    orgA = await member(ctx, 'viewer');
    orgB = await member(ctx, 'admin');
    // Organisation A's own framework, private (not public).
    privateId = randomUUID();
    await ctx.db
      .insertInto('frameworks')
      .values({
        id: privateId,
        orgId: orgA.orgId,
        source: 'custom',
        identifier: randomUUID(),
        uri: `https://example.org/frameworks/${privateId}`,
        title: 'Acme internal competencies',
        creator: 'Acme',
        lastChangeAt: ctx.deps.clock(),
        updatedAt: new Date('2026-01-01T00:00:00Z'),
      })
      .execute();
    for (const [statement, altLabels] of [
      ['Quantum widget calibration', ['calibrate quantum widgets']],
      ['Zephyr pipeline operation', []],
      ['Acme safety induction', ['safety onboarding']],
    ] as const) {
      const id = randomUUID();
      privateItems.push(id);
      await ctx.db
        .insertInto('frameworkItems')
        .values({
          id,
          frameworkId: privateId,
          identifier: id,
          caseIdentifier: id,
          type: 'competency',
          statement,
          altLabels: JSON.stringify(altLabels),
        })
        .execute();
    }
  });
  afterAll(() => ctx.close());

  it('lists the frameworks a caller can see: global ones to all, an organisation’s private one to its members', async () => {
    const ids = async (caller: Caller) =>
      (await json<{ frameworks: { id: string }[] }>(get(caller, '/api/v1/frameworks'))).frameworks.map((f) => f.id);
    expect(await ids(anonymous(ctx))).toContain(escoId);
    expect(await ids(anonymous(ctx))).not.toContain(privateId);
    expect(await ids(orgB.caller)).not.toContain(privateId);
    expect(await ids(orgA.caller)).toEqual(expect.arrayContaining([escoId, privateId]));
    // Tokens: only with frameworks:read, and only for the organisation they are bound to (or all, unbound).
    expect(await ids(await tokenFor(ctx, orgA.user.id, ['frameworks:read'], orgA.orgId))).toContain(privateId);
    expect(await ids(await tokenFor(ctx, orgA.user.id, ['frameworks:read']))).toContain(privateId);
    expect(await ids(await tokenFor(ctx, orgA.user.id, ['achievements:read'], orgA.orgId))).not.toContain(privateId);
    expect(await ids(await tokenFor(ctx, orgA.user.id, ['frameworks:read'], orgB.orgId))).not.toContain(privateId);
  });

  it('answers 404 (not 403) for another organisation’s private framework, everywhere', async () => {
    const paths = [
      `/api/v1/frameworks/${privateId}`,
      `/api/v1/frameworks/${privateId}/items`,
      `/api/v1/frameworks/${privateId}/items?q=quantum`,
      `/api/v1/frameworks/${privateId}/items/${privateItems[0]}`,
      `/api/v1/skills/search?q=quantum&framework=${privateId}`,
      `/api/v1/occupations?framework=${privateId}`,
      `/api/v1/frameworks/${randomUUID()}`,
    ];
    for (const caller of [anonymous(ctx), orgB.caller]) {
      for (const path of paths) await expectError(await get(caller, path), 404, 'ERR_NOT_FOUND');
    }
    for (const path of paths.slice(0, -1)) expect((await get(orgA.caller, path)).status, path).toBe(200);
    // Search across everything does not reveal it either.
    const hits = await json<{ results: Hit[] }>(get(anonymous(ctx), '/api/v1/skills/search?q=quantum%20widget'));
    expect(hits.results.map((h) => h.framework.id)).not.toContain(privateId);
    const own = await json<{ results: Hit[] }>(get(orgA.caller, '/api/v1/skills/search?q=quantum%20widget'));
    expect(own.results[0]?.item.id).toBe(privateItems[0]);
  });

  it('shows a framework with its counts and attribution', async () => {
    const body = await json<{ framework: Record<string, unknown>; counts: Record<string, unknown> }>(
      get(anonymous(ctx), `/api/v1/frameworks/${escoId}`),
    );
    expect(body.framework).toMatchObject({ id: escoId, source: 'esco', orgId: null, attribution });
    expect(attribution).toMatch(/ESCO.*European Union/);
    const items = await ctx.db
      .selectFrom('frameworkItems')
      .select(['type', (eb) => eb.fn.countAll<string>().as('n')])
      .where('frameworkId', '=', escoId)
      .groupBy('type')
      .execute();
    expect(body.counts['items']).toEqual(Object.fromEntries(items.map((r) => [r.type, Number(r.n)])));
    const skills = await ctx.db
      .selectFrom('occupationSkills as s')
      .innerJoin('occupations as o', 'o.id', 's.occupationId')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('o.frameworkId', '=', escoId)
      .executeTakeFirstOrThrow();
    expect(body.counts['occupationSkills']).toBe(Number(skills.n));
    expect(body.counts['occupations']).toEqual({ occupation: 13, group: expect.any(Number) as number });
  });

  it('finds a skill by an alternative label with a typo, first, with its framework and attribution', async () => {
    const skill = await ctx.db
      .selectFrom('frameworkItems')
      .selectAll()
      .where('frameworkId', '=', escoId)
      .where('statement', '=', 'show initiative')
      .executeTakeFirstOrThrow();
    expect(skill.altLabels).toContain('demonstrate sense of initiative');
    const { results } = await json<{ results: Hit[] }>(
      get(anonymous(ctx), '/api/v1/skills/search?q=demonstrate%20sense%20of%20initaitive&limit=5'),
    );
    expect(results.length).toBeLessThanOrEqual(5);
    expect(results[0]).toEqual({
      item: {
        id: skill.id,
        statement: 'show initiative',
        type: skill.type,
        code: skill.code,
        uri: skill.uri,
        altLabels: skill.altLabels,
      },
      framework: { id: escoId, title: expect.any(String) as string, version: '1.1.1', attribution },
      score: expect.any(Number) as number,
      match: { field: 'altLabel', text: 'demonstrate sense of initiative', exact: false },
    });
    for (let k = 1; k < results.length; k++) expect(results[k - 1]!.score).toBeGreaterThanOrEqual(results[k]!.score);
    // Within the framework, the same search; and by type.
    const within = await json<{ items: ItemJson[] }>(
      get(anonymous(ctx), `/api/v1/frameworks/${escoId}/items?q=demonstrate%20sense%20of%20initaitive&limit=3`),
    );
    expect(within.items[0]?.id).toBe(skill.id);
    expect(within.items[0]?.score).toBe(results[0]!.score);
    const typed = await json<{ results: Hit[] }>(
      get(anonymous(ctx), `/api/v1/skills/search?q=initiative&type=skill-group&type=knowledge&framework=${escoId}`),
    );
    for (const hit of typed.results) expect(['skill-group', 'knowledge']).toContain(hit.item.type);
  });

  it('pages through a framework’s items by statement, each once, and filters by type and parent', async () => {
    const total = await ctx.db
      .selectFrom('frameworkItems')
      .select(['id', 'statement'])
      .where('frameworkId', '=', escoId)
      .orderBy(sql`statement COLLATE "C"`)
      .orderBy('id')
      .execute();
    const seen: ItemJson[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: ItemJson[]; nextCursor: string | null } = await json(
        get(anonymous(ctx), `/api/v1/frameworks/${escoId}/items?limit=40${cursor ? `&cursor=${cursor}` : ''}`),
      );
      expect(page.items.length).toBeLessThanOrEqual(40);
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(Math.ceil(total.length / 40));
    expect(seen.map((i) => i.id)).toEqual(total.map((r) => r.id));

    const knowledge = await json<{ items: ItemJson[] }>(
      get(anonymous(ctx), `/api/v1/frameworks/${escoId}/items?type=knowledge&limit=100`),
    );
    const knowledgeCount = await ctx.db
      .selectFrom('frameworkItems')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('frameworkId', '=', escoId)
      .where('type', '=', 'knowledge')
      .executeTakeFirstOrThrow();
    expect(knowledge.items).toHaveLength(Number(knowledgeCount.n));
    expect(new Set(knowledge.items.map((i) => i.type))).toEqual(new Set(['knowledge']));

    // A skill group's children are the items that are isChildOf it.
    const edge = await ctx.db
      .selectFrom('frameworkAssociations')
      .select(['destinationItemId', (eb) => eb.fn.countAll<string>().as('n')])
      .where('frameworkId', '=', escoId)
      .where('type', '=', 'isChildOf')
      .groupBy('destinationItemId')
      .orderBy(sql`count(*)`, 'desc')
      .orderBy('destinationItemId')
      .executeTakeFirstOrThrow();
    const children = await json<{ items: ItemJson[] }>(
      get(anonymous(ctx), `/api/v1/frameworks/${escoId}/items?parent=${edge.destinationItemId}&limit=100`),
    );
    expect(children.items).toHaveLength(Number(edge.n));
    const roots = await json<{ items: ItemJson[] }>(
      get(anonymous(ctx), `/api/v1/frameworks/${escoId}/items?parent=root&limit=100`),
    );
    expect(roots.items.length).toBeGreaterThan(0);
    expect(roots.items.map((i) => i.type)).not.toContain('skill');
    await expectError(
      await get(anonymous(ctx), `/api/v1/frameworks/${escoId}/items?parent=${privateItems[0]}`),
      404,
      'ERR_NOT_FOUND',
    );
  });

  it('shows an item with its parents, children, associations and the occupations needing it most', async () => {
    const needed = await ctx.db
      .selectFrom('occupationSkills')
      .select(['itemId', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy('itemId')
      .orderBy(sql`count(*)`, 'desc')
      .orderBy('itemId')
      .executeTakeFirstOrThrow();
    const detail = await json<{
      item: ItemJson;
      parents: { id: string }[];
      occupations: { occupation: { id: string; title: string }; relation: string; weight: number }[];
      occupationCount: number;
      associations: { type: string; direction: string }[];
      associationCount: number;
    }>(get(anonymous(ctx), `/api/v1/frameworks/${escoId}/items/${needed.itemId}`));
    expect(detail.item.id).toBe(needed.itemId);
    expect(detail.occupationCount).toBe(Number(needed.n));
    expect(detail.occupations).toHaveLength(Math.min(20, Number(needed.n)));
    for (let k = 1; k < detail.occupations.length; k++) {
      expect(detail.occupations[k - 1]!.weight).toBeGreaterThanOrEqual(detail.occupations[k]!.weight);
    }
    const parents = await ctx.db
      .selectFrom('frameworkAssociations')
      .select('destinationItemId')
      .where('originItemId', '=', needed.itemId)
      .where('type', '=', 'isChildOf')
      .execute();
    expect(detail.parents.map((p) => p.id).sort()).toEqual(parents.map((p) => p.destinationItemId).sort());
    expect(detail.associations).toHaveLength(detail.associationCount);
    await expectError(
      await get(anonymous(ctx), `/api/v1/frameworks/${escoId}/items/${privateItems[0]}`),
      404,
      'ERR_NOT_FOUND',
    );
  });

  it('searches, lists and shows occupations with their weighted skills', async () => {
    const developer = await ctx.db
      .selectFrom('occupations')
      .selectAll()
      .where('frameworkId', '=', escoId)
      .where('title', '=', 'software developer')
      .executeTakeFirstOrThrow();
    const found = await json<{ occupations: { id: string; score: number; framework: { attribution: string } }[] }>(
      get(anonymous(ctx), '/api/v1/occupations?q=sofware%20develper&kind=occupation'),
    );
    expect(found.occupations[0]?.id).toBe(developer.id);
    expect(found.occupations[0]?.framework.attribution).toBe(attribution);

    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { occupations: { id: string; kind: string }[]; nextCursor: string | null } = await json(
        get(anonymous(ctx), `/api/v1/occupations?kind=occupation&limit=5${cursor ? `&cursor=${cursor}` : ''}`),
      );
      all.push(...page.occupations.map((o) => o.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(all).toHaveLength(13);
    expect(new Set(all).size).toBe(13);

    const detail = await json<{
      occupation: { id: string; title: string };
      skills: { item: { id: string }; relation: string; weight: number }[];
      broader: { id: string }[];
    }>(get(anonymous(ctx), `/api/v1/occupations/${developer.id}`));
    const skills = await ctx.db
      .selectFrom('occupationSkills')
      .select(['itemId', 'relation', 'weight'])
      .where('occupationId', '=', developer.id)
      .execute();
    expect(detail.skills).toHaveLength(skills.length);
    expect(detail.skills.map((s) => s.weight)).toEqual(skills.map((s) => s.weight).sort((a, b) => b - a));
    for (const s of detail.skills) expect(s.weight).toBe(s.relation === 'essential' ? 1 : 0.5);
    expect(detail.broader).toHaveLength(1);
    await expectError(await get(anonymous(ctx), `/api/v1/occupations/${randomUUID()}`), 404, 'ERR_NOT_FOUND');
  });

  it('refuses malformed parameters with 400 ERR_VALIDATION', async () => {
    const bad = [
      '/api/v1/skills/search',
      '/api/v1/skills/search?q=',
      '/api/v1/skills/search?q=%20%20',
      `/api/v1/skills/search?q=${'x'.repeat(201)}`,
      '/api/v1/skills/search?q=sql&limit=51',
      '/api/v1/skills/search?q=sql&limit=0',
      '/api/v1/skills/search?q=sql&framework=not-a-uuid',
      `/api/v1/frameworks/${escoId}/items?cursor=bm90LWEtY3Vyc29y`,
      `/api/v1/frameworks/${escoId}/items?q=sql&cursor=${Buffer.from(privateItems[0]!).toString('base64url')}`,
      `/api/v1/frameworks/${escoId}/items?limit=101`,
      `/api/v1/frameworks/${escoId}/items?parent=nowhere`,
      '/api/v1/frameworks/not-a-uuid',
      '/api/v1/occupations?kind=job',
      '/api/v1/occupations/not-a-uuid',
    ];
    for (const path of bad) await expectError(await get(anonymous(ctx), path), 400, 'ERR_VALIDATION');
    const ok = await json<{ results: Hit[] }>(get(anonymous(ctx), `/api/v1/skills/search?q=${'x'.repeat(200)}`));
    expect(ok.results).toEqual([]);
  });

  it('rebuilds a framework’s index when frameworks.updated_at changes, and only then; one build for concurrent searches', async () => {
    const cache = searchIndexCacheFor(ctx.db);
    const search = async (q: string) =>
      (
        await json<{ results: Hit[] }>(
          get(orgA.caller, `/api/v1/skills/search?q=${encodeURIComponent(q)}&framework=${privateId}`),
        )
      ).results.map((h) => h.item.statement);
    const bump = (at: string) =>
      ctx.db
        .updateTable('frameworks')
        .set({ updatedAt: new Date(at) })
        .where('id', '=', privateId)
        .execute();
    await bump('2026-01-15T00:00:00Z');
    const before = cache.stats().builds;
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => search('zephyr pipeline')));
    expect(concurrent).toEqual(Array.from({ length: 5 }, () => ['Zephyr pipeline operation']));
    expect(cache.stats().builds).toBe(before + 1);
    const built = before + 1;

    // Changed without touching updated_at: the cached index still answers (it is keyed on updated_at).
    await ctx.db
      .updateTable('frameworkItems')
      .set({ statement: 'Zephyr pipeline maintenance' })
      .where('id', '=', privateItems[1]!)
      .execute();
    expect(await search('zephyr pipeline')).toEqual(['Zephyr pipeline operation']);
    expect(cache.stats().builds).toBe(built);

    // updated_at moves: the next search rebuilds and sees the change.
    await bump('2026-02-01T00:00:00Z');
    expect(await search('zephyr pipeline')).toEqual(['Zephyr pipeline maintenance']);
    expect(await search('zephyr maintenanse')).toEqual(['Zephyr pipeline maintenance']);
    expect(cache.stats().builds).toBe(built + 1);
  });
});
