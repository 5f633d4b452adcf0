import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { bakePng, unbakePng, unbake, SkillproofError, type ErrorCode } from '../src/index.js';
import {
  PNG_SIGNATURE,
  chunk,
  compactJws,
  concat,
  credentialObject,
  decodeImageData,
  itxtData,
  keywordOf,
  makePng,
  readChunks,
  textData,
  u32,
} from './helpers/baking.js';

const JWS = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
const CREDENTIAL = {
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  type: ['VerifiableCredential', 'OpenBadgeCredential'],
  name: 'Teamwork ✓ 🤝',
};

function codeOf(fn: () => unknown): ErrorCode | 'no error' | 'not a SkillproofError' {
  try {
    fn();
    return 'no error';
  } catch (e) {
    return e instanceof SkillproofError ? e.code : 'not a SkillproofError';
  }
}

function errorOf(fn: () => unknown): SkillproofError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SkillproofError) return e;
    throw e;
  }
  throw new Error('expected a SkillproofError');
}

function badgeChunks(png: Uint8Array) {
  return readChunks(png).filter((c) => ['openbadgecredential', 'openbadges'].includes(keywordOf(c) ?? ''));
}

describe('bakePng', () => {
  it('inserts exactly the iTXt chunk of OB 3.0 §5.3.1 right after IHDR, bytes checked', () => {
    const png = makePng();
    const baked = bakePng(png, JWS);
    const text = new TextEncoder().encode(JWS);
    // keyword, NUL, compression flag 0, method 0, empty language tag + NUL, empty translated keyword + NUL, text
    const expectedData = concat(new TextEncoder().encode('openbadgecredential'), new Uint8Array(5), text);
    const expectedChunk = chunk('iTXt', expectedData);
    const ihdrEnd = 8 + 12 + 13;
    expect(baked).toEqual(concat(png.subarray(0, ihdrEnd), expectedChunk, png.subarray(ihdrEnd)));
    expect(unbakePng(baked)).toEqual({ format: 'ob3', text: JWS });
  });

  it('writes a PNG whose every CRC checks with node:zlib and whose pixels are unchanged', () => {
    const png = makePng(5, 4, { beforeIend: [chunk('tEXt', textData('Comment', 'hello'))] });
    const baked = bakePng(png, CREDENTIAL);
    const chunks = readChunks(baked);
    expect(chunks.every((c) => c.crcOk)).toBe(true);
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'iTXt', 'IDAT', 'tEXt', 'IEND']);
    expect(decodeImageData(baked)).toEqual(decodeImageData(png));
    expect(unbakePng(baked)).toEqual({ format: 'ob3', text: JSON.stringify(CREDENTIAL) });
  });

  it('round-trips any credential object and any compact JWS; baking twice leaves one chunk', () => {
    const png = makePng();
    fc.assert(
      fc.property(fc.oneof(credentialObject, compactJws), fc.oneof(credentialObject, compactJws), (first, second) => {
        const once = bakePng(png, first);
        const twice = bakePng(once, second);
        const expected = (c: object | string) => (typeof c === 'string' ? c : JSON.stringify(c));
        expect(unbakePng(once)).toEqual({ format: 'ob3', text: expected(first) });
        expect(unbakePng(twice)).toEqual({ format: 'ob3', text: expected(second) });
        expect(unbake(twice)).toEqual({ image: 'png', format: 'ob3', text: expected(second) });
        expect(badgeChunks(twice)).toHaveLength(1);
        expect(readChunks(twice).every((c) => c.crcOk)).toBe(true);
        if (typeof second === 'object') expect(JSON.parse(unbakePng(twice).text)).toEqual(JSON.parse(expected(second)));
      }),
      { numRuns: 150 },
    );
  });

  it('keeps JSON text given as a string as it is (trimmed), and rejects what is neither JSON nor a JWS', () => {
    const png = makePng();
    expect(unbakePng(bakePng(png, '  {"a": 1}\n')).text).toBe('{"a": 1}');
    expect(codeOf(() => bakePng(png, '{"a": '))).toBe('ERR_JSON_PARSE');
    expect(codeOf(() => bakePng(png, 'not a jwt'))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => bakePng(png, 'a.b.c.d'))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => bakePng(png, '{"a": "\ud800"}'))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => bakePng(png, [] as unknown as object))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => bakePng(png, null as unknown as object))).toBe('ERR_INPUT_INVALID');
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(codeOf(() => bakePng(png, cyclic))).toBe('ERR_INPUT_INVALID');
  });

  it('replaces OB 2.0 openbadges chunks (iTXt and tEXt) and an existing credential', () => {
    const png = makePng(3, 2, {
      afterIhdr: [chunk('tEXt', textData('openbadges', 'https://example.org/a'))],
      beforeIend: [chunk('iTXt', itxtData('openbadgecredential', 'old.jwt.x'))],
    });
    const baked = bakePng(png, JWS);
    expect(badgeChunks(baked).map((c) => [c.type, keywordOf(c)])).toEqual([['iTXt', 'openbadgecredential']]);
    expect(unbakePng(baked)).toEqual({ format: 'ob3', text: JWS });
  });

  it('refuses a credential larger than the chunk limit and an image larger than maxBytes', () => {
    const png = makePng();
    expect(codeOf(() => bakePng(png, { big: 'x'.repeat(3 * 1024 * 1024) }))).toBe('ERR_IMAGE_TOO_LARGE');
    expect(codeOf(() => bakePng(png, JWS, { maxCredentialBytes: 40 }))).toBe('ERR_IMAGE_TOO_LARGE');
    expect(codeOf(() => bakePng(png, JWS, { maxBytes: png.length - 1 }))).toBe('ERR_IMAGE_TOO_LARGE');
    expect(codeOf(() => bakePng(png, JWS, { maxBytes: -1 }))).toBe('ERR_INPUT_INVALID');
    expect(codeOf(() => bakePng(new Uint8Array(10), JWS))).toBe('ERR_IMAGE_INVALID');
  });
});

describe('unbakePng', () => {
  it('reads OB 2.0 badges: iTXt JSON, legacy tEXt URL, compressed iTXt', () => {
    const assertion = '{"type":"Assertion","name":"é"}';
    const cases: Array<[Uint8Array, string]> = [
      [chunk('iTXt', itxtData('openbadges', assertion)), assertion],
      [
        chunk('tEXt', textData('openbadges', 'https://example.org/assertions/123')),
        'https://example.org/assertions/123',
      ],
      [
        chunk('iTXt', itxtData('openbadges', assertion, { compressed: true, language: 'en', translated: 'ö' })),
        assertion,
      ],
      [chunk('iTXt', itxtData('openbadgecredential', JWS, { compressed: true })), JWS],
      // zTXt text is Latin-1 (PNG 1.2 §4.2.3.2)
      [
        chunk(
          'zTXt',
          concat(textData('openbadges', ''), Uint8Array.of(0), new Uint8Array(deflateSync('{"type":"Assertion"}'))),
        ),
        '{"type":"Assertion"}',
      ],
    ];
    for (const [badge, text] of cases) {
      const png = makePng(3, 2, { beforeIend: [badge] });
      const format = text === JWS ? 'ob3' : 'ob2';
      expect(unbakePng(png)).toEqual({ format, text });
    }
  });

  it('says ERR_IMAGE_NOT_BAKED for a PNG without a badge chunk, whatever other text it has', () => {
    expect(codeOf(() => unbakePng(makePng()))).toBe('ERR_IMAGE_NOT_BAKED');
    const other = makePng(3, 2, {
      beforeIend: [
        chunk('iTXt', itxtData('Comment', 'openbadgecredential')),
        chunk('tEXt', textData('openbadgesX', 'x')),
        chunk('iTXt', itxtData('OpenBadges', 'x')),
      ],
    });
    expect(codeOf(() => unbakePng(other))).toBe('ERR_IMAGE_NOT_BAKED');
  });

  it('rejects two badge chunks as ambiguous', () => {
    const two = (a: string, b: string) =>
      makePng(3, 2, { beforeIend: [chunk('iTXt', itxtData(a, JWS)), chunk('iTXt', itxtData(b, JWS))] });
    for (const png of [two('openbadgecredential', 'openbadgecredential'), two('openbadgecredential', 'openbadges')]) {
      const e = errorOf(() => unbakePng(png));
      expect(e.code).toBe('ERR_IMAGE_INVALID');
      expect(e.message).toMatch(/2 badge chunks/);
    }
  });

  it('throws only ERR_IMAGE_INVALID for a baked image truncated at any byte', () => {
    const baked = bakePng(makePng(4, 3), CREDENTIAL);
    for (let n = 0; n < baked.length; n++) {
      expect([n, codeOf(() => unbakePng(baked.subarray(0, n)))]).toEqual([n, 'ERR_IMAGE_INVALID']);
      expect([n, codeOf(() => unbake(baked.subarray(0, n)))]).toEqual([n, 'ERR_IMAGE_INVALID']);
    }
  });

  it('throws only ERR_IMAGE_INVALID when any single bit of a baked image is flipped', () => {
    const baked = bakePng(makePng(4, 3), JWS);
    for (let i = 0; i < baked.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = baked.slice();
        copy[i]! ^= 1 << bit;
        expect([i, bit, codeOf(() => unbakePng(copy))]).toEqual([i, bit, 'ERR_IMAGE_INVALID']);
      }
    }
  });

  it('names the problem: signature, lying lengths, CRC, chunk type, IHDR, IEND', () => {
    const png = bakePng(makePng(), JWS);
    const withLength = (length: number) => {
      const copy = png.slice();
      copy.set(u32(length), 8 + 25); // the length field of the iTXt chunk after IHDR
      return copy;
    };
    const cases: Array<[Uint8Array, RegExp]> = [
      [concat(Uint8Array.of(0x88), png.subarray(1)), /signature/],
      [withLength(0x7fffffff), /past the end/],
      [withLength(0xffffffff), /2\^31-1/],
      [withLength(0x80000000), /2\^31-1/],
      [
        (() => {
          const c = png.slice();
          c[png.length - 1]! ^= 0xff;
          return c;
        })(),
        /Bad CRC in the IEND/,
      ],
      [concat(PNG_SIGNATURE, chunk('IDAT', new Uint8Array(3)), chunk('IEND', new Uint8Array(0))), /IHDR/],
      [png.subarray(0, png.length - 12), /IEND/],
      [concat(PNG_SIGNATURE, chunk('IHDR', new Uint8Array(13)), chunk('IEND', new Uint8Array(1))), /IEND/],
      [concat(PNG_SIGNATURE, chunk('IHDR', new Uint8Array(13)), chunk('iT1t', new Uint8Array(1))), /chunk type/],
    ];
    for (const [bad, message] of cases) {
      const e = errorOf(() => unbakePng(bad));
      expect(e.code).toBe('ERR_IMAGE_INVALID');
      expect(e.message).toMatch(message);
      expect(codeOf(() => bakePng(bad, JWS))).toBe('ERR_IMAGE_INVALID');
    }
  });

  it('rejects malformed badge chunks', () => {
    const bad = [
      concat(
        new TextEncoder().encode('openbadgecredential'),
        Uint8Array.from([0, 0, 0]),
        new TextEncoder().encode('en'),
      ),
      concat(new TextEncoder().encode('openbadgecredential'), Uint8Array.from([0])),
      concat(new TextEncoder().encode('openbadgecredential'), Uint8Array.from([0, 2, 0, 0, 0, 0x41])),
      concat(new TextEncoder().encode('openbadgecredential'), Uint8Array.from([0, 1, 1, 0, 0, 0x41])),
      concat(new TextEncoder().encode('openbadgecredential'), Uint8Array.from([0, 0, 0, 0, 0, 0xff, 0xfe])),
      concat(new TextEncoder().encode('openbadgecredential'), Uint8Array.from([0, 0, 0, 0, 0])),
      // a zlib stream cut short, and one with a bad header
      (() => {
        const d = itxtData('openbadges', JWS.repeat(20), { compressed: true });
        return d.subarray(0, d.length - 12);
      })(),
      (() => {
        const d = itxtData('openbadges', JWS, { compressed: true });
        d[15] = 0;
        return d;
      })(),
      concat(new TextEncoder().encode('openbadges'), Uint8Array.from([0, 1, 0, 0, 0])),
    ];
    for (const [i, data] of bad.entries()) {
      const png = makePng(3, 2, { beforeIend: [chunk('iTXt', data)] });
      expect([i, codeOf(() => unbakePng(png))]).toEqual([i, 'ERR_IMAGE_INVALID']);
    }
  });

  it('stops a zlib bomb in a compressed iTXt at the limit', () => {
    // 16 MiB of zeros deflate (node:zlib) to about 16 KiB: inflated whole, they would be 8 times the limit.
    const header = itxtData('openbadges', '', { compressed: true }).subarray(0, 15);
    const bomb = chunk(
      'iTXt',
      concat(header, new Uint8Array(deflateSync(new Uint8Array(16 * 1024 * 1024), { level: 9 }))),
    );
    expect(bomb.length).toBeLessThan(32 * 1024);
    const png = makePng(3, 2, { beforeIend: [bomb] });
    expect(codeOf(() => unbakePng(png))).toBe('ERR_IMAGE_TOO_LARGE');
    const small = makePng(3, 2, {
      beforeIend: [chunk('iTXt', itxtData('openbadges', 'x'.repeat(5000), { compressed: true }))],
    });
    expect(codeOf(() => unbakePng(small, { maxCredentialBytes: 4999 }))).toBe('ERR_IMAGE_TOO_LARGE');
    expect(unbakePng(small, { maxCredentialBytes: 5000 }).text).toHaveLength(5000);
  });

  it('applies maxBytes to the image and maxCredentialBytes to the badge chunk', () => {
    const baked = bakePng(makePng(), JWS);
    expect(codeOf(() => unbakePng(baked, { maxBytes: baked.length - 1 }))).toBe('ERR_IMAGE_TOO_LARGE');
    expect(codeOf(() => unbake(baked, { maxBytes: baked.length - 1 }))).toBe('ERR_IMAGE_TOO_LARGE');
    expect(unbakePng(baked, { maxBytes: baked.length }).text).toBe(JWS);
    expect(codeOf(() => unbakePng(baked, { maxCredentialBytes: 10 }))).toBe('ERR_IMAGE_TOO_LARGE');
    const big = makePng(3, 2, {
      beforeIend: [chunk('iTXt', itxtData('openbadgecredential', 'a'.repeat(2 * 1024 * 1024 + 1)))],
    });
    expect(codeOf(() => unbakePng(big))).toBe('ERR_IMAGE_TOO_LARGE');
  });

  it('reads PNGs written by another encoder (Python zlib, see fixtures/images/README.md)', () => {
    const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`fixtures/images/${name}`, import.meta.url)));
    expect(unbake(fixture('ob2-legacy-text.png'))).toEqual({
      image: 'png',
      format: 'ob2',
      text: 'https://example.org/assertions/123',
    });
    const compressed = unbake(fixture('ob2-compressed-itxt.png'));
    expect(compressed.format).toBe('ob2');
    expect(JSON.parse(compressed.text)).toMatchObject({ type: 'Assertion' });
    const baked = bakePng(fixture('plain.png'), CREDENTIAL);
    expect(readChunks(baked).every((c) => c.crcOk)).toBe(true);
    expect(decodeImageData(baked)).toEqual(decodeImageData(fixture('plain.png')));
  });
});
