import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCredential, type JsonObject } from '@skillproof/core';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { expectError } from './helpers/errors.js';
import { createOrg, createSampleAchievement, member, type Caller } from './helpers/fixtures.js';
import { appFetcher, referenceVerify } from './issuing-helpers.js';

interface EndorsementJson {
  id: string;
  endorserOrgId: string;
  target: { type: string; id: string };
  comment: string | null;
  revokedAt: string | null;
  credential: JsonObject;
}

async function json<T>(res: Response, status = 200): Promise<T> {
  const body = (await res.json()) as T;
  expect(res.status, JSON.stringify(body)).toBe(status);
  return body;
}

const checksOf = (r: { checks: { id: string; status: string; code?: string }[] }) =>
  Object.fromEntries(r.checks.map((c) => [c.id, c.code ? `${c.status} ${c.code}` : c.status]));

describe.each(databaseTargets())('EQF levels, renewal settings and endorsements on $name', (target) => {
  let ctx: TestContext;
  const verify = (input: JsonObject | string) =>
    verifyCredential(input, { fetcher: appFetcher(ctx), clock: ctx.deps.clock });

  beforeAll(async () => {
    ctx = await createTestContext(target);
  });
  afterAll(() => ctx?.close());

  async function issue(caller: Caller, orgId: string, achievementId: string) {
    return json<{ document: JsonObject; jwt: string }>(
      await caller.request('POST', `/api/v1/orgs/${orgId}/credentials`, {
        achievementId,
        recipient: { email: 'learner@example.org' },
        notify: false,
      }),
      201,
    );
  }

  const achievementOf = (document: JsonObject) =>
    (document['credentialSubject'] as JsonObject)['achievement'] as JsonObject;

  describe('definition fields', () => {
    let issuer: Awaited<ReturnType<typeof member>>;
    beforeAll(async () => {
      issuer = await member(ctx, 'issuer');
    });
    const create = (body: Record<string, unknown>) =>
      issuer.caller.request('POST', `/api/v1/orgs/${issuer.orgId}/achievements`, {
        name: 'Cloud operations',
        description: 'Runs services in the cloud.',
        criteria: { narrative: 'Pass the assessment.' },
        ...body,
      });

    it('an EQF level becomes an Alignment, and the credential signs and verifies', async () => {
      const { achievement } = await json<{ achievement: { id: string; definition: JsonObject } }>(
        await create({ eqfLevel: 6, validityDays: 365, renewal: {} }),
        201,
      );
      expect(achievement.definition['eqfLevel']).toBe(6);
      // The defaults are filled in and stored.
      expect(achievement.definition['renewal']).toEqual({ windowDays: 30, reminderDays: [30, 7] });
      const { document, jwt } = await issue(issuer.caller, issuer.orgId, achievement.id);
      expect(achievementOf(document)['alignment']).toEqual([
        {
          type: ['Alignment'],
          targetName: 'EQF level 6',
          targetUrl: 'http://data.europa.eu/snb/eqf/6',
          targetCode: '6',
          targetFramework: 'European Qualifications Framework',
        },
      ]);
      const report = await verify(document);
      expect(checksOf(report)).toMatchObject({ proof: 'passed', schema: 'passed', status: 'passed' });
      expect(report.verified).toBe(true);
      expect((await verify(jwt)).verified).toBe(true);
      expect(await referenceVerify(ctx, document)).toEqual({ verified: true });
      // The public achievement document carries it too.
      const pub = await json<JsonObject>(await ctx.app.request(`/achievements/${achievement.id}/versions/1`));
      expect((pub['alignment'] as JsonObject[])[0]!['targetUrl']).toBe('http://data.europa.eu/snb/eqf/6');
    });

    it('an alignment to the same EQF level given by hand is listed once', async () => {
      const manual = {
        targetName: 'Level 4',
        targetUrl: 'http://data.europa.eu/snb/eqf/4',
        targetFramework: 'European Qualifications Framework',
      };
      const { achievement } = await json<{ achievement: { id: string } }>(
        await create({ eqfLevel: 4, alignment: [manual] }),
        201,
      );
      const { document } = await issue(issuer.caller, issuer.orgId, achievement.id);
      expect(achievementOf(document)['alignment']).toEqual([{ type: ['Alignment'], ...manual }]);
    });

    it('refuses an EQF level outside 1–8, and renewal without validityDays or with repeated lead times', async () => {
      for (const eqfLevel of [0, 9, 2.5, '3']) {
        const e = await expectError(await create({ eqfLevel }), 400, 'ERR_VALIDATION');
        expect(e.details?.issues?.[0]?.path).toBe('eqfLevel');
      }
      let e = await expectError(await create({ renewal: { windowDays: 14 } }), 400, 'ERR_VALIDATION');
      expect(e.details?.issues?.map((i) => i.path)).toEqual(['renewal']);
      expect(e.message).toMatch(/validityDays/);
      e = await expectError(
        await create({ validityDays: 90, renewal: { reminderDays: [7, 7] } }),
        400,
        'ERR_VALIDATION',
      );
      expect(e.details?.issues?.[0]?.path).toBe('renewal.reminderDays');
      await expectError(await create({ validityDays: 90, renewal: { extra: 1 } }), 400, 'ERR_VALIDATION');
    });

    it('a patch keeps renewal and validityDays together', async () => {
      const { achievement } = await json<{ achievement: { id: string } }>(await create({ validityDays: 90 }), 201);
      const path = `/api/v1/orgs/${issuer.orgId}/achievements/${achievement.id}`;
      const patched = await json<{ achievement: { version: number; definition: JsonObject } }>(
        await issuer.caller.request('PATCH', path, { renewal: { windowDays: 10, reminderDays: [14] }, eqfLevel: 5 }),
      );
      expect(patched.achievement.version).toBe(2);
      expect(patched.achievement.definition['renewal']).toEqual({ windowDays: 10, reminderDays: [14] });
      const e = await expectError(
        await issuer.caller.request('PATCH', path, { validityDays: null }),
        400,
        'ERR_VALIDATION',
      );
      expect(e.message).toMatch(/^renewal: /);
      // Removing both at once is fine; so is removing the EQF level.
      const removed = await json<{ achievement: { definition: JsonObject } }>(
        await issuer.caller.request('PATCH', path, { validityDays: null, renewal: null, eqfLevel: null }),
      );
      expect(removed.achievement.definition).not.toHaveProperty('renewal');
      expect(removed.achievement.definition).not.toHaveProperty('eqfLevel');
    });
  });

  describe('endorsements', () => {
    let endorser: Awaited<ReturnType<typeof member>>;
    let endorsed: Awaited<ReturnType<typeof member>>;
    let endorsedSlug: string;
    let achievementId: string;
    let endorsement: EndorsementJson;

    beforeAll(async () => {
      endorser = await member(ctx, 'admin');
      const org = await createOrg(ctx);
      endorsedSlug = org.slug;
      endorsed = await member(ctx, 'admin', org.id);
      ({ achievementId } = await createSampleAchievement(ctx, org.id, { validityDays: 365 }));
    });

    const endorse = (caller: Caller, orgId: string, body: unknown) =>
      caller.request('POST', `/api/v1/orgs/${orgId}/endorsements`, body);

    it('an organisation endorses another’s achievement with a signed EndorsementCredential', async () => {
      ({ endorsement } = await json<{ endorsement: EndorsementJson }>(
        await endorse(endorser.caller, endorser.orgId, {
          target: { achievementId },
          comment: 'Meets the industry standard.',
        }),
        201,
      ));
      expect(endorsement).toMatchObject({
        endorserOrgId: endorser.orgId,
        target: { type: 'achievement', id: achievementId },
        comment: 'Meets the industry standard.',
        revokedAt: null,
      });
      const credential = endorsement.credential;
      expect(credential['type']).toEqual(['VerifiableCredential', 'EndorsementCredential']);
      expect(credential['id']).toBe(`urn:uuid:${endorsement.id}`);
      expect(credential['credentialSubject']).toEqual({
        id: `https://skillproof.test/achievements/${achievementId}/versions/1`,
        type: ['EndorsementSubject'],
        endorsementComment: 'Meets the industry standard.',
      });
      const proof = credential['proof'] as JsonObject;
      expect(proof['cryptosuite']).toBe('eddsa-rdfc-2022');
      expect(String(proof['verificationMethod'])).toMatch(/^did:web:skillproof\.test:orgs:.+#key-1$/);
      const report = await verify(credential);
      expect(checksOf(report)).toMatchObject({ proof: 'passed', issuer: 'passed', status: 'passed' });
      expect(report.verified).toBe(true);
      expect(await referenceVerify(ctx, credential)).toEqual({ verified: true });
    });

    it('refuses endorsing oneself, twice, by a non-admin, and a target that does not exist', async () => {
      const own = await createSampleAchievement(ctx, endorser.orgId);
      await expectError(
        await endorse(endorser.caller, endorser.orgId, { target: { achievementId: own.achievementId }, comment: 'x' }),
        400,
        'ERR_VALIDATION',
      );
      await expectError(
        await endorse(endorser.caller, endorser.orgId, { target: { organizationId: endorser.orgId }, comment: 'x' }),
        400,
        'ERR_VALIDATION',
      );
      await expectError(
        await endorse(endorser.caller, endorser.orgId, { target: { achievementId }, comment: 'again' }),
        409,
        'ERR_CONFLICT',
      );
      await expectError(
        await endorse(endorser.caller, endorser.orgId, {
          target: { achievementId: '00000000-0000-4000-8000-000000000000' },
          comment: 'x',
        }),
        404,
        'ERR_NOT_FOUND',
      );
      await expectError(
        await endorse(endorser.caller, endorser.orgId, { target: { achievementId }, comment: '  ' }),
        400,
        'ERR_VALIDATION',
      );
      const issuer = await member(ctx, 'issuer', endorser.orgId);
      await expectError(
        await endorse(issuer.caller, endorser.orgId, { target: { organizationId: endorsed.orgId }, comment: 'x' }),
        403,
        'ERR_FORBIDDEN',
      );
      // Another tenant cannot revoke it.
      await expectError(
        await endorsed.caller.request('DELETE', `/api/v1/orgs/${endorsed.orgId}/endorsements/${endorsement.id}`),
        404,
        'ERR_NOT_FOUND',
      );
    });

    it('credentials issued afterwards embed it, and it verifies there', async () => {
      const { document, jwt } = await issue(endorsed.caller, endorsed.orgId, achievementId);
      const embedded = achievementOf(document)['endorsement'] as JsonObject[];
      expect(embedded).toEqual([endorsement.credential]);
      const outer = await verify(document);
      expect(checksOf(outer)).toMatchObject({ proof: 'passed', schema: 'passed', status: 'passed' });
      expect(outer.verified).toBe(true);
      expect((await verify(jwt)).verified).toBe(true);
      expect(await referenceVerify(ctx, document)).toEqual({ verified: true });
      const inner = await verify(embedded[0]!);
      expect(inner.verified).toBe(true);
      // The public achievement document shows it, the endorsed organisation sees it received.
      const pub = await json<JsonObject>(await ctx.app.request(`/achievements/${achievementId}/versions/1`));
      expect(pub['endorsement']).toEqual([endorsement.credential]);
      const received = await json<{ endorsements: EndorsementJson[] }>(
        await endorsed.caller.request('GET', `/api/v1/orgs/${endorsed.orgId}/endorsements?direction=received`),
      );
      expect(received.endorsements.map((e) => e.id)).toEqual([endorsement.id]);
      const given = await json<{ endorsements: EndorsementJson[] }>(
        await endorsed.caller.request('GET', `/api/v1/orgs/${endorsed.orgId}/endorsements`),
      );
      expect(given.endorsements).toEqual([]);
    });

    it('an organisation endorsement shows on its public Profile', async () => {
      const { endorsement: orgEndorsement } = await json<{ endorsement: EndorsementJson }>(
        await endorse(endorser.caller, endorser.orgId, {
          target: { organizationId: endorsed.orgId },
          comment: 'A trusted training provider.',
        }),
        201,
      );
      expect((orgEndorsement.credential['credentialSubject'] as JsonObject)['id']).toBe(
        `did:web:skillproof.test:orgs:${endorsedSlug}`,
      );
      const profile = await json<JsonObject>(await ctx.app.request(`/orgs/${endorsedSlug}/profile`));
      expect(profile['endorsement']).toEqual([orgEndorsement.credential]);
      expect((await verify(orgEndorsement.credential)).verified).toBe(true);
    });

    it('revoking fails its verification and stops embedding it', async () => {
      const path = `/api/v1/orgs/${endorser.orgId}/endorsements/${endorsement.id}`;
      const revoked = await json<{ endorsement: EndorsementJson }>(await endorser.caller.request('DELETE', path));
      expect(revoked.endorsement.revokedAt).toBe(ctx.deps.clock().toISOString());
      // Idempotent.
      expect(
        (await json<{ endorsement: EndorsementJson }>(await endorser.caller.request('DELETE', path))).endorsement,
      ).toEqual(revoked.endorsement);
      const report = await verify(endorsement.credential);
      expect(report.verified).toBe(false);
      expect(checksOf(report)['status']).toMatch(/^failed/);
      const { document } = await issue(endorsed.caller, endorsed.orgId, achievementId);
      expect(achievementOf(document)).not.toHaveProperty('endorsement');
      const pub = await json<JsonObject>(await ctx.app.request(`/achievements/${achievementId}/versions/1`));
      expect(pub).not.toHaveProperty('endorsement');
      // A new endorsement of the same target may follow the revoked one.
      await json(
        await endorse(endorser.caller, endorser.orgId, { target: { achievementId }, comment: 'Renewed.' }),
        201,
      );
      const audit = await ctx.db
        .selectFrom('auditLog')
        .select('action')
        .where('orgId', '=', endorser.orgId)
        .where('targetType', '=', 'endorsement')
        .orderBy('id')
        .execute();
      expect(audit.map((a) => a.action)).toEqual([
        'endorsement.create',
        'endorsement.create',
        'endorsement.revoke',
        'endorsement.create',
      ]);
    });
  });
});
