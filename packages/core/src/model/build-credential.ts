import type { z } from 'zod';
import { SkillproofError } from '../errors.js';
import {
  achievementSchema,
  profileSchema,
  type Achievement,
  type AchievementCredential,
  type AnyAchievementCredential,
  type AnyEndorsementCredential,
  type Association,
  type ClrCredential,
  type CredentialStatus,
  type EndorsementCredential,
  type IdentityObject,
  type Profile,
  type RefreshService,
  type TermsOfUse,
} from './schemas.js';
import { assertValidCredential, schemaIssues } from './validate-credential.js';
import {
  CLR_V2_CONTEXT,
  OB_V3_CONTEXT,
  VC_V2_CONTEXT,
  type AchievementType,
  type AlignmentTargetType,
  type AssociationType,
  type IdentifierType,
  type ResultStatusType,
  type ResultType,
} from './vocabulary.js';

/** The 1EdTech JSON Schema for AchievementCredential, for use as a VC 2.0 `JsonSchema` credentialSchema. */
export const OB_ACHIEVEMENT_CREDENTIAL_JSON_SCHEMA =
  'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json';
/** The 1EdTech JSON Schema for ClrCredential. */
export const CLR_CREDENTIAL_JSON_SCHEMA =
  'https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json';

// --- inputs

/** An image: its URL (or data: URI), or that plus a caption. */
export type ImageInput = string | { id: string; caption?: string };

export interface CriteriaInput {
  id?: string;
  narrative?: string;
}

export interface AlignmentInput {
  targetName: string;
  targetUrl: string;
  targetType?: AlignmentTargetType;
  targetCode?: string;
  targetDescription?: string;
  targetFramework?: string;
}

export interface RubricCriterionLevelInput {
  id: string;
  name: string;
  description?: string;
  level?: string;
  points?: string;
  alignment?: AlignmentInput[];
}

export interface ResultDescriptionInput {
  id: string;
  name: string;
  resultType: ResultType;
  allowedValue?: string[];
  requiredLevel?: string;
  requiredValue?: string;
  valueMin?: string;
  valueMax?: string;
  rubricCriterionLevel?: RubricCriterionLevelInput[];
  alignment?: AlignmentInput[];
}

export interface IdentifierEntryInput {
  identifier: string;
  identifierType: IdentifierType;
}

export interface RelatedInput {
  id: string;
  inLanguage?: string;
  version?: string;
}

export interface GeoCoordinatesInput {
  latitude: number;
  longitude: number;
}

export interface AddressInput {
  addressCountry?: string;
  addressCountryCode?: string;
  addressRegion?: string;
  addressLocality?: string;
  streetAddress?: string;
  postOfficeBoxNumber?: string;
  postalCode?: string;
  geo?: GeoCoordinatesInput;
}

export interface ProfileInput {
  id: string;
  name?: string;
  url?: string;
  phone?: string;
  description?: string;
  email?: string;
  image?: ImageInput;
  address?: AddressInput;
  otherIdentifier?: IdentifierEntryInput[];
  official?: string;
  parentOrg?: ProfileInput;
  givenName?: string;
  familyName?: string;
  additionalName?: string;
  patronymicName?: string;
  honorificPrefix?: string;
  honorificSuffix?: string;
  familyNamePrefix?: string;
  dateOfBirth?: string;
  endorsement?: AnyEndorsementCredential[];
  endorsementJwt?: string[];
}

export interface AchievementInput {
  id: string;
  name: string;
  description: string;
  criteria: CriteriaInput;
  /** Default `MicroCredential`. */
  achievementType?: AchievementType;
  image?: ImageInput;
  creator?: ProfileInput;
  creditsAvailable?: number;
  fieldOfStudy?: string;
  humanCode?: string;
  specialization?: string;
  inLanguage?: string;
  version?: string;
  tag?: string[];
  alignment?: AlignmentInput[];
  resultDescription?: ResultDescriptionInput[];
  related?: RelatedInput[];
  otherIdentifier?: IdentifierEntryInput[];
  endorsement?: AnyEndorsementCredential[];
  endorsementJwt?: string[];
}

export interface ResultInput {
  /** The `id` of the ResultDescription in the achievement this result is for. */
  resultDescription?: string;
  value?: string;
  status?: ResultStatusType;
  achievedLevel?: string;
  alignment?: AlignmentInput[];
}

export interface EvidenceInput {
  id?: string;
  name?: string;
  description?: string;
  narrative?: string;
  genre?: string;
  audience?: string;
}

/** The recipient: an `id` (a DID or URL), IdentityObjects (see `createIdentityObject`), or both. */
export type SubjectInput = (
  { id: string; identifier?: IdentityObject[] } | { id?: string; identifier: IdentityObject[] }
) & {
  creditsEarned?: number;
  activityStartDate?: string | Date;
  activityEndDate?: string | Date;
  licenseNumber?: string;
  role?: string;
  term?: string;
  narrative?: string;
  source?: ProfileInput;
  image?: ImageInput;
};

/**
 * A VC 2.0 `credentialSchema` entry. Only the types the VC 2.0 context defines are offered: `1EdTechJsonSchemaValidator2019`
 * is defined by neither the VC 2.0 nor the OB 3.0.3 context, so a credential naming it fails JSON-LD safe mode.
 */
export interface CredentialSchemaInput {
  id: string;
  type?: 'JsonSchema' | 'JsonSchemaCredential';
}

/** What every credential builder takes besides its subject. */
export interface CredentialCommonInput {
  id: string;
  issuer: string | ProfileInput;
  validFrom: string | Date;
  validUntil?: string | Date;
  name: string;
  description?: string;
  image?: ImageInput;
  awardedDate?: string | Date;
  credentialStatus?: CredentialStatus;
  credentialSchema?: CredentialSchemaInput[];
  refreshService?: RefreshService;
  termsOfUse?: TermsOfUse[];
  endorsement?: AnyEndorsementCredential[];
  endorsementJwt?: string[];
}

export interface AchievementCredentialInput extends CredentialCommonInput {
  subject: SubjectInput;
  achievement: AchievementInput;
  result?: ResultInput[];
  evidence?: EvidenceInput[];
}

export interface EndorsementCredentialInput extends Omit<
  CredentialCommonInput,
  'image' | 'endorsement' | 'endorsementJwt'
> {
  /** What is endorsed (an issuer, an achievement, a credential) and the endorser's comment. */
  subject: { id: string; endorsementComment?: string };
}

export interface AssociationInput {
  associationType: AssociationType;
  sourceId: string;
  targetId: string;
}

export interface ClrCredentialInput extends CredentialCommonInput {
  subject: ({ id: string; identifier?: IdentityObject[] } | { id?: string; identifier: IdentityObject[] }) & {
    verifiableCredential: AnyAchievementCredential[];
    achievement?: AchievementInput[];
    association?: AssociationInput[];
  };
  partial?: boolean;
}

// --- helpers

type Entries = Array<readonly [string, unknown]>;

/** Builds an object with keys in the given order, leaving out undefined values (they are not JSON). */
function ordered<T>(entries: Entries): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) if (value !== undefined) out[key] = value;
  return out as T;
}

const mapList = <I, O>(list: I[] | undefined, f: (item: I) => O): O[] | undefined => list?.map(f);

function dateTime(value: string | Date | undefined, field: string): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new SkillproofError('ERR_INPUT_INVALID', `'${field}' must be a valid Date or an ISO 8601 string.`);
  }
  // Whole seconds are written without ".000", the form the VC and OB examples use.
  return value.toISOString().replace(/\.000Z$/, 'Z');
}

function image(input: ImageInput | undefined) {
  if (input === undefined) return undefined;
  const { id, caption } = typeof input === 'string' ? { id: input, caption: undefined } : input;
  return ordered([
    ['id', id],
    ['type', 'Image'],
    ['caption', caption],
  ]);
}

const alignment = (a: AlignmentInput) =>
  ordered([
    ['type', ['Alignment']],
    ['targetName', a.targetName],
    ['targetUrl', a.targetUrl],
    ['targetType', a.targetType],
    ['targetCode', a.targetCode],
    ['targetDescription', a.targetDescription],
    ['targetFramework', a.targetFramework],
  ]);

const identifierEntry = (e: IdentifierEntryInput) =>
  ordered([
    ['type', 'IdentifierEntry'],
    ['identifier', e.identifier],
    ['identifierType', e.identifierType],
  ]);

const rubricCriterionLevel = (l: RubricCriterionLevelInput) =>
  ordered([
    ['id', l.id],
    ['type', ['RubricCriterionLevel']],
    ['name', l.name],
    ['description', l.description],
    ['level', l.level],
    ['points', l.points],
    ['alignment', mapList(l.alignment, alignment)],
  ]);

const resultDescription = (r: ResultDescriptionInput) =>
  ordered([
    ['id', r.id],
    ['type', ['ResultDescription']],
    ['name', r.name],
    ['resultType', r.resultType],
    ['allowedValue', r.allowedValue],
    ['requiredLevel', r.requiredLevel],
    ['requiredValue', r.requiredValue],
    ['valueMin', r.valueMin],
    ['valueMax', r.valueMax],
    ['rubricCriterionLevel', mapList(r.rubricCriterionLevel, rubricCriterionLevel)],
    ['alignment', mapList(r.alignment, alignment)],
  ]);

const related = (r: RelatedInput) =>
  ordered([
    ['id', r.id],
    ['type', ['Related']],
    ['inLanguage', r.inLanguage],
    ['version', r.version],
  ]);

const address = (a: AddressInput | undefined) =>
  a === undefined
    ? undefined
    : ordered([
        ['type', ['Address']],
        ['streetAddress', a.streetAddress],
        ['postOfficeBoxNumber', a.postOfficeBoxNumber],
        ['addressLocality', a.addressLocality],
        ['addressRegion', a.addressRegion],
        ['postalCode', a.postalCode],
        ['addressCountry', a.addressCountry],
        ['addressCountryCode', a.addressCountryCode],
        [
          'geo',
          a.geo &&
            ordered([
              ['type', 'GeoCoordinates'],
              ['latitude', a.geo.latitude],
              ['longitude', a.geo.longitude],
            ]),
        ],
      ]);

function profileObject(p: ProfileInput): Profile {
  return ordered<Profile>([
    ['id', p.id],
    ['type', ['Profile']],
    ['name', p.name],
    ['url', p.url],
    ['email', p.email],
    ['phone', p.phone],
    ['description', p.description],
    ['image', image(p.image)],
    ['address', address(p.address)],
    ['otherIdentifier', mapList(p.otherIdentifier, identifierEntry)],
    ['official', p.official],
    ['parentOrg', p.parentOrg && profileObject(p.parentOrg)],
    ['honorificPrefix', p.honorificPrefix],
    ['givenName', p.givenName],
    ['additionalName', p.additionalName],
    ['patronymicName', p.patronymicName],
    ['familyNamePrefix', p.familyNamePrefix],
    ['familyName', p.familyName],
    ['honorificSuffix', p.honorificSuffix],
    ['dateOfBirth', p.dateOfBirth],
    ['endorsement', p.endorsement],
    ['endorsementJwt', p.endorsementJwt],
  ]);
}

function achievementObject(a: AchievementInput): Achievement {
  return ordered<Achievement>([
    ['id', a.id],
    ['type', ['Achievement']],
    // OB 3.0 makes achievementType optional; Skillproof issues micro-credentials, so that is the default.
    ['achievementType', a.achievementType ?? 'MicroCredential'],
    ['name', a.name],
    ['description', a.description],
    [
      'criteria',
      a.criteria &&
        ordered([
          ['id', a.criteria.id],
          ['narrative', a.criteria.narrative],
        ]),
    ],
    ['image', image(a.image)],
    ['creator', a.creator && profileObject(a.creator)],
    ['creditsAvailable', a.creditsAvailable],
    ['fieldOfStudy', a.fieldOfStudy],
    ['specialization', a.specialization],
    ['humanCode', a.humanCode],
    ['inLanguage', a.inLanguage],
    ['version', a.version],
    ['tag', a.tag],
    ['alignment', mapList(a.alignment, alignment)],
    ['resultDescription', mapList(a.resultDescription, resultDescription)],
    ['related', mapList(a.related, related)],
    ['otherIdentifier', mapList(a.otherIdentifier, identifierEntry)],
    ['endorsement', a.endorsement],
    ['endorsementJwt', a.endorsementJwt],
  ]);
}

function checkPart<T>(schema: z.ZodType<T>, value: T, what: string): T {
  const issues = schemaIssues(schema, value);
  if (issues.length > 0) {
    throw new SkillproofError(
      'ERR_SCHEMA_INVALID',
      `The ${what} is not valid: ${issues[0]!.path}: ${issues[0]!.message}`,
      {
        path: issues[0]!.path,
        details: { issues },
      },
    );
  }
  return value;
}

function credentialSchemas(list: CredentialSchemaInput[] | undefined) {
  return mapList(list, (s) => {
    const type = s.type ?? 'JsonSchema';
    if (type !== 'JsonSchema' && type !== 'JsonSchemaCredential') {
      throw new SkillproofError(
        'ERR_INPUT_INVALID',
        `credentialSchema type ${JSON.stringify(type)} is not defined by the VC 2.0 context; use 'JsonSchema'.`,
      );
    }
    return ordered([
      ['id', s.id],
      ['type', type],
    ]);
  });
}

function requireInput(input: unknown, what: string): void {
  if (input === null || typeof input !== 'object') {
    throw new SkillproofError('ERR_INPUT_INVALID', `${what} needs an input object.`);
  }
}

/** The properties every credential shares, in the order they are written after `credentialSubject`. */
function trailer(input: CredentialCommonInput): Entries {
  return [
    ['endorsement', input.endorsement],
    ['endorsementJwt', input.endorsementJwt],
    ['credentialStatus', input.credentialStatus],
    ['credentialSchema', credentialSchemas(input.credentialSchema)],
    ['refreshService', input.refreshService],
    ['termsOfUse', input.termsOfUse],
  ];
}

function header(input: CredentialCommonInput, context: string[], type: string[]): Entries {
  return [
    ['@context', context],
    ['id', input.id],
    ['type', type],
    ['name', input.name],
    ['description', input.description],
    ['image', image(input.image)],
    ['issuer', typeof input.issuer === 'string' ? input.issuer : profileObject(input.issuer)],
    ['validFrom', dateTime(input.validFrom, 'validFrom')],
    ['validUntil', dateTime(input.validUntil, 'validUntil')],
    ['awardedDate', dateTime(input.awardedDate, 'awardedDate')],
  ];
}

// --- public builders

/**
 * Builds an OB 3.0 Achievement (type `['Achievement']`, `achievementType` `MicroCredential` unless given) and checks
 * it; throws `ERR_SCHEMA_INVALID` when the input breaks the data model.
 *
 * @example
 * ```ts
 * const achievement = buildAchievement({
 *   id: 'https://example.edu/achievements/teamwork', name: 'Teamwork',
 *   description: 'Works well in a team.', criteria: { narrative: 'Nominated by peers.' },
 * });
 * ```
 */
export function buildAchievement(input: AchievementInput): Achievement {
  requireInput(input, 'buildAchievement');
  return checkPart(achievementSchema, achievementObject(input), 'achievement');
}

/**
 * Builds an OB 3.0 Profile (type `['Profile']`) for an issuer, creator or endorser, and checks it.
 *
 * @example
 * ```ts
 * const issuer = buildProfile({ id: 'did:web:example.edu', name: 'Example University', url: 'https://example.edu' });
 * ```
 */
export function buildProfile(input: ProfileInput): Profile {
  requireInput(input, 'buildProfile');
  return checkPart(profileSchema, profileObject(input), 'profile');
}

function subjectEntries(subject: SubjectInput | ClrCredentialInput['subject'], type: string): Entries {
  return [
    ['id', subject.id],
    ['type', [type]],
    ['identifier', subject.identifier],
  ];
}

/**
 * Builds an unsigned OpenBadgeCredential (VC 2.0, OB 3.0.3 context) and validates it; throws `ERR_SCHEMA_INVALID`
 * (with `details.issues`) when the result would not be a valid credential.
 *
 * @example
 * ```ts
 * const credential = buildAchievementCredential({
 *   id: 'urn:uuid:…', issuer: { id: 'did:web:example.edu', name: 'Example University' },
 *   validFrom: new Date(), name: 'Teamwork', subject: { id: 'did:example:learner' }, achievement,
 * });
 * ```
 */
export function buildAchievementCredential(input: AchievementCredentialInput): AchievementCredential {
  requireInput(input, 'buildAchievementCredential');
  const s = input.subject ?? ({} as SubjectInput);
  const credentialSubject = ordered([
    ...subjectEntries(s, 'AchievementSubject'),
    ['achievement', input.achievement && achievementObject(input.achievement)],
    [
      'result',
      mapList(input.result, (r) =>
        ordered([
          ['type', ['Result']],
          ['resultDescription', r.resultDescription],
          ['value', r.value],
          ['status', r.status],
          ['achievedLevel', r.achievedLevel],
          ['alignment', mapList(r.alignment, alignment)],
        ]),
      ),
    ],
    ['creditsEarned', s.creditsEarned],
    ['activityStartDate', dateTime(s.activityStartDate, 'activityStartDate')],
    ['activityEndDate', dateTime(s.activityEndDate, 'activityEndDate')],
    ['licenseNumber', s.licenseNumber],
    ['role', s.role],
    ['term', s.term],
    ['source', s.source && profileObject(s.source)],
    ['narrative', s.narrative],
    ['image', image(s.image)],
  ]);
  const credential = ordered([
    ...header(input, [VC_V2_CONTEXT, OB_V3_CONTEXT], ['VerifiableCredential', 'OpenBadgeCredential']),
    ['credentialSubject', credentialSubject],
    [
      'evidence',
      mapList(input.evidence, (e) =>
        ordered([
          ['id', e.id],
          ['type', ['Evidence']],
          ['name', e.name],
          ['description', e.description],
          ['narrative', e.narrative],
          ['genre', e.genre],
          ['audience', e.audience],
        ]),
      ),
    ],
    ...trailer(input),
  ]);
  return assertValidCredential(credential, { kind: 'OpenBadgeCredential' }) as AchievementCredential;
}

/**
 * Builds an unsigned EndorsementCredential (VC 2.0, OB 3.0.3 context): an endorser's claim about an issuer, an
 * achievement or a credential, identified by `subject.id`.
 *
 * @example
 * ```ts
 * const endorsement = buildEndorsementCredential({
 *   id: 'urn:uuid:…', issuer: 'did:web:accreditor.example', validFrom: new Date(), name: 'Accredited',
 *   subject: { id: 'https://example.edu/achievements/teamwork', endorsementComment: 'Meets our standard.' },
 * });
 * ```
 */
export function buildEndorsementCredential(input: EndorsementCredentialInput): EndorsementCredential {
  requireInput(input, 'buildEndorsementCredential');
  const s = input.subject ?? { id: undefined };
  const credential = ordered([
    ...header(input, [VC_V2_CONTEXT, OB_V3_CONTEXT], ['VerifiableCredential', 'EndorsementCredential']),
    [
      'credentialSubject',
      ordered([
        ['id', s.id],
        ['type', ['EndorsementSubject']],
        ['endorsementComment', s.endorsementComment],
      ]),
    ],
    ...trailer(input),
  ]);
  return assertValidCredential(credential, { kind: 'EndorsementCredential' }) as EndorsementCredential;
}

/**
 * Builds an unsigned CLR 2.0 ClrCredential: contexts VC 2.0, CLR 2.0.1, OB 3.0.3 in that order (as in the 1EdTech
 * CLR example), the learner's (usually signed) OpenBadgeCredentials in `verifiableCredential`, and optional
 * achievements and associations between them.
 *
 * @example
 * ```ts
 * const clr = buildClrCredential({
 *   id: 'urn:uuid:…', issuer, validFrom: new Date(), name: 'Transcript',
 *   subject: { id: 'did:example:learner', verifiableCredential: [signedBadge] },
 * });
 * ```
 */
export function buildClrCredential(input: ClrCredentialInput): ClrCredential {
  requireInput(input, 'buildClrCredential');
  const s = input.subject ?? ({} as ClrCredentialInput['subject']);
  const association = (a: AssociationInput): Association =>
    ordered<Association>([
      ['type', 'Association'],
      ['associationType', a.associationType],
      ['sourceId', a.sourceId],
      ['targetId', a.targetId],
    ]);
  const credential = ordered([
    ...header(input, [VC_V2_CONTEXT, CLR_V2_CONTEXT, OB_V3_CONTEXT], ['VerifiableCredential', 'ClrCredential']),
    ['partial', input.partial],
    [
      'credentialSubject',
      ordered([
        ...subjectEntries(s, 'ClrSubject'),
        ['verifiableCredential', s.verifiableCredential],
        ['achievement', mapList(s.achievement, achievementObject)],
        ['association', mapList(s.association, association)],
      ]),
    ],
    ...trailer(input),
  ]);
  return assertValidCredential(credential, { kind: 'ClrCredential' }) as ClrCredential;
}
