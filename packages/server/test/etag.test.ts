import { describe, expect, it } from 'vitest';
import { etagOf, matchesEtag } from '../src/http/etag.js';

describe('entity tags', () => {
  const tag = etagOf('{"a":1}');
  it('is the quoted base64url SHA-256 of the bytes, and differs when the bytes do', () => {
    expect(tag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect(etagOf('{"a":2}')).not.toBe(tag);
    expect(etagOf(new TextEncoder().encode('{"a":1}'))).toBe(tag);
  });
  it('If-None-Match: *, a list, and weak tags match (RFC 9110 §13.1.2); others and absence do not', () => {
    expect(matchesEtag('*', tag)).toBe(true);
    expect(matchesEtag(`"x", ${tag}`, tag)).toBe(true);
    expect(matchesEtag(`W/${tag}`, tag)).toBe(true);
    expect(matchesEtag('"x"', tag)).toBe(false);
    expect(matchesEtag(undefined, tag)).toBe(false);
  });
});
