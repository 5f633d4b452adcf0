import { describe, expect, it } from 'vitest';
import { signCredential, verifyCredential } from '../src/index.js';
import type { JsonObject, VerificationResult } from '../src/index.js';
import { richCredential, testIssuerKey } from './helpers/credentials.js';

const clock = () => new Date('2026-01-01T00:00:00Z');
const formatCheck = (r: VerificationResult) => r.checks.find((c) => c.id === 'format');

function nested(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

// Every case must end in a coded result; the per-test timeout is the bound on time (no hang), not a benchmark.
describe('bad input ends in a coded error, never a crash or a hang', () => {
  const cases: Array<[string, string | Uint8Array, string]> = [
    ['empty input', '', 'ERR_FORMAT_UNKNOWN'],
    ['truncated JSON', '{"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ', 'ERR_JSON_PARSE'],
    ['a JSON array', '[1, 2, 3]', 'ERR_FORMAT_UNKNOWN'],
    ['a JSON number', '42', 'ERR_FORMAT_UNKNOWN'],
    ['JSON null inside braces', '{"a": nul}', 'ERR_JSON_PARSE'],
    ['binary garbage', Uint8Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) & 0xff), 'ERR_FORMAT_UNKNOWN'],
    ['10,000-deep nesting', nested(10_000), 'ERR_INPUT_TOO_DEEP'],
    ['100,000-deep arrays', '['.repeat(100_000) + ']'.repeat(100_000), 'ERR_FORMAT_UNKNOWN'],
    [
      '100,000-deep arrays in an object',
      '{"a":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}',
      'ERR_INPUT_TOO_DEEP',
    ],
    ['a document over 10 MB', JSON.stringify({ name: 'x'.repeat(11 * 1024 * 1024) }), 'ERR_INPUT_TOO_LARGE'],
    ['not a JWT: two segments', 'eyJhbGciOiJFZERTQSJ9.eyJ9', 'ERR_FORMAT_UNKNOWN'],
  ];
  for (const [name, input, code] of cases) {
    it(`${name} → ${code}`, { timeout: 20_000 }, async () => {
      const result = await verifyCredential(input, { clock });
      expect(result.verified).toBe(false);
      expect(formatCheck(result)).toMatchObject({ status: 'failed', code });
    });
  }

  it('a parsed object nested 10,000 deep → ERR_INPUT_TOO_DEEP', async () => {
    let deep: JsonObject = {};
    for (let i = 0; i < 10_000; i++) deep = { a: deep };
    expect(formatCheck(await verifyCredential(deep, { clock }))).toMatchObject({ code: 'ERR_INPUT_TOO_DEEP' });
  });

  it('a signed credential just under 10 MB verifies in bounded time', { timeout: 60_000 }, async () => {
    const credential = richCredential(testIssuerKey().controller);
    (credential.credentialSubject as JsonObject).narrative = 'n'.repeat(9 * 1024 * 1024);
    const signed = await signCredential(credential, { key: testIssuerKey(), created: '2025-03-01T09:00:00Z' });
    const result = await verifyCredential(JSON.stringify(signed), { clock });
    expect(result.checks.find((c) => c.id === 'proof')).toMatchObject({ status: 'passed' });
  });

  it('an unknown context fails the proof check with ERR_CONTEXT_UNKNOWN naming the URL', async () => {
    const signed = await signCredential(richCredential(testIssuerKey().controller), {
      key: testIssuerKey(),
      created: '2025-03-01T09:00:00Z',
    });
    (signed['@context'] as string[]).push('https://evil.example/context.json');
    const result = await verifyCredential(signed, { clock });
    const proof = result.checks.find((c) => c.id === 'proof');
    expect(proof).toMatchObject({ status: 'failed', code: 'ERR_CONTEXT_UNKNOWN' });
    expect(proof?.message).toContain('https://evil.example/context.json');
  });

  it('wrong types in places the verifier reads: proof not an object, proof value not a string, type a number', async () => {
    const base = await signCredential(richCredential(testIssuerKey().controller), {
      key: testIssuerKey(),
      created: '2025-03-01T09:00:00Z',
    });
    const variants: Array<[(c: JsonObject) => void, string]> = [
      [(c) => (c.proof = 'nope'), 'ERR_PROOF_MALFORMED'],
      [(c) => (c.proof = [1, 2]), 'ERR_PROOF_MALFORMED'],
      [(c) => ((c.proof as JsonObject).proofValue = 12), 'ERR_PROOF_MALFORMED'],
      [(c) => ((c.proof as JsonObject).proofValue = 'zzzz0OIl'), 'ERR_PROOF_MALFORMED'],
      [(c) => ((c.proof as JsonObject).verificationMethod = 42), 'ERR_PROOF_MALFORMED'],
      [(c) => ((c.proof as JsonObject).created = 'yesterday'), 'ERR_PROOF_MALFORMED'],
      [(c) => ((c.proof as JsonObject).cryptosuite = 'ecdsa-rdfc-2019'), 'ERR_PROOF_TYPE_UNSUPPORTED'],
      [(c) => ((c.proof as JsonObject).proofPurpose = 'authentication'), 'ERR_PROOF_PURPOSE'],
      [(c) => ((c.proof as JsonObject).verificationMethod = 'did:example:123#k'), 'ERR_DID_UNSUPPORTED'],
      [(c) => ((c.proof as JsonObject).verificationMethod = 'did:key:z6Mk#z6Mk'), 'ERR_DID_INVALID'],
      [(c) => delete c.proof, 'ERR_PROOF_MISSING'],
    ];
    for (const [mutate, code] of variants) {
      const doc = structuredClone(base);
      mutate(doc);
      const result = await verifyCredential(doc, { clock });
      expect(result.verified).toBe(false);
      expect(
        result.checks.find((c) => c.id === 'proof' && c.status === 'failed'),
        code,
      ).toMatchObject({ code });
    }
  });

  it('misuse throws a TypeError rather than returning a report', async () => {
    await expect(verifyCredential(42 as unknown as string)).rejects.toThrow(TypeError);
    await expect(verifyCredential(null as unknown as string)).rejects.toThrow(TypeError);
  });
});
