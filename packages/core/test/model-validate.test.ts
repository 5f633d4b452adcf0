import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACHIEVEMENT_TYPES,
  ALIGNMENT_TARGET_TYPES,
  ASSOCIATION_TYPES,
  IDENTIFIER_TYPES,
  RESULT_STATUS_TYPES,
  RESULT_TYPES,
  SkillproofError,
  assertValidCredential,
  validateCredential,
  type SchemaIssue,
} from '../src/index.js';

const VECTORS = join(import.meta.dirname, 'fixtures/vectors');
const DCC = join(VECTORS, 'digitalcredentials-vc-test-fixtures/verifiableCredentials/v2');
const OB_EXAMPLES = join(VECTORS, '1edtech-openbadges-specification/extracted-from-html');

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));
const clone = <T>(v: T): T => structuredClone(v);

function listJson(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listJson(p));
    else if (name.endsWith('.json')) out.push(p);
  }
  return out.sort();
}

type Obj = Record<string, unknown>;
type Path = Array<string | number>;

function parentOf(root: unknown, path: Path): [Obj | unknown[], string | number] {
  let node = root as Obj;
  for (const key of path.slice(0, -1)) node = (node as Record<string | number, unknown>)[key] as Obj;
  return [node, path[path.length - 1]!];
}
function without(root: unknown, path: Path): unknown {
  const copy = clone(root);
  const [parent, key] = parentOf(copy, path);
  delete (parent as Record<string | number, unknown>)[key];
  return copy;
}
function withValue(root: unknown, path: Path, value: unknown): unknown {
  const copy = clone(root);
  const [parent, key] = parentOf(copy, path);
  (parent as Record<string | number, unknown>)[key] = value;
  return copy;
}
function issuesOf(json: unknown, kind?: 'OpenBadgeCredential' | 'EndorsementCredential' | 'ClrCredential') {
  const result = validateCredential(json, kind ? { kind } : {});
  return result.valid ? [] : result.issues.map((i: SchemaIssue) => ({ path: i.path, code: i.code }));
}

/** A credential that uses every OB 3.0 class at least once, so each can be broken one property at a time. */
const FULL: Obj = {
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
  id: 'urn:uuid:6a9d6f4e-5bd0-4e0e-8b5a-1f6a0b0c9e11',
  type: ['VerifiableCredential', 'OpenBadgeCredential'],
  name: 'Teamwork',
  description: 'Awarded for teamwork.',
  image: { id: 'https://example.edu/credential.png', type: 'Image', caption: 'Badge' },
  issuer: {
    id: 'https://example.edu/issuers/565049',
    type: ['Profile'],
    name: 'Example University',
    url: 'https://example.edu',
    email: 'registrar@example.edu',
    image: { id: 'https://example.edu/logo.png', type: 'Image' },
    address: {
      type: ['Address'],
      addressCountry: 'Canada',
      geo: { type: 'GeoCoordinates', latitude: 43.2, longitude: -79.9 },
    },
    otherIdentifier: [{ type: 'IdentifierEntry', identifier: '9335', identifierType: 'sourcedId' }],
    parentOrg: { id: 'did:example:parent', type: ['Profile'], name: 'University System' },
    dateOfBirth: '1900-01-01',
  },
  validFrom: '2024-01-01T00:00:00Z',
  validUntil: '2034-01-01T00:00:00+02:00',
  awardedDate: '2024-01-01T00:00:00Z',
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
    ],
    activityStartDate: '2023-09-01T09:00:00',
    creditsEarned: 3,
    achievement: {
      id: 'https://example.edu/achievements/teamwork',
      type: ['Achievement'],
      achievementType: 'MicroCredential',
      name: 'Teamwork',
      description: 'Works well in a team.',
      criteria: { narrative: 'Nominated by peers.' },
      image: { id: 'https://example.edu/teamwork.png', type: 'Image' },
      creator: { id: 'https://example.edu/issuers/565049', type: ['Profile'] },
      inLanguage: 'en-US',
      tag: ['teamwork'],
      alignment: [
        {
          type: ['Alignment'],
          targetName: 'Collaboration',
          targetUrl: 'https://example.org/frameworks/collab',
          targetType: 'CFItem',
        },
      ],
      resultDescription: [
        {
          id: 'urn:uuid:rd-1',
          type: ['ResultDescription'],
          name: 'Level',
          resultType: 'RubricCriterionLevel',
          allowedValue: ['Novice', 'Expert'],
          rubricCriterionLevel: [{ id: 'urn:uuid:rcl-1', type: ['RubricCriterionLevel'], name: 'Expert' }],
        },
      ],
      related: [{ id: 'https://example.edu/achievements/teamwork-fr', type: ['Related'], inLanguage: 'fr' }],
      endorsementJwt: ['eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJ4In0.c2ln'],
    },
    result: [
      { type: ['Result'], resultDescription: 'urn:uuid:rd-1', achievedLevel: 'urn:uuid:rcl-1', status: 'Completed' },
    ],
  },
  evidence: [{ id: 'https://example.edu/evidence/1', type: ['Evidence'], narrative: 'Led the project.' }],
  credentialStatus: {
    id: 'https://example.edu/status/1#94567',
    type: 'BitstringStatusListEntry',
    statusPurpose: 'revocation',
    statusListIndex: '94567',
    statusListCredential: 'https://example.edu/status/1',
  },
  credentialSchema: [{ id: 'https://example.edu/schema.json', type: 'JsonSchema' }],
  termsOfUse: { type: 'TrustFrameworkPolicy' },
  proof: {
    type: 'DataIntegrityProof',
    cryptosuite: 'eddsa-rdfc-2022',
    created: '2024-01-01T00:00:00Z',
    verificationMethod: 'did:example:issuer#key-1',
    proofPurpose: 'assertionMethod',
    proofValue: 'z5',
  },
};

describe('validateCredential: published examples', () => {
  it.each([
    ['linked-data-proof-ob.credential.json', 'OpenBadgeCredential'],
    ['linked-data-proof-ob.signed-credential.json', 'OpenBadgeCredential'],
    ['linked-data-proof-clr.credential.json', 'ClrCredential'],
    ['linked-data-proof-clr.document-before-signing.json', 'ClrCredential'],
    ['linked-data-proof-clr.signed-credential.json', 'ClrCredential'],
  ])('1EdTech %s is a valid %s', (file, kind) => {
    const result = validateCredential(readJson(join(OB_EXAMPLES, file)));
    expect(result).toMatchObject({ valid: true, kind, version: 'v2' });
  });

  // Every DCC fixture, with what OB 3.0 makes of it. A fixture missing from this table fails the last test.
  const missingId = [{ path: '$.credentialSubject', code: 'missing_identifier' }];
  const program = [{ path: '$.credentialSubject.achievement.achievementType', code: 'invalid_value' }];
  const notOb = [{ path: '$.type', code: 'kind_unknown' }];
  const DCC_EXPECTED: Record<
    string,
    'OpenBadgeCredential' | 'EndorsementCredential' | Array<{ path: string; code: string }>
  > = {
    // Plain VCs (type is just VerifiableCredential): not OB credentials at all.
    'bothSignatureTypes/didkey/legacy-noStatus-noExpiry-nonOBWithOBContext.json': notOb,
    'dataIntegrityProof/didKey/legacyRegistry-noStatus-noExpiry-minimal.json': notOb,
    'ed25519/didKey/legacy-expiredStatus-noExpiry.json': notOb,
    'ed25519/didKey/legacy-missingTypeStatus-noExpiry.json': notOb,
    'ed25519/didKey/legacy-notYetValidStatus-noExpiry.json': notOb,
    'ed25519/didKey/legacy-tamperedStatus-noExpiry.json': notOb,
    // Valid (revocation, expiry and tampering are other layers' business).
    'bothSignatureTypes/didkey/legacy-noStatus-noExpiry.json': 'OpenBadgeCredential',
    'bothSignatureTypes/didkey/legacy-noStatus-notExpired-endorsement-withSchema.json': 'EndorsementCredential',
    'bothSignatureTypes/didkey/legacy-noStatus-notExpired-endorsement.json': 'EndorsementCredential',
    'dataIntegrityProof/didKey/legacyRegistry-noStatus-noExpiry-OBSpecExample.json': 'OpenBadgeCredential',
    'dataIntegrityProof/didKey/legacyRegistry-noStatus-noExpiry-alignments.json': 'OpenBadgeCredential',
    'dataIntegrityProof/didKey/legacyRegistry-noStatus-noExpiry-basicOBv3.json': 'OpenBadgeCredential',
    'ed25519/didKey/legacy-noStatus-expired.json': 'OpenBadgeCredential',
    'ed25519/didKey/legacy-noStatus-noExpiry-stringIssuerId.json': 'OpenBadgeCredential',
    'ed25519/didKey/legacy-noStatus-noExpiry-tampered.json': 'OpenBadgeCredential',
    'ed25519/didKey/legacy-noStatus-noExpiry.json': 'OpenBadgeCredential',
    // AchievementSubject with a `name` but neither `id` nor `identifier`: OB 3.0 AchievementSubject.id "Either `id`
    // or at least one `identifier` MUST be supplied" (the 1EdTech validator reports "no id in credentialSubject").
    'bothSignatureTypes/didkey/noRegistry-revokedStatus-expired.json': missingId,
    'bothSignatureTypes/didkey/noRegistry-revokedStatus-notExpired.json': missingId,
    'bothSignatureTypes/didkey/oidf-revokedStatus-noExpiry.json': missingId,
    'bothSignatureTypes/didweb/legacy-revokedStatus-expired.json': missingId,
    'bothSignatureTypes/didweb/legacy-revokedStatus-noExpiry.json': missingId,
    'bothSignatureTypes/didweb/oidf-noStatus-notExpired.json': missingId,
    'dataIntegrityProof/didKey/legacyRegistry-noStatus-noExpiry-achievementTypeExample.json': missingId,
    'dataIntegrityProof/didKey/legacyRegistry-noStatus-notExpired-withSchema.json': missingId,
    'dataIntegrityProof/didKey/noRegistry-revokedStatus-noExpiry.json': missingId,
    'dataIntegrityProof/didKey/noRegsitry-revokedStatus-notExpired.json': missingId,
    'dataIntegrityProof/didKey/oidf-noStatus-notExpired-complexIssuer.json': missingId,
    'dataIntegrityProof/didKey/oidf-noStatus-notExpired-notYetValid.json': missingId,
    'dataIntegrityProof/didKey/oidf-revokedStatus-noExpiry.json': missingId,
    'dataIntegrityProof/didKey/twoOIDF-validStatus-expired.json': missingId,
    'dataIntegrityProof/didweb/legacy-revokedStatus-expired.json': missingId,
    'dataIntegrityProof/didweb/legacy-revokedStatus-noExpiry.json': missingId,
    'dataIntegrityProof/didweb/oidf-noStatus-notExpired.json': missingId,
    'ed25519/didKey/legacy-noStatus-noExpiry-lcwExperience.json': missingId,
    'ed25519/didKey/noRegistry-revokedStatus-expired.json': missingId,
    'ed25519/didKey/noRegistry-revokedStatus-notExpired.json': missingId,
    'ed25519/didKey/oidf-revokedStatus-noExpiry.json': missingId,
    'ed25519/didWeb/badDidWeb.json': missingId,
    'ed25519/didWeb/legacy-revokedStatus-expired.json': missingId,
    'ed25519/didWeb/legacy-revokedStatus-noExpiry.json': missingId,
    'ed25519/didWeb/oidf-noStatus-notExpired.json': missingId,
    // achievementType "Program" is neither an AchievementType term nor an "ext:" extension.
    'dataIntegrityProof/didKey/legacyRegistry-noStatus- noExpiry-credSubjName.json': program,
    'dataIntegrityProof/didKey/legacyRegistry-noStatus-noExpiry-credName.json': program,
    'dataIntegrityProof/didKey/legacyRegistry-noStatus-noExpiry-credSubjName.json': program,
    // "Program", and `identifier` given as one object where the OB JSON Schema requires an array of IdentityObjects.
    'dataIntegrityProof/didKey/legacyRegistry-noStatus-noExpiry-identityHash.json': [
      ...program,
      { path: '$.credentialSubject.identifier', code: 'invalid_type' },
    ],
    // A VC 2.0 credential carrying VC 1.1 `issuanceDate` instead of the required `validFrom` (and no subject id).
    'dataIntegrityProof/didKey/twoOIDF-revoked-notExpired-badSchema.json': [
      ...missingId,
      { path: '$.validFrom', code: 'required' },
    ],
  };

  it.each(Object.entries(DCC_EXPECTED))('DCC %s', (file, expected) => {
    const json = readJson(join(DCC, file));
    const result = validateCredential(json);
    if (typeof expected === 'string') expect(result).toMatchObject({ valid: true, kind: expected });
    else expect(issuesOf(json)).toEqual(expected);
  });

  it('covers every DCC fixture', () => {
    const files = listJson(DCC).map((p) => relative(DCC, p));
    expect(files.sort()).toEqual(Object.keys(DCC_EXPECTED).sort());
  });

  it('reports a subject without id once it is given one', () => {
    const json = readJson(join(DCC, 'ed25519/didWeb/oidf-noStatus-notExpired.json'));
    expect(validateCredential(withValue(json, ['credentialSubject', 'id'], 'did:example:sam')).valid).toBe(true);
  });
});

describe('validateCredential: the data model, property by property', () => {
  it('accepts the full credential', () => {
    expect(validateCredential(FULL)).toMatchObject({ valid: true, kind: 'OpenBadgeCredential', version: 'v2' });
  });

  const ACH = ['credentialSubject', 'achievement'];
  const REQUIRED: Path[] = [
    ['@context'],
    ['id'],
    ['type'],
    ['issuer'],
    ['validFrom'],
    ['credentialSubject'],
    ['issuer', 'id'],
    ['issuer', 'type'],
    ['issuer', 'image', 'id'],
    ['issuer', 'image', 'type'],
    ['issuer', 'address', 'type'],
    ['issuer', 'address', 'geo', 'type'],
    ['issuer', 'address', 'geo', 'latitude'],
    ['issuer', 'address', 'geo', 'longitude'],
    ['issuer', 'otherIdentifier', 0, 'type'],
    ['issuer', 'otherIdentifier', 0, 'identifier'],
    ['issuer', 'otherIdentifier', 0, 'identifierType'],
    ['issuer', 'parentOrg', 'id'],
    ['image', 'id'],
    ['credentialSubject', 'type'],
    ['credentialSubject', 'achievement'],
    ['credentialSubject', 'identifier', 0, 'type'],
    ['credentialSubject', 'identifier', 0, 'hashed'],
    ['credentialSubject', 'identifier', 0, 'identityHash'],
    ['credentialSubject', 'identifier', 0, 'identityType'],
    ['credentialSubject', 'result', 0, 'type'],
    [...ACH, 'id'],
    [...ACH, 'type'],
    [...ACH, 'criteria'],
    [...ACH, 'description'],
    [...ACH, 'name'],
    [...ACH, 'image', 'type'],
    [...ACH, 'creator', 'id'],
    [...ACH, 'alignment', 0, 'type'],
    [...ACH, 'alignment', 0, 'targetName'],
    [...ACH, 'alignment', 0, 'targetUrl'],
    [...ACH, 'resultDescription', 0, 'id'],
    [...ACH, 'resultDescription', 0, 'type'],
    [...ACH, 'resultDescription', 0, 'name'],
    [...ACH, 'resultDescription', 0, 'resultType'],
    [...ACH, 'resultDescription', 0, 'rubricCriterionLevel', 0, 'id'],
    [...ACH, 'resultDescription', 0, 'rubricCriterionLevel', 0, 'type'],
    [...ACH, 'resultDescription', 0, 'rubricCriterionLevel', 0, 'name'],
    [...ACH, 'related', 0, 'id'],
    [...ACH, 'related', 0, 'type'],
    ['evidence', 0, 'type'],
    ['credentialStatus', 'id'],
    ['credentialStatus', 'type'],
    ['credentialSchema', 0, 'id'],
    ['credentialSchema', 0, 'type'],
    ['termsOfUse', 'type'],
    ['proof', 'type'],
  ];
  const jsonPathOf = (path: Path) =>
    '$' +
    path.map((k) => (typeof k === 'number' ? `[${k}]` : /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `['${k}']`)).join('');

  it.each(REQUIRED.map((p) => [jsonPathOf(p), p] as const))(
    'removing %s is reported there as required',
    (expected, path) => {
      expect(issuesOf(without(FULL, path), 'OpenBadgeCredential')).toContainEqual({ path: expected, code: 'required' });
    },
  );

  it('a removed required property yields exactly one issue', () => {
    for (const path of REQUIRED) {
      expect(issuesOf(without(FULL, path), 'OpenBadgeCredential')).toEqual([
        { path: jsonPathOf(path), code: 'required' },
      ]);
    }
    // Without `type` (and no kind given) the class cannot be told: that is the one issue.
    expect(issuesOf(without(FULL, ['type']))).toEqual([{ path: '$.type', code: 'kind_unknown' }]);
  });

  const WRONG: Array<[Path, unknown, string]> = [
    [['name'], 42, 'invalid_type'],
    [['id'], 'not a uri', 'invalid_format'],
    [['id'], 'relative/credential', 'invalid_format'],
    [['id'], 'urn:uuid:a\u0000b', 'invalid_format'],
    [['id'], 'https://example.edu/a b', 'invalid_format'],
    [['issuer'], 'issuers/1', 'invalid_format'],
    [['issuer'], 7, 'invalid_type'],
    [['validFrom'], '2024-01-01', 'invalid_format'],
    [['validFrom'], '2024-01-01T00:00:00', 'invalid_format'],
    [['validFrom'], '2023-02-29T00:00:00Z', 'invalid_format'],
    [['validFrom'], '2024-01-01T24:00:00Z', 'invalid_format'],
    [['validFrom'], '2024-01-01t00:00:00z', 'invalid_format'],
    [['validUntil'], 1704067200, 'invalid_type'],
    [['awardedDate'], 'yesterday', 'invalid_format'],
    [['type'], ['VerifiableCredential'], 'missing_class'],
    [['type'], [], 'invalid_type'],
    [['@context'], 'https://www.w3.org/ns/credentials/v2', 'invalid_type'],
    [['@context', 1], 'https://purl.imsglobal.org/spec/ob/v3p0/context-9.json', 'invalid_context'],
    [['@context', 0], 'https://example.org/context', 'invalid_context'],
    [['image'], 'https://example.edu/credential.png', 'invalid_type'],
    [['image', 'type'], 'Picture', 'invalid_value'],
    [['image', 'type'], ['Image'], 'invalid_type'],
    [['issuer', 'type'], ['Organization'], 'missing_class'],
    [['issuer', 'url'], 'example.edu', 'invalid_format'],
    [['issuer', 'dateOfBirth'], '2000-13-01', 'invalid_format'],
    [['issuer', 'address', 'geo', 'latitude'], '43.2', 'invalid_type'],
    [['credentialSubject'], [], 'invalid_type'],
    [['credentialSubject', 'id'], 'learner 1', 'invalid_format'],
    [['credentialSubject', 'type'], 'Person', 'missing_class'],
    [['credentialSubject', 'creditsEarned'], '3', 'invalid_type'],
    [['credentialSubject', 'activityStartDate'], '2023-09-31', 'invalid_format'],
    [['credentialSubject', 'identifier'], { type: 'IdentityObject' }, 'invalid_type'],
    [['credentialSubject', 'identifier', 0, 'hashed'], 'true', 'invalid_type'],
    [['credentialSubject', 'identifier', 0, 'identityHash'], 'sha256$xyz', 'invalid_format'],
    [['credentialSubject', 'identifier', 0, 'identityHash'], 'sha1$' + 'a'.repeat(40), 'invalid_format'],
    [['credentialSubject', 'identifier', 0, 'type'], 'Identity', 'invalid_value'],
    [['credentialSubject', 'result'], { type: ['Result'] }, 'invalid_type'],
    [['credentialSubject', 'result', 0, 'achievedLevel'], 'level 1', 'invalid_format'],
    [[...ACH, 'type'], 'Badge', 'missing_class'],
    [[...ACH, 'criteria'], 'Nominated', 'invalid_type'],
    [[...ACH, 'criteria', 'id'], 'criteria', 'invalid_format'],
    [[...ACH, 'creditsAvailable'], 'three', 'invalid_type'],
    [[...ACH, 'inLanguage'], 'english', 'invalid_format'],
    [[...ACH, 'tag'], 'teamwork', 'invalid_type'],
    [[...ACH, 'tag', 0], 1, 'invalid_type'],
    [[...ACH, 'endorsementJwt', 0], 'not-a-jws', 'invalid_format'],
    [[...ACH, 'alignment'], { type: ['Alignment'] }, 'invalid_type'],
    [[...ACH, 'alignment', 0, 'targetUrl'], '/frameworks/collab', 'invalid_format'],
    [[...ACH, 'resultDescription', 0, 'allowedValue'], 'Novice', 'invalid_type'],
    [[...ACH, 'resultDescription', 0, 'requiredLevel'], 'Expert', 'invalid_format'],
    [['evidence'], { type: ['Evidence'] }, 'invalid_type'],
    [['credentialStatus'], [{ id: 'https://example.edu/s#1', type: 'BitstringStatusListEntry' }], 'invalid_type'],
    [['proof', 'created'], 'now', 'invalid_format'],
  ];

  it.each(WRONG.map(([path, value, code]) => [jsonPathOf(path), JSON.stringify(value), code, path, value] as const))(
    '%s = %s is %s',
    (expectedPath, _shown, code, path, value) => {
      expect(issuesOf(withValue(FULL, path, value), 'OpenBadgeCredential')).toEqual([{ path: expectedPath, code }]);
    },
  );

  it('refuses unknown properties only where the OB JSON Schema closes the class', () => {
    expect(issuesOf(withValue(FULL, ['image', 'alt'], 'x'))).toEqual([
      { path: '$.image.alt', code: 'unknown_property' },
    ]);
    expect(issuesOf(withValue(FULL, ['credentialSubject', 'identifier', 0, 'email'], 'a@example.com'))).toEqual([
      { path: '$.credentialSubject.identifier[0].email', code: 'unknown_property' },
    ]);
    // Everything else is open ("Mixin Extensions"): the JSON-LD term check is a separate layer.
    expect(validateCredential(withValue(FULL, ['credentialSubject', 'achievement', 'ext:level'], 3)).valid).toBe(true);
    expect(validateCredential(withValue(FULL, ['issuer', 'sameAs'], 'https://x.example')).valid).toBe(true);
  });

  it('requires an id or an identifier on the subject', () => {
    const noId = without(FULL, ['credentialSubject', 'id']);
    expect(validateCredential(noId).valid).toBe(true);
    const neither = without(noId, ['credentialSubject', 'identifier']);
    expect(issuesOf(neither)).toEqual([{ path: '$.credentialSubject', code: 'missing_identifier' }]);
    expect(issuesOf(withValue(noId, ['credentialSubject', 'identifier'], []))).toEqual([
      { path: '$.credentialSubject', code: 'missing_identifier' },
    ]);
  });

  it('reports several problems at once', () => {
    let json = without(FULL, ['credentialSubject', 'achievement', 'name']);
    json = withValue(json, ['validFrom'], 'soon');
    json = withValue(json, ['issuer', 'id'], 'me');
    expect(issuesOf(json)).toEqual(
      expect.arrayContaining([
        { path: '$.credentialSubject.achievement.name', code: 'required' },
        { path: '$.validFrom', code: 'invalid_format' },
        { path: '$.issuer.id', code: 'invalid_format' },
      ]),
    );
  });

  it('accepts single values where the model is "array-compacted", and type as a string', () => {
    let json = withValue(FULL, ['type'], ['OpenBadgeCredential', 'VerifiableCredential', 'ext:Other']);
    json = withValue(json, ['proof'], [FULL.proof, FULL.proof]);
    json = withValue(json, ['credentialSubject', 'type'], 'AchievementSubject');
    json = withValue(json, ['issuer'], 'did:web:example.edu');
    expect(validateCredential(json).valid).toBe(true);
    expect(validateCredential(withValue(FULL, ['type'], ['VerifiableCredential', 'AchievementCredential'])).valid).toBe(
      true,
    );
  });
});

describe('validateCredential: enumerations', () => {
  const ach = ['credentialSubject', 'achievement'];
  const cases: Array<[string, Path, readonly string[], boolean]> = [
    ['achievementType', [...ach, 'achievementType'], ACHIEVEMENT_TYPES, true],
    ['targetType', [...ach, 'alignment', 0, 'targetType'], ALIGNMENT_TARGET_TYPES, true],
    ['resultType', [...ach, 'resultDescription', 0, 'resultType'], RESULT_TYPES, true],
    ['identityType', ['credentialSubject', 'identifier', 0, 'identityType'], IDENTIFIER_TYPES, true],
    ['identifierType', ['issuer', 'otherIdentifier', 0, 'identifierType'], IDENTIFIER_TYPES, true],
    ['status', ['credentialSubject', 'result', 0, 'status'], RESULT_STATUS_TYPES, false],
  ];

  it.each(cases)('%s accepts each listed value, rejects others', (_name, path, values, extensible) => {
    for (const v of values) expect(validateCredential(withValue(FULL, path, v)).valid).toBe(true);
    const bad = ['Program', 'microcredential', 'MicroCredentials', '', 'ext:', 'ext:a b', 'EXT:Foo'];
    for (const v of bad) {
      expect(issuesOf(withValue(FULL, path, v))).toEqual([
        { path: '$' + path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join(''), code: 'invalid_value' },
      ]);
    }
    expect(validateCredential(withValue(FULL, path, 'ext:MyTerm')).valid).toBe(extensible);
  });

  it('associationType is a closed vocabulary', () => {
    const clr = readJson(join(OB_EXAMPLES, 'linked-data-proof-clr.credential.json'));
    const path: Path = ['credentialSubject', 'association', 0, 'associationType'];
    for (const v of ASSOCIATION_TYPES) expect(validateCredential(withValue(clr, path, v)).valid).toBe(true);
    expect(issuesOf(withValue(clr, path, 'isSiblingOf'))).toEqual([
      { path: '$.credentialSubject.association[0].associationType', code: 'invalid_value' },
    ]);
  });
});

describe('validateCredential: kinds and VC versions', () => {
  const clr = readJson(join(OB_EXAMPLES, 'linked-data-proof-clr.credential.json'));

  it('checks the CLR context order and the ClrSubject', () => {
    const [vc, clrContext, obContext, ...rest] = (clr as { '@context': string[] })['@context'];
    const swapped = withValue(clr, ['@context'], [vc, obContext, clrContext, ...rest]);
    expect(issuesOf(swapped)).toEqual([
      { path: "$['@context'][1]", code: 'invalid_context' },
      { path: "$['@context'][2]", code: 'invalid_context' },
    ]);
    expect(issuesOf(without(clr, ['credentialSubject', 'verifiableCredential']))).toEqual([
      { path: '$.credentialSubject.verifiableCredential', code: 'required' },
    ]);
    expect(issuesOf(withValue(clr, ['credentialSubject', 'verifiableCredential'], []))).toEqual([
      { path: '$.credentialSubject.verifiableCredential', code: 'too_small' },
    ]);
    expect(
      issuesOf(
        without(clr, ['credentialSubject', 'verifiableCredential', 0, 'credentialSubject', 'achievement', 'criteria']),
      ),
    ).toEqual([
      { path: '$.credentialSubject.verifiableCredential[0].credentialSubject.achievement.criteria', code: 'required' },
    ]);
    expect(issuesOf(without(clr, ['name']))).toEqual([{ path: '$.name', code: 'required' }]);
  });

  it('validates nested endorsements by their own VC version', () => {
    const endorsement = readJson(join(DCC, 'bothSignatureTypes/didkey/legacy-noStatus-notExpired-endorsement.json'));
    const json = withValue(FULL, ['issuer', 'endorsement'], [endorsement]);
    expect(validateCredential(json).valid).toBe(true);
    expect(issuesOf(without(json, ['issuer', 'endorsement', 0, 'credentialSubject', 'id']))).toEqual([
      { path: '$.issuer.endorsement[0].credentialSubject.id', code: 'required' },
    ]);
  });

  it('accepts the VC 1.1 form OB 3.0.3 still defines (issuanceDate, name required)', () => {
    let v1 = withValue(FULL, ['@context', 0], 'https://www.w3.org/2018/credentials/v1');
    v1 = without(without(v1, ['validFrom']), ['validUntil']);
    v1 = withValue(v1, ['issuanceDate'], '2024-01-01T00:00:00Z');
    expect(validateCredential(v1)).toMatchObject({ valid: true, version: 'v1.1' });
    expect(issuesOf(without(v1, ['issuanceDate']))).toEqual([{ path: '$.issuanceDate', code: 'required' }]);
    expect(issuesOf(without(v1, ['name']))).toEqual([{ path: '$.name', code: 'required' }]);
    expect(issuesOf(withValue(v1, ['expirationDate'], '2030-01-01'))).toEqual([
      { path: '$.expirationDate', code: 'invalid_format' },
    ]);
    // In VC 2.0 form `name` is optional (AchievementCredential "name 0..1").
    expect(validateCredential(without(FULL, ['name'])).valid).toBe(true);
  });

  it('uses the kind it is told, and says when type does not match it', () => {
    // As an EndorsementCredential the type lacks the class and the subject lacks EndorsementSubject.
    expect(issuesOf(FULL, 'EndorsementCredential')).toEqual(
      expect.arrayContaining([
        { path: '$.type', code: 'missing_class' },
        { path: '$.credentialSubject.type', code: 'missing_class' },
      ]),
    );
    expect(issuesOf({ type: 'Thing' })).toEqual([{ path: '$.type', code: 'kind_unknown' }]);
  });

  it('refuses what is not a JSON object, with a coded result', () => {
    for (const input of [null, undefined, 42, 'credential', [], true]) {
      expect(validateCredential(input)).toMatchObject({
        valid: false,
        code: 'ERR_SCHEMA_INVALID',
        issues: [{ path: '$', code: 'invalid_type' }],
      });
    }
  });

  it('assertValidCredential returns the credential or throws ERR_SCHEMA_INVALID with the issues', () => {
    expect(assertValidCredential(FULL, { kind: 'OpenBadgeCredential' })).toBe(FULL);
    let thrown: unknown;
    try {
      assertValidCredential(without(FULL, ['validFrom']));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(SkillproofError);
    expect(thrown).toMatchObject({
      code: 'ERR_SCHEMA_INVALID',
      path: '$.validFrom',
      details: { issues: [{ path: '$.validFrom', code: 'required', message: "'validFrom' is required." }] },
    });
  });
});

describe('validateCredential: hostile input', () => {
  function nested(depth: number): unknown {
    let node: unknown = 'leaf';
    for (let i = 0; i < depth; i++) node = { a: [node] };
    return node;
  }

  it('stops 10,000-deep nesting with ERR_INPUT_TOO_DEEP, in the credential or anywhere in it', () => {
    expect(validateCredential(nested(10_000))).toMatchObject({
      valid: false,
      code: 'ERR_INPUT_TOO_DEEP',
      issues: [{ code: 'too_deep' }],
    });
    const deepInside = withValue(FULL, ['credentialSubject', 'achievement', 'ext:data'], nested(10_000));
    const result = validateCredential(deepInside);
    expect(result).toMatchObject({ valid: false, code: 'ERR_INPUT_TOO_DEEP' });
    expect(!result.valid && result.issues[0]!.path.startsWith("$.credentialSubject.achievement['ext:data'].a[0]")).toBe(
      true,
    );
    // The same depth parsed from JSON text.
    const text = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    expect(validateCredential(JSON.parse(text))).toMatchObject({ code: 'ERR_INPUT_TOO_DEEP' });
    expect(() => assertValidCredential(nested(10_000))).toThrowError(
      expect.objectContaining({ code: 'ERR_INPUT_TOO_DEEP' }) as Error,
    );
  });

  it('stops cycles (a JavaScript caller can build one) the same way', () => {
    const cyclic: Obj = clone(FULL);
    (cyclic.credentialSubject as Obj).self = cyclic;
    expect(validateCredential(cyclic)).toMatchObject({ valid: false, code: 'ERR_INPUT_TOO_DEEP' });
  });

  it('stops a 10 MB string and a million-item array with ERR_INPUT_TOO_LARGE at their path', () => {
    const big = withValue(FULL, ['credentialSubject', 'achievement', 'description'], 'x'.repeat(10 * 1024 * 1024));
    expect(validateCredential(big)).toMatchObject({
      valid: false,
      code: 'ERR_INPUT_TOO_LARGE',
      issues: [{ path: '$.credentialSubject.achievement.description', code: 'too_large' }],
    });
    const long = withValue(FULL, ['credentialSubject', 'achievement', 'tag'], new Array(1_000_000).fill('t'));
    expect(validateCredential(long)).toMatchObject({
      valid: false,
      code: 'ERR_INPUT_TOO_LARGE',
      issues: [{ path: '$.credentialSubject.achievement.tag', code: 'too_large' }],
    });
    // Limits are the caller's to set.
    expect(
      validateCredential(withValue(FULL, ['name'], 'x'.repeat(5_000)), { limits: { maxStringLength: 1000 } }),
    ).toMatchObject({ code: 'ERR_INPUT_TOO_LARGE' });
  });

  it('turns an input that throws when read into ERR_INPUT_INVALID', () => {
    const trap = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error('boom');
        },
      },
    );
    expect(validateCredential(trap)).toMatchObject({ valid: false, code: 'ERR_INPUT_INVALID' });
  });

  it('never throws, for any JSON value or any mutation of a valid credential', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const result = validateCredential(value);
        expect(result.valid).toBe(false);
        if (!result.valid) expect(result.issues.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
    const paths: Path[] = [];
    const collect = (node: unknown, path: Path) => {
      if (node !== null && typeof node === 'object') {
        paths.push(path);
        for (const [k, v] of Object.entries(node)) collect(v, [...path, Array.isArray(node) ? Number(k) : k]);
      } else paths.push(path);
    };
    collect(FULL, []);
    const mutable = paths.filter((p) => p.length > 0);
    fc.assert(
      fc.property(fc.constantFrom(...mutable), fc.jsonValue({ maxDepth: 3 }), (path, value) => {
        const result = validateCredential(withValue(FULL, path, value));
        if (!result.valid) {
          expect(result.code).toBe('ERR_SCHEMA_INVALID');
          for (const issue of result.issues) expect(issue.path.startsWith('$')).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('model primitives', () => {
  it('isAbsoluteUri: one pattern refuses what the pattern and a control-character scan refused', async () => {
    const { isAbsoluteUri, isDateTime } = await import('../src/model/primitives.js');
    const pattern = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|\\^`]+$/;
    // eslint-disable-next-line no-control-regex -- the control characters under test
    const before = (v: string) => pattern.test(v) && !/[\u0000-\u001f\u007f]/.test(v);
    const unit = fc.constantFrom(
      'a',
      'Z',
      '9',
      ':',
      '/',
      '.',
      '-',
      '+',
      ' ',
      '\u0000',
      '\u001f',
      '\u007f',
      '\u00a0',
      'é',
      '<',
      '\u2028',
      '\t',
    );
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 12 }), (a, b) => {
        for (const v of [a, b, 'https:' + a, 'urn:' + b, 'x:' + a + b]) expect(isAbsoluteUri(v)).toBe(before(v));
      }),
      { numRuns: 3_000 },
    );
    // Memoized date checks answer both questions for the same text.
    for (const [text, zoned, local] of [
      ['2024-02-29T10:00:00Z', true, true],
      ['2024-02-29T10:00:00', false, true],
      ['2023-02-29T10:00:00Z', false, false],
      ['2024-01-01T24:00:00+01:00', false, false],
    ] as const) {
      for (let k = 0; k < 2; k++) {
        expect(isDateTime(text, true)).toBe(zoned);
        expect(isDateTime(text, false)).toBe(local);
      }
    }
  });
});
