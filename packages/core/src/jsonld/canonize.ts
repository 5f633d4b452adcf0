import jsonld from 'jsonld';
import { SkillproofError } from '../errors.js';
import { staticContextsOf } from '../contexts/document-loader.js';
import type { DocumentLoader, JsonObject } from '../types.js';
import { canonicalDigestOfQuads, canonicalizeQuads } from './fast/canonicalize-quads.js';
import { toQuadsFast, type FastQuad } from './fast/to-quads.js';

/**
 * RDFC-1.0 canonical N-Quads of a JSON-LD document, in safe mode: a term the contexts do not define, or a relative
 * IRI that cannot be resolved, is an error (`ERR_TERM_UNDEFINED`), as every conformant Data Integrity verifier treats it.
 * Loader errors keep their codes (`ERR_CONTEXT_UNKNOWN` with `details.url`, …). Blank-node work is bounded by
 * rdf-canonize's default `maxWorkFactor` (1), so a poison graph fails (`ERR_JSONLD_INVALID`) instead of hanging.
 *
 * @example
 * ```ts
 * const nquads = await canonize(credentialWithoutProof, createDocumentLoader());
 * ```
 */
export async function canonize(document: JsonObject, documentLoader: DocumentLoader): Promise<string> {
  const fast = canonizeFast(document, documentLoader);
  if (fast !== undefined) return fast;
  try {
    return (await jsonld.canonize(
      document as never,
      {
        algorithm: 'RDFC-1.0',
        format: 'application/n-quads',
        documentLoader: documentLoader as never,
        safe: true,
      } as never,
    )) as unknown as string;
  } catch (e) {
    throw toSkillproofError(e);
  }
}

/**
 * The fast path of {@link canonize} alone, synchronous: contexts compiled once, quads emitted in one walk, RDFC-1.0
 * with first-degree labelling. `undefined` when it steps aside (a loader without static contexts, anything it is not
 * certain of); `canonize` then asks jsonld.js, which gives the answer or the exact error.
 *
 * @example
 * ```ts
 * const nquads = canonizeFast(credential, loader) ?? (await canonize(credential, loader));
 * ```
 */
export function canonizeFast(document: JsonObject, documentLoader: DocumentLoader): string | undefined {
  const quads = fastQuads(document, documentLoader);
  return quads && canonicalizeQuads(quads);
}

/**
 * SHA-256 of {@link canonizeFast}'s UTF-8 bytes (what eddsa-rdfc-2022 signs), without the text: `undefined` where the
 * fast path steps aside.
 *
 * @example
 * ```ts
 * const documentHash = canonicalDigestFast(credential, loader) ?? sha256(await canonize(credential, loader));
 * ```
 */
export function canonicalDigestFast(document: JsonObject, documentLoader: DocumentLoader): Uint8Array | undefined {
  const quads = fastQuads(document, documentLoader);
  return quads && canonicalDigestOfQuads(quads);
}

/** The fast path's quads, or `undefined` when the loader has no static contexts or the walk steps aside. */
function fastQuads(document: JsonObject, documentLoader: DocumentLoader): FastQuad[] | undefined {
  const contexts = staticContextsOf(documentLoader);
  return contexts && toQuadsFast(document, contexts);
}

/**
 * The safe-mode warnings of jsonld.js 9 that mean "the contexts do not define this" (a term, a class, or a relative
 * IRI that nothing resolves): `ERR_TERM_UNDEFINED`. The other safe-mode warnings (empty objects, invalid language tags,
 * `@direction` without `rdfDirection`, …) are `ERR_JSONLD_INVALID`.
 */
export const TERM_EVENT_CODES: ReadonlySet<string> = new Set([
  'invalid property',
  'relative @type reference',
  'relative @id reference',
  'relative @vocab reference',
  'reserved term',
  'reserved @id value',
  'blank node predicate',
  'relative graph reference',
  'relative object reference',
  'relative predicate reference',
  'relative subject reference',
]);

/** Maps a jsonld.js error (which may wrap ours from the document loader) onto a coded error. */
export function toSkillproofError(e: unknown): SkillproofError {
  const seen = new Set<unknown>();
  let cur: unknown = e;
  while (cur && typeof cur === 'object' && !seen.has(cur)) {
    if (cur instanceof SkillproofError) return cur;
    seen.add(cur);
    const c = cur as { cause?: unknown; details?: { cause?: unknown } };
    cur = c.details?.cause ?? c.cause;
  }
  const err = e as {
    name?: string;
    message?: string;
    details?: { event?: { code?: string; details?: { property?: string } } };
  };
  const event = err.details?.event;
  if (err.name === 'jsonld.ValidationError' && event && !TERM_EVENT_CODES.has(event.code ?? '')) {
    return new SkillproofError('ERR_JSONLD_INVALID', `The document is not safe JSON-LD (${event.code}).`, {
      details: { event: event.code },
      cause: e,
    });
  }
  if (err.name === 'jsonld.ValidationError' && event) {
    const property = event.details?.property;
    return new SkillproofError(
      'ERR_TERM_UNDEFINED',
      property
        ? `The term ${JSON.stringify(property)} is not defined by the credential's contexts (${event.code}).`
        : `The document uses something its contexts do not define (${event.code}).`,
      { details: { event: event.code, property }, cause: e },
    );
  }
  return new SkillproofError('ERR_JSONLD_INVALID', `JSON-LD processing failed: ${err.message ?? String(e)}`, {
    cause: e,
  });
}
