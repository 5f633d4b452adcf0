import fc from 'fast-check';
import * as jose from 'jose';
import { generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createKeyResolver,
  exportRsaKey,
  generateEd25519Key,
  generateRsaKey,
  importRsaKey,
  isSkillproofError,
  signCredentialJwt,
  verifyCredentialJwt,
} from '../src/index.js';
import type {
  CredentialJwtVerification,
  Ed25519Key,
  ErrorCode,
  JsonObject,
  KeyResolver,
  RsaKey,
} from '../src/index.js';

const ISSUER = 'did:web:example.edu';
const clock = () => new Date('2024-06-01T12:00:00Z');
const enc = (v: unknown) => jose.base64url.encode(JSON.stringify(v));
const dec = (segment: string): JsonObject => JSON.parse(new TextDecoder().decode(jose.base64url.decode(segment)));

function credential(issuer: string, extra: JsonObject = {}): JsonObject {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
    id: 'urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002',
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    issuer: { id: issuer, type: ['Profile'], name: 'Example University' },
    validFrom: '2024-01-01T00:00:00Z',
    validUntil: '2030-01-01T00:00:00Z',
    name: 'Teamwork Badge',
    credentialSubject: {
      id: 'did:example:ebfeb1f712ebc6f1c276e12ec21',
      type: ['AchievementSubject'],
      achievement: {
        id: 'https://example.edu/achievements/1',
        type: ['Achievement'],
        name: 'Teamwork',
        criteria: { narrative: 'Team work.' },
      },
    },
    ...extra,
  };
}

/** Signs header + payload with plain jose, independent of signCredentialJwt. */
async function rawSign(header: jose.CompactJWSHeaderParameters, payload: unknown, key: CryptoKey | Uint8Array) {
  return new jose.CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader(header).sign(key);
}

function edPrivate(key: Ed25519Key): Promise<CryptoKey> {
  const jwk = {
    kty: 'OKP',
    crv: 'Ed25519',
    x: jose.base64url.encode(key.publicKey),
    d: jose.base64url.encode(key.seed!),
  };
  return jose.importJWK(jwk, 'EdDSA') as Promise<CryptoKey>;
}

function edPublicJwk(key: Ed25519Key) {
  return { kty: 'OKP', crv: 'Ed25519', x: jose.base64url.encode(key.publicKey) };
}

/** jose (rightly) refuses to make or use RSA keys under 2048 bits, so the weak key of these tests comes from node:crypto. */
function weakRsa() {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const { kty, n, e } = publicKey.export({ format: 'jwk' });
  return { publicJwk: { kty: kty!, n: n!, e: e! }, privateJwk: privateKey.export({ format: 'jwk' }), privateKey };
}

function firstProblem(r: CredentialJwtVerification) {
  return r.checks.find((c) => c.status !== 'passed');
}

const JWT_CODES = ['ERR_JWT_MALFORMED', 'ERR_JWT_ALG', 'ERR_JWT_TYP', 'ERR_JWT_SIGNATURE', 'ERR_JWT_CLAIMS'];

// One issuer, did:web:example.edu, with an Ed25519 key, an RSA key, a revoked key, a key only for authentication.
let ed: Ed25519Key;
let edOther: Ed25519Key;
let rsa: RsaKey;
let revoked: Ed25519Key;
let authOnly: Ed25519Key;
let didDocument: JsonObject;
let resolver: KeyResolver;

beforeAll(async () => {
  const seed = (n: number) => new Uint8Array(32).fill(n);
  ed = generateEd25519Key({ seed: seed(1), controller: ISSUER, id: `${ISSUER}#key-1` });
  edOther = generateEd25519Key({ seed: seed(2), controller: ISSUER, id: `${ISSUER}#key-2` });
  revoked = generateEd25519Key({ seed: seed(3), controller: ISSUER, id: `${ISSUER}#key-revoked` });
  authOnly = generateEd25519Key({ seed: seed(4), controller: ISSUER, id: `${ISSUER}#key-auth` });
  rsa = await generateRsaKey({ controller: ISSUER, id: `${ISSUER}#rsa-1` });
  const multikey = (k: Ed25519Key, extra: JsonObject = {}) => ({
    id: k.id,
    type: 'Multikey',
    controller: ISSUER,
    publicKeyMultibase: k.publicKeyMultibase,
    ...extra,
  });
  const rsaMethod = exportRsaKey(rsa) as unknown as JsonObject;
  didDocument = {
    '@context': ['https://www.w3.org/ns/did/v1'],
    id: ISSUER,
    verificationMethod: [
      multikey(ed),
      multikey(edOther),
      multikey(revoked, { revoked: '2024-03-01T00:00:00Z' }),
      multikey(authOnly),
      rsaMethod,
    ],
    assertionMethod: [ed.id, edOther.id, revoked.id, rsa.id],
    authentication: [authOnly.id],
  };
  resolver = createKeyResolver({ documents: { [ISSUER]: didDocument } });
});

describe('signCredentialJwt / verifyCredentialJwt round trips', () => {
  it('Open Badges VC-JWT with Ed25519: header, claims and credential are exactly as OB 3.0 §8.2 says', async () => {
    const vc = credential(ISSUER);
    const jwt = await signCredentialJwt(vc, ed, { form: 'ob-vc-jwt', clock });
    const [h, p] = jwt.split('.');
    expect(dec(h!)).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: `${ISSUER}#key-1` });
    expect(dec(p!)).toEqual({
      ...vc,
      iss: ISSUER,
      jti: vc.id,
      sub: 'did:example:ebfeb1f712ebc6f1c276e12ec21',
      nbf: 1704067200,
      exp: 1893456000,
      iat: 1717243200,
    });
    const r = await verifyCredentialJwt(jwt, { resolver });
    expect(r.checks.map((c) => [c.id, c.status])).toEqual([
      ['format', 'passed'],
      ['proof', 'passed'],
      ['issuer', 'passed'],
    ]);
    expect(r.verified).toBe(true);
    expect(r.form).toBe('ob-vc-jwt');
    expect(r.vcClaim).toBe(false);
    expect(r.credential).toEqual(vc);
    expect(r.verificationMethod).toBe(ed.id);
    expect(r.claims).toEqual({
      iss: ISSUER,
      sub: 'did:example:ebfeb1f712ebc6f1c276e12ec21',
      jti: vc.id,
      nbf: 1704067200,
      exp: 1893456000,
      iat: 1717243200,
    });
  });

  it('VC-JOSE-COSE with Ed25519: typ vc+jwt, cty vc, and the payload is the credential, byte for byte', async () => {
    const vc = credential(ISSUER);
    const jwt = await signCredentialJwt(vc, ed, { form: 'vc-jose-cose' });
    const [h, p] = jwt.split('.');
    expect(dec(h!)).toEqual({ alg: 'EdDSA', typ: 'vc+jwt', cty: 'vc', kid: ed.id });
    expect(p).toBe(jose.base64url.encode(JSON.stringify(vc)));
    const r = await verifyCredentialJwt(jwt, { resolver });
    expect(r.verified).toBe(true);
    expect(r.form).toBe('vc-jose-cose');
    expect(r.credential).toEqual(vc);
    expect(r.claims).toEqual({});
  });

  for (const form of ['ob-vc-jwt', 'vc-jose-cose'] as const) {
    it(`${form} with RSA: RS256 by default, and PS256 on request`, async () => {
      const vc = credential(ISSUER);
      for (const alg of [undefined, 'PS256'] as const) {
        const jwt = await signCredentialJwt(vc, rsa, { form, clock, ...(alg && { alg }) });
        expect(dec(jwt.split('.')[0]!).alg).toBe(alg ?? 'RS256');
        const r = await verifyCredentialJwt(jwt, { resolver });
        expect(r.verified).toBe(true);
        expect(r.verificationMethod).toBe(rsa.id);
        expect(r.credential).toEqual(vc);
      }
    });
  }

  it('a credential whose validity has ended still verifies here: the validity period is the caller’s check', async () => {
    const vc = credential(ISSUER, { validFrom: '2010-01-01T00:00:00Z', validUntil: '2011-01-01T00:00:00Z' });
    const jwt = await signCredentialJwt(vc, ed, { clock: () => new Date('2010-06-01T00:00:00Z') });
    const r = await verifyCredentialJwt(jwt, { resolver });
    expect(r.verified).toBe(true);
    expect(r.claims?.exp).toBe(1293840000);
  });

  it('a did:key issuer needs no documents at all', async () => {
    const key = generateEd25519Key({ seed: new Uint8Array(32).fill(9) });
    const jwt = await signCredentialJwt(credential(key.controller), key);
    const r = await verifyCredentialJwt(jwt, { resolver: createKeyResolver() });
    expect(r.verified).toBe(true);
  });
});

describe('RSA keys', () => {
  it('export and import round-trip; the imported key signs what the original verifies', async () => {
    const json = exportRsaKey(rsa, { includeSecret: true });
    expect(json.type).toBe('JsonWebKey');
    expect(Object.keys(json.publicKeyJwk).sort()).toEqual(['e', 'kty', 'n']);
    expect(exportRsaKey(rsa).secretKeyJwk).toBeUndefined();
    const again = await importRsaKey(JSON.parse(JSON.stringify(json)));
    expect(again.id).toBe(rsa.id);
    expect(again.controller).toBe(ISSUER);
    expect(again.modulusLength).toBe(2048);
    const r = await verifyCredentialJwt(await signCredentialJwt(credential(ISSUER), again), { resolver });
    expect(r.verified).toBe(true);
  });

  it('a bare private JWK imports too, named by its kid', async () => {
    const key = await importRsaKey({ ...rsa.secretKeyJwk, kid: rsa.id });
    expect(key.id).toBe(rsa.id);
    expect(key.controller).toBe(ISSUER);
  });

  it('without an id, a key is named by its RFC 7638 thumbprint', async () => {
    const json = exportRsaKey(rsa);
    const thumbprint = await jose.calculateJwkThumbprint(json.publicKeyJwk as jose.JWK);
    const key = await importRsaKey({ ...json.publicKeyJwk });
    expect(key.id).toBe(`urn:ietf:params:oauth:jwk-thumbprint:sha-256:${thumbprint}`);
    const owned = await importRsaKey({ ...json.publicKeyJwk }, { controller: ISSUER });
    expect(owned.id).toBe(`${ISSUER}#${thumbprint}`);
  });

  it('moduli under 2048 bits, other key types and mismatched halves are refused with ERR_KEY_INVALID', async () => {
    const small = weakRsa();
    const cases: unknown[] = [
      small.publicJwk,
      small.privateJwk,
      { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' },
      { kty: 'RSA', n: rsa.publicKeyJwk.n },
      { ...exportRsaKey(rsa), publicKeyJwk: { kty: 'RSA', n: rsa.publicKeyJwk.n + '==', e: 'AQAB' } },
      // d from another key: the halves do not belong together.
      {
        ...(await jose.exportJWK((await jose.generateKeyPair('RS256', { extractable: true })).privateKey)),
        n: rsa.publicKeyJwk.n,
      },
      'not an object',
    ];
    for (const input of cases) {
      await expect(importRsaKey(input)).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
    }
    await expect(generateRsaKey({ modulusLength: 1024 as 2048 })).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
  });

  it('a public key cannot sign', async () => {
    const pub = await importRsaKey(exportRsaKey(rsa));
    await expect(signCredentialJwt(credential(ISSUER), pub)).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
  });
});

describe('signCredentialJwt refuses misuse', () => {
  it('with coded errors', async () => {
    const cases: Array<[Promise<string>, ErrorCode]> = [
      [signCredentialJwt(credential('did:web:other.example'), ed), 'ERR_ISSUER_MISMATCH'],
      [signCredentialJwt(credential(ISSUER), rsa, { alg: 'EdDSA' }), 'ERR_JWT_ALG'],
      [signCredentialJwt(credential(ISSUER), ed, { alg: 'RS256' }), 'ERR_JWT_ALG'],
      [signCredentialJwt(credential(ISSUER, { iss: 'x' }), ed), 'ERR_INPUT_INVALID'],
      [signCredentialJwt(credential(ISSUER, { vc: {} }), ed, { form: 'vc-jose-cose' }), 'ERR_INPUT_INVALID'],
      [signCredentialJwt({ ...credential(ISSUER), id: undefined }, ed), 'ERR_INPUT_INVALID'],
      [signCredentialJwt({ ...credential(ISSUER), validFrom: undefined }, ed), 'ERR_INPUT_INVALID'],
      [signCredentialJwt(credential(ISSUER, { validFrom: 'yesterday' }), ed), 'ERR_DATE_INVALID'],
      [signCredentialJwt([], ed), 'ERR_INPUT_INVALID'],
    ];
    for (const [promise, code] of cases) await expect(promise).rejects.toMatchObject({ code });
  });
});

describe('verifyCredentialJwt refuses forgeries', () => {
  it('tampering with any character of the header, payload or signature never verifies (Ed25519 and RSA)', async () => {
    const tokens = [
      await signCredentialJwt(credential(ISSUER), ed, { clock }),
      await signCredentialJwt(credential(ISSUER), rsa, { form: 'vc-jose-cose' }),
    ];
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // A changed kid can name a key that does not exist: then resolution, not a JWT rule, is what refuses it.
    const KEY_CODES = [
      'ERR_KEY_NOT_FOUND',
      'ERR_KEY_INVALID',
      'ERR_DID_INVALID',
      'ERR_DID_UNSUPPORTED',
      'ERR_OFFLINE',
      'ERR_DID_RESOLUTION',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0, 1),
        fc.nat(),
        fc.constantFrom(...alphabet),
        async (which, position, replacement) => {
          const jwt = tokens[which]!;
          const [h, p] = jwt.split('.');
          const segments = jwt.split('.');
          let index = position % (jwt.length - 2);
          // skip the two dots
          if (index >= h!.length) index++;
          if (index >= h!.length + 1 + p!.length) index++;
          fc.pre(jwt[index] !== replacement);
          const tampered = jwt.slice(0, index) + replacement + jwt.slice(index + 1);
          const r = await verifyCredentialJwt(tampered, { resolver });
          expect(r.verified).toBe(false);
          const problem = firstProblem(r)!;
          const inHeader = index < segments[0]!.length;
          expect(inHeader ? [...JWT_CODES, ...KEY_CODES] : JWT_CODES).toContain(problem.code);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('arbitrary strings are reported, never thrown, and never verified', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.array(fc.base64String(), { maxLength: 4 }).map((a) => a.join('.')),
        ),
        async (s) => {
          const r = await verifyCredentialJwt(s, { resolver });
          expect(r.verified).toBe(false);
          expect(JWT_CODES).toContain(firstProblem(r)!.code);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('alg "none" (an unsecured JWT) is refused with ERR_JWT_ALG', async () => {
    const payload = obPayload();
    for (const alg of ['none', 'None', 'NONE']) {
      for (const tail of ['', 'AAAA']) {
        const jwt = `${enc({ alg, typ: 'JWT', kid: ed.id })}.${enc(payload)}.${tail}`;
        const r = await verifyCredentialJwt(jwt, { resolver });
        expect(r.verified).toBe(false);
        expect(r.checks.find((c) => c.id === 'proof')).toMatchObject({ status: 'failed', code: 'ERR_JWT_ALG' });
        expect(r.checks.find((c) => c.id === 'issuer')?.status).toBe('skipped');
      }
    }
  });

  it('HS256 with the RSA public key as HMAC secret (key confusion) is refused with ERR_JWT_ALG', async () => {
    const payload = obPayload();
    const pem = await jose.exportSPKI((await jose.importJWK(rsa.publicKeyJwk as jose.JWK, 'RS256')) as CryptoKey);
    const secrets = [new TextEncoder().encode(pem), new TextEncoder().encode(JSON.stringify(rsa.publicKeyJwk))];
    for (const secret of secrets) {
      for (const alg of ['HS256', 'HS384', 'HS512']) {
        const jwt = await rawSign({ alg, typ: 'JWT', kid: rsa.id }, payload, secret);
        const r = await verifyCredentialJwt(jwt, { resolver });
        expect(r.verified).toBe(false);
        expect(firstProblem(r)).toMatchObject({ id: 'proof', code: 'ERR_JWT_ALG' });
      }
    }
  });

  it('an algorithm that does not fit the key named by kid is refused with ERR_JWT_ALG', async () => {
    const payload = obPayload();
    const edKey = await edPrivate(ed);
    const rsaKey = (await jose.importJWK(rsa.secretKeyJwk as jose.JWK, 'RS256')) as CryptoKey;
    const p256 = await jose.generateKeyPair('ES256');
    const cases = [
      await rawSign({ alg: 'EdDSA', typ: 'JWT', kid: rsa.id }, payload, edKey),
      await rawSign({ alg: 'RS256', typ: 'JWT', kid: ed.id }, payload, rsaKey),
      await rawSign({ alg: 'ES256', typ: 'JWT', kid: ed.id }, payload, p256.privateKey),
      await rawSign({ alg: 'ES256', typ: 'JWT', kid: rsa.id }, payload, p256.privateKey),
    ];
    for (const jwt of cases) {
      const r = await verifyCredentialJwt(jwt, { resolver });
      expect(firstProblem(r)).toMatchObject({ id: 'proof', status: 'failed', code: 'ERR_JWT_ALG' });
    }
  });

  it('an RSA key under 2048 bits in the issuer document is refused with ERR_JWT_ALG', async () => {
    const small = weakRsa();
    const id = `${ISSUER}#rsa-small`;
    const doc = {
      ...didDocument,
      verificationMethod: [{ id, type: 'JsonWebKey', controller: ISSUER, publicKeyJwk: small.publicJwk }],
      assertionMethod: [id],
    };
    const input = `${enc({ alg: 'RS256', typ: 'vc+jwt', kid: id })}.${enc(credential(ISSUER))}`;
    const jwt = `${input}.${jose.base64url.encode(nodeSign('sha256', Buffer.from(input), small.privateKey))}`;
    const r = await verifyCredentialJwt(jwt, { resolver: createKeyResolver({ documents: { [ISSUER]: doc } }) });
    expect(firstProblem(r)).toMatchObject({ id: 'proof', code: 'ERR_JWT_ALG' });
  });

  it('a kid naming another of the issuer’s keys fails with ERR_JWT_SIGNATURE', async () => {
    const impostor = generateEd25519Key({ seed: new Uint8Array(32).fill(1), controller: ISSUER, id: edOther.id });
    const jwt = await signCredentialJwt(credential(ISSUER), impostor, { clock });
    expect(dec(jwt.split('.')[0]!).kid).toBe(edOther.id);
    const r = await verifyCredentialJwt(jwt, { resolver });
    expect(firstProblem(r)).toMatchObject({ id: 'proof', status: 'failed', code: 'ERR_JWT_SIGNATURE' });
    expect(r.checks.find((c) => c.id === 'issuer')?.status).toBe('skipped');
  });

  it('non-canonical base64url (padding, spare bits, other alphabet) is malformed, not re-read as the same bytes', async () => {
    const jwt = await signCredentialJwt(credential(ISSUER), ed, { clock });
    const [h, p, s] = jwt.split('.') as [string, string, string];
    // 64 signature bytes = 86 characters; the last carries 4 unused bits.
    const last = s[s.length - 1]!;
    const spare = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sameBytes = spare[spare.indexOf(last) ^ 1]!;
    const variants = [
      `${h}.${p}.${s.slice(0, -1)}${sameBytes}`,
      `${h}.${p}.${s}==`,
      `${h}.${p}.${s.replace(/-/g, '+').replace(/_/g, '/')}`,
      `${h}=.${p}.${s}`,
      `${h}.${p}.${s}.`,
      `${h}.${p}`,
      ` ${jwt}`,
    ];
    for (const v of variants) {
      if (v === jwt) continue;
      const r = await verifyCredentialJwt(v, { resolver });
      expect(firstProblem(r)).toMatchObject({ id: 'format', code: 'ERR_JWT_MALFORMED' });
    }
  });

  it('headers and payloads that are not JSON objects, and tokens over the size limit, are malformed', async () => {
    const sig = 'AAAA';
    const cases = [
      `${jose.base64url.encode('not json')}.${enc({})}.${sig}`,
      `${enc([1])}.${enc({})}.${sig}`,
      `${enc({ alg: 'EdDSA' })}.${enc('string')}.${sig}`,
      `${enc({ alg: 'EdDSA' })}.${jose.base64url.encode(new Uint8Array([0x7b, 0xff, 0x7d]))}.${sig}`,
      `${enc({ typ: 'JWT' })}.${enc({})}.${sig}`,
      `${enc({ alg: 'EdDSA' })}.${enc(JSON.parse('['.repeat(100) + ']'.repeat(100)))}.${sig}`,
      `.${enc({})}.${sig}`,
    ];
    for (const jwt of cases) {
      const r = await verifyCredentialJwt(jwt, { resolver });
      expect(firstProblem(r)).toMatchObject({ id: 'format', code: 'ERR_JWT_MALFORMED' });
    }
    const jwt = await signCredentialJwt(credential(ISSUER), ed);
    const r = await verifyCredentialJwt(jwt, { resolver, maxBytes: 100 });
    expect(firstProblem(r)).toMatchObject({ code: 'ERR_JWT_MALFORMED' });
  });

  it('typ: vc+jwt, application/vc+jwt, vc+ld+json+jwt, JWT and none are accepted; anything else is ERR_JWT_TYP', async () => {
    const vc = credential(ISSUER);
    const key = await edPrivate(ed);
    const accepted: Array<[string | undefined, JsonObject, string]> = [
      ['vc+jwt', vc, 'vc-jose-cose'],
      ['application/vc+jwt', vc, 'vc-jose-cose'],
      ['vc+ld+json+jwt', vc, 'vc-jose-cose'],
      ['JWT', obPayload(), 'ob-vc-jwt'],
      [undefined, obPayload(), 'ob-vc-jwt'],
    ];
    for (const [typ, payload, form] of accepted) {
      const jwt = await rawSign({ alg: 'EdDSA', kid: ed.id, ...(typ && { typ }) }, payload, key);
      const r = await verifyCredentialJwt(jwt, { resolver });
      expect(r.verified).toBe(true);
      expect(r.form).toBe(form);
    }
    for (const typ of ['vp+jwt', 'at+jwt', 'dc+sd-jwt', 'vc+sd-jwt']) {
      const r = await verifyCredentialJwt(await rawSign({ alg: 'EdDSA', kid: ed.id, typ }, vc, key), { resolver });
      expect(firstProblem(r)).toMatchObject({ id: 'format', code: 'ERR_JWT_TYP' });
    }
    const r = await verifyCredentialJwt(`${enc({ alg: 'EdDSA', typ: 7 })}.${enc(vc)}.AAAA`, { resolver });
    expect(firstProblem(r)?.code).toBe('ERR_JWT_TYP');
  });
});

describe('Open Badges VC-JWT claims must agree with the credential (OB 3.0 §8.2.5)', () => {
  const vc = () => credential(ISSUER);
  const good = (): JsonObject => ({
    ...vc(),
    iss: ISSUER,
    jti: vc().id!,
    sub: 'did:example:ebfeb1f712ebc6f1c276e12ec21',
    nbf: 1704067200,
    exp: 1893456000,
    iat: 1717243200,
  });
  const cases: Array<[string, (p: JsonObject) => void]> = [
    ['iss of another issuer', (p) => (p.iss = 'did:web:evil.example')],
    ['no iss', (p) => delete p.iss],
    ['jti of another credential', (p) => (p.jti = 'urn:uuid:00000000-0000-0000-0000-000000000000')],
    ['no jti', (p) => delete p.jti],
    ['sub of another learner', (p) => (p.sub = 'did:example:someone-else')],
    ['no sub', (p) => delete p.sub],
    ['nbf a second off', (p) => (p.nbf = 1704067201)],
    ['nbf as a string', (p) => (p.nbf = '1704067200')],
    ['no nbf', (p) => delete p.nbf],
    ['exp a day off', (p) => (p.exp = 1893456000 + 86400)],
    ['no exp though validUntil is set', (p) => delete p.exp],
    ['iat not a number', (p) => (p.iat = 'now')],
    ['validFrom changed in the credential', (p) => (p.validFrom = '2023-01-01T00:00:00Z')],
  ];
  it('the untouched payload verifies', async () => {
    const jwt = await rawSign({ alg: 'EdDSA', typ: 'JWT', kid: ed.id }, good(), await edPrivate(ed));
    expect((await verifyCredentialJwt(jwt, { resolver })).verified).toBe(true);
  });
  for (const [name, change] of cases) {
    it(`${name} → ERR_JWT_CLAIMS (signature still checked)`, async () => {
      const payload = good();
      change(payload);
      const jwt = await rawSign({ alg: 'EdDSA', typ: 'JWT', kid: ed.id }, payload, await edPrivate(ed));
      const r = await verifyCredentialJwt(jwt, { resolver });
      expect(r.verified).toBe(false);
      expect(r.checks[0]).toMatchObject({ id: 'format', status: 'failed', code: 'ERR_JWT_CLAIMS' });
      expect(r.checks[1]).toMatchObject({ id: 'proof', status: 'passed' });
    });
  }

  it('a subject with no id takes no sub; a sub then contradicts it', async () => {
    const noId = credential(ISSUER, { credentialSubject: { type: ['AchievementSubject'], identifier: [] } });
    const jwt = await signCredentialJwt(noId, ed, { clock });
    expect(dec(jwt.split('.')[1]!).sub).toBeUndefined();
    expect((await verifyCredentialJwt(jwt, { resolver })).verified).toBe(true);
    const payload = { ...dec(jwt.split('.')[1]!), sub: 'did:example:x' };
    const forged = await rawSign({ alg: 'EdDSA', typ: 'JWT', kid: ed.id }, payload, await edPrivate(ed));
    expect(firstProblem(await verifyCredentialJwt(forged, { resolver }))?.code).toBe('ERR_JWT_CLAIMS');
  });

  it('the VC 1.1 encoding (credential in a vc claim, issuanceDate) is still accepted, as §8.2.5 asks', async () => {
    const vc11 = {
      '@context': [
        'https://www.w3.org/2018/credentials/v1',
        'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
      ],
      id: 'urn:uuid:1',
      type: ['VerifiableCredential', 'OpenBadgeCredential'],
      issuer: { id: ISSUER, type: 'Profile' },
      issuanceDate: '2022-01-01T00:00:00Z',
      credentialSubject: { id: 'did:example:learner', type: 'AchievementSubject' },
    };
    const jwt = await new jose.SignJWT({ vc: vc11 })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: ed.id })
      .setIssuer(ISSUER)
      .setJti('urn:uuid:1')
      .setSubject('did:example:learner')
      .setNotBefore(1640995200)
      .sign(await edPrivate(ed));
    const r = await verifyCredentialJwt(jwt, { resolver });
    expect(r.verified).toBe(true);
    expect(r.vcClaim).toBe(true);
    expect(r.credential).toEqual(vc11);
  });

  it('VC-JOSE-COSE forbids the vc claim and an iss other than the issuer', async () => {
    const key = await edPrivate(ed);
    for (const payload of [{ vc: credential(ISSUER) }, { ...credential(ISSUER), iss: 'did:web:evil.example' }]) {
      const r = await verifyCredentialJwt(await rawSign({ alg: 'EdDSA', typ: 'vc+jwt', kid: ed.id }, payload, key), {
        resolver,
      });
      expect(firstProblem(r)).toMatchObject({ id: 'format', code: 'ERR_JWT_CLAIMS' });
    }
  });
});

describe('the signing key and the issuer', () => {
  it('a key controlled by someone else fails the issuer check with ERR_ISSUER_MISMATCH', async () => {
    const stranger = generateEd25519Key({ seed: new Uint8Array(32).fill(7) });
    const jwt = await rawSign(
      { alg: 'EdDSA', typ: 'vc+jwt', kid: stranger.id },
      credential(ISSUER),
      await edPrivate(stranger),
    );
    const r = await verifyCredentialJwt(jwt, { resolver });
    expect(r.checks[1]).toMatchObject({ id: 'proof', status: 'passed' });
    expect(r.checks[2]).toMatchObject({ id: 'issuer', status: 'failed', code: 'ERR_ISSUER_MISMATCH' });
    expect(r.verified).toBe(false);
  });

  it('a key revoked before signing fails with ERR_KEY_REVOKED; one revoked later does not', async () => {
    const early = await signCredentialJwt(credential(ISSUER), revoked, { clock });
    expect(firstProblem(await verifyCredentialJwt(early, { resolver }))).toMatchObject({
      id: 'proof',
      code: 'ERR_KEY_REVOKED',
    });
    // VC-JOSE-COSE carries no iat: validFrom (2024-01-01) is the signing time, before the revocation (2024-03-01).
    const before = await signCredentialJwt(credential(ISSUER), revoked, { form: 'vc-jose-cose' });
    expect((await verifyCredentialJwt(before, { resolver })).verified).toBe(true);
    const atRevocation = await signCredentialJwt(credential(ISSUER, { validFrom: '2024-03-01T00:00:00Z' }), revoked, {
      form: 'vc-jose-cose',
    });
    expect(firstProblem(await verifyCredentialJwt(atRevocation, { resolver }))?.code).toBe('ERR_KEY_REVOKED');
  });

  it('a key listed only under authentication fails with ERR_KEY_NOT_AUTHORIZED', async () => {
    const jwt = await signCredentialJwt(credential(ISSUER), authOnly, { clock });
    expect(firstProblem(await verifyCredentialJwt(jwt, { resolver }))).toMatchObject({
      id: 'proof',
      code: 'ERR_KEY_NOT_AUTHORIZED',
    });
  });

  it('a did:web issuer without network is unknown (ERR_OFFLINE), never passed', async () => {
    const jwt = await signCredentialJwt(credential(ISSUER), ed, { clock });
    const r = await verifyCredentialJwt(jwt, { resolver: createKeyResolver() });
    expect(r.verified).toBe(false);
    expect(r.checks[1]).toMatchObject({ id: 'proof', status: 'unknown', code: 'ERR_OFFLINE' });
    expect(r.checks[2]).toMatchObject({ id: 'issuer', status: 'unknown', code: 'ERR_ISSUER_UNCONFIRMED' });
  });

  it('a key named in an https issuer URL fragment, unfetched, leaves the issuer unknown', async () => {
    const url = 'https://example.edu/issuers/565049';
    const key = generateEd25519Key({ seed: new Uint8Array(32).fill(5), controller: url });
    expect(key.id.startsWith(`${url}#z6Mk`)).toBe(true);
    const r = await verifyCredentialJwt(await signCredentialJwt(credential(url), key), {
      resolver: createKeyResolver(),
    });
    expect(r.checks[1]).toMatchObject({ id: 'proof', status: 'passed' });
    expect(r.checks[2]).toMatchObject({ id: 'issuer', status: 'unknown', code: 'ERR_ISSUER_UNCONFIRMED' });
  });

  it('a kid missing from the issuer document fails with ERR_KEY_NOT_FOUND', async () => {
    const ghost = generateEd25519Key({ seed: new Uint8Array(32).fill(1), controller: ISSUER, id: `${ISSUER}#ghost` });
    const r = await verifyCredentialJwt(await signCredentialJwt(credential(ISSUER), ghost), { resolver });
    expect(firstProblem(r)).toMatchObject({ id: 'proof', status: 'failed', code: 'ERR_KEY_NOT_FOUND' });
  });

  it('a kid relative to the issuer resolves in the issuer document', async () => {
    const key = await edPrivate(ed);
    for (const kid of ['#key-1', 'key-1']) {
      const jwt = await rawSign({ alg: 'EdDSA', typ: 'vc+jwt', kid }, credential(ISSUER), key);
      const r = await verifyCredentialJwt(jwt, { resolver });
      expect(r.verified).toBe(true);
      expect(r.verificationMethod).toBe(ed.id);
    }
  });

  it('without kid or jwk, the issuer’s first assertionMethod key is used', async () => {
    const jwt = await rawSign({ alg: 'EdDSA', typ: 'vc+jwt' }, credential(ISSUER), await edPrivate(ed));
    const r = await verifyCredentialJwt(jwt, { resolver });
    expect(r.verified).toBe(true);
    expect(r.verificationMethod).toBe(ed.id);
    const other = await rawSign({ alg: 'EdDSA', typ: 'vc+jwt' }, credential(ISSUER), await edPrivate(edOther));
    expect(firstProblem(await verifyCredentialJwt(other, { resolver }))?.code).toBe('ERR_JWT_SIGNATURE');
  });

  it('a jwk header counts only when the issuer’s document lists that key', async () => {
    const listed = await rawSign(
      { alg: 'EdDSA', typ: 'JWT', jwk: edPublicJwk(edOther) },
      obPayload(),
      await edPrivate(edOther),
    );
    const r1 = await verifyCredentialJwt(listed, { resolver });
    expect(r1.verified).toBe(true);
    expect(r1.verificationMethod).toBe(edOther.id);

    const rsaListed = await rawSign(
      { alg: 'RS256', typ: 'JWT', jwk: rsa.publicKeyJwk as jose.JWK },
      obPayload(),
      (await jose.importJWK(rsa.secretKeyJwk as jose.JWK, 'RS256')) as CryptoKey,
    );
    expect((await verifyCredentialJwt(rsaListed, { resolver })).verified).toBe(true);

    const stranger = generateEd25519Key({ seed: new Uint8Array(32).fill(8) });
    const selfAsserted = await rawSign(
      { alg: 'EdDSA', typ: 'JWT', jwk: edPublicJwk(stranger) },
      obPayload(),
      await edPrivate(stranger),
    );
    const r2 = await verifyCredentialJwt(selfAsserted, { resolver });
    expect(r2.verified).toBe(false);
    expect(r2.checks[1]).toMatchObject({ id: 'proof', status: 'passed' });
    expect(r2.checks[2]).toMatchObject({ id: 'issuer', status: 'unknown', code: 'ERR_ISSUER_UNCONFIRMED' });

    // Offline: the issuer document cannot be read, so the self-asserted key proves nothing either.
    const r3 = await verifyCredentialJwt(listed, { resolver: createKeyResolver() });
    expect(r3.checks[2]).toMatchObject({ status: 'unknown', code: 'ERR_ISSUER_UNCONFIRMED' });

    const leaked = await rawSign(
      { alg: 'EdDSA', typ: 'JWT', jwk: { ...edPublicJwk(ed), d: jose.base64url.encode(ed.seed!) } as jose.JWK },
      obPayload(),
      await edPrivate(ed),
    );
    expect(firstProblem(await verifyCredentialJwt(leaked, { resolver }))?.code).toBe('ERR_JWT_MALFORMED');

    const disagreeing = await rawSign(
      { alg: 'EdDSA', typ: 'JWT', kid: ed.id, jwk: edPublicJwk(edOther) },
      obPayload(),
      await edPrivate(ed),
    );
    expect((await verifyCredentialJwt(disagreeing, { resolver })).verified).toBe(false);
  });

  it('ES256 with a P-256 key in the issuer document verifies', async () => {
    const pair = await jose.generateKeyPair('ES256', { extractable: true });
    const { kty, crv, x, y } = await jose.exportJWK(pair.publicKey);
    const id = `${ISSUER}#p256`;
    const doc = {
      ...didDocument,
      verificationMethod: [
        { id, type: 'JsonWebKey', controller: ISSUER, publicKeyJwk: { kty: kty!, crv: crv!, x: x!, y: y! } },
      ],
      assertionMethod: [id],
    };
    const jwt = await rawSign({ alg: 'ES256', typ: 'vc+jwt', kid: id }, credential(ISSUER), pair.privateKey);
    const r = await verifyCredentialJwt(jwt, { resolver: createKeyResolver({ documents: { [ISSUER]: doc } }) });
    expect(r.verified).toBe(true);
  });
});

function obPayload(): JsonObject {
  const vc = credential(ISSUER);
  return {
    ...vc,
    iss: ISSUER,
    jti: vc.id!,
    sub: 'did:example:ebfeb1f712ebc6f1c276e12ec21',
    nbf: 1704067200,
    exp: 1893456000,
  };
}

describe('interoperability with plain jose', () => {
  it('a VC-JWT built with jose.SignJWT verifies here', async () => {
    const vc = credential(ISSUER);
    const rsaPrivate = (await jose.importJWK(rsa.secretKeyJwk as jose.JWK, 'RS256')) as CryptoKey;
    const jwt = await new jose.SignJWT({ ...vc })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: rsa.id })
      .setIssuer(ISSUER)
      .setJti(vc.id as string)
      .setSubject('did:example:ebfeb1f712ebc6f1c276e12ec21')
      .setNotBefore(new Date('2024-01-01T00:00:00Z'))
      .setExpirationTime(new Date('2030-01-01T00:00:00Z'))
      .setIssuedAt()
      .sign(rsaPrivate);
    const r = await verifyCredentialJwt(jwt, { resolver });
    expect(r.verified).toBe(true);
    expect(r.credential).toEqual(vc);
  });

  it('our JWTs verify with jose.jwtVerify given only the public key', async () => {
    const vc = credential(ISSUER);
    const cases: Array<[string, jose.JWK, string]> = [];
    for (const form of ['ob-vc-jwt', 'vc-jose-cose'] as const) {
      cases.push([await signCredentialJwt(vc, ed, { form, clock }), edPublicJwk(ed), 'EdDSA']);
      cases.push([await signCredentialJwt(vc, rsa, { form, clock }), rsa.publicKeyJwk as jose.JWK, 'RS256']);
    }
    for (const [jwt, jwk, alg] of cases) {
      const { payload, protectedHeader } = await jose.jwtVerify(jwt, await jose.importJWK(jwk, alg), {
        algorithms: [alg],
        currentDate: new Date('2025-01-01T00:00:00Z'),
      });
      expect(protectedHeader.alg).toBe(alg);
      expect(payload.credentialSubject).toEqual(vc.credentialSubject);
      if (protectedHeader.typ === 'JWT') expect(payload.iss).toBe(ISSUER);
    }
  });
});

describe('misuse throws', () => {
  it('a non-string token or a missing resolver is a TypeError, not a report', async () => {
    await expect(verifyCredentialJwt(42 as unknown as string, { resolver })).rejects.toBeInstanceOf(TypeError);
    await expect(verifyCredentialJwt('a.b.c', {} as { resolver: KeyResolver })).rejects.toBeInstanceOf(TypeError);
    expect(isSkillproofError(new TypeError('x'))).toBe(false);
  });
});
