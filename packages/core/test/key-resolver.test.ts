import { describe, expect, it } from 'vitest';
import { createKeyResolver, generateEd25519Key, signCredential, verifyCredential } from '../src/index.js';
import type { Fetcher, JsonObject } from '../src/index.js';
import { richCredential } from './helpers/credentials.js';

const clock = () => new Date('2026-06-01T00:00:00Z');
const seed = Uint8Array.from({ length: 32 }, (_, i) => (i * 11 + 3) & 0xff);

/** A fetcher serving fixed documents by URL, counting the fetches. */
function serving(documents: Record<string, JsonObject>) {
  const fetched: string[] = [];
  const fetcher: Fetcher = async (url) => {
    fetched.push(url);
    const document = documents[url];
    if (!document) throw Object.assign(new Error(`HTTP 404 for ${url}`), { status: 404 });
    return { body: JSON.stringify(document), contentType: 'application/json' };
  };
  return { fetcher, fetched };
}

const check = (r: Awaited<ReturnType<typeof verifyCredential>>, id: string) => {
  const c = r.checks.find((x) => x.id === id)!;
  return [c.status, c.code];
};

describe('key resolution through the injected fetcher', () => {
  describe('the 1EdTech form: an HTTPS issuer whose key is named in the fragment', () => {
    const issuer = 'https://issuer.example/issuers/565049';
    const key = generateEd25519Key({ seed, controller: issuer, id: '' });
    const vm = `${issuer}#${key.publicKeyMultibase}`;
    const signer = generateEd25519Key({ seed, controller: issuer, id: vm });
    const controllerDocument: JsonObject = {
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: issuer,
      verificationMethod: [
        { id: vm, type: 'Multikey', controller: issuer, publicKeyMultibase: key.publicKeyMultibase },
      ],
      assertionMethod: [vm],
    };

    it('the issuer binding passes when the controller document lists the key for assertionMethod', async () => {
      const signed = await signCredential(richCredential(issuer), { key: signer, created: '2026-01-01T00:00:00Z' });
      const { fetcher, fetched } = serving({ [issuer]: controllerDocument });
      const result = await verifyCredential(signed, { resolver: createKeyResolver({ fetcher }), clock });
      expect([result.verified, check(result, 'proof')[0], check(result, 'issuer')[0]]).toEqual([
        true,
        'passed',
        'passed',
      ]);
      expect(fetched).toEqual([issuer]);
    });

    it('offline, or when the document is missing, the key from the fragment verifies but the binding is unknown', async () => {
      const signed = await signCredential(richCredential(issuer), { key: signer, created: '2026-01-01T00:00:00Z' });
      for (const resolver of [createKeyResolver(), createKeyResolver({ fetcher: serving({}).fetcher })]) {
        const result = await verifyCredential(signed, { resolver, clock });
        expect(check(result, 'proof')[0]).toBe('passed');
        expect(check(result, 'issuer')).toEqual(['unknown', 'ERR_ISSUER_UNCONFIRMED']);
        expect(result.verified).toBe(false);
      }
    });
  });

  describe('the cache', () => {
    const did = 'did:web:cache.example';
    const url = 'https://cache.example/.well-known/did.json';
    const key = generateEd25519Key({ seed, controller: did, id: `${did}#key-1` });
    const document: JsonObject = {
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: did,
      verificationMethod: [
        { id: key.id, type: 'Multikey', controller: did, publicKeyMultibase: key.publicKeyMultibase },
      ],
      assertionMethod: [key.id],
    };

    it('fetches a controller document once within its time to live, again after it', async () => {
      let now = new Date('2026-06-01T00:00:00Z').getTime();
      const { fetcher, fetched } = serving({ [url]: document });
      const resolver = createKeyResolver({ fetcher, cacheTtlMs: 60_000, clock: () => new Date(now) });
      const first = await resolver.resolve(key.id);
      await Promise.all([resolver.resolve(key.id), resolver.resolve(key.id)]);
      expect(fetched).toEqual([url]);
      // The key is imported once per document, not once per credential.
      expect(await resolver.resolve(key.id)).toBe(first);
      now += 60_001;
      await resolver.resolve(key.id);
      expect(fetched).toEqual([url, url]);
    });

    it('keeps at most cacheSize documents, and never caches a failure', async () => {
      const others = Object.fromEntries(
        [1, 2, 3].map((n) => {
          const id = `did:web:host${n}.example`;
          return [`https://host${n}.example/.well-known/did.json`, { ...document, id }];
        }),
      );
      const { fetcher, fetched } = serving(others);
      const resolver = createKeyResolver({ fetcher, cacheSize: 2, clock });
      for (const n of [1, 2, 3, 1]) await resolver.resolveController(`did:web:host${n}.example`);
      // host1 was evicted by host3, so it is fetched again; host2 and host3 were not.
      expect(fetched.map((u) => new URL(u).host)).toEqual([
        'host1.example',
        'host2.example',
        'host3.example',
        'host1.example',
      ]);
      await expect(resolver.resolveController('did:web:missing.example')).rejects.toMatchObject({
        code: 'ERR_DID_RESOLUTION',
      });
      await expect(resolver.resolveController('did:web:missing.example')).rejects.toMatchObject({
        code: 'ERR_DID_RESOLUTION',
      });
      expect(fetched.filter((u) => u.includes('missing'))).toHaveLength(2);
    });
  });
});
