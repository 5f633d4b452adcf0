import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gunzipSync } from 'node:zlib';
import { verifyCredential, type JsonObject } from '@skillproof/core';
import { addOrgKey } from '../src/domains/orgs/service.js';
import { allocateStatusIndexes, STATUS_LIST_CAPACITY, STATUS_LIST_SIZE } from '../src/domains/issuing/status-lists.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { expectError } from './helpers/errors.js';
import {
  anonymous,
  createOrg,
  createSampleAchievement,
  issuerWithAchievement,
  member,
  setSuspendableCredentials,
  type Caller,
} from './helpers/fixtures.js';
import { appFetcher, bitOf, referenceVerify, statusEntries } from './issuing-helpers.js';

const ROLLBACK = new Error('rollback');

/** Runs `work` in a transaction that is always rolled back, so each property run starts from the same state. */
async function inRolledBack<T>(ctx: TestContext, work: (tx: TestContext['db']) => Promise<T>): Promise<T> {
  let out: T | undefined;
  await ctx.db
    .transaction()
    .execute(async (tx) => {
      out = await work(tx);
      throw ROLLBACK;
    })
    .catch((e: unknown) => {
      if (e !== ROLLBACK) throw e;
    });
  return out as T;
}

/** A deterministic byte source: xorshift32 from a seed, or all zeros (every draw collides after the first). */
function randomFrom(seed: number | 'zeros'): (n: number) => Uint8Array {
  let x = seed === 'zeros' ? 0 : seed | 1;
  return (n) => {
    const out = new Uint8Array(n);
    if (seed === 'zeros') return out;
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = x & 0xff;
    }
    return out;
  };
}

describe.each(databaseTargets())('status lists on $name', (target) => {
  let ctx: TestContext;
  let issuer: Caller;
  let orgId: string;
  let achievementId: string;

  beforeAll(async () => {
    ctx = await createTestContext(target);
    ({ caller: issuer, orgId, achievementId } = await issuerWithAchievement(ctx));
    // Suspension needs credentials issued with a suspension entry; the default (off) is tested on its own below.
    await setSuspendableCredentials(ctx, orgId);
  });
  afterAll(() => ctx?.close());

  async function issueOne(): Promise<{ id: string; document: JsonObject }> {
    const res = await issuer.request('POST', `/api/v1/orgs/${orgId}/credentials`, {
      achievementId,
      recipient: { email: 'status@example.org' },
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { credential: { id: string }; document: JsonObject };
    return { id: body.credential.id, document: body.document };
  }

  const change = (id: string, action: string, body?: unknown) =>
    issuer.request('POST', `/api/v1/orgs/${orgId}/credentials/${id}/${action}`, body);

  const statusCheck = async (document: JsonObject) => {
    const report = await verifyCredential(document, { fetcher: appFetcher(ctx), clock: ctx.deps.clock });
    const check = report.checks.find((c) => c.id === 'status')!;
    return { verified: report.verified, status: check.code ? `${check.status} ${check.code}` : check.status };
  };

  it('suspend → unsuspend → revoke: verifiers see each change at once; revocation is final', async () => {
    const { id, document } = await issueOne();
    expect(await statusCheck(document)).toEqual({ verified: true, status: 'passed' });

    const suspended = await change(id, 'suspend', { reason: 'Under review' });
    expect(suspended.status).toBe(200);
    expect(((await suspended.json()) as { credential: unknown }).credential).toMatchObject({
      state: 'suspended',
      stateReason: 'Under review',
      stateChangedAt: '2026-06-01T12:00:00.000Z',
    });
    expect(await statusCheck(document)).toEqual({ verified: false, status: 'failed ERR_STATUS_SUSPENDED' });
    expect(await referenceVerify(ctx, document)).toEqual({ verified: false });
    await expectError(await change(id, 'suspend', { reason: 'again' }), 409, 'ERR_STATE');

    const reinstated = await change(id, 'unsuspend');
    expect(reinstated.status).toBe(200);
    expect(await statusCheck(document)).toEqual({ verified: true, status: 'passed' });
    expect(await referenceVerify(ctx, document)).toEqual({ verified: true });
    await expectError(await change(id, 'unsuspend'), 409, 'ERR_STATE');

    const revoked = await change(id, 'revoke', { reason: 'Issued in error' });
    expect(((await revoked.json()) as { credential: unknown }).credential).toMatchObject({
      state: 'revoked',
      stateReason: 'Issued in error',
    });
    expect(await statusCheck(document)).toEqual({ verified: false, status: 'failed ERR_STATUS_REVOKED' });
    for (const [action, body] of [
      ['unsuspend', undefined],
      ['suspend', { reason: 'x' }],
      ['revoke', { reason: 'x' }],
    ] as const) {
      await expectError(await change(id, action, body), 409, 'ERR_STATE');
    }
    const audit = await ctx.db
      .selectFrom('auditLog')
      .select(['action', 'data'])
      .where('targetId', '=', id)
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual([
      'credential.issue',
      'credential.suspend',
      'credential.unsuspend',
      'credential.revoke',
    ]);
    expect(audit[3]!.data).toEqual({ from: 'active', to: 'revoked', reason: 'Issued in error' });
  });

  it('a suspended credential can be revoked; the revocation bit is the credential’s own and no other', async () => {
    const a = await issueOne();
    const b = await issueOne();
    expect((await change(a.id, 'suspend', { reason: 'Check' })).status).toBe(200);
    expect((await change(a.id, 'revoke', { reason: 'Confirmed' })).status).toBe(200);
    const row = await ctx.db.selectFrom('credentials').selectAll().where('id', '=', a.id).executeTakeFirstOrThrow();
    const list = await ctx.db
      .selectFrom('statusLists')
      .select('bits')
      .where('id', '=', row.revocationListId)
      .executeTakeFirstOrThrow();
    expect(bitOf(list.bits, row.revocationIndex)).toBe(1);
    const set = [...list.bits].reduce((n, byte) => n + byte.toString(2).replaceAll('0', '').length, 0);
    const revokedHere = await ctx.db
      .selectFrom('credentials')
      .select('id')
      .where('revocationListId', '=', row.revocationListId)
      .where('state', '=', 'revoked')
      .execute();
    expect(set).toBe(revokedHere.length);
    expect(await statusCheck(b.document)).toEqual({ verified: true, status: 'passed' });
  });

  it('reasons are required for revoke and suspend; unknown and foreign credentials are 404', async () => {
    const { id } = await issueOne();
    await expectError(await change(id, 'revoke'), 400, 'ERR_VALIDATION');
    await expectError(await change(id, 'revoke', {}), 400, 'ERR_VALIDATION');
    await expectError(await change(id, 'suspend', { reason: '  ' }), 400, 'ERR_VALIDATION');
    await expectError(await change(id, 'suspend', { reason: 'x'.repeat(1001) }), 400, 'ERR_VALIDATION');
    await expectError(await change('not-a-uuid', 'revoke', { reason: 'x' }), 404, 'ERR_NOT_FOUND');
    await expectError(await change(crypto.randomUUID(), 'revoke', { reason: 'x' }), 404, 'ERR_NOT_FOUND');
    const stranger = await member(ctx, 'owner');
    const res = await stranger.caller.request('POST', `/api/v1/orgs/${stranger.orgId}/credentials/${id}/revoke`, {
      reason: 'x',
    });
    await expectError(res, 404, 'ERR_NOT_FOUND');
    const viewer = await member(ctx, 'viewer', orgId);
    await expectError(
      await viewer.caller.request('POST', `/api/v1/orgs/${orgId}/credentials/${id}/revoke`, { reason: 'x' }),
      403,
      'ERR_FORBIDDEN',
    );
    const row = await ctx.db.selectFrom('credentials').select('state').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.state).toBe('active');
  });

  describe('credentials issued without a suspension entry (suspendableCredentials off, the default)', () => {
    it('suspend and unsuspend are 409 ERR_STATE and change nothing; revocation works', async () => {
      const admin = await member(ctx, 'admin');
      const own = await createSampleAchievement(ctx, admin.orgId);
      const path = (id: string, action: string) => `/api/v1/orgs/${admin.orgId}/credentials/${id}/${action}`;
      const res = await admin.caller.request('POST', `/api/v1/orgs/${admin.orgId}/credentials`, {
        achievementId: own.achievementId,
        recipient: { email: 'plain@example.org' },
      });
      const { credential, document } = (await res.json()) as {
        credential: { id: string; suspendable: boolean };
        document: JsonObject;
      };
      expect(credential.suspendable).toBe(false);
      const listsBefore = await ctx.db
        .selectFrom('statusLists')
        .select(['id', 'purpose', 'version'])
        .where('orgId', '=', admin.orgId)
        .execute();
      expect(listsBefore.map((l) => l.purpose)).toEqual(['revocation']);

      for (const [action, body] of [
        ['suspend', { reason: 'Under review' }],
        ['unsuspend', undefined],
      ] as const) {
        const refused = await admin.caller.request('POST', path(credential.id, action), body);
        const error = ((await refused.json()) as { error: { code: string; message: string } }).error;
        expect([refused.status, error.code]).toEqual([409, 'ERR_STATE']);
        expect(error.message).toMatch(/issued without a suspension entry.*can only be revoked/);
      }
      const row = await ctx.db
        .selectFrom('credentials')
        .select(['state', 'stateChangedAt'])
        .where('id', '=', credential.id)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ state: 'active', stateChangedAt: null });
      const audit = await ctx.db
        .selectFrom('auditLog')
        .select('action')
        .where('targetId', '=', credential.id)
        .execute();
      expect(audit.map((a) => a.action)).toEqual(['credential.issue']);
      expect(
        await ctx.db
          .selectFrom('statusLists')
          .select(['id', 'purpose', 'version'])
          .where('orgId', '=', admin.orgId)
          .execute(),
      ).toEqual(listsBefore);

      expect(
        (await admin.caller.request('POST', path(credential.id, 'revoke'), { reason: 'Wrong person' })).status,
      ).toBe(200);
      expect(await statusCheck(document)).toEqual({ verified: false, status: 'failed ERR_STATUS_REVOKED' });
      expect(await referenceVerify(ctx, document)).toEqual({ verified: false });
    });

    it('a credential keeps what it was issued with when the setting changes', async () => {
      const admin = await member(ctx, 'admin');
      const own = await createSampleAchievement(ctx, admin.orgId);
      const orgPath = `/api/v1/orgs/${admin.orgId}`;
      const issue = async () => {
        const res = await admin.caller.request('POST', `${orgPath}/credentials`, {
          achievementId: own.achievementId,
          recipient: { did: 'did:example:keeps' },
        });
        return (await res.json()) as { credential: { id: string }; document: JsonObject };
      };
      const before = await issue();
      expect((await admin.caller.request('PATCH', orgPath, { suspendableCredentials: true })).status).toBe(200);
      const during = await issue();
      expect((await admin.caller.request('PATCH', orgPath, { suspendableCredentials: false })).status).toBe(200);
      const after = await issue();
      expect([before, during, after].map((c) => statusEntries(c.document).length)).toEqual([1, 2, 1]);

      const suspend = (id: string) =>
        admin.caller.request('POST', `${orgPath}/credentials/${id}/suspend`, { reason: 'Check' });
      expect((await suspend(before.credential.id)).status).toBe(409);
      expect((await suspend(after.credential.id)).status).toBe(409);
      // Issued with a suspension entry: still suspendable though the organisation has turned the setting off.
      expect((await suspend(during.credential.id)).status).toBe(200);
      expect(await statusCheck(during.document)).toEqual({ verified: false, status: 'failed ERR_STATUS_SUSPENDED' });
      expect(
        (await admin.caller.request('POST', `${orgPath}/credentials/${during.credential.id}/unsuspend`)).status,
      ).toBe(200);
      expect(await statusCheck(during.document)).toEqual({ verified: true, status: 'passed' });
    });
  });

  describe('GET /status/{listId}', () => {
    it('serves the signed list with cache headers; If-None-Match → 304 until a change', async () => {
      const { id, document } = await issueOne();
      const url = new URL(statusEntries(document)[0]!['statusListCredential'] as string);
      const first = await anonymous(ctx).request('GET', url.pathname);
      expect(first.status).toBe(200);
      expect(first.headers.get('content-type')).toBe('application/vc+ld+json');
      expect(first.headers.get('cache-control')).toBe('public, max-age=0, must-revalidate');
      const etag = first.headers.get('etag')!;
      expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
      const list = (await first.json()) as JsonObject;
      expect(list).toMatchObject({
        id: url.href,
        type: ['VerifiableCredential', 'BitstringStatusListCredential'],
        validFrom: '2026-06-01T12:00:00Z',
        credentialSubject: { type: 'BitstringStatusList', statusPurpose: 'revocation' },
      });
      const bits = gunzipSync(
        Buffer.from(((list['credentialSubject'] as JsonObject)['encodedList'] as string).slice(1), 'base64url'),
      );
      expect(bits.length * 8).toBe(STATUS_LIST_SIZE);
      const own = await verifyCredential(list, { fetcher: appFetcher(ctx), clock: ctx.deps.clock });
      expect(own.verified).toBe(true);

      for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
        const again = await anonymous(ctx).request('GET', url.pathname, undefined, { 'if-none-match': inm });
        expect(again.status).toBe(304);
        expect(again.headers.get('etag')).toBe(etag);
        expect(await again.text()).toBe('');
      }
      const other = await anonymous(ctx).request('GET', url.pathname, undefined, { 'if-none-match': '"stale"' });
      expect(other.status).toBe(200);

      // Not re-signed while nothing changes, however much later it is asked for.
      ctx.setNow('2026-06-02T00:00:00Z');
      const later = await anonymous(ctx).request('GET', url.pathname);
      expect(later.headers.get('etag')).toBe(etag);

      expect((await change(id, 'revoke', { reason: 'Issued in error' })).status).toBe(200);
      const changed = await anonymous(ctx).request('GET', url.pathname, undefined, { 'if-none-match': etag });
      expect(changed.status).toBe(200);
      expect(changed.headers.get('etag')).not.toBe(etag);
      expect(((await changed.json()) as JsonObject)['validFrom']).toBe('2026-06-02T00:00:00Z');
      ctx.setNow('2026-06-01T12:00:00Z');
    });

    it('is re-signed with the new key after a rotation', async () => {
      const own = await issuerWithAchievement(ctx);
      const res = await own.caller.request('POST', `/api/v1/orgs/${own.orgId}/credentials`, {
        achievementId: own.achievementId,
        recipient: { did: 'did:example:rotation' },
      });
      const { document } = (await res.json()) as { document: JsonObject };
      const path = new URL(statusEntries(document)[0]!['statusListCredential'] as string).pathname;
      const before = (await (await anonymous(ctx).request('GET', path)).json()) as {
        proof: JsonObject;
        validFrom: string;
      };
      expect(before.proof['verificationMethod']).toMatch(/#key-1$/);
      ctx.setNow('2026-06-03T08:30:15.250Z');
      await ctx.db.transaction().execute(async (tx) => {
        await tx.updateTable('orgKeys').set({ expiresAt: ctx.deps.clock() }).where('orgId', '=', own.orgId).execute();
        await addOrgKey(tx, ctx.deps, own.orgId, ctx.deps.clock());
      });
      const after = (await (await anonymous(ctx).request('GET', path)).json()) as {
        proof: JsonObject;
        validFrom: string;
      };
      expect(after.proof['verificationMethod']).toMatch(/#key-2$/);
      // Signed later, but valid from the list's last change: a verifier's clock a moment behind still accepts it.
      expect(after.proof['created']).toBe('2026-06-03T08:30:15Z');
      expect(after.validFrom).toBe(before.validFrom);
      ctx.setNow('2026-06-01T12:00:00Z');
    });

    it('an unknown or malformed list id is 404', async () => {
      for (const path of [`/status/${crypto.randomUUID()}`, '/status/not-a-uuid', '/status/%27%20OR%201=1']) {
        await expectError(await anonymous(ctx).request('GET', path), 404, 'ERR_NOT_FOUND');
      }
    });
  });

  describe('index allocation', () => {
    it('property: indexes never repeat within a list and are always in range, whatever the random source', async () => {
      const org = await createOrg(ctx);
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 }),
          fc.oneof(fc.constant('zeros' as const), fc.integer()),
          async (counts, seed) => {
            await inRolledBack(ctx, async (tx) => {
              const random = randomFrom(seed);
              const seen = new Set<string>();
              for (const count of counts) {
                const got = await allocateStatusIndexes(tx, org.id, 'revocation', count, ctx.deps.clock(), random);
                expect(got).toHaveLength(count);
                for (const { listId, index } of got) {
                  expect(Number.isInteger(index) && index >= 0 && index < STATUS_LIST_SIZE).toBe(true);
                  const key = `${listId}#${index}`;
                  expect(seen.has(key)).toBe(false);
                  seen.add(key);
                }
              }
              const lists = await tx
                .selectFrom('statusLists')
                .select(['allocated', 'allocation'])
                .where('orgId', '=', org.id)
                .execute();
              expect(lists).toHaveLength(1);
              const marked = [...lists[0]!.allocation].reduce(
                (n, b) => n + b.toString(2).replaceAll('0', '').length,
                0,
              );
              expect(lists[0]!.allocated).toBe(seen.size);
              expect(marked).toBe(seen.size);
            });
          },
        ),
        { numRuns: 40 },
      );
    });

    it(`a list takes ${STATUS_LIST_CAPACITY} credentials, then a new list starts`, async () => {
      const org = await createOrg(ctx);
      await inRolledBack(ctx, async (tx) => {
        const now = ctx.deps.clock();
        const bulk = await allocateStatusIndexes(tx, org.id, 'suspension', STATUS_LIST_CAPACITY - 4, now);
        expect(new Set(bulk.map((b) => b.index)).size).toBe(STATUS_LIST_CAPACITY - 4);
        const next = await allocateStatusIndexes(tx, org.id, 'suspension', 10, now);
        const firstList = bulk[0]!.listId;
        expect(next.slice(0, 4).every((n) => n.listId === firstList)).toBe(true);
        expect(new Set(next.slice(4).map((n) => n.listId)).size).toBe(1);
        expect(next[4]!.listId).not.toBe(firstList);
        expect(new Set([...bulk, ...next.slice(0, 4)].map((b) => b.index)).size).toBe(STATUS_LIST_CAPACITY);
        const lists = await tx
          .selectFrom('statusLists')
          .select(['id', 'allocated', 'purpose'])
          .where('orgId', '=', org.id)
          .orderBy('allocated', 'desc')
          .execute();
        expect(lists.map((l) => [l.allocated, l.purpose])).toEqual([
          [STATUS_LIST_CAPACITY, 'suspension'],
          [6, 'suspension'],
        ]);
      });
    });

    it('concurrent issuers in one organisation never share an index', async () => {
      const org = await createOrg(ctx);
      // One list exists first, so that every transaction competes for it (rather than each making its own).
      const [seed] = await ctx.db
        .transaction()
        .execute((tx) => allocateStatusIndexes(tx, org.id, 'revocation', 1, ctx.deps.clock()));
      const batches = await Promise.all(
        Array.from({ length: 8 }, () =>
          ctx.db.transaction().execute((tx) => allocateStatusIndexes(tx, org.id, 'revocation', 50, ctx.deps.clock())),
        ),
      );
      const all = [seed!, ...batches.flat()];
      expect(new Set(all.map((b) => b.listId))).toEqual(new Set([seed!.listId]));
      expect(new Set(all.map((b) => b.index)).size).toBe(401);
      const lists = await ctx.db.selectFrom('statusLists').select('allocated').where('orgId', '=', org.id).execute();
      expect(lists).toEqual([{ allocated: 401 }]);
    });
  });
});
