import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  auditLog,
  buildLeaf,
  cosign,
  createCosigner,
  createMemoryTree,
  createNoteSigner,
  credentialDigest,
  entryBundle,
  formatCheckpoint,
  leafHash,
  signNote,
  tilePath,
  tileWidth,
  TILE_WIDTH,
} from '../src/index.js';
import type { AuditGet, AuditOptions, AuditReport, AuditState } from '../src/index.js';

const BASE = 'https://badges.example.edu';
const ORIGIN = 'badges.example.edu/log';
const ISSUER = 'did:web:badges.example.edu:orgs:acme';
const AT = '2026-11-30T12:00:00.000Z';
const logSigner = createNoteSigner(ORIGIN, new Uint8Array(32).fill(7));
const otherSigner = createNoteSigner(ORIGIN, new Uint8Array(32).fill(8));
const encoder = new TextEncoder();

/** A credential of the instance: what it serves at its id. */
const credentialAt = (n: number) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  id: `${BASE}/credentials/00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  type: ['VerifiableCredential', 'OpenBadgeCredential'],
  issuer: { id: ISSUER, type: ['Profile'], name: 'Acme' },
  name: `Badge ${n}`,
});

/**
 * An instance serving a log as Skillproof does (/log/vkey, /log/checkpoint, /log/tile/…, credentials at their id,
 * /api/v1/log/proof), built in memory from `leaves`: every third leaf a key event, the others issue leaves of
 * credential n. Its maps can be tampered with before an audit.
 */
function servedLog(count: number, options: { signer?: typeof logSigner; leaves?: Uint8Array[] } = {}) {
  const leaves = options.leaves ?? Array.from({ length: count }, (_, n) => leafOf(n));
  const tree = createMemoryTree();
  for (const leaf of leaves) tree.append(leafHash(leaf));
  const files = new Map<string, Uint8Array>();
  for (let level = 0; Math.floor(tree.size / TILE_WIDTH ** level) > 0; level++) {
    for (let index = 0; tileWidth(level, index, tree.size) > 0; index++) {
      const width = tileWidth(level, index, tree.size);
      files.set(`/log/${tilePath(level, index, width)}`, tree.tile(level, index));
      if (level === 0) {
        const bundle = leaves.slice(index * TILE_WIDTH, index * TILE_WIDTH + width);
        files.set(`/log/${tilePath('entries', index, width)}`, entryBundle(bundle));
      }
    }
  }
  const signer = options.signer ?? logSigner;
  const checkpoint = formatCheckpoint({ origin: ORIGIN, size: tree.size, rootHash: tree.root() });
  files.set('/log/checkpoint', encoder.encode(signNote(checkpoint, [signer])));
  files.set('/log/vkey', encoder.encode(`${logSigner.verifierKey}\n`));
  const credentials = new Map<string, unknown>();
  for (let n = 0; n < count; n++) if (n % 3 !== 2) credentials.set(credentialAt(n).id, credentialAt(n));
  /** Credential ids the instance says are logged but not yet integrated (its proof route answers 409). */
  const awaiting = new Set<string>();
  const requested: string[] = [];
  const get: AuditGet = async (url) => {
    requested.push(url);
    const { pathname, searchParams } = new URL(url);
    if (pathname === '/api/v1/log/proof') {
      return { status: awaiting.has(searchParams.get('credential')!) ? 409 : 404, body: new Uint8Array() };
    }
    if (credentials.has(url)) return { status: 200, body: encoder.encode(JSON.stringify(credentials.get(url))) };
    const file = url.startsWith(BASE) ? files.get(pathname) : undefined;
    return file ? { status: 200, body: file } : { status: 404, body: encoder.encode('not found') };
  };
  return { tree, files, leaves, credentials, awaiting, requested, get };
}

function leafOf(n: number): Uint8Array {
  if (n % 3 === 2) return buildLeaf({ type: 'key-add', at: AT, issuer: ISSUER, key: `${ISSUER}#key-${n}` });
  const credential = credentialAt(n);
  return buildLeaf({
    type: 'issue',
    at: AT,
    issuer: ISSUER,
    credential: credential.id,
    sha256: credentialDigest(credential),
  });
}

const audit = (log: { get: AuditGet }, options: Partial<AuditOptions> = {}) =>
  auditLog({ baseUrl: BASE, get: log.get, ...options });
const codes = (report: AuditReport) => [...new Set(report.findings.map((f) => f.code))].sort();

describe('auditLog', () => {
  it('passes a sound log: every entry, tile and credential checked, and returns the state to keep', async () => {
    const log = servedLog(600);
    const report = await audit(log);
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
    // 3 entry bundles, level-0 tiles 0, 1 and 2.p/88, level-1 tile 000.p/2.
    expect(report.counts).toEqual({ entries: 600, tiles: 4, credentials: 400 });
    expect(report.checkpoint?.size).toBe(600);
    expect(report.newState).toEqual({
      origin: ORIGIN,
      vkey: logSigner.verifierKey,
      size: 600,
      rootHash: Buffer.from(log.tree.root()).toString('base64'),
      checkpoint: new TextDecoder().decode(log.files.get('/log/checkpoint')),
    });
    // The empty log of a new instance passes too.
    expect((await audit(servedLog(0))).ok).toBe(true);
  });

  it('ignores cosignature lines of keys it does not know (witnesses), and refuses a bad log signature', async () => {
    const log = servedLog(20);
    const note = new TextDecoder().decode(log.files.get('/log/checkpoint'));
    const witness = createCosigner('witness.example.org/w1', new Uint8Array(32).fill(9));
    log.files.set('/log/checkpoint', encoder.encode(`${note}${cosign(note, witness, 1_800_000_000).line}\n`));
    expect((await audit(log)).ok).toBe(true);

    // Signed by another key of the same name: the trusted key's signature does not verify.
    const forged = servedLog(20, { signer: otherSigner });
    const report = await audit(forged);
    expect(report.ok).toBe(false);
    expect(codes(report)).toEqual(['ERR_NOTE_UNVERIFIED']);
    expect(report.newState).toBeUndefined();
    // A pinned key other than the one served: the served key and the checkpoint are both refused.
    const pinned = await audit(servedLog(20), { logKey: otherSigner.verifierKey });
    expect(pinned.findings.map((f) => f.code)).toEqual(['ERR_NOTE_UNVERIFIED', 'ERR_NOTE_UNVERIFIED']);
  });

  it('detects an altered, deleted or reordered entry, and says where', async () => {
    // Altered: one byte of leaf 300's credential digest. The tiles were made from the true leaves.
    const altered = servedLog(600);
    const path = `/log/${tilePath('entries', 1)}`;
    const leaves = altered.leaves.slice(256, 512);
    const bad = Uint8Array.from(leaves[300 - 256]!);
    bad[bad.length - 4] = bad[bad.length - 4] === 0x61 ? 0x62 : 0x61;
    leaves[300 - 256] = bad;
    altered.files.set(path, entryBundle(leaves));
    let report = await audit(altered);
    expect(codes(report)).toEqual(['ERR_LOG_ENTRY_MISMATCH', 'ERR_TILE_INVALID']);
    expect(report.findings.filter((f) => f.code === 'ERR_TILE_INVALID').map((f) => f.index)).toEqual([300]);
    // The credential's leaf no longer states the digest of the credential served.
    expect(report.findings).toContainEqual(
      expect.objectContaining({ code: 'ERR_LOG_ENTRY_MISMATCH', index: 300, credential: credentialAt(300).id }),
    );

    // Reordered: leaves 10 and 20 swapped.
    const swapped = servedLog(600);
    const first = swapped.leaves.slice(0, 256);
    [first[10], first[20]] = [first[20]!, first[10]!];
    swapped.files.set(`/log/${tilePath('entries', 0)}`, entryBundle(first));
    report = await audit(swapped);
    expect(codes(report)).toEqual(['ERR_LOG_ENTRY_MISMATCH', 'ERR_TILE_INVALID']);
    expect(report.findings.find((f) => f.code === 'ERR_TILE_INVALID')?.index).toBe(10);

    // Deleted: leaf 5 gone from its bundle, or the whole bundle not served.
    const deleted = servedLog(600);
    deleted.files.set(`/log/${tilePath('entries', 0)}`, entryBundle(deleted.leaves.slice(0, 256).toSpliced(5, 1)));
    report = await audit(deleted);
    expect(codes(report)).toEqual(['ERR_TILE_INVALID']);
    expect(report.findings[0]!.index).toBe(0);
    deleted.files.delete(`/log/${tilePath('entries', 0)}`);
    report = await audit(deleted);
    expect(codes(report)).toEqual(['ERR_LOG_ENTRY_MISSING']);
    // The tiles still agree with each other and the signed root: nothing else is reported.
    expect(report.findings).toHaveLength(1);
  });

  it('detects an altered or missing hash tile at any level', async () => {
    for (const [level, index, width] of [
      [0, 0, 256],
      [0, 2, 88],
      [1, 0, 2],
    ] as const) {
      const log = servedLog(600);
      const path = `/log/${tilePath(level, index, width)}`;
      const tile = Uint8Array.from(log.files.get(path)!);
      tile[32]! ^= 1; // the tile's second hash
      log.files.set(path, tile);
      const report = await audit(log);
      expect(codes(report)).toEqual(['ERR_TILE_INVALID']);
      expect(report.findings[0]!.index).toBe(index * TILE_WIDTH ** (level + 1) + TILE_WIDTH ** level);
      log.files.delete(path);
      expect(codes(await audit(log))).toEqual(['ERR_TILE_INVALID']);
    }
  });

  it('detects a credential altered or no longer served, and listed credentials the log lacks', async () => {
    const log = servedLog(30);
    const [a, b] = [credentialAt(3), credentialAt(4)];
    log.credentials.set(a.id, { ...a, name: 'Forged' });
    log.credentials.delete(b.id);
    const extra = credentialAt(1000).id; // listed, never logged
    const soon = credentialAt(1001).id; // listed, logged but not yet in a checkpoint
    log.awaiting.add(soon);
    const report = await audit(log, { credentials: [credentialAt(0).id, extra, soon.slice(-36)] });
    expect(report.findings).toEqual([
      expect.objectContaining({ code: 'ERR_LOG_ENTRY_MISMATCH', index: 3, credential: a.id }),
      expect.objectContaining({ code: 'ERR_LOG_ENTRY_MISMATCH', index: 4, credential: b.id }),
      expect.objectContaining({ code: 'ERR_LOG_ENTRY_MISSING', credential: extra }),
    ]);
    expect(report.findings[0]!.message).toMatch(/digest/);
    expect(report.findings[1]!.message).toMatch(/not served \(HTTP 404\)/);
    expect(report.pending).toEqual([soon]);
    // Served with another issuer: a mismatch, even though the digest the leaf states is of the document served.
    const other = servedLog(30);
    const moved = { ...credentialAt(0), issuer: 'did:web:elsewhere.example' };
    other.credentials.set(moved.id, moved);
    expect((await audit(other)).findings).toEqual([
      expect.objectContaining({
        code: 'ERR_LOG_ENTRY_MISMATCH',
        index: 0,
        message: expect.stringMatching(/issued by/),
      }),
    ]);
    // Without credential checks, nothing is fetched but the log.
    const quiet = servedLog(30);
    quiet.credentials.clear();
    expect((await audit(quiet, { checkCredentials: false })).ok).toBe(true);
    expect(quiet.requested.every((u) => u.startsWith(`${BASE}/log/`))).toBe(true);
  });

  it('checks the new checkpoint against the saved state: extension passes, rollback and rewritten history do not', async () => {
    const before = await audit(servedLog(300));
    const state = before.newState!;
    // Grown from 300 to 700 entries: consistent.
    const grown = await audit(servedLog(700), { state });
    expect(grown.ok).toBe(true);
    expect(grown.newState?.size).toBe(700);
    // The same tree again: consistent.
    expect((await audit(servedLog(300), { state })).ok).toBe(true);
    // Rolled back to 200 entries.
    expect(codes(await audit(servedLog(200), { state }))).toEqual(['ERR_LOG_INCONSISTENT']);
    // Rewritten: leaf 150 replaced, the tiles rebuilt and the checkpoint re-signed with the real key, at 300 (a split
    // view: the same size with another root) and at 700.
    for (const size of [300, 700]) {
      const leaves = Array.from({ length: size }, (_, n) => leafOf(n === 150 ? 151 : n));
      const report = await audit(servedLog(size, { leaves }), { state });
      expect(codes(report)).toEqual(['ERR_LOG_INCONSISTENT']);
      expect(report.newState).toBeUndefined();
    }
    // A state from another key: the key served now is not the one trusted.
    const foreign: AuditState = { ...state, vkey: otherSigner.verifierKey };
    expect(codes(await audit(servedLog(300), { state: foreign }))).toEqual(['ERR_NOTE_UNVERIFIED']);
  });

  it('reports an unreachable instance as a check not made, never as passed', async () => {
    const down: AuditGet = () => Promise.reject(new Error('ECONNREFUSED'));
    const report = await auditLog({ baseUrl: BASE, get: down });
    expect(report.ok).toBe(false);
    expect(codes(report)).toEqual(['ERR_FETCH_FAILED']);
    await expect(auditLog({ baseUrl: 'not a url', get: down })).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID' });
  });

  it('finds any single altered, deleted or swapped entry in logs of any size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 700 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.constantFrom('alter', 'delete', 'swap'),
        async (size, a, b, kind) => {
          const log = servedLog(size);
          const i = Math.floor(a * size);
          let j = Math.floor(b * size);
          if (j === i) j = (i + 1) % size;
          const leaves = [...log.leaves];
          if (kind === 'alter') leaves[i] = encoder.encode(`${new TextDecoder().decode(leaves[i])} `);
          if (kind === 'swap') [leaves[i], leaves[j]] = [leaves[j]!, leaves[i]!];
          if (kind === 'delete') leaves.splice(i, 1);
          for (const [path] of log.files) if (path.startsWith('/log/tile/entries/')) log.files.delete(path);
          for (let n = 0; n * TILE_WIDTH < size; n++) {
            const width = tileWidth(0, n, size);
            log.files.set(`/log/${tilePath('entries', n, width)}`, entryBundle(leaves.slice(n * 256, n * 256 + width)));
          }
          const report = await audit(log, { checkCredentials: false });
          expect(report.ok).toBe(false);
          expect(report.newState).toBeUndefined();
        },
      ),
      { numRuns: 60 },
    );
  });
});
