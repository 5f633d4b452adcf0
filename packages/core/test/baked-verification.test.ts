import { describe, expect, it } from 'vitest';
import { bakePng, bakeSvg, signCredential, signCredentialJwt, verifyCredential } from '../src/index.js';
import { richCredential, testIssuerKey } from './helpers/credentials.js';
import { chunk, concat, makePng, PNG_SIGNATURE, u32 } from './helpers/baking.js';

const clock = () => new Date('2026-01-01T00:00:00Z');
const SVG =
  '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';

describe('verifying baked images', () => {
  it('a Data Integrity credential baked in a PNG verifies, format png', async () => {
    const signed = await signCredential(richCredential(testIssuerKey().controller), {
      key: testIssuerKey(),
      created: '2025-03-01T09:00:00Z',
    });
    const result = await verifyCredential(bakePng(makePng(), signed), { clock });
    expect(result.format).toBe('png');
    expect(result.verified, JSON.stringify(result.checks)).toBe(true);
    expect(result.credential).toEqual(signed);
  });

  it('a VC-JWT baked in an SVG verifies, format svg', async () => {
    const jwt = await signCredentialJwt(richCredential(testIssuerKey().controller), testIssuerKey(), {
      form: 'ob-vc-jwt',
    });
    const result = await verifyCredential(new TextEncoder().encode(bakeSvg(SVG, jwt)), { clock });
    expect(result.format).toBe('svg');
    expect(result.verified, JSON.stringify(result.checks)).toBe(true);
  });

  it('a changed credential inside a baked PNG fails the proof', async () => {
    const signed = await signCredential(richCredential(testIssuerKey().controller), {
      key: testIssuerKey(),
      created: '2025-03-01T09:00:00Z',
    });
    const forged = { ...signed, name: 'Something else entirely' };
    const result = await verifyCredential(bakePng(makePng(), forged), { clock });
    expect(result.checks.find((c) => c.id === 'proof')).toMatchObject({ status: 'failed', code: 'ERR_PROOF_INVALID' });
  });

  const broken: Array<[string, Uint8Array, string]> = [
    ['a PNG that is not baked', makePng(), 'ERR_IMAGE_NOT_BAKED'],
    ['a PNG cut short', makePng().subarray(0, 20), 'ERR_IMAGE_INVALID'],
    [
      'a PNG whose chunk claims 2 GiB',
      concat(PNG_SIGNATURE, u32(0x7fffffff), new TextEncoder().encode('IHDR'), new Uint8Array(32)),
      'ERR_IMAGE_INVALID',
    ],
    [
      'a PNG with a bad CRC',
      concat(PNG_SIGNATURE, chunk('IHDR', new Uint8Array(13), 0xdeadbeef), chunk('IEND', new Uint8Array(0))),
      'ERR_IMAGE_INVALID',
    ],
    ['a PNG over 10 MiB', concat(PNG_SIGNATURE, new Uint8Array(11 * 1024 * 1024)), 'ERR_INPUT_TOO_LARGE'],
    ['an SVG with no credential', new TextEncoder().encode(SVG), 'ERR_IMAGE_NOT_BAKED'],
    ['an SVG cut in the middle of a tag', new TextEncoder().encode(SVG.slice(0, 40)), 'ERR_IMAGE_INVALID'],
  ];
  for (const [name, bytes, code] of broken) {
    it(`${name} → ${code}`, { timeout: 20_000 }, async () => {
      const result = await verifyCredential(bytes, { clock });
      expect(result.verified).toBe(false);
      expect(result.checks.find((c) => c.id === 'format')).toMatchObject({ status: 'failed', code });
    });
  }
});
