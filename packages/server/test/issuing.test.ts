import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKeyResolver,
  matchesIdentity,
  validateCredential,
  verifyCredential,
  verifyCredentialJwt,
  type JsonObject,
} from '@skillproof/core';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { expectError } from './helpers/errors.js';
import {
  createOrg,
  createSampleAchievement,
  issuerWithAchievement,
  member,
  tokenFor,
  type Caller,
} from './helpers/fixtures.js';
import { appFetcher, referenceVerify } from './issuing-helpers.js';

interface Issued {
  credential: {
    id: string;
    url: string;
    state: string;
    recipient: { email?: string; did?: string };
    name: string | null;
    validFrom: string;
    validUntil: string | null;
    claimed: boolean;
    suspendable: boolean;
  };
  document: JsonObject;
  jwt: string;
}

describe.each(databaseTargets())('issuing credentials on $name', (target) => {
  let ctx: TestContext;
  let issuer: Caller;
  let orgId: string;
  let achievementId: string;

  beforeAll(async () => {
    ctx = await createTestContext(target);
    ({ caller: issuer, orgId, achievementId } = await issuerWithAchievement(ctx, { validityDays: 365 }));
  });
  afterAll(() => ctx?.close());

  const issue = (body: Record<string, unknown>, headers: Record<string, string> = {}, caller = issuer) =>
    caller.request('POST', `/api/v1/orgs/${orgId}/credentials`, { achievementId, ...body }, headers);

  async function issued(res: Response, status = 201): Promise<Issued> {
    const body = (await res.json()) as Issued;
    expect(res.status, JSON.stringify(body)).toBe(status);
    return body;
  }

  const checksOf = (r: { checks: { id: string; status: string; code?: string }[] }) =>
    Object.fromEntries(r.checks.map((c) => [c.id, c.code ? `${c.status} ${c.code}` : c.status]));

  it('issues to an email: a salted, hashed identity; verifies with its status checked, and as a JWT', async () => {
    const { credential, document, jwt } = await issued(
      await issue({ recipient: { email: 'Ada.Lovelace@Example.org' }, name: 'Ada Lovelace' }),
    );
    expect(credential).toMatchObject({
      state: 'active',
      recipient: { email: 'ada.lovelace@example.org' },
      name: 'Ada Lovelace',
      validFrom: '2026-06-01T12:00:00.000Z',
      validUntil: '2027-06-01T12:00:00.000Z',
      claimed: false,
    });
    expect(document['id']).toBe(`https://skillproof.test/credentials/${credential.id}`);
    // Kept exactly as signed: the properties in the builder's order, the proof last.
    expect(Object.keys(document).slice(0, 3)).toEqual(['@context', 'id', 'type']);
    expect(Object.keys(document).at(-1)).toBe('proof');
    expect(credential.url).toBe(document['id']);
    const subject = document['credentialSubject'] as { id?: string; identifier: JsonObject[] };
    expect(subject.id).toBeUndefined();
    const [email, name] = subject.identifier;
    expect(email).toMatchObject({ identityType: 'emailAddress', hashed: true });
    expect(JSON.stringify(document)).not.toContain('lovelace@');
    expect(matchesIdentity(email!, 'ada.lovelace@example.org')).toBe(true);
    expect(matchesIdentity(email!, 'someone@example.org')).toBe(false);
    expect(name).toEqual({ type: 'IdentityObject', identityType: 'name', hashed: false, identityHash: 'Ada Lovelace' });
    // By default one entry, as one object: Open Badges 3.0 lists credentialStatus as 0..1.
    expect(credential.suspendable).toBe(false);
    const status = document['credentialStatus'] as JsonObject;
    expect(status).toEqual({
      id: `${status['statusListCredential'] as string}#${status['statusListIndex'] as string}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: expect.stringMatching(/^(0|[1-9][0-9]*)$/),
      statusListCredential: expect.stringMatching(/^https:\/\/skillproof\.test\/status\/[0-9a-f-]{36}$/),
    });
    const row = await ctx.db
      .selectFrom('credentials')
      .select(['suspensionListId', 'suspensionIndex'])
      .where('id', '=', credential.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ suspensionListId: null, suspensionIndex: null });
    expect(validateCredential(document)).toMatchObject({ valid: true, kind: 'OpenBadgeCredential' });

    const fetcher = appFetcher(ctx);
    const report = await verifyCredential(document, { fetcher, clock: ctx.deps.clock });
    expect(checksOf(report)).toEqual({
      format: 'passed',
      schema: 'passed',
      proof: 'passed',
      issuer: 'passed',
      validity: 'passed',
      status: 'passed',
    });
    expect(report.verified).toBe(true);
    // Conformant as issued, in both forms: no departures from Open Badges 3.0 (they would be detail.warnings).
    const fromJwtText = await verifyCredential(jwt, { fetcher, clock: ctx.deps.clock });
    expect(fromJwtText).toMatchObject({ verified: true, format: 'jwt' });
    for (const r of [report, fromJwtText]) {
      expect(r.checks.find((c) => c.id === 'schema')).toEqual({
        id: 'schema',
        status: 'passed',
        message: 'A well-formed OpenBadgeCredential (VC 2.0).',
      });
    }

    const fromJwt = await verifyCredentialJwt(jwt, { resolver: createKeyResolver({ fetcher }), clock: ctx.deps.clock });
    expect(fromJwt.checks.map((c) => `${c.id} ${c.status}`)).toEqual([
      'format passed',
      'proof passed',
      'issuer passed',
    ]);
    expect(fromJwt.form).toBe('ob-vc-jwt');
    const { proof, ...unsigned } = document;
    expect(proof).toBeDefined();
    expect(fromJwt.credential).toEqual(unsigned);
  });

  it('issues to a DID (the subject id, no claim mail); @digitalbazaar/vc verifies it, status read independently', async () => {
    const did = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
    const before = await ctx.db.selectFrom('outbox').select('id').execute();
    const { credential, document, jwt } = await issued(
      await issue({ recipient: { did }, validUntil: '2026-12-31T00:00:00+01:00' }),
    );
    expect(credential.recipient).toEqual({ did });
    expect(credential.validUntil).toBe('2026-12-30T23:00:00.000Z');
    expect(document['credentialSubject']).toMatchObject({ id: did });
    expect((document['credentialSubject'] as JsonObject)['identifier']).toBeUndefined();
    expect(await ctx.db.selectFrom('outbox').select('id').execute()).toHaveLength(before.length);
    expect(JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString())).toMatchObject({ sub: did });
    expect(await referenceVerify(ctx, document)).toEqual({ verified: true });
    const tampered = structuredClone(document);
    (tampered['credentialSubject'] as JsonObject)['id'] = 'did:example:someone-else';
    expect(await referenceVerify(ctx, tampered)).toEqual({ verified: false });
  });

  it("names the issuer's parent organisation in the issuer Profile, and still verifies", async () => {
    const child = await createOrg(ctx);
    await ctx.db.updateTable('organizations').set({ parentOrgId: orgId }).where('id', '=', child.id).execute();
    const { caller } = await member(ctx, 'issuer', child.id);
    const { achievementId: childAchievement } = await createSampleAchievement(ctx, child.id);
    const { document } = await issued(
      await caller.request('POST', `/api/v1/orgs/${child.id}/credentials`, {
        achievementId: childAchievement,
        recipient: { email: 'child@example.org' },
      }),
    );
    const parent = await ctx.db
      .selectFrom('organizations')
      .select('slug')
      .where('id', '=', orgId)
      .executeTakeFirstOrThrow();
    expect(document['issuer']).toMatchObject({
      id: `did:web:skillproof.test:orgs:${child.slug}`,
      parentOrg: { id: `did:web:skillproof.test:orgs:${parent.slug}`, type: ['Profile'] },
    });
    const result = await verifyCredential(document, { fetcher: appFetcher(ctx), clock: ctx.deps.clock });
    expect(result.verified).toBe(true);
  });

  it('with suspendableCredentials on: a revocation and a suspension entry, reported as an OB 3.0 departure', async () => {
    const admin = await member(ctx, 'admin');
    const patched = await admin.caller.request('PATCH', `/api/v1/orgs/${admin.orgId}`, {
      suspendableCredentials: true,
    });
    expect(patched.status).toBe(200);
    const own = await createSampleAchievement(ctx, admin.orgId);
    const { credential, document } = await issued(
      await admin.caller.request('POST', `/api/v1/orgs/${admin.orgId}/credentials`, {
        achievementId: own.achievementId,
        recipient: { did: 'did:example:suspendable' },
      }),
    );
    expect(credential.suspendable).toBe(true);
    const status = document['credentialStatus'] as JsonObject[];
    expect(status.map((s) => s['statusPurpose'])).toEqual(['revocation', 'suspension']);
    for (const s of status) {
      expect(s['statusListCredential']).toMatch(/^https:\/\/skillproof\.test\/status\/[0-9a-f-]{36}$/);
      expect(s['id']).toBe(`${s['statusListCredential'] as string}#${s['statusListIndex'] as string}`);
    }
    expect(new Set(status.map((s) => s['statusListCredential'])).size).toBe(2);
    // Where the one entry would be: right after the subject, not moved to the end.
    expect(Object.keys(document).indexOf('credentialStatus')).toBe(
      Object.keys(document).indexOf('credentialSubject') + 1,
    );

    const report = await verifyCredential(document, { fetcher: appFetcher(ctx), clock: ctx.deps.clock });
    expect(checksOf(report)).toMatchObject({ schema: 'passed', proof: 'passed', status: 'passed' });
    expect(report.verified).toBe(true);
    expect(report.checks.find((c) => c.id === 'schema')!.detail).toEqual({
      warnings: [{ path: '$.credentialStatus', code: 'invalid_type', message: expect.any(String) }],
    });
    expect(await referenceVerify(ctx, document)).toEqual({ verified: true });
  });

  it('writes the credential, its claim mail and its audit entry in one transaction', async () => {
    const { credential } = await issued(await issue({ recipient: { email: 'grace@example.org' } }));
    const row = await ctx.db
      .selectFrom('credentials')
      .selectAll()
      .where('id', '=', credential.id)
      .executeTakeFirstOrThrow();
    expect(row.claimTokenHash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const mails = await ctx.db.selectFrom('outbox').selectAll().where('toAddress', '=', 'grace@example.org').execute();
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toMatch(/https:\/\/skillproof\.test\/claim\/sp_claim_[A-Za-z0-9_-]{43}/);
    expect(mails[0]!.text).not.toContain(row.claimTokenHash!);
    const audit = await ctx.db.selectFrom('auditLog').selectAll().where('targetId', '=', credential.id).execute();
    expect(audit.map((a) => a.action)).toEqual(['credential.issue']);
    expect(audit[0]!.orgId).toBe(orgId);
  });

  it('notify: false queues no mail', async () => {
    await issued(await issue({ recipient: { email: 'quiet@example.org' }, notify: false }));
    expect(
      await ctx.db.selectFrom('outbox').select('id').where('toAddress', '=', 'quiet@example.org').execute(),
    ).toEqual([]);
  });

  describe('Idempotency-Key', () => {
    it('a replay answers 200 with the same credential; another body with the key is 422', async () => {
      const headers = { 'idempotency-key': 'order-4711' };
      const first = await issued(await issue({ recipient: { email: 'Replay@Example.org' } }, headers));
      // The same request, written differently (case of the address, key order), is a replay.
      const again = await issued(
        await issuer.request(
          'POST',
          `/api/v1/orgs/${orgId}/credentials`,
          { notify: true, recipient: { email: 'replay@example.org' }, achievementId },
          headers,
        ),
        200,
      );
      expect(again).toEqual(first);
      const other = await issue({ recipient: { email: 'someone-else@example.org' } }, headers);
      await expectError(other, 422, 'ERR_IDEMPOTENCY_MISMATCH');
      expect(
        await ctx.db.selectFrom('credentials').select('id').where('idempotencyKey', '=', 'order-4711').execute(),
      ).toHaveLength(1);
    });

    it('20 concurrent requests with one key issue exactly one credential, and all answer with it', async () => {
      const headers = { 'idempotency-key': `burst-${target.name}` };
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => issue({ recipient: { email: 'burst@example.org' } }, headers)),
      );
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses).toEqual([
        200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 201,
      ]);
      const ids = new Set(await Promise.all(responses.map(async (r) => ((await r.json()) as Issued).credential.id)));
      expect(ids.size).toBe(1);
      const rows = await ctx.db
        .selectFrom('credentials')
        .select('id')
        .where('recipientEmail', '=', 'burst@example.org')
        .execute();
      expect(rows).toHaveLength(1);
      expect(
        await ctx.db.selectFrom('outbox').select('id').where('toAddress', '=', 'burst@example.org').execute(),
      ).toHaveLength(1);
    });

    it('the key is per organisation', async () => {
      const other = await issuerWithAchievement(ctx);
      const headers = { 'idempotency-key': 'shared-key' };
      await issued(await issue({ recipient: { email: 'a@example.org' } }, headers));
      const res = await other.caller.request(
        'POST',
        `/api/v1/orgs/${other.orgId}/credentials`,
        { achievementId: other.achievementId, recipient: { email: 'b@example.org' } },
        headers,
      );
      expect(res.status).toBe(201);
    });
  });

  describe('refusals', () => {
    const cases: [string, Record<string, unknown>, Record<string, string>, string][] = [
      ['no recipient', {}, {}, 'recipient'],
      ['both email and did', { recipient: { email: 'a@example.org', did: 'did:example:1' } }, {}, 'exactly one'],
      ['neither email nor did', { recipient: {} }, {}, 'exactly one'],
      ['a malformed email', { recipient: { email: 'not-an-email' } }, {}, 'recipient.email'],
      ['a malformed DID', { recipient: { did: 'did:Bad Method:x' } }, {}, 'recipient.did'],
      ['a DID with a fragment', { recipient: { did: 'did:example:1#key' } }, {}, 'recipient.did'],
      ['an unknown property', { recipient: { email: 'a@example.org' }, extra: 1 }, {}, ''],
      ['an empty name', { recipient: { email: 'a@example.org' }, name: '   ' }, {}, 'name'],
      ['a long name', { recipient: { email: 'a@example.org' }, name: 'x'.repeat(201) }, {}, 'name'],
      ['a date without time', { recipient: { email: 'a@example.org' }, validFrom: '2026-01-01' }, {}, 'validFrom'],
      [
        'validUntil before validFrom',
        {
          recipient: { email: 'a@example.org' },
          validFrom: '2026-07-01T00:00:00Z',
          validUntil: '2026-06-30T00:00:00Z',
        },
        {},
        'validUntil',
      ],
      ['a non-boolean notify', { recipient: { email: 'a@example.org' }, notify: 'yes' }, {}, 'notify'],
      [
        'an empty Idempotency-Key',
        { recipient: { email: 'a@example.org' } },
        { 'idempotency-key': '' },
        'idempotency-key',
      ],
      ['a key with spaces', { recipient: { email: 'a@example.org' } }, { 'idempotency-key': 'a b' }, 'idempotency-key'],
      [
        'a 256-character key',
        { recipient: { email: 'a@example.org' } },
        { 'idempotency-key': 'k'.repeat(256) },
        'idempotency-key',
      ],
    ];
    it.each(cases)('%s: 400 ERR_VALIDATION, nothing written', async (_name, body, headers, inMessage) => {
      const before = await ctx.db.selectFrom('credentials').select('id').execute();
      const res = await issue(body, headers);
      const json = (await res.json()) as { error: { code: string; message: string } };
      expect(res.status).toBe(400);
      expect(json.error.code).toBe('ERR_VALIDATION');
      expect(json.error.message).toContain(inMessage);
      expect(await ctx.db.selectFrom('credentials').select('id').execute()).toHaveLength(before.length);
    });

    it('an achievement id that is not a uuid is 400; another organisation’s achievement is 404', async () => {
      const bad = await issue({ achievementId: 'nope', recipient: { email: 'a@example.org' } });
      expect(bad.status).toBe(400);
      const other = await member(ctx, 'owner');
      const foreign = await createSampleAchievement(ctx, other.orgId);
      const res = await issue({ achievementId: foreign.achievementId, recipient: { email: 'a@example.org' } });
      await expectError(res, 404, 'ERR_NOT_FOUND');
    });

    it('an archived achievement is 409 ERR_STATE', async () => {
      const archived = await createSampleAchievement(ctx, orgId);
      await ctx.db
        .updateTable('achievements')
        .set({ archivedAt: ctx.deps.clock() })
        .where('id', '=', archived.achievementId)
        .execute();
      const res = await issue({ achievementId: archived.achievementId, recipient: { email: 'a@example.org' } });
      await expectError(res, 409, 'ERR_STATE');
    });

    it('a viewer may read but not issue; a token needs credentials:issue', async () => {
      const viewer = await member(ctx, 'viewer', orgId);
      const res = await issue({ recipient: { email: 'a@example.org' } }, {}, viewer.caller);
      expect(res.status).toBe(403);
      expect((await viewer.caller.request('GET', `/api/v1/orgs/${orgId}/credentials`)).status).toBe(200);
      const tokenUser = await member(ctx, 'issuer', orgId);
      const readOnly = await tokenFor(ctx, tokenUser.user.id, ['credentials:read']);
      expect((await issue({ recipient: { email: 'a@example.org' } }, {}, readOnly)).status).toBe(403);
      const issuing = await tokenFor(ctx, tokenUser.user.id, ['credentials:issue']);
      expect((await issue({ recipient: { email: 'token@example.org' } }, {}, issuing)).status).toBe(201);
    });
  });

  describe('reading', () => {
    it('lists newest first with filters and a cursor; gets one; another organisation sees 404', async () => {
      const own = await member(ctx, 'issuer');
      const a = await createSampleAchievement(ctx, own.orgId);
      const b = await createSampleAchievement(ctx, own.orgId);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ctx.setNow(new Date(Date.UTC(2026, 5, 2, 0, 0, i)));
        const res = await own.caller.request('POST', `/api/v1/orgs/${own.orgId}/credentials`, {
          achievementId: i < 3 ? a.achievementId : b.achievementId,
          recipient: { did: `did:example:${i}` },
        });
        ids.push((await issued(res)).credential.id);
      }
      ctx.setNow('2026-06-01T12:00:00Z');
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await own.caller.request(
          'GET',
          `/api/v1/orgs/${own.orgId}/credentials?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        const page = (await res.json()) as { credentials: { id: string }[]; nextCursor: string | null };
        expect(page.credentials.length).toBeLessThanOrEqual(2);
        seen.push(...page.credentials.map((c) => c.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());
      const filtered = (await (
        await own.caller.request('GET', `/api/v1/orgs/${own.orgId}/credentials?achievementId=${b.achievementId}`)
      ).json()) as { credentials: { id: string }[] };
      expect(filtered.credentials.map((c) => c.id)).toEqual([ids[4], ids[3]]);
      const active = (await (
        await own.caller.request('GET', `/api/v1/orgs/${own.orgId}/credentials?state=revoked`)
      ).json()) as { credentials: unknown[] };
      expect(active.credentials).toEqual([]);
      const one = await own.caller.request('GET', `/api/v1/orgs/${own.orgId}/credentials/${ids[0]}`);
      expect((await issued(one, 200)).credential.id).toBe(ids[0]);
      for (const path of [`/api/v1/orgs/${orgId}/credentials/${ids[0]}`, `/api/v1/orgs/${orgId}/credentials/nope`]) {
        const res = await issuer.request('GET', path);
        await expectError(res, 404, 'ERR_NOT_FOUND');
      }
      const badCursor = await own.caller.request('GET', `/api/v1/orgs/${own.orgId}/credentials?cursor=garbage`);
      await expectError(badCursor, 400, 'ERR_VALIDATION');
      const badState = await own.caller.request('GET', `/api/v1/orgs/${own.orgId}/credentials?state=lost`);
      expect(badState.status).toBe(400);
    });
  });
});
