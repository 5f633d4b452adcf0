import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GLOBAL_SCALE_IDS, type ScaleJson } from '../src/domains/frameworks/scales.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { expectError } from './helpers/errors.js';
import { insertTestFramework, type TestFramework } from './helpers/frameworks.js';
import { addMember, anonymous, createOrg, member, tokenFor, type Caller } from './helpers/fixtures.js';

const RUBRIC = {
  key: 'support-rubric',
  title: 'Support rubric',
  description: 'How well someone handles customer support.',
  levels: [
    { code: 'novice', name: 'Novice', description: 'Follows scripts with help.', value: 1 },
    { code: 'practitioner', name: 'Practitioner', value: 2 },
    { code: 'expert', name: 'Expert', description: 'Handles any case; coaches others.', value: 3 },
  ],
};

async function json<T>(res: Response, status = 200): Promise<T> {
  const body = (await res.json()) as T;
  expect(res.status, JSON.stringify(body)).toBe(status);
  return body;
}

describe.each(databaseTargets())('proficiency scales on $name', (target) => {
  let ctx: TestContext;
  let admin: { caller: Caller; orgId: string; user: { id: string } };
  let framework: TestFramework;
  beforeAll(async () => {
    ctx = await createTestContext(target);
    admin = await member(ctx, 'admin');
    framework = await insertTestFramework(ctx.db, {
      items: [
        { key: 'support', statement: 'provide customer support' },
        { key: 'triage', statement: 'triage support tickets' },
      ],
    });
  });
  afterAll(() => ctx.close());

  const scalesPath = (orgId: string) => `/api/v1/orgs/${orgId}/proficiency-scales`;
  const createScale = async (caller: Caller, orgId: string, body: Record<string, unknown> = RUBRIC) =>
    (await json<{ scale: ScaleJson }>(await caller.request('POST', scalesPath(orgId), body), 201)).scale;

  it('anyone lists the three global scales the migration ships: EQF 1–8, O*NET level 0–7, importance 1–5', async () => {
    const { scales } = await json<{ scales: ScaleJson[] }>(
      await anonymous(ctx).request('GET', '/api/v1/proficiency-scales'),
    );
    expect(scales.map((s) => [s.id, s.key, s.kind, s.orgId, s.levels.map((l) => l.code).join(',')])).toEqual([
      [GLOBAL_SCALE_IDS.eqf, 'eqf', 'eqf', null, '1,2,3,4,5,6,7,8'],
      [GLOBAL_SCALE_IDS.onetImportance, 'onet-importance', 'onet-importance', null, '1,2,3,4,5'],
      [GLOBAL_SCALE_IDS.onetLevel, 'onet-level', 'onet-level', null, '0,1,2,3,4,5,6,7'],
    ]);
    const { scale } = await json<{ scale: ScaleJson }>(
      await anonymous(ctx).request('GET', `/api/v1/proficiency-scales/${GLOBAL_SCALE_IDS.eqf}`),
    );
    expect(scale.title).toBe('European Qualifications Framework');
    expect(scale.levels[4]).toEqual({
      code: '5',
      name: 'EQF level 5',
      description:
        'Comprehensive, specialised, factual and theoretical knowledge; skills to develop creative solutions to abstract problems; manage and supervise where change is unpredictable',
      value: 5,
    });
    await expectError(await anonymous(ctx).request('GET', '/api/v1/proficiency-scales/eqf'), 404, 'ERR_NOT_FOUND');
  });

  it('an admin defines a rubric scale (audited); members see it, other organisations and anonymous callers do not', async () => {
    const { orgId } = admin;
    const scale = await createScale(admin.caller, orgId);
    expect(scale).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      orgId,
      key: 'support-rubric',
      title: 'Support rubric',
      kind: 'rubric',
      description: 'How well someone handles customer support.',
      levels: RUBRIC.levels,
      createdAt: '2026-06-01T12:00:00.000Z',
      updatedAt: '2026-06-01T12:00:00.000Z',
    });
    const audit = await ctx.db
      .selectFrom('auditLog')
      .select(['action', 'actorUserId', 'data'])
      .where('targetId', '=', scale.id)
      .execute();
    expect(audit).toEqual([
      {
        action: 'proficiency_scale.create',
        actorUserId: admin.user.id,
        data: { key: 'support-rubric', levels: 3 },
      },
    ]);

    const viewer = await member(ctx, 'viewer', orgId);
    const outsider = await member(ctx, 'owner');
    const listOf = async (caller: Caller) =>
      (await json<{ scales: ScaleJson[] }>(await caller.request('GET', '/api/v1/proficiency-scales'))).scales.map(
        (s) => s.key,
      );
    expect(await listOf(viewer.caller)).toEqual(['eqf', 'onet-importance', 'onet-level', 'support-rubric']);
    expect(await listOf(outsider.caller)).toEqual(['eqf', 'onet-importance', 'onet-level']);
    expect(await listOf(anonymous(ctx))).toEqual(['eqf', 'onet-importance', 'onet-level']);
    // Tokens read an organisation's scales with frameworks:read, and only for the organisation they are bound to.
    expect(await listOf(await tokenFor(ctx, viewer.user.id, ['frameworks:read']))).toContain('support-rubric');
    expect(await listOf(await tokenFor(ctx, viewer.user.id, ['profiles:read']))).not.toContain('support-rubric');
    const elsewhere = await createOrg(ctx);
    await addMember(ctx, elsewhere.id, viewer.user.id, 'viewer');
    expect(await listOf(await tokenFor(ctx, viewer.user.id, ['frameworks:read'], elsewhere.id))).not.toContain(
      'support-rubric',
    );

    const one = `/api/v1/proficiency-scales/${scale.id}`;
    expect((await json<{ scale: ScaleJson }>(await viewer.caller.request('GET', one))).scale).toEqual(scale);
    await expectError(await outsider.caller.request('GET', one), 404, 'ERR_NOT_FOUND');
    await expectError(await anonymous(ctx).request('GET', one), 404, 'ERR_NOT_FOUND');
  });

  it('refuses malformed rubrics with the path of the field, and a key the organisation already uses (409)', async () => {
    const { orgId, caller } = await member(ctx, 'owner');
    const cases: [Record<string, unknown>, string][] = [
      [{ ...RUBRIC, levels: [RUBRIC.levels[0]] }, 'levels'],
      [
        { ...RUBRIC, levels: Array.from({ length: 21 }, (_, i) => ({ code: `l${i}`, name: `L${i}`, value: i })) },
        'levels',
      ],
      [{ ...RUBRIC, levels: [RUBRIC.levels[0], { ...RUBRIC.levels[1], code: 'novice' }] }, 'levels.1.code'],
      [
        { ...RUBRIC, levels: [RUBRIC.levels[0], RUBRIC.levels[1], { ...RUBRIC.levels[2], value: 2 }] },
        'levels.2.value',
      ],
      [{ ...RUBRIC, levels: [{ ...RUBRIC.levels[0], code: 'level one' }, RUBRIC.levels[1]] }, 'levels.0.code'],
      [{ ...RUBRIC, levels: [{ ...RUBRIC.levels[0], extra: 1 }, RUBRIC.levels[1]] }, 'levels.0'],
      [{ ...RUBRIC, key: 'Support Rubric' }, 'key'],
      [{ ...RUBRIC, title: '' }, 'title'],
    ];
    for (const [body, path] of cases) {
      const error = await expectError(await caller.request('POST', scalesPath(orgId), body), 400, 'ERR_VALIDATION');
      expect(error.details?.issues?.map((i) => i.path)).toContain(path);
    }
    await createScale(caller, orgId);
    const taken = await expectError(await caller.request('POST', scalesPath(orgId), RUBRIC), 409, 'ERR_CONFLICT');
    expect(taken.details?.path).toBe('key');
    // The key is the organisation's: another may use it too.
    const other = await member(ctx, 'admin');
    await createScale(other.caller, other.orgId);
    expect(await ctx.db.selectFrom('proficiencyScales').select('id').where('orgId', '=', orgId).execute()).toHaveLength(
      1,
    );
  });

  it('only admins (tokens with frameworks:write) define scales; global scales never change', async () => {
    const issuer = await member(ctx, 'issuer', admin.orgId);
    await expectError(await issuer.caller.request('POST', scalesPath(admin.orgId), RUBRIC), 403, 'ERR_FORBIDDEN');
    const readOnly = await tokenFor(ctx, admin.user.id, ['frameworks:read']);
    await expectError(await readOnly.request('POST', scalesPath(admin.orgId), RUBRIC), 403, 'ERR_SCOPE');
    const writer = await tokenFor(ctx, admin.user.id, ['frameworks:write']);
    const scale = await createScale(writer, admin.orgId, { ...RUBRIC, key: 'token-made' });
    expect(scale.kind).toBe('rubric');
    for (const method of ['PATCH', 'DELETE']) {
      await expectError(
        await admin.caller.request(
          method,
          `${scalesPath(admin.orgId)}/${GLOBAL_SCALE_IDS.eqf}`,
          method === 'PATCH' ? { title: 'x' } : undefined,
        ),
        404,
        'ERR_NOT_FOUND',
      );
    }
    const eqf = await ctx.db
      .selectFrom('proficiencyScales')
      .select('title')
      .where('id', '=', GLOBAL_SCALE_IDS.eqf)
      .executeTakeFirstOrThrow();
    expect(eqf.title).toBe('European Qualifications Framework');
  });

  it('changes keep the levels job profiles and achievements require; deletion waits until nothing uses the scale', async () => {
    const a = await member(ctx, 'admin');
    const scale = await createScale(a.caller, a.orgId, { ...RUBRIC, key: 'in-use' });
    const one = `${scalesPath(a.orgId)}/${scale.id}`;
    // Unused: levels may change freely.
    const renamed = await json<{ scale: ScaleJson }>(
      await a.caller.request('PATCH', one, { title: 'Support levels', description: null }),
    );
    expect(renamed.scale).toMatchObject({ title: 'Support levels', description: null, levels: RUBRIC.levels });

    const profile = await json<{ jobProfile: { id: string } }>(
      await a.caller.request('POST', `/api/v1/orgs/${a.orgId}/job-profiles`, {
        title: 'Support lead',
        skills: [
          { itemId: framework.items['support']!.id, weight: 1, requiredLevel: { scaleId: scale.id, level: 'expert' } },
        ],
      }),
      201,
    );
    const issuer = await member(ctx, 'issuer', a.orgId);
    const achievement = await json<{ achievement: { id: string } }>(
      await issuer.caller.request('POST', `/api/v1/orgs/${a.orgId}/achievements`, {
        name: 'Ticket triage',
        description: 'Sorts incoming tickets.',
        criteria: { narrative: 'Triage 50 tickets under review.' },
        skills: [
          { itemId: framework.items['triage']!.id, requiredLevel: { scaleId: scale.id, level: 'practitioner' } },
        ],
      }),
      201,
    );

    const withoutExpert = RUBRIC.levels.filter((l) => l.code !== 'expert');
    const conflict = await expectError(
      await a.caller.request('PATCH', one, { levels: withoutExpert }),
      409,
      'ERR_CONFLICT',
    );
    expect(conflict.details).toEqual({ path: 'levels', inUse: [{ code: 'expert', uses: 1 }] });
    const withoutBoth = [RUBRIC.levels[0], { code: 'master', name: 'Master', value: 9 }];
    const both = await expectError(await a.caller.request('PATCH', one, { levels: withoutBoth }), 409, 'ERR_CONFLICT');
    expect(both.details?.['inUse']).toEqual([
      { code: 'expert', uses: 1 },
      { code: 'practitioner', uses: 1 },
    ]);
    // Keeping the codes, names and values may change.
    const relevelled = RUBRIC.levels.map((l, i) => ({ ...l, name: `${l.name}!`, value: (i + 1) * 10 }));
    const changed = await json<{ scale: ScaleJson }>(await a.caller.request('PATCH', one, { levels: relevelled }));
    expect(changed.scale.levels).toEqual(relevelled);

    const inUse = await expectError(await a.caller.request('DELETE', one), 409, 'ERR_CONFLICT');
    expect(inUse.details).toEqual({ jobProfileSkills: 1, achievementSkills: 1 });
    // The profile drops the level: the achievement still holds the scale.
    await json(
      await a.caller.request('PATCH', `/api/v1/orgs/${a.orgId}/job-profiles/${profile.jobProfile.id}`, {
        skills: [{ itemId: framework.items['support']!.id, weight: 1 }],
      }),
    );
    const stillUsed = await expectError(await a.caller.request('DELETE', one), 409, 'ERR_CONFLICT');
    expect(stillUsed.details).toEqual({ jobProfileSkills: 0, achievementSkills: 1 });
    await json(
      await issuer.caller.request('PATCH', `/api/v1/orgs/${a.orgId}/achievements/${achievement.achievement.id}`, {
        skills: [{ itemId: framework.items['triage']!.id }],
      }),
    );
    const deleted = await json<{ scale: ScaleJson }>(await a.caller.request('DELETE', one));
    expect(deleted.scale.id).toBe(scale.id);
    await expectError(await a.caller.request('GET', `/api/v1/proficiency-scales/${scale.id}`), 404, 'ERR_NOT_FOUND');
    await expectError(await a.caller.request('DELETE', one), 404, 'ERR_NOT_FOUND');
    const actions = await ctx.db
      .selectFrom('auditLog')
      .select('action')
      .where('targetId', '=', scale.id)
      .orderBy('id')
      .execute();
    expect(actions.map((r) => r.action)).toEqual([
      'proficiency_scale.create',
      'proficiency_scale.update',
      'proficiency_scale.update',
      'proficiency_scale.delete',
    ]);
  });

  it("another organisation's scale cannot be changed, deleted, or required", async () => {
    const owner = await member(ctx, 'admin');
    const scale = await createScale(owner.caller, owner.orgId, { ...RUBRIC, key: 'private' });
    const other = await member(ctx, 'admin');
    await expectError(
      await other.caller.request('PATCH', `${scalesPath(other.orgId)}/${scale.id}`, { title: 'Mine now' }),
      404,
      'ERR_NOT_FOUND',
    );
    await expectError(
      await other.caller.request('DELETE', `${scalesPath(other.orgId)}/${scale.id}`),
      404,
      'ERR_NOT_FOUND',
    );
    const error = await expectError(
      await other.caller.request('POST', `/api/v1/orgs/${other.orgId}/job-profiles`, {
        title: 'Borrowed',
        skills: [
          { itemId: framework.items['support']!.id, weight: 1, requiredLevel: { scaleId: scale.id, level: 'novice' } },
        ],
      }),
      400,
      'ERR_VALIDATION',
    );
    expect(error.details?.path).toBe('skills.0.requiredLevel.scaleId');
  });
});
