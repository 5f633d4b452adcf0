import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNoteSigner,
  formatCheckpoint,
  openNote,
  parseTlogProof,
  parseVerifierKey,
  signNote,
  verifyConsistency,
  verifyTlogProof,
} from '@skillproof/core';
import { logConsistencyProof } from '../src/domains/ledger/consistency.js';
import { findLatestCheckpoint, integrateLog } from '../src/domains/ledger/integrate.js';
import { logSigner, logVerifierKey } from '../src/domains/ledger/log-key.js';
import { logWitnessingStep, requestCosignatures } from '../src/domains/ledger/witnessing.js';
import { witnessCosigner } from '../src/domains/witness/witness-key.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { expectError } from './helpers/errors.js';
import { issueMany, createOrg, createSampleAchievement } from './helpers/fixtures.js';

const A = 'https://a.skillproof.test';
const B = 'https://b.skillproof.test';

describe.each(databaseTargets())('two instances witnessing each other on $name', (target) => {
  let a: TestContext;
  let b: TestContext;
  const keys = { aLog: '', bLog: '', aWitness: '', bWitness: '' };
  /** add-checkpoint requests sent through the routed fetch: [from host, to host, status]. */
  const sent: { to: string; status: number }[] = [];
  const byHost = new Map<string, TestContext>();
  const routed: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const ctx = byHost.get(url.host);
    if (!ctx) throw new TypeError('fetch failed');
    const response = await ctx.app.request(url.href, init);
    sent.push({ to: url.host, status: response.status });
    return response;
  };
  const orgs = new Map<TestContext, { orgId: string; achievementId: string }>();

  beforeAll(async () => {
    [a, b] = await Promise.all([
      createTestContext(target, { publicUrl: A }, { poolSize: 4 }),
      createTestContext(target, { publicUrl: B }, { poolSize: 4 }),
    ]);
    byHost.set('a.skillproof.test', a).set('b.skillproof.test', b);
    keys.aLog = await logVerifierKey(a.db, a.deps);
    keys.bLog = await logVerifierKey(b.db, b.deps);
    keys.aWitness = (await witnessCosigner(a.db, a.deps)).verifierKey;
    keys.bWitness = (await witnessCosigner(b.db, b.deps)).verifierKey;
    // The apps hold these deps objects: configuring them now configures the running apps.
    a.deps.ledger = {
      fetch: routed,
      witnesses: [{ vkey: keys.bWitness, url: `${B}/witness` }],
      witnessedLogs: [keys.bLog],
    };
    b.deps.ledger = {
      fetch: routed,
      witnesses: [{ vkey: keys.aWitness, url: `${A}/witness/` }],
      witnessedLogs: [keys.aLog],
    };
    for (const ctx of [a, b]) {
      const { id: orgId } = await createOrg(ctx);
      const { achievementId } = await createSampleAchievement(ctx, orgId);
      orgs.set(ctx, { orgId, achievementId });
    }
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  async function issue(ctx: TestContext, n: number): Promise<string[]> {
    const { orgId, achievementId } = orgs.get(ctx)!;
    return (await issueMany(ctx, orgId, achievementId, n)).map((r) => r.id);
  }

  /** Issues n credentials and integrates them into a new checkpoint; its size. */
  async function grow(ctx: TestContext, n: number): Promise<number> {
    await issue(ctx, n);
    return (await integrateLog(ctx.db, ctx.deps))!.checkpoint.size;
  }
  const served = async (ctx: TestContext) => {
    const res = await ctx.app.request('/log/checkpoint');
    expect(res.status).toBe(200);
    return res.text();
  };
  const servedSize = async (ctx: TestContext) => Number((await served(ctx)).split('\n')[1]);
  const witnessedBy = async (witness: TestContext, origin: string) =>
    witness.db.selectFrom('witnessedLogs').selectAll().where('origin', '=', origin).executeTakeFirst();
  const checkpointAt = async (ctx: TestContext, size: number) =>
    ctx.db.selectFrom('logCheckpoints').selectAll().where('size', '=', size).executeTakeFirstOrThrow();
  const addCheckpoint = (witness: TestContext, body: string) =>
    witness.app.request('/witness/add-checkpoint', { method: 'POST', body });
  const lines = (proof: Uint8Array[]) => proof.map((h) => `${Buffer.from(h).toString('base64')}\n`).join('');

  it('each serves checkpoints cosigned by the other, and its credentials’ proofs verify with that witness', async () => {
    const issuedA = await issue(a, 3);
    await issue(b, 2);
    await integrateLog(a.db, a.deps);
    await integrateLog(b.db, b.deps);
    // Witnessing required (every configured witness) and nothing cosigned yet: nothing is served.
    await expectError(await a.app.request('/log/checkpoint'), 503, 'ERR_UNAVAILABLE');

    expect(await requestCosignatures(a.deps)).toEqual([{ witness: keys.bWitness, outcome: 'cosigned' }]);
    expect(await requestCosignatures(b.deps)).toEqual([{ witness: keys.aWitness, outcome: 'cosigned' }]);
    expect(await requestCosignatures(a.deps)).toEqual([{ witness: keys.bWitness, outcome: 'present' }]);

    for (const [ctx, log, witness, origin, name] of [
      [a, keys.aLog, keys.bWitness, 'a.skillproof.test/log', 'b.skillproof.test/witness'],
      [b, keys.bLog, keys.aWitness, 'b.skillproof.test/log', 'a.skillproof.test/witness'],
    ] as const) {
      const note = await served(ctx);
      const latest = (await findLatestCheckpoint(ctx.db))!;
      expect(note.startsWith(latest.note)).toBe(true);
      const opened = openNote(note, [parseVerifierKey(log), parseVerifierKey(witness)]);
      expect(opened.verified).toEqual([origin, name]);
      // The witness recorded exactly the checkpoint it cosigned; the log, the size that witness cosigned.
      const other = ctx === a ? b : a;
      const record = (await witnessedBy(other, origin))!;
      expect([record.size, Buffer.from(record.rootHash!)]).toEqual([latest.size, Buffer.from(latest.rootHash)]);
      const state = await ctx.db.selectFrom('logWitnessState').selectAll().executeTakeFirstOrThrow();
      expect([state.witness, state.size]).toEqual([witness, latest.size]);
    }

    for (const id of issuedA) {
      const text = await (await a.app.request(`/log/proof?credential=${id}`)).text();
      const leaf = parseTlogProof(text).extra!;
      const policy = { origin: 'a.skillproof.test/log', logKeys: [keys.aLog] };
      const result = verifyTlogProof(text, leaf, { ...policy, witnesses: [keys.bWitness] });
      expect(result).toMatchObject({ verified: true, witnesses: [{ name: 'b.skillproof.test/witness' }] });
      // Its own witness key did not cosign its own log.
      expect(verifyTlogProof(text, leaf, { ...policy, witnesses: [keys.aWitness] })).toMatchObject({
        verified: false,
        code: 'ERR_WITNESS_QUORUM',
      });
    }
  });

  it('serves a new checkpoint only once cosigned, the witness checking the consistency proof from its size', async () => {
    const before = await servedSize(a);
    const size = await grow(a, 2);
    expect(size).toBe(before + 2);
    expect(await servedSize(a)).toBe(before);
    expect(await requestCosignatures(a.deps)).toEqual([{ witness: keys.bWitness, outcome: 'cosigned' }]);
    expect(await servedSize(a)).toBe(size);
    expect((await witnessedBy(b, 'a.skillproof.test/log'))!.size).toBe(size);
  });

  it('log side: on the witness’s 409 it takes the size the witness states and asks again once', async () => {
    await a.db.updateTable('logWitnessState').set({ size: 0 }).execute();
    const size = await grow(a, 1);
    sent.length = 0;
    expect(await requestCosignatures(a.deps)).toEqual([{ witness: keys.bWitness, outcome: 'cosigned' }]);
    expect(sent).toEqual([
      { to: 'b.skillproof.test', status: 409 },
      { to: 'b.skillproof.test', status: 200 },
    ]);
    expect(await servedSize(a)).toBe(size);
  });

  it('log side: an unreachable witness is logged and asked again after a back-off; the served checkpoint waits', async () => {
    const before = await servedSize(a);
    const size = await grow(a, 1);
    const calls: string[] = [];
    a.deps.ledger = {
      ...a.deps.ledger,
      fetch: (input) => {
        calls.push(String(input));
        return Promise.reject(new TypeError('fetch failed'));
      },
    };
    const step = logWitnessingStep(a.deps, { intervalMs: 1000 });
    try {
      a.setNow('2026-06-02T00:00:00Z');
      await step();
      expect(calls).toEqual([`${B}/witness/add-checkpoint`]);
      expect(a.logLines.some((l) => l.includes('a witness did not cosign') && l.includes('fetch failed'))).toBe(true);
      a.setNow('2026-06-02T00:00:01.500Z'); // past the interval, within the back-off (2 s)
      await step();
      expect(calls).toHaveLength(1);
      expect(await servedSize(a)).toBe(before);
    } finally {
      a.deps.ledger = { ...a.deps.ledger, fetch: routed };
    }
    a.setNow('2026-06-02T00:00:03Z');
    await step();
    expect(await servedSize(a)).toBe(size);
  });

  it('witness side: refuses unknown logs (404), bad signatures (403), bad sizes (400, 409) and bad proofs (422)', async () => {
    const witnessed = (await witnessedBy(b, 'a.skillproof.test/log'))!;
    const current = witnessed.note!;
    const S = witnessed.size;

    // Old size 0 while the witness cosigned S: 409 with the size, as text/x.tlog.size.
    let res = await addCheckpoint(b, `old 0\n\n${current}`);
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toBe('text/x.tlog.size');
    expect(await res.text()).toBe(`${S}\n`);

    // The same checkpoint again from its own size: cosigned again (nothing changes).
    res = await addCheckpoint(b, `old ${S}\n\n${current}`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toMatch(/^— b\.skillproof\.test\/witness \S+\n$/);
    expect(openNote(current + body, [parseVerifierKey(keys.bWitness)]).verified).toEqual(['b.skillproof.test/witness']);

    const text = current.slice(0, current.indexOf('\n\n') + 1);
    const other = createNoteSigner('c.skillproof.test/log', randomBytes(32));
    await expectError(
      await addCheckpoint(b, `old 0\n\n${signNote(text.replace('a.skillproof.test/log', other.name), [other])}`),
      404,
      'ERR_LOG_UNKNOWN',
    );
    const impostor = createNoteSigner('a.skillproof.test/log', randomBytes(32));
    await expectError(await addCheckpoint(b, `old ${S}\n\n${signNote(text, [impostor])}`), 403, 'ERR_NOTE_UNVERIFIED');
    // The real signature over other text (another size).
    const altered = current.replace(`\n${S}\n`, `\n${S + 1}\n`);
    await expectError(await addCheckpoint(b, `old ${S}\n\n${altered}`), 403, 'ERR_NOTE_UNVERIFIED');
    await expectError(await addCheckpoint(b, `old ${S + 1}\n\n${current}`), 400, 'ERR_VALIDATION');
    for (const malformed of [`old 0${S}\n\n${current}`, `old ${S}\n${current}`, `old ${S}\nnot-base64\n\n${current}`]) {
      await expectError(await addCheckpoint(b, malformed), 400, 'ERR_VALIDATION');
    }

    const S2 = await grow(a, 3);
    const next = (await checkpointAt(a, S2)).note;
    const proof = await logConsistencyProof(a.db, S, S2);
    expect(proof.length).toBeGreaterThan(0);
    const flipped = proof.map((h, i) => (i === 0 ? Uint8Array.from(h, (x, j) => (j === 0 ? x ^ 1 : x)) : h));
    await expectError(await addCheckpoint(b, `old ${S}\n${lines(flipped)}\n${next}`), 422, 'ERR_LOG_INCONSISTENT');
    await expectError(
      await addCheckpoint(b, `old ${S}\n${lines(proof.slice(1))}\n${next}`),
      422,
      'ERR_LOG_INCONSISTENT',
    );
    expect((await witnessedBy(b, 'a.skillproof.test/log'))!.size).toBe(S);
    // The right proof is cosigned.
    res = await addCheckpoint(b, `old ${S}\n${lines(proof)}\n${next}`);
    expect(res.status).toBe(200);
    expect((await witnessedBy(b, 'a.skillproof.test/log'))!.size).toBe(S2);
  });

  it('witness side: a split view and a rewritten history, signed with the real log key, are refused and recorded', async () => {
    const signer = await logSigner(a.db, a.deps);
    const witnessed = (await witnessedBy(b, 'a.skillproof.test/log'))!;
    const S = witnessed.size;
    const fork = signNote(
      formatCheckpoint({ origin: signer.name, size: S, rootHash: new Uint8Array(randomBytes(32)) }),
      [signer],
    );
    await expectError(await addCheckpoint(b, `old ${S}\n\n${fork}`), 409, 'ERR_LOG_CONFLICT');
    // From old size 0 it is the size conflict the protocol answers, and still evidence.
    expect((await addCheckpoint(b, `old 0\n\n${fork}`)).status).toBe(409);

    const real = await grow(a, 2);
    const proof = await logConsistencyProof(a.db, S, real);
    const rewritten = signNote(
      formatCheckpoint({ origin: signer.name, size: real, rootHash: new Uint8Array(randomBytes(32)) }),
      [signer],
    );
    await expectError(await addCheckpoint(b, `old ${S}\n${lines(proof)}\n${rewritten}`), 422, 'ERR_LOG_INCONSISTENT');
    expect((await witnessedBy(b, 'a.skillproof.test/log'))!.size).toBe(S);

    const res = await b.app.request('/witness/evidence?origin=a.skillproof.test/log');
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as {
      items: {
        kind: string;
        witnessedSize: number;
        witnessedNote: string;
        conflictingSize: number;
        conflictingNote: string;
        proof: string;
      }[];
    };
    const split = items.filter((e) => e.kind === 'split-view');
    expect(split).toHaveLength(1);
    expect(split[0]).toMatchObject({
      witnessedSize: S,
      witnessedNote: witnessed.note,
      conflictingSize: S,
      conflictingNote: fork,
    });
    expect(items.find((e) => e.conflictingNote === rewritten)).toMatchObject({
      kind: 'inconsistent',
      witnessedSize: S,
      conflictingSize: real,
      proof: lines(proof),
    });
    expect(b.logLines.some((l) => l.includes('"level":40') && l.includes('split view'))).toBe(true);
    expect((await (await b.app.request('/witness/evidence?origin=b.skillproof.test/log')).json()).items).toEqual([]);

    // The log itself carries on: its real checkpoint is consistent and cosigned.
    expect(await requestCosignatures(a.deps)).toEqual([{ witness: keys.bWitness, outcome: 'cosigned' }]);
    expect(await servedSize(a)).toBe(real);
  });

  it('witness side: of two concurrent requests from one old size, one is cosigned and the other gets 409', async () => {
    const S = (await witnessedBy(b, 'a.skillproof.test/log'))!.size;
    const S3 = await grow(a, 1);
    const S4 = await grow(a, 2);
    const bodies = await Promise.all(
      [S3, S4].map(
        async (n) => `old ${S}\n${lines(await logConsistencyProof(a.db, S, n))}\n${(await checkpointAt(a, n)).note}`,
      ),
    );
    const responses = await Promise.all(bodies.map((body) => addCheckpoint(b, body)));
    const statuses = responses.map((r) => r.status);
    expect([...statuses].sort()).toEqual([200, 409]);
    const winner = statuses[0] === 200 ? S3 : S4;
    expect((await witnessedBy(b, 'a.skillproof.test/log'))!.size).toBe(winner);
    expect(await responses[statuses.indexOf(409)]!.text()).toBe(`${winner}\n`);
  });

  it('serves consistency proofs between any two sizes up to the served checkpoint', async () => {
    expect(await requestCosignatures(a.deps)).toEqual([{ witness: keys.bWitness, outcome: 'cosigned' }]);
    const sizes = (await a.db.selectFrom('logCheckpoints').select('size').orderBy('size').execute()).map((r) => r.size);
    const top = await servedSize(a);
    expect(top).toBe(sizes.at(-1));
    for (const from of sizes.filter((s) => s > 0)) {
      for (const to of sizes.filter((s) => s >= from)) {
        const res = await a.app.request(`/api/v1/log/consistency?from=${from}&to=${to}`);
        expect(res.status).toBe(200);
        const proof = (await res.text())
          .split('\n')
          .filter(Boolean)
          .map((l) => new Uint8Array(Buffer.from(l, 'base64')));
        const [r1, r2] = [(await checkpointAt(a, from)).rootHash, (await checkpointAt(a, to)).rootHash];
        expect(verifyConsistency(from, to, proof, r1, r2)).toBe(true);
      }
    }
    const defaulted = await a.app.request(`/api/v1/log/consistency?from=${sizes[1]}`);
    expect(await defaulted.text()).toBe(
      await (await a.app.request(`/api/v1/log/consistency?from=${sizes[1]}&to=${top}`)).text(),
    );
    expect(await (await a.app.request(`/api/v1/log/consistency?from=0&to=${top}`)).text()).toBe('');
    await expectError(await a.app.request(`/api/v1/log/consistency?from=${top}&to=1`), 400, 'ERR_VALIDATION');
    await expectError(await a.app.request(`/api/v1/log/consistency?from=1&to=${top + 1}`), 400, 'ERR_VALIDATION');
    await expectError(await a.app.request(`/api/v1/log/consistency?from=-1`), 400, 'ERR_VALIDATION');
  });

  it('serves the witness verifier key', async () => {
    const res = await b.app.request('/witness/vkey');
    expect(await res.text()).toBe(`${keys.bWitness}\n`);
    expect(parseVerifierKey(keys.bWitness)).toMatchObject({ name: 'b.skillproof.test/witness', type: 4 });
  });
});
