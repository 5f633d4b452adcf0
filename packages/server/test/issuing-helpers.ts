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

/** Bit `index` of a Bitstring Status List (the first index is the most significant bit of the first byte). */
export const bitOf = (bits: Uint8Array, index: number) => (bits[index >> 3]! >> (7 - (index & 7))) & 1;

const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';

/** Reads the JSON document at a path of the server under test: in process, or over HTTP. */
export type ReadJson = (path: string) => Promise<JsonObject>;

const appJson =
  (ctx: TestContext): ReadJson =>
  async (path) =>
    (await (await ctx.app.request(path)).json()) as JsonObject;

const referenceSuite = () => new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });

/**
 * A document loader for @digitalbazaar/vc: bundled contexts, and did:web documents read from the server under test
 * (each once per loader). The verification method is served on its own with the Multikey context, as the reference
 * library loads it.
 */
export function referenceLoader(readJson: ReadJson) {
  const contexts = createDocumentLoader();
  const didDocuments = new Map<string, Promise<JsonObject>>();
  return async (url: string) => {
    if (!url.startsWith('did:web:')) return contexts(url);
    const [did, fragment] = url.split('#') as [string, string | undefined];
    let doc = didDocuments.get(did);
    // did:web path rule: did:web:host:a:b → /a/b/did.json; did:web:host (no path) → /.well-known/did.json.
    const path = did.split(':').slice(3);
    if (!doc)
      didDocuments.set(
        did,
        (doc = readJson(path.length > 0 ? `/${path.join('/')}/did.json` : '/.well-known/did.json')),
      );
    if (fragment === undefined) return { contextUrl: null, documentUrl: url, document: await doc };
    const method = ((await doc)['verificationMethod'] as JsonObject[]).find((m) => m['id'] === url);
    if (!method) throw new Error(`${url} is not in the DID document`);
    return { contextUrl: null, documentUrl: url, document: { '@context': MULTIKEY_V1, ...method } };
  };
}

/**
 * The status check, made independently of Skillproof's core: each entry's list is read from the server, its proof
 * verified by @digitalbazaar/vc (at `now`, default the current time), and its bit read with zlib; a set bit fails.
 */
export async function referenceStatus(
  credential: JsonObject,
  readJson: ReadJson,
  documentLoader: ReturnType<typeof referenceLoader>,
  now?: Date,
): Promise<{ verified: boolean }> {
  for (const entry of statusEntries(credential)) {
    const list = await readJson(new URL(entry['statusListCredential'] as string).pathname);
    const listResult = await vc.verifyCredential({
      credential: list,
      suite: referenceSuite(),
      documentLoader,
      ...(now && { now }),
    });
    if (!listResult.verified) return { verified: false };
    const encoded = (list['credentialSubject'] as JsonObject)['encodedList'] as string;
    const bits = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'));
    const index = Number(entry['statusListIndex']);
    if (bitOf(bits, index)) return { verified: false };
  }
  return { verified: true };
}

/** Verifies with @digitalbazaar/vc, at the test clock's time, with {@link referenceStatus} as the status check. */
export async function referenceVerify(ctx: TestContext, credential: JsonObject): Promise<{ verified: boolean }> {
  const readJson = appJson(ctx);
  const documentLoader = referenceLoader(readJson);
  const now = ctx.deps.clock();
  const result = await vc.verifyCredential({
    credential,
    suite: referenceSuite(),
    documentLoader,
    now,
    checkStatus: ({ credential: c }: { credential: Record<string, unknown> }) =>
      referenceStatus(c as JsonObject, readJson, documentLoader, now),
  });
  return { verified: result.verified };
}
