import { describe, expect, it } from 'vitest';
import { signCredential, verifyCredential } from '../src/index.js';
import type { JsonObject, VerificationResult } from '../src/index.js';
import { richCredential, testIssuerKey } from './helpers/credentials.js';

const key = testIssuerKey();
const statusOf = (r: VerificationResult, id: string) => r.checks.find((c) => c.id === id);

async function signedWith(changes: JsonObject): Promise<JsonObject> {
  return signCredential({ ...richCredential(key.controller), ...changes }, { key, created: '2025-03-01T09:00:00Z' });
}

describe('verifyCredential: validity period', () => {
  const at = (iso: string) => () => new Date(iso);

  it('allows the configured clock skew either side, and not a second more', async () => {
    const c = await signedWith({ validFrom: '2026-01-01T00:00:00Z', validUntil: '2027-01-01T00:00:00Z' });
    expect(statusOf(await verifyCredential(c, { clock: at('2025-12-31T23:59:00Z') }), 'validity')).toMatchObject({
      status: 'passed',
    });
    expect(statusOf(await verifyCredential(c, { clock: at('2025-12-31T23:58:59Z') }), 'validity')).toMatchObject({
      status: 'failed',
      code: 'ERR_NOT_YET_VALID',
    });
    expect(statusOf(await verifyCredential(c, { clock: at('2027-01-01T00:01:00Z') }), 'validity')).toMatchObject({
      status: 'passed',
    });
    expect(statusOf(await verifyCredential(c, { clock: at('2027-01-01T00:01:01Z') }), 'validity')).toMatchObject({
      status: 'failed',
      code: 'ERR_EXPIRED',
    });
    const strict = { clock: at('2025-12-31T23:59:59Z'), clockSkewSeconds: 0 };
    expect(statusOf(await verifyCredential(c, strict), 'validity')).toMatchObject({ code: 'ERR_NOT_YET_VALID' });
  });

  it('bounds the skew to one day whatever is asked', async () => {
    const c = await signedWith({ validFrom: '2026-01-03T00:00:00Z' });
    const result = await verifyCredential(c, { clock: at('2026-01-01T00:00:00Z'), clockSkewSeconds: 10 * 86_400 });
    expect(statusOf(result, 'validity')).toMatchObject({ code: 'ERR_NOT_YET_VALID' });
  });

  it('rejects dates that are not XML Schema dateTimeStamps, and an end before the start', async () => {
    const clock = at('2026-06-01T00:00:00Z');
    const bad = await signedWith({ validUntil: '2030-02-30T00:00:00Z' });
    expect(statusOf(await verifyCredential(bad, { clock }), 'validity')).toMatchObject({ code: 'ERR_DATE_INVALID' });
    const reversed = await signedWith({ validFrom: '2026-01-01T00:00:00Z', validUntil: '2025-01-01T00:00:00Z' });
    expect(statusOf(await verifyCredential(reversed, { clock }), 'validity')).toMatchObject({
      code: 'ERR_DATE_INVALID',
    });
  });
});

describe('verifyCredential: status without the network', () => {
  it('is unknown, never passed, when the status list cannot be fetched', async () => {
    const c = await signedWith({
      credentialStatus: {
        id: 'https://academy.example/status/1#42',
        type: 'BitstringStatusListEntry',
        statusPurpose: 'revocation',
        statusListIndex: '42',
        statusListCredential: 'https://academy.example/status/1',
      },
    });
    const offline = await verifyCredential(c, { clock: () => new Date('2026-01-01T00:00:00Z') });
    expect(statusOf(offline, 'status')).toMatchObject({ status: 'unknown', code: 'ERR_STATUS_UNAVAILABLE' });
    expect(offline.verified).toBe(false);
    const unreachable = await verifyCredential(c, {
      clock: () => new Date('2026-01-01T00:00:00Z'),
      fetcher: async () => {
        throw new Error('connection refused');
      },
    });
    expect(statusOf(unreachable, 'status')).toMatchObject({ status: 'unknown', code: 'ERR_STATUS_UNAVAILABLE' });
  });
});
