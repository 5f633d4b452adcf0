import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orgDid } from '../src/domains/orgs/identity.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { expectError } from './helpers/errors.js';
import { insertTestFramework, type TestFramework } from './helpers/frameworks.js';
import { AchievementDefinitionInput } from '../src/domains/achievements/definition.js';
import { createAchievement } from '../src/domains/achievements/service.js';
import { GLOBAL_SCALE_IDS } from '../src/domains/frameworks/scales.js';
import {
  addMember,
  anonymous,
  createOrg,
  SAMPLE_ACHIEVEMENT,
  createUser,
  member,
  sessionFor,
  tokenFor,
  type Caller,
} from './helpers/fixtures.js';
import { issueTestCredential, setTestCredentialState } from './helpers/public-fixtures.js';

async function json<T>(res: Response, status = 200): Promise<T> {
  const body = (await res.json()) as T;
  expect(res.status, JSON.stringify(body)).toBe(status);
  return body;
}

/** ESCO's own URIs for SQL and Python, so that the shipped extractor's answers meet the test framework's items. */
const ESCO_SQL = 'http://data.europa.eu/esco/skill/598de5b0-5b58-4ea7-8058-a4bc4d18c742';
const ESCO_PYTHON = 'http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d';

interface Evidence {
  skill: string;
  label: string | null;
  level: number;
  date: string | null;
  source: string;
  credentialId: string | null;
  issuer: { id: string; name: string | null } | null;
}
interface Profile {
  verified: Evidence[];
  selfDeclared: Evidence[];
}
interface Gap {
  goal: { kind: string; id: string | null; title: string };
  score: number;
  essentialCoverage: { met: number; total: number; ratio: number };
  credit: Record<string, number>;
  skills: {
    skill: string;
    label: string;
    essential: boolean;
    requiredLevel: number;
    heldLevel: number;
    shortfall: number;
    met: number;
    via: { skill: string; relation: string; depth: number; factor: number; evidence: Evidence } | null;
    explanation: string;
  }[];
}

describe.each(databaseTargets())('guidance API on $name', (target) => {
  let ctx: TestContext;
  let esco: TestFramework;
  let hidden: TestFramework;
  let learner: { id: string; email: string };
  let caller: Caller;
  let issuerOrg: { id: string; slug: string; name: string };
  let credentialId: string;
  beforeAll(async () => {
    ctx = await createTestContext(target);
    esco = await insertTestFramework(ctx.db, {
      title: 'ESCO',
      items: [
        { key: 'sql', statement: 'SQL', uri: ESCO_SQL },
        { key: 'python', statement: 'Python (computer programming)', uri: ESCO_PYTHON },
        { key: 'stats', statement: 'statistics' },
        { key: 'viz', statement: 'present visual data' },
      ],
      occupations: [
        {
          key: 'analyst',
          title: 'data analyst',
          skills: [
            { item: 'sql', weight: 1, relation: 'essential' },
            { item: 'stats', weight: 1, relation: 'essential' },
            { item: 'viz', weight: 0.5, relation: 'optional' },
          ],
        },
      ],
    });
    const other = await member(ctx, 'admin');
    hidden = await insertTestFramework(ctx.db, {
      orgId: other.orgId,
      title: 'Their private framework',
      items: [{ key: 'secret', statement: 'their secret skill' }],
      occupations: [{ key: 'role', title: 'their role', skills: [{ item: 'secret', weight: 1 }] }],
    });
    issuerOrg = await createOrg(ctx);
    const { achievementId } = await createSampleAchievement(issuerOrg.id, {
      skills: [{ itemId: esco.items['sql']!.id }],
    });
    learner = await createUser(ctx, { kind: 'learner' });
    caller = await sessionFor(ctx, learner.id);
    ctx.setNow('2026-03-02T10:00:00Z');
    const row = await issueTestCredential(ctx, { orgId: issuerOrg.id, achievementId, email: learner.email });
    await ctx.db.updateTable('credentials').set({ holderUserId: learner.id }).where('id', '=', row.id).execute();
    credentialId = row.id;
    // A revoked credential for Python: it must not count.
    const { achievementId: pythonId } = await createSampleAchievement(issuerOrg.id, {
      name: 'Python',
      skills: [{ itemId: esco.items['python']!.id }],
    });
    const revoked = await issueTestCredential(ctx, {
      orgId: issuerOrg.id,
      achievementId: pythonId,
      email: learner.email,
    });
    await ctx.db.updateTable('credentials').set({ holderUserId: learner.id }).where('id', '=', revoked.id).execute();
    await setTestCredentialState(ctx, { ...revoked, holderUserId: learner.id }, 'revoked', 'test');
    ctx.setNow('2026-06-01T12:00:00Z');
  });
  afterAll(() => ctx.close());

  /** An achievement aligned to framework items, created as an organisation's admin would (skills resolved). */
  const createSampleAchievement = (orgId: string, overrides: Record<string, unknown>) =>
    ctx.db
      .transaction()
      .execute((tx) =>
        createAchievement(
          tx,
          orgId,
          AchievementDefinitionInput.parse({ ...SAMPLE_ACHIEVEMENT, ...overrides }),
          ctx.deps.clock(),
          null,
        ),
      );

  const sqlEvidence = (): Evidence => ({
    skill: ESCO_SQL,
    label: 'SQL',
    level: 1,
    date: '2026-03-02T10:00:00.000Z',
    source: 'issued',
    credentialId,
    issuer: { id: orgDid(ctx.deps.publicUrl, issuerOrg.slug), name: issuerOrg.name },
  });

  it('GET /me/skills: verified evidence from standing credentials only, with level, date, issuer and source', async () => {
    expect(await json<Profile>(await caller.request('GET', '/api/v1/me/skills'))).toEqual({
      verified: [sqlEvidence()],
      selfDeclared: [],
    });
    // Another learner sees only their own (empty) profile.
    const stranger = await sessionFor(ctx, (await createUser(ctx, { kind: 'learner' })).id);
    expect(await json<Profile>(await stranger.request('GET', '/api/v1/me/skills'))).toEqual({
      verified: [],
      selfDeclared: [],
    });
    await expectError(await anonymous(ctx).request('GET', '/api/v1/me/skills'), 401, 'ERR_UNAUTHENTICATED');
  });

  it('PUT /me/skills/declared: self-declared skills kept apart; items must be visible; the list is replaced', async () => {
    const declared = await json<Profile>(
      await caller.request('PUT', '/api/v1/me/skills/declared', {
        skills: [{ itemId: esco.items['stats']!.id, level: 0.6 }, { itemId: esco.items['sql']!.id }],
      }),
    );
    expect(declared.verified).toEqual([sqlEvidence()]);
    expect(declared.selfDeclared).toEqual(
      [
        { skill: ESCO_SQL, label: 'SQL', level: 1 },
        { skill: esco.items['stats']!.uri!, label: 'statistics', level: 0.6 },
      ]
        .sort((a, b) => (a.skill < b.skill ? -1 : 1))
        .map((s) => ({
          ...s,
          date: '2026-06-01T12:00:00.000Z',
          source: 'self-declared',
          credentialId: null,
          issuer: null,
        })),
    );
    const hiddenItem = await expectError(
      await caller.request('PUT', '/api/v1/me/skills/declared', { skills: [{ itemId: hidden.items['secret']!.id }] }),
      400,
      'ERR_VALIDATION',
    );
    expect(hiddenItem.details?.issues).toEqual([{ path: 'skills.0.itemId', message: 'no such item' }]);
    await expectError(
      await caller.request('PUT', '/api/v1/me/skills/declared', {
        skills: [{ itemId: esco.items['sql']!.id, level: 2 }],
      }),
      400,
      'ERR_VALIDATION',
    );
    // Refused requests changed nothing.
    expect((await json<Profile>(await caller.request('GET', '/api/v1/me/skills'))).selfDeclared).toHaveLength(2);
    const cleared = await json<Profile>(await caller.request('PUT', '/api/v1/me/skills/declared', { skills: [] }));
    expect(cleared.selfDeclared).toEqual([]);
  });

  it('tokens need skills:read to read and skills:write to declare', async () => {
    const readOnly = await tokenFor(ctx, learner.id, ['skills:read']);
    expect((await json<Profile>(await readOnly.request('GET', '/api/v1/me/skills'))).verified).toEqual([sqlEvidence()]);
    await expectError(await readOnly.request('PUT', '/api/v1/me/skills/declared', { skills: [] }), 403, 'ERR_SCOPE');
    const none = await tokenFor(ctx, learner.id, ['credentials:hold']);
    await expectError(await none.request('GET', '/api/v1/me/skills'), 403, 'ERR_SCOPE');
    await expectError(await none.request('POST', '/api/v1/me/gap', { goal: { posting: 'SQL' } }), 403, 'ERR_SCOPE');
  });

  it('POST /me/gap for an ESCO occupation: per-skill gap, weighted score and essential coverage, explained', async () => {
    const gap = await json<Gap>(
      await caller.request('POST', '/api/v1/me/gap', { goal: { occupationId: esco.occupations['analyst']!.id } }),
    );
    expect(gap.goal).toEqual({ kind: 'occupation', id: esco.occupations['analyst']!.id, title: 'data analyst' });
    // SQL held (essential, weight 1); statistics (essential, 1) and visual data (optional, 0.5) not: 1 / 2.5.
    expect(gap.score).toBeCloseTo(1 / 2.5, 12);
    expect(gap.essentialCoverage).toEqual({ met: 1, total: 2, ratio: 0.5 });
    const sql = gap.skills.find((s) => s.skill === ESCO_SQL)!;
    expect(sql).toMatchObject({ essential: true, heldLevel: 1, shortfall: 0, met: 1 });
    expect(sql.via?.evidence).toEqual(sqlEvidence());
    expect(sql.explanation).toMatch(/^held: SQL \(verified, issued here, 2026-03, .+\) — covers 'SQL'/);
    const stats = gap.skills.find((s) => s.label === 'statistics')!;
    expect(stats).toMatchObject({ essential: true, heldLevel: 0, shortfall: 1, met: 0, via: null });
    expect(stats.explanation).toBe("not held: 'statistics' — short 1 (required 1, held 0; weight 1, essential)");
  });

  it('self-declared skills count in a gap only when asked, at half, and are marked', async () => {
    await json(
      await caller.request('PUT', '/api/v1/me/skills/declared', { skills: [{ itemId: esco.items['stats']!.id }] }),
    );
    const goal = { occupationId: esco.occupations['analyst']!.id };
    const without = await json<Gap>(await caller.request('POST', '/api/v1/me/gap', { goal }));
    expect(without.skills.find((s) => s.label === 'statistics')!.heldLevel).toBe(0);
    const withDeclared = await json<Gap>(
      await caller.request('POST', '/api/v1/me/gap', { goal, includeSelfDeclared: true }),
    );
    const stats = withDeclared.skills.find((s) => s.label === 'statistics')!;
    expect(stats).toMatchObject({ heldLevel: 0.5, shortfall: 0.5 });
    expect(stats.via?.evidence.source).toBe('self-declared');
    expect(stats.explanation).toContain('self-declared');
    await json(await caller.request('PUT', '/api/v1/me/skills/declared', { skills: [] }));
  });

  it('POST /me/gap for a job posting: the ESCO skills the extractor finds, each essential', async () => {
    const gap = await json<Gap>(
      await caller.request('POST', '/api/v1/me/gap', {
        goal: { posting: 'Data engineer\nStrong SQL and Python programming.', top: 5 },
      }),
    );
    expect(gap.goal).toEqual({ kind: 'posting', id: null, title: 'Data engineer' });
    expect(gap.skills.length).toBeLessThanOrEqual(5);
    expect(gap.skills.every((s) => s.essential)).toBe(true);
    expect(gap.skills.find((s) => s.skill === ESCO_SQL)).toMatchObject({ label: 'SQL', met: 1 });
    // Python's credential is revoked: not held.
    expect(gap.skills.find((s) => s.skill === ESCO_PYTHON)).toMatchObject({ heldLevel: 0, met: 0 });
  });

  it('POST /me/gap for a job profile: only of an organisation the learner belongs to', async () => {
    const admin = await member(ctx, 'admin');
    const { jobProfile } = await json<{ jobProfile: { id: string } }>(
      await admin.caller.request('POST', `/api/v1/orgs/${admin.orgId}/job-profiles`, {
        title: 'Analyst',
        skills: [{ itemId: esco.items['sql']!.id, weight: 0.5 }, { itemId: esco.items['python']!.id }],
      }),
      201,
    );
    const goal = { jobProfileId: jobProfile.id };
    await expectError(await caller.request('POST', '/api/v1/me/gap', { goal }), 404, 'ERR_NOT_FOUND');
    const gap = await json<Gap>(await admin.caller.request('POST', '/api/v1/me/gap', { goal }));
    expect(gap.goal).toEqual({ kind: 'job-profile', id: jobProfile.id, title: 'Analyst' });
    expect(gap.skills.map((s) => [s.skill, s.met])).toEqual(
      [
        [ESCO_PYTHON, 0],
        [ESCO_SQL, 0],
      ].sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
    );
  });

  it('coded errors: unknown or invisible occupation 404, malformed goals 400', async () => {
    const gap = (goal: unknown) => caller.request('POST', '/api/v1/me/gap', { goal });
    await expectError(await gap({ occupationId: crypto.randomUUID() }), 404, 'ERR_NOT_FOUND');
    await expectError(await gap({ occupationId: hidden.occupations['role']!.id }), 404, 'ERR_NOT_FOUND');
    await expectError(await gap({ occupationId: 'not-a-uuid' }), 400, 'ERR_VALIDATION');
    await expectError(
      await gap({ occupationId: esco.occupations['analyst']!.id, posting: 'SQL' }),
      400,
      'ERR_VALIDATION',
    );
    await expectError(await gap({}), 400, 'ERR_VALIDATION');
    await expectError(await gap({ posting: '   ' }), 400, 'ERR_VALIDATION');
  });

  it('GET /me/next-roles: shared occupations only, closest first, limit respected; the index follows new frameworks', async () => {
    interface Roles {
      roles: {
        occupation: { id: string; title: string };
        similarity: number;
        coverage: number;
        shared: { skill: string; label: string | null }[];
        explanation: string;
      }[];
    }
    const first = await json<Roles>(await caller.request('GET', '/api/v1/me/next-roles'));
    // The other organisation's private occupation is never suggested; only occupations sharing a held skill are.
    expect(first.roles.map((r) => r.occupation)).toEqual([
      { id: esco.occupations['analyst']!.id, title: 'data analyst' },
    ]);
    expect(first.roles[0]!.coverage).toBeCloseTo(1 / 2.5, 12);
    expect(first.roles[0]!.shared).toEqual([{ skill: ESCO_SQL, label: 'SQL' }]);
    const dba = await insertTestFramework(ctx.db, {
      title: 'More occupations',
      items: [{ key: 'sql', statement: 'SQL', uri: ESCO_SQL }],
      occupations: [
        { key: 'dba', title: 'database administrator', skills: [{ item: 'sql', weight: 1, relation: 'essential' }] },
      ],
    });
    const second = await json<Roles>(await caller.request('GET', '/api/v1/me/next-roles'));
    expect(second.roles.map((r) => r.occupation.title)).toEqual(['database administrator', 'data analyst']);
    expect(second.roles[0]).toMatchObject({
      occupation: { id: dba.occupations['dba']!.id },
      similarity: 1,
      coverage: 1,
    });
    const limited = await json<Roles>(await caller.request('GET', '/api/v1/me/next-roles?limit=1'));
    expect(limited.roles.map((r) => r.occupation.title)).toEqual(['database administrator']);
    await expectError(await caller.request('GET', '/api/v1/me/next-roles?limit=0'), 400, 'ERR_VALIDATION');
    const stranger = await sessionFor(ctx, (await createUser(ctx, { kind: 'learner' })).id);
    expect(await json<Roles>(await stranger.request('GET', '/api/v1/me/next-roles'))).toEqual({ roles: [] });
  });

  it('POST /skills/extract: public, ranked ESCO skills, top respected; bad input 400', async () => {
    const { skills } = await json<{ skills: { uri: string; label: string; score: number }[] }>(
      await anonymous(ctx).request('POST', '/api/v1/skills/extract', {
        text: 'Strong SQL and Python programming.',
        top: 3,
      }),
    );
    expect(skills).toHaveLength(3);
    expect(skills.map((s) => s.uri)).toEqual(expect.arrayContaining([ESCO_SQL, ESCO_PYTHON]));
    for (let i = 1; i < skills.length; i++) expect(skills[i]!.score).toBeLessThanOrEqual(skills[i - 1]!.score);
    await expectError(
      await anonymous(ctx).request('POST', '/api/v1/skills/extract', { text: '' }),
      400,
      'ERR_VALIDATION',
    );
    await expectError(
      await anonymous(ctx).request('POST', '/api/v1/skills/extract', { text: 'SQL', top: 0 }),
      400,
      'ERR_VALIDATION',
    );
  });

  let touches = 0;
  /**
   * An isChildOf link (origin = the narrower end) in a framework, each end an item of it or a URI elsewhere, with the
   * framework's updated_at moved on as an import or an edit moves it (the shared hierarchy is cached by it).
   */
  async function linkChild(
    frameworkId: string,
    narrower: { id?: string; uri: string },
    broader: { id?: string; uri: string },
  ) {
    await ctx.db
      .insertInto('frameworkAssociations')
      .values({
        id: crypto.randomUUID(),
        frameworkId,
        identifier: `isChildOf|${narrower.uri}|${broader.uri}`,
        caseIdentifier: crypto.randomUUID(),
        type: 'isChildOf',
        originItemId: narrower.id ?? null,
        originIdentifier: narrower.uri,
        originUri: narrower.uri,
        destinationItemId: broader.id ?? null,
        destinationIdentifier: broader.uri,
        destinationUri: broader.uri,
      })
      .execute();
    await ctx.db
      .updateTable('frameworks')
      .set({ updatedAt: new Date(Date.UTC(2027, 0, 1) + ++touches * 1000) })
      .where('id', '=', frameworkId)
      .execute();
  }
  const itemRef = (item: { id: string; uri: string | null }) => ({ id: item.id, uri: item.uri! });

  it('POST /me/gap: a held narrower skill gives partial credit for the broader required one, naming the held skill', async () => {
    // use databases ─┬─ SQL (held)      database skills (a group) ─┬─ SQL
    //                └─ NoSQL                                      └─ MongoDB
    const h = await insertTestFramework(ctx.db, {
      title: 'Hierarchy',
      items: [
        { key: 'sql', statement: 'SQL', uri: ESCO_SQL },
        { key: 'db', statement: 'use databases' },
        { key: 'nosql', statement: 'NoSQL' },
        { key: 'group', statement: 'database skills', type: 'skill-group' },
        { key: 'mongo', statement: 'MongoDB' },
      ],
      occupations: [
        {
          key: 'dev',
          title: 'database developer',
          skills: [
            { item: 'db', weight: 1, relation: 'essential' },
            { item: 'nosql', weight: 0.5, relation: 'optional' },
            { item: 'mongo', weight: 0.5, relation: 'optional' },
          ],
        },
      ],
    });
    const goal = { occupationId: h.occupations['dev']!.id };
    const before = await json<Gap>(await caller.request('POST', '/api/v1/me/gap', { goal }));
    expect(before.skills.map((s) => s.heldLevel)).toEqual([0, 0, 0]);

    await linkChild(h.id, itemRef(h.items['sql']!), itemRef(h.items['db']!));
    await linkChild(h.id, itemRef(h.items['nosql']!), itemRef(h.items['db']!));
    await linkChild(h.id, itemRef(h.items['sql']!), itemRef(h.items['group']!));
    await linkChild(h.id, itemRef(h.items['mongo']!), itemRef(h.items['group']!));
    const gap = await json<Gap>(await caller.request('POST', '/api/v1/me/gap', { goal }));
    const byLabel = (label: string) => gap.skills.find((s) => s.label === label)!;
    expect(byLabel('use databases')).toMatchObject({
      essential: true,
      requiredLevel: 1,
      heldLevel: 0.5,
      shortfall: 0.5,
      met: 0.5,
      via: { skill: ESCO_SQL, relation: 'held-narrower', depth: 1, factor: 0.5, evidence: sqlEvidence() },
    });
    expect(byLabel('use databases').explanation).toBe(
      `held: SQL (verified, issued here, 2026-03, ${issuerOrg.name}) — covers 'use databases' via a narrower skill ` +
        'at 0.5; required 1, held 0.5; short 0.5',
    );
    // NoSQL shares the skill "use databases" (2 narrower skills) with SQL; MongoDB shares only a skill group: nothing.
    expect(byLabel('NoSQL')).toMatchObject({ heldLevel: 0.25, via: { skill: ESCO_SQL, relation: 'sibling' } });
    expect(byLabel('MongoDB')).toMatchObject({ heldLevel: 0, shortfall: 1, via: null });
    expect(gap.score).toBeCloseTo((1 * 0.5 + 0.5 * 0.25 + 0.5 * 0) / 2, 12);
    expect(gap.essentialCoverage).toEqual({ met: 0, total: 1, ratio: 0 });
    expect(gap.credit).toEqual({
      narrower: 0.5,
      broader: 0.25,
      sibling: 0.25,
      siblingMaxChildren: 8,
      maxDepth: 2,
      selfDeclared: 0,
    });
  });

  it("POST /me/gap: another organisation's private hierarchy never gives credit; one's own does", async () => {
    const shared = await insertTestFramework(ctx.db, {
      title: 'Warehousing',
      items: [{ key: 'dw', statement: 'data warehousing' }],
      occupations: [
        { key: 'dwe', title: 'warehouse engineer', skills: [{ item: 'dw', weight: 1, relation: 'essential' }] },
      ],
    });
    // Their private framework says SQL is narrower than the shared "data warehousing" (both ends by URI).
    await linkChild(hidden.id, { uri: ESCO_SQL }, { uri: shared.items['dw']!.uri! });
    const goal = { occupationId: shared.occupations['dwe']!.id };
    const dw = async () =>
      (await json<Gap>(await caller.request('POST', '/api/v1/me/gap', { goal }))).skills.find(
        (s) => s.label === 'data warehousing',
      )!;
    expect(await dw()).toMatchObject({ heldLevel: 0, shortfall: 1, via: null });
    // The same link counts for the organisation's members.
    await addMember(ctx, hidden.orgId!, learner.id, 'viewer');
    try {
      expect(await dw()).toMatchObject({ heldLevel: 0.5, via: { skill: ESCO_SQL, relation: 'held-narrower' } });
    } finally {
      await ctx.db
        .deleteFrom('memberships')
        .where('orgId', '=', hidden.orgId!)
        .where('userId', '=', learner.id)
        .execute();
    }
    expect(await dw()).toMatchObject({ heldLevel: 0, via: null });
  });

  it('POST /me/gap: a credential attesting a lower level than the job profile requires leaves the shortfall', async () => {
    const admin = await member(ctx, 'admin');
    // Statistics attested at EQF 4 (4 / 8 = 0.5); the job profile asks for EQF 6 (0.75).
    const { achievementId } = await createSampleAchievement(issuerOrg.id, {
      name: 'Statistics',
      skills: [{ itemId: esco.items['stats']!.id, requiredLevel: { scaleId: GLOBAL_SCALE_IDS.eqf, level: '4' } }],
    });
    const row = await issueTestCredential(ctx, { orgId: issuerOrg.id, achievementId, email: admin.user.email });
    await ctx.db.updateTable('credentials').set({ holderUserId: admin.user.id }).where('id', '=', row.id).execute();
    const { jobProfile } = await json<{ jobProfile: { id: string } }>(
      await admin.caller.request('POST', `/api/v1/orgs/${admin.orgId}/job-profiles`, {
        title: 'Statistician',
        skills: [
          { itemId: esco.items['stats']!.id, requiredLevel: { scaleId: GLOBAL_SCALE_IDS.eqf, level: '6' } },
          { itemId: esco.items['viz']!.id, weight: 0.5 },
        ],
      }),
      201,
    );
    const gap = await json<Gap>(
      await admin.caller.request('POST', '/api/v1/me/gap', { goal: { jobProfileId: jobProfile.id } }),
    );
    const stats = gap.skills.find((s) => s.label === 'statistics')!;
    expect(stats).toMatchObject({ requiredLevel: 0.75, heldLevel: 0.5, shortfall: 0.25 });
    expect(stats.met).toBeCloseTo(0.5 / 0.75, 12);
    expect(stats.via).toMatchObject({ relation: 'exact', factor: 1, evidence: { level: 0.5, credentialId: row.id } });
    expect(stats.explanation).toBe(
      `held: statistics (verified, issued here, 2026-06, ${issuerOrg.name}) — covers 'statistics'; ` +
        'required 0.75, held 0.5; short 0.25',
    );
    expect(gap.skills.find((s) => s.label === 'present visual data')).toMatchObject({
      requiredLevel: 1,
      heldLevel: 0,
      shortfall: 1,
    });
    expect(gap.score).toBeCloseTo((1 * (0.5 / 0.75) + 0.5 * 0) / 1.5, 12);
  });
  it("GET /me/skills: an issued credential's own OB Alignments count as skills, framework labels first", async () => {
    const holder = await createUser(ctx, { kind: 'learner' });
    const external = 'http://skills.example.org/knows-cobol';
    // Aligned only (no framework items), as the demo's achievements are: one target ESCO SQL, which frameworks here
    // name, and one no framework here holds.
    const { achievementId } = await createSampleAchievement(issuerOrg.id, {
      name: 'Legacy data',
      alignment: [
        { targetName: 'Structured Query Language', targetUrl: ESCO_SQL },
        { targetName: 'COBOL', targetUrl: external },
      ],
    });
    const row = await issueTestCredential(ctx, { orgId: issuerOrg.id, achievementId, email: holder.email });
    await ctx.db.updateTable('credentials').set({ holderUserId: holder.id }).where('id', '=', row.id).execute();
    const profile = await json<Profile>(await (await sessionFor(ctx, holder.id)).request('GET', '/api/v1/me/skills'));
    expect(profile.verified.map((e) => [e.skill, e.label, e.level, e.source, e.credentialId])).toEqual(
      [
        [ESCO_SQL, 'SQL', 1, 'issued', row.id],
        [external, 'COBOL', 1, 'issued', row.id],
      ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    );
  });
});
