import { describe, expect, it } from 'vitest';
import { generateEd25519Key, signCredential } from '@skillproof/core';
import { createApp } from '../src/index.js';

const clock = () => new Date('2026-01-01T00:00:00Z');
const app = createApp({ clock });

describe('HTTP app', () => {
  it('GET /healthz', async () => {
    const res = await app.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('POST /v1/verify verifies a signed credential', async () => {
    const key = generateEd25519Key();
    const signed = await signCredential(
      {
        '@context': [
          'https://www.w3.org/ns/credentials/v2',
          'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
        ],
        id: 'urn:uuid:1d0f2b7e-5b5c-4f1e-8e8e-0a7c6b5d4e3f',
        type: ['VerifiableCredential', 'OpenBadgeCredential'],
        issuer: key.controller,
        validFrom: '2025-01-01T00:00:00Z',
        credentialSubject: {
          id: 'did:example:learner',
          type: ['AchievementSubject'],
          achievement: {
            id: 'https://example.edu/a/1',
            type: ['Achievement'],
            name: 'A',
            description: 'B',
            criteria: { narrative: 'C' },
          },
        },
      },
      { key },
    );
    const res = await app.request('/v1/verify', { method: 'POST', body: JSON.stringify(signed) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { verified: boolean; checks: Array<{ id: string }> };
    expect(body.verified).toBe(true);

    const forged = await app.request('/v1/verify', { method: 'POST', body: JSON.stringify({ ...signed, name: 'x' }) });
    expect(((await forged.json()) as { verified: boolean }).verified).toBe(false);
  });

  it('answers bad input with a report, unknown routes with a coded 404, and oversized bodies with 413', async () => {
    const bad = await app.request('/v1/verify', { method: 'POST', body: '{"truncated":' });
    expect(bad.status).toBe(200);
    expect(((await bad.json()) as { checks: Array<{ code: string }> }).checks[0]!.code).toBe('ERR_JSON_PARSE');

    const missing = await app.request('/nope');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: 'ERR_NOT_FOUND', message: 'No route for GET /nope.' } });

    const big = await app.request('/v1/verify', { method: 'POST', body: 'x'.repeat(11 * 1024 * 1024) });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe('ERR_INPUT_TOO_LARGE');
  });
});
