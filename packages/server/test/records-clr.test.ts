import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'kysely';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {
  buildAchievementCredential,
  createIdentityObject,
  generateEd25519Key,
  matchesIdentity,
  signCredential,
  verifyCredential,
  type Fetcher,
  type JsonObject,
} from '@skillproof/core';
import type * as engine from '../src/domains/awards/engine.js';
import { evaluateAwards } from '../src/domains/awards/engine.js';
import { issueCredentials } from '../src/domains/issuing/issue.js';
import { changeCredentialState } from '../src/domains/issuing/credentials.js';
import { didDocument } from '../src/domains/orgs/identity.js';
import { instanceSigningKey } from '../src/domains/records/instance-identity.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { expectError } from './helpers/errors.js';
import {
  createOrg,
  createSampleAchievement,
  createUser,
  sessionFor,
  tokenFor,
  type Caller,
} from './helpers/fixtures.js';
import { appFetcher, referenceLoader } from './issuing-helpers.js';

// The engine runs as it is; the tests see what it was asked.
vi.mock('../src/domains/awards/engine.js', async (importOriginal) => {
  const original = await importOriginal<typeof engine>();
  return { ...original, evaluateAwards: vi.fn(original.evaluateAwards) };
});

interface HeldJson {
  id: string;
  issuerId: string;
  achievementUri: string | null;
  validUntil: string | null;
  document: JsonObject | null;
  jwt: string | null;
}

async function json<T>(res: Response, status = 200): Promise<T> {
  const body = (await res.json()) as T;
  expect(res.status, JSON.stringify(body)).toBe(status);
  return body;
}

const FOREIGN = 'did:web:other.example';

describe.each(databaseTargets())('held credentials and the CLR on $name', (target) => {
  let ctx: TestContext;
  /** What the foreign fetcher was asked for. */
  const foreignHits: string[] = [];
  let foreignDidDocument: JsonObject | undefined;

  beforeAll(async () => {
    ctx = await createTestContext(target);
    // This instance's own documents are answered in-process; anything else goes through deps.fetcher: here the test
    // origin (through the app, as a verifier on the network sees it) and one foreign did:web issuer.
    const own = appFetcher(ctx);
    const fetcher: Fetcher = async (url, init) => {
      if (new URL(url).host !== 'other.example') return own(url, init);
      foreignHits.push(url);
      if (url === 'https://other.example/.well-known/did.json' && foreignDidDocument) {
        return { body: JSON.stringify(foreignDidDocument), contentType: 'application/did+json' };
      }
      // An outage (no HTTP status): the check cannot be made.
      throw new Error(`${url}: connection refused.`);
    };
    ctx.deps.fetcher = fetcher;
  });
  afterAll(() => ctx?.close());

  const verify = (input: JsonObject | string) =>
    verifyCredential(input, { fetcher: ctx.deps.fetcher!, clock: ctx.deps.clock });

  async function learner() {
    const user = await createUser(ctx, { kind: 'learner' });
    return { user, caller: await sessionFor(ctx, user.id) };
  }

  /** A credential another organisation of this server issues (through the API) to `email`. */
  async function issuedElsewhere(email: string) {
    const staff = await createUser(ctx);
    const org = await createOrg(ctx, staff.id);
    const { achievementId } = await createSampleAchievement(ctx, org.id, { name: 'Welding', validityDays: 365 });
    const issuer = await sessionFor(ctx, staff.id);
    const issued = await json<{ document: JsonObject; jwt: string }>(
      await issuer.request('POST', `/api/v1/orgs/${org.id}/credentials`, {
        achievementId,
        recipient: { email },
        notify: false,
      }),
      201,
    );
    return { ...issued, org, achievementId };
  }

  /** A credential a foreign did:web issuer signs for `email` (its DID document is served by the test fetcher). */
  async function foreignCredential(email: string) {
    const key = generateEd25519Key({ controller: FOREIGN, id: `${FOREIGN}#key-1` });
    foreignDidDocument = didDocument(FOREIGN, [
      {
        fragment: 'key-1',
        publicKeyMultibase: key.publicKeyMultibase,
        createdAt: ctx.deps.clock(),
        expiresAt: null,
        revokedAt: null,
      },
    ]);
    const unsigned = buildAchievementCredential({
      id: `urn:uuid:${randomUUID()}`,
      issuer: { id: FOREIGN, name: 'Other Academy' },
      validFrom: ctx.deps.clock(),
      name: 'Safety basics',
      subject: { identifier: [createIdentityObject({ email })], creditsEarned: 3 },
      achievement: {
        id: 'https://other.example/achievements/safety',
        name: 'Safety basics',
        description: 'Knows the basics of workplace safety.',
        criteria: { narrative: 'Passed the exam.' },
      },
    }) as unknown as JsonObject;
    return signCredential(unsigned, { key, clock: ctx.deps.clock });
  }

  const heldRows = (userId: string) =>
    ctx.db.selectFrom('heldCredentials').select('id').where('userId', '=', userId).execute();

  const hold = (caller: Caller, body: unknown) => caller.request('POST', '/api/v1/me/held-credentials', body);

  describe('held credentials', () => {
    it('a credential from another organisation here verifies, is kept once, and the award engine hears of it', async () => {
      const { user, caller } = await learner();
      const { document, jwt } = await issuedElsewhere(user.email);
      vi.mocked(evaluateAwards).mockClear();
      const first = await json<{ heldCredential: HeldJson; awards: unknown[] }>(
        await hold(caller, { credential: document }),
        201,
      );
      const achievementUri = ((document['credentialSubject'] as JsonObject)['achievement'] as JsonObject)['id'];
      expect(first.heldCredential).toMatchObject({
        issuerId: (document['issuer'] as JsonObject)['id'],
        achievementUri,
        validUntil: new Date(String(document['validUntil'])).toISOString(),
        document,
        jwt: null,
      });
      expect(first.awards).toEqual([]);
      expect(vi.mocked(evaluateAwards)).toHaveBeenCalledTimes(1);
      expect(vi.mocked(evaluateAwards).mock.calls[0]![2]).toEqual({
        learnerUserId: user.id,
        trigger: { type: 'external_achievement', id: achievementUri },
      });
      // The JSON is kept exactly as sent.
      const stored = await sql<{
        text: string;
      }>`SELECT document::text AS text FROM held_credentials WHERE id = ${first.heldCredential.id}`.execute(ctx.db);
      expect(stored.rows[0]!.text).toBe(JSON.stringify(document));

      // The same credential again: the kept one, nothing new, no evaluation.
      const again = await json<{ heldCredential: HeldJson }>(await hold(caller, { credential: document }), 200);
      expect(again.heldCredential.id).toBe(first.heldCredential.id);
      expect(vi.mocked(evaluateAwards)).toHaveBeenCalledTimes(1);
      // Its VC-JWT form is held too.
      const fromJwt = await json<{ heldCredential: HeldJson }>(await hold(caller, { jwt }), 201);
      expect(fromJwt.heldCredential).toMatchObject({ achievementUri, document: null, jwt });

      const list = await json<{ heldCredentials: HeldJson[] }>(
        await caller.request('GET', '/api/v1/me/held-credentials'),
      );
      expect(list.heldCredentials.map((h) => h.id).sort()).toEqual(
        [first.heldCredential.id, fromJwt.heldCredential.id].sort(),
      );

      // Someone else cannot see or remove it; the holder can.
      const other = await learner();
      expect(
        (await json<{ heldCredentials: HeldJson[] }>(await other.caller.request('GET', '/api/v1/me/held-credentials')))
          .heldCredentials,
      ).toEqual([]);
      const path = `/api/v1/me/held-credentials/${first.heldCredential.id}`;
      await expectError(await other.caller.request('DELETE', path), 404, 'ERR_NOT_FOUND');
      expect((await caller.request('DELETE', path)).status).toBe(204);
      await expectError(await caller.request('DELETE', path), 404, 'ERR_NOT_FOUND');
      expect((await heldRows(user.id)).map((r) => r.id)).toEqual([fromJwt.heldCredential.id]);
    });

    it('a credential from a foreign issuer verifies through deps.fetcher', async () => {
      const { user, caller } = await learner();
      const credential = await foreignCredential(user.email);
      foreignHits.length = 0;
      const { heldCredential } = await json<{ heldCredential: HeldJson & { credits: number } }>(
        await hold(caller, { credential }),
        201,
      );
      expect(heldCredential).toMatchObject({
        issuerId: FOREIGN,
        achievementUri: 'https://other.example/achievements/safety',
        credits: 3,
      });
      expect(foreignHits).toContain('https://other.example/.well-known/did.json');
    });

    it('refuses what does not verify, with the checks, and keeps nothing', async () => {
      const { user, caller } = await learner();
      const { document, jwt } = await issuedElsewhere(user.email);
      const tampered = structuredClone(document);
      ((tampered['credentialSubject'] as JsonObject)['achievement'] as JsonObject)['name'] = 'Rocket science';
      let e = await expectError(await hold(caller, { credential: tampered }), 422, 'ERR_CREDENTIAL_UNVERIFIED');
      const checks = e.details!['checks'] as { id: string; status: string; code?: string }[];
      expect(checks).toContainEqual(expect.objectContaining({ id: 'proof', status: 'failed' }));
      expect(checks.every((c) => c.status === 'failed' || c.status === 'unknown')).toBe(true);

      // A JWT with a broken signature.
      const [h, p, s] = jwt.split('.') as [string, string, string];
      const broken = `${h}.${p}.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`;
      e = await expectError(await hold(caller, { jwt: broken }), 422, 'ERR_CREDENTIAL_UNVERIFIED');
      expect(e.details!['checks']).toContainEqual(expect.objectContaining({ id: 'proof', status: 'failed' }));

      // Somebody else's credential, perfectly valid.
      const stranger = await issuedElsewhere('someone.else@example.org');
      e = await expectError(await hold(caller, { credential: stranger.document }), 422, 'ERR_CREDENTIAL_UNVERIFIED');
      expect(e.details!['checks']).toEqual([expect.objectContaining({ id: 'recipient', status: 'failed' })]);

      // A foreign issuer whose DID document cannot be fetched: unknown is not verified.
      const foreign = await foreignCredential(user.email);
      foreignDidDocument = undefined;
      e = await expectError(await hold(caller, { credential: foreign }), 422, 'ERR_CREDENTIAL_UNVERIFIED');
      expect(e.details!['checks']).toContainEqual(expect.objectContaining({ id: 'proof', status: 'unknown' }));

      // Revoked by its issuer.
      await changeCredentialState(
        ctx.db,
        null,
        ctx.deps.clock(),
        (await ctx.db.selectFrom('credentials').select('orgId').where('jwt', '=', jwt).executeTakeFirstOrThrow()).orgId,
        String(document['id']).split('/').pop()!,
        'revoke',
        null,
      );
      e = await expectError(await hold(caller, { credential: document }), 422, 'ERR_CREDENTIAL_UNVERIFIED');
      expect(e.details!['checks']).toContainEqual(expect.objectContaining({ id: 'status', status: 'failed' }));

      await expectError(await hold(caller, { credential: document, jwt }), 400, 'ERR_VALIDATION');
      await expectError(await hold(caller, { jwt: '' }), 400, 'ERR_VALIDATION');
      expect(await heldRows(user.id)).toEqual([]);
    });

    it('tokens need credentials:hold', async () => {
      const { user } = await learner();
      const without = await tokenFor(ctx, user.id, ['credentials:read']);
      await expectError(await without.request('GET', '/api/v1/me/held-credentials'), 403, 'ERR_SCOPE');
      const withScope = await tokenFor(ctx, user.id, ['credentials:hold']);
      expect((await withScope.request('GET', '/api/v1/me/held-credentials')).status).toBe(200);
    });
  });

  describe('the instance identity and the CLR', () => {
    it('the instance key is made once on first use, and its DID document is served', async () => {
      const keys = await Promise.all(Array.from({ length: 4 }, () => instanceSigningKey(ctx.db, ctx.deps)));
      expect(new Set(keys.map((k) => k.publicKeyMultibase)).size).toBe(1);
      expect(keys[0]!.id).toBe('did:web:skillproof.test#key-1');
      const res = await ctx.app.request('/.well-known/did.json');
      expect(res.headers.get('content-type')).toBe('application/did+json');
      const doc = (await res.json()) as JsonObject;
      expect(doc['id']).toBe('did:web:skillproof.test');
      expect(doc['assertionMethod']).toEqual(['did:web:skillproof.test#key-1']);
      expect((doc['verificationMethod'] as JsonObject[])[0]!['publicKeyMultibase']).toBe(keys[0]!.publicKeyMultibase);
      const count = await ctx.db
        .selectFrom('instanceKeys')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(count.n)).toBe(1);
    });

    let owner: Awaited<ReturnType<typeof learner>>;
    let componentCredentials: string[];
    let pathwayCredential: string;
    let urls: { c1: string; c2: string; pathway: string };
    let held: HeldJson;

    beforeAll(async () => {
      owner = await learner();
      const org = await createOrg(ctx);
      const c1 = await createSampleAchievement(ctx, org.id, { name: 'SQL basics' });
      const c2 = await createSampleAchievement(ctx, org.id, { name: 'Data visualisation' });
      const pathway = await createSampleAchievement(ctx, org.id, {
        name: 'Data analyst',
        achievementType: 'Certificate',
      });
      urls = {
        c1: `https://skillproof.test/achievements/${c1.achievementId}/versions/1`,
        c2: `https://skillproof.test/achievements/${c2.achievementId}/versions/1`,
        pathway: `https://skillproof.test/achievements/${pathway.achievementId}/versions/1`,
      };
      // The pathway's rule, as the award engine keeps it (with its references indexed).
      const foreignUri = 'https://other.example/achievements/safety';
      await ctx.db
        .insertInto('awardRules')
        .values({
          achievementId: pathway.achievementId,
          orgId: org.id,
          rule: JSON.stringify({
            type: 'allOf',
            rules: [
              { type: 'achievement', achievementId: c1.achievementId },
              { type: 'achievement', achievementId: c2.achievementId },
              { type: 'externalAchievement', achievementUri: foreignUri },
            ],
          }),
          updatedBy: null,
          updatedAt: ctx.deps.clock(),
        })
        .execute();
      await ctx.db
        .insertInto('awardRuleRefs')
        .values([
          { achievementId: pathway.achievementId, refType: 'achievement', ref: c1.achievementId },
          { achievementId: pathway.achievementId, refType: 'achievement', ref: c2.achievementId },
          { achievementId: pathway.achievementId, refType: 'external_achievement', ref: foreignUri },
        ])
        .execute();
      const issue = (achievementId: string) =>
        ctx.db.transaction().execute(async (tx) => {
          const [row] = await issueCredentials(tx, ctx.deps, {
            orgId: org.id,
            achievementId,
            items: [{ recipient: { email: owner.user.email }, holderUserId: owner.user.id }],
            actor: null,
          });
          return row!.id;
        });
      componentCredentials = [await issue(c1.achievementId), await issue(c2.achievementId)];
      pathwayCredential = await issue(pathway.achievementId);
      ({ heldCredential: held } = await json<{ heldCredential: HeldJson }>(
        await hold(owner.caller, { credential: await foreignCredential(owner.user.email) }),
        201,
      ));
    });

    const exportClr = (caller: Caller, body: unknown = {}) => caller.request('POST', '/api/v1/me/clr', body);

    const storedDocuments = async (ids: string[]) =>
      new Map(
        (
          await sql<{
            id: string;
            text: string;
          }>`SELECT id, document::text AS text FROM credentials WHERE id IN (${sql.join(ids)})`.execute(ctx.db)
        ).rows.map((r) => [`https://skillproof.test/credentials/${r.id}`, r.text]),
      );

    /** @digitalbazaar/vc, with this instance's did:web (no path: its document is /.well-known/did.json). */
    async function referenceVerifyClr(document: JsonObject) {
      const readJson = async (path: string) =>
        (await (await ctx.app.request(path === '//did.json' ? '/.well-known/did.json' : path)).json()) as JsonObject;
      return vc.verifyCredential({
        credential: document,
        suite: new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }),
        documentLoader: referenceLoader(readJson),
        now: ctx.deps.clock(),
      });
    }

    it('the whole record: signed by the instance in both forms, each credential embedded unchanged, pathway associations', async () => {
      const { document, jwt } = await json<{ document: JsonObject; jwt: string }>(await exportClr(owner.caller));
      expect(document['type']).toEqual(['VerifiableCredential', 'ClrCredential']);
      expect((document['issuer'] as JsonObject)['id']).toBe('did:web:skillproof.test');
      expect(document['partial']).toBe(false);
      const proof = document['proof'] as JsonObject;
      expect(proof).toMatchObject({
        cryptosuite: 'eddsa-rdfc-2022',
        verificationMethod: 'did:web:skillproof.test#key-1',
      });
      const subject = document['credentialSubject'] as JsonObject;
      expect(subject['type']).toEqual(['ClrSubject']);
      const identifier = (subject['identifier'] as JsonObject[])[0]!;
      expect(identifier['hashed']).toBe(true);
      expect(matchesIdentity(identifier, owner.user.email)).toBe(true);

      // Every credential issued here (not the held one unless asked), each exactly as stored.
      const embedded = subject['verifiableCredential'] as JsonObject[];
      const stored = await storedDocuments([...componentCredentials, pathwayCredential]);
      expect(embedded.map((c) => c['id']).sort()).toEqual([...stored.keys()].sort());
      for (const credential of embedded) {
        expect(JSON.stringify(credential)).toBe(stored.get(String(credential['id'])));
        const alone = await verify(credential);
        expect(alone.verified, JSON.stringify(alone.checks)).toBe(true);
      }
      expect((subject['achievement'] as JsonObject[]).map((a) => a['id']).sort()).toEqual(
        [urls.c1, urls.c2, urls.pathway].sort(),
      );
      const byId = (a: JsonObject, b: JsonObject) => String(a['sourceId']).localeCompare(String(b['sourceId']));
      expect((subject['association'] as JsonObject[]).sort(byId)).toEqual(
        [urls.c1, urls.c2].sort().map((sourceId) => ({
          type: 'Association',
          associationType: 'isPartOf',
          sourceId,
          targetId: urls.pathway,
        })),
      );

      const report = await verify(document);
      expect(Object.fromEntries(report.checks.map((c) => [c.id, c.status]))).toMatchObject({
        schema: 'passed',
        proof: 'passed',
        issuer: 'passed',
      });
      expect(report.verified).toBe(true);
      const fromJwt = await verify(jwt);
      expect(fromJwt.verified, JSON.stringify(fromJwt.checks)).toBe(true);
      const reference = await referenceVerifyClr(document);
      expect(reference.verified, JSON.stringify(reference.error ?? reference)).toBe(true);
      // A changed embedded credential breaks the CLR's proof.
      const tampered = structuredClone(document);
      ((tampered['credentialSubject'] as JsonObject)['verifiableCredential'] as JsonObject[])[0]!['name'] = 'Other';
      expect((await verify(tampered)).verified).toBe(false);
      expect((await referenceVerifyClr(tampered)).verified).toBe(false);
    });

    it('with held credentials: the foreign component is part of the pathway too', async () => {
      const { document } = await json<{ document: JsonObject }>(await exportClr(owner.caller, { includeHeld: true }));
      const subject = document['credentialSubject'] as JsonObject;
      const embedded = subject['verifiableCredential'] as JsonObject[];
      expect(embedded).toHaveLength(4);
      expect(embedded[3]).toEqual(held.document);
      expect(subject['association']).toContainEqual({
        type: 'Association',
        associationType: 'isPartOf',
        sourceId: 'https://other.example/achievements/safety',
        targetId: urls.pathway,
      });
      expect((await verify(document)).verified).toBe(true);
      expect((await verify(embedded[3]!)).verified).toBe(true);
    });

    it('a selection is partial; another learner’s credential is not found; revoked ones are left out', async () => {
      const { document } = await json<{ document: JsonObject }>(
        await exportClr(owner.caller, { credentialIds: [componentCredentials[1]!, held.id] }),
      );
      expect(document['partial']).toBe(true);
      const subject = document['credentialSubject'] as JsonObject;
      expect((subject['verifiableCredential'] as JsonObject[]).map((c) => c['id'])).toEqual([
        `https://skillproof.test/credentials/${componentCredentials[1]}`,
        held.document!['id'],
      ]);
      // Without the pathway in the CLR, no association.
      expect(subject).not.toHaveProperty('association');
      expect((await verify(document)).verified).toBe(true);

      const other = await learner();
      await expectError(
        await exportClr(other.caller, { credentialIds: [componentCredentials[0]!] }),
        404,
        'ERR_NOT_FOUND',
      );
      await expectError(await exportClr(other.caller, { credentialIds: [held.id] }), 404, 'ERR_NOT_FOUND');
      await expectError(
        await exportClr(owner.caller, { credentialIds: [componentCredentials[0]!, randomUUID()] }),
        404,
        'ERR_NOT_FOUND',
      );
      await expectError(await exportClr(other.caller), 409, 'ERR_STATE');
      await expectError(await exportClr(owner.caller, { credentialIds: [] }), 400, 'ERR_VALIDATION');
      await expectError(await exportClr(owner.caller, { credentialIds: ['x'] }), 400, 'ERR_VALIDATION');

      const orgId = (
        await ctx.db
          .selectFrom('credentials')
          .select('orgId')
          .where('id', '=', pathwayCredential)
          .executeTakeFirstOrThrow()
      ).orgId;
      await changeCredentialState(ctx.db, null, ctx.deps.clock(), orgId, pathwayCredential, 'revoke', null);
      await expectError(await exportClr(owner.caller, { credentialIds: [pathwayCredential] }), 409, 'ERR_STATE');
      const whole = await json<{ document: JsonObject }>(await exportClr(owner.caller));
      const ids = ((whole.document['credentialSubject'] as JsonObject)['verifiableCredential'] as JsonObject[]).map(
        (c) => c['id'],
      );
      expect(ids.sort()).toEqual(componentCredentials.map((id) => `https://skillproof.test/credentials/${id}`).sort());
    });
  });
});
