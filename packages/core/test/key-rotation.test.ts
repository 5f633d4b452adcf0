import { describe, expect, it } from 'vitest';
import { createKeyResolver, generateEd25519Key, signCredential, verifyCredential } from '../src/index.js';
import type { Ed25519Key, Fetcher, JsonObject } from '../src/index.js';
import { richCredential } from './helpers/credentials.js';

const DID = 'did:web:academy.example';
const seed = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + n) & 0xff);
const key1 = generateEd25519Key({ seed: seed(1), controller: DID, id: `${DID}#key-1` });
const key2 = generateEd25519Key({ seed: seed(2), controller: DID, id: `${DID}#key-2` });
const clock = () => new Date('2026-06-01T00:00:00Z');

/** The issuer's DID document: each key with its history (created, expires after rotation, revoked after compromise). */
function didDocument(
  history: Array<{ key: Ed25519Key; created: string; expires?: string; revoked?: string }>,
): JsonObject {
  const ids = history.map((h) => h.key.id);
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: DID,
    verificationMethod: history.map((h) => ({
      id: h.key.id,
      type: 'Multikey',
      controller: DID,
      publicKeyMultibase: h.key.publicKeyMultibase,
      created: h.created,
      ...(h.expires && { expires: h.expires }),
      ...(h.revoked && { revoked: h.revoked }),
    })),
    assertionMethod: ids,
  };
}

function serving(document: JsonObject): Fetcher {
  return async (url) => {
    if (url !== 'https://academy.example/.well-known/did.json') throw new Error(`unexpected fetch ${url}`);
    return { body: JSON.stringify(document), contentType: 'application/did+json' };
  };
}

async function issue(key: Ed25519Key, created: string) {
  return signCredential(richCredential(DID), { key, created });
}

async function verifyWith(credential: JsonObject, document: JsonObject) {
  return verifyCredential(credential, { resolver: createKeyResolver({ fetcher: serving(document) }), clock });
}

const proofOf = (r: Awaited<ReturnType<typeof verifyCredential>>) => r.checks.find((c) => c.id === 'proof');

describe('key rotation and compromise (did:web key history)', () => {
  const beforeRotation = didDocument([{ key: key1, created: '2024-01-01T00:00:00Z' }]);
  const afterRotation = didDocument([
    { key: key1, created: '2024-01-01T00:00:00Z', expires: '2025-01-01T00:00:00Z' },
    { key: key2, created: '2025-01-01T00:00:00Z' },
  ]);
  const afterCompromise = didDocument([
    { key: key1, created: '2024-01-01T00:00:00Z', expires: '2025-01-01T00:00:00Z' },
    { key: key2, created: '2025-01-01T00:00:00Z', revoked: '2025-09-01T00:00:00Z' },
  ]);

  it('a credential signed before a rotation verifies before and after it, with the issuer confirmed', async () => {
    const credential = await issue(key1, '2024-06-01T00:00:00Z');
    for (const document of [beforeRotation, afterRotation, afterCompromise]) {
      const result = await verifyWith(credential, document);
      expect(result.verified, JSON.stringify(result.checks)).toBe(true);
      expect(result.checks.find((c) => c.id === 'issuer')).toMatchObject({ status: 'passed' });
    }
  });

  it('the retired key cannot sign after its retirement: ERR_KEY_EXPIRED', async () => {
    const credential = await issue(key1, '2025-06-01T00:00:00Z');
    expect(proofOf(await verifyWith(credential, afterRotation))).toMatchObject({
      status: 'failed',
      code: 'ERR_KEY_EXPIRED',
    });
  });

  it('the new key verifies after the rotation', async () => {
    const credential = await issue(key2, '2025-03-01T00:00:00Z');
    expect((await verifyWith(credential, afterRotation)).verified).toBe(true);
  });

  it('a signature made before a compromise stays valid; one made after it fails with ERR_KEY_REVOKED', async () => {
    const before = await issue(key2, '2025-08-31T23:59:59Z');
    const after = await issue(key2, '2025-09-01T00:00:00Z');
    expect((await verifyWith(before, afterCompromise)).verified).toBe(true);
    const result = await verifyWith(after, afterCompromise);
    expect(result.verified).toBe(false);
    expect(proofOf(result)).toMatchObject({ status: 'failed', code: 'ERR_KEY_REVOKED' });
  });

  it('a key the issuer does not list is rejected: ERR_KEY_NOT_FOUND', async () => {
    const stranger = generateEd25519Key({ seed: seed(3), controller: DID, id: `${DID}#key-3` });
    const credential = await issue(stranger, '2025-03-01T00:00:00Z');
    expect(proofOf(await verifyWith(credential, afterRotation))).toMatchObject({
      status: 'failed',
      code: 'ERR_KEY_NOT_FOUND',
    });
  });

  it('a key listed but not for assertionMethod is rejected: ERR_KEY_NOT_AUTHORIZED', async () => {
    const document = { ...beforeRotation, assertionMethod: [], authentication: [key1.id] };
    const credential = await issue(key1, '2024-06-01T00:00:00Z');
    expect(proofOf(await verifyWith(credential, document))).toMatchObject({
      status: 'failed',
      code: 'ERR_KEY_NOT_AUTHORIZED',
    });
  });

  it('a key of another controller signing for this issuer fails the issuer check: ERR_ISSUER_MISMATCH', async () => {
    const other = generateEd25519Key({ seed: seed(4) });
    const credential = await signCredential(richCredential(DID), { key: other, created: '2025-03-01T00:00:00Z' });
    const result = await verifyCredential(credential, { clock });
    expect(proofOf(result)).toMatchObject({ status: 'passed' });
    expect(result.checks.find((c) => c.id === 'issuer')).toMatchObject({
      status: 'failed',
      code: 'ERR_ISSUER_MISMATCH',
    });
    expect(result.verified).toBe(false);
  });

  it('offline, a did:web key cannot be resolved: the proof is unknown, never passed', async () => {
    const credential = await issue(key1, '2024-06-01T00:00:00Z');
    const result = await verifyCredential(credential, { clock });
    expect(proofOf(result)).toMatchObject({ status: 'unknown', code: 'ERR_OFFLINE' });
    expect(result.verified).toBe(false);
  });

  it('a did:web server that never answers (and ignores the abort signal) ends in unknown ERR_FETCH_TIMEOUT', async () => {
    const credential = await issue(key1, '2024-06-01T00:00:00Z');
    const silent: Fetcher = () => new Promise(() => {});
    const resolver = createKeyResolver({ fetcher: silent, timeoutMs: 50 });
    const result = await verifyCredential(credential, { resolver, clock });
    expect(proofOf(result)).toMatchObject({ status: 'unknown', code: 'ERR_FETCH_TIMEOUT' });
  });

  it('a DID document that names itself otherwise is refused: ERR_DID_RESOLUTION', async () => {
    const credential = await issue(key1, '2024-06-01T00:00:00Z');
    const liar = { ...beforeRotation, id: 'did:web:evil.example' };
    expect(proofOf(await verifyWith(credential, liar))).toMatchObject({ status: 'failed', code: 'ERR_DID_RESOLUTION' });
  });
});
