// The hand-written fast path of validateCredential (src/model/fast-validate.ts) against the zod schema it stands in
// for: it may leave a valid credential to zod, but it must never accept one zod rejects, and validateCredential must
// answer exactly as the zod-only path does.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { isPlainlyValidAchievementCredential } from '../src/model/fast-validate.js';
import {
  achievementCredentialSchema,
  achievementCredentialV1p1Schema,
  achievementSchema,
  addressSchema,
  alignmentSchema,
  anyAchievementCredentialSchema,
  credentialSchemaSchema,
  credentialStatusSchema,
  criteriaSchema,
  endorsementCredentialSchema,
  endorsementSubjectSchema,
  evidenceSchema,
  geoCoordinatesSchema,
  identifierEntrySchema,
  imageSchema,
  profileSchema,
  proofSchema,
  refreshServiceSchema,
  relatedSchema,
  resultDescriptionSchema,
  resultSchema,
  rubricCriterionLevelSchema,
  termsOfUseSchema,
  vcVersionOf,
} from '../src/model/schemas.js';
import {
  detectCredentialKind,
  schemaIssues,
  validateCredential,
  type CredentialValidationResult,
} from '../src/model/validate-credential.js';
import { richCredential, signedTestCredentials } from './helpers/credentials.js';
import { ISSUER, richOpenBadgeCredential } from './fast-to-rdf-arbitraries.js';
import { openBadgeCredential } from './interop/arbitraries.js';

const VECTORS = join(import.meta.dirname, 'fixtures/vectors');
const OB_EXAMPLES = join(VECTORS, '1edtech-openbadges-specification/extracted-from-html');
const DCC = join(VECTORS, 'digitalcredentials-vc-test-fixtures/verifiableCredentials/v2');
const VC_V1_CONTEXT = 'https://www.w3.org/2018/credentials/v1';

type Obj = Record<string, unknown>;
type Path = Array<string | number>;

const readJson = (path: string): Obj => JSON.parse(readFileSync(path, 'utf8')) as Obj;
const zodAccepts = (json: unknown): boolean => anyAchievementCredentialSchema.safeParse(json).success;

function listJson(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listJson(p) : name.endsWith('.json') ? [p] : [];
  });
}

/** What validateCredential answered before the fast path: the schema's issues, or the credential as given. */
function zodOnly(json: Obj): CredentialValidationResult {
  const issues = schemaIssues(anyAchievementCredentialSchema, json);
  return issues.length === 0
    ? { valid: true, kind: 'OpenBadgeCredential', version: vcVersionOf(json), credential: json as never }
    : { valid: false, code: 'ERR_SCHEMA_INVALID', issues };
}

/** validateCredential with the fast path answers exactly as the zod-only path. */
function expectSameAsZod(json: Obj): void {
  const result = validateCredential(json, { kind: 'OpenBadgeCredential' });
  expect(result).toEqual(zodOnly(json));
  if (result.valid) expect(result.credential).toBe(json);
}

function parentOf(root: unknown, path: Path): [Record<string | number, unknown>, string | number] {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  return [node, path[path.length - 1]!];
}
function withValue(root: Obj, path: Path, value: unknown): Obj {
  const copy = structuredClone(root);
  const [parent, key] = parentOf(copy, path);
  parent[key] = value;
  return copy;
}
function without(root: Obj, path: Path): Obj {
  const copy = structuredClone(root);
  const [parent, key] = parentOf(copy, path);
  delete parent[key];
  return copy;
}
function valueAt(root: unknown, path: Path): unknown {
  let node = root;
  for (const key of path) node = (node as Record<string | number, unknown>)[key];
  return node;
}

const ENDORSEMENT: Obj = {
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
  id: 'http://1edtech.edu/endorsementcredential/3732',
  type: ['VerifiableCredential', 'EndorsementCredential'],
  name: 'SDE endorsement',
  description: 'An endorsement.',
  issuer: { id: 'did:example:state', type: ['Profile'], name: 'State Department of Education' },
  validFrom: '2010-01-01T00:00:00Z',
  validUntil: '2030-01-01T00:00:00Z',
  awardedDate: '2010-01-01T00:00:00Z',
  credentialSubject: {
    id: 'https://1edtech.edu/issuers/565049',
    type: ['EndorsementSubject'],
    endorsementComment: 'In good standing',
  },
  proof: [{ type: 'DataIntegrityProof', created: '2025-10-21T19:00:23Z', proofValue: 'z5' }],
  credentialSchema: { id: 'https://example.edu/endorsement-schema.json', type: 'JsonSchema' },
  credentialStatus: { id: 'https://example.edu/status/2#7', type: 'BitstringStatusListEntry' },
  refreshService: { id: 'https://example.edu/refresh/2', type: 'VCRefresh' },
  termsOfUse: [{ type: 'TrustFrameworkPolicy' }],
};

/** A VC 2.0 OpenBadgeCredential that uses every class and every property of the OB 3.0 model at least once. */
const EVERY_CLASS: Obj = {
  '@context': [
    'https://www.w3.org/ns/credentials/v2',
    'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
    { ex: 'https://example.org/vocab#' },
  ],
  id: 'urn:uuid:6a9d6f4e-5bd0-4e0e-8b5a-1f6a0b0c9e11',
  type: ['VerifiableCredential', 'OpenBadgeCredential'],
  name: 'Teamwork',
  description: 'Awarded for teamwork.',
  image: { id: 'https://example.edu/credential.png', type: 'Image', caption: 'Badge' },
  awardedDate: '2024-01-01T00:00:00Z',
  issuer: {
    id: 'https://example.edu/issuers/565049',
    type: ['Profile'],
    name: 'Example University',
    url: 'https://example.edu',
    phone: '1-222-333-4444',
    description: 'A university.',
    endorsement: [structuredClone(ENDORSEMENT)],
    endorsementJwt: ['eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJ4In0.c2ln'],
    image: { id: 'https://example.edu/logo.png', type: 'Image' },
    email: 'registrar@example.edu',
    address: {
      type: ['Address'],
      addressCountry: 'Canada',
      addressCountryCode: 'CA',
      addressRegion: 'Ontario',
      addressLocality: 'Hamilton',
      streetAddress: '1 Main St',
      postOfficeBoxNumber: '12',
      postalCode: 'L8P',
      geo: { type: 'GeoCoordinates', latitude: 43.2, longitude: -79.9 },
    },
    otherIdentifier: [{ type: 'IdentifierEntry', identifier: '9335', identifierType: 'sourcedId' }],
    official: 'Registrar',
    parentOrg: { id: 'did:example:parent', type: ['Profile'], name: 'University System' },
    familyName: 'Doe',
    givenName: 'Jane',
    additionalName: 'Q',
    patronymicName: 'P',
    honorificPrefix: 'Dr',
    honorificSuffix: 'PhD',
    familyNamePrefix: 'van',
    dateOfBirth: '1900-01-01',
  },
  validFrom: '2024-01-01T00:00:00Z',
  validUntil: '2034-01-01T00:00:00+02:00',
  credentialSubject: {
    id: 'did:example:learner',
    type: ['AchievementSubject'],
    identifier: [
      {
        type: 'IdentityObject',
        identityHash: 'sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399',
        identityType: 'emailAddress',
        hashed: true,
        salt: 'Kosher',
      },
      { type: 'IdentityObject', identityHash: 'Jane Doe', identityType: 'name', hashed: false },
    ],
    activityStartDate: '2023-09-01T09:00:00',
    activityEndDate: '2023-12-01',
    creditsEarned: 3,
    image: { id: 'https://example.edu/learner.png', type: 'Image' },
    licenseNumber: 'L-1',
    narrative: 'Led the project.',
    role: 'Lead',
    source: { id: 'did:example:source', type: 'Profile' },
    term: 'Fall',
    achievement: {
      id: 'https://example.edu/achievements/teamwork',
      type: ['Achievement'],
      achievementType: 'MicroCredential',
      name: 'Teamwork',
      description: 'Works well in a team.',
      criteria: { id: 'https://example.edu/criteria', narrative: 'Nominated by peers.' },
      image: { id: 'https://example.edu/teamwork.png', type: 'Image' },
      creator: { id: 'https://example.edu/issuers/565049', type: ['Profile'] },
      creditsAvailable: 3,
      endorsement: [structuredClone(ENDORSEMENT)],
      endorsementJwt: ['eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJ4In0.c2ln'],
      fieldOfStudy: 'Soft skills',
      humanCode: 'TW-1',
      inLanguage: 'en-US',
      otherIdentifier: [{ type: 'IdentifierEntry', identifier: 'tw', identifierType: 'ext:Local' }],
      specialization: 'Collaboration',
      tag: ['teamwork'],
      version: '1.0',
      alignment: [
        {
          type: ['Alignment'],
          targetCode: 'C1',
          targetDescription: 'Collaborates.',
          targetName: 'Collaboration',
          targetFramework: 'Skills',
          targetType: 'CFItem',
          targetUrl: 'https://example.org/frameworks/collab',
        },
      ],
      resultDescription: [
        {
          id: 'urn:uuid:rd-1',
          type: ['ResultDescription'],
          alignment: [{ type: 'Alignment', targetName: 'A', targetUrl: 'https://example.org/a' }],
          allowedValue: ['Novice', 'Expert'],
          name: 'Level',
          requiredLevel: 'urn:uuid:rcl-1',
          requiredValue: 'Expert',
          resultType: 'RubricCriterionLevel',
          rubricCriterionLevel: [
            {
              id: 'urn:uuid:rcl-1',
              type: ['RubricCriterionLevel'],
              alignment: [{ type: 'Alignment', targetName: 'B', targetUrl: 'https://example.org/b' }],
              description: 'Expert level.',
              level: '2',
              name: 'Expert',
              points: '3',
            },
          ],
          valueMax: '3',
          valueMin: '0',
        },
      ],
      related: [
        { id: 'https://example.edu/achievements/teamwork-fr', type: ['Related'], inLanguage: 'fr', version: '1' },
      ],
    },
    result: [
      {
        type: ['Result'],
        achievedLevel: 'urn:uuid:rcl-1',
        alignment: [{ type: ['Alignment'], targetName: 'C', targetUrl: 'https://example.org/c' }],
        resultDescription: 'urn:uuid:rd-1',
        status: 'Completed',
        value: 'Expert',
      },
    ],
  },
  endorsement: [structuredClone(ENDORSEMENT)],
  endorsementJwt: ['eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJ4In0.c2ln'],
  evidence: [
    {
      id: 'https://example.edu/evidence/1',
      type: ['Evidence'],
      narrative: 'Led the project.',
      name: 'Project',
      description: 'A project.',
      genre: 'Report',
      audience: 'Faculty',
    },
  ],
  credentialStatus: {
    id: 'https://example.edu/status/1#94567',
    type: 'BitstringStatusListEntry',
    statusPurpose: 'revocation',
    statusListIndex: '94567',
    statusListCredential: 'https://example.edu/status/1',
  },
  credentialSchema: [{ id: 'https://example.edu/schema.json', type: 'JsonSchema' }],
  refreshService: { id: 'https://example.edu/refresh', type: 'VCRefresh' },
  termsOfUse: { id: 'https://example.edu/terms', type: 'TrustFrameworkPolicy' },
  proof: {
    type: 'DataIntegrityProof',
    created: '2024-01-01T00:00:00Z',
    cryptosuite: 'eddsa-rdfc-2022',
    challenge: 'c',
    domain: 'example.edu',
    nonce: 'n',
    proofPurpose: 'assertionMethod',
    proofValue: 'z5',
    verificationMethod: 'did:example:issuer#key-1',
  },
};

/** The same credential in the VC 1.1 form (issuanceDate / expirationDate, name required, issuer a Profile). */
function toV1p1(credential: Obj): Obj {
  const { validFrom, validUntil, ...rest } = structuredClone(credential);
  const context = [VC_V1_CONTEXT, ...(rest['@context'] as unknown[]).slice(1)];
  const issuer = typeof rest.issuer === 'string' ? { id: rest.issuer, type: 'Profile' } : rest.issuer;
  return {
    ...rest,
    '@context': context,
    issuer,
    name: typeof rest.name === 'string' ? rest.name : 'Badge',
    issuanceDate: validFrom,
    ...(validUntil === undefined ? {} : { expirationDate: validUntil }),
  };
}

const EVERY_CLASS_V1P1 = toV1p1(EVERY_CLASS);

// --- generated credentials, brought into the OB 3.0 JSON Schema form

const firstValue = (v: unknown): unknown =>
  Array.isArray(v) ? firstValue(v[0]) : v !== null && typeof v === 'object' && '@value' in v ? v['@value'] : v;

/**
 * The generators of the JSON-LD tests also produce forms JSON-LD accepts and the OB JSON Schema does not (language
 * value objects, an image or parentOrg given as its IRI, a lone Evidence object, a credentialSubject array, numbers in
 * `result.value`, endorsements without @context or name, identity types outside the vocabulary): this writes them in
 * the schema's form, so that most generated credentials are valid and the fast path has something to accept.
 */
function conform(value: unknown, key = '', inArray = false): unknown {
  if (Array.isArray(value)) {
    if (key === 'credentialSubject' || key === 'domain') return conform(value[0], key);
    if (key === 'name' || key === 'description') return firstValue(value);
    return value.map((item) => conform(item, key, true));
  }
  if (value === null || typeof value !== 'object') {
    if (key === 'image' && typeof value === 'string') return { id: value, type: 'Image' };
    if (key === 'parentOrg' && typeof value === 'string') return { id: value, type: ['Profile'] };
    if (key === 'value' && typeof value === 'number') return String(value);
    if (key === 'identityType' && value === 'studentId') return 'ext:studentId';
    return value;
  }
  if ('@value' in value) return firstValue(value);
  const out: Obj = {};
  for (const [k, v] of Object.entries(value)) out[k] = conform(v, k);
  if (key === 'evidence' && !inArray) return [out];
  if (key === 'endorsement') return { '@context': EVERY_CLASS['@context'], name: 'Endorsement', ...out };
  return out;
}

/** Credentials as Skillproof issues and receives them: generated (VC 2.0 and 1.1 forms), and the fixed examples. */
function ordinaryCredentials(fixed: Obj[]): fc.Arbitrary<Obj> {
  const generated = fc
    .tuple(fc.oneof(openBadgeCredential(ISSUER), richOpenBadgeCredential), fc.boolean())
    .map(([doc, v1]) => {
      const c = conform(doc) as Obj;
      return v1 ? toV1p1(c) : c;
    });
  return fc.oneof({ weight: 4, arbitrary: generated }, { weight: 1, arbitrary: fc.constantFrom(...fixed) });
}

// --- mutations

/** Every path in the credential to a value (the root excluded). */
function pathsOf(value: unknown, path: Path = [], out: Path[] = []): Path[] {
  if (path.length > 0) out.push(path);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...path, i], out));
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) pathsOf(v, [...path, k], out);
  return out;
}

const BAD_VALUES: readonly unknown[] = [
  null,
  0,
  42.5,
  -1,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  true,
  false,
  [],
  [null],
  ['x'],
  [1],
  {},
  { type: 'Thing' },
  { id: 'relative/x' },
  '',
  ' ',
  'x',
  'relative/path',
  'https://example.org/a b',
  'urn:uuid:a\u0000b',
  'https://example.org/ok',
  '2024-02-30T00:00:00Z',
  '2024-01-01T00:00:00',
  '2024-01-01',
  '2024-1-1',
  'ext:',
  'ext:Fine',
  'sha256$xyz',
  'en_US',
  'a.b',
  'Image',
  'Profile',
  'VerifiableCredential',
  'IdentityObject',
];

const BAD_TYPES: readonly unknown[] = [
  'Thing',
  ['Thing'],
  [],
  [null],
  ['VerifiableCredential'],
  ['OpenBadgeCredential'],
  ['VerifiableCredential', 'EndorsementCredential'],
  ['Profile', 'Thing'],
  'Profile',
  'Image',
];

type Mutation =
  | { kind: 'delete'; at: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'type'; at: number; value: number }
  | { kind: 'unknownKey'; at: number; key: string }
  | { kind: 'hole'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.nat(BAD_VALUES.length - 1) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('type' as const), at: fc.nat(), value: fc.nat(BAD_TYPES.length - 1) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('unknownKey' as const),
      at: fc.nat(),
      key: fc.constantFrom('alt', 'email', 'extra', '__proto__', 'toString'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('hole' as const), at: fc.nat() }) },
);

/** Applies one mutation in place. */
function mutate(doc: Obj, m: Mutation): void {
  const paths = pathsOf(doc);
  if (paths.length === 0) return;
  const path = paths[m.at % paths.length]!;
  const [parent, key] = parentOf(doc, path);
  const target = parent[key];
  switch (m.kind) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      return;
    case 'set':
      parent[key] = structuredClone(BAD_VALUES[m.value]);
      return;
    case 'type': {
      // The `type` of the object at the path, or of its parent.
      const node = target !== null && typeof target === 'object' && !Array.isArray(target) ? (target as Obj) : parent;
      if (!Array.isArray(node)) (node as Obj).type = structuredClone(BAD_TYPES[m.value]);
      return;
    }
    case 'unknownKey': {
      const node = target !== null && typeof target === 'object' && !Array.isArray(target) ? (target as Obj) : parent;
      // defineProperty: a plain assignment of '__proto__' would set the prototype, JSON.parse makes an own key.
      if (!Array.isArray(node))
        Object.defineProperty(node, m.key, { value: 'x', enumerable: true, writable: true, configurable: true });
      return;
    }
    case 'hole':
      if (Array.isArray(target)) target.length += 1;
      else if (Array.isArray(parent)) delete parent[key];
  }
}

const fixedCredentials = async (): Promise<Array<[string, Obj]>> => {
  const signed = await signedTestCredentials();
  const clrVc = (file: string) =>
    (readJson(join(OB_EXAMPLES, file)).credentialSubject as { verifiableCredential: Obj[] }).verifiableCredential[0]!;
  return [
    ['richCredential', richCredential(ISSUER)],
    ...signed.map(({ name, credential }): [string, Obj] => [`signed ${name}`, credential]),
    [
      '1EdTech linked-data-proof-ob.credential.json',
      readJson(join(OB_EXAMPLES, 'linked-data-proof-ob.credential.json')),
    ],
    [
      '1EdTech linked-data-proof-ob.signed-credential.json',
      readJson(join(OB_EXAMPLES, 'linked-data-proof-ob.signed-credential.json')),
    ],
    ['1EdTech CLR example, its AchievementCredential', clrVc('linked-data-proof-clr.credential.json')],
    ['1EdTech signed CLR example, its AchievementCredential', clrVc('linked-data-proof-clr.signed-credential.json')],
    ['every class (VC 2.0)', EVERY_CLASS],
    ['every class (VC 1.1)', EVERY_CLASS_V1P1],
  ];
};

describe('isPlainlyValidAchievementCredential: exact cases', () => {
  it('accepts the ordinary credentials and the 1EdTech OB 3.0 examples', async () => {
    for (const [name, credential] of await fixedCredentials()) {
      expect({ name, zod: zodAccepts(credential) }).toEqual({ name, zod: true });
      expect({ name, fast: isPlainlyValidAchievementCredential(credential) }).toEqual({ name, fast: true });
      expectSameAsZod(credential);
    }
  });

  it('agrees with zod on every DCC fixture that is an OpenBadgeCredential', () => {
    const seen = { accepted: 0, rejected: 0 };
    for (const file of listJson(DCC)) {
      const json = readJson(file);
      if (detectCredentialKind(json) !== 'OpenBadgeCredential') continue;
      const zod = zodAccepts(json);
      expect({ file: relative(DCC, file), fast: isPlainlyValidAchievementCredential(json) }).toEqual({
        file: relative(DCC, file),
        fast: zod,
      });
      expectSameAsZod(json);
      seen[zod ? 'accepted' : 'rejected']++;
    }
    expect(seen).toEqual({ accepted: 8, rejected: 30 });
  });

  const INVALID: Array<[string, Obj, unknown[]]> = [
    [
      'no validFrom',
      without(EVERY_CLASS, ['validFrom']),
      [{ path: '$.validFrom', code: 'required', message: "'validFrom' is required." }],
    ],
    [
      'VC 1.1 without issuanceDate',
      without(EVERY_CLASS_V1P1, ['issuanceDate']),
      [{ path: '$.issuanceDate', code: 'required', message: "'issuanceDate' is required." }],
    ],
    [
      'an unknown property on an Image',
      withValue(EVERY_CLASS, ['image', 'alt'], 'x'),
      [
        {
          path: '$.image.alt',
          code: 'unknown_property',
          message: "'alt' is not a property of this class (its JSON Schema allows no extra properties).",
        },
      ],
    ],
    [
      'a hashed identity that is not sha256$hex',
      withValue(EVERY_CLASS, ['credentialSubject', 'identifier', 0, 'identityHash'], 'sha256$xyz'),
      [
        {
          path: '$.credentialSubject.identifier[0].identityHash',
          code: 'invalid_format',
          message: "A hashed identityHash must be 'sha256$' + 64 hex digits or 'md5$' + 32 hex digits.",
        },
      ],
    ],
    [
      'a subject with neither id nor identifier',
      without(without(EVERY_CLASS, ['credentialSubject', 'id']), ['credentialSubject', 'identifier']),
      [
        {
          path: '$.credentialSubject',
          code: 'missing_identifier',
          message: "The subject needs an 'id' or at least one 'identifier' (IdentityObject).",
        },
      ],
    ],
    [
      'a relative issuer URI',
      withValue(EVERY_CLASS, ['issuer'], 'issuers/1'),
      [{ path: '$.issuer', code: 'invalid_format', message: 'Expected an absolute URI.' }],
    ],
    [
      'a nested endorsement without its subject id',
      without(EVERY_CLASS, ['issuer', 'endorsement', 0, 'credentialSubject', 'id']),
      [{ path: '$.issuer.endorsement[0].credentialSubject.id', code: 'required', message: "'id' is required." }],
    ],
    [
      'NaN credits',
      withValue(EVERY_CLASS, ['credentialSubject', 'achievement', 'creditsAvailable'], Number.NaN),
      [{ path: '$.credentialSubject.achievement.creditsAvailable', code: 'invalid_type', message: 'Expected number.' }],
    ],
    [
      'an achievementType outside the vocabulary',
      withValue(EVERY_CLASS, ['credentialSubject', 'achievement', 'achievementType'], 'Program'),
      [
        {
          path: '$.credentialSubject.achievement.achievementType',
          code: 'invalid_value',
          message: '"Program" is not a AchievementType value nor an "ext:" extension.',
        },
      ],
    ],
  ];

  it.each(INVALID)('%s: false, and the issues zod names', (_name, json, issues) => {
    expect(isPlainlyValidAchievementCredential(json)).toBe(false);
    expect(validateCredential(json)).toEqual({ valid: false, code: 'ERR_SCHEMA_INVALID', issues });
    expectSameAsZod(json);
  });

  it('leaves what it does not decide to zod: holes in arrays, endorsements nested deeper than it follows', () => {
    const holey = structuredClone(EVERY_CLASS);
    const tags = (holey.credentialSubject as { achievement: { tag: string[] } }).achievement.tag;
    tags.length = 2;
    expect(isPlainlyValidAchievementCredential(holey)).toBe(false);
    expectSameAsZod(holey);
    // Profile → endorsement → its issuer Profile → its endorsement …, 20 Profiles deep: valid, left to zod.
    let issuer: Obj = { id: 'did:example:root', type: 'Profile' };
    for (let i = 0; i < 20; i++) {
      issuer = { id: `did:example:${i}`, type: 'Profile', endorsement: [{ ...structuredClone(ENDORSEMENT), issuer }] };
    }
    const deep = withValue(EVERY_CLASS, ['issuer'], issuer);
    expect(zodAccepts(deep)).toBe(true);
    expect(isPlainlyValidAchievementCredential(deep)).toBe(false);
    expectSameAsZod(deep);
  });

  it('never throws: an input whose getter throws is left to zod', () => {
    const trap = structuredClone(EVERY_CLASS);
    Object.defineProperty(trap, 'name', {
      enumerable: true,
      get: () => {
        throw new Error('boom');
      },
    });
    expect(isPlainlyValidAchievementCredential(trap)).toBe(false);
    expect(validateCredential(trap)).toMatchObject({ valid: false, code: 'ERR_INPUT_INVALID' });
  });
});

describe('isPlainlyValidAchievementCredential: every property the schema declares is checked', () => {
  // Each class of schemas.ts, where EVERY_CLASS holds one. A symbol is valid for no property, so zod rejects it at
  // any declared key; a property added to schemas.ts and not to fast-validate.ts fails here.
  const ACH = ['credentialSubject', 'achievement'];
  const shapeKeys = (schema: z.ZodType) => Object.keys((schema as unknown as z.ZodObject).shape);
  const CLASSES: Array<[string, Obj, Path, string[]]> = [
    ['AchievementCredential', EVERY_CLASS, [], shapeKeys(achievementCredentialSchema)],
    ['AchievementCredentialv1p1', EVERY_CLASS_V1P1, [], shapeKeys(achievementCredentialV1p1Schema)],
    ['Profile', EVERY_CLASS, ['issuer'], shapeKeys(profileSchema)],
    ['Image', EVERY_CLASS, ['image'], shapeKeys(imageSchema)],
    ['Address', EVERY_CLASS, ['issuer', 'address'], shapeKeys(addressSchema)],
    ['GeoCoordinates', EVERY_CLASS, ['issuer', 'address', 'geo'], shapeKeys(geoCoordinatesSchema)],
    ['IdentifierEntry', EVERY_CLASS, ['issuer', 'otherIdentifier', 0], shapeKeys(identifierEntrySchema)],
    ['EndorsementCredential', EVERY_CLASS, ['issuer', 'endorsement', 0], shapeKeys(endorsementCredentialSchema)],
    [
      'EndorsementSubject',
      EVERY_CLASS,
      ['issuer', 'endorsement', 0, 'credentialSubject'],
      shapeKeys(endorsementSubjectSchema),
    ],
    // achievementSubjectSchema and identityObjectSchema wrap their object with a rule, which hides the shape.
    ['AchievementSubject', EVERY_CLASS, ['credentialSubject'], Object.keys(EVERY_CLASS.credentialSubject as Obj)],
    [
      'IdentityObject',
      EVERY_CLASS,
      ['credentialSubject', 'identifier', 0],
      Object.keys(valueAt(EVERY_CLASS, ['credentialSubject', 'identifier', 0]) as Obj),
    ],
    ['Achievement', EVERY_CLASS, ACH, shapeKeys(achievementSchema)],
    ['Criteria', EVERY_CLASS, [...ACH, 'criteria'], shapeKeys(criteriaSchema)],
    ['Alignment', EVERY_CLASS, [...ACH, 'alignment', 0], shapeKeys(alignmentSchema)],
    ['ResultDescription', EVERY_CLASS, [...ACH, 'resultDescription', 0], shapeKeys(resultDescriptionSchema)],
    [
      'RubricCriterionLevel',
      EVERY_CLASS,
      [...ACH, 'resultDescription', 0, 'rubricCriterionLevel', 0],
      shapeKeys(rubricCriterionLevelSchema),
    ],
    ['Related', EVERY_CLASS, [...ACH, 'related', 0], shapeKeys(relatedSchema)],
    ['Result', EVERY_CLASS, ['credentialSubject', 'result', 0], shapeKeys(resultSchema)],
    ['Evidence', EVERY_CLASS, ['evidence', 0], shapeKeys(evidenceSchema)],
    ['Proof', EVERY_CLASS, ['proof'], shapeKeys(proofSchema)],
    ['CredentialSchema', EVERY_CLASS, ['credentialSchema', 0], shapeKeys(credentialSchemaSchema)],
    ['CredentialStatus', EVERY_CLASS, ['credentialStatus'], shapeKeys(credentialStatusSchema)],
    ['RefreshService', EVERY_CLASS, ['refreshService'], shapeKeys(refreshServiceSchema)],
    ['TermsOfUse', EVERY_CLASS, ['termsOfUse'], shapeKeys(termsOfUseSchema)],
  ];

  it.each(CLASSES)('%s', (_name, base, at, keys) => {
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      const json = withValue(base, [...at, key], Symbol('no JSON value'));
      expect({ key, zod: zodAccepts(json), fast: isPlainlyValidAchievementCredential(json) }).toEqual({
        key,
        zod: false,
        fast: false,
      });
    }
  });

  it('EVERY_CLASS gives every declared property a value', () => {
    for (const [name, base, at, keys] of CLASSES) {
      const node = valueAt(base, at) as Obj;
      expect({ name, missing: keys.filter((k) => !(k in node)) }).toEqual({ name, missing: [] });
    }
  });
});

describe('isPlainlyValidAchievementCredential: soundness and reach on generated credentials', () => {
  it('says true for the ordinary credentials zod accepts, and answers as zod does through validateCredential', async () => {
    const fixed = (await fixedCredentials()).map(([, c]) => c);
    const counts = { runs: 0, zod: 0, fast: 0 };
    fc.assert(
      fc.property(ordinaryCredentials(fixed), (credential) => {
        const zod = zodAccepts(credential);
        const fast = isPlainlyValidAchievementCredential(credential);
        counts.runs++;
        if (zod) counts.zod++;
        if (fast) counts.fast++;
        if (fast) expect(zod).toBe(true);
        // Every ordinary credential zod accepts is decided without zod.
        expect(fast).toBe(zod);
        expectSameAsZod(credential);
      }),
      { numRuns: 600 },
    );
    expect(counts.runs).toBe(600);
    expect(counts.fast).toBeGreaterThanOrEqual(480);
  });

  it('never says true for a mutated credential zod rejects', async () => {
    const fixed = (await fixedCredentials()).map(([, c]) => c);
    const counts = { runs: 0, zodRejects: 0, fastAccepts: 0 };
    fc.assert(
      fc.property(
        ordinaryCredentials(fixed),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (credential, mutations) => {
          const doc = structuredClone(credential);
          for (const m of mutations) mutate(doc, m);
          const zod = zodAccepts(doc);
          const fast = isPlainlyValidAchievementCredential(doc);
          counts.runs++;
          if (!zod) counts.zodRejects++;
          if (fast) counts.fastAccepts++;
          if (fast) expect(zod).toBe(true);
          expectSameAsZod(doc);
        },
      ),
      { numRuns: 2000 },
    );
    // Most mutations break the credential; some keep it valid (an unknown key on an open class, a valid value), and
    // the fast path still accepts those.
    expect(counts.zodRejects).toBeGreaterThanOrEqual(1200);
    expect(counts.fastAccepts).toBeGreaterThanOrEqual(300);
  });
});
