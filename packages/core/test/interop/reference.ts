/**
 * The reference implementation of Data Integrity eddsa-rdfc-2022 (Digital Bazaar's @digitalbazaar/vc stack), wired to
 * run offline: contexts come from Skillproof's bundled loader, did:key documents are derived here. The harness keeps
 * its own did:key derivation (not Skillproof's `didKeyDocument`) so that a Skillproof key-resolution bug cannot hide
 * itself by feeding the reference the same wrong document.
 */
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { cryptosuite as eddsa2022 } from '@digitalbazaar/eddsa-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import type { Ed25519MultikeyKeyPair } from '@digitalbazaar/ed25519-multikey';
import { createDocumentLoader } from '../../src/index.js';
import type { DocumentLoader, JsonObject, RemoteDocument } from '../../src/index.js';

const DID_V1 = 'https://www.w3.org/ns/did/v1';
const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';

/**
 * did:key documents in the two shapes the Digital Bazaar libraries load: the verification method on its own (with the
 * Multikey context, for DataIntegrityProof.getVerificationMethod) and the controller document listing it under
 * assertionMethod (for AssertionProofPurpose, which skips framing when the DID context comes first).
 */
export function didKeyDocuments(url: string): JsonObject | undefined {
  const m = /^did:key:(z6Mk[1-9A-HJ-NP-Za-km-z]+)(?:#(z6Mk[1-9A-HJ-NP-Za-km-z]+))?$/.exec(url);
  if (!m) return undefined;
  const fingerprint = m[1]!;
  if (m[2] !== undefined && m[2] !== fingerprint) return undefined;
  const did = `did:key:${fingerprint}`;
  const vmId = `${did}#${fingerprint}`;
  const method = { id: vmId, type: 'Multikey', controller: did, publicKeyMultibase: fingerprint };
  if (m[2] !== undefined) return { '@context': MULTIKEY_V1, ...method };
  return {
    '@context': [DID_V1, MULTIKEY_V1],
    id: did,
    verificationMethod: [method],
    assertionMethod: [vmId],
    authentication: [vmId],
  };
}

/**
 * Skillproof's bundled contexts (plus any given) and offline did:key: the reference never touches the network.
 * Contexts are the one thing the two sides share; they are checked byte for byte against the published ones elsewhere.
 */
export function createReferenceLoader(options: { contexts?: Record<string, JsonObject> } = {}): DocumentLoader {
  const contexts = createDocumentLoader(options.contexts ? { contexts: options.contexts } : {});
  return async (url: string): Promise<RemoteDocument> => {
    const did = didKeyDocuments(url);
    if (did) return { contextUrl: null, documentUrl: url, document: did };
    return contexts(url);
  };
}

let sharedLoader: DocumentLoader | undefined;
function loader(): DocumentLoader {
  return (sharedLoader ??= createReferenceLoader());
}

const keyPairs = new Map<string, Promise<Ed25519MultikeyKeyPair>>();

/** The reference library's key pair for a seed, as a did:key (`did:key:z6Mk…#z6Mk…`). Cached per seed. */
export function referenceKeyPair(seed: Uint8Array): Promise<Ed25519MultikeyKeyPair> {
  const cacheKey = Buffer.from(seed).toString('hex');
  let pending = keyPairs.get(cacheKey);
  if (!pending) {
    pending = (async () => {
      const bare = await Ed25519Multikey.generate({ seed });
      return Ed25519Multikey.generate({ seed, controller: `did:key:${bare.publicKeyMultibase}` });
    })();
    keyPairs.set(cacheKey, pending);
  }
  return pending;
}

/**
 * Signs with @digitalbazaar/vc `issue` (DataIntegrityProof, eddsa-rdfc-2022 or the legacy eddsa-2022, safe mode). The input is not mutated
 * (`issue` adds the proof to the object it is given, so it gets a clone).
 */
export async function referenceSign(
  credential: JsonObject,
  options: {
    seed: Uint8Array;
    created: string;
    documentLoader?: DocumentLoader;
    cryptosuite?: 'eddsa-rdfc-2022' | 'eddsa-2022';
  },
): Promise<JsonObject> {
  const keyPair = await referenceKeyPair(options.seed);
  const cryptosuite = options.cryptosuite === 'eddsa-2022' ? eddsa2022 : eddsaRdfc2022;
  const suite = new DataIntegrityProof({ signer: keyPair.signer(), date: options.created, cryptosuite });
  const documentLoader = options.documentLoader ?? loader();
  return (await vc.issue({ credential: structuredClone(credential), suite, documentLoader })) as JsonObject;
}

/**
 * Verifies with @digitalbazaar/vc `verifyCredential` (signature, proof purpose, VC data model checks). `now` fixes the
 * instant validFrom/validUntil are compared with; default the current time.
 */
export async function referenceVerify(
  signed: JsonObject,
  options: { now?: Date; documentLoader?: DocumentLoader } = {},
): Promise<{ verified: boolean; error?: unknown }> {
  const suite = new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });
  try {
    const result = await vc.verifyCredential({
      credential: signed,
      suite,
      documentLoader: options.documentLoader ?? loader(),
      ...(options.now ? { now: options.now } : {}),
    });
    return result.verified ? { verified: true } : { verified: false, error: result.error };
  } catch (error) {
    return { verified: false, error };
  }
}
