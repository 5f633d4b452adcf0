import { describe, expect, it } from 'vitest';
import {
  canonize,
  createDocumentLoader,
  createKeyResolver,
  importEd25519Key,
  signCredential,
  verifyCredential,
} from '../src/index.js';
import type { JsonObject } from '../src/index.js';
import { examplesContexts, vectorJson, vectorText } from './helpers/vectors.js';
import { createHash } from 'node:crypto';

const documentLoader = createDocumentLoader({ contexts: examplesContexts() });
const sha256hex = (s: string) => createHash('sha256').update(s).digest('hex');
const W3C = 'w3c-vc-di-eddsa/TestVectors/';
const OB = '1edtech-openbadges-specification/';

describe('W3C vc-di-eddsa eddsa-rdfc-2022 vectors', () => {
  for (const dir of ['eddsa-rdfc-2022/', 'eddsa-rdfc-2022/employ/']) {
    const unsignedPath = dir.includes('employ') ? 'employmentAuth.json' : 'unsigned.json';
    const signed = vectorJson(W3C + dir + 'signedDataInt.json');
    const proof = signed.proof as JsonObject;

    it(`${dir}: canonical document, proof configuration, hashes and proofValue match byte for byte`, async () => {
      const unsigned = vectorJson(W3C + unsignedPath);
      const canonDoc = await canonize(unsigned, documentLoader);
      expect(canonDoc).toBe(vectorText(W3C + dir + 'canonDocDataInt.txt').trimEnd() + '\n');
      expect(sha256hex(canonDoc)).toBe(vectorText(W3C + dir + 'docHashDataInt.txt').trim());
      const proofConfig = vectorJson(W3C + dir + 'proofConfigDataInt.json');
      const canonProof = await canonize(proofConfig, documentLoader);
      expect(canonProof).toBe(vectorText(W3C + dir + 'proofCanonDataInt.txt').trimEnd() + '\n');
      expect(sha256hex(canonProof)).toBe(vectorText(W3C + dir + 'proofHashDataInt.txt').trim());
      expect(sha256hex(canonProof) + sha256hex(canonDoc)).toBe(
        vectorText(W3C + dir + 'combinedHashDataInt.txt').trim(),
      );

      const key = importEd25519Key(vectorJson(W3C + 'keyPair.json'));
      const resigned = await signCredential(unsigned, {
        key,
        documentLoader,
        created: proof.created as string,
        verificationMethod: proof.verificationMethod as string,
      });
      expect(resigned).toEqual(signed);
      expect((resigned.proof as JsonObject).proofValue).toBe(vectorText(W3C + dir + 'sigBTC58DataInt.txt').trim());
    });

    it(`${dir}: the signed vector verifies, and does not once a value changes`, async () => {
      const options = { documentLoader, resolver: createKeyResolver(), clock: () => new Date('2024-01-01T00:00:00Z') };
      const result = await verifyCredential(signed, options);
      expect(result.checks.find((c) => c.id === 'proof')).toMatchObject({ status: 'passed' });
      const tampered = structuredClone(signed);
      tampered.validFrom = '2023-01-01T00:00:01Z';
      const bad = await verifyCredential(tampered, options);
      expect(bad.verified).toBe(false);
      expect(bad.checks.find((c) => c.id === 'proof')).toMatchObject({ status: 'failed', code: 'ERR_PROOF_INVALID' });
    });
  }
});

describe('W3C Ed25519Signature2020 vector (legacy suite)', () => {
  it('verifies, and canonical forms match', async () => {
    const signed = vectorJson(W3C + 'Ed25519Signature2020/signedEdSig.json');
    const canonDoc = await canonize(vectorJson(W3C + 'unsigned.json'), documentLoader);
    expect(canonDoc).toBe(vectorText(W3C + 'Ed25519Signature2020/canonDocEdSig.txt').trimEnd() + '\n');
    const result = await verifyCredential(signed, { documentLoader, clock: () => new Date('2024-01-01T00:00:00Z') });
    expect(result.checks.find((c) => c.id === 'proof')).toMatchObject({ status: 'passed' });
  });
});

describe('W3C proof sets and chains', () => {
  for (const name of [
    'signedProofSet1.json',
    'signedProofSet2.json',
    'signedProofChain1.json',
    'signedProofChain2.json',
  ]) {
    it(`${name}: every proof is reported and verifies`, async () => {
      const signed = vectorJson(W3C + 'proof-set-chain/' + name);
      const proofs = Array.isArray(signed.proof) ? signed.proof : [signed.proof];
      const result = await verifyCredential(signed, { documentLoader, clock: () => new Date('2024-01-01T00:00:00Z') });
      const proofChecks = result.checks.filter((c) => c.id === 'proof');
      expect(proofChecks).toHaveLength(proofs.length);
      for (const check of proofChecks) expect(check).toMatchObject({ status: 'passed' });
    });
  }
});

describe('1EdTech Open Badges 3.0 and CLR 2.0 signed examples', () => {
  const keyFile = vectorJson<Record<string, unknown>>(
    OB + 'extracted-from-html/linked-data-proof-ob.keypair-and-intermediates.json',
  );
  const key = importEd25519Key({
    publicKeyMultibase: keyFile.publicKeyMultibase,
    secretKeyMultibase: keyFile.secretKeyMultibase,
    controller: keyFile.controller,
    id: keyFile.verificationMethod,
  });
  const cases = [
    { name: 'ob', canon: 'obv3p0', intermediates: keyFile.ob as Record<string, string> },
    { name: 'clr', canon: 'clrv2p0', intermediates: keyFile.clr as Record<string, string> },
  ];
  for (const { name, canon, intermediates } of cases) {
    it(`${name}: canonical N-Quads, hashes and proofValue equal the published bytes`, async () => {
      const signed = vectorJson(OB + `extracted-from-html/linked-data-proof-${name}.signed-credential.json`);
      const { proof: proofOrSet, ...unsigned } = signed;
      // The CLR example holds its proof in a one-element array.
      const proof = (Array.isArray(proofOrSet) ? proofOrSet[0] : proofOrSet) as JsonObject;
      const canonDoc = await canonize(unsigned, documentLoader);
      expect(canonDoc).toBe(vectorText(OB + `ob_v3p0/impl/test-vectors/${canon}/document-canon.txt`).trimEnd() + '\n');
      expect(sha256hex(canonDoc)).toBe(intermediates.documentHashHex);
      const { proofValue: _v, ...config } = proof;
      const canonProof = await canonize({ '@context': unsigned['@context']!, ...config }, documentLoader);
      expect(canonProof).toBe(vectorText(OB + `ob_v3p0/impl/test-vectors/${canon}/proof-canon.txt`).trimEnd() + '\n');
      expect(sha256hex(canonProof)).toBe(intermediates.proofHashHex);

      const resigned = await signCredential(unsigned, {
        key,
        documentLoader,
        created: proof.created as string,
      });
      expect((resigned.proof as JsonObject).proofValue).toBe(intermediates.proofValue);
      expect(resigned.proof).toEqual(proof);
    });

    it(`${name}: verifies; the issuer binding is unknown offline (key taken from the fragment)`, async () => {
      const signed = vectorJson(OB + `extracted-from-html/linked-data-proof-${name}.signed-credential.json`);
      const result = await verifyCredential(signed, { documentLoader, clock: () => new Date('2024-01-01T00:00:00Z') });
      expect(result.checks.find((c) => c.id === 'proof')).toMatchObject({ status: 'passed' });
      expect(result.checks.find((c) => c.id === 'issuer')).toMatchObject({
        status: 'unknown',
        code: 'ERR_ISSUER_UNCONFIRMED',
      });
      expect(result.verified).toBe(false);
    });
  }
});

describe('signing refuses terms the contexts do not define', () => {
  it('names the JSON path of the undefined term, and signs nothing', async () => {
    const unsigned = vectorJson(OB + 'extracted-from-html/linked-data-proof-ob.credential.json');
    delete unsigned.proof;
    (unsigned.credentialSubject as JsonObject).achievement = {
      ...((unsigned.credentialSubject as JsonObject).achievement as JsonObject),
      skillLevel: 'expert',
    };
    const key = importEd25519Key(vectorJson(W3C + 'keyPair.json'));
    await expect(signCredential(unsigned, { key, documentLoader })).rejects.toMatchObject({
      code: 'ERR_TERM_UNDEFINED',
      path: '$.credentialSubject.achievement.skillLevel',
    });
  });
});
