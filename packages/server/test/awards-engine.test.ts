import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { JsonObject } from '@skillproof/core';
import { evaluateAwards } from '../src/domains/awards/engine.js';
import { recordEvent, signWebhook } from '../src/domains/awards/events.js';
import { putAwardRule } from '../src/domains/awards/rules.js';
import type { AwardRule } from '../src/domains/awards/rule.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { expectError } from './helpers/errors.js';
import {
  addMember,
  anonymous,
  createSampleAchievement,
  createUser,
  member,
  sessionFor,
  tokenFor,
  type Caller,
} from './helpers/fixtures.js';
import { awardsOf, heldOf, insertQuiz, json, recordQuizOutcome } from './helpers/awards.js';

/** The award engine through its API and its real input (assessment outcomes): rules, events, webhooks, approvals. */

interface AwardResultJson {
  awardId: string;
  achievementId: string;
  credentialId: string;
  generation: number;
}

describe.each(databaseTargets())('award engine on $name', (target) => {
  let ctx: TestContext;
  let issuer: { caller: Caller; orgId: string; user: { id: string } };
  let admin: Caller;
  const ruleUrl = (achievementId: string, orgId = issuer.orgId) =>
    `/api/v1/orgs/${orgId}/achievements/${achievementId}/award-rule`;

  beforeAll(async () => {
    ctx = await createTestContext(target, {}, { poolSize: 10 });
    issuer = await member(ctx, 'issuer');
    const adminUser = await createUser(ctx);
    await addMember(ctx, issuer.orgId, adminUser.id, 'admin');
    admin = await sessionFor(ctx, adminUser.id);
  });
  afterAll(() => ctx.close());

  const learner = async () => {
    const user = await createUser(ctx, { kind: 'learner' });
    return { ...user, caller: await sessionFor(ctx, user.id) };
  };
  const achievement = async (overrides: Record<string, unknown> = {}, orgId = issuer.orgId) =>
    (await createSampleAchievement(ctx, orgId, overrides)).achievementId;
  const setRule = async (achievementId: string, rule: AwardRule, extra: Record<string, unknown> = {}) =>
    json<{ awardRule: { rule: AwardRule } }>(
      await issuer.caller.request('PUT', ruleUrl(achievementId), { rule, ...extra }),
      200,
    );

  it('an achievement with attached assessments and no rule is earned by passing them all, with results and evidence', async () => {
    const quizTitle = `SQL quiz ${randomUUID().slice(0, 6)}`;
    const id = await achievement({
      resultDescription: [
        { name: quizTitle, resultType: 'Percent', valueMin: '0', valueMax: '100', requiredValue: '70' },
      ],
      creditsAvailable: 2.5,
    });
    const q1 = await insertQuiz(ctx, issuer.orgId, { achievementId: id, title: quizTitle });
    const q2 = await insertQuiz(ctx, issuer.orgId, { achievementId: id });
    await insertQuiz(ctx, issuer.orgId, { achievementId: id, state: 'draft' }); // drafts do not count
    const ada = await learner();

    const { awardRule } = await json<{ awardRule: { source: string; rule: AwardRule } }>(
      await issuer.caller.request('GET', ruleUrl(id)),
    );
    expect(awardRule).toMatchObject({
      source: 'default',
      rule: {
        type: 'allOf',
        rules: [
          { type: 'assessment', assessmentId: q1.id },
          { type: 'assessment', assessmentId: q2.id },
        ],
      },
    });

    const failed = await recordQuizOutcome(ctx, {
      orgId: issuer.orgId,
      assessmentId: q1.id,
      learnerUserId: ada.id,
      percent: 40,
    });
    expect(failed.awards).toEqual([]);
    const first = await recordQuizOutcome(ctx, {
      orgId: issuer.orgId,
      assessmentId: q1.id,
      title: quizTitle,
      learnerUserId: ada.id,
      percent: 85,
    });
    expect(first.awards).toEqual([]);
    const second = await recordQuizOutcome(ctx, {
      orgId: issuer.orgId,
      assessmentId: q2.id,
      learnerUserId: ada.id,
      percent: 90,
    });
    expect(second.awards).toHaveLength(1);
    expect(second.awards[0]).toMatchObject({ achievementId: id, generation: 1 });

    const [credential] = await heldOf(ctx, id, ada.id);
    expect(credential).toMatchObject({
      id: second.awards[0]!.credentialId,
      recipientEmail: ada.email,
      claimedAt: expect.any(Date),
    });
    const subject = (credential!.document as JsonObject)['credentialSubject'] as JsonObject;
    const url = `${ctx.deps.publicUrl}/achievements/${id}/versions/1`;
    expect(subject['result']).toEqual([{ type: ['Result'], resultDescription: `${url}#result-1`, value: '85' }]);
    const evidence = (credential!.document as JsonObject)['evidence'] as JsonObject[];
    expect(evidence.map((e) => [e['id'], e['name']])).toEqual([
      [`${ctx.deps.publicUrl}/assessments/${q1.id}`, quizTitle],
      [`${ctx.deps.publicUrl}/assessments/${q2.id}`, 'Quiz'],
    ]);
    expect(subject['creditsEarned']).toBe(2.5);
    // Nothing is claimed by mail: the learner holds it already.
    expect(await ctx.db.selectFrom('outbox').select('id').where('toAddress', '=', ada.email).execute()).toEqual([]);
    // Passing again awards nothing more.
    const again = await recordQuizOutcome(ctx, {
      orgId: issuer.orgId,
      assessmentId: q2.id,
      learnerUserId: ada.id,
      percent: 100,
    });
    expect(again.awards).toEqual([]);
    expect(await awardsOf(ctx, id, ada.id)).toHaveLength(1);
  });

  it('rule CRUD: validated by schema and against the database, references kept in sync', async () => {
    const id = await achievement();
    const quiz = await insertQuiz(ctx, issuer.orgId);
    const other = await member(ctx, 'owner');
    const foreignQuiz = await insertQuiz(ctx, other.orgId);
    const foreignAchievement = await achievement({}, other.orgId);

    let error = await expectError(
      await issuer.caller.request('PUT', ruleUrl(id), { rule: { type: 'allOf', rules: [] } }),
      400,
      'ERR_VALIDATION',
    );
    expect(error.details?.issues?.[0]?.path).toBe('rule.rules');
    error = await expectError(
      await issuer.caller.request('PUT', ruleUrl(id), {
        rule: { type: 'assessment', assessmentId: quiz.id, minPercent: 120 },
      }),
      400,
      'ERR_VALIDATION',
    );
    expect(error.details?.issues?.[0]?.path).toBe('rule.minPercent');
    error = await expectError(
      await issuer.caller.request('PUT', ruleUrl(id), {
        rule: {
          type: 'anyOf',
          rules: [
            { type: 'assessment', assessmentId: quiz.id },
            { type: 'assessment', assessmentId: foreignQuiz.id },
          ],
        },
      }),
      400,
      'ERR_VALIDATION',
    );
    expect(error.details?.issues).toEqual([
      { path: 'rule.rules.1.assessmentId', message: 'no assessment with this id in this organisation' },
    ]);
    error = await expectError(
      await issuer.caller.request('PUT', ruleUrl(id), {
        rule: { type: 'credits', min: 3, achievementIds: [foreignAchievement] },
      }),
      400,
      'ERR_VALIDATION',
    );
    expect(error.details?.issues?.[0]?.path).toBe('rule.achievementIds.0');
    error = await expectError(
      await issuer.caller.request('PUT', ruleUrl(id), {
        rule: { type: 'externalAchievement', achievementUri: 'https://x.example/a' },
      }),
      400,
      'ERR_VALIDATION',
    );
    expect(error.details?.issues?.[0]?.path).toBe('rule.issuers');
    error = await expectError(
      await issuer.caller.request('PUT', ruleUrl(id), { rule: { type: 'approval' }, trustedIssuers: ['nope'] }),
      400,
      'ERR_VALIDATION',
    );
    expect(error.details?.issues?.[0]?.path).toBe('trustedIssuers.0');
    // Another tenant's achievement is not found; a viewer cannot write.
    await expectError(
      await issuer.caller.request('PUT', ruleUrl(foreignAchievement), { rule: { type: 'approval' } }),
      404,
      'ERR_NOT_FOUND',
    );
    await expectError(await issuer.caller.request('GET', ruleUrl(id)), 404, 'ERR_NOT_FOUND');

    const rule: AwardRule = {
      type: 'allOf',
      rules: [
        { type: 'assessment', assessmentId: quiz.id, minPercent: 80 },
        { type: 'event', name: 'course.completed' },
        { type: 'approval' },
      ],
    };
    const saved = await setRule(id, rule, { trustedIssuers: ['did:web:partner.example'] });
    expect(saved.awardRule).toMatchObject({
      rule,
      source: 'rule',
      enabled: true,
      trustedIssuers: ['did:web:partner.example'],
    });
    const refs = () =>
      ctx.db
        .selectFrom('awardRuleRefs')
        .select(['refType', 'ref'])
        .where('achievementId', '=', id)
        .orderBy('refType')
        .orderBy('ref')
        .execute();
    expect(await refs()).toEqual([
      { refType: 'approval', ref: id },
      { refType: 'assessment', ref: quiz.id },
      { refType: 'event', ref: 'course.completed' },
    ]);
    await setRule(id, { type: 'event', name: 'other' }, { enabled: false });
    expect(await refs()).toEqual([{ refType: 'event', ref: 'other' }]);
    const got = await json<{ awardRule: { enabled: boolean; rule: AwardRule } }>(
      await issuer.caller.request('GET', ruleUrl(id)),
    );
    expect(got.awardRule).toMatchObject({ enabled: false, rule: { type: 'event', name: 'other' } });

    const viewer = await createUser(ctx);
    await addMember(ctx, issuer.orgId, viewer.id, 'viewer');
    await expectError(await (await sessionFor(ctx, viewer.id)).request('DELETE', ruleUrl(id)), 403, 'ERR_FORBIDDEN');
    expect((await issuer.caller.request('DELETE', ruleUrl(id))).status).toBe(204);
    expect(await refs()).toEqual([]);
    await expectError(await issuer.caller.request('GET', ruleUrl(id)), 404, 'ERR_NOT_FOUND');
    const audit = await ctx.db
      .selectFrom('auditLog')
      .select('action')
      .where('targetId', '=', id)
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['award_rule.update', 'award_rule.update', 'award_rule.delete']);
  });

  it('assessment with minPercent, anyOf, window and approval rules award exactly when they hold', async () => {
    const quiz = await insertQuiz(ctx, issuer.orgId);
    const id = await achievement();
    await setRule(id, {
      type: 'anyOf',
      rules: [
        { type: 'assessment', assessmentId: quiz.id, minPercent: 90 },
        {
          type: 'window',
          days: 7,
          rule: { type: 'allOf', rules: [{ type: 'assessment', assessmentId: quiz.id }, { type: 'approval' }] },
        },
      ],
    });
    const bo = await learner();
    expect(
      (await recordQuizOutcome(ctx, { orgId: issuer.orgId, assessmentId: quiz.id, learnerUserId: bo.id, percent: 75 }))
        .awards,
    ).toEqual([]);
    // Approved ten days later: the pass is outside the 7-day window.
    ctx.setNow('2026-06-11T12:00:00Z');
    try {
      const later = await sessionFor(ctx, issuer.user.id);
      const late = await json<{ awards: AwardResultJson[] }>(
        await later.request('POST', `/api/v1/orgs/${issuer.orgId}/achievements/${id}/approvals`, {
          learner: { email: bo.email },
          note: 'interview',
        }),
        201,
      );
      expect(late.awards).toEqual([]);
      // A new pass (75%) inside the window, with the approval: awarded.
      const now = await recordQuizOutcome(ctx, {
        orgId: issuer.orgId,
        assessmentId: quiz.id,
        learnerUserId: bo.id,
        percent: 75,
      });
      expect(now.awards).toMatchObject([{ achievementId: id, generation: 1 }]);
      const [award] = await awardsOf(ctx, id, bo.id);
      expect((award!.basis as { approvals: string[]; outcomes: string[] }).approvals).toEqual([id]);
      expect((award!.basis as { outcomes: string[] }).outcomes).toEqual([now.outcomeId]);
      // Another learner with 95% gets it at once.
      const cy = await learner();
      expect(
        (
          await recordQuizOutcome(ctx, {
            orgId: issuer.orgId,
            assessmentId: quiz.id,
            learnerUserId: cy.id,
            percent: 95,
          })
        ).awards,
      ).toHaveLength(1);
    } finally {
      ctx.setNow('2026-06-01T12:00:00Z');
    }
    await expectError(
      await issuer.caller.request('POST', `/api/v1/orgs/${issuer.orgId}/achievements/${id}/approvals`, {
        learner: { email: 'nobody@example.org' },
      }),
      404,
      'ERR_NOT_FOUND',
    );
  });

  it('events through the API: by email or id, data matching, idempotent by eventKey', async () => {
    const id = await achievement();
    await setRule(id, { type: 'event', name: 'course.completed', where: { course: 'sql-101', passed: true } });
    const dee = await learner();
    const events = `/api/v1/orgs/${issuer.orgId}/events`;
    const miss = await json<{ awards: unknown[]; replayed: boolean }>(
      await issuer.caller.request('POST', events, {
        learner: { userId: dee.id },
        name: 'course.completed',
        data: { course: 'sql-101', passed: false },
      }),
      201,
    );
    expect(miss).toMatchObject({ awards: [], replayed: false });
    const body = {
      learner: { email: dee.email.toUpperCase() },
      name: 'course.completed',
      data: { course: 'sql-101', passed: true },
      eventKey: 'lms-42',
    };
    const hit = await json<{ awards: AwardResultJson[]; event: { id: string; source: string } }>(
      await issuer.caller.request('POST', events, body),
      201,
    );
    expect(hit.awards).toMatchObject([{ achievementId: id, generation: 1 }]);
    expect(hit.event.source).toBe('api');
    const replay = await json<{ awards: unknown[]; replayed: boolean; event: { id: string } }>(
      await issuer.caller.request('POST', events, body),
      200,
    );
    expect(replay).toMatchObject({ awards: [], replayed: true, event: { id: hit.event.id } });
    await expectError(
      await issuer.caller.request('POST', events, { ...body, name: 'course.started' }),
      409,
      'ERR_CONFLICT',
    );
    await expectError(
      await issuer.caller.request('POST', events, { ...body, learner: { email: 'ghost@example.org' } }),
      404,
      'ERR_NOT_FOUND',
    );
    const error = await expectError(
      await issuer.caller.request('POST', events, { ...body, name: 'bad name' }),
      400,
      'ERR_VALIDATION',
    );
    expect(error.details?.issues?.[0]?.path).toBe('name');
    expect(
      await ctx.db.selectFrom('awardEvents').select('id').where('learnerUserId', '=', dee.id).execute(),
    ).toHaveLength(2);
    // A token needs awards:write.
    const token = await tokenFor(ctx, issuer.user.id, ['awards:read']);
    await expectError(await token.request('POST', events, body), 403, 'ERR_SCOPE');
  });

  it('signed webhooks: a good signature records, bad, expired and revoked ones are refused, a replay is idempotent', async () => {
    const id = await achievement();
    await setRule(id, { type: 'event', name: 'hackathon.won' });
    const eve = await learner();
    await expectError(
      await issuer.caller.request('POST', `/api/v1/orgs/${issuer.orgId}/webhook-secrets`),
      403,
      'ERR_FORBIDDEN',
    );
    const created = await json<{ webhookSecret: { id: string }; secret: string }>(
      await admin.request('POST', `/api/v1/orgs/${issuer.orgId}/webhook-secrets`),
      201,
    );
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const stored = await ctx.db
      .selectFrom('webhookSecrets')
      .select('secretCiphertext')
      .where('id', '=', created.webhookSecret.id)
      .executeTakeFirstOrThrow();
    expect(Buffer.from(stored.secretCiphertext).includes(Buffer.from(created.secret))).toBe(false);
    const listed = await json<{ webhookSecrets: { id: string; revokedAt: null }[] }>(
      await admin.request('GET', `/api/v1/orgs/${issuer.orgId}/webhook-secrets`),
    );
    expect(listed.webhookSecrets).toEqual([
      { id: created.webhookSecret.id, createdAt: expect.any(String), revokedAt: null },
    ]);
    expect(JSON.stringify(listed)).not.toContain(created.secret);

    const url = `/api/v1/webhooks/orgs/${issuer.orgId}/events`;
    const now = () => Math.floor(ctx.deps.clock().getTime() / 1000);
    const post = (body: string, signature?: string) =>
      anonymous(ctx).request('POST', url, body, {
        'content-type': 'application/json',
        ...(signature && { 'x-skillproof-signature': signature }),
      });
    const body = JSON.stringify({ learner: { email: eve.email }, name: 'hackathon.won', data: { place: 1 } });

    await expectError(await post(body), 401, 'ERR_WEBHOOK_SIGNATURE');
    await expectError(await post(body, signWebhook('whsec_wrong', body, now())), 401, 'ERR_WEBHOOK_SIGNATURE');
    await expectError(await post(body, signWebhook(created.secret, `${body} `, now())), 401, 'ERR_WEBHOOK_SIGNATURE');
    await expectError(await post(body, signWebhook(created.secret, body, now() - 301)), 401, 'ERR_WEBHOOK_SIGNATURE');
    await expectError(await post(body, signWebhook(created.secret, body, now() + 301)), 401, 'ERR_WEBHOOK_SIGNATURE');
    await expectError(await post(body, 't=abc,v1=zz'), 401, 'ERR_WEBHOOK_SIGNATURE');
    // Another organisation's path with this organisation's secret.
    const stranger = await member(ctx, 'owner');
    await expectError(
      await anonymous(ctx).request('POST', `/api/v1/webhooks/orgs/${stranger.orgId}/events`, body, {
        'content-type': 'application/json',
        'x-skillproof-signature': signWebhook(created.secret, body, now()),
      }),
      401,
      'ERR_WEBHOOK_SIGNATURE',
    );
    expect(await ctx.db.selectFrom('awardEvents').select('id').where('learnerUserId', '=', eve.id).execute()).toEqual(
      [],
    );

    const signature = signWebhook(created.secret, body, now() - 200);
    const first = await json<{ awards: AwardResultJson[]; event: { id: string; source: string } }>(
      await post(body, signature),
      201,
    );
    expect(first.awards).toMatchObject([{ achievementId: id, generation: 1 }]);
    expect(first.event.source).toBe('webhook');
    const replay = await json<{ replayed: boolean; event: { id: string } }>(await post(body, signature), 200);
    expect(replay).toMatchObject({ replayed: true, event: { id: first.event.id } });
    expect(
      await ctx.db.selectFrom('awardEvents').select('id').where('learnerUserId', '=', eve.id).execute(),
    ).toHaveLength(1);
    // A well-signed body that is not a valid event: a validation error, nothing recorded.
    const bad = JSON.stringify({ learner: { email: eve.email } });
    await expectError(await post(bad, signWebhook(created.secret, bad, now())), 400, 'ERR_VALIDATION');

    const revoked = await json<{ webhookSecret: { revokedAt: string } }>(
      await admin.request('DELETE', `/api/v1/orgs/${issuer.orgId}/webhook-secrets/${created.webhookSecret.id}`),
    );
    expect(revoked.webhookSecret.revokedAt).toBe(ctx.deps.clock().toISOString());
    const fresh = JSON.stringify({ learner: { email: eve.email }, name: 'hackathon.won', eventKey: 'k2' });
    await expectError(await post(fresh, signWebhook(created.secret, fresh, now())), 401, 'ERR_WEBHOOK_SIGNATURE');
  });

  it('dry run: who would receive the achievement under a proposed rule, writing nothing; apply awards them', async () => {
    const quiz = await insertQuiz(ctx, issuer.orgId);
    const id = await achievement();
    const [fay, gus, hal] = [await learner(), await learner(), await learner()];
    await recordQuizOutcome(ctx, { orgId: issuer.orgId, assessmentId: quiz.id, learnerUserId: fay.id, percent: 95 });
    await recordQuizOutcome(ctx, { orgId: issuer.orgId, assessmentId: quiz.id, learnerUserId: gus.id, percent: 75 });
    await recordQuizOutcome(ctx, { orgId: issuer.orgId, assessmentId: quiz.id, learnerUserId: hal.id, percent: 30 });
    const dryRun = `${ruleUrl(id)}/dry-run`;
    await expectError(await issuer.caller.request('POST', dryRun, {}), 400, 'ERR_VALIDATION');
    type Dry = { dryRun: { evaluated: number; wouldReceive: { email: string }[]; alreadyHold: { email: string }[] } };
    const strict = await json<Dry>(
      await issuer.caller.request('POST', dryRun, {
        rule: { type: 'assessment', assessmentId: quiz.id, minPercent: 90 },
      }),
    );
    expect(strict.dryRun.wouldReceive.map((l) => l.email)).toEqual([fay.email]);
    expect(strict.dryRun.evaluated).toBeGreaterThanOrEqual(3);
    const lenient = await json<Dry>(
      await issuer.caller.request('POST', dryRun, { rule: { type: 'assessment', assessmentId: quiz.id } }),
    );
    expect(lenient.dryRun.wouldReceive.map((l) => l.email)).toEqual([fay.email, gus.email].sort());
    await expectError(
      await issuer.caller.request('POST', dryRun, { rule: { type: 'assessment', assessmentId: randomUUID() } }),
      400,
      'ERR_VALIDATION',
    );
    expect(await ctx.db.selectFrom('awards').select('id').where('achievementId', '=', id).execute()).toEqual([]);
    expect(
      await ctx.db.selectFrom('awardRules').select('achievementId').where('achievementId', '=', id).execute(),
    ).toEqual([]);

    await setRule(id, { type: 'assessment', assessmentId: quiz.id, minPercent: 90 });
    const applied = await json<{ evaluated: number; awards: AwardResultJson[] }>(
      await issuer.caller.request('POST', `${ruleUrl(id)}/apply`),
    );
    expect(applied.awards).toHaveLength(1);
    expect(await awardsOf(ctx, id, fay.id)).toHaveLength(1);
    const after = await json<Dry>(await issuer.caller.request('POST', dryRun, {}));
    expect(after.dryRun.wouldReceive).toEqual([]);
    expect(after.dryRun.alreadyHold.map((l) => l.email)).toEqual([fay.email]);
    expect(
      (await json<{ awards: unknown[] }>(await issuer.caller.request('POST', `${ruleUrl(id)}/apply`))).awards,
    ).toEqual([]);
    // The awards list shows it, to members only.
    const list = await json<{ awards: { learner: { email: string }; achievementId: string }[] }>(
      await issuer.caller.request('GET', `/api/v1/orgs/${issuer.orgId}/awards?achievementId=${id}`),
    );
    expect(list.awards).toEqual([
      expect.objectContaining({ achievementId: id, learner: expect.objectContaining({ email: fay.email }) }),
    ]);
    const stranger = await member(ctx, 'owner');
    await expectError(
      await stranger.caller.request('GET', `/api/v1/orgs/${issuer.orgId}/awards`),
      404,
      'ERR_NOT_FOUND',
    );
    await setRule(id, { type: 'assessment', assessmentId: quiz.id }, { enabled: false });
    await expectError(await issuer.caller.request('POST', `${ruleUrl(id)}/apply`), 409, 'ERR_STATE');
  });

  it('progress: learners see each rule node satisfied or not, with what is done and needed', async () => {
    const quiz = await insertQuiz(ctx, issuer.orgId, { title: 'Joins' });
    const id = await achievement({ name: 'SQL practitioner' });
    await setRule(id, {
      type: 'allOf',
      rules: [
        { type: 'assessment', assessmentId: quiz.id, minPercent: 80 },
        {
          type: 'nOf',
          n: 2,
          rules: [
            { type: 'event', name: 'a' },
            { type: 'event', name: 'b' },
            { type: 'event', name: 'c' },
          ],
        },
      ],
    });
    const ivy = await learner();
    await recordQuizOutcome(ctx, { orgId: issuer.orgId, assessmentId: quiz.id, learnerUserId: ivy.id, percent: 72 });
    await ctx.db
      .transaction()
      .execute((tx) => recordEvent(tx, ctx.deps, issuer.orgId, { learner: { userId: ivy.id }, name: 'b' }, 'api'));
    const all = await json<{ progress: { achievement: { id: string; name: string } }[] }>(
      await ivy.caller.request('GET', '/api/v1/me/progress'),
    );
    expect(all.progress.map((p) => p.achievement.name)).toEqual(['SQL practitioner']);
    const one = await json<{ progress: unknown }>(await ivy.caller.request('GET', `/api/v1/me/progress/${id}`));
    expect(one.progress).toEqual({
      achievement: { id, name: 'SQL practitioner', orgId: issuer.orgId, orgName: expect.any(String) },
      satisfied: false,
      award: null,
      progress: {
        type: 'allOf',
        satisfied: false,
        done: 0,
        needed: 2,
        children: [
          {
            type: 'assessment',
            assessmentId: quiz.id,
            minPercent: 80,
            bestPercent: 72,
            label: 'Joins',
            satisfied: false,
            done: 0,
            needed: 1,
          },
          {
            type: 'nOf',
            satisfied: false,
            done: 1,
            needed: 2,
            children: [
              { type: 'event', event: 'a', label: 'a', satisfied: false, done: 0, needed: 1 },
              { type: 'event', event: 'b', label: 'b', satisfied: true, done: 1, needed: 1 },
              { type: 'event', event: 'c', label: 'c', satisfied: false, done: 0, needed: 1 },
            ],
          },
        ],
      },
    });
    // Another learner sees the rule, with none of Ivy's progress; an achievement without a rule is not found.
    const jo = await learner();
    const theirs = await json<{ progress: { progress: { children: { done: number }[] } } }>(
      await jo.caller.request('GET', `/api/v1/me/progress/${id}`),
    );
    expect(theirs.progress.progress.children.map((c) => c.done)).toEqual([0, 0]);
    expect(
      (await json<{ progress: unknown[] }>(await jo.caller.request('GET', '/api/v1/me/progress'))).progress,
    ).toEqual([]);
    await expectError(
      await jo.caller.request('GET', `/api/v1/me/progress/${await achievement()}`),
      404,
      'ERR_NOT_FOUND',
    );
    await expectError(await anonymous(ctx).request('GET', '/api/v1/me/progress'), 401, 'ERR_UNAUTHENTICATED');
  });

  it('renews a credential with validityDays by reassessment inside the renewal window, not outside', async () => {
    const quiz = await insertQuiz(ctx, issuer.orgId);
    const id = await achievement({ validityDays: 60, renewal: { windowDays: 20 } });
    await setRule(id, { type: 'assessment', assessmentId: quiz.id });
    const kai = await learner();
    const pass = () =>
      recordQuizOutcome(ctx, { orgId: issuer.orgId, assessmentId: quiz.id, learnerUserId: kai.id, percent: 88 });
    const day = (n: number) => new Date(Date.parse('2026-06-01T12:00:00Z') + n * 86_400_000);
    try {
      expect((await pass()).awards).toMatchObject([{ generation: 1 }]);
      // Day 30: the window (the last 20 of 60 days) is not open yet.
      ctx.setNow(day(30));
      expect((await pass()).awards).toEqual([]);
      // Day 45: inside the window; a failed attempt earns nothing, a pass renews, running on from day 60.
      ctx.setNow(day(45));
      expect(
        (
          await recordQuizOutcome(ctx, {
            orgId: issuer.orgId,
            assessmentId: quiz.id,
            learnerUserId: kai.id,
            percent: 10,
          })
        ).awards,
      ).toEqual([]);
      expect((await pass()).awards).toMatchObject([{ generation: 2 }]);
      expect((await pass()).awards).toEqual([]);
      // Day 300: long expired; a pass renews from today.
      ctx.setNow(day(300));
      expect((await pass()).awards).toMatchObject([{ generation: 3 }]);
      const credentials = await heldOf(ctx, id, kai.id);
      expect(credentials.map((c) => c.validUntil?.toISOString())).toEqual(
        [day(60), day(120), day(360)].map((d) => d.toISOString()),
      );
      expect((await awardsOf(ctx, id, kai.id)).map((a) => a.generation)).toEqual([1, 2, 3]);
    } finally {
      ctx.setNow('2026-06-01T12:00:00Z');
    }
  });

  it('≥ 100 concurrent events for one learner and achievement give exactly one award and one credential (property)', async () => {
    const quiz = await insertQuiz(ctx, issuer.orgId);
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            { arbitrary: fc.constant('api' as const), weight: 3 },
            { arbitrary: fc.constant('outcome' as const), weight: 2 },
            { arbitrary: fc.constant('engine' as const), weight: 5 },
          ),
          { minLength: 100, maxLength: 110 },
        ),
        async (sources) => {
          const id = await achievement();
          await ctx.db.transaction().execute((tx) =>
            putAwardRule(
              tx,
              issuer.orgId,
              id,
              {
                rule: {
                  type: 'anyOf',
                  rules: [
                    { type: 'event', name: `go-${id}` },
                    { type: 'assessment', assessmentId: quiz.id },
                  ],
                },
              },
              ctx.deps.clock(),
              null,
            ),
          );
          const lee = await createUser(ctx, { kind: 'learner' });
          const results = await Promise.all(
            sources.map(async (source, i) => {
              if (source === 'api') {
                const res = await issuer.caller.request('POST', `/api/v1/orgs/${issuer.orgId}/events`, {
                  learner: { userId: lee.id },
                  name: `go-${id}`,
                  ...(i % 3 === 0 && { eventKey: `k-${id}` }),
                });
                expect([200, 201]).toContain(res.status);
                return ((await res.json()) as { awards: AwardResultJson[] }).awards;
              }
              if (source === 'outcome') {
                return (
                  await recordQuizOutcome(ctx, {
                    orgId: issuer.orgId,
                    assessmentId: quiz.id,
                    learnerUserId: lee.id,
                    percent: 99,
                  })
                ).awards;
              }
              return ctx.db
                .transaction()
                .execute((tx) =>
                  evaluateAwards(tx, ctx.deps, { learnerUserId: lee.id, trigger: { type: 'assessment', id: quiz.id } }),
                );
            }),
          );
          const awarded = results.flat().filter((a) => a.achievementId === id);
          const awards = await awardsOf(ctx, id, lee.id);
          const credentials = await heldOf(ctx, id, lee.id);
          const fresh = sources.some((s) => s !== 'engine');
          expect(awards).toHaveLength(fresh ? 1 : 0);
          expect(credentials).toHaveLength(fresh ? 1 : 0);
          expect(awarded.map((a) => a.credentialId)).toEqual(credentials.map((c) => c.id));
        },
      ),
      { numRuns: 2 },
    );
  });
});
