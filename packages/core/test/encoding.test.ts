import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
// Internal helpers: every proofValue and Multikey passes through them, so they are tested on their own too.
import { base58btcDecode, base58btcEncode, base64urlDecode, base64urlEncode } from '../src/lib/encoding.js';

describe('base58btc', () => {
  it('matches the Bitcoin alphabet vectors, leading zeros included', () => {
    expect(base58btcEncode(new TextEncoder().encode('Hello World!'))).toBe('2NEpo7TZRRrLZSi2U');
    expect(base58btcEncode(Uint8Array.from([0, 0, 0, 1]))).toBe('1112');
    expect(base58btcEncode(new Uint8Array(0))).toBe('');
    expect(Array.from(base58btcDecode('1112'))).toEqual([0, 0, 0, 1]);
  });
  it('round-trips any bytes, and rejects characters outside the alphabet with ERR_INPUT_INVALID', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        expect(base58btcDecode(base58btcEncode(bytes))).toEqual(bytes);
      }),
      { numRuns: 5000 },
    );
    for (const bad of ['0', 'O', 'I', 'l', 'é', '+'])
      expect(() => base58btcDecode(`2N${bad}`)).toThrow(expect.objectContaining({ code: 'ERR_INPUT_INVALID' }));
  });
});

describe('base64url', () => {
  it('round-trips any bytes and matches Node', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        expect(base64urlEncode(bytes)).toBe(Buffer.from(bytes).toString('base64url'));
        expect(base64urlDecode(base64urlEncode(bytes))).toEqual(bytes);
      }),
      { numRuns: 2000 },
    );
  });
});
