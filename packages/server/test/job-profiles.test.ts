import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GLOBAL_SCALE_IDS } from '../src/domains/frameworks/scales.js';
import type { JobProfileJson, JobProfileSummaryJson } from '../src/domains/job-profiles/schemas.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { expectError } from './helpers/errors.js';
import { escoMiniRows, importEscoMini, insertTestFramework, type TestFramework } from './helpers/frameworks.js';
import { anonymous, member, tokenFor, type Caller } from './helpers/fixtures.js';

async function json<T>(res: Response, status = 200): Promise<T> {
  const body = (await res.json()) as T;
  expect(res.status, JSON.stringify(body)).toBe(status);
  return body;
}

describe.each(databaseTargets())('job profiles on $name', (target) => {
  let ctx: TestContext;
  let admin: { caller: Caller; orgId: string; user: { id: string } };
  let base: string;
  let esco: TestFramework;
  let onet: TestFramework;
  /** Another organisation's private framework, and a public one. */
  let hidden: TestFramework;
  let shared: TestFramework;
  /** The ESCO mini fixture, imported by the real reader and importer. */
  let escoMiniId: string;
  beforeAll(async () => {
    ctx = await createTestContext(target);
    escoMiniId = await importEscoMini(ctx.db, ctx.deps.clock());
    admin = await member(ctx, 'admin');
    base = `/api/v1/orgs/${admin.orgId}/job-profiles`;
    esco = await insertTestFramework(ctx.db, {
      title: 'ESCO',
      version: '1.1.1',
      items: [
        { key: 'sql', statement: 'use SQL', code: 'S5.6.1', description: 'Query relational databases.' },
        { key: 'stats', statement: 'apply statistical analysis techniques' },
        { key: 'viz', statement: 'present visual data', type: 'skill' },
        { key: 'python', statement: 'Python (computer programming)', type: 'knowledge' },
        { key: 'excel', statement: 'use spreadsheets software' },
      ],
      occupations: [
        {
          key: 'analyst',
          title: 'data analyst',
          code: '2511.3',
          skills: [
            { item: 'viz', weight: 0.5, relation: 'optional' },
            { item: 'sql', weight: 1, relation: 'essential' },
            { item: 'stats', weight: 1, relation: 'essential' },
          ],
        },
      ],
    });
    onet = await insertTestFramework(ctx.db, {
      title: 'O*NET',
      version: '29.2',
      source: 'onet',
      items: [
        { key: 'reading', statement: 'Reading Comprehension', code: '2.A.1.a' },
        { key: 'math', statement: 'Mathematics', code: '2.A.1.e' },
        { key: 'repair', statement: 'Repairing', code: '2.B.3.l' },
      ],
      occupations: [
        {
          key: 'statistician',
          title: 'Statisticians',
          code: '15-2041.00',
          skills: [
            { item: 'reading', weight: 0.655, importance: 3.62, level: 4.38 },
            { item: 'math', weight: 0.845, importance: 4.38, level: 5.5 },
            // Importance 1, "not important": weight 0, left out of a profile.
            { item: 'repair', weight: 0, importance: 1, level: 0 },
          ],
        },
      ],
    });
    const otherOrg = await member(ctx, 'admin');
    hidden = await insertTestFramework(ctx.db, {
      orgId: otherOrg.orgId,
      title: 'Their private framework',
      items: [{ key: 'secret', statement: 'their secret skill' }],
      occupations: [{ key: 'role', title: 'their role', skills: [{ item: 'secret', weight: 1 }] }],
    });
    shared = await insertTestFramework(ctx.db, {
      orgId: otherOrg.orgId,
      public: true,
      title: 'Their public framework',
      items: [{ key: 'open', statement: 'an openly shared skill', uri: null }],
    });
  });
  afterAll(() => ctx.close());

  const item = (fw: TestFramework, key: string) => {
    const i = fw.items[key]!;
    return {
      id: i.id,
      statement: i.statement,
      type: i.type,
      code: i.code,
      url: i.uri ?? `https://skillproof.test/ims/case/v1p1/CFItems/${i.caseIdentifier}`,
      framework: { id: fw.id, title: fw.title, version: fw.version },
    };
  };
  const create = async (body: Record<string, unknown>, caller = admin.caller, path = base) =>
    (await json<{ jobProfile: JobProfileJson }>(await caller.request('POST', path, body), 201)).jobProfile;

  it('started from an ESCO occupation: its skills with their weights, essential first; audited', async () => {
    ctx.setNow('2026-06-01T13:00:00Z');
    const profile = await create({
      title: 'Junior data analyst',
      description: 'Reporting for the sales team.',
      occupationId: esco.occupations['analyst']!.id,
    });
    expect(profile).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      orgId: admin.orgId,
      title: 'Junior data analyst',
      description: 'Reporting for the sales team.',
      occupation: { id: esco.occupations['analyst']!.id, title: 'data analyst', code: '2511.3', frameworkId: esco.id },
      skills: [
        { item: item(esco, 'stats'), weight: 1, requiredLevel: null },
        { item: item(esco, 'sql'), weight: 1, requiredLevel: null },
        { item: item(esco, 'viz'), weight: 0.5, requiredLevel: null },
      ],
      createdAt: '2026-06-01T13:00:00.000Z',
      updatedAt: '2026-06-01T13:00:00.000Z',
      archived: false,
    });
    const audit = await ctx.db
      .selectFrom('auditLog')
      .select(['action', 'actorUserId', 'data'])
      .where('targetId', '=', profile.id)
      .execute();
    expect(audit).toEqual([
      {
        action: 'job_profile.create',
        actorUserId: admin.user.id,
        data: { title: 'Junior data analyst', occupationId: esco.occupations['analyst']!.id, skills: 3 },
      },
    ]);
    expect(await json(await admin.caller.request('GET', `${base}/${profile.id}`))).toEqual({ jobProfile: profile });
  });

  it('from an occupation of the imported ESCO mini fixture: exactly its skills in the source file, essential 1, optional 0.5', async () => {
    const occupation = escoMiniRows('occupations_en.csv').find((r) => r['preferredLabel'] === 'data scientist')!;
    const relations = escoMiniRows('occupationSkillRelations.csv').filter(
      (r) => r['occupationUri'] === occupation['conceptUri'],
    );
    const labels = new Map(escoMiniRows('skills_en.csv').map((r) => [r['conceptUri'], r['preferredLabel']]));
    const { id: occupationId } = await ctx.db
      .selectFrom('occupations')
      .select('id')
      .where('frameworkId', '=', escoMiniId)
      .where('identifier', '=', occupation['conceptUri']!)
      .executeTakeFirstOrThrow();
    const profile = await create({ title: 'Data scientist', occupationId });
    expect(profile.occupation).toEqual({
      id: occupationId,
      title: 'data scientist',
      code: occupation['code'],
      frameworkId: escoMiniId,
    });
    const byUrl = (a: (string | number | undefined)[], b: (string | number | undefined)[]) =>
      String(a[0]).localeCompare(String(b[0]));
    const want = relations.map((r) => [
      r['skillUri'],
      labels.get(r['skillUri']),
      r['relationType'] === 'essential' ? 1 : 0.5,
    ]);
    expect(want).toHaveLength(10);
    const got = profile.skills.map((s) => [s.item.url, s.item.statement, s.weight]);
    expect(got.sort(byUrl)).toEqual(want.sort(byUrl));
    // Essential first.
    const weights = profile.skills.map((s) => s.weight);
    expect(weights).toEqual([...weights].sort((a, b) => b - a));
    expect(new Set(profile.skills.map((s) => s.item.framework.id))).toEqual(new Set([escoMiniId]));
    expect(profile.skills.every((s) => s.requiredLevel === null)).toBe(true);
  });

  it('from an O*NET occupation: weights from importance, the O*NET level as required level; unimportant skills left out', async () => {
    const profile = await create({ title: 'Statistician', occupationId: onet.occupations['statistician']!.id });
    const level = (code: string) => ({
      scaleId: GLOBAL_SCALE_IDS.onetLevel,
      scaleKey: 'onet-level',
      scaleTitle: 'O*NET level',
      level: code,
      name: `Level ${code}`,
    });
    expect(profile.skills).toEqual([
      { item: item(onet, 'math'), weight: 0.845, requiredLevel: level('6') },
      { item: item(onet, 'reading'), weight: 0.655, requiredLevel: level('4') },
    ]);
  });

  it('skills given beside an occupation replace its entry for the same item and add others', async () => {
    const profile = await create({
      title: 'Analyst (Python)',
      occupationId: esco.occupations['analyst']!.id,
      skills: [
        { itemId: esco.items['viz']!.id, weight: 0.9, requiredLevel: { scaleId: GLOBAL_SCALE_IDS.eqf, level: '5' } },
        { itemId: esco.items['python']!.id, weight: 0.75 },
        { itemId: shared.items['open']!.id },
      ],
    });
    expect(profile.skills).toEqual([
      { item: item(shared, 'open'), weight: 1, requiredLevel: null },
      { item: item(esco, 'stats'), weight: 1, requiredLevel: null },
      { item: item(esco, 'sql'), weight: 1, requiredLevel: null },
      {
        item: item(esco, 'viz'),
        weight: 0.9,
        requiredLevel: {
          scaleId: GLOBAL_SCALE_IDS.eqf,
          scaleKey: 'eqf',
          scaleTitle: 'European Qualifications Framework',
          level: '5',
          name: 'EQF level 5',
        },
      },
      { item: item(esco, 'python'), weight: 0.75, requiredLevel: null },
    ]);
    // An item without its own URI is named by its CASE URL on this server.
    expect(profile.skills[0]!.item.url).toBe(
      `https://skillproof.test/ims/case/v1p1/CFItems/${shared.items['open']!.caseIdentifier}`,
    );
    const rows = await ctx.db
      .selectFrom('jobProfileSkills')
      .select(['itemId', 'weight', 'scaleId', 'requiredLevel'])
      .where('jobProfileId', '=', profile.id)
      .orderBy('weight', 'desc')
      .orderBy('itemId')
      .execute();
    expect(rows).toHaveLength(5);
    expect(rows.find((r) => r.itemId === esco.items['viz']!.id)).toEqual({
      itemId: esco.items['viz']!.id,
      weight: 0.9,
      scaleId: GLOBAL_SCALE_IDS.eqf,
      requiredLevel: '5',
    });
  });

  it('refuses unknown or invisible items, scales, levels and occupations with the path of the field; writes nothing', async () => {
    const before = await ctx.db.selectFrom('jobProfiles').select('id').where('orgId', '=', admin.orgId).execute();
    const sql = esco.items['sql']!.id;
    const cases: [Record<string, unknown>, string[]][] = [
      [{ skills: [{ itemId: '00000000-0000-4000-8000-000000000000', weight: 1 }] }, ['skills.0.itemId']],
      [
        {
          skills: [
            { itemId: sql, weight: 1 },
            { itemId: hidden.items['secret']!.id, weight: 1 },
          ],
        },
        ['skills.1.itemId'],
      ],
      [
        {
          skills: [
            { itemId: sql, weight: 1 },
            { itemId: sql, weight: 0.5 },
          ],
        },
        ['skills.1.itemId'],
      ],
      [
        {
          skills: [
            { itemId: sql, weight: 1 },
            { itemId: esco.items['stats']!.id, weight: 1 },
            { itemId: esco.items['viz']!.id, weight: 1, requiredLevel: { scaleId: GLOBAL_SCALE_IDS.eqf, level: '9' } },
          ],
        },
        ['skills.2.requiredLevel.level'],
      ],
      [
        {
          skills: [
            { itemId: sql, weight: 1, requiredLevel: { scaleId: '00000000-0000-4000-8000-000000000000', level: '1' } },
            { itemId: hidden.items['secret']!.id, weight: 1 },
          ],
        },
        ['skills.0.requiredLevel.scaleId', 'skills.1.itemId'],
      ],
      [{ occupationId: hidden.occupations['role']!.id }, ['occupationId']],
      [{ occupationId: '00000000-0000-4000-8000-000000000000' }, ['occupationId']],
      [{ skills: [{ itemId: sql, weight: 0 }] }, ['skills.0.weight']],
      [{ skills: [{ itemId: sql, weight: 1.5 }] }, ['skills.0.weight']],
      [{ skills: [{ itemId: 'sql', weight: 1 }] }, ['skills.0.itemId']],
      [{ skills: [{ itemId: sql, weight: 1, level: '3' }] }, ['skills.0']],
    ];
    for (const [body, paths] of cases) {
      const error = await expectError(
        await admin.caller.request('POST', base, { title: 'Refused', ...body }),
        400,
        'ERR_VALIDATION',
      );
      expect(
        error.details?.issues?.map((i) => i.path),
        JSON.stringify(body),
      ).toEqual(paths);
    }
    const level = await expectError(
      await admin.caller.request('POST', base, {
        title: 'Refused',
        skills: [{ itemId: sql, weight: 1, requiredLevel: { scaleId: GLOBAL_SCALE_IDS.eqf, level: 'expert' } }],
      }),
      400,
      'ERR_VALIDATION',
    );
    expect(level.message).toBe(
      'skills.0.requiredLevel.level: not a level of the scale eqf (its levels: 1, 2, 3, 4, 5, 6, 7, 8)',
    );
    const after = await ctx.db.selectFrom('jobProfiles').select('id').where('orgId', '=', admin.orgId).execute();
    expect(after).toHaveLength(before.length);
  });

  it("the organisation's own private framework and its rubric scales may be used", async () => {
    const own = await insertTestFramework(ctx.db, {
      orgId: admin.orgId,
      title: 'Our competencies',
      items: [{ key: 'care', statement: 'customer care', uri: null }],
    });
    const scale = await json<{ scale: { id: string } }>(
      await admin.caller.request('POST', `/api/v1/orgs/${admin.orgId}/proficiency-scales`, {
        key: 'care-levels',
        title: 'Care levels',
        levels: [
          { code: 'basic', name: 'Basic', value: 1 },
          { code: 'advanced', name: 'Advanced', value: 2 },
        ],
      }),
      201,
    );
    const profile = await create({
      title: 'Support agent',
      skills: [
        { itemId: own.items['care']!.id, weight: 1, requiredLevel: { scaleId: scale.scale.id, level: 'advanced' } },
      ],
    });
    expect(profile.skills).toEqual([
      {
        item: item(own, 'care'),
        weight: 1,
        requiredLevel: {
          scaleId: scale.scale.id,
          scaleKey: 'care-levels',
          scaleTitle: 'Care levels',
          level: 'advanced',
          name: 'Advanced',
        },
      },
    ]);
  });

  it('lists newest first a page at a time, archived ones only on request; archived profiles cannot change', async () => {
    const { caller, orgId } = await member(ctx, 'admin');
    const path = `/api/v1/orgs/${orgId}/job-profiles`;
    const ids: string[] = [];
    for (const [i, title] of ['First', 'Second', 'Third'].entries()) {
      ctx.setNow(`2026-06-01T14:0${i}:00Z`);
      ids.push((await create({ title, skills: [{ itemId: esco.items['sql']!.id, weight: 1 }] }, caller, path)).id);
    }
    const page1 = await json<{ jobProfiles: JobProfileSummaryJson[]; nextCursor: string | null }>(
      await caller.request('GET', `${path}?limit=2`),
    );
    expect(page1.jobProfiles.map((p) => [p.title, p.skillCount])).toEqual([
      ['Third', 1],
      ['Second', 1],
    ]);
    expect(page1.jobProfiles[0]).toEqual({
      id: ids[2],
      orgId,
      title: 'Third',
      description: null,
      occupation: null,
      skillCount: 1,
      createdAt: '2026-06-01T14:02:00.000Z',
      updatedAt: '2026-06-01T14:02:00.000Z',
      archived: false,
    });
    const page2 = await json<{ jobProfiles: JobProfileSummaryJson[]; nextCursor: string | null }>(
      await caller.request('GET', `${path}?limit=2&cursor=${page1.nextCursor!}`),
    );
    expect(page2.jobProfiles.map((p) => p.title)).toEqual(['First']);
    expect(page2.nextCursor).toBeNull();
    await expectError(await caller.request('GET', `${path}?cursor=nonsense`), 400, 'ERR_VALIDATION');

    ctx.setNow('2026-06-01T15:00:00Z');
    const archived = await json<{ jobProfile: JobProfileJson }>(await caller.request('DELETE', `${path}/${ids[1]}`));
    expect(archived.jobProfile).toMatchObject({ archived: true, updatedAt: '2026-06-01T15:00:00.000Z' });
    // Idempotent, audited once.
    await json(await caller.request('DELETE', `${path}/${ids[1]}`));
    const titles = async (query: string) =>
      (
        await json<{ jobProfiles: JobProfileSummaryJson[] }>(await caller.request('GET', `${path}${query}`))
      ).jobProfiles.map((p) => p.title);
    expect(await titles('')).toEqual(['Third', 'First']);
    expect(await titles('?archived=true')).toEqual(['Third', 'Second', 'First']);
    await expectError(await caller.request('PATCH', `${path}/${ids[1]}`, { title: 'Revived' }), 409, 'ERR_STATE');
    const audit = await ctx.db
      .selectFrom('auditLog')
      .select('action')
      .where('targetId', '=', ids[1]!)
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['job_profile.create', 'job_profile.archive']);
  });

  it('a patch replaces the title, description or whole skill list; a patch that changes nothing is not audited', async () => {
    const profile = await create({
      title: 'Data engineer',
      skills: [
        { itemId: esco.items['sql']!.id, weight: 1 },
        { itemId: esco.items['python']!.id, weight: 0.3 },
      ],
    });
    const path = `${base}/${profile.id}`;
    ctx.setNow('2026-06-01T16:00:00Z');
    const same = await json<{ jobProfile: JobProfileJson }>(
      await admin.caller.request('PATCH', path, {
        title: 'Data engineer',
        skills: [
          { itemId: esco.items['python']!.id, weight: 0.3 },
          { itemId: esco.items['sql']!.id, weight: 1 },
        ],
      }),
    );
    expect(same.jobProfile).toEqual(profile);
    const changed = await json<{ jobProfile: JobProfileJson }>(
      await admin.caller.request('PATCH', path, {
        description: 'Pipelines.',
        skills: [
          { itemId: esco.items['excel']!.id, weight: 0.2 },
          { itemId: esco.items['python']!.id, weight: 1, requiredLevel: { scaleId: GLOBAL_SCALE_IDS.eqf, level: '6' } },
        ],
      }),
    );
    expect(changed.jobProfile).toMatchObject({
      title: 'Data engineer',
      description: 'Pipelines.',
      updatedAt: '2026-06-01T16:00:00.000Z',
    });
    expect(changed.jobProfile.skills.map((s) => [s.item.statement, s.weight, s.requiredLevel?.level ?? null])).toEqual([
      ['Python (computer programming)', 1, '6'],
      ['use spreadsheets software', 0.2, null],
    ]);
    const removed = await json<{ jobProfile: JobProfileJson }>(
      await admin.caller.request('PATCH', path, { description: null }),
    );
    expect(removed.jobProfile.description).toBeNull();
    const error = await expectError(
      await admin.caller.request('PATCH', path, { skills: [{ itemId: hidden.items['secret']!.id, weight: 1 }] }),
      400,
      'ERR_VALIDATION',
    );
    expect(error.details?.path).toBe('skills.0.itemId');
    expect(
      (await json<{ jobProfile: JobProfileJson }>(await admin.caller.request('GET', path))).jobProfile.skills,
    ).toHaveLength(2);
    const audit = await ctx.db
      .selectFrom('auditLog')
      .select(['action', 'data'])
      .where('targetId', '=', profile.id)
      .orderBy('id')
      .execute();
    expect(audit.map((a) => [a.action, a.data['fields'] ?? null])).toEqual([
      ['job_profile.create', null],
      ['job_profile.update', ['description', 'skills']],
      ['job_profile.update', ['description']],
    ]);
  });

  it('viewers read (tokens with profiles:read); admins write (profiles:write); other organisations see nothing', async () => {
    const profile = await create({ title: 'Readable', skills: [{ itemId: esco.items['sql']!.id, weight: 1 }] });
    const path = `${base}/${profile.id}`;
    const viewer = await member(ctx, 'viewer', admin.orgId);
    const issuer = await member(ctx, 'issuer', admin.orgId);
    expect((await json<{ jobProfile: JobProfileJson }>(await viewer.caller.request('GET', path))).jobProfile.id).toBe(
      profile.id,
    );
    const reader = await tokenFor(ctx, viewer.user.id, ['profiles:read']);
    await json(await reader.request('GET', base));
    await expectError(
      await (await tokenFor(ctx, viewer.user.id, ['frameworks:read'])).request('GET', base),
      403,
      'ERR_SCOPE',
    );
    await expectError(await viewer.caller.request('PATCH', path, { title: 'x' }), 403, 'ERR_FORBIDDEN');
    await expectError(await issuer.caller.request('POST', base, { title: 'x' }), 403, 'ERR_FORBIDDEN');
    await expectError(await reader.request('DELETE', path), 403, 'ERR_SCOPE');
    const writer = await tokenFor(ctx, admin.user.id, ['profiles:write']);
    expect(
      (await json<{ jobProfile: JobProfileJson }>(await writer.request('PATCH', path, { title: 'Renamed' }))).jobProfile
        .title,
    ).toBe('Renamed');

    const outsider = await member(ctx, 'owner');
    await expectError(await outsider.caller.request('GET', path), 404, 'ERR_NOT_FOUND');
    // Their own organisation's path does not reach our profile either.
    await expectError(
      await outsider.caller.request('GET', `/api/v1/orgs/${outsider.orgId}/job-profiles/${profile.id}`),
      404,
      'ERR_NOT_FOUND',
    );
    await expectError(
      await outsider.caller.request('PATCH', `/api/v1/orgs/${outsider.orgId}/job-profiles/${profile.id}`, {
        title: 'x',
      }),
      404,
      'ERR_NOT_FOUND',
    );
    await expectError(await anonymous(ctx).request('GET', base), 401, 'ERR_UNAUTHENTICATED');
  });
});
