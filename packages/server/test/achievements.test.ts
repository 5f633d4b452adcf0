import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Resvg } from '@resvg/resvg-js';
import { checkTerms, createDocumentLoader, type JsonObject } from '@skillproof/core';
import { assertIssuable, loadAchievementVersion } from '../src/domains/achievements/service.js';
import { MAX_IMAGE_BYTES } from '../src/domains/achievements/image.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { errorOf } from './helpers/errors.js';
import { anonymous, dataUri, member, SAMPLE_ACHIEVEMENT, tokenFor, type Caller } from './helpers/fixtures.js';

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle cx="5" cy="5" r="4"/></svg>';
const PNG = new Uint8Array(new Resvg(SVG).render().asPng());

interface Achievement {
  id: string;
  orgId: string;
  version: number;
  url: string;
  definition: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

async function body<T>(res: Response | Promise<Response>): Promise<T> {
  return (await (await res).json()) as T;
}

describe.each(databaseTargets())('achievements on $name', (target) => {
  let ctx: TestContext;
  let issuer: { caller: Caller; orgId: string; user: { id: string } };
  let base: string;
  beforeAll(async () => {
    ctx = await createTestContext(target);
    issuer = await member(ctx, 'issuer');
    base = `/api/v1/orgs/${issuer.orgId}/achievements`;
  });
  afterAll(() => ctx.close());

  const create = async (caller: Caller, path: string, definition: Record<string, unknown> = SAMPLE_ACHIEVEMENT) => {
    const res = await caller.request('POST', path, definition);
    expect(res.status).toBe(201);
    return (await body<{ achievement: Achievement }>(res)).achievement;
  };

  it('an issuer defines an achievement at version 1, MicroCredential by default, and it is audited', async () => {
    ctx.setNow('2026-06-01T12:30:00Z');
    const res = await issuer.caller.request('POST', base, SAMPLE_ACHIEVEMENT);
    expect(res.status).toBe(201);
    const { achievement } = await body<{ achievement: Achievement }>(res);
    expect(achievement).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      orgId: issuer.orgId,
      version: 1,
      url: `https://skillproof.test/achievements/${achievement.id}/versions/1`,
      definition: {
        ...SAMPLE_ACHIEVEMENT,
        achievementType: 'MicroCredential',
        alignment: [],
        resultDescription: [],
      },
      createdAt: '2026-06-01T12:30:00.000Z',
      updatedAt: '2026-06-01T12:30:00.000Z',
      archived: false,
      published: false,
      publishedAt: null,
    });
    const audit = await ctx.db
      .selectFrom('auditLog')
      .select(['action', 'actorUserId', 'targetId'])
      .where('orgId', '=', issuer.orgId)
      .where('targetId', '=', achievement.id)
      .execute();
    expect(audit).toEqual([{ action: 'achievement.create', actorUserId: issuer.user.id, targetId: achievement.id }]);
    expect(await body(issuer.caller.request('GET', `${base}/${achievement.id}`))).toEqual({ achievement });
  });

  it('keeps every field of a full definition: alignments, results, credits, validity, tags', async () => {
    const full = {
      name: 'Project Management Essentials',
      description: 'Plans, runs and closes a small project.',
      criteria: { narrative: 'Pass the quiz and the project.', id: 'https://example.edu/criteria/pm' },
      achievementType: 'Certificate',
      image: 'https://example.edu/badges/pm.png',
      alignment: [
        {
          targetName: 'manage projects',
          targetUrl: 'http://data.europa.eu/esco/skill/7111b95d-0ce3-441a-9d92-4c75d05c4388',
          targetFramework: 'ESCO',
          targetType: 'ceasn:Competency',
        },
      ],
      resultDescription: [
        { name: 'Outcome', resultType: 'Result', allowedValue: ['Pass', 'Fail'], requiredValue: 'Pass' },
        { name: 'Quiz', resultType: 'Percent', valueMin: '0', valueMax: '100', requiredValue: '75.5' },
        {
          name: 'Project',
          resultType: 'RubricCriterionLevel',
          rubricCriterionLevel: [
            { name: 'Developing', level: '1', points: '1' },
            { name: 'Proficient', level: '2', points: '2' },
          ],
        },
      ],
      creditsAvailable: 2.5,
      validityDays: 730,
      tags: ['pm', 'planning'],
      humanCode: 'PM-101',
      fieldOfStudy: 'Management',
      inLanguage: 'en-GB',
    };
    const a = await create(issuer.caller, base, full);
    expect(a.definition).toEqual(full);
    const doc = await body<JsonObject>(ctx.app.request(`/achievements/${a.id}/versions/1`));
    expect(doc).toMatchObject({
      achievementType: 'Certificate',
      image: { id: 'https://example.edu/badges/pm.png', type: 'Image' },
      creditsAvailable: 2.5,
      tag: ['pm', 'planning'],
      resultDescription: [
        { id: `${a.url}#result-1`, type: ['ResultDescription'], resultType: 'Result' },
        { id: `${a.url}#result-2`, resultType: 'Percent', requiredValue: '75.5' },
        {
          id: `${a.url}#result-3`,
          rubricCriterionLevel: [
            { id: `${a.url}#result-3-level-1`, name: 'Developing' },
            { id: `${a.url}#result-3-level-2`, name: 'Proficient' },
          ],
        },
      ],
    });
    await checkTerms(doc, createDocumentLoader());
  });

  it('bad definitions are 400 ERR_VALIDATION with the field path, and create nothing', async () => {
    const { caller, orgId } = await member(ctx, 'issuer');
    const path = `/api/v1/orgs/${orgId}/achievements`;
    const percent = (extra: Record<string, unknown>) => ({
      ...SAMPLE_ACHIEVEMENT,
      resultDescription: [{ name: 'Score', resultType: 'Percent', ...extra }],
    });
    const cases: [Record<string, unknown>, string][] = [
      [{ description: 'd', criteria: { narrative: 'n' } }, 'name'],
      [{ ...SAMPLE_ACHIEVEMENT, name: '' }, 'name'],
      [{ ...SAMPLE_ACHIEVEMENT, name: 'x'.repeat(201) }, 'name'],
      [{ ...SAMPLE_ACHIEVEMENT, criteria: {} }, 'criteria'],
      [{ ...SAMPLE_ACHIEVEMENT, criteria: { id: 'javascript:alert(1)' } }, 'criteria.id'],
      [{ ...SAMPLE_ACHIEVEMENT, achievementType: 'Trophy' }, 'achievementType'],
      [{ ...SAMPLE_ACHIEVEMENT, alignment: [{ targetName: 'SQL', targetUrl: 'nope' }] }, 'alignment.0.targetUrl'],
      [percent({ valueMax: '150' }), 'resultDescription.0.valueMax'],
      [percent({ requiredValue: 'most' }), 'resultDescription.0.requiredValue'],
      [percent({ valueMin: '90', valueMax: '10' }), 'resultDescription.0.valueMin'],
      [
        {
          ...SAMPLE_ACHIEVEMENT,
          resultDescription: [{ name: 'R', resultType: 'Result', allowedValue: ['Pass'], requiredValue: 'Fail' }],
        },
        'resultDescription.0.requiredValue',
      ],
      [
        { ...SAMPLE_ACHIEVEMENT, resultDescription: [{ name: 'R', resultType: 'RubricCriterionLevel' }] },
        'resultDescription.0.rubricCriterionLevel',
      ],
      [{ ...SAMPLE_ACHIEVEMENT, creditsAvailable: -1 }, 'creditsAvailable'],
      [{ ...SAMPLE_ACHIEVEMENT, validityDays: 0 }, 'validityDays'],
      [{ ...SAMPLE_ACHIEVEMENT, validityDays: 1.5 }, 'validityDays'],
      [{ ...SAMPLE_ACHIEVEMENT, tags: ['ok', ''] }, 'tags.1'],
      [{ ...SAMPLE_ACHIEVEMENT, inLanguage: 'english please' }, 'inLanguage'],
      [{ ...SAMPLE_ACHIEVEMENT, image: 'ftp://example.org/x.png' }, 'image'],
      [{ ...SAMPLE_ACHIEVEMENT, issuer: 'someone' }, ''],
    ];
    for (const [definition, field] of cases) {
      const res = await caller.request('POST', path, definition);
      const error = await errorOf(res);
      expect({ field, status: res.status, code: error.code }).toEqual({ field, status: 400, code: 'ERR_VALIDATION' });
      expect({ field, path: error.details?.issues?.[0]?.path }).toEqual({ field, path: field });
    }
    const garbage = await caller.request('POST', path, '{not json', { 'content-type': 'application/json' });
    expect(garbage.status).toBe(400);
    const rows = await ctx.db.selectFrom('achievements').select('id').where('orgId', '=', orgId).execute();
    expect(rows).toEqual([]);
  });

  it('an edit makes a new version; a credential keeps the version it was issued under', async () => {
    ctx.setNow('2026-06-01T13:00:00Z');
    const a = await create(issuer.caller, base);
    ctx.setNow('2026-06-01T14:00:00Z');
    const res = await issuer.caller.request('PATCH', `${base}/${a.id}`, {
      name: 'Advanced SQL',
      tags: null,
      validityDays: 365,
    });
    expect(res.status).toBe(200);
    const { achievement: v2 } = await body<{ achievement: Achievement }>(res);
    expect(v2).toMatchObject({
      version: 2,
      url: `https://skillproof.test/achievements/${a.id}/versions/2`,
      updatedAt: '2026-06-01T14:00:00.000Z',
      createdAt: '2026-06-01T13:00:00.000Z',
      definition: { name: 'Advanced SQL', tags: [], validityDays: 365, description: SAMPLE_ACHIEVEMENT.description },
    });

    const v1 = await loadAchievementVersion(ctx.db, issuer.orgId, a.id, 1);
    expect(v1.definition).toEqual(a.definition);
    expect((await loadAchievementVersion(ctx.db, issuer.orgId, a.id)).version).toBe(2);

    // A patch that changes nothing makes no version and no audit record.
    const same = await body<{ achievement: Achievement }>(
      issuer.caller.request('PATCH', `${base}/${a.id}`, { name: 'Advanced SQL' }),
    );
    expect(same.achievement.version).toBe(2);
    const bad = await issuer.caller.request('PATCH', `${base}/${a.id}`, { name: '', extra: true });
    expect(bad.status).toBe(400);

    const { versions } = await body<{
      versions: { version: number; url: string; definition: { name: string }; createdBy: string }[];
    }>(issuer.caller.request('GET', `${base}/${a.id}/versions`));
    expect(versions.map((v) => [v.version, v.definition.name, v.createdBy])).toEqual([
      [1, SAMPLE_ACHIEVEMENT.name, issuer.user.id],
      [2, 'Advanced SQL', issuer.user.id],
    ]);
    const actions = await ctx.db
      .selectFrom('auditLog')
      .select(['action', 'data'])
      .where('targetId', '=', a.id)
      .orderBy('id')
      .execute();
    expect(actions).toEqual([
      { action: 'achievement.create', data: { name: SAMPLE_ACHIEVEMENT.name } },
      { action: 'achievement.update', data: { version: 2, fields: ['name', 'validityDays', 'tags'] } },
    ]);

    // Both versions stay public, each as it was.
    const one = await body<JsonObject>(ctx.app.request(`/achievements/${a.id}/versions/1`));
    const two = await body<JsonObject>(ctx.app.request(`/achievements/${a.id}/versions/2`));
    expect([one['name'], one['version'], two['name'], two['version']]).toEqual([
      SAMPLE_ACHIEVEMENT.name,
      '1',
      'Advanced SQL',
      '2',
    ]);
  });

  it('concurrent edits make consecutive versions', async () => {
    const a = await create(issuer.caller, base);
    const results = await Promise.all(
      ['One', 'Two', 'Three'].map((name) => issuer.caller.request('PATCH', `${base}/${a.id}`, { name })),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const { versions } = await body<{ versions: { version: number }[] }>(
      issuer.caller.request('GET', `${base}/${a.id}/versions`),
    );
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3, 4]);
  });

  it('serves the OB 3.0 Achievement as valid JSON-LD at its public URL', async () => {
    const a = await create(issuer.caller, base);
    const res = await anonymous(ctx).request('GET', `/achievements/${a.id}/versions/1`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/ld\+json/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=86400');
    const doc = (await res.json()) as JsonObject;
    expect(doc).toEqual({
      '@context': [
        'https://www.w3.org/ns/credentials/v2',
        'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
      ],
      id: a.url,
      type: ['Achievement'],
      name: SAMPLE_ACHIEVEMENT.name,
      description: SAMPLE_ACHIEVEMENT.description,
      criteria: SAMPLE_ACHIEVEMENT.criteria,
      achievementType: 'MicroCredential',
      version: '1',
      tag: SAMPLE_ACHIEVEMENT.tags,
    });
    await checkTerms(doc, createDocumentLoader());

    const missing: [string, number, string][] = [
      [`/achievements/${a.id}/versions/2`, 404, 'ERR_NOT_FOUND'],
      [`/achievements/${randomUUID()}/versions/1`, 404, 'ERR_NOT_FOUND'],
      [`/achievements/${a.id}/versions/0`, 400, 'ERR_VALIDATION'],
      [`/achievements/${a.id}/versions/one`, 400, 'ERR_VALIDATION'],
      [`/achievements/not-a-uuid/versions/1`, 400, 'ERR_VALIDATION'],
    ];
    for (const [path, status, code] of missing) {
      const r = await ctx.app.request(path);
      expect({ path, status: r.status, code: (await errorOf(r)).code }).toEqual({ path, status, code });
    }
  });

  it('stores uploaded PNG and SVG images and serves them at the version URL', async () => {
    for (const [type, bytes] of [
      ['image/png', PNG],
      ['image/svg+xml', new TextEncoder().encode(SVG)],
    ] as const) {
      const a = await create(issuer.caller, base, { ...SAMPLE_ACHIEVEMENT, image: dataUri(type, bytes) });
      const imageUrl = `${a.url}/image`;
      const doc = await body<JsonObject>(ctx.app.request(`/achievements/${a.id}/versions/1`));
      expect(doc['image']).toEqual({ id: imageUrl, type: 'Image' });
      const res = await ctx.app.request(new URL(imageUrl).pathname);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
      expect(res.headers.get('content-security-policy')).toContain('sandbox');
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
    }
    const linked = await create(issuer.caller, base, { ...SAMPLE_ACHIEVEMENT, image: 'https://example.edu/b.png' });
    expect((await ctx.app.request(`/achievements/${linked.id}/versions/1/image`)).status).toBe(404);
  });

  it('refuses bad images with coded errors, and stores nothing', async () => {
    const { caller, orgId } = await member(ctx, 'issuer');
    const path = `/api/v1/orgs/${orgId}/achievements`;
    const big = `<svg xmlns="http://www.w3.org/2000/svg"><!--${'x'.repeat(MAX_IMAGE_BYTES)}--></svg>`;
    const cases: [string, number, string][] = [
      [dataUri('image/svg+xml', big), 413, 'ERR_IMAGE_TOO_LARGE'],
      [dataUri('image/png', PNG.slice(8)), 400, 'ERR_IMAGE_INVALID'],
      [
        dataUri('image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        400,
        'ERR_IMAGE_INVALID',
      ],
      [dataUri('image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg"><g></svg>'), 400, 'ERR_IMAGE_INVALID'],
      [dataUri('image/gif', 'GIF89a'), 415, 'ERR_UNSUPPORTED_MEDIA_TYPE'],
    ];
    for (const [image, status, code] of cases) {
      const res = await caller.request('POST', path, { ...SAMPLE_ACHIEVEMENT, image });
      const error = await errorOf(res);
      expect({ status: res.status, code: error.code, path: error.details?.path }).toEqual({
        status,
        code,
        path: 'image',
      });
    }
    const a = await create(caller, path);
    const patched = await caller.request('PATCH', `${path}/${a.id}`, { image: dataUri('image/png', PNG.slice(8)) });
    expect((await errorOf(patched)).code).toBe('ERR_IMAGE_INVALID');
    const rows = await ctx.db.selectFrom('achievements').select('currentVersion').where('orgId', '=', orgId).execute();
    expect(rows).toEqual([{ currentVersion: 1 }]);
  });

  it('an archived achievement cannot be issued or changed, and what it was stays public', async () => {
    const a = await create(issuer.caller, base);
    const res = await issuer.caller.request('DELETE', `${base}/${a.id}`);
    expect(res.status).toBe(200);
    expect((await body<{ achievement: Achievement }>(res)).achievement).toMatchObject({
      id: a.id,
      archived: true,
      version: 1,
    });
    expect((await issuer.caller.request('DELETE', `${base}/${a.id}`)).status).toBe(200);
    const archives = await ctx.db
      .selectFrom('auditLog')
      .select('action')
      .where('targetId', '=', a.id)
      .where('action', '=', 'achievement.archive')
      .execute();
    expect(archives).toHaveLength(1);

    const version = await loadAchievementVersion(ctx.db, issuer.orgId, a.id);
    expect(() => assertIssuable(version)).toThrow(expect.objectContaining({ code: 'ERR_STATE' }));
    expect(() => assertIssuable({ ...version, archived: false })).not.toThrow();
    const patch = await issuer.caller.request('PATCH', `${base}/${a.id}`, { name: 'Revived' });
    expect([patch.status, (await errorOf(patch)).code]).toEqual([409, 'ERR_STATE']);
    expect((await ctx.app.request(`/achievements/${a.id}/versions/1`)).status).toBe(200);

    const listed = async (query: string) =>
      (await body<{ achievements: Achievement[] }>(issuer.caller.request('GET', `${base}${query}`))).achievements.map(
        (x) => x.id,
      );
    expect(await listed('?limit=100')).not.toContain(a.id);
    expect(await listed('?limit=100&archived=true')).toContain(a.id);
  });

  it('lists newest first, a page at a time, without repeats', async () => {
    const { caller, orgId } = await member(ctx, 'issuer');
    const path = `/api/v1/orgs/${orgId}/achievements`;
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      ctx.setNow(new Date(Date.parse('2026-06-01T15:00:00Z') + (i % 3) * 1000)); // ties on purpose
      made.push((await create(caller, path, { ...SAMPLE_ACHIEVEMENT, name: `A${i}` })).id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { achievements: Achievement[]; nextCursor: string | null } = await body(
        caller.request('GET', `${path}?limit=2${cursor ? `&cursor=${cursor}` : ''}`),
      );
      seen.push(...page.achievements.map((x) => x.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual([...made].sort());
    const all = await body<{ achievements: Achievement[] }>(caller.request('GET', `${path}?limit=100`));
    const times = all.achievements.map((x) => x.createdAt);
    expect(times).toEqual([...times].sort().reverse());
    for (const query of ['?cursor=garbage', '?limit=0', '?limit=101', '?archived=maybe']) {
      const res = await caller.request('GET', `${path}${query}`);
      expect({ query, status: res.status, code: (await errorOf(res)).code }).toEqual({
        query,
        status: 400,
        code: 'ERR_VALIDATION',
      });
    }
  });

  it("another tenant's achievement is 404 exactly like a missing one, and is not changed", async () => {
    const a = await create(issuer.caller, base);
    const other = await member(ctx, 'owner');
    const responses = [];
    for (const id of [a.id, randomUUID()]) {
      const path = `/api/v1/orgs/${other.orgId}/achievements/${id}`;
      for (const [method, payload] of [
        ['GET', undefined],
        ['PATCH', { name: 'Stolen' }],
        ['DELETE', undefined],
      ] as const) {
        const res = await other.caller.request(method, path, payload);
        expect(res.status).toBe(404);
        responses.push(JSON.stringify(await res.json()));
      }
      const versions = await other.caller.request('GET', `${path}/versions`);
      expect(versions.status).toBe(404);
      responses.push(JSON.stringify(await versions.json()));
    }
    expect(new Set(responses).size).toBe(1);
    // Through the other tenant's path to this organisation: not a member, so 404 as well.
    expect((await other.caller.request('GET', `${base}/${a.id}`)).status).toBe(404);
    await expect(loadAchievementVersion(ctx.db, other.orgId, a.id)).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    const still = await loadAchievementVersion(ctx.db, issuer.orgId, a.id);
    expect([still.version, still.archived, still.definition.name]).toEqual([1, false, SAMPLE_ACHIEVEMENT.name]);
  });

  it('reading needs viewer and achievements:read; writing needs issuer and achievements:write', async () => {
    const viewer = await member(ctx, 'viewer', issuer.orgId);
    expect((await viewer.caller.request('GET', base)).status).toBe(200);
    const denied = await viewer.caller.request('POST', base, SAMPLE_ACHIEVEMENT);
    expect([denied.status, (await errorOf(denied)).code]).toEqual([403, 'ERR_FORBIDDEN']);
    const reader = await tokenFor(ctx, issuer.user.id, ['achievements:read'], issuer.orgId);
    expect((await reader.request('GET', base)).status).toBe(200);
    const scoped = await reader.request('POST', base, SAMPLE_ACHIEVEMENT);
    expect([scoped.status, (await errorOf(scoped)).code]).toEqual([403, 'ERR_SCOPE']);
    const writer = await tokenFor(ctx, issuer.user.id, ['achievements:write'], issuer.orgId);
    expect((await writer.request('POST', base, SAMPLE_ACHIEVEMENT)).status).toBe(201);
    expect((await anonymous(ctx).request('GET', base)).status).toBe(401);
  });
});
