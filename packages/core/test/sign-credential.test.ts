import { describe, expect, it } from 'vitest';
import { signCredential } from '../src/index.js';
import type { JsonObject } from '../src/index.js';
import { richCredential, testIssuerKey } from './helpers/credentials.js';

describe('signCredential', () => {
  const key = testIssuerKey();

  it('shares nothing with its input: changing either afterwards leaves the other as it was', async () => {
    const input = richCredential(key.controller);
    const before = JSON.stringify(input);
    const signed = await signCredential(input, { key, created: '2025-03-01T09:00:00Z' });
    (signed['@context'] as string[]).push('https://example.org/x');
    ((signed.credentialSubject as JsonObject).achievement as JsonObject).name = 'changed';
    expect(JSON.stringify(input)).toBe(before);
    (input.issuer as JsonObject).name = 'changed too';
    expect((signed.issuer as JsonObject).name).toBe('Skillproof Academy');
  });

  it('drops members whose value is undefined, as JSON does, and signs the same bytes as without them', async () => {
    const input = { ...richCredential(key.controller), description: undefined } as unknown as JsonObject;
    const a = await signCredential(input, { key, created: '2025-03-01T09:00:00Z' });
    const b = await signCredential(richCredential(key.controller), { key, created: '2025-03-01T09:00:00Z' });
    expect('description' in a).toBe(false);
    expect(a).toEqual(b);
  });

  it('refuses nesting deeper than 64 levels with ERR_INPUT_TOO_DEEP', async () => {
    let deep: JsonObject = {};
    for (let i = 0; i < 100; i++) deep = { narrative: deep };
    await expect(signCredential({ ...richCredential(key.controller), evidence: deep }, { key })).rejects.toMatchObject({
      code: 'ERR_INPUT_TOO_DEEP',
    });
  });

  it('refuses a public key: ERR_KEY_INVALID', async () => {
    const { importEd25519Key } = await import('../src/index.js');
    const publicOnly = importEd25519Key({ publicKeyMultibase: key.publicKeyMultibase });
    await expect(signCredential(richCredential(key.controller), { key: publicOnly })).rejects.toMatchObject({
      code: 'ERR_KEY_INVALID',
    });
  });
});
