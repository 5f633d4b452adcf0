import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  buildLeaf,
  consistencyProof,
  createMemoryTree,
  credentialDigest,
  leafHash,
  newTiles,
  openNote,
  parseCheckpoint,
  parseEntryBundle,
  parseLeaf,
  parseTlogProof,
  parseVerifierKey,
  rootOf,
  tileData,
  tileWidth,
  tileHashReader,
  tilePath,
  treeRoot,
  verifyConsistency,
  verifyTlogProof,
  HASH_SIZE,
  inclusionProof,
  type JsonObject,
  type LogLeaf,
} from '@skillproof/core';
import { issueCredentials } from '../src/domains/issuing/issue.js';
import { appendLogEntries } from '../src/domains/ledger/append.js';
import { findLatestCheckpoint, integrateLog, logIntegrationStep } from '../src/domains/ledger/integrate.js';
import { runHashes, storedTileReader } from '../src/domains/ledger/tile-store.js';
import { orgDid } from '../src/domains/orgs/identity.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { expectError } from './helpers/errors.js';
import {
  issueMany,
  anonymous,
  createOrg,
  createSampleAchievement,
  member,
  setSuspendableCredentials,
} from './helpers/fixtures.js';

const ORIGIN = 'skillproof.test/log';

describe('the server’s tile reader', () => {
  it('gives the proofs and roots of a reference tree, for any size and index, from tiles stored wider', () => {
    // 70,000 leaves: three tile levels, partial tiles at each.
    const tree = createMemoryTree();
    const counter = new Uint8Array(4);
    for (let i = 0; i < 70_000; i++) {
      new DataView(counter.buffer).setUint32(0, i);
      tree.append(leafHash(counter));
    }
    // As the database holds them: at the width of the latest tree (70,000 leaves), wider than a smaller tree's.
    const stored = new Map<string, { hashes: Uint8Array; runs: Uint8Array }>();
    const readTile = (level: number, index: number) => {
      const key = `${level}/${index}`;
      if (!stored.has(key)) {
        const hashes = tileData(level, index, tileWidth(level, index, tree.size), tree.read);
        stored.set(key, { hashes, runs: runHashes(hashes) });
      }
      return stored.get(key)!;
    };
    const hex = (hashes: Uint8Array[]) => hashes.map((h) => Buffer.from(h).toString('hex'));
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 1, max: 1200 }), fc.integer({ min: 65_000, max: 70_000 })),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (size, a, b) => {
          const read = storedTileReader(size, readTile);
          const index = Math.floor(a * size);
          const older = 1 + Math.floor(b * size);
          expect(Buffer.from(treeRoot(size, read))).toEqual(Buffer.from(tree.root(size)));
          expect(hex(inclusionProof(index, size, read))).toEqual(hex(inclusionProof(index, size, tree.read)));
          expect(hex(consistencyProof(older, size, read))).toEqual(hex(consistencyProof(older, size, tree.read)));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe.each(databaseTargets())('transparency log on $name', (target) => {
  let ctx: TestContext;
  /** Every credential issued in this file: each must have a verifying tlog-proof at the end. */
  const issued: string[] = [];

  beforeAll(async () => {
    ctx = await createTestContext(target, {}, { poolSize: 6 });
  });
  afterAll(() => ctx?.close());

  const logSize = async () => (await ctx.db.selectFrom('logState').select('size').executeTakeFirstOrThrow()).size;
  const entriesFrom = (from: number) =>
    ctx.db.selectFrom('logEntries').selectAll().where('idx', '>=', from).orderBy('idx').execute();
  const leafOf = (bytes: Uint8Array): LogLeaf => parseLeaf(bytes);
  const storedDocument = async (id: string) =>
    (await ctx.db.selectFrom('credentials').select('document').where('id', '=', id).executeTakeFirstOrThrow())
      .document as JsonObject;

  async function issueDirect(orgId: string, achievementId: string, n: number) {
    const rows = await issueMany(ctx, orgId, achievementId, n);
    issued.push(...rows.map((r) => r.id));
    return rows;
  }

  it('issuing appends one issue leaf per credential in the same transaction; a rolled-back issuance appends none', async () => {
    const { caller, orgId } = await member(ctx, 'issuer');
    const { achievementId } = await createSampleAchievement(ctx, orgId);
    const did = orgDid(
      ctx.deps.publicUrl,
      (await ctx.db.selectFrom('organizations').select('slug').where('id', '=', orgId).executeTakeFirstOrThrow()).slug,
    );

    const before = await logSize();
    const res = await caller.request('POST', `/api/v1/orgs/${orgId}/credentials`, {
      achievementId,
      recipient: { email: 'single@example.org' },
    });
    expect(res.status).toBe(201);
    const single = ((await res.json()) as { credential: { id: string } }).credential.id;
    issued.push(single);
    const batch = await issueDirect(orgId, achievementId, 5);

    const entries = await entriesFrom(before);
    expect(entries.map((e) => e.idx)).toEqual([0, 1, 2, 3, 4, 5].map((i) => before + i));
    expect(await logSize()).toBe(before + 6);
    const ids = [single, ...batch.map((r) => r.id)];
    expect(entries.map((e) => e.credentialId)).toEqual(ids);
    for (const [i, entry] of entries.entries()) {
      expect(entry.type).toBe('issue');
      expect(entry.orgId).toBe(orgId);
      expect(Buffer.from(entry.leafHash)).toEqual(Buffer.from(leafHash(entry.leaf)));
      const document = await storedDocument(ids[i]!);
      // The leaf, byte for byte: what the contracts fix (key order, compact JSON, the digest of the stored document).
      expect(new TextDecoder().decode(entry.leaf)).toBe(
        JSON.stringify({
          v: 1,
          type: 'issue',
          at: ctx.deps.clock().toISOString(),
          issuer: did,
          credential: `${ctx.deps.publicUrl}/credentials/${ids[i]}`,
          sha256: credentialDigest(document),
        }),
      );
    }

    const rowsBefore = await ctx.db
      .selectFrom('logEntries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    await expect(
      ctx.db.transaction().execute(async (tx) => {
        await issueCredentials(tx, ctx.deps, {
          orgId,
          achievementId,
          items: [{ recipient: { email: 'rolled-back@example.org' } }, { recipient: { email: 'too@example.org' } }],
          actor: null,
        });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await logSize()).toBe(before + 6);
    const rowsAfter = await ctx.db
      .selectFrom('logEntries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(rowsAfter.n)).toBe(Number(rowsBefore.n));
  });

  it('revocation, suspension, reinstatement and key rotation and revocation append their leaves', async () => {
    const owner = await member(ctx, 'owner');
    await setSuspendableCredentials(ctx, owner.orgId);
    const { achievementId } = await createSampleAchievement(ctx, owner.orgId);
    const [a, b] = await issueDirect(owner.orgId, achievementId, 2);
    const org = `/api/v1/orgs/${owner.orgId}`;
    const before = await logSize();
    const ok = async (path: string, body: unknown) => {
      const res = await owner.caller.request('POST', `${org}${path}`, body);
      expect(res.status, await res.clone().text()).toBeLessThan(300);
    };
    await ok(`/credentials/${a!.id}/suspend`, { reason: 'under review' });
    await ok(`/credentials/${a!.id}/unsuspend`, {});
    await ok(`/credentials/${b!.id}/revoke`, { reason: 'issued in error' });
    await ok('/keys/rotate', {});
    await ok('/keys/key-2/revoke', { reason: 'laptop stolen' });
    // A refused change appends nothing.
    const refused = await owner.caller.request('POST', `${org}/credentials/${b!.id}/revoke`, { reason: 'again' });
    await expectError(refused, 409, 'ERR_STATE');

    const slug = (
      await ctx.db.selectFrom('organizations').select('slug').where('id', '=', owner.orgId).executeTakeFirstOrThrow()
    ).slug;
    const did = orgDid(ctx.deps.publicUrl, slug);
    const leaves = (await entriesFrom(before)).map((e) => ({ ...leafOf(e.leaf), credentialId: e.credentialId }));
    const digestA = credentialDigest(await storedDocument(a!.id));
    const digestB = credentialDigest(await storedDocument(b!.id));
    const at = ctx.deps.clock().toISOString();
    const url = (id: string) => `${ctx.deps.publicUrl}/credentials/${id}`;
    expect(leaves).toEqual([
      { v: 1, type: 'suspend', at, issuer: did, credential: url(a!.id), sha256: digestA, credentialId: a!.id },
      { v: 1, type: 'unsuspend', at, issuer: did, credential: url(a!.id), sha256: digestA, credentialId: a!.id },
      { v: 1, type: 'revoke', at, issuer: did, credential: url(b!.id), sha256: digestB, credentialId: b!.id },
      { v: 1, type: 'key-add', at, issuer: did, key: `${did}#key-2`, credentialId: null },
      { v: 1, type: 'key-revoke', at, issuer: did, key: `${did}#key-2`, reason: 'laptop stolen', credentialId: null },
      { v: 1, type: 'key-add', at, issuer: did, key: `${did}#key-3`, credentialId: null },
    ]);
    // The organisation's first key was logged when it was made.
    const first = await ctx.db
      .selectFrom('logEntries')
      .select('leaf')
      .where('orgId', '=', owner.orgId)
      .orderBy('idx')
      .executeTakeFirstOrThrow();
    expect(leafOf(first.leaf)).toMatchObject({ type: 'key-add', key: `${did}#key-1` });
  });

  it('indexes stay dense and each transaction’s entries contiguous under concurrent issuance', async () => {
    const orgs = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const org = await createOrg(ctx);
        return { orgId: org.id, achievementId: (await createSampleAchievement(ctx, org.id)).achievementId };
      }),
    );
    const before = await logSize();
    const work = Array.from({ length: 10 }, (_, i) => {
      const { orgId, achievementId } = orgs[i % orgs.length]!;
      return ctx.db.transaction().execute(async (tx) => {
        const rows = await issueCredentials(tx, ctx.deps, {
          orgId,
          achievementId,
          items: Array.from({ length: 3 }, (_, j) => ({
            recipient: { email: `c${i}-${j}@example.org` },
            notify: false,
          })),
          actor: null,
        });
        if (i % 5 === 4) throw new Error('roll back');
        return rows.map((r) => r.id);
      });
    });
    const outcomes = await Promise.allSettled(work);
    const committed = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    expect(committed).toHaveLength(8);
    issued.push(...committed.flat());
    const entries = await entriesFrom(before);
    expect(entries.map((e) => e.idx)).toEqual(entries.map((_, i) => before + i));
    expect(entries).toHaveLength(24);
    expect(await logSize()).toBe(before + 24);
    const position = new Map(entries.map((e) => [e.credentialId!, e.idx]));
    for (const ids of committed) {
      const at = ids.map((id) => position.get(id)!);
      expect(at).toEqual([at[0]!, at[0]! + 1, at[0]! + 2]);
    }
  });

  it('the job step integrates waiting entries at most once per interval, and only reads when idle', async () => {
    const { id: orgId } = await createOrg(ctx); // its key-add waits
    const step = logIntegrationStep(ctx.deps, { intervalMs: 1000 });
    const checkpointSize = async () => (await findLatestCheckpoint(ctx.db))?.size;
    expect(await step()).toBe(false);
    expect(await checkpointSize()).toBe(await logSize());
    const appendOne = () =>
      ctx.db.transaction().execute((tx) =>
        appendLogEntries(tx, [
          {
            type: 'key-add',
            orgId,
            credentialId: null,
            at: ctx.deps.clock(),
            leaf: buildLeaf({
              type: 'key-add',
              at: ctx.deps.clock(),
              issuer: 'did:example:step',
              key: 'did:example:step#k',
            }),
          },
        ]),
      );
    await appendOne();
    expect(await step()).toBe(false);
    expect(await checkpointSize()).toBe((await logSize()) - 1); // within the interval: waits
    ctx.setNow(new Date(ctx.deps.clock().getTime() + 1000));
    expect(await step()).toBe(false);
    expect(await checkpointSize()).toBe(await logSize());
    const checkpoints = await ctx.db.selectFrom('logCheckpoints').select('size').execute();
    ctx.setNow(new Date(ctx.deps.clock().getTime() + 1000));
    expect(await step()).toBe(false); // idle: no new checkpoint
    expect(await ctx.db.selectFrom('logCheckpoints').select('size').execute()).toHaveLength(checkpoints.length);
  });

  /** Fetches every tile and entry bundle of a tree of `size` leaves from the routes. */
  async function fetchTiles(size: number) {
    const tiles = new Map<string, Uint8Array>();
    for (const ref of newTiles(0, size)) {
      for (const level of ref.level === 0 ? [0, 'entries' as const] : [ref.level]) {
        const path = tilePath(level, ref.index, ref.width);
        const res = await anonymous(ctx).request('GET', `/log/${path}`);
        expect(res.status, path).toBe(200);
        expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
        tiles.set(path, new Uint8Array(await res.arrayBuffer()));
      }
    }
    return tiles;
  }

  async function servedCheckpoint() {
    const vkey = (await (await anonymous(ctx).request('GET', '/log/vkey')).text()).trim();
    const res = await anonymous(ctx).request('GET', '/log/checkpoint');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const note = await res.text();
    const opened = openNote(note, [parseVerifierKey(vkey)]);
    expect(opened.verified).toEqual([ORIGIN]);
    return { vkey, note, checkpoint: parseCheckpoint(opened.text) };
  }

  it('integration signs a checkpoint whose root is that of the stored leaves, and the served tiles reproduce it', async () => {
    await integrateLog(ctx.db, ctx.deps);
    const { checkpoint } = await servedCheckpoint();
    expect(checkpoint.origin).toBe(ORIGIN);
    expect(checkpoint.size).toBe(await logSize());
    const leaves = (await entriesFrom(0)).map((e) => e.leaf);
    expect(Buffer.from(checkpoint.rootHash)).toEqual(Buffer.from(rootOf(leaves.map(leafHash))));

    const tiles = await fetchTiles(checkpoint.size);
    const read = tileHashReader(checkpoint.size, (l, n, w) => tiles.get(tilePath(l, n, w))!);
    expect(Buffer.from(treeRoot(checkpoint.size, read))).toEqual(Buffer.from(checkpoint.rootHash));
    const bundled = newTiles(0, checkpoint.size)
      .filter((t) => t.level === 0)
      .flatMap((t) => parseEntryBundle(tiles.get(tilePath('entries', t.index, t.width))!, t.width));
    expect(bundled.map((b) => Buffer.from(b))).toEqual(leaves.map((b) => Buffer.from(b)));
  });

  it('grows across tile boundaries: every checkpoint equals a reference tree and is consistent with the one before', async () => {
    const { id: orgId } = await createOrg(ctx);
    const reference = createMemoryTree();
    for (const e of await entriesFrom(0)) reference.append(leafHash(e.leaf));
    let previous = (await servedCheckpoint()).checkpoint;
    // One entry; up to a full tile exactly; one past it; more than a tile; a few.
    const steps = [() => 1, () => 256 - (reference.size % 256), () => 1, () => 300, () => 2];
    for (const step of steps) {
      const count = step();
      const leaves = Array.from({ length: count }, (_, i) =>
        buildLeaf({ type: 'key-add', at: ctx.deps.clock(), issuer: `did:example:${orgId}`, key: `did:example:k#${i}` }),
      );
      await ctx.db.transaction().execute((tx) =>
        appendLogEntries(
          tx,
          leaves.map((leaf) => ({ type: 'key-add', orgId, credentialId: null, at: ctx.deps.clock(), leaf })),
        ),
      );
      for (const leaf of leaves) reference.append(leafHash(leaf));
      // Small integrations too: a checkpoint may stop inside the new entries.
      await integrateLog(ctx.db, ctx.deps, { maxEntries: Math.max(1, count - 1) });
      await integrateLog(ctx.db, ctx.deps);
      const { checkpoint } = await servedCheckpoint();
      expect(checkpoint.size).toBe(reference.size);
      expect(Buffer.from(checkpoint.rootHash)).toEqual(Buffer.from(reference.root()));
      const tiles = await fetchTiles(checkpoint.size);
      const read = tileHashReader(checkpoint.size, (l, n, w) => tiles.get(tilePath(l, n, w))!);
      const proof = consistencyProof(previous.size, checkpoint.size, read);
      expect(verifyConsistency(previous.size, checkpoint.size, proof, previous.rootHash, checkpoint.rootHash)).toBe(
        true,
      );
      previous = checkpoint;
    }
    expect(reference.size).toBeGreaterThan(512);
  });

  it('every credential’s tlog-proof verifies against the log key; the proof routes answer errors by code', async () => {
    const { id: orgId } = await createOrg(ctx);
    const { achievementId } = await createSampleAchievement(ctx, orgId);
    const [late] = await issueDirect(orgId, achievementId, 1);
    const notYet = await anonymous(ctx).request('GET', `/credentials/${late!.id}.tlog-proof`);
    await expectError(notYet, 409, 'ERR_STATE');
    expect(notYet.headers.get('retry-after')).toBe('2');
    await integrateLog(ctx.db, ctx.deps);

    const { vkey, checkpoint } = await servedCheckpoint();
    const tiles = await fetchTiles(checkpoint.size);
    const entry = (index: number) => {
      const bundle = tiles.get(
        tilePath('entries', Math.floor(index / 256), Math.min(256, checkpoint.size - Math.floor(index / 256) * 256)),
      )!;
      return parseEntryBundle(bundle)[index % 256]!;
    };
    expect(issued.length).toBeGreaterThan(30);
    for (const id of issued) {
      const url = `${ctx.deps.publicUrl}/credentials/${id}`;
      const res = await anonymous(ctx).request('GET', `/credentials/${id}.tlog-proof`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      const text = await res.text();
      const api = await anonymous(ctx).request('GET', `/api/v1/log/proof?credential=${encodeURIComponent(url)}`);
      expect(await api.text()).toBe(text);
      const { index } = parseTlogProof(text);
      const leaf = entry(index);
      const served = (await (await anonymous(ctx).request('GET', `/credentials/${id}.json`)).json()) as JsonObject;
      expect(leafOf(leaf)).toMatchObject({ type: 'issue', credential: url, sha256: credentialDigest(served) });
      const result = verifyTlogProof(text, leaf, { origin: ORIGIN, logKeys: [vkey] });
      expect(result.verified, JSON.stringify(result)).toBe(true);
      // Another leaf at that index does not verify.
      const other = verifyTlogProof(text, entry(index === 0 ? 1 : 0), { origin: ORIGIN, logKeys: [vkey] });
      expect(other).toMatchObject({ verified: false, code: 'ERR_LOG_PROOF_INVALID' });
    }

    const get = (path: string) => anonymous(ctx).request('GET', path);
    await expectError(await get('/api/v1/log/proof?credential=not-a-credential'), 400, 'ERR_VALIDATION');
    await expectError(await get(`/api/v1/log/proof?credential=${crypto.randomUUID()}`), 404, 'ERR_NOT_FOUND');
    await expectError(await get('/log/tile/0/x000/001'), 400, 'ERR_TILE_PATH_INVALID');
    await expectError(await get('/log/tile/0/999'), 404, 'ERR_NOT_FOUND');
    await expectError(await get(`/log/${tilePath(0, 0, 255)}/extra`), 400, 'ERR_TILE_PATH_INVALID');
    const beyond = tilePath(0, Math.floor(checkpoint.size / 256), (checkpoint.size % 256) + 1);
    await expectError(await get(`/log/${beyond}`), 404, 'ERR_NOT_FOUND');
  });

  it('tampering with a stored log row, tile or credential makes the recomputed root or the digest disagree', async () => {
    await integrateLog(ctx.db, ctx.deps);
    const { checkpoint } = await servedCheckpoint();
    const storedRoot = async () => {
      const rows = await ctx.db.selectFrom('logEntries').select('leaf').orderBy('idx').execute();
      return Buffer.from(
        rows.length === checkpoint.size ? rootOf(rows.map((r) => leafHash(r.leaf))) : new Uint8Array(HASH_SIZE),
      );
    };
    const root = Buffer.from(checkpoint.rootHash);
    expect(await storedRoot()).toEqual(root);
    const rows = await entriesFrom(0);
    const [x, y] = [rows[3]!, rows[rows.length - 2]!];
    const setLeaf = (idx: number, leaf: Uint8Array) =>
      ctx.db.updateTable('logEntries').set({ leaf }).where('idx', '=', idx).execute();

    // Altered: one byte of a leaf.
    const altered = Uint8Array.from(x.leaf);
    altered[altered.length - 3]! ^= 1;
    await setLeaf(x.idx, altered);
    expect(await storedRoot()).not.toEqual(root);
    await setLeaf(x.idx, x.leaf);
    // Reordered: two leaves swapped.
    await setLeaf(x.idx, y.leaf);
    await setLeaf(y.idx, x.leaf);
    expect(await storedRoot()).not.toEqual(root);
    await setLeaf(x.idx, x.leaf);
    await setLeaf(y.idx, y.leaf);
    // Deleted: a row gone.
    await ctx.db.deleteFrom('logEntries').where('idx', '=', y.idx).execute();
    expect(await storedRoot()).not.toEqual(root);
    await ctx.db.insertInto('logEntries').values(y).execute();
    expect(await storedRoot()).toEqual(root);

    // A stored tile changed: the served tiles no longer reproduce the signed root (level 1 holds the roots of the
    // full level-0 tiles, so a full level-0 tile is checked against it, and level 1 against the checkpoint).
    const tileAt = (level: number) =>
      ctx.db.selectFrom('logTiles').selectAll().where('level', '=', level).where('idx', '=', 0);
    const setTile = (level: number, hashes: Uint8Array) =>
      ctx.db.updateTable('logTiles').set({ hashes }).where('level', '=', level).where('idx', '=', 0).execute();
    const rootFromTiles = async () => {
      const served = await fetchTiles(checkpoint.size);
      const read = tileHashReader(checkpoint.size, (l, n, w) => served.get(tilePath(l, n, w))!);
      return {
        root: Buffer.from(treeRoot(checkpoint.size, read)),
        tile0: Buffer.from(
          rootOf(Array.from({ length: 256 }, (_, i) => served.get(tilePath(0, 0))!.subarray(i * 32, i * 32 + 32))),
        ),
        level1: Buffer.from(served.get(tilePath(1, 0, Math.floor(checkpoint.size / 256)))!.subarray(0, 32)),
      };
    };
    expect(checkpoint.size).toBeGreaterThan(512);
    for (const level of [0, 1]) {
      const tile = await tileAt(level).executeTakeFirstOrThrow();
      const bad = Uint8Array.from(tile.hashes);
      bad[0]! ^= 1;
      await setTile(level, bad);
      const served = await rootFromTiles();
      if (level === 0) expect(served.tile0).not.toEqual(served.level1);
      else expect(served.root).not.toEqual(root);
      await setTile(level, tile.hashes);
    }
    const restored = await rootFromTiles();
    expect(restored.root).toEqual(root);
    expect(restored.tile0).toEqual(restored.level1);

    // A stored credential changed: its digest no longer matches its leaf.
    const id = issued[0]!;
    const entry = rows.find((r) => r.credentialId === id && r.type === 'issue')!;
    const original = await storedDocument(id);
    expect(credentialDigest(original)).toBe((leafOf(entry.leaf) as { sha256: string }).sha256);
    const forged = { ...original, name: `${String(original['name'])} (forged)` };
    await ctx.db
      .updateTable('credentials')
      .set({ document: JSON.stringify(forged) })
      .where('id', '=', id)
      .execute();
    const servedDoc = (await (await anonymous(ctx).request('GET', `/credentials/${id}.json`)).json()) as JsonObject;
    expect(credentialDigest(servedDoc)).not.toBe((leafOf(entry.leaf) as { sha256: string }).sha256);
    await ctx.db
      .updateTable('credentials')
      .set({ document: JSON.stringify(original) })
      .where('id', '=', id)
      .execute();
  });
});
