/**
 * fast-check arbitraries for Open Badges 3.0 credentials that use only terms the VC 2.0 and OB 3.0.3 contexts define,
 * with the type on every node whose properties are type-scoped (OB 3.0.3 scopes most terms to their class, and
 * type-scoped contexts do not propagate into nested nodes). Every credential generated here can be signed by the
 * reference library in safe mode: IRIs are absolute, dates match the VC dateTime pattern, numbers are finite.
 */
import fc from 'fast-check';
import type { JsonObject, JsonValue } from '../../src/index.js';

export const OB_CONTEXT = [
  'https://www.w3.org/ns/credentials/v2',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
] as const;

/** Latest validFrom the generator produces, so that a verifier whose clock is after it accepts every credential. */
export const LATEST_VALID_FROM = '2025-12-31T23:59:59Z';
/** Earliest validUntil the generator produces. */
export const EARLIEST_VALID_UNTIL = '2090-01-01T00:00:00Z';

type Arb<T> = fc.Arbitrary<T>;

// Strings that canonical N-Quads must escape (RDFC-1.0 / N-Quads §ECHAR, UCHAR) or that stress UTF-8 and hashing.
const tricky = fc.constantFrom(
  '"',
  '\\',
  '\\"',
  '\n',
  '\r\n',
  '\t',
  '\b',
  '\f',
  '\u0000',
  '\u0007',
  '\u000b',
  '\u001f',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u2028',
  '\u2029',
  '\ufeff',
  '\ufffd',
  '\uffff',
  'e\u0301',
  '\u00e9',
  'A\u030a\u0323',
  '\u05e9\u05dc\u05d5\u05dd',
  '\u0645\u0631\u062d\u0628\u0627',
  '\u200f\u202e',
  '\u{1f600}',
  '\u{1d518}\u{1d52b}',
  '\u{1f469}\u200d\u{1f4bb}',
  '\u{10ffff}',
  '\u{20000}',
  '<http://example.org/>',
  '_:b0',
  '@id',
  '^^',
  ' ',
  '',
);

/** Text for names, descriptions and narratives: printable ASCII, any code point (astral included), escapes. */
export const text: Arb<string> = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 8 }) },
      { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 3 }) },
      { weight: 2, arbitrary: tricky },
    ),
    { maxLength: 4 },
  )
  .map((parts) => parts.join(''));

const segment = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-._~'.split('')),
  minLength: 1,
  maxLength: 10,
});

/** Absolute IRIs of the kinds credentials use: https URLs, urn:uuid, did:web, did:key-like, data: URIs. */
export const iri: Arb<string> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(segment, segment).map(([host, path]) => `https://${host}.example/${path}`) },
  { weight: 2, arbitrary: fc.webUrl({ withQueryParameters: true, withFragments: true }) },
  { weight: 2, arbitrary: fc.uuid().map((u) => `urn:uuid:${u}`) },
  { weight: 1, arbitrary: segment.map((s) => `did:web:${s}.example`) },
  {
    weight: 1,
    arbitrary: fc.constant(
      'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
    ),
  },
);

/** Finite JSON numbers: integers (safe and beyond 2^53, negative), tiny, huge and ordinary doubles. No -0 (JSON has none). */
export const number: Arb<number> = fc
  .oneof(
    fc.integer({ min: -1000, max: 1000 }),
    fc.maxSafeInteger(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.double({ min: -1e6, max: 1e6, noNaN: true }),
    fc.constantFrom(
      0.1,
      0.5,
      2.5,
      1e-7,
      1e-300,
      5e-324,
      1e20,
      1e21,
      1.5e21,
      2 ** 53,
      2 ** 53 + 2,
      1.7976931348623157e308,
      -1e21,
      123456789.125,
    ),
  )
  .map((n) => (Object.is(n, -0) ? 0 : n));

/** Non-negative numbers for credits (xsd:float-typed terms: integral values and doubles canonicalize differently). */
const credits: Arb<number> = fc.oneof(
  fc.integer({ min: 0, max: 500 }),
  fc.double({ min: 0, max: 1e6, noNaN: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
  fc.constantFrom(0, 0.5, 1.25, 3, 7.5, 1e-7, 1e21, 0.1 + 0.2),
);

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** An xsd:dateTime in the VC pattern, in [min, max], with or without fractional seconds, in Z or with an offset. */
export function dateTime(min: string, max: string): Arb<string> {
  return fc
    .record({
      date: fc.date({ min: new Date(min), max: new Date(max), noInvalidDate: true }),
      fraction: fc.option(fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), minLength: 1, maxLength: 6 })),
      zone: fc.constantFrom('Z', 'Z', '+00:00', '-05:00', '+05:30', '+14:00', '-12:00'),
    })
    .map(({ date, fraction, zone }) => {
      // Keep the UTC wall-clock digits whatever the zone: the instant moves by at most 14 h, inside the bounds' margins.
      const iso = date.toISOString().slice(0, 19);
      return `${iso}${fraction === null ? '' : '.' + fraction}${zone}`;
    });
}

const xsdDate: Arb<string> = fc
  .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`);

/** Language value objects (VC 2.0 §11.1) alongside plain strings, for name and description. */
const languageTag = fc.constantFrom('en', 'en-US', 'fr', 'de-CH', 'ar', 'he', 'zh-Hant-TW', 'ja', 'sr-Latn');
const localized: Arb<JsonValue> = fc.oneof(
  { weight: 4, arbitrary: text },
  { weight: 1, arbitrary: fc.record({ '@value': text, '@language': languageTag }) },
  {
    weight: 1,
    arbitrary: fc.array(fc.record({ '@value': text, '@language': languageTag }), { minLength: 1, maxLength: 3 }),
  },
);

function oneOrMany<T extends JsonValue>(arb: Arb<T>, maxLength = 3): Arb<T | T[]> {
  return fc.oneof(arb, fc.array(arb, { minLength: 1, maxLength }));
}

/** Literal arrays that sometimes repeat an element: in a set that collapses to one triple, in an @list it stays. */
function arrayWithRepeats(arb: Arb<string>, maxLength = 3): Arb<string[]> {
  return fc
    .tuple(fc.array(arb, { maxLength }), fc.boolean())
    .map(([items, repeat]) => (repeat && items.length > 0 ? [...items, items[0]!] : items));
}

function typeOf(name: string): Arb<string | string[]> {
  return fc.constantFrom(name, [name]);
}

/** Drops keys whose value is undefined (fc.record's optional keys are absent already; this is for built objects). */
function compact(o: Record<string, JsonValue | undefined>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

export const image: Arb<JsonValue> = fc.oneof(
  iri,
  fc.record({ id: iri, type: fc.constant('Image'), caption: text }, { requiredKeys: ['id', 'type'] }),
);

export const alignment: Arb<JsonObject> = fc.record(
  {
    type: typeOf('Alignment'),
    targetName: text,
    targetUrl: iri,
    targetDescription: text,
    targetFramework: text,
    targetCode: text,
    targetType: fc.constantFrom(
      'ceasn:Competency',
      'ceterms:Credential',
      'CFItem',
      'CFRubric',
      'CFRubricCriterion',
      'ext:Custom',
    ),
  },
  { requiredKeys: ['type', 'targetName', 'targetUrl'] },
);

const identifierEntry: Arb<JsonObject> = fc.record({
  type: fc.constant('IdentifierEntry'),
  identifier: text,
  identifierType: fc.constantFrom(
    'sourcedId',
    'systemId',
    'productId',
    'userName',
    'accountId',
    'emailAddress',
    'isbn',
    'ext:Other',
  ),
});

const geo: Arb<JsonObject> = fc.record({
  type: fc.constant('GeoCoordinates'),
  latitude: fc.double({ min: -90, max: 90, noNaN: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
  longitude: number,
});

const address: Arb<JsonObject> = fc.record(
  {
    type: typeOf('Address'),
    addressCountry: text,
    addressCountryCode: fc.constantFrom('US', 'FR', 'JP', 'IL', 'EG'),
    addressRegion: text,
    addressLocality: text,
    streetAddress: text,
    postOfficeBoxNumber: text,
    postalCode: text,
    geo,
  },
  { requiredKeys: ['type'] },
);

/** A Profile with few fields, for the nested ones (achievement creator, subject source): keeps documents small. */
const slimProfile: Arb<JsonObject> = fc.record(
  { id: iri, type: typeOf('Profile'), name: localized, url: iri, email: text, image },
  { requiredKeys: ['id', 'type'] },
);

/** An OB Profile with any of its properties; `id` given (the issuer's DID) or generated. */
export function profile(id?: string): Arb<JsonObject> {
  return fc.record(
    {
      id: id === undefined ? iri : fc.constant(id),
      type: typeOf('Profile'),
      name: localized,
      url: iri,
      phone: text,
      description: localized,
      email: text,
      image,
      address,
      otherIdentifier: fc.array(identifierEntry, { maxLength: 2 }),
      official: text,
      parentOrg: iri,
      familyName: text,
      givenName: text,
      additionalName: text,
      honorificPrefix: text,
      honorificSuffix: text,
      patronymicName: text,
      familyNamePrefix: text,
      dateOfBirth: xsdDate,
    },
    { requiredKeys: ['id', 'type'] },
  );
}

const rubricCriterionLevel: Arb<JsonObject> = fc.record(
  {
    id: iri,
    type: typeOf('RubricCriterionLevel'),
    name: text,
    description: text,
    level: text,
    points: text,
    alignment: fc.array(alignment, { maxLength: 2 }),
  },
  { requiredKeys: ['id', 'type', 'name'] },
);

// The @list allowedValue: order is significant, and a repeated value must survive (in a set it would collapse).
const allowedValue: Arb<string[]> = arrayWithRepeats(fc.oneof(fc.constantFrom('A', 'B', 'Pass', 'Fail'), text), 5);

const resultDescription: Arb<JsonObject> = fc.record(
  {
    id: iri,
    type: typeOf('ResultDescription'),
    name: text,
    resultType: fc.constantFrom(
      'GradePointAverage',
      'LetterGrade',
      'Percent',
      'PerformanceLevel',
      'RawScore',
      'RubricCriterionLevel',
      'Status',
      'ext:Custom',
    ),
    allowedValue,
    requiredLevel: iri,
    requiredValue: text,
    rubricCriterionLevel: fc.array(rubricCriterionLevel, { maxLength: 2 }),
    valueMax: text,
    valueMin: text,
    alignment: fc.array(alignment, { maxLength: 2 }),
  },
  { requiredKeys: ['id', 'type', 'name', 'resultType'] },
);

const related: Arb<JsonObject> = fc.record(
  { id: iri, type: typeOf('Related'), version: text, inLanguage: languageTag },
  { requiredKeys: ['id', 'type'] },
);

const criteria: Arb<JsonObject> = fc.oneof(
  fc.record({ narrative: text }),
  fc.record({ id: iri }),
  fc.record({ id: iri, narrative: text }),
);

export const achievement: Arb<JsonObject> = fc.record(
  {
    id: iri,
    type: typeOf('Achievement'),
    name: localized,
    description: localized,
    criteria,
    achievementType: fc.constantFrom(
      'MicroCredential',
      'Badge',
      'Certificate',
      'Competency',
      'Course',
      'Degree',
      'License',
      'ext:Custom',
    ),
    alignment: fc.array(alignment, { maxLength: 2 }),
    creator: slimProfile,
    creditsAvailable: credits,
    fieldOfStudy: text,
    humanCode: text,
    image,
    inLanguage: languageTag,
    otherIdentifier: fc.array(identifierEntry, { maxLength: 2 }),
    related: fc.array(related, { maxLength: 2 }),
    resultDescription: fc.array(resultDescription, { maxLength: 2 }),
    specialization: text,
    tag: arrayWithRepeats(text, 4),
    version: text,
  },
  { requiredKeys: ['id', 'type', 'name', 'description', 'criteria'] },
);

const identityObject: Arb<JsonObject> = fc
  .record({
    hashed: fc.boolean(),
    identityType: fc.constantFrom('emailAddress', 'sourcedId', 'studentId', 'name', 'ext:Custom'),
    plain: text,
    hex: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'.split('')), minLength: 64, maxLength: 64 }),
    salt: fc.option(text),
  })
  .map(({ hashed, identityType, plain, hex, salt }) =>
    compact({
      type: 'IdentityObject',
      hashed,
      identityHash: hashed ? `sha256$${hex}` : plain,
      identityType,
      salt: salt ?? undefined,
    }),
  );

const result: Arb<JsonObject> = fc.record(
  {
    type: typeOf('Result'),
    achievedLevel: iri,
    resultDescription: iri,
    status: fc.constantFrom('Completed', 'Enrolled', 'Failed', 'InProgress', 'OnHold', 'Provisional', 'Withdrew'),
    value: fc.oneof(text, number),
    alignment: fc.array(alignment, { maxLength: 2 }),
  },
  { requiredKeys: ['type'] },
);

export const achievementSubject: Arb<JsonObject> = fc
  .record({
    recipient: fc.oneof(
      fc.record({ id: iri }),
      fc.record({ identifier: fc.array(identityObject, { minLength: 1, maxLength: 2 }) }),
      fc.record({ id: iri, identifier: fc.array(identityObject, { minLength: 1, maxLength: 2 }) }),
    ),
    rest: fc.record(
      {
        type: typeOf('AchievementSubject'),
        achievement,
        result: fc.array(result, { maxLength: 2 }),
        creditsEarned: credits,
        activityStartDate: xsdDate,
        activityEndDate: xsdDate,
        licenseNumber: text,
        role: text,
        term: text,
        image,
        source: slimProfile,
        name: text,
        narrative: text,
      },
      { requiredKeys: ['type', 'achievement'] },
    ),
  })
  .map(({ recipient, rest }) => ({ ...recipient, ...rest }));

export const evidence: Arb<JsonObject> = fc.record(
  {
    id: iri,
    type: fc.constantFrom<JsonValue>(['Evidence'], 'Evidence'),
    name: text,
    description: text,
    narrative: text,
    genre: text,
    audience: text,
  },
  { requiredKeys: ['type'] },
);

/**
 * An OpenBadgeCredential (or AchievementCredential) issued by `issuerId`, without a proof. The issuer is the DID of
 * the signing key because Data Integrity verifiers require the issuer to control the verification method.
 */
export function openBadgeCredential(issuerId: string): Arb<JsonObject> {
  return fc
    .record(
      {
        id: iri,
        type: fc.constantFrom<JsonValue>(
          ['VerifiableCredential', 'OpenBadgeCredential'],
          ['VerifiableCredential', 'AchievementCredential'],
          ['OpenBadgeCredential', 'VerifiableCredential'],
        ),
        issuer: fc.oneof(fc.constant(issuerId), profile(issuerId)),
        validFrom: dateTime('2000-01-01T00:00:00Z', '2025-12-31T00:00:00Z'),
        validUntil: dateTime('2090-01-02T00:00:00Z', '2199-12-31T00:00:00Z'),
        awardedDate: dateTime('2000-01-01T00:00:00Z', '2025-12-31T00:00:00Z'),
        name: localized,
        description: localized,
        image,
        // OB 3.0: exactly one AchievementSubject (an array of one is the same node in JSON-LD).
        credentialSubject: oneOrMany(achievementSubject, 1),
        evidence: oneOrMany(evidence, 3),
        credentialSchema: fc.constant({
          id: 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json',
          type: 'JsonSchema',
        }),
      },
      { requiredKeys: ['id', 'type', 'issuer', 'validFrom', 'credentialSubject'] },
    )
    .map((fields) => distinguishBlankNodes({ '@context': [...OB_CONTEXT], ...fields }));
}

// The property of each blank-node class that receives the marker (a term its scoped or the top-level context defines).
const MARKED: Record<string, string> = {
  Alignment: 'targetName',
  IdentifierEntry: 'identifier',
  IdentityObject: 'salt',
  Result: 'value',
  Address: 'streetAddress',
  Evidence: 'name',
  AchievementSubject: 'name',
};

/**
 * Gives every blank node a literal no other blank node has, so that each has a unique first-degree hash (RDFC-1.0
 * §4.6). Without this, equal or first-degree-equal blank nodes (two identical alignments, list cells holding the same
 * value) send RDFC-1.0 into the n-degree hash, and the reference library refuses to sign: its poison-graph defence
 * allows only as many deep iterations as there are non-unique blank nodes ("Maximum deep iterations exceeded").
 * The @list keeps its one deliberate repeat (first value again at the end): the first and last cells stay unique.
 */
export function distinguishBlankNodes(input: JsonObject): JsonObject {
  // fast-check may hand the same generated object to several runs while shrinking: never mutate it.
  const credential = structuredClone(input);
  let n = 0;
  const mark = (value: JsonValue | undefined): string =>
    `${typeof value === 'string' || typeof value === 'number' ? String(value) : ''}#${++n}`;
  const visit = (value: JsonValue, key: string): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item, key);
      return;
    }
    if (!value || typeof value !== 'object' || '@value' in value) return;
    for (const [k, v] of Object.entries(value)) {
      if (k === 'allowedValue' && Array.isArray(v)) {
        const repeatsFirst = v.length >= 2 && v[v.length - 1] === v[0];
        const marked = v.map((item) => mark(item));
        if (repeatsFirst) marked[marked.length - 1] = marked[0]!;
        value[k] = marked;
      } else visit(v, k);
    }
    if ('id' in value) return;
    const type = Array.isArray(value.type) ? value.type[0] : value.type;
    const property = key === 'criteria' ? 'narrative' : typeof type === 'string' ? MARKED[type] : undefined;
    if (property) value[property] = mark(value[property]);
  };
  visit(credential, '');
  return credential;
}
