import jsonld from 'jsonld';
import legacy from 'rdf-canonize-legacy';
import type { DocumentLoader, JsonObject } from '../types.js';
import { toSkillproofError } from './canonize.js';

/**
 * URDNA2015 as the pre-RDFC-1.0 libraries serialized it (rdf-canonize 3): N-Quads escape only `"`, `\`, LF and CR,
 * where RDFC-1.0 also escapes TAB, the other control characters and DEL. Credentials signed with the legacy suites
 * (`eddsa-2022`, `Ed25519Signature2020`) by those libraries hash these bytes; for any document without such characters
 * the two are identical, so this path is taken only as a second attempt.
 */
export async function legacyCanonize(document: JsonObject, documentLoader: DocumentLoader): Promise<string> {
  let dataset: Array<{ subject: { termType: string }; object: { termType: string } }>;
  try {
    dataset = (await jsonld.toRDF(
      document as never,
      { documentLoader: documentLoader as never, safe: true } as never,
    )) as never;
  } catch (e) {
    throw toSkillproofError(e);
  }
  // Bounded like RDFC-1.0's default work factor: as many deep iterations as there are blank nodes, no more.
  const blankNodes = dataset.filter(
    (q) => q.subject.termType === 'BlankNode' || q.object.termType === 'BlankNode',
  ).length;
  return legacy.canonize(dataset, { algorithm: 'URDNA2015', maxDeepIterations: Math.max(1, blankNodes) });
}

/** Whether canonical N-Quads of `value` can differ between RDFC-1.0 and the legacy serialization. */
export function hasLegacyEscapingDifference(value: unknown): boolean {
  return /\\[tbf]|\\u00[01][0-9a-f]|\u007f/i.test(JSON.stringify(value));
}
