import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as vc from '@digitalbazaar/vc';
import { Ed25519Signature2020 } from '@digitalbazaar/ed25519-signature-2020';
import { Ed25519VerificationKey2020 } from '@digitalbazaar/ed25519-verification-key-2020';
import { verifyCredential } from '../src/index.js';
import type { JsonObject } from '../src/index.js';
import { openBadgeCredential } from './interop/arbitraries.js';
import { createReferenceLoader, referenceKeyPair, referenceSign } from './interop/reference.js';

const seed = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);
const clock = () => new Date('2026-01-01T00:00:00Z');

describe('the legacy eddsa-2022 cryptosuite name', () => {
  it('credentials the reference signs with eddsa-2022 verify in Skillproof; changed ones do not', async () => {
    const issuer = (await referenceKeyPair(seed)).controller;
    const samples = fc.sample(openBadgeCredential(issuer), { numRuns: 20, seed: 2022 });
    for (const credential of samples) {
      const signed = await referenceSign(credential, {
        seed,
        created: '2024-05-01T00:00:00Z',
        cryptosuite: 'eddsa-2022',
      });
      expect((signed.proof as { cryptosuite: string }).cryptosuite).toBe('eddsa-2022');
      const result = await verifyCredential(signed, { clock });
      expect(
        result.checks.find((c) => c.id === 'proof'),
        JSON.stringify(result.checks),
      ).toMatchObject({
        status: 'passed',
        detail: { cryptosuite: 'eddsa-2022' },
      });
      const forged = { ...signed, validFrom: '2001-01-01T00:00:00Z' };
      expect((await verifyCredential(forged, { clock })).checks.find((c) => c.id === 'proof')).toMatchObject({
        status: 'failed',
        code: 'ERR_PROOF_INVALID',
      });
    }
  });
});

describe('the legacy Ed25519Signature2020 suite', () => {
  it('credentials signed by jsonld-signatures verify in Skillproof, control characters included', async () => {
    const bare = await Ed25519VerificationKey2020.generate({ seed });
    const did = `did:key:${bare.fingerprint()}`;
    const key = await Ed25519VerificationKey2020.generate({
      seed,
      controller: did,
      id: `${did}#${bare.fingerprint()}`,
    });
    const documentLoader = createReferenceLoader();
    const samples = fc.sample(openBadgeCredential(did), { numRuns: 15, seed: 2020 });
    for (const [i, credential] of samples.entries()) {
      const withSuite = {
        ...credential,
        '@context': [...(credential['@context'] as string[]), 'https://w3id.org/security/suites/ed25519-2020/v1'],
        ...(i % 2 === 0 && { name: `tab\there, \u0001 and DEL \u007f ${i}` }),
      };
      const suite = new Ed25519Signature2020({ key, date: '2024-05-01T00:00:00Z' });
      const signed = (await vc.issue({ credential: withSuite, suite, documentLoader })) as JsonObject;
      const result = await verifyCredential(signed, { clock });
      expect(
        result.checks.find((c) => c.id === 'proof'),
        JSON.stringify(result.checks),
      ).toMatchObject({ status: 'passed' });
      const forged = { ...signed, validFrom: '2001-01-01T00:00:00Z' };
      expect((await verifyCredential(forged, { clock })).checks.find((c) => c.id === 'proof')).toMatchObject({
        code: 'ERR_PROOF_INVALID',
      });
    }
  });
});
