// Shared by the fast-to-rdf*.test.ts files: credential generators beyond test/interop/arbitraries.ts (CLR 2.0 with
// nested AchievementCredentials and associations, EndorsementCredentials and endorsements, Data Integrity proofs in
// their @graph container, credentialStatus, multilingual values, number edge cases, documents the fast path must
// refuse) and the differential oracle: jsonld.canonize in safe mode versus rdf-canonize of toQuadsFast's quads.
import fc from 'fast-check';
import jsonld from 'jsonld';
import { canonize as rdfCanonize } from 'rdf-canonize';
import { bundledContexts, createDocumentLoader } from '../src/index.js';
import type { JsonObject, JsonValue } from '../src/index.js';
import { toQuadsFast } from '../src/jsonld/fast/to-quads.js';
import {
  OB_CONTEXT,
  achievement,
  dateTime,
  distinguishBlankNodes,
  iri,
  number,
  openBadgeCredential,
  profile,
  text,
} from './interop/arbitraries.js';

type Arb<T> = fc.Arbitrary<T>;

export const ISSUER = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
export const CLR_CONTEXT = [
  'https://www.w3.org/ns/credentials/v2',
  'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json',
];

const contexts = bundledContexts();
const documentLoader = createDocumentLoader();

/** The outcome of one path: canonical N-Quads, or the error it ended in. */
export type Outcome = { nquads: string } | { error: string };

/** The reference: jsonld.js 9 safe-mode RDFC-1.0, exactly as src/jsonld/canonize.ts calls it. */
export async function reference(document: JsonObject): Promise<Outcome> {
  try {
    const nquads = (await jsonld.canonize(
      document as never,
      { algorithm: 'RDFC-1.0', format: 'application/n-quads', documentLoader, safe: true } as never,
    )) as unknown as string;
    return { nquads };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** The fast path: `undefined` when it steps aside, else rdf-canonize of its quads (or that error). */
export async function fast(document: JsonObject): Promise<Outcome | undefined> {
  const quads = toQuadsFast(document, contexts);
  if (!quads) return undefined;
  try {
    return { nquads: await rdfCanonize(quads, { algorithm: 'RDFC-1.0' }) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

export interface DiffStats {
  fast: number;
  slow: number;
}

/**
 * The differential property: when the fast path answers, the reference must have given the same canonical bytes (or
 * failed in canonicalization with the same message: the same dataset hits the same work bound). When the reference
 * rejects the document in JSON-LD processing, the fast path must have stepped aside.
 */
export async function agrees(document: JsonObject, stats: DiffStats): Promise<void> {
  const mine = await fast(document);
  if (mine === undefined) {
    // Stepped aside: jsonld.js does the whole job in production, and there is nothing to compare its answer with.
    stats.slow++;
    return;
  }
  const ref = await reference(document);
  stats.fast++;
  if ('nquads' in ref && 'nquads' in mine && ref.nquads === mine.nquads) return;
  if ('error' in ref && 'error' in mine && ref.error === mine.error) return;
  throw new Error(
    `fast path disagrees with jsonld.js\n${JSON.stringify(document)}\nreference: ${JSON.stringify(ref)}\nfast: ${JSON.stringify(mine)}`,
  );
}

const languageTag = fc.constantFrom(
  'en',
  'EN',
  'en-US',
  'En-gB',
  'fr-CA',
  'de',
  'zh-Hant-TW',
  'sr-Latn-RS',
  'x-klingon',
);

/** Language value objects with mixed-case tags (jsonld.js lower-cases them) and plain strings. */
export const multilingual: Arb<JsonValue> = fc.oneof(
  { weight: 2, arbitrary: text },
  { weight: 2, arbitrary: fc.record({ '@value': text, '@language': languageTag }) },
  {
    weight: 2,
    arbitrary: fc.array(fc.record({ '@value': text, '@language': languageTag }), { minLength: 1, maxLength: 3 }),
  },
  { weight: 1, arbitrary: fc.record({ '@value': text }) },
);

const proofPurpose = fc.constantFrom('assertionMethod', 'authentication', 'capabilityInvocation');

/** A Data Integrity proof (VC 2.0 `proof` is `@container: @graph`: each proof is its own named graph). */
export const proof: Arb<JsonObject> = fc.record(
  {
    id: fc.uuid().map((u) => `urn:uuid:${u}`),
    type: fc.constant('DataIntegrityProof'),
    cryptosuite: fc.constantFrom('eddsa-rdfc-2022', 'ecdsa-rdfc-2019'),
    created: dateTime('2000-01-01T00:00:00Z', '2025-12-31T00:00:00Z'),
    expires: dateTime('2090-01-01T00:00:00Z', '2099-12-31T00:00:00Z'),
    verificationMethod: fc.constant(`${ISSUER}#${ISSUER.slice(8)}`),
    proofPurpose,
    proofValue: fc
      .string({
        unit: fc.constantFrom(...'123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'.split('')),
        minLength: 20,
        maxLength: 40,
      })
      .map((s) => `z${s}`),
    challenge: text,
    domain: fc.oneof(iri, fc.array(iri, { minLength: 1, maxLength: 2 })),
    nonce: text,
    previousProof: fc.uuid().map((u) => `urn:uuid:${u}`),
  },
  { requiredKeys: ['type', 'cryptosuite', 'created', 'verificationMethod', 'proofPurpose', 'proofValue'] },
);

export const credentialStatus: Arb<JsonObject> = fc.record(
  {
    id: iri,
    type: fc.constant('BitstringStatusListEntry'),
    statusPurpose: fc.constantFrom('revocation', 'suspension'),
    statusListIndex: fc.nat({ max: 131071 }).map(String),
    statusListCredential: iri,
  },
  { requiredKeys: ['type', 'statusPurpose', 'statusListIndex', 'statusListCredential'] },
);

/** An EndorsementCredential (OB 3.0 §B.1.5): standalone with its @context, or nested without. */
export function endorsementCredential(withContext: boolean): Arb<JsonObject> {
  return fc
    .record(
      {
        id: iri,
        type: fc.constant<JsonValue>(['VerifiableCredential', 'EndorsementCredential']),
        issuer: fc.oneof(iri, profile()),
        validFrom: dateTime('2000-01-01T00:00:00Z', '2025-12-31T00:00:00Z'),
        name: multilingual,
        description: multilingual,
        awardedDate: dateTime('2000-01-01T00:00:00Z', '2025-12-31T00:00:00Z'),
        credentialSubject: fc.record(
          { id: iri, type: fc.constant('EndorsementSubject'), endorsementComment: text },
          { requiredKeys: ['id', 'type'] },
        ),
        proof,
      },
      { requiredKeys: ['id', 'type', 'issuer', 'validFrom', 'credentialSubject'] },
    )
    .map((d): JsonObject => (withContext ? { '@context': [...OB_CONTEXT], ...d } : d) as JsonObject);
}

/** Sets a field on a generated object without mutating it (fast-check may reuse values while shrinking). */
function withField(base: JsonObject, path: string[], value: JsonValue | undefined): JsonObject {
  const copy = structuredClone(base);
  let cur: JsonObject = copy;
  for (const key of path.slice(0, -1)) {
    const next = cur[key];
    if (!next || typeof next !== 'object' || Array.isArray(next)) return copy;
    cur = next;
  }
  if (value === undefined) delete cur[path[path.length - 1]!];
  else cur[path[path.length - 1]!] = value;
  return copy;
}

/**
 * OB 3.0 credentials with everything test/interop/arbitraries.ts leaves out: endorsements on the credential, the
 * achievement and the issuer profile; credentialStatus; proofs (one or a set); multilingual names; numbers of every
 * kind in `result.value` and `creditsAvailable` (xsd:float); booleans.
 */
export const richOpenBadgeCredential: Arb<JsonObject> = fc
  .record({
    base: openBadgeCredential(ISSUER),
    endorsements: fc.array(endorsementCredential(false), { maxLength: 2 }),
    achievementEndorsements: fc.array(endorsementCredential(false), { maxLength: 1 }),
    status: fc.option(credentialStatus),
    proofs: fc.option(fc.oneof(proof, fc.array(proof, { minLength: 1, maxLength: 2 }))),
    name: multilingual,
    credits: fc.option(number),
    extraNumber: fc.option(fc.oneof(number, fc.constantFrom(2.5, 1e-7, 1.5e-7, 1e21, 2 ** 53 + 2, -0.0, 123.0))),
  })
  .map(({ base, endorsements, achievementEndorsements, status, proofs, name, credits, extraNumber }) => {
    let doc = withField(base, ['name'], name);
    if (endorsements.length > 0) doc = withField(doc, ['endorsement'], endorsements);
    const subject = Array.isArray(doc.credentialSubject) ? doc.credentialSubject[0] : doc.credentialSubject;
    if (subject && typeof subject === 'object' && !Array.isArray(subject)) {
      const ach = subject.achievement;
      if (ach && typeof ach === 'object' && !Array.isArray(ach)) {
        if (achievementEndorsements.length > 0) ach.endorsement = achievementEndorsements;
        if (credits !== null) ach.creditsAvailable = credits;
      }
      if (extraNumber !== null) {
        subject.result = [{ type: ['Result'], value: extraNumber }];
      }
    }
    if (status !== null) doc.credentialStatus = status;
    if (proofs !== null) doc.proof = proofs;
    return distinguishBlankNodes(doc);
  });

const association: Arb<JsonObject> = fc.record({
  type: fc.constant('Association'),
  associationType: fc.constantFrom('exactMatchOf', 'isChildOf', 'isParentOf', 'isPartOf', 'precedes', 'replacedBy'),
  sourceId: iri,
  targetId: iri,
});

/** A CLR 2.0 ClrCredential: nested AchievementCredentials (with their own @context and proof), achievements, associations. */
export const clrCredential: Arb<JsonObject> = fc
  .record(
    {
      id: iri,
      type: fc.constant<JsonValue>(['VerifiableCredential', 'ClrCredential']),
      issuer: profile(ISSUER),
      validFrom: dateTime('2000-01-01T00:00:00Z', '2025-12-31T00:00:00Z'),
      name: multilingual,
      partial: fc.boolean(),
      awardedDate: dateTime('2000-01-01T00:00:00Z', '2025-12-31T00:00:00Z'),
      credentialSubject: fc.record(
        {
          id: iri,
          type: fc.constant('ClrSubject'),
          verifiableCredential: fc.array(
            fc
              .tuple(openBadgeCredential(ISSUER), fc.option(proof))
              .map(([vc, p]) => (p === null ? vc : { ...vc, proof: [p] })),
            { minLength: 1, maxLength: 2 },
          ),
          achievement: fc.array(achievement, { maxLength: 2 }),
          association: fc.array(association, { maxLength: 2 }),
        },
        { requiredKeys: ['id', 'type', 'verifiableCredential'] },
      ),
      proof: fc.option(proof, { nil: undefined }),
    },
    { requiredKeys: ['id', 'type', 'issuer', 'validFrom', 'credentialSubject'] },
  )
  .map((d) => {
    const doc: JsonObject = { '@context': [...CLR_CONTEXT] };
    for (const [k, v] of Object.entries(d)) if (v !== undefined) doc[k] = v as JsonValue;
    return distinguishBlankNodes(doc);
  });

/** Paths to every object node in a document (for mutations). */
function objectPaths(value: JsonValue, path: (string | number)[] = [], out: (string | number)[][] = []) {
  if (Array.isArray(value)) value.forEach((v, i) => objectPaths(v, [...path, i], out));
  else if (value && typeof value === 'object') {
    out.push(path);
    for (const [k, v] of Object.entries(value)) if (k !== '@context') objectPaths(v, [...path, k], out);
  }
  return out;
}

const MUTATIONS: ReadonlyArray<readonly [string, JsonValue]> = [
  ['undefinedTerm', 'x'],
  ['name', null],
  ['name', []],
  ['name', { '@value': 'x', '@language': 'en_US' }],
  ['name', { '@value': 'x', '@language': 'ar', '@direction': 'rtl' }],
  ['name', { '@value': null }],
  ['name', { '@value': 'x', '@type': 'xsd:string' }],
  ['name', { '@value': 5, '@type': 'http://www.w3.org/2001/XMLSchema#double' }],
  ['name', { '@value': '2.50', '@type': 'http://www.w3.org/2001/XMLSchema#double' }],
  ['name', [true, 'true', 1, 1.0, '1']],
  ['name', {}],
  ['id', '_:b7'],
  ['id', 'relative/path'],
  ['id', 'urn:uuid:00000000-0000-4000-8000-000000000000'],
  ['type', 'UndefinedClass'],
  ['type', []],
  ['type', ['Profile', 'Achievement']],
  ['@context', { ex: 'https://example.org/' }],
  ['@context', 'https://example.org/unknown-context'],
  ['https://example.org/absolute-property', 'v'],
  ['ex:compact', 'v'],
  ['@reverse', { 'https://example.org/p': { id: 'https://example.org/s' } }],
  ['@included', [{ id: 'https://example.org/s', name: 'n' }]],
  ['@index', 'i'],
  ['image', 'relative.png'],
  ['image', 'https://example.org/image.png'],
  ['url', 42],
  ['description', ['a', 'a', 'b']],
  ['awardedDate', 20240101],
  ['narrative', { id: 'https://example.org/n' }],
  ['proof', 'https://example.org/proof'],
  ['proof', {}],
];

/** A credential with one random mutation: often outside the fast path, sometimes a safe-mode error. */
export const mutatedCredential: Arb<JsonObject> = fc
  .tuple(
    fc.oneof(openBadgeCredential(ISSUER), richOpenBadgeCredential),
    fc.nat(),
    fc.nat({ max: MUTATIONS.length - 1 }),
  )
  .map(([doc, at, which]) => {
    const paths = objectPaths(doc);
    const path = paths[at % paths.length]!;
    const copy = structuredClone(doc);
    let node: JsonValue = copy;
    for (const p of path) node = (node as Record<string | number, JsonValue>)[p]!;
    const [key, value] = MUTATIONS[which]!;
    (node as JsonObject)[key] = structuredClone(value);
    return copy;
  });
