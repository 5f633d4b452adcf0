import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  buildLeaf,
  cosign,
  createCosigner,
  createKeyResolver,
  createMemoryTree,
  createNoteSigner,
  credentialDigest,
  formatCheckpoint,
  formatTlogProof,
  generateEd25519Key,
  inclusionProof,
  isCredentialBundle,
  leafHash,
  parseTlogProof,
  signCredential,
  signCredentialJwt,
  signNote,
  verifyCredential,
} from '../src/index.js';
import type {
  Fetcher,
  JsonObject,
  LedgerCheckOptions,
  LogEvent,
  VerificationCheck,
  VerificationResult,
} from '../src/index.js';
import { richCredential } from './helpers/credentials.js';

const DID = 'did:web:academy.example';
const ORIGIN = 'academy.example/log';
const ENDPOINT = 'https://academy.example/log';
const seed = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + n) & 0xff);
const key = generateEd25519Key({ seed: seed(1), controller: DID, id: `${DID}#key-1` });
const logSigner = createNoteSigner(ORIGIN, seed(2));
const otherLog = createNoteSigner(ORIGIN, seed(3));
const w1 = createCosigner('witness.example/w1', seed(4));
const w2 = createCosigner('witness.example/w2', seed(5));
const CREATED = '2025-03-01T09:00:00Z';
const AT = '2025-03-01T09:00:01.000Z';

function didDocument(log: { verifierKey: string } | null = logSigner): JsonObject {
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: DID,
    verificationMethod: [{ id: key.id, type: 'Multikey', controller: DID, publicKeyMultibase: key.publicKeyMultibase }],
    assertionMethod: [key.id],
    ...(log && {
      service: [
        {
          id: `${DID}#transparency-log`,
          type: 'TransparencyLog',
          serviceEndpoint: ENDPOINT,
          origin: ORIGIN,
          verifierKey: log.verifierKey,
        },
      ],
    }),
  };
}

const credential = await signCredential(richCredential(DID), { key, created: CREATED });
const credentialId = credential.id as string;
const issueEvent: LogEvent = {
  type: 'issue',
  at: AT,
  issuer: DID,
  credential: credentialId,
  sha256: credentialDigest(credential),
};

/**
 * A log of `before` unrelated leaves, then `leaf`, then `after` more, signed by `signer` (and cosigned by `witnesses`);
 * returns the tlog-proof of `leaf` with the leaf in its extra line, as the server writes it.
 */
function logProof(
  leaf: Uint8Array,
  options: {
    before?: number;
    after?: number;
    signer?: typeof logSigner;
    witnesses?: (typeof w1)[];
    extra?: boolean;
  } = {},
): string {
  const tree = createMemoryTree();
  const filler = (i: number) =>
    buildLeaf({
      type: 'issue',
      at: AT,
      issuer: 'did:web:other.example',
      credential: `urn:x:${i}`,
      sha256: 'a'.repeat(64),
    });
  for (let i = 0; i < (options.before ?? 5); i++) tree.append(leafHash(filler(i)));
  const index = tree.append(leafHash(leaf));
  for (let i = 0; i < (options.after ?? 3); i++) tree.append(leafHash(filler(1000 + i)));
  let note = signNote(formatCheckpoint({ origin: ORIGIN, size: tree.size, rootHash: tree.root() }), [
    options.signer ?? logSigner,
  ]);
  const cosignatures = (options.witnesses ?? []).map((w) => cosign(note, w, 1_750_000_000));
  if (cosignatures.length > 0) {
    note = signNote(note.slice(0, note.indexOf('\n\n') + 1), [options.signer ?? logSigner], cosignatures);
  }
  return formatTlogProof({
    index,
    ...(options.extra !== false && { extra: leaf }),
    proof: inclusionProof(index, tree.size, tree.read),
    checkpoint: note,
  });
}

const goodProof = logProof(buildLeaf(issueEvent));

/** A fetcher that serves the log's proof route (and records what it was asked), and nothing else. */
function logFetcher(answer: (url: string) => string | number): Fetcher & { urls: string[] } {
  const urls: string[] = [];
  const fetcher = (async (url: string) => {
    urls.push(url);
    const body = answer(url);
    if (typeof body === 'number') throw Object.assign(new Error(`HTTP ${body}`), { status: body });
    return { body, contentType: 'text/plain; charset=utf-8' };
  }) as unknown as Fetcher & { urls: string[] };
  fetcher.urls = urls;
  return fetcher;
}

async function verify(
  input: JsonObject | string,
  ledger: LedgerCheckOptions | undefined,
  options: { fetcher?: Fetcher; document?: JsonObject } = {},
): Promise<VerificationResult> {
  const resolver = createKeyResolver({ documents: { [DID]: options.document ?? didDocument() } });
  return verifyCredential(input, {
    resolver,
    clock: () => new Date('2026-01-01T00:00:00Z'),
    ...(options.fetcher && { fetcher: options.fetcher }),
    ...(ledger && { ledger }),
  });
}

const ledgerOf = (r: VerificationResult): VerificationCheck | undefined => r.checks.find((c) => c.id === 'ledger');

describe('the ledger check', () => {
  it('is absent without the ledger option: reports are as before', async () => {
    const result = await verify(credential, undefined);
    expect(result.verified).toBe(true);
    expect(result.checks.map((c) => c.id)).toEqual(['format', 'schema', 'proof', 'issuer', 'validity', 'status']);
  });

  it('passes online: the proof is fetched from the log the DID document names, for this credential id', async () => {
    const fetcher = logFetcher(() => goodProof);
    const result = await verify(credential, {}, { fetcher });
    expect(fetcher.urls).toEqual([`${ENDPOINT}/proof?credential=${encodeURIComponent(credentialId)}`]);
    expect(result.checks.map((c) => c.id).at(-1)).toBe('ledger');
    expect(ledgerOf(result)).toEqual({
      id: 'ledger',
      status: 'passed',
      message: `Logged at ${AT} as entry 5 of ${ORIGIN} (checkpoint of 9).`,
      detail: { origin: ORIGIN, index: 5, checkpointSize: 9, witnesses: [], loggedAt: AT, digestCompared: true },
    });
    expect(result.verified).toBe(true);
  });

  it('passes offline from a bundled proof, and is unknown offline without one (so not verified)', async () => {
    const offline = await verify(credential, { proof: goodProof });
    expect(ledgerOf(offline)).toMatchObject({ status: 'passed', detail: { index: 5 } });
    expect(offline.verified).toBe(true);
    const none = await verify(credential, {});
    expect(ledgerOf(none)).toMatchObject({ status: 'unknown', code: 'ERR_OFFLINE' });
    expect(none.verified).toBe(false);
  });

  it('is skipped when the issuer names no log, and fails then when a log is required', async () => {
    const noLog = didDocument(null);
    const skipped = await verify(credential, {}, { document: noLog });
    expect(ledgerOf(skipped)).toMatchObject({ status: 'skipped' });
    expect(skipped.verified).toBe(true);
    const required = await verify(credential, { required: true }, { document: noLog });
    expect(ledgerOf(required)).toMatchObject({ status: 'failed', code: 'ERR_LOG_ENTRY_MISSING' });
    expect(required.verified).toBe(false);
  });

  it('reads the log’s answers: 404 is a missing entry, 409 (not yet in a checkpoint) and outages are unknown', async () => {
    const cases: Array<[string | number, string, string]> = [
      [404, 'failed', 'ERR_LOG_ENTRY_MISSING'],
      [409, 'unknown', 'ERR_FETCH_FAILED'],
      [500, 'unknown', 'ERR_FETCH_FAILED'],
    ];
    for (const [answer, status, code] of cases) {
      const result = await verify(credential, {}, { fetcher: logFetcher(() => answer) });
      expect(ledgerOf(result)).toMatchObject({ status, code });
      expect(result.verified).toBe(false);
    }
  });

  it('fails with ERR_LOG_ENTRY_MISMATCH when the log recorded another document, credential, issuer or event', async () => {
    const cases: Array<[Partial<LogEvent>, string]> = [
      [{ sha256: credentialDigest({ ...credential, name: 'Something else' }) }, 'sha256'],
      [{ credential: 'urn:uuid:00000000-0000-4000-8000-000000000000' }, 'credential'],
      [{ issuer: 'did:web:academy.example:orgs:other' }, 'issuer'],
      [{ type: 'revoke' }, 'type'],
    ];
    for (const [change, field] of cases) {
      const proof = logProof(buildLeaf({ ...issueEvent, ...change } as LogEvent));
      const result = await verify(credential, { proof });
      expect(ledgerOf(result)).toMatchObject({ status: 'failed', code: 'ERR_LOG_ENTRY_MISMATCH', detail: { field } });
      expect(result.verified).toBe(false);
    }
  });

  it('detects a credential altered after logging (and re-signed by the issuer’s key): only the ledger fails', async () => {
    const altered = await signCredential(
      { ...richCredential(DID), name: 'Data Analysis with SQL — Level 3' },
      {
        key,
        created: CREATED,
      },
    );
    const result = await verify(altered, { proof: goodProof });
    expect(result.checks.filter((c) => !['passed', 'skipped'].includes(c.status)).map((c) => [c.id, c.code])).toEqual([
      ['ledger', 'ERR_LOG_ENTRY_MISMATCH'],
    ]);
    expect(ledgerOf(result)!.detail).toMatchObject({
      field: 'sha256',
      logged: credentialDigest(credential),
      actual: credentialDigest(altered),
    });
  });

  it('fails with the proof’s code: a leaf swapped in the extra line, another log key, a malformed proof', async () => {
    // The extra line is unauthenticated: a leaf that matches the credential but is not the one in the tree fails.
    const parsed = parseTlogProof(logProof(buildLeaf({ ...issueEvent, at: '2025-03-02T00:00:00.000Z' })));
    const swapped = formatTlogProof({ ...parsed, extra: buildLeaf(issueEvent) });
    expect(ledgerOf(await verify(credential, { proof: swapped }))).toMatchObject({ code: 'ERR_LOG_PROOF_INVALID' });
    // Signed by a key that is not the one the DID document publishes.
    const forged = logProof(buildLeaf(issueEvent), { signer: otherLog });
    expect(ledgerOf(await verify(credential, { proof: forged }))).toMatchObject({
      status: 'failed',
      code: 'ERR_NOTE_UNVERIFIED',
    });
    const noExtra = logProof(buildLeaf(issueEvent), { extra: false });
    expect(ledgerOf(await verify(credential, { proof: noExtra }))).toMatchObject({ code: 'ERR_LOG_PROOF_INVALID' });
    expect(ledgerOf(await verify(credential, { proof: 'not a proof' }))).toMatchObject({
      code: 'ERR_LOG_PROOF_INVALID',
    });
  });

  it('pinned logs replace the DID document’s key: a forged key in the document is then caught', async () => {
    const lying = didDocument(otherLog);
    const proof = goodProof;
    expect(ledgerOf(await verify(credential, { proof }, { document: lying }))).toMatchObject({
      code: 'ERR_NOTE_UNVERIFIED',
    });
    const pinned = { proof, logs: [{ origin: ORIGIN, logKeys: [logSigner.verifierKey] }] };
    expect(ledgerOf(await verify(credential, pinned, { document: lying }))).toMatchObject({ status: 'passed' });
    const elsewhere = { proof, logs: [{ origin: 'other.example/log', logKeys: [logSigner.verifierKey] }] };
    expect(ledgerOf(await verify(credential, elsewhere))).toMatchObject({ code: 'ERR_CHECKPOINT_INVALID' });
  });

  it('requires the witnesses’ cosignatures: quorum met passes and names them, short of it ERR_WITNESS_QUORUM', async () => {
    const witnesses = [w1.verifierKey, w2.verifierKey];
    const both = logProof(buildLeaf(issueEvent), { witnesses: [w1, w2] });
    const one = logProof(buildLeaf(issueEvent), { witnesses: [w1] });
    expect(ledgerOf(await verify(credential, { proof: both, witnesses }))).toMatchObject({
      status: 'passed',
      message: `Logged at ${AT} as entry 5 of ${ORIGIN} (checkpoint of 9, cosigned by ${w1.name}, ${w2.name}).`,
      detail: { witnesses: [w1.name, w2.name] },
    });
    expect(ledgerOf(await verify(credential, { proof: one, witnesses }))).toMatchObject({
      status: 'failed',
      code: 'ERR_WITNESS_QUORUM',
    });
    expect(ledgerOf(await verify(credential, { proof: one, witnesses, witnessQuorum: 1 }))).toMatchObject({
      status: 'passed',
      detail: { witnesses: [w1.name] },
    });
    expect(ledgerOf(await verify(credential, { proof: goodProof, witnesses, witnessQuorum: 1 }))).toMatchObject({
      code: 'ERR_WITNESS_QUORUM',
    });
  });

  it('compares only the id and issuer of a VC-JWT, and says so', async () => {
    const unsigned = richCredential(DID);
    const jwt = await signCredentialJwt(unsigned, key);
    const proof = logProof(buildLeaf({ ...issueEvent, sha256: credentialDigest(credential) }));
    const result = await verify(jwt, { proof });
    expect(ledgerOf(result)).toMatchObject({ status: 'passed', detail: { digestCompared: false } });
    expect(ledgerOf(result)!.message).toMatch(/JWT/);
    const other = logProof(buildLeaf({ ...issueEvent, credential: 'urn:uuid:00000000-0000-4000-8000-000000000001' }));
    expect(ledgerOf(await verify(jwt, { proof: other }))).toMatchObject({ code: 'ERR_LOG_ENTRY_MISMATCH' });
  });

  it('throws on misuse only: a malformed pinned key, an impossible quorum', async () => {
    await expect(verify(credential, { logs: [{ origin: ORIGIN, logKeys: ['nope'] }] })).rejects.toMatchObject({
      code: 'ERR_KEY_INVALID',
    });
    await expect(verify(credential, { witnesses: [w1.verifierKey], witnessQuorum: 2 })).rejects.toThrow(TypeError);
  });

  it('verifies at any position of any log, and any changed proof hash fails (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 600 }),
        fc.integer({ min: 0, max: 300 }),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        async (before, after, which, bit) => {
          const proof = logProof(buildLeaf(issueEvent), { before, after });
          expect(ledgerOf(await verify(credential, { proof }))).toMatchObject({
            status: 'passed',
            detail: { index: before, checkpointSize: before + after + 1 },
          });
          const parsed = parseTlogProof(proof);
          if (parsed.proof.length === 0) return;
          const hashes = parsed.proof.map((h) => h.slice());
          hashes[which % hashes.length]![bit % 32]! ^= 1 << (bit % 8);
          const bad = formatTlogProof({ ...parsed, proof: hashes });
          expect(ledgerOf(await verify(credential, { proof: bad }))).toMatchObject({ code: 'ERR_LOG_PROOF_INVALID' });
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('isCredentialBundle', () => {
  it('recognises a download bundle and never a credential', () => {
    const didDoc = didDocument();
    expect(isCredentialBundle({ credential, tlogProof: goodProof, didDocument: didDoc })).toBe(true);
    expect(isCredentialBundle({ credential, tlogProof: goodProof })).toBe(true);
    expect(isCredentialBundle(credential)).toBe(false);
    expect(isCredentialBundle({ ...credential, credential, tlogProof: goodProof })).toBe(false);
    expect(isCredentialBundle({ credential, tlogProof: 1 })).toBe(false);
    expect(isCredentialBundle({ credential, tlogProof: goodProof, didDocument: { no: 'id' } })).toBe(false);
    expect(isCredentialBundle(null)).toBe(false);
  });
});
