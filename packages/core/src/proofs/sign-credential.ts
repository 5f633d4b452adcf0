import { defaultDocumentLoader } from '../contexts/document-loader.js';
import { SkillproofError } from '../errors.js';
import { checkTerms } from '../jsonld/check-terms.js';
import { cloneJsonObject } from '../lib/json-input.js';
import type { Ed25519Key } from '../keys/multikey.js';
import type { Clock, DocumentLoader, JsonObject } from '../types.js';
import { createEddsaRdfc2022Proof, proofsOf } from './data-integrity.js';

export interface SignCredentialOptions {
  /** An Ed25519 private key (from {@link generateEd25519Key} or {@link importEd25519Key}). */
  key: Ed25519Key;
  /** The proof's `created`, an XSD dateTimeStamp. Default: the clock's now, to the second. */
  created?: string;
  clock?: Clock;
  /** Default: the bundled contexts, no network. */
  documentLoader?: DocumentLoader;
  /** Default: the key's id. */
  verificationMethod?: string;
  /** Gives the proof an id (for proof chains). */
  proofId?: string;
  /** Makes the proof part of a chain after the proofs with these ids. */
  previousProof?: string | string[];
}

/** An XSD dateTimeStamp to the second, as the reference libraries write `created`. */
export function dateTimeStamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Signs a credential with a DataIntegrityProof (cryptosuite `eddsa-rdfc-2022`, proof purpose `assertionMethod`).
 * Returns a new object; the input is not changed. A credential that already has proofs gets one more (a proof set, or
 * a chain with `previousProof`). Terms the credential's contexts do not define are refused with `ERR_TERM_UNDEFINED`
 * and the JSON path, before anything is signed.
 *
 * @example
 * ```ts
 * const key = importEd25519Key(JSON.parse(await readFile('key.json', 'utf8')));
 * const signed = await signCredential(credential, { key });
 * ```
 */
export async function signCredential(credential: JsonObject, options: SignCredentialOptions): Promise<JsonObject> {
  if (!options || typeof options !== 'object' || !options.key) throw new TypeError('signCredential needs options.key.');
  // A deep copy: the signed credential shares nothing with the caller's object, so changing one never changes the other.
  const document = cloneJsonObject(credential);
  const documentLoader = options.documentLoader ?? defaultDocumentLoader();
  const created = options.created ?? dateTimeStamp((options.clock ?? (() => new Date()))());
  const existing = proofsOf(document);
  const proof = await createEddsaRdfc2022Proof(document, {
    key: options.key,
    documentLoader,
    created,
    ...(options.verificationMethod !== undefined && { verificationMethod: options.verificationMethod }),
    ...(options.proofId !== undefined && { id: options.proofId }),
    ...(options.previousProof !== undefined && { previousProof: options.previousProof }),
  }).catch(async (e: unknown) => {
    if (e instanceof SkillproofError && e.code === 'ERR_TERM_UNDEFINED')
      throw await locateUndefinedTerm(e, document, documentLoader);
    throw e;
  });
  document.proof = existing.length === 0 ? proof : [...existing, proof];
  return document;
}

/** Turns a term error from canonicalization into one that names the JSON path of the undefined term. */
async function locateUndefinedTerm(
  error: SkillproofError,
  document: JsonObject,
  documentLoader: DocumentLoader,
): Promise<SkillproofError> {
  try {
    const { proof: _proof, ...unsecured } = document;
    await checkTerms(unsecured, documentLoader);
  } catch (e) {
    if (e instanceof SkillproofError) return e;
  }
  return error;
}
