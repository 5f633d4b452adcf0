import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createIdentityObject, hashIdentity, matchesIdentity, modelSchemas } from '../src/index.js';

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const md5Hex = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

describe('hashIdentity (OB 3.0 IdentityHash)', () => {
  it('reproduces the spec example: a@example.com salted with Kosher', () => {
    expect(hashIdentity('a@example.com', 'Kosher')).toBe(
      'sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399',
    );
  });

  it('is sha256$ + hex SHA-256 of the UTF-8 identity followed by the salt, as node:crypto computes it', () => {
    expect(hashIdentity('ada@example.org', 'FleurDeSel')).toBe(`sha256$${sha256Hex('ada@example.orgFleurDeSel')}`);
    expect(hashIdentity('ada@example.org')).toBe(`sha256$${sha256Hex('ada@example.org')}`);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (identity, salt) => {
        expect(hashIdentity(identity, salt)).toBe(`sha256$${sha256Hex(identity + salt)}`);
      }),
      { numRuns: 200 },
    );
  });

  it('does not fold case itself: the spec hashes the identifier as given', () => {
    expect(hashIdentity('Ada@Example.org', 's')).not.toBe(hashIdentity('ada@example.org', 's'));
  });
});

describe('createIdentityObject and matchesIdentity', () => {
  it('normalizes the email (trim, lower case) before hashing, with the given salt', () => {
    const id = createIdentityObject({ email: '  Ada@Example.ORG ', salt: 'pepper' });
    expect(id).toEqual({
      type: 'IdentityObject',
      identityHash: `sha256$${sha256Hex('ada@example.orgpepper')}`,
      identityType: 'emailAddress',
      hashed: true,
      salt: 'pepper',
    });
    expect(Object.keys(id)).toEqual(['type', 'identityHash', 'identityType', 'hashed', 'salt']);
    expect(modelSchemas.identityObject.safeParse(id).success).toBe(true);
  });

  it('salts with 16 random bytes by default, and not at all when told', () => {
    const a = createIdentityObject({ email: 'ada@example.org' });
    const b = createIdentityObject({ email: 'ada@example.org' });
    expect(a.salt).toMatch(/^[0-9a-f]{32}$/);
    expect(a.salt).not.toBe(b.salt);
    expect(a.identityHash).toBe(`sha256$${sha256Hex(`ada@example.org${a.salt}`)}`);
    const unsalted = createIdentityObject({ email: 'ada@example.org', randomSalt: false });
    expect('salt' in unsalted).toBe(false);
    expect(unsalted.identityHash).toBe(`sha256$${sha256Hex('ada@example.org')}`);
  });

  it('matches the same address in any case, and nothing else', () => {
    fc.assert(
      fc.property(
        fc.emailAddress(),
        fc.string({ minLength: 1, maxLength: 20 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 64 }),
        (email, salt, caps) => {
          const id = createIdentityObject({ email, salt });
          const recased = [...email]
            .map((c, i) => (caps[i % caps.length] ? c.toUpperCase() : c.toLowerCase()))
            .join('');
          expect(matchesIdentity(id, recased)).toBe(true);
          expect(matchesIdentity(id, `x${email}`)).toBe(false);
          expect(matchesIdentity({ ...id, salt: `${salt}!` }, email)).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('matches hashes made by other issuers: exact-case, uppercase hex, md5, unsalted, plaintext', () => {
    const exact = { type: 'IdentityObject', identityType: 'emailAddress', hashed: true, salt: 's' };
    expect(
      matchesIdentity({ ...exact, identityHash: `sha256$${sha256Hex('Ada@Example.org' + 's')}` }, 'Ada@Example.org'),
    ).toBe(true);
    expect(
      matchesIdentity(
        { ...exact, identityHash: `sha256$${sha256Hex('ada@example.orgs').toUpperCase()}` },
        'ada@example.org',
      ),
    ).toBe(true);
    expect(matchesIdentity({ ...exact, identityHash: `md5$${md5Hex('ada@example.orgs')}` }, 'ADA@example.org')).toBe(
      true,
    );
    const { salt: _salt, ...unsalted } = exact;
    expect(
      matchesIdentity({ ...unsalted, identityHash: `sha256$${sha256Hex('ada@example.org')}` }, 'ada@example.org'),
    ).toBe(true);
    expect(
      matchesIdentity(
        { type: 'IdentityObject', identityType: 'emailAddress', hashed: false, identityHash: 'Ada@example.org' },
        'ada@EXAMPLE.org',
      ),
    ).toBe(true);
  });

  it('does not match other identity types, malformed hashes or algorithms OB does not support', () => {
    const id = createIdentityObject({ email: 'ada@example.org', salt: 's' });
    expect(matchesIdentity({ ...id, identityType: 'sourcedId' }, 'ada@example.org')).toBe(false);
    expect(matchesIdentity({ ...id, identityHash: `sha1$${'0'.repeat(40)}` }, 'ada@example.org')).toBe(false);
    expect(matchesIdentity({ ...id, identityHash: 'sha256$' }, 'ada@example.org')).toBe(false);
    expect(matchesIdentity({ ...id, identityHash: id.identityHash.slice(0, -1) }, 'ada@example.org')).toBe(false);
  });

  it('refuses input that is not an email address with ERR_INPUT_INVALID', () => {
    for (const email of ['', 'ada', 'ada@', 'a da@example.org', 42]) {
      expect(() => createIdentityObject({ email: email as string })).toThrowError(
        expect.objectContaining({ code: 'ERR_INPUT_INVALID' }) as Error,
      );
    }
  });
});
