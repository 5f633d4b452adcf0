import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { signCredentialJwt, verifyCredential } from '../src/index.js';
import type { JsonObject, VerificationCheck, VerificationResult } from '../src/index.js';
import { richCredential, testIssuerKey } from './helpers/credentials.js';
import { mutationArbitrary } from './helpers/tamper.js';
import { expectedJwtChecks } from './helpers/tamper-oracle.js';

const NOW = new Date('2026-01-01T00:00:00Z');
const clock = () => NOW;
const b64url = (s: string) => Buffer.from(s).toString('base64url');
const unb64url = (s: string) => Buffer.from(s, 'base64url').toString('utf8');

const pair = (c: VerificationCheck) => `${c.status}:${c.code ?? ''}`;

/**
 * Each check of the forged token's verification is the one, or one of the few, that helpers/tamper-oracle.ts works out
 * from the forged token itself; returns the `id:status:code` of the checks that rejected it.
 */
function expectPrecise(
  token: string,
  baseChecks: VerificationCheck[],
  forged: string,
  result: VerificationResult,
  where: string,
): string[] {
  expect(result.verified, where).toBe(false);
  const expected = expectedJwtChecks(token, baseChecks, forged, NOW);
  expect(
    result.checks.map((c) => c.id),
    where,
  ).toEqual(expected.map((e) => e.id));
  result.checks.forEach((c, k) => {
    const e = expected[k]!;
    expect([...e.allowed], `${where}: ${c.id} (${e.why}) was ${pair(c)}: ${c.message}`).toContain(pair(c));
  });
  if (result.checks.some((c) => c.code === 'ERR_JWT_SIGNATURE')) {
    expect(result.checks.find((c) => c.code === 'ERR_JWT_SIGNATURE')!.message).toBe(
      'The signature does not match: the JWT was changed, or signed with another key.',
    );
  }
  return result.checks.filter((c) => c.status === 'failed' || c.status === 'unknown').map((c) => `${c.id}:${pair(c)}`);
}

function count(counts: Map<string, number>, keys: string[]): void {
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
}

describe('tampering with VC-JWT credentials', () => {
  let tokens: string[];
  let baseChecks: VerificationCheck[][];
  beforeAll(async () => {
    const ed = testIssuerKey();
    const credential = richCredential(ed.controller);
    tokens = [
      await signCredentialJwt(credential, ed, { form: 'vc-jose-cose' }),
      await signCredentialJwt(credential, ed, { form: 'ob-vc-jwt' }),
    ];
    baseChecks = [];
    for (const token of tokens) {
      const result = await verifyCredential(token, { clock });
      expect(result.verified).toBe(true);
      baseChecks.push(result.checks);
    }
  });

  it('rejects every changed character, with the precise code of the part it broke', { timeout: 300_000 }, async () => {
    const codes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 1 }),
        fc.nat(),
        fc.constantFrom(...'ABCDEFabcdef0123456789-_.'),
        async (t, at, c) => {
          const token = tokens[t]!;
          const i = at % token.length;
          fc.pre(token[i] !== c);
          const forged = token.slice(0, i) + c + token.slice(i + 1);
          const where = `token ${t}, part ${token.slice(0, i).split('.').length}, character ${i}: ${token[i]} to ${c}`;
          const result = await verifyCredential(forged, { clock });
          count(codes, expectPrecise(token, baseChecks[t]!, forged, result, where));
        },
      ),
      { numRuns: 1500, seed: 0x17 },
    );
    // Each segment's failure modes are reached: the serialization, base64url/JSON, the header's alg, typ and kid, the
    // signature.
    for (const code of [
      'format:failed:ERR_FORMAT_UNKNOWN',
      'format:failed:ERR_JWT_MALFORMED',
      'format:failed:ERR_JWT_TYP',
      'proof:failed:ERR_JWT_ALG',
      'proof:failed:ERR_JWT_SIGNATURE',
      'proof:failed:ERR_KEY_NOT_FOUND',
    ]) {
      expect(codes.get(code), code).toBeGreaterThan(0);
    }
  });

  it(
    'rejects every semantic change to the payload under the original signature: ERR_JWT_SIGNATURE',
    { timeout: 300_000 },
    async () => {
      const codes = new Map<string, number>();
      const distinct = new Set<string>();
      const payloads = tokens.map((t) => JSON.parse(unb64url(t.split('.')[1]!)) as JsonObject);
      await fc.assert(
        fc.asyncProperty(
          fc.nat({ max: 1 }).chain((t) => fc.tuple(fc.constant(t), mutationArbitrary(payloads[t]!))),
          async ([t, mutation]) => {
            const payload = structuredClone(payloads[t]!);
            fc.pre(mutation.apply(payload));
            const [header, , signature] = tokens[t]!.split('.');
            const forged = `${header}.${b64url(JSON.stringify(payload))}.${signature}`;
            fc.pre(!distinct.has(forged));
            const where = `token ${t}: ${mutation.kind} at ${mutation.path.join('.')}`;
            const result = await verifyCredential(forged, { clock });
            const rejecting = expectPrecise(tokens[t]!, baseChecks[t]!, forged, result, where);
            // The signature covers the payload: whatever else the change breaks, the proof check says so.
            expect(rejecting, where).toContain('proof:failed:ERR_JWT_SIGNATURE');
            count(codes, rejecting);
            distinct.add(forged);
          },
        ),
        { numRuns: 1000, seed: 0x18, maxSkipsPerRun: 100 },
      );
      expect(distinct.size).toBe(1000);
      expect(codes.get('proof:failed:ERR_JWT_SIGNATURE')).toBe(1000);
      for (const code of [
        'format:failed:ERR_JWT_CLAIMS',
        'schema:failed:ERR_SCHEMA_INVALID',
        'validity:failed:ERR_DATE_INVALID',
      ]) {
        expect(codes.get(code), code).toBeGreaterThan(0);
      }
    },
  );

  it('rejects alg none and HMAC forgeries: ERR_JWT_ALG', async () => {
    const [header, payload] = tokens[0]!.split('.');
    const h = JSON.parse(unb64url(header!)) as JsonObject;
    for (const alg of ['none', 'HS256', 'None', '']) {
      const forged = `${b64url(JSON.stringify({ ...h, alg }))}.${payload}.`;
      const result = await verifyCredential(forged, { clock });
      expect(result.verified).toBe(false);
      expect(result.checks.find((k) => k.status === 'failed')).toMatchObject({
        code: expect.stringMatching(/ERR_JWT_(ALG|MALFORMED)/),
      });
    }
  });
});
