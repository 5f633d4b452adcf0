import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { anonymous, createUser, sessionFor, tokenFor } from './helpers/fixtures.js';

describe.each(databaseTargets())('development outbox on $name', (target) => {
  let ctx: TestContext;
  let ada: Awaited<ReturnType<typeof createUser>>;
  beforeAll(async () => {
    ctx = await createTestContext(target);
    ada = await createUser(ctx, { kind: 'learner' });
    const claim = `${ctx.deps.publicUrl}/claim/sp_claim_secret-for-ada`;
    // Mail as issuing queues it: rows in the outbox.
    const queue = (toAddress: string, subject: string, text: string) =>
      ctx.db.insertInto('outbox').values({ id: randomUUID(), toAddress, subject, text, html: null }).execute();
    await queue(ada.email.toUpperCase(), 'Your <badge>', `Claim it: ${claim}\nThanks`);
    await queue('someone-else@example.org', 'Not for Ada', 'sp_claim_secret-for-bob');
  });
  afterAll(() => ctx.close());

  it('GET /api/v1/me/outbox lists only mail to my own address', async () => {
    const res = await (await sessionFor(ctx, ada.id)).request('GET', '/api/v1/me/outbox');
    expect(res.status).toBe(200);
    const { mails } = (await res.json()) as { mails: { to: string; subject: string; text: string }[] };
    expect(mails.map((m) => m.subject)).toEqual(['Your <badge>']);
    expect(JSON.stringify(mails)).not.toContain('secret-for-bob');
    const other = await createUser(ctx);
    const none = await (await sessionFor(ctx, other.id)).request('GET', '/api/v1/me/outbox');
    expect(await none.json()).toEqual({ mails: [] });
  });

  it('is for people: anonymous callers and API tokens are refused', async () => {
    const anon = await anonymous(ctx).request('GET', '/api/v1/me/outbox');
    expect([anon.status, ((await anon.json()) as { error: { code: string } }).error.code]).toEqual([
      401,
      'ERR_UNAUTHENTICATED',
    ]);
    const token = await (await tokenFor(ctx, ada.id, ['credentials:read'])).request('GET', '/api/v1/me/outbox');
    expect([token.status, ((await token.json()) as { error: { code: string } }).error.code]).toEqual([
      403,
      'ERR_SCOPE',
    ]);
  });

  it("/dev/outbox shows my mail, escaped, with this instance's links clickable", async () => {
    const page = await (await (await sessionFor(ctx, ada.id)).request('GET', '/dev/outbox')).text();
    expect(page).toContain('<h2>Your &lt;badge&gt;</h2>');
    expect(page).toContain(
      `<a href="${ctx.deps.publicUrl}/claim/sp_claim_secret-for-ada">${ctx.deps.publicUrl}/claim/sp_claim_secret-for-ada</a>`,
    );
    expect(page).not.toContain('secret-for-bob');
    const anon = await (await anonymous(ctx).request('GET', '/dev/outbox')).text();
    expect(anon).toContain('Sign in to see the mail sent to your address.');
    expect(anon).not.toContain('sp_claim_');
  });
});
