import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCredentials } from '../src/domains/issuing/issue.js';
import { changeCredentialState } from '../src/domains/issuing/credentials.js';
import { expiryReminderStep, sendExpiryReminders } from '../src/domains/renewals/reminders.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { createOrg, createSampleAchievement, createUser } from './helpers/fixtures.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

describe.each(databaseTargets())('expiry reminders on $name', (target) => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await createTestContext(target);
  });
  afterAll(() => ctx?.close());

  const now = () => ctx.deps.clock();
  const at = (ms: number) => ctx.setNow(new Date(ms));

  /** An organisation, an achievement (with `definition`), a learner and an award of it to them (generation 1). */
  async function awarded(definition: Record<string, unknown>, options: { validUntil?: Date } = {}) {
    const org = await createOrg(ctx);
    const { achievementId } = await createSampleAchievement(ctx, org.id, definition);
    const learner = await createUser(ctx, { kind: 'learner', name: 'Ada' });
    const award = await awardTo(org.id, achievementId, learner, 1, options.validUntil);
    return { org, achievementId, learner, ...award };
  }

  async function awardTo(
    orgId: string,
    achievementId: string,
    learner: { id: string; email: string },
    generation: number,
    validUntil?: Date,
  ) {
    return ctx.db.transaction().execute(async (tx) => {
      const [credential] = await issueCredentials(tx, ctx.deps, {
        orgId,
        achievementId,
        items: [{ recipient: { email: learner.email }, holderUserId: learner.id, ...(validUntil && { validUntil }) }],
        actor: null,
      });
      const awardId = randomUUID();
      await tx
        .insertInto('awards')
        .values({
          id: awardId,
          orgId,
          achievementId,
          learnerUserId: learner.id,
          generation,
          credentialId: credential!.id,
          basis: JSON.stringify({}),
          awardedAt: now(),
        })
        .execute();
      return { awardId, credential: credential! };
    });
  }

  const mailsTo = (email: string) =>
    ctx.db
      .selectFrom('outbox')
      .select(['subject', 'text', 'html', 'createdAt'])
      .where('toAddress', '=', email)
      .orderBy('createdAt')
      .orderBy('id')
      .execute();

  const remindersOf = async (awardId: string) =>
    (
      await ctx.db
        .selectFrom('awardReminders')
        .select('daysBefore')
        .where('awardId', '=', awardId)
        .orderBy('daysBefore', 'desc')
        .execute()
    ).map((r) => r.daysBefore);

  it('mails the holder once at each lead time, with how to renew', async () => {
    const start = now().getTime();
    const { achievementId, learner, awardId, credential } = await awarded({
      name: 'Forklift safety',
      validityDays: 60,
      renewal: { reminderDays: [30, 7] },
    });
    const assessmentId = randomUUID();
    await ctx.db
      .insertInto('assessments')
      .values({
        id: assessmentId,
        orgId: credential.orgId,
        achievementId,
        kind: 'quiz',
        title: 'Forklift safety quiz',
        description: null,
        settings: JSON.stringify({ passMark: 80 }),
        state: 'open',
        opensAt: null,
        closesAt: null,
        createdBy: null,
        updatedAt: now(),
        archivedAt: null,
      })
      .execute();
    const validUntil = credential.validUntil!.getTime();
    expect(validUntil).toBe(start + 60 * DAY);

    await sendExpiryReminders(ctx.deps);
    expect(await mailsTo(learner.email)).toEqual([]);

    at(validUntil - 30 * DAY + HOUR);
    await sendExpiryReminders(ctx.deps);
    await sendExpiryReminders(ctx.deps);
    let mails = await mailsTo(learner.email);
    expect(mails.map((m) => m.subject)).toEqual(['"Forklift safety" expires in 30 days']);
    expect(mails[0]!.text).toContain('Hello Ada,');
    expect(mails[0]!.text).toContain(`expires on ${new Date(validUntil).toISOString().slice(0, 10)} (in 30 days)`);
    expect(mails[0]!.text).toContain(`- Forklift safety quiz: https://skillproof.test/assessments/${assessmentId}`);
    expect(mails[0]!.text).toContain(`https://skillproof.test/credentials/${credential.id}`);
    expect(mails[0]!.html).toContain(`<a href="https://skillproof.test/assessments/${assessmentId}">`);
    expect(await remindersOf(awardId)).toEqual([30]);

    // Between the lead times: nothing more.
    at(validUntil - 10 * DAY);
    await sendExpiryReminders(ctx.deps);
    expect(await mailsTo(learner.email)).toHaveLength(1);

    at(validUntil - 7 * DAY + HOUR);
    await sendExpiryReminders(ctx.deps);
    await sendExpiryReminders(ctx.deps);
    mails = await mailsTo(learner.email);
    expect(mails.map((m) => m.subject)).toEqual([
      '"Forklift safety" expires in 30 days',
      '"Forklift safety" expires in 7 days',
    ]);
    expect(await remindersOf(awardId)).toEqual([30, 7]);

    // Expired: nothing.
    at(validUntil + HOUR);
    await sendExpiryReminders(ctx.deps);
    expect(await mailsTo(learner.email)).toHaveLength(2);
  });

  it('no reminder for a revoked credential, nor for an award already renewed', async () => {
    const revoked = await awarded({ validityDays: 20, renewal: { reminderDays: [10] } });
    await changeCredentialState(ctx.db, null, now(), revoked.org.id, revoked.credential.id, 'revoke', 'test');
    const renewed = await awarded({ validityDays: 20, renewal: { reminderDays: [10] } });
    // The renewal runs on from the old credential's end.
    const second = await awardTo(
      renewed.org.id,
      renewed.achievementId,
      renewed.learner,
      2,
      new Date(renewed.credential.validUntil!.getTime() + 20 * DAY),
    );
    const control = await awarded({ validityDays: 20, renewal: { reminderDays: [10] } });

    at(now().getTime() + 10 * DAY + HOUR);
    await sendExpiryReminders(ctx.deps);
    expect(await mailsTo(revoked.learner.email)).toEqual([]);
    expect(await remindersOf(revoked.awardId)).toEqual([]);
    expect(await mailsTo(renewed.learner.email)).toEqual([]);
    expect(await mailsTo(control.learner.email)).toHaveLength(1);

    // The renewed credential gets its own reminder, at its own lead time.
    at(second.credential.validUntil!.getTime() - 10 * DAY + HOUR);
    await sendExpiryReminders(ctx.deps);
    expect(await remindersOf(second.awardId)).toEqual([10]);
    expect(await remindersOf(renewed.awardId)).toEqual([]);
    expect(await mailsTo(renewed.learner.email)).toHaveLength(1);
  });

  it('lead times already passed together give one mail; defaults apply without renewal; [] turns them off', async () => {
    const late = await awarded({ validityDays: 365 }, { validUntil: new Date(now().getTime() + 5 * DAY) });
    const off = await awarded({ validityDays: 5, renewal: { reminderDays: [] } });
    await sendExpiryReminders(ctx.deps);
    await sendExpiryReminders(ctx.deps);
    expect((await mailsTo(late.learner.email)).map((m) => m.subject)).toEqual([
      '"Data Analysis with SQL" expires in 5 days',
    ]);
    expect(await remindersOf(late.awardId)).toEqual([30, 7]);
    expect(await mailsTo(off.learner.email)).toEqual([]);
  });

  it('concurrent scans mail once', async () => {
    const { learner, awardId } = await awarded({ validityDays: 3, renewal: { reminderDays: [7] } });
    const results = await Promise.all(Array.from({ length: 5 }, () => sendExpiryReminders(ctx.deps)));
    expect(results.reduce((n, r) => n + r.sent, 0)).toBeGreaterThanOrEqual(1);
    expect(await mailsTo(learner.email)).toHaveLength(1);
    expect(await remindersOf(awardId)).toEqual([7]);
  });

  it('as a job step it scans at most once per interval while idle, and keeps going while a scan is full', async () => {
    const step = expiryReminderStep(ctx.deps, { intervalMs: 10 * 60_000, limit: 1 });
    // Whatever earlier tests left due is drained first, one award per step.
    while (await step());
    const { learner } = await awarded({ validityDays: 3, renewal: { reminderDays: [7] } });
    // Within the interval after an idle scan, the step does not look.
    expect(await step()).toBe(false);
    expect(await mailsTo(learner.email)).toEqual([]);
    at(now().getTime() + 10 * 60_000);
    expect(await step()).toBe(true);
    expect(await mailsTo(learner.email)).toHaveLength(1);
    // A full scan (limit 1) looks again at once; an empty one waits.
    expect(await step()).toBe(false);
    expect(await step()).toBe(false);
  });
});
