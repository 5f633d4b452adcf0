import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildLeaf,
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
} from '@skillproof/core';
import { bin } from './helpers/cli.js';
import { runMain } from './helpers/main-in-process.js';

const ISSUER = 'did:web:example.edu';
const signer = (origin: string) => createNoteSigner(origin, new Uint8Array(32).fill(3));

/**
 * Runs the command as a real process without blocking this one, which serves the log the command audits: for one run
 * of each exit status (0, 1, 2). The other runs call the same main() in this process (`here`), sparing a Node start
 * and a tsx load each.
 */
const here = runMain;
function run(dir: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `skillproof log audit` against a loopback HTTP server serving a log built in memory, as an instance serves it. */
describe('skillproof log audit', () => {
  let dir: string;
  let server: Server;
  let base: string;
  let files = new Map<string, Uint8Array>();

  /** Serves a log of `count` leaves (issuances of credentials served at their ids), with leaf `swap` and 0 swapped. */
  function publish(count: number, options: { swap?: number } = {}) {
    const origin = `${new URL(base).host}/log`;
    const next = new Map<string, Uint8Array>();
    const leaves = Array.from({ length: count }, (_, n) => {
      const credential = {
        id: `${base}/credentials/00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
        issuer: ISSUER,
        n,
      };
      next.set(new URL(credential.id).pathname, new TextEncoder().encode(JSON.stringify(credential)));
      return buildLeaf({
        type: 'issue',
        at: '2026-11-30T12:00:00.000Z',
        issuer: ISSUER,
        credential: credential.id,
        sha256: credentialDigest(credential),
      });
    });
    if (options.swap !== undefined) [leaves[0], leaves[options.swap]] = [leaves[options.swap]!, leaves[0]!];
    const tree = createMemoryTree();
    for (const leaf of leaves) tree.append(leafHash(leaf));
    for (let level = 0; Math.floor(count / TILE_WIDTH ** level) > 0; level++) {
      for (let index = 0; tileWidth(level, index, count) > 0; index++) {
        const width = tileWidth(level, index, count);
        next.set(`/log/${tilePath(level, index, width)}`, tree.tile(level, index));
        if (level === 0)
          next.set(
            `/log/${tilePath('entries', index, width)}`,
            entryBundle(leaves.slice(index * 256, index * 256 + width)),
          );
      }
    }
    const checkpoint = formatCheckpoint({ origin, size: count, rootHash: tree.root() });
    next.set('/log/checkpoint', new TextEncoder().encode(signNote(checkpoint, [signer(origin)])));
    next.set('/log/vkey', new TextEncoder().encode(`${signer(origin).verifierKey}\n`));
    files = next;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skillproof-log-audit-'));
    server = createServer((req, res) => {
      const body = files.get(new URL(req.url!, base).pathname);
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/octet-stream' });
      res.end(body ?? 'not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const stateFile = () => join(dir, 'state', `127.0.0.1_${new URL(base).port}_log.json`);

  it('trusts the key on first use and saves the state; a grown log passes and moves the state on', async () => {
    publish(300);
    let r = await run(dir, ['log', 'audit', base, '--state', 'state']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain(`trusting its log key ${signer(`${new URL(base).host}/log`).verifierKey}`);
    expect(r.stdout).toContain('300 entries, 3 tiles, 300 credentials checked');
    expect(r.stdout.trim().endsWith('SOUND')).toBe(true);
    const first = JSON.parse(readFileSync(stateFile(), 'utf8'));
    expect(first).toMatchObject({ origin: `${new URL(base).host}/log`, size: 300 });
    expect(first.checkpoint).toBe(new TextDecoder().decode(files.get('/log/checkpoint')));

    publish(520);
    r = await here(dir, ['log', 'audit', base, '--state', 'state', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ ok: true, findings: [], checkpoint: { size: 520 }, stateFile: stateFile() });
    expect(JSON.parse(readFileSync(stateFile(), 'utf8')).size).toBe(520);
  });

  it('exits 1 on a rewritten history and keeps the saved state', async () => {
    const before = readFileSync(stateFile(), 'utf8');
    publish(600, { swap: 5 });
    const r = await run(dir, ['log', 'audit', base, '--state', 'state']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ ERR_LOG_INCONSISTENT: The first 520 entries/);
    expect(r.stdout.trim().endsWith('NOT SOUND')).toBe(true);
    expect(readFileSync(stateFile(), 'utf8')).toBe(before);
    // A fresh auditor sees a sound log: only memory tells the history changed.
    expect((await here(dir, ['log', 'audit', base, '--state', 'fresh'])).code).toBe(0);
  });

  it('exits 1 for a pinned key the log does not sign with, or a listed credential it lacks', async () => {
    publish(10);
    const other = createNoteSigner(`${new URL(base).host}/log`, new Uint8Array(32).fill(4)).verifierKey;
    let r = await here(dir, ['log', 'audit', base, '--state', 'pinned', '--log-key', other, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).findings.map((f: { code: string }) => f.code)).toEqual([
      'ERR_NOTE_UNVERIFIED',
      'ERR_NOTE_UNVERIFIED',
    ]);
    expect(existsSync(join(dir, 'pinned'))).toBe(false);
    const missing = '00000000-0000-4000-8000-000000000999';
    r = await here(dir, [
      'log',
      'audit',
      base,
      '--state',
      'listed',
      '--credential',
      missing,
      '--credential',
      `${base}/credentials/00000000-0000-4000-8000-000000000001`,
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`✗ ERR_LOG_ENTRY_MISSING (${base}/credentials/${missing})`);
  });

  it('exits 2 on misuse', async () => {
    const corrupt = join(dir, 'corrupt');
    mkdirSync(corrupt);
    writeFileSync(join(corrupt, `127.0.0.1_${new URL(base).port}_log.json`), '{"size": "many"}');
    const cases: Array<[string[], RegExp]> = [
      [['log', 'audit'], /Name the instance/],
      [['log', 'audit', 'http://example.org'], /https:\/\/ URL/],
      [['log', 'frobnicate', base], /Unknown log action/],
      [['log', 'audit', base, '--org', '00000000-0000-4000-8000-000000000001'], /--org needs --token/],
      [['log', 'audit', base, '--state', 'corrupt'], /is not an audit state/],
    ];
    // The first as a real process; the others in this process, one at a time (runMain swaps process-wide state).
    const results = [];
    for (const [i, [args]] of cases.entries()) results.push(i === 0 ? await run(dir, args) : await here(dir, args));
    results.forEach((r, i) => {
      expect(r.code, cases[i]![0].join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^skillproof: /);
      expect(r.stderr).toMatch(cases[i]![1]);
    });
  });
});
