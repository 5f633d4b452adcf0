import { platform } from '#platform';
import { SkillproofError } from '../errors.js';
import { canonicalDigestFast, canonize } from '../jsonld/canonize.js';
import { isDateTime } from '../model/primitives.js';
import { hasLegacyEscapingDifference, legacyCanonize } from '../jsonld/legacy-canonize.js';
import { base58btcEncode, concatBytes } from '../lib/encoding.js';
import { decodeProofValue } from '../keys/multikey.js';
import type { Ed25519Key } from '../keys/multikey.js';
import type { DocumentLoader, JsonObject, JsonValue } from '../types.js';

/** The Data Integrity proof types and cryptosuites Skillproof verifies; it signs with the first only. */
export type ProofSuite = 'eddsa-rdfc-2022' | 'eddsa-2022' | 'Ed25519Signature2020';

const VC_V2 = 'https://www.w3.org/ns/credentials/v2';
const DI_V2 = 'https://w3id.org/security/data-integrity/v2';
const DI_V1 = 'https://w3id.org/security/data-integrity/v1';
const ED25519_2020 = 'https://w3id.org/security/suites/ed25519-2020/v1';

/** XSD dateTimeStamp (with its timezone, a real calendar date): the form `created` and `expires` take (VC DI §2.1). */
export function isDateTimeStamp(value: unknown): value is string {
  return typeof value === 'string' && isDateTime(value, true);
}

/** Identifies the suite of an embedded proof, or undefined when Skillproof does not support it. */
export function proofSuite(proof: JsonObject): ProofSuite | undefined {
  if (proof.type === 'DataIntegrityProof') {
    if (proof.cryptosuite === 'eddsa-rdfc-2022' || proof.cryptosuite === 'eddsa-2022') return proof.cryptosuite;
    return undefined;
  }
  if (proof.type === 'Ed25519Signature2020') return 'Ed25519Signature2020';
  return undefined;
}

function contextList(document: JsonObject): JsonValue[] {
  const ctx = document['@context'];
  return Array.isArray(ctx) ? ctx : ctx === undefined ? [] : [ctx];
}

/**
 * The proof configuration that is canonicalized and hashed (eddsa-rdfc-2022 §3.2.5; Ed25519Signature2020 §4): the proof
 * without its value, under the document's `@context`, with the suite context added when the document lacks it — exactly
 * what the reference libraries (jsonld-signatures, @digitalbazaar/data-integrity) hash.
 */
export function proofConfiguration(document: JsonObject, proof: JsonObject, suite: ProofSuite): JsonObject {
  // Copied without the signature members (no `delete`, which would turn the object into a slow dictionary).
  const config: JsonObject = { '@context': document['@context'] ?? null };
  for (const key in proof) {
    if (key !== 'proofValue' && key !== 'jws' && key !== 'signatureValue' && Object.hasOwn(proof, key)) {
      config[key] = proof[key]!;
    }
  }
  const ctx = contextList(config);
  const suiteContext = suite === 'Ed25519Signature2020' ? ED25519_2020 : suite === 'eddsa-2022' ? DI_V1 : DI_V2;
  const hasSuite = ctx.includes(suiteContext) || (suite !== 'Ed25519Signature2020' && ctx.includes(VC_V2));
  if (!hasSuite) config['@context'] = [...ctx, suiteContext];
  return config;
}

/**
 * The document whose canonical form a proof covers: without `proof`, except that a proof in a chain covers the proofs
 * it names in `previousProof` (VC Data Integrity §4.3, "Add Proof Set/Chain").
 */
export function securedDocument(document: JsonObject, proof: JsonObject, allProofs: JsonObject[]): JsonObject {
  const { proof: _ignored, ...unsecured } = document;
  const previous = proof.previousProof;
  if (previous === undefined) return unsecured;
  const ids = Array.isArray(previous) ? previous : [previous];
  const chained = allProofs.filter((p) => typeof p.id === 'string' && ids.includes(p.id));
  if (chained.length !== ids.length) {
    throw new SkillproofError(
      'ERR_PROOF_MALFORMED',
      'A proof names a previousProof that the document does not contain.',
    );
  }
  return { ...unsecured, proof: chained.length === 1 ? chained[0]! : chained };
}

/**
 * Proof-configuration hashes, per document loader and canonicalizer. A batch signs (and a verifier meets) the same
 * configuration again and again — only the document differs, and `created` at most once a second — so its canonical
 * hash is computed once. Keyed by the configuration's JSON text: equal text, equal canonical form.
 */
const proofHashCache = new WeakMap<DocumentLoader, WeakMap<typeof canonize, Map<string, Uint8Array>>>();
const PROOF_HASH_CACHE_SIZE = 256;

function proofHashCacheOf(documentLoader: DocumentLoader, canonicalize: typeof canonize): Map<string, Uint8Array> {
  let byCanonicalizer = proofHashCache.get(documentLoader);
  if (!byCanonicalizer) proofHashCache.set(documentLoader, (byCanonicalizer = new WeakMap()));
  let cache = byCanonicalizer.get(canonicalize);
  if (!cache) byCanonicalizer.set(canonicalize, (cache = new Map()));
  return cache;
}

async function proofConfigurationHash(
  config: JsonObject,
  documentLoader: DocumentLoader,
  canonicalize: typeof canonize,
): Promise<Uint8Array> {
  const cache = proofHashCacheOf(documentLoader, canonicalize);
  const key = JSON.stringify(config);
  const hit = cache.get(key);
  if (hit) return hit;
  const hash = platform.sha256Text(await canonicalize(config, documentLoader));
  if (cache.size >= PROOF_HASH_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, hash);
  return hash;
}

/** hashData = SHA-256(canonical proof configuration) ‖ SHA-256(canonical document) (eddsa-rdfc-2022 §3.2.4). */
export async function hashData(
  document: JsonObject,
  config: JsonObject,
  documentLoader: DocumentLoader,
  canonicalize: typeof canonize = canonize,
): Promise<{ proofHash: Uint8Array; documentHash: Uint8Array; data: Uint8Array }> {
  if (canonicalize === canonize) {
    // The usual case without a promise in between: a cached proof hash and the synchronous fast canonicalization.
    const proofHash = proofHashCacheOf(documentLoader, canonicalize).get(JSON.stringify(config));
    const documentHash = proofHash && canonicalDigestFast(document, documentLoader);
    if (proofHash && documentHash) return { proofHash, documentHash, data: concatBytes(proofHash, documentHash) };
  }
  const [proofHash, docCanon] = await Promise.all([
    proofConfigurationHash(config, documentLoader, canonicalize),
    canonicalize(document, documentLoader),
  ]);
  const documentHash = platform.sha256Text(docCanon);
  return { proofHash, documentHash, data: concatBytes(proofHash, documentHash) };
}

export interface CreateProofOptions {
  key: Ed25519Key;
  documentLoader: DocumentLoader;
  /** XSD dateTimeStamp; defaults to the clock's now, to the second. */
  created: string;
  verificationMethod?: string;
  proofPurpose?: string;
  /** Proof id and chain link (VC Data Integrity §2.1.1, §2.1.2). */
  id?: string;
  previousProof?: string | string[];
}

/** Creates a DataIntegrityProof with eddsa-rdfc-2022 over `document` (its own `proof`, if any, is not covered). */
export async function createEddsaRdfc2022Proof(document: JsonObject, options: CreateProofOptions): Promise<JsonObject> {
  const { key } = options;
  if (!key.signer)
    throw new SkillproofError('ERR_KEY_INVALID', 'Signing needs a private key; this key is public only.');
  // A batch repeats one `created` for a second at a time: isDateTime checks each text once.
  if (!isDateTimeStamp(options.created)) {
    throw new SkillproofError(
      'ERR_DATE_INVALID',
      `created ${JSON.stringify(options.created)} is not an XSD dateTimeStamp.`,
    );
  }
  const proof: JsonObject = {};
  if (options.id !== undefined) proof.id = options.id;
  proof.type = 'DataIntegrityProof';
  proof.cryptosuite = 'eddsa-rdfc-2022';
  proof.created = options.created;
  proof.verificationMethod = options.verificationMethod ?? key.id;
  proof.proofPurpose = options.proofPurpose ?? 'assertionMethod';
  if (options.previousProof !== undefined) proof.previousProof = options.previousProof;
  const existing = proofsOf(document);
  // Without proofs to keep or chain, the document is what the proof covers: no copy (it is only read).
  const secured =
    existing.length === 0 && options.previousProof === undefined && !('proof' in document)
      ? document
      : securedDocument(document, proof, existing);
  const { data } = await hashData(
    secured,
    proofConfiguration(secured, proof, 'eddsa-rdfc-2022'),
    options.documentLoader,
  );
  proof.proofValue = 'z' + base58btcEncode(key.signer.sign(data));
  return proof;
}

/** The embedded proofs of a document, as a list (a proof set may hold several). */
export function proofsOf(document: JsonObject): JsonObject[] {
  const p = document.proof;
  if (p === undefined) return [];
  const list = Array.isArray(p) ? p : [p];
  return list.map((item, i) => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      throw new SkillproofError('ERR_PROOF_MALFORMED', `proof[${i}] is not an object.`, { path: `$.proof[${i}]` });
    }
    return item;
  });
}

/** Checks an Ed25519 signature over the hash data of one proof. The key is resolved by the caller. */
export async function verifyEd25519Proof(
  document: JsonObject,
  proof: JsonObject,
  allProofs: JsonObject[],
  key: Ed25519Key,
  documentLoader: DocumentLoader,
): Promise<boolean> {
  const suite = proofSuite(proof);
  if (!suite)
    throw new SkillproofError('ERR_PROOF_TYPE_UNSUPPORTED', `Proof type ${String(proof.type)} is not supported.`);
  if (typeof proof.proofValue !== 'string') {
    throw new SkillproofError('ERR_PROOF_MALFORMED', 'The proof has no proofValue string.');
  }
  const signature = decodeProofValue(proof.proofValue);
  if (signature.length !== 64) {
    throw new SkillproofError('ERR_PROOF_MALFORMED', `An Ed25519 proofValue holds 64 bytes, not ${signature.length}.`);
  }
  const secured = securedDocument(document, proof, allProofs);
  const config = proofConfiguration(secured, proof, suite);
  const { data } = await hashData(secured, config, documentLoader);
  if (key.verifier.verify(data, signature)) return true;
  if (suite === 'eddsa-rdfc-2022' || !hasLegacyEscapingDifference([secured, config])) return false;
  const legacy = await hashData(secured, config, documentLoader, legacyCanonize);
  return key.verifier.verify(legacy.data, signature);
}
