import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { bundledContexts, canonize, createDocumentLoader, SkillproofError } from '../src/index.js';
import type { FetchedDocument, Fetcher, JsonObject } from '../src/index.js';

const vectors = fileURLToPath(new URL('./fixtures/vectors/', import.meta.url));
const text = (path: string): string => readFileSync(vectors + path, 'utf8');
const json = (path: string): JsonObject => JSON.parse(text(path)) as JsonObject;
const OB = '1edtech-openbadges-specification/';

/** Awaits `p` and returns the SkillproofError it rejects with (fails the test otherwise). */
async function rejection(p: Promise<unknown>): Promise<SkillproofError> {
  const e: unknown = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SkillproofError);
  return e as SkillproofError;
}

function withoutProof(credential: JsonObject): JsonObject {
  const { proof: _proof, ...rest } = credential;
  return rest;
}

describe('bundled contexts', () => {
  it('hold every context a credential in the wild uses', () => {
    const urls = [
      'https://www.w3.org/2018/credentials/v1',
      'https://www.w3.org/ns/credentials/v2',
      'https://purl.imsglobal.org/spec/ob/v3p0/context.json',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
      'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json',
      'https://purl.imsglobal.org/spec/clr/v2p0/context.json',
      'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json',
      'https://w3id.org/security/data-integrity/v1',
      'https://w3id.org/security/data-integrity/v2',
      'https://w3id.org/security/multikey/v1',
      'https://w3id.org/security/jwk/v1',
      'https://www.w3.org/ns/did/v1',
      'https://w3id.org/security/suites/ed25519-2020/v1',
      'https://www.w3.org/ns/credentials/status/v1',
      'https://w3id.org/vc/status-list/2021/v1',
      'https://w3id.org/security/v1',
      'https://w3id.org/security/v2',
      'https://w3id.org/openbadges/v2',
    ];
    const known = bundledContexts();
    expect(urls.filter((u) => !known.has(u))).toEqual([]);
  });

  it('are the published documents (compared with the vendored spec copies)', () => {
    const copies: Record<string, string> = {
      'https://www.w3.org/ns/credentials/v2': 'w3c-vc-data-model/contexts/credentials/v2',
      'https://www.w3.org/2018/credentials/v1': 'w3c-vc-data-model/contexts/credentials/v1',
      'https://w3id.org/security/data-integrity/v2': 'w3c-vc-data-integrity/contexts/data-integrity/v2',
      'https://w3id.org/security/multikey/v1': 'w3c-vc-data-integrity/contexts/multikey/v1',
      'https://w3id.org/security/jwk/v1': 'w3c-vc-data-integrity/contexts/jwk/v1',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json': `${OB}ob_v3p0/context-3.0.3.json`,
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json': `${OB}ob_v3p0/context-3.0.2.json`,
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json': `${OB}ob_v3p0/context-3.0.1.json`,
      'https://w3id.org/openbadges/v2': `${OB}ob_v2p0/v2/context.json`,
      'https://www.w3.org/ns/credentials/status/v1': 'w3c-vc-bitstring-status-list/contexts/v1.jsonld',
    };
    const known = bundledContexts();
    for (const [url, path] of Object.entries(copies)) expect(known.get(url), url).toEqual(json(path));
  });

  it('do not include the test-only W3C examples context', () => {
    expect(bundledContexts().has('https://www.w3.org/ns/credentials/examples/v2')).toBe(false);
  });
});

describe('canonical N-Quads of the published test vectors (proves the contexts are the right ones)', () => {
  const loader = createDocumentLoader();

  it('1EdTech Open Badges 3.0 credential', async () => {
    const credential = withoutProof(json(`${OB}extracted-from-html/linked-data-proof-ob.credential.json`));
    expect(await canonize(credential, loader)).toBe(text(`${OB}ob_v3p0/impl/test-vectors/obv3p0/document-canon.txt`));
  });

  it('1EdTech CLR 2.0 credential (CLR context 2.0.1 and OB 3.0.3 inside)', async () => {
    const credential = withoutProof(json(`${OB}extracted-from-html/linked-data-proof-clr.credential.json`));
    expect(credential).toEqual(json(`${OB}extracted-from-html/linked-data-proof-clr.document-before-signing.json`));
    expect(await canonize(credential, loader)).toBe(text(`${OB}ob_v3p0/impl/test-vectors/clrv2p0/document-canon.txt`));
  });

  it('W3C eddsa-rdfc-2022 vector, with the examples context passed in by the caller', async () => {
    const examples = json('w3c-vc-data-model/contexts/credentials/examples/v2');
    const withExamples = createDocumentLoader({
      contexts: { 'https://www.w3.org/ns/credentials/examples/v2': examples },
    });
    const unsigned = json('w3c-vc-di-eddsa/TestVectors/unsigned.json');
    expect(await canonize(unsigned, withExamples)).toBe(
      text('w3c-vc-di-eddsa/TestVectors/eddsa-rdfc-2022/canonDocDataInt.txt'),
    );
    const e = await rejection(canonize(unsigned, loader));
    expect(e.code).toBe('ERR_CONTEXT_UNKNOWN');
  });

  it('CLR 2.0.1 defines ClrSubject.identifier; the older CLR context.json does not', async () => {
    const credential = withoutProof(json(`${OB}extracted-from-html/linked-data-proof-clr.credential.json`));
    (credential.credentialSubject as JsonObject).identifier = [
      { type: 'IdentityObject', identityHash: 'student@example.edu', identityType: 'emailAddress', hashed: false },
    ];
    const canon = await canonize(credential, loader);
    expect(canon).toContain('<https://purl.imsglobal.org/spec/vc/clr/vocab.html#identifier-1>');
    const stub = bundledContexts().get('https://purl.imsglobal.org/spec/clr/v2p0/context.json') as JsonObject;
    const old = createDocumentLoader({
      contexts: { 'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json': stub },
    });
    expect((await rejection(canonize(credential, old))).code).toBe('ERR_TERM_UNDEFINED');
  });

  it('the shipped context files are the bytes recorded in PROVENANCE.md', () => {
    const dir = fileURLToPath(new URL('../src/contexts/data/', import.meta.url));
    const provenance = readFileSync(dir + 'PROVENANCE.md', 'utf8');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const file of files) {
      const digest = createHash('sha256')
        .update(readFileSync(dir + file))
        .digest('hex');
      expect(provenance, file).toContain(`\`${file}\``);
      expect(provenance, file).toContain(digest);
    }
    // The CLR 2.0.1 digest agrees with the one an independent implementation pins for the published document.
    expect(
      createHash('sha256')
        .update(readFileSync(dir + 'clr-v2p0-context-2.0.1.json'))
        .digest('hex'),
    ).toBe('880f1902d4158f2f33ce06af41b90719977cd1ea337a9de2e41edb3ff5e543d6');
  });
});

describe('unknown contexts', () => {
  it('are ERR_CONTEXT_UNKNOWN naming the URL, from the loader', async () => {
    const e = await rejection(createDocumentLoader()('https://example.com/contexts/nope.json'));
    expect(e.code).toBe('ERR_CONTEXT_UNKNOWN');
    expect(e.details?.url).toBe('https://example.com/contexts/nope.json');
  });

  it('stay ERR_CONTEXT_UNKNOWN with the URL when they surface through canonize (jsonld.js wraps them)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.webPath(), fc.integer({ min: 0, max: 3 }), async (path, position) => {
        const url = `https://contexts.example${path.startsWith('/') ? path : `/${path}`}`;
        const contexts: JsonValueArray = ['https://www.w3.org/ns/credentials/v2'];
        contexts.splice(Math.min(position, contexts.length), 0, url);
        const doc: JsonObject = {
          '@context': contexts,
          type: ['VerifiableCredential'],
          issuer: 'https://issuer.example',
          credentialSubject: { id: 'did:example:1' },
        };
        const e = await rejection(canonize(doc, createDocumentLoader()));
        expect(e.code).toBe('ERR_CONTEXT_UNKNOWN');
        expect(e.details?.url).toBe(url);
      }),
      { numRuns: 25 },
    );
  });

  it('nested inside a credential (a scoped @context) is found too', async () => {
    const credential = withoutProof(json(`${OB}extracted-from-html/linked-data-proof-ob.credential.json`));
    const subject = credential.credentialSubject as JsonObject;
    (subject.achievement as JsonObject)['@context'] = 'https://evil.example/ctx';
    const e = await rejection(canonize(credential, createDocumentLoader()));
    expect(e.code).toBe('ERR_CONTEXT_UNKNOWN');
    expect(e.details?.url).toBe('https://evil.example/ctx');
  });
});

type JsonValueArray = string[];

const CTX_URL = 'https://contexts.example/v1';
const goodContext = { '@context': { '@protected': true, shoeSize: 'https://vocab.example/#shoeSize' } };

function fakeFetcher(
  respond: (url: string) => Promise<FetchedDocument> | FetchedDocument,
): Fetcher & { calls: string[] } {
  const calls: string[] = [];
  const fetcher = async (url: string): Promise<FetchedDocument> => {
    calls.push(url);
    return respond(url);
  };
  return Object.assign(fetcher, { calls });
}

describe('fetching contexts with a fetcher', () => {
  it('fetches an unknown HTTPS context once and caches it', async () => {
    const fetcher = fakeFetcher(() => ({ body: JSON.stringify(goodContext), contentType: 'application/ld+json' }));
    const loader = createDocumentLoader({ fetcher });
    const first = await loader(CTX_URL);
    const [second, third] = await Promise.all([loader(CTX_URL), loader(CTX_URL)]);
    expect(first.document).toEqual(goodContext);
    expect(second).toBe(first);
    expect(third).toBe(first);
    expect(fetcher.calls).toEqual([CTX_URL]);
  });

  it('a fetched context is used by canonize', async () => {
    const fetcher = fakeFetcher(() => ({ body: new TextEncoder().encode(JSON.stringify(goodContext)) }));
    const doc: JsonObject = { '@context': [CTX_URL], '@id': 'urn:x:1', shoeSize: '42' };
    expect(await canonize(doc, createDocumentLoader({ fetcher }))).toBe(
      '<urn:x:1> <https://vocab.example/#shoeSize> "42" .\n',
    );
  });

  it('never fetches a bundled context', async () => {
    const fetcher = fakeFetcher(() => {
      throw new Error('must not be called');
    });
    await createDocumentLoader({ fetcher })('https://www.w3.org/ns/credentials/v2');
    expect(fetcher.calls).toEqual([]);
  });

  it('refuses non-HTTPS URLs without calling the fetcher', async () => {
    const fetcher = fakeFetcher(() => ({ body: JSON.stringify(goodContext) }));
    for (const url of ['http://contexts.example/v1', 'file:///etc/passwd', 'data:application/json,{}']) {
      const e = await rejection(createDocumentLoader({ fetcher })(url));
      expect(e.code).toBe('ERR_CONTEXT_UNKNOWN');
      expect(e.details?.url).toBe(url);
    }
    expect(fetcher.calls).toEqual([]);
  });

  it('times out with ERR_CONTEXT_FETCH even when the fetcher ignores its signal', async () => {
    let signal: AbortSignal | undefined;
    const hanging: Fetcher = (_url, init) => {
      signal = init.signal;
      return new Promise<never>(() => {});
    };
    const started = Date.now();
    const e = await rejection(createDocumentLoader({ fetcher: hanging, timeoutMs: 30 })(CTX_URL));
    expect(e.code).toBe('ERR_CONTEXT_FETCH');
    expect(e.details).toMatchObject({ url: CTX_URL, reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(signal?.aborted).toBe(true);
  });

  it('a failing fetcher is ERR_CONTEXT_FETCH with the cause, and the failure is not cached', async () => {
    let fail = true;
    const fetcher = fakeFetcher(() => {
      if (fail) throw new Error('ECONNRESET');
      return { body: JSON.stringify(goodContext) };
    });
    const loader = createDocumentLoader({ fetcher });
    const e = await rejection(loader(CTX_URL));
    expect(e.code).toBe('ERR_CONTEXT_FETCH');
    expect(e.details?.url).toBe(CTX_URL);
    expect((e.cause as Error).message).toBe('ECONNRESET');
    fail = false;
    expect((await loader(CTX_URL)).document).toEqual(goodContext);
    expect(fetcher.calls).toEqual([CTX_URL, CTX_URL]);
  });

  it('fetch errors surface through canonize with their code', async () => {
    const fetcher = fakeFetcher(() => Promise.reject(new Error('offline')));
    const e = await rejection(canonize({ '@context': CTX_URL, '@id': 'urn:x:1' }, createDocumentLoader({ fetcher })));
    expect(e.code).toBe('ERR_CONTEXT_FETCH');
    expect(e.details?.url).toBe(CTX_URL);
  });

  it('rejects what is not a JSON-LD context with ERR_CONTEXT_INVALID', async () => {
    const bodies: FetchedDocument[] = [
      { body: '<!doctype html><title>Not found</title>' },
      { body: '' },
      { body: '[1,2]' },
      { body: '"a string"' },
      { body: 'null' },
      { body: '{"no":"context"}' },
      { body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) },
      { body: JSON.stringify(goodContext), contentType: 'text/html; charset=utf-8' },
      { body: JSON.stringify(goodContext), contentType: 'image/png' },
    ];
    for (const response of bodies) {
      const e = await rejection(createDocumentLoader({ fetcher: () => Promise.resolve(response) })(CTX_URL));
      expect(e.code, JSON.stringify(response)).toBe('ERR_CONTEXT_INVALID');
      expect(e.details?.url).toBe(CTX_URL);
    }
  });

  it('accepts JSON content types', async () => {
    for (const contentType of ['application/json', 'application/ld+json; profile="x"', 'application/vnd.x+json']) {
      const loader = createDocumentLoader({
        fetcher: () => Promise.resolve({ body: JSON.stringify(goodContext), contentType }),
      });
      expect((await loader(CTX_URL)).document).toEqual(goodContext);
    }
  });

  it('refuses bodies over maxBytes (counted in UTF-8 bytes)', async () => {
    const body = JSON.stringify({ '@context': { name: 'https://schema.org/name', note: 'é'.repeat(60) } });
    const fetcher: Fetcher = () => Promise.resolve({ body });
    const bytes = new TextEncoder().encode(body).length;
    expect(body.length).toBeLessThan(bytes);
    const e = await rejection(createDocumentLoader({ fetcher, maxBytes: bytes - 1 })(CTX_URL));
    expect(e.code).toBe('ERR_CONTEXT_INVALID');
    await expect(createDocumentLoader({ fetcher, maxBytes: bytes })(CTX_URL)).resolves.toBeDefined();
  });

  it('stops after maxFetches distinct URLs', async () => {
    const fetcher = fakeFetcher(() => ({ body: JSON.stringify(goodContext) }));
    const loader = createDocumentLoader({ fetcher, maxFetches: 3 });
    for (const n of [1, 2, 3]) await loader(`https://contexts.example/${n}`);
    await loader('https://contexts.example/1');
    const e = await rejection(loader('https://contexts.example/4'));
    expect(e.code).toBe('ERR_CONTEXT_FETCH');
    expect(e.details).toMatchObject({ reason: 'limit', url: 'https://contexts.example/4' });
    expect(fetcher.calls).toHaveLength(3);
  });

  it('caller contexts override bundled ones', async () => {
    const mine = { '@context': { x: 'https://x.example/#x' } };
    const loader = createDocumentLoader({ contexts: new Map([['https://www.w3.org/ns/credentials/v2', mine]]) });
    expect((await loader('https://www.w3.org/ns/credentials/v2')).document).toBe(mine);
  });
});
