import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditLog,
  leafHash,
  type AuditGet,
  type AuditOptions,
  type AuditReport,
  type AuditState,
} from '@skillproof/core';
import { integrateLog } from '../src/domains/ledger/integrate.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { issueMany, createSampleAchievement, member, tokenFor } from './helpers/fixtures.js';

/**
 * `auditLog` against a real instance (its get routed to the in-process app): a sound log passes, and altering,
 * deleting or reordering any row of log_entries, log_tiles or log_checkpoints, or altering a stored credential, is a
 * finding; so is a history rewritten under a saved state, and a credential the organisation lists but the log lacks.
 * Every tampering is undone before the next, and the audit passes again in between.
 */
describe.each(databaseTargets())('log audit of a real instance on $name', (target) => {
  let ctx: TestContext;
  let orgId: string;
  let token: string;
  let achievementId: string;
  /** The state after the first sound audit: later audits must extend it. */
  let saved: AuditState;
  const ids: string[] = [];

  const get: AuditGet = async (url, headers) => {
    const res = await ctx.app.request(url, { headers: headers ?? {} });
    const contentType = res.headers.get('content-type') ?? undefined;
    return { status: res.status, body: new Uint8Array(await res.arrayBuffer()), ...(contentType && { contentType }) };
  };
  /** Credentials are fetched and compared only where a test is about them: 300 fetches make an audit slow. */
  const audit = (options: Partial<AuditOptions> = {}) =>
    auditLog({ baseUrl: ctx.deps.publicUrl, get, org: { id: orgId, token }, checkCredentials: false, ...options });
  const codes = (report: AuditReport) => [...new Set(report.findings.map((f) => f.code))].sort();
  const expectSound = async () => {
    const report = await audit({ state: saved });
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
  };

  /** Audits the log while `tamper` holds, then undoes it (even when `check` fails) and audits the sound log again. */
  async function whileTampered(
    tamper: () => Promise<unknown>,
    restore: () => Promise<unknown>,
    check: () => Promise<void>,
  ) {
    await tamper();
    try {
      await check();
    } finally {
      await restore();
    }
    await expectSound();
  }

  async function issue(n: number) {
    ids.push(...(await issueMany(ctx, orgId, achievementId, n)).map((r) => r.id));
  }

  beforeAll(async () => {
    ctx = await createTestContext(target);
    const issuer = await member(ctx, 'issuer');
    orgId = issuer.orgId;
    ({ achievementId } = await createSampleAchievement(ctx, orgId));
    token = (await tokenFor(ctx, issuer.user.id, ['credentials:read'], orgId)).headers['authorization']!.slice(7);
    await issue(150);
    await integrateLog(ctx.db, ctx.deps);
    await issue(150);
    const revoked = await issuer.caller.request('POST', `/api/v1/orgs/${orgId}/credentials/${ids[7]}/revoke`, {
      reason: 'Issued in error',
    });
    expect(revoked.status).toBe(200);
    await integrateLog(ctx.db, ctx.deps);
  });
  afterAll(() => ctx?.close());

  it('passes the sound log: every entry, tile and credential, and every credential the organisation lists', async () => {
    const report = await audit({ checkCredentials: true });
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
    // The organisation's key-add, 300 issuances and a revocation: two entry bundles, level-0 tiles 0 and 1.p/46 and
    // level-1 tile 000.p/1; 300 credentials fetched once each.
    expect(report.checkpoint?.size).toBe(302);
    expect(report.counts).toEqual({ entries: 302, tiles: 3, credentials: 300 });
    saved = report.newState!;
    expect(saved).toMatchObject({ origin: 'skillproof.test/log', size: 302 });
  });

  it('finds an altered, deleted or reordered log_entries row', async () => {
    const rows = await ctx.db
      .selectFrom('logEntries')
      .selectAll()
      .where('idx', 'in', [40, 280])
      .orderBy('idx')
      .execute();
    const [x, y] = rows as [(typeof rows)[0], (typeof rows)[0]];
    const setLeaf = (idx: number, leaf: Uint8Array, hash = leafHash(leaf)) =>
      ctx.db.updateTable('logEntries').set({ leaf, leafHash: hash }).where('idx', '=', idx).execute();

    // Altered: one byte of a leaf (with its stored hash recomputed, which the served tiles do not follow).
    const altered = Uint8Array.from(x.leaf);
    altered[altered.length - 4] = altered[altered.length - 4] === 0x61 ? 0x62 : 0x61;
    await whileTampered(
      () => setLeaf(x.idx, altered),
      () => setLeaf(x.idx, x.leaf, x.leafHash),
      async () => {
        const report = await audit({ state: saved });
        expect(codes(report)).toEqual(['ERR_LOG_ENTRY_MISMATCH', 'ERR_TILE_INVALID']);
        expect(report.findings.find((f) => f.code === 'ERR_TILE_INVALID')?.index).toBe(40);
        expect(report.newState).toBeUndefined();
      },
    );

    // Reordered: two rows' leaves swapped.
    await whileTampered(
      async () => {
        await setLeaf(x.idx, y.leaf, y.leafHash);
        await setLeaf(y.idx, x.leaf, x.leafHash);
      },
      async () => {
        await setLeaf(x.idx, x.leaf, x.leafHash);
        await setLeaf(y.idx, y.leaf, y.leafHash);
      },
      async () => {
        const report = await audit({ state: saved });
        expect(codes(report)).toEqual(['ERR_LOG_ENTRY_MISMATCH', 'ERR_TILE_INVALID']);
        expect(report.findings.filter((f) => f.code === 'ERR_TILE_INVALID').map((f) => f.index)).toEqual([40, 280]);
      },
    );

    // Deleted: the row gone, so its entry bundle cannot be served.
    await whileTampered(
      () => ctx.db.deleteFrom('logEntries').where('idx', '=', y.idx).execute(),
      () => ctx.db.insertInto('logEntries').values(y).execute(),
      async () => {
        const report = await audit({ state: saved });
        expect(report.findings).toEqual([expect.objectContaining({ code: 'ERR_LOG_ENTRY_MISSING', index: 256 })]);
      },
    );
  });

  it('finds an altered, deleted or reordered log_tiles row', async () => {
    const tiles = await ctx.db.selectFrom('logTiles').selectAll().orderBy('level').orderBy('idx').execute();
    expect(tiles.map((t) => `${t.level}/${t.idx}`)).toEqual(['0/0', '0/1', '1/0']);
    const setHashes = (level: number, idx: number, hashes: Uint8Array) =>
      ctx.db.updateTable('logTiles').set({ hashes }).where('level', '=', level).where('idx', '=', idx).execute();
    for (const tile of tiles) {
      const bad = Uint8Array.from(tile.hashes);
      bad[0]! ^= 1;
      await whileTampered(
        () => setHashes(tile.level, tile.idx, bad),
        () => setHashes(tile.level, tile.idx, tile.hashes),
        async () => {
          const report = await audit({ state: saved });
          expect(codes(report)).toEqual(['ERR_TILE_INVALID']);
          expect(report.findings[0]!.index).toBe(tile.idx * 256 ** (tile.level + 1));
        },
      );
    }

    // Reordered: the two level-0 tiles swapped (with the run roots stored beside them).
    const setTile = (level: number, idx: number, { hashes, runs }: { hashes: Uint8Array; runs: Uint8Array }) =>
      ctx.db.updateTable('logTiles').set({ hashes, runs }).where('level', '=', level).where('idx', '=', idx).execute();
    const [t0, t1] = tiles as [(typeof tiles)[0], (typeof tiles)[0]];
    await whileTampered(
      async () => {
        await setTile(0, 0, t1);
        await setTile(0, 1, t0);
      },
      async () => {
        await setTile(0, 0, t0);
        await setTile(0, 1, t1);
      },
      async () => expect(codes(await audit({ state: saved }))).toEqual(['ERR_TILE_INVALID']),
    );

    // Deleted.
    await whileTampered(
      () => ctx.db.deleteFrom('logTiles').where('level', '=', 1).execute(),
      () => ctx.db.insertInto('logTiles').values(tiles[2]!).execute(),
      async () => expect(codes(await audit({ state: saved }))).toEqual(['ERR_TILE_INVALID']),
    );
  });

  it('finds an altered, deleted or reordered log_checkpoints row (deletions and reordering against the saved state)', async () => {
    const checkpoints = await ctx.db.selectFrom('logCheckpoints').selectAll().orderBy('size').execute();
    expect(checkpoints.map((c) => c.size)).toEqual([151, 302]);
    const [older, latest] = checkpoints as [(typeof checkpoints)[0], (typeof checkpoints)[0]];
    const setNote = (size: number, note: string) =>
      ctx.db.updateTable('logCheckpoints').set({ note }).where('size', '=', size).execute();

    // Altered: the root hash line of the signed note changed (the signature no longer verifies).
    const lines = latest.note.split('\n');
    const root = Buffer.from(lines[2]!, 'base64');
    root[0]! ^= 1;
    await whileTampered(
      () => setNote(latest.size, [lines[0], lines[1], root.toString('base64'), ...lines.slice(3)].join('\n')),
      () => setNote(latest.size, latest.note),
      async () => {
        const report = await audit({ state: saved });
        expect(codes(report)).toEqual(['ERR_NOTE_UNVERIFIED']);
        expect(report.checkpoint).toBeUndefined();
      },
    );

    // Reordered: the two notes swapped between the rows, so the newest row serves the older tree: a rollback.
    await whileTampered(
      async () => {
        await setNote(latest.size, older.note);
        await setNote(older.size, latest.note);
      },
      async () => {
        await setNote(latest.size, latest.note);
        await setNote(older.size, older.note);
      },
      async () => {
        const report = await audit({ state: saved });
        // And the instance, whose newest row says 302, gives proofs for credentials the tree it serves lacks.
        expect(codes(report)).toEqual(['ERR_LOG_ENTRY_MISSING', 'ERR_LOG_INCONSISTENT']);
        expect(report.checkpoint?.size).toBe(151);
        expect(report.findings.filter((f) => f.code === 'ERR_LOG_ENTRY_MISSING')).toHaveLength(150);
      },
    );

    // Deleted: the newest row gone, so the older checkpoint is served: a rollback too.
    await whileTampered(
      () => ctx.db.deleteFrom('logCheckpoints').where('size', '=', latest.size).execute(),
      () => ctx.db.insertInto('logCheckpoints').values(latest).execute(),
      async () => {
        const report = await audit({ state: saved });
        expect(codes(report)).toEqual(['ERR_LOG_INCONSISTENT']);
        // The credentials issued since are in the log, waiting for a checkpoint, the instance says.
        expect(report.pending).toHaveLength(150);
        // Without a saved state the older checkpoint is a sound log in itself: only an auditor with memory sees it.
        expect((await audit()).ok).toBe(true);
      },
    );
  });

  it('finds a stored credential altered', async () => {
    const id = ids[3]!;
    const row = await ctx.db
      .selectFrom('credentials')
      .select('document')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const original = row.document as Record<string, unknown>;
    const setDocument = (document: unknown) =>
      ctx.db
        .updateTable('credentials')
        .set({ document: JSON.stringify(document) })
        .where('id', '=', id)
        .execute();
    await whileTampered(
      () => setDocument({ ...original, name: 'Forged' }),
      () => setDocument(original),
      async () => {
        const report = await audit({ state: saved, checkCredentials: true });
        expect(report.findings).toEqual([
          expect.objectContaining({ code: 'ERR_LOG_ENTRY_MISMATCH', credential: original['id'], index: 4 }),
        ]);
        expect(report.findings[0]!.message).toMatch(/digest/);
      },
    );
  });

  it('finds a history rewritten and re-signed with the real log key, against the saved state', async () => {
    // Two issuance leaves swapped, the tiles and checkpoints rebuilt from the rewritten entries and signed anew: the
    // log is consistent in itself, and every credential still matches its leaf; only the saved state tells.
    const rows = await ctx.db
      .selectFrom('logEntries')
      .selectAll()
      .where('idx', 'in', [10, 20])
      .orderBy('idx')
      .execute();
    const [a, b] = rows as [(typeof rows)[0], (typeof rows)[0]];
    await ctx.db
      .updateTable('logEntries')
      .set({ leaf: b.leaf, leafHash: b.leafHash })
      .where('idx', '=', a.idx)
      .execute();
    await ctx.db
      .updateTable('logEntries')
      .set({ leaf: a.leaf, leafHash: a.leafHash })
      .where('idx', '=', b.idx)
      .execute();
    await ctx.db.deleteFrom('logCheckpoints').execute();
    await ctx.db.deleteFrom('logTiles').execute();
    await integrateLog(ctx.db, ctx.deps);
    expect((await audit()).ok).toBe(true);
    const report = await audit({ state: saved });
    expect(report.findings).toEqual([expect.objectContaining({ code: 'ERR_LOG_INCONSISTENT' })]);
    expect(report.newState).toBeUndefined();
  });

  it('finds a credential the organisation lists but the log does not hold', async () => {
    // An issuance whose leaf is removed before integration (and the log's size wound back): a silent issuance.
    await issue(1);
    const size = (await ctx.db.selectFrom('logState').select('size').executeTakeFirstOrThrow()).size;
    await ctx.db
      .deleteFrom('logEntries')
      .where('idx', '=', size - 1)
      .execute();
    await ctx.db
      .updateTable('logState')
      .set({ size: size - 1 })
      .execute();
    await integrateLog(ctx.db, ctx.deps);
    const report = await audit();
    const url = `${ctx.deps.publicUrl}/credentials/${ids[ids.length - 1]}`;
    expect(report.findings).toEqual([expect.objectContaining({ code: 'ERR_LOG_ENTRY_MISSING', credential: url })]);
    // Named by its uuid, without the organisation's list: the same.
    const named = await auditLog({ baseUrl: ctx.deps.publicUrl, get, credentials: [ids[ids.length - 1]!, ids[0]!] });
    expect(named.findings).toEqual([expect.objectContaining({ code: 'ERR_LOG_ENTRY_MISSING', credential: url })]);
  });
});
