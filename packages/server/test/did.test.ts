import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildAchievementCredential,
  checkTerms,
  createDocumentLoader,
  createKeyResolver,
  signCredential,
  verifyCredential,
  type Ed25519Key,
  type Fetcher,
  type JsonObject,
} from '@skillproof/core';
import { createKeyStore, type KeyStore } from '../src/index.js';
import type { Organization } from '../src/db/schema.js';
import { orgDid } from '../src/domains/orgs/identity.js';
import { issuerProfile, signingKeyFor } from '../src/domains/orgs/service.js';
import { rotateOrgKey } from '../src/domains/orgs/signing-keys.js';
import { AchievementDefinition, achievementInput } from '../src/domains/achievements/definition.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import {
  anonymous,
  createOrg,
  createUser,
  member,
  SAMPLE_ACHIEVEMENT,
  sessionFor,
  type Caller,
} from './helpers/fixtures.js';

/** Routes https://skillproof.test/… to the app, as a verifier on the network would reach it. */
function appFetcher(ctx: TestContext): Fetcher {
  return async (url, init) => {
    const u = new URL(url);
    if (u.origin !== ctx.deps.publicUrl) throw Object.assign(new Error(`offline: ${url}`), { status: undefined });
    const res = await ctx.app.request(u.pathname + u.search, { headers: { accept: init.accept } });
    if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { status: res.status });
    return { body: await res.text(), contentType: res.headers.get('content-type') ?? '' };
  };
}

describe.each(databaseTargets())('organisation identity and signing keys on $name', (target) => {
  let ctx: TestContext;
  let fetcher: Fetcher;
  beforeAll(async () => {
    ctx = await createTestContext(target);
    fetcher = appFetcher(ctx);
  });
  afterAll(() => ctx.close());

  async function ownerOrg(): Promise<{ org: Organization; owner: Caller }> {
    const user = await createUser(ctx);
    const org = await createOrg(ctx, user.id);
    return { org, owner: await sessionFor(ctx, user.id) };
  }

  async function sign(org: Organization, key: Ed25519Key, at: string): Promise<JsonObject> {
    const credential = buildAchievementCredential({
      id: `urn:uuid:${randomUUID()}`,
      issuer: issuerProfile(ctx.deps.publicUrl, org),
      validFrom: at,
      name: 'Data Analysis with SQL',
      subject: { id: 'did:example:learner' },
      achievement: achievementInput(
        ctx.deps.publicUrl,
        randomUUID(),
        1,
        AchievementDefinition.parse(SAMPLE_ACHIEVEMENT),
      ),
    });
    return signCredential(credential as unknown as JsonObject, { key, created: at });
  }

  /** Verifies as a fresh verifier would (no cached DID document), at `at`. */
  async function verify(credential: JsonObject, at: string) {
    const result = await verifyCredential(credential, {
      fetcher,
      resolver: createKeyResolver({ fetcher }),
      clock: () => new Date(at),
    });
    return { verified: result.verified, proof: result.checks.find((c) => c.id === 'proof')! };
  }

  async function didDocumentOf(org: Organization): Promise<JsonObject> {
    const res = await ctx.app.request(`/orgs/${org.slug}/did.json`);
    expect(res.status).toBe(200);
    return (await res.json()) as JsonObject;
  }

  it('serves a DID document with the key as a Multikey under assertionMethod, and no secret', async () => {
    ctx.setNow('2026-06-01T12:00:00.250Z');
    const { org } = await ownerOrg();
    const did = orgDid(ctx.deps.publicUrl, org.slug);
    expect(did).toBe(`did:web:skillproof.test:orgs:${org.slug}`);
    const { key } = await signingKeyFor(ctx.db, ctx.deps, org.id);

    const res = await ctx.app.request(`/orgs/${org.slug}/did.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/did\+json/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const text = await res.text();
    expect(text).not.toMatch(/secret/i);
    const doc = JSON.parse(text) as JsonObject;
    expect(doc).toEqual({
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1', expect.any(Object)],
      id: did,
      verificationMethod: [
        {
          id: `${did}#key-1`,
          type: 'Multikey',
          controller: did,
          publicKeyMultibase: key.publicKeyMultibase,
          // Published to the second, as proofs' `created` are.
          created: '2026-06-01T12:00:00Z',
        },
      ],
      assertionMethod: [`${did}#key-1`],
      // The instance's transparency log, which records what the organisation issues (core's ledger check reads it).
      service: [
        {
          id: `${did}#transparency-log`,
          type: 'TransparencyLog',
          serviceEndpoint: 'https://skillproof.test/log',
          origin: 'skillproof.test/log',
          verifierKey: (await (await ctx.app.request('/log/vkey')).text()).trim(),
        },
      ],
    });
    expect(key.id).toBe(`${did}#key-1`);
    // Valid JSON-LD: every term defined, as a safe-mode processor requires.
    await checkTerms(doc, createDocumentLoader());

    const etag = res.headers.get('etag')!;
    const again = await ctx.app.request(`/orgs/${org.slug}/did.json`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('answers 404 for an unknown or malformed slug', async () => {
    for (const slug of ['no-such-org', 'UPPER', '-x', 'a'.repeat(65)]) {
      const res = await ctx.app.request(`/orgs/${slug}/did.json`);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
    }
  });

  it("core's key resolver finds the organisation's key through did:web", async () => {
    const { org } = await ownerOrg();
    const { key } = await signingKeyFor(ctx.db, ctx.deps, org.id);
    const resolved = await createKeyResolver({ fetcher }).resolve(key.id);
    expect(resolved).toMatchObject({
      id: key.id,
      controller: orgDid(ctx.deps.publicUrl, org.slug),
      confirmed: true,
      purposes: ['assertionMethod'],
    });
    expect(resolved.ed25519?.publicKeyMultibase).toBe(key.publicKeyMultibase);
  });

  it('after rotation, what the old key signed still verifies; the old key signs nothing new', async () => {
    ctx.setNow('2026-06-02T09:00:00Z');
    const { org, owner } = await ownerOrg();
    const { key: key1 } = await signingKeyFor(ctx.db, ctx.deps, org.id);
    const before = await sign(org, key1, '2026-06-02T09:00:05Z');
    expect(await verify(before, '2026-06-02T09:00:10Z')).toMatchObject({ verified: true });

    ctx.setNow('2026-06-02T10:00:00.500Z');
    const res = await owner.request('POST', `/api/v1/orgs/${org.id}/keys/rotate`);
    expect(res.status).toBe(201);
    const body = (await res.json()) as { key: { fragment: string; status: string }; retired: string };
    expect(body).toMatchObject({ key: { fragment: 'key-2', status: 'active' }, retired: 'key-1' });

    const doc = await didDocumentOf(org);
    const did = orgDid(ctx.deps.publicUrl, org.slug);
    expect(doc['verificationMethod']).toEqual([
      expect.objectContaining({ id: `${did}#key-1`, expires: '2026-06-02T10:00:00Z' }),
      expect.objectContaining({ id: `${did}#key-2`, created: '2026-06-02T10:00:00Z' }),
    ]);
    expect((doc['verificationMethod'] as JsonObject[])[1]).not.toHaveProperty('expires');
    expect(doc['assertionMethod']).toEqual([`${did}#key-1`, `${did}#key-2`]);

    ctx.setNow('2026-06-03T00:00:00Z');
    expect(await verify(before, '2026-06-03T00:00:00Z')).toMatchObject({ verified: true });

    // Signing now uses key-2, and a proof made in the very second of the rotation verifies.
    const { key: key2 } = await signingKeyFor(ctx.db, ctx.deps, org.id);
    expect(key2.id).toBe(`${did}#key-2`);
    const after = await sign(org, key2, '2026-06-02T10:00:00Z');
    expect(await verify(after, '2026-06-03T00:00:00Z')).toMatchObject({ verified: true });

    // Whoever holds the retired key cannot make new credentials with it.
    const late = await sign(org, key1, '2026-06-02T11:00:00Z');
    const { verified, proof } = await verify(late, '2026-06-03T00:00:00Z');
    expect(verified).toBe(false);
    expect(proof).toMatchObject({ status: 'failed', code: 'ERR_KEY_EXPIRED' });
  });

  it('after revocation, what the key signed from the compromise on fails with ERR_KEY_REVOKED, and a new key is active', async () => {
    ctx.setNow('2026-07-01T08:00:00Z');
    const { org, owner } = await ownerOrg();
    const did = orgDid(ctx.deps.publicUrl, org.slug);
    const { key: key1 } = await signingKeyFor(ctx.db, ctx.deps, org.id);
    const early = await sign(org, key1, '2026-07-01T08:30:00Z');
    const signedAfterCompromise = await sign(org, key1, '2026-07-01T09:30:00Z');
    expect(await verify(signedAfterCompromise, '2026-07-01T10:00:00Z')).toMatchObject({ verified: true });

    ctx.setNow('2026-07-01T12:00:00Z');
    const res = await owner.request('POST', `/api/v1/orgs/${org.id}/keys/key-1/revoke`, {
      reason: 'A backup of the database went missing.',
      compromisedAt: '2026-07-01T09:00:00Z',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      key: {
        id: `${did}#key-1`,
        status: 'revoked',
        revokedAt: '2026-07-01T09:00:00.000Z',
        expiresAt: '2026-07-01T12:00:00.000Z',
        revokedReason: 'A backup of the database went missing.',
      },
      activeKey: { id: `${did}#key-2`, status: 'active' },
    });
    const doc = await didDocumentOf(org);
    expect((doc['verificationMethod'] as JsonObject[])[0]).toMatchObject({
      revoked: '2026-07-01T09:00:00Z',
      expires: '2026-07-01T12:00:00Z',
    });
    // Still listed, so that a verifier reports the revocation rather than an unknown key.
    expect(doc['assertionMethod']).toContain(`${did}#key-1`);

    const at = '2026-07-02T00:00:00Z';
    const { verified, proof } = await verify(signedAfterCompromise, at);
    expect(verified).toBe(false);
    expect(proof).toMatchObject({ status: 'failed', code: 'ERR_KEY_REVOKED' });
    // A forgery with the stolen key, made after the revocation, fails the same way.
    const forged = await sign(org, key1, '2026-07-01T13:00:00Z');
    expect((await verify(forged, at)).proof).toMatchObject({ status: 'failed', code: 'ERR_KEY_REVOKED' });
    // Signed before the compromise: still good.
    expect(await verify(early, at)).toMatchObject({ verified: true });

    const { key: key2 } = await signingKeyFor(ctx.db, ctx.deps, org.id);
    expect(key2.id).toBe(`${did}#key-2`);
    expect(await verify(await sign(org, key2, '2026-07-01T12:30:00Z'), at)).toMatchObject({ verified: true });
  });

  it('revoking a retired key keeps the active one; bad revocations are coded errors that change nothing', async () => {
    ctx.setNow('2026-08-01T08:00:00Z');
    const { org, owner } = await ownerOrg();
    ctx.setNow('2026-08-01T09:00:00Z');
    expect((await owner.request('POST', `/api/v1/orgs/${org.id}/keys/rotate`)).status).toBe(201);
    ctx.setNow('2026-08-01T10:00:00Z');

    const revoke = (fragment: string, body: unknown) =>
      owner.request('POST', `/api/v1/orgs/${org.id}/keys/${fragment}/revoke`, body);
    const cases: [string, unknown, number, string][] = [
      ['key-1', {}, 400, 'ERR_VALIDATION'],
      ['key-1', { reason: '' }, 400, 'ERR_VALIDATION'],
      ['key-1', { reason: 'x', compromisedAt: 'yesterday' }, 400, 'ERR_VALIDATION'],
      ['key-1', { reason: 'x', compromisedAt: '2026-08-02T00:00:00Z' }, 400, 'ERR_VALIDATION'],
      ['key-1', { reason: 'x', compromisedAt: '2026-07-01T00:00:00Z' }, 400, 'ERR_VALIDATION'],
      ['key-1', { reason: 'x', extra: 1 }, 400, 'ERR_VALIDATION'],
      ['key-9', { reason: 'x' }, 404, 'ERR_NOT_FOUND'],
    ];
    for (const [fragment, body, status, code] of cases) {
      const res = await revoke(fragment, body);
      expect({ fragment, body, status: res.status }).toEqual({ fragment, body, status });
      expect(await res.json()).toMatchObject({ error: { code } });
    }
    const future = await revoke('key-1', { reason: 'x', compromisedAt: '2026-08-02T00:00:00Z' });
    expect(((await future.json()) as { error: { message: string } }).error.message).toMatch(/^compromisedAt: /);

    const res = await revoke('key-1', { reason: 'Found in a public repository.' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      key: { fragment: 'key-1', status: 'revoked', expiresAt: '2026-08-01T09:00:00.000Z' },
      activeKey: { fragment: 'key-2', status: 'active' },
    });
    const again = await revoke('key-1', { reason: 'twice' });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { code: 'ERR_STATE' } });

    const keys = await owner.request('GET', `/api/v1/orgs/${org.id}/keys`);
    const listed = (await keys.json()) as { keys: { fragment: string; status: string }[] };
    expect(listed.keys.map((k) => [k.fragment, k.status])).toEqual([
      ['key-1', 'revoked'],
      ['key-2', 'active'],
    ]);
    const actions = await ctx.db
      .selectFrom('auditLog')
      .select(['action', 'targetId'])
      .where('orgId', '=', org.id)
      .orderBy('id')
      .execute();
    expect(actions).toEqual([
      { action: 'org.key.rotate', targetId: 'key-2' },
      { action: 'org.key.revoke', targetId: 'key-1' },
    ]);
  });

  it('lists public halves only; only owners rotate or revoke; other tenants see 404', async () => {
    const { org } = await ownerOrg();
    const text = await (
      await (await member(ctx, 'viewer', org.id)).caller.request('GET', `/api/v1/orgs/${org.id}/keys`)
    ).text();
    expect(JSON.parse(text)).toMatchObject({ keys: [{ fragment: 'key-1', type: 'Multikey', status: 'active' }] });
    expect(text).not.toMatch(/secret|ciphertext/i);

    for (const role of ['issuer', 'admin'] as const) {
      const { caller } = await member(ctx, role, org.id);
      const res = await caller.request('POST', `/api/v1/orgs/${org.id}/keys/rotate`);
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: 'ERR_FORBIDDEN' } });
    }
    const stranger = await ownerOrg();
    for (const [method, path, body] of [
      ['GET', `/api/v1/orgs/${org.id}/keys`],
      ['POST', `/api/v1/orgs/${org.id}/keys/rotate`],
      ['POST', `/api/v1/orgs/${org.id}/keys/key-1/revoke`, { reason: 'x' }],
    ] as const) {
      const res = await stranger.owner.request(method, path, body);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
    }
    expect(await anonymous(ctx).request('POST', `/api/v1/orgs/${org.id}/keys/rotate`)).toHaveProperty('status', 401);
    const keys = await ctx.db.selectFrom('orgKeys').select('fragment').where('orgId', '=', org.id).execute();
    expect(keys).toEqual([{ fragment: 'key-1' }]);
  });

  it('concurrent rotations make consecutive keys and leave exactly one active', async () => {
    const { org, owner } = await ownerOrg();
    const results = await Promise.all([1, 2, 3].map(() => owner.request('POST', `/api/v1/orgs/${org.id}/keys/rotate`)));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201]);
    const rows = await ctx.db
      .selectFrom('orgKeys')
      .select(['fragment', 'expiresAt'])
      .where('orgId', '=', org.id)
      .execute();
    expect(rows.map((r) => r.fragment).sort()).toEqual(['key-1', 'key-2', 'key-3', 'key-4']);
    expect(rows.filter((r) => r.expiresAt === null)).toHaveLength(1);
  });

  it('keeps opened keys in memory, keyed by key row, and signs with the new key right after a rotation', async () => {
    const { org } = await ownerOrg();
    let opens = 0;
    const counting: KeyStore = {
      seal: (secret, ad) => ctx.deps.keys.seal(secret, ad),
      open: (sealed, ad) => {
        opens++;
        return ctx.deps.keys.open(sealed, ad);
      },
    };
    const deps = { keys: counting, publicUrl: ctx.deps.publicUrl };
    const first = await signingKeyFor(ctx.db, deps, org.id);
    const second = await signingKeyFor(ctx.db, deps, org.id);
    expect(second.key).toBe(first.key);
    expect(opens).toBe(1);

    await ctx.db.transaction().execute((tx) => rotateOrgKey(tx, deps, org.id, ctx.deps.clock()));
    const rotated = await signingKeyFor(ctx.db, deps, org.id);
    expect(rotated.key.id).toMatch(/#key-2$/);
    expect(opens).toBe(2);
  });

  it('a sealed key opens only under the right master key, and only in its own row', async () => {
    const a = await createOrg(ctx);
    const b = await createOrg(ctx);
    const otherMaster = { keys: createKeyStore(randomBytes(32)), publicUrl: ctx.deps.publicUrl };
    await expect(signingKeyFor(ctx.db, otherMaster, a.id)).rejects.toMatchObject({ code: 'ERR_INTERNAL' });

    const keyOf = (orgId: string) =>
      ctx.db.selectFrom('orgKeys').selectAll().where('orgId', '=', orgId).executeTakeFirstOrThrow();
    const [rowA, rowB] = await Promise.all([keyOf(a.id), keyOf(b.id)]);
    // The secret is sealed, not stored: its 32 bytes plus version, nonce and tag.
    expect(rowA.secretCiphertext.length).toBe(1 + 12 + 32 + 16);
    // B's row, given A's sealed secret (say by someone with write access to the database), does not open.
    await ctx.db
      .updateTable('orgKeys')
      .set({ secretCiphertext: rowA.secretCiphertext })
      .where('id', '=', rowB.id)
      .execute();
    await expect(signingKeyFor(ctx.db, ctx.deps, b.id)).rejects.toMatchObject({
      code: 'ERR_INTERNAL',
      message: expect.stringMatching(/does not open/),
    });
    // A row whose published public key was changed does not sign: the opened secret would not match what verifiers see.
    const c = await createOrg(ctx);
    await ctx.db
      .updateTable('orgKeys')
      .set({ publicKeyMultibase: rowA.publicKeyMultibase })
      .where('orgId', '=', c.id)
      .execute();
    await expect(signingKeyFor(ctx.db, ctx.deps, c.id)).rejects.toMatchObject({
      code: 'ERR_INTERNAL',
      message: expect.stringMatching(/does not match its published public key/),
    });
    // A's own row still opens, and its key is the one published.
    const { key } = await signingKeyFor(ctx.db, ctx.deps, a.id);
    expect(key.publicKeyMultibase).toBe(rowA.publicKeyMultibase);
    // Nothing about the failure reached the logs with key material in it.
    expect(ctx.logLines.join('\n')).not.toContain(Buffer.from(rowA.secretCiphertext).toString('hex'));
  });

  it('an organisation without an active key cannot sign (ERR_STATE)', async () => {
    const org = await createOrg(ctx);
    await ctx.db.updateTable('orgKeys').set({ expiresAt: ctx.deps.clock() }).where('orgId', '=', org.id).execute();
    await expect(signingKeyFor(ctx.db, ctx.deps, org.id)).rejects.toMatchObject({ code: 'ERR_STATE' });
  });
});
