import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { JsonObject } from '@skillproof/core';
import { evaluateAwards } from '../src/domains/awards/engine.js';
import { recordEvent } from '../src/domains/awards/events.js';
import { pathwayRelated } from '../src/domains/awards/pathways.js';
import { putAwardRule } from '../src/domains/awards/rules.js';
import type { AwardRule } from '../src/domains/awards/rule.js';
import { orgDid } from '../src/domains/orgs/identity.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { expectError } from './helpers/errors.js';
import { createSampleAchievement, createUser, member, sessionFor, type Caller } from './helpers/fixtures.js';
import { awardsOf, heldOf, json } from './helpers/awards.js';

/**
 * Stackable pathways: achievements whose rules name other achievements (required, electives, nested), components
 * earned elsewhere, `related` and credits in the stacked credential, cycles refused, and the property that a pathway
 * credential is issued exactly when its rule holds.
 */

describe.each(databaseTargets())('award pathways on $name', (target) => {
  let ctx: TestContext;
  let issuer: { caller: Caller; orgId: string; user: { id: string }; slug: string };

  beforeAll(async () => {
    ctx = await createTestContext(target);
    const m = await member(ctx, 'issuer');
    const org = await ctx.db
      .selectFrom('organizations')
      .select('slug')
      .where('id', '=', m.orgId)
      .executeTakeFirstOrThrow();
    issuer = { ...m, slug: org.slug };
  });
  afterAll(() => ctx.close());

  const achievement = async (overrides: Record<string, unknown> = {}, orgId = issuer.orgId) =>
    (await createSampleAchievement(ctx, orgId, overrides)).achievementId;
  const setRule = (achievementId: string, rule: AwardRule, trustedIssuers?: string[], orgId = issuer.orgId) =>
    ctx.db
      .transaction()
      .execute((tx) => putAwardRule(tx, orgId, achievementId, { rule, trustedIssuers }, ctx.deps.clock(), null));
  /** A component earned by an event of its own name. */
  const component = async (overrides: Record<string, unknown> = {}, orgId = issuer.orgId) => {
    const id = await achievement(overrides, orgId);
    const event = `earn-${id}`;
    await setRule(id, { type: 'event', name: event }, undefined, orgId);
    return { id, event, orgId };
  };
  const post = (learnerUserId: string, name: string, orgId = issuer.orgId) =>
    ctx.db
      .transaction()
      .execute((tx) => recordEvent(tx, ctx.deps, orgId, { learner: { userId: learnerUserId }, name }, 'api'))
      .then((r) => r.awards.map((a) => a.achievementId));
  const learner = () => createUser(ctx, { kind: 'learner' });
  const documentOf = async (achievementId: string, learnerUserId: string) => {
    const [credential] = await heldOf(ctx, achievementId, learnerUserId);
    return credential!.document as JsonObject;
  };

  it('a pathway of required and elective components is issued as the last one is earned, with related and credits', async () => {
    const a = await component({ name: 'Required', creditsAvailable: 2 });
    const b = await component({ name: 'Elective B', creditsAvailable: 3 });
    const c = await component({ name: 'Elective C', creditsAvailable: 5 });
    const pathway = await achievement({ name: 'Pathway', creditsAvailable: 20 });
    const rule: AwardRule = {
      type: 'allOf',
      rules: [
        { type: 'achievement', achievementId: a.id },
        {
          type: 'nOf',
          n: 1,
          rules: [b.id, c.id].map((achievementId) => ({ type: 'achievement' as const, achievementId })),
        },
      ],
    };
    await setRule(pathway, rule);
    const zoe = await learner();
    const zoeSession = await sessionFor(ctx, zoe.id);

    expect(await post(zoe.id, c.event)).toEqual([c.id]);
    type Progress = {
      progress: {
        satisfied: boolean;
        award: unknown;
        progress: { done: number; needed: number; children: { label?: string; satisfied: boolean }[] };
      };
    };
    const before = await json<Progress>(await zoeSession.request('GET', `/api/v1/me/progress/${pathway}`));
    expect(before.progress).toMatchObject({ satisfied: false, award: null, progress: { done: 1, needed: 2 } });
    expect(before.progress.progress.children.map((n) => [n.label, n.satisfied])).toEqual([
      ['Required', false],
      [undefined, true],
    ]);
    const all = await json<{ progress: { achievement: { name: string } }[] }>(
      await zoeSession.request('GET', '/api/v1/me/progress'),
    );
    expect(all.progress.map((p) => p.achievement.name)).toEqual(['Elective C', 'Pathway']);

    // The required component completes the pathway: both are issued in the same evaluation.
    expect(await post(zoe.id, a.event)).toEqual([a.id, pathway]);
    const document = await documentOf(pathway, zoe.id);
    const subject = document['credentialSubject'] as JsonObject;
    const related = (subject['achievement'] as JsonObject)['related'];
    const url = (id: string) => `${ctx.deps.publicUrl}/achievements/${id}/versions/1`;
    expect(related).toEqual([a.id, b.id, c.id].map((id) => ({ id: url(id), type: ['Related'], version: '1' })));
    expect(subject['creditsEarned']).toBe(7);
    const [award] = await awardsOf(ctx, pathway, zoe.id);
    const components = [...(await heldOf(ctx, a.id, zoe.id)), ...(await heldOf(ctx, c.id, zoe.id))].map((x) => x.id);
    expect((award!.basis as { credentials: string[] }).credentials.sort()).toEqual(components.sort());
    const after = await json<Progress>(await zoeSession.request('GET', `/api/v1/me/progress/${pathway}`));
    expect(after.progress).toMatchObject({
      satisfied: true,
      award: { generation: 1, credentialId: award!.credentialId },
    });
    // The second elective adds nothing: the pathway is held.
    expect(await post(zoe.id, b.event)).toEqual([b.id]);
    expect(await awardsOf(ctx, pathway, zoe.id)).toHaveLength(1);
    expect(await pathwayRelated(ctx.db, ctx.deps.publicUrl, a.id)).toEqual([]);
  });

  it('claiming a hand-issued component completes the pathway that names it', async () => {
    const part = await achievement({ name: 'Issued by hand' });
    const pathway = await achievement({ name: 'Pathway of one' });
    await setRule(pathway, { type: 'achievement', achievementId: part });
    const lee = await learner();
    await json(
      await issuer.caller.request('POST', `/api/v1/orgs/${issuer.orgId}/credentials`, {
        achievementId: part,
        recipient: { email: lee.email },
      }),
      201,
    );
    expect(await awardsOf(ctx, pathway, lee.id)).toHaveLength(0);
    const leeSession = await sessionFor(ctx, lee.id);
    const { mails } = await json<{ mails: { text: string }[] }>(await leeSession.request('GET', '/api/v1/me/outbox'));
    const token = /\/claim\/([\w-]+)/.exec(mails[0]!.text)![1];
    await json(await leeSession.request('POST', '/api/v1/claims', { token }));
    expect(await awardsOf(ctx, pathway, lee.id)).toHaveLength(1);
  });

  it('nested pathways complete in one evaluation; credit totals count held components', async () => {
    const [a, b, d] = [
      await component({ creditsAvailable: 4 }),
      await component({ creditsAvailable: 4 }),
      await component(),
    ];
    const inner = await achievement({ creditsAvailable: 8 });
    await setRule(inner, {
      type: 'allOf',
      rules: [a, b].map((x) => ({ type: 'achievement' as const, achievementId: x.id })),
    });
    const outer = await achievement();
    await setRule(outer, {
      type: 'allOf',
      rules: [
        { type: 'achievement', achievementId: inner },
        { type: 'achievement', achievementId: d.id },
      ],
    });
    const byCredits = await achievement();
    await setRule(byCredits, { type: 'credits', min: 8, achievementIds: [a.id, b.id] });
    const anyCredits = await achievement();
    await setRule(anyCredits, { type: 'credits', min: 8 });
    // Another organisation's credits do not count toward this one's total (it trusts no one).
    const foreign = await component({ creditsAvailable: 50 }, (await member(ctx, 'owner')).orgId);
    const yan = await learner();
    expect(await post(yan.id, foreign.event, foreign.orgId)).toEqual([foreign.id]);
    expect(await post(yan.id, d.event)).toEqual([d.id]);
    expect(await post(yan.id, a.event)).toEqual([a.id]);
    expect((await post(yan.id, b.event)).sort()).toEqual([b.id, byCredits, anyCredits, inner, outer].sort());
    const outerSubject = (await documentOf(outer, yan.id))['credentialSubject'] as JsonObject;
    // The outer pathway's credits are its components': the inner pathway (8) and d (none).
    expect(outerSubject['creditsEarned']).toBe(8);
    expect(((await documentOf(byCredits, yan.id))['credentialSubject'] as JsonObject)['creditsEarned']).toBe(8);
  });

  it('components earned elsewhere count when held as verified credentials from a trusted issuer', async () => {
    const partnerUri = `https://partner.example/achievements/${randomUUID()}`;
    const partner = 'did:web:partner.example';
    const local = await component();
    const pathway = await achievement();
    await setRule(pathway, {
      type: 'allOf',
      rules: [
        { type: 'achievement', achievementId: local.id },
        { type: 'externalAchievement', achievementUri: partnerUri, issuers: [partner] },
      ],
    });
    const hold = (userId: string, issuerId: string, validUntil: Date | null = null) =>
      ctx.db
        .insertInto('heldCredentials')
        .values({
          id: randomUUID(),
          userId,
          issuerId,
          achievementUri: partnerUri,
          document: JSON.stringify({ id: 'urn:uuid:x' }),
          jwt: null,
          credits: 1,
          validFrom: new Date('2026-01-01T00:00:00Z'),
          validUntil,
          verifiedAt: ctx.deps.clock(),
          verification: JSON.stringify({ verified: true }),
          contentHash: randomUUID(),
        })
        .execute();
    const trigger = (userId: string) =>
      ctx.db
        .transaction()
        .execute((tx) =>
          evaluateAwards(tx, ctx.deps, {
            learnerUserId: userId,
            trigger: { type: 'external_achievement', id: partnerUri },
          }),
        )
        .then((r) => r.map((x) => x.achievementId));

    const [trusted, untrusted, expired] = [await learner(), await learner(), await learner()];
    for (const l of [trusted, untrusted, expired]) await post(l.id, local.event);
    await hold(trusted.id, partner);
    await hold(untrusted.id, 'did:web:mallory.example');
    await hold(expired.id, partner, new Date('2026-05-01T00:00:00Z'));
    expect(await trigger(trusted.id)).toEqual([pathway]);
    expect(await trigger(untrusted.id)).toEqual([]);
    expect(await trigger(expired.id)).toEqual([]);
    const related = ((await documentOf(pathway, trusted.id))['credentialSubject'] as JsonObject)[
      'achievement'
    ] as JsonObject;
    expect((related['related'] as JsonObject[]).map((r) => r['id'])).toEqual([
      `${ctx.deps.publicUrl}/achievements/${local.id}/versions/1`,
      partnerUri,
    ]);

    // A credential issued on this instance by another organisation counts when the rule trusts its did:web: earning
    // it there completes the pathway here.
    const other = await member(ctx, 'owner');
    const otherSlug = (
      await ctx.db.selectFrom('organizations').select('slug').where('id', '=', other.orgId).executeTakeFirstOrThrow()
    ).slug;
    const theirs = await component({}, other.orgId);
    const stacked = await achievement();
    const theirUri = `${ctx.deps.publicUrl}/achievements/${theirs.id}`;
    await setRule(stacked, { type: 'externalAchievement', achievementUri: theirUri }, [
      orgDid(ctx.deps.publicUrl, otherSlug),
    ]);
    const distrusting = await achievement();
    await setRule(distrusting, { type: 'externalAchievement', achievementUri: theirUri }, ['did:web:someone.else']);
    const uma = await learner();
    expect((await post(uma.id, theirs.event, other.orgId)).sort()).toEqual([theirs.id, stacked].sort());
    expect(await awardsOf(ctx, distrusting, uma.id)).toEqual([]);
  });

  it('cycles between pathways are refused with the path; a pathway may not contain itself', async () => {
    const [x, y, z] = [await achievement(), await achievement(), await achievement()];
    const put = (id: string, rule: AwardRule) =>
      issuer.caller.request('PUT', `/api/v1/orgs/${issuer.orgId}/achievements/${id}/award-rule`, { rule });
    await json(await put(x, { type: 'achievement', achievementId: y }));
    await json(
      await put(y, { type: 'anyOf', rules: [{ type: 'approval' }, { type: 'credits', min: 1, achievementIds: [z] }] }),
    );
    const error = await expectError(
      await put(z, { type: 'nOf', n: 1, rules: [{ type: 'approval' }, { type: 'achievement', achievementId: x }] }),
      400,
      'ERR_VALIDATION',
    );
    expect(error.details?.['cycle']).toEqual([z, x, y, z]);
    expect(error.message).toContain(`${z} → ${x} → ${y} → ${z}`);
    const self = await expectError(await put(x, { type: 'achievement', achievementId: x }), 400, 'ERR_VALIDATION');
    expect(self.details?.['cycle']).toEqual([x, x]);
    // Nothing changed: x still names y only.
    const refs = await ctx.db
      .selectFrom('awardRuleRefs')
      .select(['refType', 'ref'])
      .where('achievementId', 'in', [x, z])
      .execute();
    expect(refs).toEqual([{ refType: 'achievement', ref: y }]);
  });

  it('a pathway credential is issued exactly when its rule holds (property, against a reference evaluation)', async () => {
    const K = 3;
    const E = 2;
    type Tree =
      { c: number } | { e: number } | { op: 'allOf' | 'anyOf'; kids: Tree[] } | { op: 'nOf'; n: number; kids: Tree[] };
    const leaf: fc.Arbitrary<Tree> = fc.oneof(
      fc.integer({ min: 0, max: K - 1 }).map((c) => ({ c })),
      fc.integer({ min: 0, max: E - 1 }).map((e) => ({ e })),
    );
    const tree: fc.Arbitrary<Tree> = fc.letrec<{ t: Tree }>((tie) => ({
      t: fc.oneof(
        { maxDepth: 3, depthIdentifier: 'tree' },
        leaf,
        fc.record({
          op: fc.constantFrom('allOf' as const, 'anyOf' as const),
          kids: fc.array(tie('t'), { minLength: 1, maxLength: 3 }),
        }),
        fc.array(tie('t'), { minLength: 1, maxLength: 3 }).chain((kids) =>
          fc.record({
            op: fc.constant('nOf' as const),
            n: fc.integer({ min: 1, max: kids.length }),
            kids: fc.constant(kids),
          }),
        ),
      ),
    })).t;
    // Each step earns a component (its event) or posts one of the pathway's own events.
    const step = fc.oneof(
      fc.integer({ min: 0, max: K - 1 }).map((c) => ({ c })),
      fc.integer({ min: 0, max: E - 1 }).map((e) => ({ e })),
    );
    const truth = (t: Tree, components: Set<number>, events: Set<number>): boolean =>
      'c' in t
        ? components.has(t.c)
        : 'e' in t
          ? events.has(t.e)
          : t.op === 'nOf'
            ? t.kids.filter((k) => truth(k, components, events)).length >= t.n
            : t.op === 'allOf'
              ? t.kids.every((k) => truth(k, components, events))
              : t.kids.some((k) => truth(k, components, events));

    await fc.assert(
      fc.asyncProperty(tree, fc.array(step, { maxLength: 6 }), async (t, steps) => {
        const components = await Promise.all(Array.from({ length: K }, () => component()));
        const pathway = await achievement();
        const eventName = (e: number) => `p-${pathway}-${e}`;
        const toRule = (x: Tree): AwardRule =>
          'c' in x
            ? { type: 'achievement', achievementId: components[x.c]!.id }
            : 'e' in x
              ? { type: 'event', name: eventName(x.e) }
              : x.op === 'nOf'
                ? { type: 'nOf', n: x.n, rules: x.kids.map(toRule) }
                : { type: x.op, rules: x.kids.map(toRule) };
        await setRule(pathway, toRule(t));
        const who = await learner();
        const earned = new Set<number>();
        const seen = new Set<number>();
        for (const s of steps) {
          if ('c' in s) {
            await post(who.id, components[s.c]!.event);
            earned.add(s.c);
          } else {
            await post(who.id, eventName(s.e));
            seen.add(s.e);
          }
          const expected = truth(t, earned, seen) ? 1 : 0;
          expect(await awardsOf(ctx, pathway, who.id)).toHaveLength(expected);
          expect(await heldOf(ctx, pathway, who.id)).toHaveLength(expected);
        }
        for (let i = 0; i < K; i++)
          expect(await awardsOf(ctx, components[i]!.id, who.id)).toHaveLength(earned.has(i) ? 1 : 0);
      }),
      { numRuns: 25 },
    );
  });
});
