import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildLeaf,
  createCosigner,
  createMemoryTree,
  createNoteSigner,
  credentialDigest,
  formatCheckpoint,
  formatTlogProof,
  generateEd25519Key,
  inclusionProof,
  leafHash,
  signCredential,
  signNote,
  type Ed25519Key,
  type JsonObject,
} from '@skillproof/core';
import { runCli, teamworkCredential } from './helpers/cli.js';
import { runMain } from './helpers/main-in-process.js';

const DID = 'did:web:academy.example:orgs:physics';
const ORIGIN = 'academy.example/log';
const seed = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (i * 13 + n) & 0xff);
const log = createNoteSigner(ORIGIN, seed(1));
const otherLog = createNoteSigner(ORIGIN, seed(2));
const witness = createCosigner('witness.example/w', seed(3));
const webKey = generateEd25519Key({ seed: seed(4), controller: DID, id: `${DID}#key-1` });
const didKey = generateEd25519Key({ seed: seed(5) });
let dir: string;

/** The tlog-proof of the credential's issue leaf in a small log, as the server writes it (leaf in the extra line). */
function proofOf(credential: JsonObject, issuer: string): string {
  const leaf = buildLeaf({
    type: 'issue',
    at: '2025-01-01T00:00:01.000Z',
    issuer,
    credential: credential.id as string,
    sha256: credentialDigest(credential),
  });
  const tree = createMemoryTree();
  for (let i = 0; i < 7; i++) tree.append(leafHash(new TextEncoder().encode(`other ${i}`)));
  const index = tree.append(leafHash(leaf));
  const checkpoint = signNote(formatCheckpoint({ origin: ORIGIN, size: tree.size, rootHash: tree.root() }), [log]);
  return formatTlogProof({ index, extra: leaf, proof: inclusionProof(index, tree.size, tree.read), checkpoint });
}

const sign = (key: Ed25519Key, i: number, extra: JsonObject = {}) =>
  signCredential(teamworkCredential(key.controller, i, extra), { key, created: '2025-01-01T00:00:00Z' });

/** A real `node bin/skillproof.js` process: for one run of each exit status (0, 1, 2). */
const spawnCli = (...args: string[]) => runCli(dir, args);
/** The same command in this process (`main`): the other calls, sparing a Node start and a tsx load each. */
const run = (...args: string[]) => runMain(dir, args);
const ledgerLine = (stdout: string) => stdout.split('\n').find((l) => / ledger /.test(l)) ?? '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'skillproof-ledger-'));
  const didDocument = {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: DID,
    verificationMethod: [
      { id: webKey.id, type: 'Multikey', controller: DID, publicKeyMultibase: webKey.publicKeyMultibase },
    ],
    assertionMethod: [webKey.id],
    service: [
      {
        id: `${DID}#transparency-log`,
        type: 'TransparencyLog',
        serviceEndpoint: 'https://academy.example/log',
        origin: ORIGIN,
        verifierKey: log.verifierKey,
      },
    ],
  };
  const credential = await sign(webKey, 1);
  const write = (name: string, value: unknown) =>
    writeFileSync(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));
  write('badge.bundle.json', { credential, tlogProof: proofOf(credential, DID), didDocument });
  // The issuer re-signs an altered credential; the bundle keeps the proof of what was logged.
  const altered = await sign(webKey, 1, { name: 'Teamwork (altered)' });
  write('altered.bundle.json', { credential: altered, tlogProof: proofOf(credential, DID), didDocument });
  const plain = await sign(didKey, 2);
  write('plain.json', plain);
  write('plain.tlog-proof', proofOf(plain, didKey.controller));
});

describe('skillproof verify with the ledger check', async () => {
  it('verifies a download bundle fully offline, the ledger check included', async () => {
    const r = spawnCli('verify', 'badge.bundle.json', '--offline');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(ledgerLine(r.stdout)).toMatch(
      /✓ ledger +Logged at 2025-01-01T00:00:01.000Z as entry 7 of academy.example\/log/,
    );
    const json = JSON.parse((await run('verify', 'badge.bundle.json', '--offline', '--json')).stdout);
    expect(json.checks.at(-1)).toEqual({
      id: 'ledger',
      status: 'passed',
      code: null,
      message: expect.stringContaining('entry 7'),
    });
  });

  it('fails (exit 1) an altered credential, a log key other than the pinned one, a missing witness', async () => {
    const altered = JSON.parse((await run('verify', 'altered.bundle.json', '--offline', '--json')).stdout);
    expect(altered.checks.filter((c: { status: string }) => c.status === 'failed')).toEqual([
      expect.objectContaining({ id: 'ledger', code: 'ERR_LOG_ENTRY_MISMATCH' }),
    ]);
    expect(spawnCli('verify', 'altered.bundle.json', '--offline').code).toBe(1);

    const pinned = await run('verify', 'badge.bundle.json', '--offline', '--log-key', otherLog.verifierKey);
    expect(pinned.code).toBe(1);
    expect(ledgerLine(pinned.stdout)).toMatch(/ERR_NOTE_UNVERIFIED/);
    const witnessed = await run('verify', 'badge.bundle.json', '--offline', '--witness', witness.verifierKey);
    expect(witnessed.code).toBe(1);
    expect(ledgerLine(witnessed.stdout)).toMatch(/ERR_WITNESS_QUORUM/);
    expect(
      (await run('verify', 'badge.bundle.json', '--offline', '--witness', witness.verifierKey, '--quorum', '0')).code,
    ).toBe(0);
  });

  it('takes a credential with --proof and a pinned --log-key; an issuer naming no log is skipped, or failed when required', async () => {
    const ok = await run(
      'verify',
      'plain.json',
      '--offline',
      '--proof',
      'plain.tlog-proof',
      '--log-key',
      log.verifierKey,
    );
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ledgerLine(ok.stdout)).toMatch(/✓ ledger/);
    // A did:key issuer names no log: skipped, unless required.
    expect(ledgerLine((await run('verify', 'plain.json', '--offline', '--ledger')).stdout)).toMatch(/- ledger/);
    const required = await run('verify', 'plain.json', '--offline', '--require-ledger');
    expect(required.code).toBe(1);
    expect(ledgerLine(required.stdout)).toMatch(/ERR_LOG_ENTRY_MISSING/);
    // Without --ledger, reports are as before.
    expect(ledgerLine((await run('verify', 'plain.json', '--offline')).stdout)).toBe('');
  });

  it('refuses misuse with exit 2: --proof for two credentials, a malformed key, an impossible quorum', async () => {
    expect(spawnCli('verify', 'plain.json', 'plain.json', '--proof', 'plain.tlog-proof', '--offline').code).toBe(2);
    expect((await run('verify', 'plain.json', '--log-key', 'not-a-key', '--offline')).code).toBe(2);
    expect(
      (await run('verify', 'plain.json', '--witness', witness.verifierKey, '--quorum', '2', '--offline')).code,
    ).toBe(2);
  });
});
