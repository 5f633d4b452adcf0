import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { noteSignerKey, tilePath, type JsonObject } from '@skillproof/core';
import { base58btcEncode } from '../../core/src/lib/encoding.js';
import { integrateLog } from '../src/domains/ledger/integrate.js';
import { routeTable } from '../src/http/route.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { addMember, createUser, sessionFor, tokenFor, type Caller } from './helpers/fixtures.js';
import { statusEntries } from './issuing-helpers.js';
import { SCOPES } from '../src/http/access.js';

/**
 * Acceptance 4, second half: no private key material appears in any response or log line. Drives the platform
 * through its API (organisations, key rotation and revocation, achievements, single and bulk issuance, revocation and
 * suspension, status lists, DID documents, public pages, downloads, verification, audit log), then calls every route
 * as the organisation's owner; every response (headers and body) and every log line is searched for every
 * organisation's secret key, in every encoding it could leak in, and for the sealed form and the master key.
 */
describe.each(databaseTargets())('no key material leaves the server, on $name', (target) => {
  let ctx: TestContext;
  const seen: string[] = [];

  beforeAll(async () => {
    ctx = await createTestContext(target);
    const app = ctx.app;
    const originalRequest = app.request.bind(app);
    // Record every response the app gives, including those of in-process self-fetches.
    const record = async (res: Response) => {
      const body = new Uint8Array(await res.clone().arrayBuffer());
      const headers: string[] = [];
      res.headers.forEach((v, k) => headers.push(`${k}: ${v}`));
      seen.push(headers.join('\n'));
      seen.push(Buffer.from(body).toString('latin1'));
      return res;
    };
    app.request = (async (...args: Parameters<typeof app.request>) =>
      record(await originalRequest(...args))) as typeof app.request;
  });
  afterAll(() => ctx.close());

  it('drives every feature, then searches every response and log line for secrets', async () => {
    const admin = await createUser(ctx);
    const owner = await sessionFor(ctx, admin.id);
    const created = await json(
      // Suspendable, so that both kinds of status list are made and served.
      owner.request('POST', '/api/v1/orgs', {
        slug: `keys-${Date.now()}`,
        name: 'Key Test Org',
        suspendableCredentials: true,
      }),
    );
    const orgId = created.org.id as string;
    const org = `/api/v1/orgs/${orgId}`;
    const { achievement } = await json(
      owner.request('POST', `${org}/achievements`, {
        name: 'Secrets Stay Secret',
        description: 'Keeps private keys private.',
        criteria: { narrative: 'Never leak a key.' },
      }),
    );
    const issue = (recipient: object) =>
      json(owner.request('POST', `${org}/credentials`, { achievementId: achievement.id, recipient }));
    const first = await issue({ email: 'first@example.org' });
    await json(owner.request('POST', `${org}/keys/rotate`, {}));
    const second = await issue({ did: 'did:example:holder' });
    const batch = await json(
      owner.request(
        'POST',
        `${org}/batches?achievementId=${achievement.id}`,
        'email,name\na@example.org,A\nb@example.org,B\nnot-an-email,C\n',
        { 'content-type': 'text/csv' },
      ),
    );
    await json(owner.request('POST', `${org}/batches/${batch.batch.id}/confirm`));
    await json(owner.request('POST', `${org}/credentials/${first.credential.id}/revoke`, { reason: 'test' }));
    await json(owner.request('POST', `${org}/credentials/${second.credential.id}/suspend`, { reason: 'test' }));
    await json(owner.request('POST', `${org}/credentials/${second.credential.id}/unsuspend`));
    const keys = await json(owner.request('GET', `${org}/keys`));
    const credentialIds = [first.credential.id, second.credential.id] as string[];
    for (const id of credentialIds) {
      for (const suffix of ['', '.json', '.jwt', '.png', '.svg'])
        await owner.request('GET', `/credentials/${id}${suffix}`);
      for (const accept of ['application/vc+ld+json', 'application/vc+jwt', 'text/html']) {
        await owner.request('GET', `/credentials/${id}`, undefined, { accept });
      }
    }
    await owner.request('POST', '/api/v1/verify', second.document);
    await owner.request('GET', `/orgs/${created.org.slug}/did.json`);
    await owner.request('GET', `/orgs/${created.org.slug}/profile`);
    const statusLists = statusEntries(first.document as JsonObject);
    expect(statusLists.map((s) => s['statusPurpose'])).toEqual(['revocation', 'suspension']);
    for (const s of statusLists) await owner.request('GET', new URL(s['statusListCredential'] as string).pathname);
    await json(owner.request('POST', `${org}/keys/${keys.keys[0].fragment}/revoke`, { reason: 'compromise drill' }));
    // The transparency log: integrated (its key signs the checkpoint), then its checkpoint, tiles and proofs read.
    await integrateLog(ctx.db, ctx.deps);
    for (const path of [
      '/log/checkpoint',
      '/log/vkey',
      `/log/${tilePath(0, 0, 8)}`,
      `/log/${tilePath('entries', 0, 8)}`,
    ])
      await owner.request('GET', path);
    for (const id of credentialIds) await owner.request('GET', `/credentials/${id}.tlog-proof`);

    // Every route, as the owner (session) and as an all-scopes token, with the real ids where a route takes them.
    const token: Caller = await tokenFor(ctx, admin.id, [...SCOPES]);
    const otherUser = await createUser(ctx);
    await addMember(ctx, orgId, otherUser.id, 'viewer');
    const ids: Record<string, string> = {
      orgId,
      achievementId: achievement.id,
      credentialId: second.credential.id,
      batchId: batch.batch.id,
      slug: created.org.slug,
      version: '1',
      userId: otherUser.id,
      fragment: keys.keys[0].fragment,
    };
    for (const r of routeTable()) {
      if (/revoke|rotate|DELETE|sign-out|password/.test(`${r.method} ${r.path}`)) continue;
      const path = r.path.replace(/:(\w+)/g, (_, n: string) => ids[n] ?? randomUUID());
      for (const caller of [owner, token]) await caller.request(r.method, path, r.method === 'GET' ? undefined : {});
    }

    // What must never appear.
    const secrets: { what: string; forms: string[] }[] = [];
    const rows = await ctx.db.selectFrom('orgKeys').selectAll().execute();
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows) {
      const seed = Buffer.from(ctx.deps.keys.open(row.secretCiphertext, `org-key:${row.id}`));
      const sealed = Buffer.from(row.secretCiphertext);
      secrets.push({
        what: `secret key ${row.fragment}`,
        forms: [
          seed.toString('hex'),
          seed.toString('base64'),
          seed.toString('base64url'),
          seed.toString('latin1'),
          'z' + base58btcEncode(Buffer.concat([Buffer.from([0x80, 0x26]), seed])),
          base58btcEncode(seed),
        ],
      });
      secrets.push({ what: `sealed key ${row.fragment}`, forms: [sealed.toString('hex'), sealed.toString('base64')] });
    }
    // The instance's own key (it signs learners' CLRs; made when /.well-known/did.json was first read above).
    const instanceKeys = await ctx.db.selectFrom('instanceKeys').selectAll().execute();
    expect(instanceKeys).toHaveLength(1);
    for (const row of instanceKeys) {
      const seed = Buffer.from(ctx.deps.keys.open(row.secretCiphertext, `instance-key:${row.id}`));
      secrets.push({
        what: `instance key ${row.fragment}`,
        forms: [seed.toString('hex'), seed.toString('base64'), seed.toString('base64url'), base58btcEncode(seed)],
      });
      secrets.push({ what: `sealed instance key`, forms: [Buffer.from(row.secretCiphertext).toString('hex')] });
    }
    // The transparency log's key (it signs checkpoints), in the signed-note skey form too.
    const logKeys = await ctx.db.selectFrom('logKeys').selectAll().execute();
    expect(logKeys).toHaveLength(1);
    for (const row of logKeys) {
      const seed = Buffer.from(ctx.deps.keys.open(row.secretCiphertext, `log-key:${row.id}`));
      secrets.push({
        what: 'log key',
        forms: [
          seed.toString('hex'),
          seed.toString('base64'),
          seed.toString('base64url'),
          base58btcEncode(seed),
          noteSignerKey(row.name, seed),
        ],
      });
      secrets.push({ what: `sealed log key`, forms: [Buffer.from(row.secretCiphertext).toString('hex')] });
    }
    // The witness's cosigning key (made when /witness/vkey was read above).
    const witnessKeys = await ctx.db.selectFrom('witnessKeys').selectAll().execute();
    expect(witnessKeys).toHaveLength(1);
    for (const row of witnessKeys) {
      const seed = Buffer.from(ctx.deps.keys.open(row.secretCiphertext, `witness-key:${row.id}`));
      secrets.push({
        what: 'witness key',
        forms: [seed.toString('hex'), seed.toString('base64'), seed.toString('base64url'), base58btcEncode(seed)],
      });
      secrets.push({ what: `sealed witness key`, forms: [Buffer.from(row.secretCiphertext).toString('hex')] });
    }
    const haystacks = [...seen, ...ctx.logLines];
    expect(seen.length).toBeGreaterThan(100);
    const leaks = secrets.flatMap((s) => s.forms.filter((f) => haystacks.some((h) => h.includes(f))).map(() => s.what));
    expect(leaks).toEqual([]);
    expect(haystacks.join('\n')).not.toMatch(
      /secretKeyMultibase|privateKeyMultibase|secret_ciphertext|secretCiphertext/,
    );
  }, 120_000);
});

async function json(res: Promise<Response>) {
  const r = await res;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- API JSON read as documented in the contracts
  const body = (await r.json()) as Record<string, any>;
  if (!r.ok) throw new Error(`${r.url} ${r.status} ${JSON.stringify(body)}`);
  return body;
}
