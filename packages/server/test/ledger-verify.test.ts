import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildLeaf,
  cosign,
  createCosigner,
  createKeyResolver,
  createMemoryTree,
  credentialDigest,
  formatCheckpoint,
  formatTlogProof,
  inclusionProof,
  isCredentialBundle,
  leafHash,
  parseLeaf,
  parseNote,
  parseTlogProof,
  signCredential,
  signNote,
  verifyCredential,
  type Fetcher,
  type JsonObject,
  type LedgerCheckOptions,
  type LogEvent,
  type VerificationCheck,
  type VerificationResult,
} from '@skillproof/core';
import { createSelfFetcher } from '../src/http/self-fetcher.js';
import { integrateLog } from '../src/domains/ledger/integrate.js';
import { logSigner } from '../src/domains/ledger/log-key.js';
import { orgDid } from '../src/domains/orgs/identity.js';
import { signingKeyFor } from '../src/domains/orgs/signing-keys.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { issueMany, createSampleAchievement, member } from './helpers/fixtures.js';

const ORIGIN = 'skillproof.test/log';

describe.each(databaseTargets())('the verifier’s ledger check against a real instance on $name', (target) => {
  let ctx: TestContext;
  let fetcher: Fetcher;
  let orgId: string;
  let achievementId: string;
  let did: string;

  beforeAll(async () => {
    ctx = await createTestContext(target);
    fetcher = createSelfFetcher(ctx.app, ctx.deps);
    ({ orgId } = await member(ctx, 'issuer'));
    ({ achievementId } = await createSampleAchievement(ctx, orgId));
    const { slug } = await ctx.db
      .selectFrom('organizations')
      .select('slug')
      .where('id', '=', orgId)
      .executeTakeFirstOrThrow();
    did = orgDid(ctx.deps.publicUrl, slug);
  });
  afterAll(() => ctx?.close());

  async function issue(n: number): Promise<string[]> {
    return (await issueMany(ctx, orgId, achievementId, n)).map((r) => r.id);
  }

  const stored = async (id: string) =>
    (await ctx.db.selectFrom('credentials').select('document').where('id', '=', id).executeTakeFirstOrThrow())
      .document as JsonObject;
  const entryOf = (id: string) =>
    ctx.db
      .selectFrom('logEntries')
      .selectAll()
      .where('credentialId', '=', id)
      .where('type', '=', 'issue')
      .executeTakeFirstOrThrow();
  /** What a verifier holds: the credential as the instance serves it at its id. */
  const served = async (id: string) => (await (await ctx.app.request(`/credentials/${id}.json`)).json()) as JsonObject;
  const ledgerOf = (r: VerificationResult): VerificationCheck => r.checks.find((c) => c.id === 'ledger')!;
  const online = (credential: JsonObject | string, ledger: LedgerCheckOptions = {}) =>
    verifyCredential(credential, { fetcher, ledger });

  it('passes online for real issued credentials, through the DID document’s log service; 409 before integration', async () => {
    await integrateLog(ctx.db, ctx.deps); // the first checkpoint, so that the next entries wait for the second
    const ids = await issue(3);
    const early = await online(await served(ids[0]!));
    expect(ledgerOf(early)).toMatchObject({ status: 'unknown', code: 'ERR_FETCH_FAILED' });
    expect(early.verified).toBe(false);

    await integrateLog(ctx.db, ctx.deps);
    for (const id of ids) {
      const result = await online(await served(id));
      const entry = await entryOf(id);
      expect(result.checks.map((c) => [c.id, c.status])).toEqual([
        ['format', 'passed'],
        ['schema', 'passed'],
        ['proof', 'passed'],
        ['issuer', 'passed'],
        ['validity', 'passed'],
        ['status', 'passed'],
        ['ledger', 'passed'],
      ]);
      expect(ledgerOf(result).detail).toEqual({
        origin: ORIGIN,
        index: entry.idx,
        checkpointSize: Number((await ctx.db.selectFrom('logState').select('size').executeTakeFirstOrThrow()).size),
        witnesses: [],
        loggedAt: ctx.deps.clock().toISOString(),
        digestCompared: true,
      });
      expect(result.verified).toBe(true);
    }
    // The VC-JWT form: the same log entry, compared by id and issuer.
    const jwt = await (await ctx.app.request(`/credentials/${ids[0]}.jwt`)).text();
    const fromJwt = await online(jwt);
    expect(ledgerOf(fromJwt)).toMatchObject({ status: 'passed', detail: { digestCompared: false } });
    expect(fromJwt.verified).toBe(true);
  });

  it('passes offline from the download bundle: the credential, its tlog-proof and the issuer’s DID document', async () => {
    const [id] = await issue(1);
    await integrateLog(ctx.db, ctx.deps);
    const res = await ctx.app.request(`/credentials/${id}.bundle.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename=".*\.bundle\.json"$/);
    const bundle: unknown = await res.json();
    if (!isCredentialBundle(bundle)) throw new Error('not a bundle');
    expect(bundle.credential).toEqual(await stored(id!));
    expect(bundle.didDocument).toEqual(await (await ctx.app.request(`/orgs/${did.split(':').at(-1)}/did.json`)).json());
    expect(bundle.tlogProof).toBe(await (await ctx.app.request(`/credentials/${id}.tlog-proof`)).text());

    // No fetcher: keys and the log from the bundled DID document, the proof from the bundle.
    const resolver = createKeyResolver({ documents: { [did]: bundle.didDocument! } });
    const result = await verifyCredential(bundle.credential, { resolver, ledger: { proof: bundle.tlogProof } });
    expect(result.checks.map((c) => [c.id, c.status, c.code])).toEqual([
      ['format', 'passed', undefined],
      ['schema', 'passed', undefined],
      ['proof', 'passed', undefined],
      ['issuer', 'passed', undefined],
      ['validity', 'passed', undefined],
      // A status list changes after the download: offline, revocation cannot be known.
      ['status', 'unknown', 'ERR_STATUS_UNAVAILABLE'],
      ['ledger', 'passed', undefined],
    ]);
    const noStatus = await verifyCredential(bundle.credential, {
      resolver,
      checkStatus: false,
      ledger: { proof: bundle.tlogProof, logs: [{ origin: ORIGIN, logKeys: [await vkey()] }] },
    });
    expect(noStatus.verified).toBe(true);
    // Without the bundled proof, offline, the ledger is unknown (never passed).
    expect(ledgerOf(await verifyCredential(bundle.credential, { resolver, ledger: {} }))).toMatchObject({
      status: 'unknown',
      code: 'ERR_OFFLINE',
    });
  });

  it('POST /api/v1/verify runs the ledger check on ?ledger=check, and on a posted bundle with its proof', async () => {
    const [id] = await issue(1);
    await integrateLog(ctx.db, ctx.deps);
    const post = (path: string, body: unknown) =>
      ctx.app.request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    type Report = { verified: boolean; checks: Array<{ id: string; status: string; title: string; code?: string }> };
    const plain = (await (await post('/api/v1/verify', await served(id!))).json()) as Report;
    expect(plain.checks.map((c) => c.id)).not.toContain('ledger');
    const checked = (await (await post('/api/v1/verify?ledger=check', await served(id!))).json()) as Report;
    expect(checked.checks.at(-1)).toMatchObject({ id: 'ledger', status: 'passed', title: 'Transparency log' });
    expect(checked.verified).toBe(true);
    const bundle = (await (await ctx.app.request(`/credentials/${id}.bundle.json`)).json()) as JsonObject;
    const fromBundle = (await (await post('/api/v1/verify', bundle)).json()) as Report;
    expect(fromBundle.checks.at(-1)).toMatchObject({ id: 'ledger', status: 'passed' });
    const { proof: _p, ...unsigned } = bundle['credential'] as JsonObject;
    const { key } = await signingKeyFor(ctx.db, ctx.deps, orgId);
    const altered = await signCredential({ ...unsigned, name: 'Altered' }, { key, created: '2026-06-01T12:00:00Z' });
    const refused = (await (await post('/api/v1/verify', { ...bundle, credential: altered })).json()) as Report;
    expect(refused.checks.at(-1)).toMatchObject({ id: 'ledger', status: 'failed', code: 'ERR_LOG_ENTRY_MISMATCH' });
    expect(refused.verified).toBe(false);
    expect((await post('/api/v1/verify?ledger=sometimes', await served(id!))).status).toBe(400);
  });

  const vkey = async () => (await (await ctx.app.request('/log/vkey')).text()).trim();

  it('detects a stored credential altered after issuance, even when re-signed with the organisation’s key', async () => {
    const [plain, resigned] = await issue(2);
    await integrateLog(ctx.db, ctx.deps);
    const { key } = await signingKeyFor(ctx.db, ctx.deps, orgId);
    for (const [id, resign] of [
      [plain!, false],
      [resigned!, true],
    ] as const) {
      const original = await stored(id);
      const { proof: _proof, ...unsigned } = original;
      const changed = { ...unsigned, name: `${String(original['name'])} (altered)` };
      const forged = resign ? await signCredential(changed, { key, created: '2026-06-01T12:00:00Z' }) : changed;
      await ctx.db
        .updateTable('credentials')
        .set({ document: JSON.stringify(resign ? forged : { ...changed, proof: original['proof'] }) })
        .where('id', '=', id)
        .execute();
      const result = await online(await served(id));
      expect(ledgerOf(result)).toMatchObject({
        status: 'failed',
        code: 'ERR_LOG_ENTRY_MISMATCH',
        detail: { field: 'sha256', logged: credentialDigest(original) },
      });
      // Re-signed, every other check passes: only the log knows the document changed.
      if (resign) expect(result.checks.filter((c) => c.status === 'failed').map((c) => c.id)).toEqual(['ledger']);
      expect(result.verified).toBe(false);
    }
  });

  it('detects altered, deleted and reordered log entries and altered tiles', async () => {
    const ids = await issue(4);
    await integrateLog(ctx.db, ctx.deps);
    const [a, b, c, d] = await Promise.all(ids.map(entryOf));
    const check = async (id: string) => ledgerOf(await online(await served(id)));
    for (const id of ids) expect(await check(id)).toMatchObject({ status: 'passed' });
    const setLeaf = (idx: number, leaf: Uint8Array, credentialId: string | null) =>
      ctx.db.updateTable('logEntries').set({ leaf, credentialId }).where('idx', '=', idx).execute();

    // Altered: the entry rewritten to agree with an altered document (its digest), as an operator would.
    const leaf = parseLeaf(a!.leaf) as { sha256: string };
    const rewritten = new TextEncoder().encode(
      new TextDecoder().decode(a!.leaf).replace(leaf.sha256, credentialDigest({ altered: true })),
    );
    await setLeaf(a!.idx, rewritten, a!.credentialId);
    expect(await check(ids[0]!)).toMatchObject({ status: 'failed', code: 'ERR_LOG_PROOF_INVALID' });
    await setLeaf(a!.idx, a!.leaf, a!.credentialId);

    // Reordered: two entries swapped (each credential's row now at the other's index).
    await setLeaf(b!.idx, c!.leaf, c!.credentialId);
    await setLeaf(c!.idx, b!.leaf, b!.credentialId);
    expect(await check(ids[1]!)).toMatchObject({ status: 'failed', code: 'ERR_LOG_PROOF_INVALID' });
    expect(await check(ids[2]!)).toMatchObject({ status: 'failed', code: 'ERR_LOG_PROOF_INVALID' });
    await setLeaf(b!.idx, b!.leaf, b!.credentialId);
    await setLeaf(c!.idx, c!.leaf, c!.credentialId);

    // Deleted: the log no longer holds the issuance.
    await ctx.db.deleteFrom('logEntries').where('idx', '=', d!.idx).execute();
    expect(await check(ids[3]!)).toMatchObject({ status: 'failed', code: 'ERR_LOG_ENTRY_MISSING' });
    await ctx.db.insertInto('logEntries').values(d!).execute();

    // A stored tile altered: the hash beside the entry (its proof's first hash) in the level-0 tile.
    const tileIndex = Math.floor(a!.idx / 256);
    const tile = await ctx.db
      .selectFrom('logTiles')
      .selectAll()
      .where('level', '=', 0)
      .where('idx', '=', tileIndex)
      .executeTakeFirstOrThrow();
    const bad = Uint8Array.from(tile.hashes);
    bad[((a!.idx ^ 1) % 256) * 32]! ^= 1;
    const setTile = (hashes: Uint8Array) =>
      ctx.db.updateTable('logTiles').set({ hashes }).where('level', '=', 0).where('idx', '=', tileIndex).execute();
    await setTile(bad);
    expect(await check(ids[0]!)).toMatchObject({ status: 'failed', code: 'ERR_LOG_PROOF_INVALID' });
    await setTile(tile.hashes);

    for (const id of ids) expect(await check(id)).toMatchObject({ status: 'passed' });
  });

  it('with witnesses required, a checkpoint re-signed with the log key over a rewritten tree is refused', async () => {
    const [id] = await issue(1);
    await integrateLog(ctx.db, ctx.deps);
    const witness = createCosigner(
      'witness.example/w',
      Uint8Array.from({ length: 32 }, (_, i) => 200 - i),
    );
    const witnesses = [witness.verifierKey];

    // The honest checkpoint, cosigned by the witness: passes.
    const honest = parseTlogProof(await (await ctx.app.request(`/credentials/${id}.tlog-proof`)).text());
    const { text, signatures } = parseNote(honest.checkpoint);
    const cosigned = signNote(text, [], [...signatures, cosign(honest.checkpoint, witness, 1_780_000_000)]);
    const honestProof = formatTlogProof({ ...honest, checkpoint: cosigned });
    expect(ledgerOf(await online(await served(id!), { proof: honestProof, witnesses }))).toMatchObject({
      status: 'passed',
      detail: { witnesses: [witness.name] },
    });

    // The operator alters the credential, re-signs it with the organisation's key, rewrites its log entry to match
    // and signs a checkpoint over the rewritten tree with the real log key.
    const original = await stored(id!);
    const { proof: _proof, ...unsigned } = original;
    const { key } = await signingKeyFor(ctx.db, ctx.deps, orgId);
    const forged = await signCredential(
      { ...unsigned, name: `${String(original['name'])} (rewritten)` },
      { key, created: '2026-06-01T12:00:00Z' },
    );
    const rows = await ctx.db.selectFrom('logEntries').select(['idx', 'leaf']).orderBy('idx').execute();
    const entry = await entryOf(id!);
    const logged = parseLeaf(entry.leaf) as Extract<LogEvent, { sha256: string }>;
    const forgedLeaf = buildLeaf({ ...logged, sha256: credentialDigest(forged) });
    const tree = createMemoryTree();
    for (const r of rows) tree.append(leafHash(r.idx === entry.idx ? forgedLeaf : r.leaf));
    const note = signNote(formatCheckpoint({ origin: ORIGIN, size: tree.size, rootHash: tree.root() }), [
      await logSigner(ctx.db, ctx.deps),
    ]);
    const rewritten = formatTlogProof({
      index: entry.idx,
      extra: forgedLeaf,
      proof: inclusionProof(entry.idx, tree.size, tree.read),
      checkpoint: note,
    });
    // The log key alone cannot tell: it signed the rewritten tree.
    expect(ledgerOf(await verifyCredential(forged, { fetcher, ledger: { proof: rewritten } }))).toMatchObject({
      status: 'passed',
    });
    // The witness never cosigned it.
    const refused = await verifyCredential(forged, { fetcher, ledger: { proof: rewritten, witnesses } });
    expect(ledgerOf(refused)).toMatchObject({ status: 'failed', code: 'ERR_WITNESS_QUORUM' });
    expect(refused.verified).toBe(false);
  });
});
