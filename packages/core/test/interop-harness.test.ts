/**
 * Tests of the interop harness itself: the reference (Digital Bazaar) signer and verifier and verifier-core, all
 * offline, must reproduce the W3C vector, accept what the reference signs, and reject tampering. If these fail, the
 * Skillproof-vs-reference results in interop-reference.test.ts mean nothing.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { JsonObject } from '../src/index.js';
import { SkillproofError } from '../src/index.js';
import {
  EARLIEST_VALID_UNTIL,
  LATEST_VALID_FROM,
  distinguishBlankNodes,
  openBadgeCredential,
} from './interop/arbitraries.js';
import {
  createReferenceLoader,
  didKeyDocuments,
  referenceKeyPair,
  referenceSign,
  referenceVerify,
} from './interop/reference.js';
import { refusedFetches, verifierCoreVerify } from './interop/verifier-core.js';

const SEED = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const CREATED = '2025-01-01T00:00:00Z';
const NOW = new Date('2026-06-01T00:00:00Z');
const vectors = new URL('./fixtures/vectors/', import.meta.url);

function fixture(path: string): string {
  return readFileSync(new URL(path, vectors), 'utf8');
}

/** base58btc, written out here so the harness does not lean on Skillproof's own encoder. */
function base58btcDecode(text: string): Uint8Array {
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  let n = 0n;
  for (const ch of text) n = n * 58n + BigInt(alphabet.indexOf(ch));
  const bytes: number[] = [];
  while (n > 0n) {
    bytes.unshift(Number(n % 256n));
    n /= 256n;
  }
  for (const ch of text) {
    if (ch !== '1') break;
    bytes.unshift(0);
  }
  return Uint8Array.from(bytes);
}

function tamperedValue(signed: JsonObject): JsonObject {
  const copy = structuredClone(signed);
  copy.name = typeof copy.name === 'string' ? copy.name + ' ' : 'added after signing';
  return copy;
}

function tamperedSignature(signed: JsonObject): JsonObject {
  const copy = structuredClone(signed);
  const proof = copy.proof as JsonObject;
  const value = proof.proofValue as string;
  // Change one base58 digit in the middle: still well-formed, no longer the signature.
  const i = Math.floor(value.length / 2);
  proof.proofValue = value.slice(0, i) + (value[i] === '2' ? '3' : '2') + value.slice(i + 1);
  return copy;
}

describe('the reference signer reproduces the W3C eddsa-rdfc-2022 vector', () => {
  it('gives the published proofValue for the published key, document and created', async () => {
    const dir = 'w3c-vc-di-eddsa/TestVectors/';
    const keyPair = JSON.parse(fixture(dir + 'keyPair.json')) as { privateKeyMultibase: string };
    const secret = base58btcDecode(keyPair.privateKeyMultibase.slice(1));
    expect([...secret.subarray(0, 2)]).toEqual([0x80, 0x26]);
    const signedVector = JSON.parse(fixture(dir + 'eddsa-rdfc-2022/signedDataInt.json')) as JsonObject;
    const { proof, ...unsigned } = signedVector;
    const documentLoader = createReferenceLoader({
      contexts: {
        'https://www.w3.org/ns/credentials/examples/v2': JSON.parse(
          fixture('w3c-vc-data-model/contexts/credentials/examples/v2'),
        ) as JsonObject,
      },
    });
    const signed = await referenceSign(unsigned, {
      seed: secret.subarray(2),
      created: (proof as JsonObject).created as string,
      documentLoader,
    });
    expect(signed.proof).toEqual(proof);
    expect(unsigned).not.toHaveProperty('proof');
  });
});

describe('offline did:key documents for the reference', () => {
  it('serves the verification method with the Multikey context and the controller listing assertionMethod', async () => {
    const keyPair = await referenceKeyPair(SEED);
    const did = keyPair.controller;
    expect(keyPair.id).toBe(`${did}#${keyPair.publicKeyMultibase}`);
    expect(didKeyDocuments(keyPair.id)).toEqual({
      '@context': 'https://w3id.org/security/multikey/v1',
      id: keyPair.id,
      type: 'Multikey',
      controller: did,
      publicKeyMultibase: keyPair.publicKeyMultibase,
    });
    expect(didKeyDocuments(did)).toMatchObject({ id: did, assertionMethod: [keyPair.id] });
    expect(didKeyDocuments(`${did}#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK`)).toBeUndefined();
  });

  it('refuses anything else with ERR_CONTEXT_UNKNOWN instead of going to the network', async () => {
    const loader = createReferenceLoader();
    const error = await loader('https://example.org/unknown-context').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SkillproofError);
    expect((error as SkillproofError).code).toBe('ERR_CONTEXT_UNKNOWN');
    expect((await loader('https://www.w3.org/ns/credentials/v2')).document).toHaveProperty('@context');
  });
});

describe('the generated Open Badges credentials', () => {
  it('cover the features the interop test relies on', () => {
    const keyDid = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
    const samples = fc.sample(openBadgeCredential(keyDid), { numRuns: 300, seed: 1 }).map((c) => JSON.stringify(c));
    const share = (re: RegExp): number => samples.filter((s) => re.test(s)).length / samples.length;
    expect(share(/"MicroCredential"/)).toBeGreaterThan(0.02);
    expect(share(/"issuer":\{"id":"did:key:/)).toBeGreaterThan(0.2);
    expect(share(/"issuer":"did:key:/)).toBeGreaterThan(0.2);
    expect(share(/"identifier":\[\{"type":"IdentityObject"/)).toBeGreaterThan(0.1);
    expect(share(/"rubricCriterionLevel":\[\{/)).toBeGreaterThan(0.02);
    expect(share(/"allowedValue":\["([^"]*)",(?:"[^"]*",)*"\1"\]/)).toBeGreaterThan(0.02);
    expect(share(/"creditsAvailable":\d+\.\d+/)).toBeGreaterThan(0.05);
    expect(share(/"creditsAvailable":[\d.]+e[+-]?\d+/)).toBeGreaterThan(0.005);
    expect(share(/"@language":/)).toBeGreaterThan(0.1);
    expect(share(/[\u{10000}-\u{10ffff}]/u)).toBeGreaterThan(0.3);
    expect(share(/\\u0000|\\n|\\"|\\\\/)).toBeGreaterThan(0.3);
    expect(share(/"validFrom":"[^"]*[+-]\d\d:\d\d"/)).toBeGreaterThan(0.1);
    for (const s of samples) {
      const c = JSON.parse(s) as JsonObject;
      expect(c['@context']).toEqual([
        'https://www.w3.org/ns/credentials/v2',
        'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
      ]);
      expect(Date.parse(c.validFrom as string)).toBeLessThanOrEqual(Date.parse(LATEST_VALID_FROM) + 86_400_000);
      if (c.validUntil) expect(Date.parse(c.validUntil as string)).toBeGreaterThan(Date.parse(EARLIEST_VALID_UNTIL));
    }
  });

  it('give every blank node a literal of its own, keeping the deliberate @list repeat', () => {
    const input: JsonObject = {
      alignment: [
        { type: 'Alignment', targetName: 'x', targetUrl: 'https://a.example/' },
        { type: ['Alignment'], targetName: 'x', targetUrl: 'https://a.example/' },
      ],
      resultDescription: [{ id: 'https://r.example/', type: 'ResultDescription', allowedValue: ['A', 'B', 'A'] }],
    };
    const out = distinguishBlankNodes(input);
    const [a, b] = out.alignment as JsonObject[];
    expect(a!.targetName).not.toBe(b!.targetName);
    const list = (out.resultDescription as JsonObject[])[0]!.allowedValue as string[];
    expect(list).toHaveLength(3);
    expect(list[0]).toBe(list[2]);
    expect(list[0]).not.toBe(list[1]);
    expect((input.alignment as JsonObject[])[0]!.targetName).toBe('x');
  });
});

describe('reference and verifier-core agree on reference-signed credentials', () => {
  it('verify what the reference signs, reject a changed value and a changed signature', async () => {
    const { controller } = await referenceKeyPair(SEED);
    await fc.assert(
      fc.asyncProperty(openBadgeCredential(controller), async (credential) => {
        const signed = await referenceSign(credential, { seed: SEED, created: CREATED });
        expect(credential).not.toHaveProperty('proof');
        expect(signed.proof).toMatchObject({ created: CREATED, cryptosuite: 'eddsa-rdfc-2022' });
        const again = await referenceSign(credential, { seed: SEED, created: CREATED });
        expect((again.proof as JsonObject).proofValue).toBe((signed.proof as JsonObject).proofValue);

        expect(await referenceVerify(signed, { now: NOW })).toEqual({ verified: true });
        const dcc = await verifierCoreVerify(signed);
        expect(dcc.details.errors).toBeUndefined();
        expect(dcc.verified).toBe(true);

        for (const bad of [tamperedValue(signed), tamperedSignature(signed)]) {
          expect((await referenceVerify(bad, { now: NOW })).verified).toBe(false);
          const rejected = await verifierCoreVerify(bad);
          expect(rejected.verified).toBe(false);
          expect(rejected.details.errors?.[0]?.name).toBe('invalid_signature');
        }
      }),
      { numRuns: 12, seed: 20261130 },
    );
    // The only thing verifier-core wanted from the network was the OB JSON Schema, and it did not get it.
    expect(new Set(refusedFetches)).toEqual(
      new Set(['https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json']),
    );
    expect(globalThis.fetch).not.toBeUndefined();
  });
});
