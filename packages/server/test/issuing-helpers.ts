import { gunzipSync } from 'node:zlib';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { createDocumentLoader, type Fetcher, type JsonObject } from '@skillproof/core';
import type { TestContext } from './helpers/context.js';

/** A credential's `credentialStatus` entries: one object (Open Badges 3.0) or an array (VC 2.0), as a list. */
export function statusEntries(credential: JsonObject): JsonObject[] {
  return ([] as JsonObject[]).concat((credential['credentialStatus'] as JsonObject | JsonObject[] | undefined) ?? []);
}

/**
 * A core Fetcher that answers the test origin (`deps.publicUrl`) through `ctx.app.request`, as a verifier on the
 * network would see the server, and refuses everything else. Counts the requests it made, by path.
 */
export function appFetcher(ctx: TestContext): Fetcher & { hits: Map<string, number> } {
  const hits = new Map<string, number>();
  const fetcher: Fetcher = async (url, init) => {
    const target = new URL(url);
    if (target.origin !== ctx.deps.publicUrl) throw new Error(`${url} is not the test origin.`);
    hits.set(target.pathname, (hits.get(target.pathname) ?? 0) + 1);
    const res = await ctx.app.request(`${target.pathname}${target.search}`, { headers: { accept: init.accept } });
    if (!res.ok) throw Object.assign(new Error(`${url} answered HTTP ${res.status}.`), { status: res.status });
    return {
      body: await res.text(),
      ...(res.headers.get('content-type') && { contentType: res.headers.get('content-type')! }),
    };
  };
  return Object.assign(fetcher, { hits });
}

const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';

/**
 * A document loader for @digitalbazaar/vc: bundled contexts, and did:web documents fetched from the app. The
 * verification method is served on its own with the Multikey context, as the reference library loads it.
 */
export function referenceLoader(ctx: TestContext) {
  const contexts = createDocumentLoader();
  return async (url: string) => {
    if (!url.startsWith('did:web:')) return contexts(url);
    const [did, fragment] = url.split('#') as [string, string | undefined];
    const res = await ctx.app.request(`/${did.split(':').slice(3).join('/')}/did.json`);
    const doc = (await res.json()) as JsonObject;
    if (fragment === undefined) return { contextUrl: null, documentUrl: url, document: doc };
    const method = (doc['verificationMethod'] as JsonObject[]).find((m) => m['id'] === url);
    if (!method) throw new Error(`${url} is not in the DID document`);
    return { contextUrl: null, documentUrl: url, document: { '@context': MULTIKEY_V1, ...method } };
  };
}

/**
 * Verifies with @digitalbazaar/vc; each status entry is checked independently of Skillproof's core: the list is fetched
 * from the app, its proof verified by the reference library, and the bit read with zlib.
 */
export async function referenceVerify(ctx: TestContext, credential: JsonObject): Promise<{ verified: boolean }> {
  const documentLoader = referenceLoader(ctx);
  const suite = () => new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });
  const checkStatus = async ({ credential: c }: { credential: Record<string, unknown> }) => {
    for (const entry of statusEntries(c as JsonObject)) {
      const res = await ctx.app.request(new URL(entry['statusListCredential'] as string).pathname);
      const list = (await res.json()) as JsonObject;
      const listResult = await vc.verifyCredential({
        credential: list,
        suite: suite(),
        documentLoader,
        now: ctx.deps.clock(),
      });
      if (!listResult.verified) return { verified: false };
      const encoded = (list['credentialSubject'] as JsonObject)['encodedList'] as string;
      const bits = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'));
      const index = Number(entry['statusListIndex']);
      if ((bits[index >> 3]! >> (7 - (index & 7))) & 1) return { verified: false };
    }
    return { verified: true };
  };
  const result = await vc.verifyCredential({
    credential,
    suite: suite(),
    documentLoader,
    now: ctx.deps.clock(),
    checkStatus,
  });
  return { verified: result.verified };
}
