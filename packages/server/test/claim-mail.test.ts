import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mail, Mailer } from '../src/mail/mailer.js';
import { createMailDispatcher, retryDelayMs } from '../src/mail/dispatcher.js';
import { issueCredentials } from '../src/domains/issuing/issue.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { createOrg, createSampleAchievement } from './helpers/fixtures.js';

/**
 * The SMTP side of the outbox. The Mailer here stands in for an SMTP server (none runs on this machine); it records
 * what it is asked to send, and fails for the addresses it is told to.
 */
function recordingMailer(failFor: Set<string> = new Set()): Mailer & { sent: Mail[] } {
  const sent: Mail[] = [];
  return {
    sent,
    async send(mail) {
      await Promise.resolve();
      if (failFor.has(mail.to)) throw new Error(`550 mailbox unavailable`);
      sent.push(mail);
    },
  };
}

describe.each(databaseTargets())('claim mail through the outbox on $name', (target) => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await createTestContext(target);
  });
  afterAll(() => ctx?.close());

  async function queue(to: string): Promise<string> {
    const id = randomUUID();
    await ctx.db
      .insertInto('outbox')
      .values({ id, toAddress: to, subject: 'Hello', text: 'Hi', html: '<p>Hi</p>', createdAt: ctx.deps.clock() })
      .execute();
    return id;
  }

  const rowOf = (id: string) => ctx.db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  async function drain() {
    // Earlier tests' mails are sent (or given up) first, so each test sees only its own.
    await createMailDispatcher({ ...ctx.deps, mailer: recordingMailer() }, { batchSize: 1000 }).runOnce();
  }

  it('a rolled-back issuance leaves neither a credential nor a mail', async () => {
    const org = await createOrg(ctx);
    const { achievementId } = await createSampleAchievement(ctx, org.id);
    const email = `rollback-${target.name}@example.org`;
    await expect(
      ctx.db.transaction().execute(async (tx) => {
        await issueCredentials(tx, ctx.deps, {
          orgId: org.id,
          achievementId,
          items: [{ recipient: { email } }],
          actor: null,
        });
        expect(await tx.selectFrom('outbox').select('id').where('toAddress', '=', email).execute()).toHaveLength(1);
        throw new Error('the caller changed its mind');
      }),
    ).rejects.toThrow('the caller changed its mind');
    expect(await ctx.db.selectFrom('outbox').select('id').where('toAddress', '=', email).execute()).toEqual([]);
    expect(await ctx.db.selectFrom('credentials').select('id').where('recipientEmail', '=', email).execute()).toEqual(
      [],
    );
  });

  it('sends pending mail once and marks it sent', async () => {
    await drain();
    const id = await queue('once@example.org');
    const mailer = recordingMailer();
    const dispatcher = createMailDispatcher({ ...ctx.deps, mailer });
    expect(await dispatcher.runOnce()).toEqual({ sent: 1, failed: 0 });
    expect(mailer.sent).toEqual([{ to: 'once@example.org', subject: 'Hello', text: 'Hi', html: '<p>Hi</p>' }]);
    expect(await rowOf(id)).toMatchObject({ sentAt: ctx.deps.clock(), error: null, attempts: 1 });
    expect(await dispatcher.runOnce()).toEqual({ sent: 0, failed: 0 });
    expect(mailer.sent).toHaveLength(1);
  });

  it('a failure is recorded and retried after a growing back-off, then given up after maxAttempts', async () => {
    await drain();
    const start = new Date('2026-06-01T12:00:00Z');
    ctx.setNow(start);
    const id = await queue('bounce@example.org');
    const failing = new Set(['bounce@example.org']);
    const dispatcher = createMailDispatcher({ ...ctx.deps, mailer: recordingMailer(failing) }, { maxAttempts: 3 });
    expect(await dispatcher.runOnce()).toEqual({ sent: 0, failed: 1 });
    expect(await rowOf(id)).toMatchObject({
      sentAt: null,
      error: '550 mailbox unavailable',
      attempts: 1,
      nextAttemptAt: new Date(start.getTime() + 60_000),
    });
    expect(await dispatcher.runOnce()).toEqual({ sent: 0, failed: 0 });
    ctx.setNow(new Date(start.getTime() + 60_000));
    expect(await dispatcher.runOnce()).toEqual({ sent: 0, failed: 1 });
    expect(await rowOf(id)).toMatchObject({ attempts: 2, nextAttemptAt: new Date(start.getTime() + 3 * 60_000) });
    ctx.setNow(new Date(start.getTime() + 3 * 60_000));
    expect(await dispatcher.runOnce()).toEqual({ sent: 0, failed: 1 });
    expect(await rowOf(id)).toMatchObject({ attempts: 3, nextAttemptAt: null, sentAt: null });
    ctx.setNow(new Date(start.getTime() + 86_400_000));
    expect(await dispatcher.runOnce()).toEqual({ sent: 0, failed: 0 });
    ctx.setNow(start);
  });

  it('a failure that heals is sent on the retry', async () => {
    await drain();
    const id = await queue('flaky@example.org');
    const failing = new Set(['flaky@example.org']);
    const mailer = recordingMailer(failing);
    const dispatcher = createMailDispatcher({ ...ctx.deps, mailer });
    expect(await dispatcher.runOnce()).toEqual({ sent: 0, failed: 1 });
    failing.clear();
    ctx.setNow(new Date(ctx.deps.clock().getTime() + retryDelayMs(1)));
    expect(await dispatcher.runOnce()).toEqual({ sent: 1, failed: 0 });
    expect(await rowOf(id)).toMatchObject({ attempts: 2, error: null, nextAttemptAt: null });
    ctx.setNow('2026-06-01T12:00:00Z');
  });

  it('dispatchers running side by side send each mail exactly once', async () => {
    await drain();
    for (let i = 0; i < 30; i++) await queue(`side-${i}@example.org`);
    const mailers = [recordingMailer(), recordingMailer(), recordingMailer()];
    await Promise.all(
      mailers.map((mailer) => createMailDispatcher({ ...ctx.deps, mailer }, { batchSize: 7 }).runOnce()),
    );
    await Promise.all(
      mailers.map((mailer) => createMailDispatcher({ ...ctx.deps, mailer }, { batchSize: 50 }).runOnce()),
    );
    const sent = mailers.flatMap((m) => m.sent.map((s) => s.to)).sort();
    expect(sent).toEqual(Array.from({ length: 30 }, (_, i) => `side-${i}@example.org`).sort());
  });

  it('start and stop run rounds in the background', async () => {
    await drain();
    await queue('background@example.org');
    const mailer = recordingMailer();
    const dispatcher = createMailDispatcher({ ...ctx.deps, mailer }, { intervalMs: 10 });
    dispatcher.start();
    for (let i = 0; i < 200 && mailer.sent.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await dispatcher.stop();
    expect(mailer.sent.map((m) => m.to)).toEqual(['background@example.org']);
  });

  it('back-off doubles from one minute and stops growing at six hours', () => {
    expect([1, 2, 3, 4, 9, 10, 30].map(retryDelayMs)).toEqual([
      60_000, 120_000, 240_000, 480_000, 15_360_000, 21_600_000, 21_600_000,
    ]);
  });
});
