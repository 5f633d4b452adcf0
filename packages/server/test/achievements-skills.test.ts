import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkTerms,
  createDocumentLoader,
  validateCredential,
  verifyCredential,
  type JsonObject,
} from '@skillproof/core';
import type { AchievementDefinition } from '../src/domains/achievements/definition.js';
import { GLOBAL_SCALE_IDS } from '../src/domains/frameworks/scales.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { expectError } from './helpers/errors.js';
import { escoMiniRows, importEscoMini, insertTestFramework, type TestFramework } from './helpers/frameworks.js';
import { member, SAMPLE_ACHIEVEMENT, type Caller } from './helpers/fixtures.js';
import { appFetcher, referenceVerify } from './issuing-helpers.js';

interface Achievement {
  id: string;
  version: number;
  url: string;
  definition: AchievementDefinition;
}

async function json<T>(res: Response, status = 200): Promise<T> {
  const body = (await res.json()) as T;
  expect(res.status, JSON.stringify(body)).toBe(status);
  return body;
}

const MANUAL = {
  targetName: 'SQL course outcomes',
  targetUrl: 'https://example.edu/outcomes/sql',
  targetFramework: 'Course outcomes',
};

describe.each(databaseTargets())('achievements aligned to framework items on $name', (target) => {
  let ctx: TestContext;
  let issuer: { caller: Caller; orgId: string; user: { id: string } };
  let base: string;
  let esco: TestFramework;
  let own: TestFramework;
  let hidden: TestFramework;
  let eqfLevels: { code: string; name: string; description?: string; value: number }[];
  /** A skill of the ESCO mini fixture, imported by the real reader and importer, as its source file has it. */
  let escoSkill: { id: string; caseIdentifier: string; uri: string; label: string; description: string };
  let escoMini: { id: string; title: string; version: string | null };

  beforeAll(async () => {
    ctx = await createTestContext(target);
    issuer = await member(ctx, 'issuer');
    base = `/api/v1/orgs/${issuer.orgId}/achievements`;
    esco = await insertTestFramework(ctx.db, {
      title: 'ESCO',
      version: '1.1.1',
      items: [
        {
          key: 'sql',
          statement: 'SQL',
          code: 'S1.2.3',
          description: 'The computer language SQL is a query language for retrieval of information from a database.',
          uri: 'http://data.europa.eu/esco/skill/598de5b0-5b58-4ea7-8058-a4bc4d18c742',
        },
        {
          key: 'stats',
          statement: 'statistics',
          uri: 'http://data.europa.eu/esco/skill/8f18f987-33e2-4228-9efb-65de25d03330',
        },
      ],
    });
    own = await insertTestFramework(ctx.db, {
      orgId: issuer.orgId,
      title: 'Our data competencies',
      version: null,
      items: [{ key: 'report', statement: 'write a data report', uri: null }],
    });
    const other = await member(ctx, 'admin');
    hidden = await insertTestFramework(ctx.db, {
      orgId: other.orgId,
      title: 'Their framework',
      items: [{ key: 'secret', statement: 'their secret skill' }],
    });
    const escoMiniId = await importEscoMini(ctx.db, ctx.deps.clock());
    escoMini = await ctx.db
      .selectFrom('frameworks')
      .select(['id', 'title', 'version'])
      .where('id', '=', escoMiniId)
      .executeTakeFirstOrThrow();
    const row = escoMiniRows('skills_en.csv').find((r) => r['preferredLabel'] === 'show initiative')!;
    const stored = await ctx.db
      .selectFrom('frameworkItems')
      .select(['id', 'caseIdentifier'])
      .where('frameworkId', '=', escoMiniId)
      .where('identifier', '=', row['conceptUri']!)
      .executeTakeFirstOrThrow();
    escoSkill = {
      ...stored,
      uri: row['conceptUri']!,
      label: row['preferredLabel']!,
      description: row['description']!.trim(),
    };
    eqfLevels = (
      await ctx.db
        .selectFrom('proficiencyScales')
        .select('levels')
        .where('id', '=', GLOBAL_SCALE_IDS.eqf)
        .executeTakeFirstOrThrow()
    ).levels;
  });
  afterAll(() => ctx.close());

  const rows = (achievementId: string) =>
    ctx.db
      .selectFrom('achievementSkills')
      .select(['itemId', 'scaleId', 'requiredLevel'])
      .where('achievementId', '=', achievementId)
      .orderBy('itemId')
      .execute();

  it('a credential for an aligned achievement carries CFItem Alignments and the required level, and verifies', async () => {
    const initiative = escoSkill;
    const report = own.items['report']!;
    const { achievement } = await json<{ achievement: Achievement }>(
      await issuer.caller.request('POST', base, {
        ...SAMPLE_ACHIEVEMENT,
        alignment: [MANUAL],
        skills: [
          { itemId: initiative.id, requiredLevel: { scaleId: GLOBAL_SCALE_IDS.eqf, level: '5' } },
          { itemId: report.id },
        ],
      }),
      201,
    );
    // The version saves what the items (and the scale) said.
    expect(achievement.definition.skills).toEqual([
      {
        itemId: initiative.id,
        requiredLevel: { scaleId: GLOBAL_SCALE_IDS.eqf, level: '5' },
        item: {
          statement: 'show initiative',
          description: 'Be proactive and take the first step in an action without waiting for what others say or do.',
          type: 'skill',
          uri: 'http://data.europa.eu/esco/skill/001115fb-569f-4ee6-8381-c6807ef2527f',
          caseIdentifier: '001115fb-569f-4ee6-8381-c6807ef2527f',
          framework: { id: escoMini.id, title: escoMini.title, version: '1.1.1' },
        },
        scale: { key: 'eqf', title: 'European Qualifications Framework', levels: eqfLevels },
      },
      {
        itemId: report.id,
        item: {
          statement: 'write a data report',
          type: 'skill',
          caseIdentifier: report.caseIdentifier,
          framework: { id: own.id, title: 'Our data competencies' },
        },
      },
    ]);
    expect(await rows(achievement.id)).toEqual(
      [
        { itemId: initiative.id, scaleId: GLOBAL_SCALE_IDS.eqf, requiredLevel: '5' },
        { itemId: report.id, scaleId: null, requiredLevel: null },
      ].sort((a, b) => (a.itemId < b.itemId ? -1 : 1)),
    );

    const issued = await json<{ document: JsonObject }>(
      await issuer.caller.request('POST', `/api/v1/orgs/${issuer.orgId}/credentials`, {
        achievementId: achievement.id,
        recipient: { email: 'grace@example.org' },
      }),
      201,
    );
    const doc = issued.document;
    const signed = (doc['credentialSubject'] as { achievement: JsonObject }).achievement;
    const id = achievement.url;
    // As the source file has the skill (ESCO skills have no code).
    const initiativeAlignment = {
      type: ['Alignment'],
      targetName: initiative.label,
      targetUrl: initiative.uri,
      targetType: 'CFItem',
      targetDescription: initiative.description,
      targetFramework: 'ESCO: European Skills, Competences, Qualifications and Occupations',
    };
    expect(signed['alignment']).toEqual([
      { type: ['Alignment'], ...MANUAL },
      initiativeAlignment,
      {
        type: ['Alignment'],
        targetName: 'write a data report',
        // No URI of its own: its CASE CFItem URL on this server.
        targetUrl: `https://skillproof.test/ims/case/v1p1/CFItems/${report.caseIdentifier}`,
        targetType: 'CFItem',
        targetFramework: 'Our data competencies',
      },
    ]);
    expect(signed['resultDescription']).toEqual([
      {
        id: `${id}#skill-1`,
        type: ['ResultDescription'],
        name: 'show initiative (European Qualifications Framework)',
        resultType: 'RubricCriterionLevel',
        requiredLevel: `${id}#skill-1-level-5`,
        rubricCriterionLevel: eqfLevels.map((l) => ({
          id: `${id}#skill-1-level-${l.code}`,
          type: ['RubricCriterionLevel'],
          name: l.name,
          description: l.description,
          level: l.code,
        })),
        alignment: [initiativeAlignment],
      },
    ]);
    expect(eqfLevels).toHaveLength(8);

    // Every term is defined by the contexts, the document is a valid OB 3.0 credential, and it verifies (core's
    // verifier and, independently, @digitalbazaar/vc).
    await checkTerms(doc, createDocumentLoader());
    expect(validateCredential(doc)).toMatchObject({ valid: true, kind: 'OpenBadgeCredential' });
    const report1 = await verifyCredential(doc, { fetcher: appFetcher(ctx), clock: ctx.deps.clock });
    expect(Object.fromEntries(report1.checks.map((c) => [c.id, c.status]))).toEqual({
      format: 'passed',
      schema: 'passed',
      proof: 'passed',
      issuer: 'passed',
      validity: 'passed',
      status: 'passed',
    });
    // Conformant as issued: no departures from Open Badges 3.0 (they would be the schema check's warnings).
    expect(report1.checks.find((c) => c.id === 'schema')?.message).toBe('A well-formed OpenBadgeCredential (VC 2.0).');
    expect(report1.verified).toBe(true);
    expect(await referenceVerify(ctx, doc)).toEqual({ verified: true });

    // The credential's page lists what it aligns to, framework items included.
    const page = await ctx.app.request(new URL(doc['id'] as string).pathname, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const text = await page.text();
    for (const a of signed['alignment'] as { targetName: string; targetUrl: string }[]) {
      expect(text).toContain(`<a href="${a.targetUrl}" rel="noopener nofollow">${a.targetName}</a>`);
    }

    // The achievement's public document is the one the credential embeds.
    const publicDoc = await json<JsonObject>(await ctx.app.request(new URL(id).pathname));
    const { '@context': _, ...published } = publicDoc;
    expect(published).toEqual(signed);
  });

  it('a version keeps what it saved when the framework changes; new skills make a new version and replace the rows', async () => {
    const sql = esco.items['sql']!;
    const stats = esco.items['stats']!;
    const { achievement } = await json<{ achievement: Achievement }>(
      await issuer.caller.request('POST', base, { ...SAMPLE_ACHIEVEMENT, skills: [{ itemId: sql.id }] }),
      201,
    );
    const path = `${base}/${achievement.id}`;
    await ctx.db.updateTable('frameworkItems').set({ statement: 'SQL (renamed)' }).where('id', '=', sql.id).execute();
    try {
      const v1 = await json<JsonObject>(await ctx.app.request(new URL(achievement.url).pathname));
      expect((v1['alignment'] as JsonObject[])[0]!['targetName']).toBe('SQL');

      // A change elsewhere keeps the saved skills as they were.
      const renamed = await json<{ achievement: Achievement }>(
        await issuer.caller.request('PATCH', path, { name: 'SQL for analysts' }),
      );
      expect(renamed.achievement.version).toBe(2);
      expect(renamed.achievement.definition.skills).toEqual(achievement.definition.skills);
      expect(await rows(achievement.id)).toEqual([{ itemId: sql.id, scaleId: null, requiredLevel: null }]);

      // Naming the skills again saves them as they read now.
      const resaved = await json<{ achievement: Achievement }>(
        await issuer.caller.request('PATCH', path, { skills: [{ itemId: sql.id }] }),
      );
      expect(resaved.achievement.version).toBe(3);
      expect(resaved.achievement.definition.skills?.[0]?.item.statement).toBe('SQL (renamed)');
      // The same list again changes nothing.
      const same = await json<{ achievement: Achievement }>(
        await issuer.caller.request('PATCH', path, { skills: [{ itemId: sql.id }] }),
      );
      expect(same.achievement.version).toBe(3);

      const replaced = await json<{ achievement: Achievement }>(
        await issuer.caller.request('PATCH', path, {
          skills: [{ itemId: stats.id, requiredLevel: { scaleId: GLOBAL_SCALE_IDS.onetLevel, level: '3' } }],
        }),
      );
      expect(replaced.achievement.version).toBe(4);
      expect(await rows(achievement.id)).toEqual([
        { itemId: stats.id, scaleId: GLOBAL_SCALE_IDS.onetLevel, requiredLevel: '3' },
      ]);
      const v4 = await json<JsonObject>(await ctx.app.request(new URL(replaced.achievement.url).pathname));
      expect((v4['alignment'] as JsonObject[]).map((a) => a['targetName'])).toEqual(['statistics']);
      expect((v4['resultDescription'] as JsonObject[])[0]!['requiredLevel']).toBe(
        `${replaced.achievement.url}#skill-1-level-3`,
      );
      const v1Again = await json<JsonObject>(await ctx.app.request(new URL(achievement.url).pathname));
      expect(v1Again).toEqual(v1);

      const cleared = await json<{ achievement: Achievement }>(
        await issuer.caller.request('PATCH', path, { skills: null }),
      );
      expect(cleared.achievement.version).toBe(5);
      expect(cleared.achievement.definition.skills).toBeUndefined();
      expect(await rows(achievement.id)).toEqual([]);
      const audit = await ctx.db
        .selectFrom('auditLog')
        .select('data')
        .where('targetId', '=', achievement.id)
        .where('action', '=', 'achievement.update')
        .orderBy('id')
        .execute();
      expect(audit.map((a) => a.data['fields'])).toEqual([['name'], ['skills'], ['skills'], ['skills']]);
    } finally {
      await ctx.db.updateTable('frameworkItems').set({ statement: 'SQL' }).where('id', '=', sql.id).execute();
    }
  });

  it("items of another organisation's private framework, unknown items and levels are refused with their path", async () => {
    const sql = esco.items['sql']!.id;
    const count = async () =>
      (await ctx.db.selectFrom('achievements').select('id').where('orgId', '=', issuer.orgId).execute()).length;
    const before = await count();
    const cases: [Record<string, unknown>, string[]][] = [
      [{ skills: [{ itemId: hidden.items['secret']!.id }] }, ['skills.0.itemId']],
      [{ skills: [{ itemId: sql }, { itemId: '00000000-0000-4000-8000-000000000000' }] }, ['skills.1.itemId']],
      [{ skills: [{ itemId: sql }, { itemId: sql }] }, ['skills.1.itemId']],
      [
        { skills: [{ itemId: sql, requiredLevel: { scaleId: GLOBAL_SCALE_IDS.eqf, level: '9' } }] },
        ['skills.0.requiredLevel.level'],
      ],
      [{ skills: [{ itemId: sql, weight: 1 }] }, ['skills.0']],
    ];
    for (const [body, paths] of cases) {
      const error = await expectError(
        await issuer.caller.request('POST', base, { ...SAMPLE_ACHIEVEMENT, ...body }),
        400,
        'ERR_VALIDATION',
      );
      expect(
        error.details?.issues?.map((i) => i.path),
        JSON.stringify(body),
      ).toEqual(paths);
    }
    expect(await count()).toBe(before);

    const { achievement } = await json<{ achievement: Achievement }>(
      await issuer.caller.request('POST', base, SAMPLE_ACHIEVEMENT),
      201,
    );
    const error = await expectError(
      await issuer.caller.request('PATCH', `${base}/${achievement.id}`, {
        skills: [{ itemId: hidden.items['secret']!.id }],
      }),
      400,
      'ERR_VALIDATION',
    );
    expect(error.message).toBe('skills.0.itemId: no framework item with this id that this organisation can use');
    const versions = await json<{ versions: unknown[] }>(
      await issuer.caller.request('GET', `${base}/${achievement.id}/versions`),
    );
    expect(versions.versions).toHaveLength(1);
    expect(await rows(achievement.id)).toEqual([]);
  });
});
