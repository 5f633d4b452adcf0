import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { signCredentialJwt, verifyCredential } from '../src/index.js';
import type { JsonObject } from '../src/index.js';
import { richCredential, testIssuerKey } from './helpers/credentials.js';
import { mutationArbitrary } from './helpers/tamper.js';

const clock = () => new Date('2026-01-01T00:00:00Z');
const b64url = (s: string) => Buffer.from(s).toString('base64url');
const unb64url = (s: string) => Buffer.from(s, 'base64url').toString('utf8');

describe('tampering with VC-JWT credentials', () => {
  let tokens: string[];
  beforeAll(async () => {
    const ed = testIssuerKey();
    const credential = richCredential(ed.controller);
    tokens = [
      await signCredentialJwt(credential, ed, { form: 'vc-jose-cose' }),
      await signCredentialJwt(credential, ed, { form: 'ob-vc-jwt' }),
    ];
    for (const token of tokens) expect((await verifyCredential(token, { clock })).verified).toBe(true);
  });

  it('rejects every changed character, with a code', { timeout: 300_000 }, async () => {
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
          const result = await verifyCredential(forged, { clock });
          expect(result.verified).toBe(false);
          const failed = result.checks.filter((k) => k.status === 'failed' || k.status === 'unknown');
          expect(failed.length).toBeGreaterThan(0);
          for (const k of failed) expect(k.code).toMatch(/^ERR_[A-Z_]+$/);
        },
      ),
      { numRuns: 1500, seed: 0x17 },
    );
  });

  it('rejects every semantic change to the payload under the original signature', { timeout: 300_000 }, async () => {
    const payloads = tokens.map((t) => JSON.parse(unb64url(t.split('.')[1]!)) as JsonObject);
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 1 }).chain((t) => fc.tuple(fc.constant(t), mutationArbitrary(payloads[t]!))),
        async ([t, mutation]) => {
          const payload = structuredClone(payloads[t]!);
          fc.pre(mutation.apply(payload));
          const [header, , signature] = tokens[t]!.split('.');
          const result = await verifyCredential(`${header}.${b64url(JSON.stringify(payload))}.${signature}`, { clock });
          expect(result.verified).toBe(false);
          const rejecting = result.checks.filter(
            (k) => ['proof', 'format', 'schema'].includes(k.id) && (k.status === 'failed' || k.status === 'unknown'),
          );
          expect(rejecting.length).toBeGreaterThan(0);
          for (const k of rejecting) expect(k.code).toMatch(/^ERR_[A-Z_]+$/);
        },
      ),
      { numRuns: 1000, seed: 0x18, maxSkipsPerRun: 100 },
    );
  });

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
