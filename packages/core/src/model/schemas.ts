import { z } from 'zod';
import {
  arrayOf,
  closedEnum,
  compactJws,
  date,
  dateOrDateTime,
  dateTime,
  dateTimeZ,
  enumExt,
  languageCode,
  oneOrMany,
  report,
  select,
  text,
  typeEquals,
  typeIncluding,
  uri,
  isAbsoluteUri,
  type SchemaIssueCode,
} from './primitives.js';
import {
  ACHIEVEMENT_TYPES,
  ALIGNMENT_TARGET_TYPES,
  ASSOCIATION_TYPES,
  CLR_CONTEXT_PATTERN,
  IDENTIFIER_TYPES,
  OB_CONTEXT_PATTERN,
  RESULT_STATUS_TYPES,
  RESULT_TYPES,
  VC_V1_CONTEXT,
  VC_V2_CONTEXT,
  type AchievementType,
  type AlignmentTargetType,
  type IdentifierType,
  type ResultType,
} from './vocabulary.js';

// Cardinalities, required properties and "array-compacted" markers follow the OB 3.0 data model
// (ob_v3p0/common_credentials.lines, rendered as spec §B) and the 1EdTech JSON Schemas generated from it:
// 1 → required, 0..1 → optional, 0..* → JSON array, "array-compacted" → one value or an array.
// Objects are open (`looseObject`, "Mixin Extensions") except Image, IdentityObject and IdentifierEntry, which the
// OB JSON Schema closes with `additionalProperties: false`.
// fast-validate.ts repeats the OpenBadgeCredential rules as plain predicates (validateCredential's fast path): a rule
// made stricter here must be made stricter there (test/model-fast-validate.test.ts checks every declared property).

const opt = <T extends z.ZodType>(schema: T) => schema.optional();

type RuleIssue = { path: PropertyKey[]; code: SchemaIssueCode; message: string };

/** Runs `schema`, then `rule` on the same object even when the schema found problems, so both are reported. */
function withRule<T>(schema: z.ZodType<T>, rule: (value: Record<string, unknown>) => RuleIssue[]): z.ZodType<T> {
  return select<T>(() => schema).check((ctx) => {
    const v = ctx.value;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return;
    for (const issue of rule(v as Record<string, unknown>)) report(ctx, issue.code, issue.message, issue.path);
  });
}

/** AchievementSubject and ClrSubject: "Either `id` or at least one `identifier` MUST be supplied." */
function subjectIdentified(v: Record<string, unknown>): RuleIssue[] {
  if (v.id !== undefined) return [];
  if (Array.isArray(v.identifier) && v.identifier.length > 0) return [];
  return [
    {
      path: [],
      code: 'missing_identifier',
      message: "The subject needs an 'id' or at least one 'identifier' (IdentityObject).",
    },
  ];
}

// --- leaf classes

export const imageSchema = z.strictObject({
  id: uri,
  type: typeEquals('Image'),
  caption: opt(text),
});

const IDENTITY_HASH = /^(md5\$[0-9a-fA-F]{32}|sha256\$[0-9a-fA-F]{64})$/;

/** True when `value` is the identityHash of a hashed IdentityObject: 'sha256$' + 64 hex digits or 'md5$' + 32. */
export function isIdentityHash(value: string): boolean {
  return IDENTITY_HASH.test(value);
}

export const identityObjectSchema = withRule(
  z.strictObject({
    type: typeEquals('IdentityObject'),
    hashed: z.boolean(),
    identityHash: text,
    identityType: enumExt<IdentifierType>(IDENTIFIER_TYPES, 'IdentifierTypeEnum'),
    salt: opt(text),
  }),
  // IdentityHash: "an algorithm identifier, a `$` separator, and a hash … MUST be expressed in hexadecimal"; only
  // md5 and sha256 are supported. A plaintext identity (hashed: false) is any string.
  (v) =>
    v.hashed === true && typeof v.identityHash === 'string' && !isIdentityHash(v.identityHash)
      ? [
          {
            path: ['identityHash'],
            code: 'invalid_format',
            message: "A hashed identityHash must be 'sha256$' + 64 hex digits or 'md5$' + 32 hex digits.",
          },
        ]
      : [],
);

export const identifierEntrySchema = z.strictObject({
  type: typeEquals('IdentifierEntry'),
  identifier: text,
  identifierType: enumExt<IdentifierType>(IDENTIFIER_TYPES, 'IdentifierTypeEnum'),
});

export const geoCoordinatesSchema = z.looseObject({
  type: typeEquals('GeoCoordinates'),
  latitude: z.number(),
  longitude: z.number(),
});

export const addressSchema = z.looseObject({
  type: typeIncluding(['Address']),
  addressCountry: opt(text),
  addressCountryCode: opt(text),
  addressRegion: opt(text),
  addressLocality: opt(text),
  streetAddress: opt(text),
  postOfficeBoxNumber: opt(text),
  postalCode: opt(text),
  geo: opt(geoCoordinatesSchema),
});

export const criteriaSchema = z.looseObject({
  id: opt(uri),
  narrative: opt(text),
});

export const alignmentSchema = z.looseObject({
  type: typeIncluding(['Alignment']),
  targetCode: opt(text),
  targetDescription: opt(text),
  targetName: text,
  targetFramework: opt(text),
  targetType: opt(enumExt<AlignmentTargetType>(ALIGNMENT_TARGET_TYPES, 'AlignmentTargetType')),
  targetUrl: uri,
});

export const rubricCriterionLevelSchema = z.looseObject({
  id: uri,
  type: typeIncluding(['RubricCriterionLevel']),
  alignment: opt(arrayOf(alignmentSchema)),
  description: opt(text),
  level: opt(text),
  name: text,
  points: opt(text),
});

export const resultDescriptionSchema = z.looseObject({
  id: uri,
  type: typeIncluding(['ResultDescription']),
  alignment: opt(arrayOf(alignmentSchema)),
  allowedValue: opt(arrayOf(text)),
  name: text,
  requiredLevel: opt(uri),
  requiredValue: opt(text),
  resultType: enumExt<ResultType>(RESULT_TYPES, 'ResultType'),
  rubricCriterionLevel: opt(arrayOf(rubricCriterionLevelSchema)),
  valueMax: opt(text),
  valueMin: opt(text),
});

export const resultSchema = z.looseObject({
  type: typeIncluding(['Result']),
  achievedLevel: opt(uri),
  alignment: opt(arrayOf(alignmentSchema)),
  resultDescription: opt(uri),
  status: opt(closedEnum(RESULT_STATUS_TYPES, 'ResultStatusType')),
  value: opt(text),
});

export const relatedSchema = z.looseObject({
  id: uri,
  type: typeIncluding(['Related']),
  inLanguage: opt(languageCode),
  version: opt(text),
});

export const evidenceSchema = z.looseObject({
  id: opt(uri),
  type: typeIncluding(['Evidence']),
  narrative: opt(text),
  name: opt(text),
  description: opt(text),
  genre: opt(text),
  audience: opt(text),
});

// --- VC 2.0 building blocks (OB 3.0 §B.2 "Derived/Shared" classes)

export const proofSchema = z.looseObject({
  type: text,
  created: opt(dateTime),
  cryptosuite: opt(text),
  challenge: opt(text),
  domain: opt(text),
  nonce: opt(text),
  proofPurpose: opt(text),
  proofValue: opt(text),
  verificationMethod: opt(uri),
});

export const credentialSchemaSchema = z.looseObject({ id: uri, type: text });
export const credentialStatusSchema = z.looseObject({ id: uri, type: text });
export const refreshServiceSchema = z.looseObject({ id: uri, type: text });
export const termsOfUseSchema = z.looseObject({ id: opt(uri), type: text });

export type Image = z.infer<typeof imageSchema>;
export type IdentityObject = z.infer<typeof identityObjectSchema>;
export type IdentifierEntry = z.infer<typeof identifierEntrySchema>;
export type GeoCoordinates = z.infer<typeof geoCoordinatesSchema>;
export type Address = z.infer<typeof addressSchema>;
export type Criteria = z.infer<typeof criteriaSchema>;
export type Alignment = z.infer<typeof alignmentSchema>;
export type RubricCriterionLevel = z.infer<typeof rubricCriterionLevelSchema>;
export type ResultDescription = z.infer<typeof resultDescriptionSchema>;
export type Result = z.infer<typeof resultSchema>;
export type Related = z.infer<typeof relatedSchema>;
export type Evidence = z.infer<typeof evidenceSchema>;
export type Proof = z.infer<typeof proofSchema>;
export type CredentialSchema = z.infer<typeof credentialSchemaSchema>;
export type CredentialStatus = z.infer<typeof credentialStatusSchema>;
export type RefreshService = z.infer<typeof refreshServiceSchema>;
export type TermsOfUse = z.infer<typeof termsOfUseSchema>;

// --- @context

/** Which VC data model a credential follows, read from its first context. */
export type VcVersion = 'v2' | 'v1.1';

export function vcVersionOf(value: unknown): VcVersion {
  const ctx = (value as { '@context'?: unknown } | null)?.['@context'];
  return Array.isArray(ctx) && ctx[0] === VC_V1_CONTEXT ? 'v1.1' : 'v2';
}

type ContextEntry = string | Record<string, unknown>;

/**
 * `@context` "MUST be an ordered set where the first item is … 'https://www.w3.org/ns/credentials/v2', and the second
 * item is … 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'" (any 3.x.y, per the constraint pattern).
 * CLR 2.0 puts its own context second and the OB context third. Later items are URIs or embedded contexts.
 */
function contextSchema(after: readonly { pattern: RegExp; label: string }[]): z.ZodType<ContextEntry[]> {
  return z.any().check((ctx) => {
    const v = ctx.value;
    if (v === undefined) return report(ctx, 'required', "'@context' is required.");
    if (!Array.isArray(v)) {
      return report(ctx, 'invalid_type', `'@context' must be an array of at least ${after.length + 1} contexts.`);
    }
    v.forEach((entry: unknown, i) => {
      const isMap = entry !== null && typeof entry === 'object' && !Array.isArray(entry);
      if (!isMap && typeof entry !== 'string') {
        report(ctx, 'invalid_type', 'A context is a URI or an object.', [i]);
      } else if (typeof entry === 'string' && !isAbsoluteUri(entry)) {
        report(ctx, 'invalid_format', 'A context URI must be absolute.', [i]);
      }
    });
    if (v[0] !== VC_V2_CONTEXT && v[0] !== VC_V1_CONTEXT) {
      report(ctx, 'invalid_context', `The first context must be '${VC_V2_CONTEXT}'.`, [0]);
    }
    after.forEach(({ pattern, label }, k) => {
      const entry: unknown = v[k + 1];
      if (typeof entry !== 'string' || !pattern.test(entry)) {
        report(ctx, 'invalid_context', `Context #${k + 2} must be the ${label} context.`, [k + 1]);
      }
    });
  }) as unknown as z.ZodType<ContextEntry[]>;
}

const OB_CONTEXTS = [{ pattern: OB_CONTEXT_PATTERN, label: 'Open Badges 3.0' }] as const;
const CLR_CONTEXTS = [
  { pattern: CLR_CONTEXT_PATTERN, label: 'CLR 2.0' },
  { pattern: OB_CONTEXT_PATTERN, label: 'Open Badges 3.0' },
] as const;

/**
 * The VC validity properties: VC 2.0 `validFrom` (1) / `validUntil` (0..1); VC 1.1 `issuanceDate` (1) /
 * `expirationDate` (0..1) — OB 3.0.3 keeps the VC 1.1 forms as AchievementCredentialv1p1 & co. (§B, "Legacy").
 */
function validityShape(version: VcVersion) {
  return version === 'v2'
    ? { validFrom: dateTimeZ, validUntil: opt(dateTimeZ) }
    : { issuanceDate: dateTimeZ, expirationDate: opt(dateTimeZ) };
}

function vcShape(version: VcVersion) {
  return {
    ...validityShape(version),
    proof: opt(oneOrMany(proofSchema)),
    credentialSchema: opt(oneOrMany(credentialSchemaSchema)),
    credentialStatus: opt(credentialStatusSchema),
    refreshService: opt(refreshServiceSchema),
    termsOfUse: opt(oneOrMany(termsOfUseSchema)),
  };
}

// --- Profile, EndorsementCredential (mutually recursive through `endorsement` and `issuer`)

/**
 * OB 3.0 `Profile`: the issuer, an endorser, a creator or a parent organization. Written out by hand because
 * Profile and EndorsementCredential refer to each other and TypeScript cannot infer a cycle.
 */
export interface Profile {
  [extension: string]: unknown;
  id: string;
  type: string | string[];
  name?: string | undefined;
  url?: string | undefined;
  phone?: string | undefined;
  description?: string | undefined;
  endorsement?: AnyEndorsementCredential[] | undefined;
  endorsementJwt?: string[] | undefined;
  image?: Image | undefined;
  email?: string | undefined;
  address?: Address | undefined;
  otherIdentifier?: IdentifierEntry[] | undefined;
  official?: string | undefined;
  parentOrg?: Profile | undefined;
  familyName?: string | undefined;
  givenName?: string | undefined;
  additionalName?: string | undefined;
  patronymicName?: string | undefined;
  honorificPrefix?: string | undefined;
  honorificSuffix?: string | undefined;
  familyNamePrefix?: string | undefined;
  dateOfBirth?: string | undefined;
}

export const profileSchema: z.ZodType<Profile> = z.looseObject({
  id: uri,
  type: typeIncluding(['Profile']),
  name: opt(text),
  url: opt(uri),
  phone: opt(text),
  description: opt(text),
  get endorsement() {
    return opt(arrayOf(anyEndorsementCredentialSchema));
  },
  endorsementJwt: opt(arrayOf(compactJws)),
  image: opt(imageSchema),
  email: opt(text),
  address: opt(addressSchema),
  otherIdentifier: opt(arrayOf(identifierEntrySchema)),
  official: opt(text),
  get parentOrg() {
    return opt(profileSchema);
  },
  familyName: opt(text),
  givenName: opt(text),
  additionalName: opt(text),
  patronymicName: opt(text),
  honorificPrefix: opt(text),
  honorificSuffix: opt(text),
  familyNamePrefix: opt(text),
  dateOfBirth: opt(date),
});

/** `ProfileRef`: the issuer's URI or an embedded Profile. */
export const profileRefSchema: z.ZodType<string | Profile> = select<string | Profile>((v) =>
  typeof v === 'string' ? uri : profileSchema,
);

export const endorsementSubjectSchema = z.looseObject({
  id: uri,
  type: typeIncluding(['EndorsementSubject']),
  endorsementComment: opt(text),
});
export type EndorsementSubject = z.infer<typeof endorsementSubjectSchema>;

function endorsementCredentialShape<V extends VcVersion>(version: V) {
  return {
    '@context': contextSchema(OB_CONTEXTS),
    type: typeIncluding(['VerifiableCredential', 'EndorsementCredential']),
    id: uri,
    name: text,
    description: opt(text),
    credentialSubject: endorsementSubjectSchema,
    awardedDate: opt(dateTimeZ),
    issuer: version === 'v2' ? profileRefSchema : profileSchema,
    ...vcShape(version),
  };
}

export const endorsementCredentialSchema = z.looseObject(endorsementCredentialShape('v2'));
export const endorsementCredentialV1p1Schema = z.looseObject(endorsementCredentialShape('v1.1'));
export type EndorsementCredential = z.infer<typeof endorsementCredentialSchema>;
export type EndorsementCredentialV1p1 = z.infer<typeof endorsementCredentialV1p1Schema>;
/** OB 3.0.3 `AnyEndorsementCredential`: the VC 2.0 form or the VC 1.1 (v1p1) form. */
export type AnyEndorsementCredential = EndorsementCredential | EndorsementCredentialV1p1;

export const anyEndorsementCredentialSchema: z.ZodType<AnyEndorsementCredential> = select<AnyEndorsementCredential>(
  (v) => (vcVersionOf(v) === 'v2' ? endorsementCredentialSchema : endorsementCredentialV1p1Schema),
);

// --- Achievement and its subject

export const achievementSchema = z.looseObject({
  id: uri,
  type: typeIncluding(['Achievement']),
  alignment: opt(arrayOf(alignmentSchema)),
  achievementType: opt(enumExt<AchievementType>(ACHIEVEMENT_TYPES, 'AchievementType')),
  creator: opt(profileSchema),
  creditsAvailable: opt(z.number()),
  criteria: criteriaSchema,
  description: text,
  endorsement: opt(arrayOf(anyEndorsementCredentialSchema)),
  endorsementJwt: opt(arrayOf(compactJws)),
  fieldOfStudy: opt(text),
  humanCode: opt(text),
  image: opt(imageSchema),
  inLanguage: opt(languageCode),
  name: text,
  otherIdentifier: opt(arrayOf(identifierEntrySchema)),
  related: opt(arrayOf(relatedSchema)),
  resultDescription: opt(arrayOf(resultDescriptionSchema)),
  specialization: opt(text),
  tag: opt(arrayOf(text)),
  version: opt(text),
});
export type Achievement = z.infer<typeof achievementSchema>;

const achievementSubjectObject = z.looseObject({
  id: opt(uri),
  type: typeIncluding(['AchievementSubject']),
  activityEndDate: opt(dateOrDateTime),
  activityStartDate: opt(dateOrDateTime),
  creditsEarned: opt(z.number()),
  achievement: achievementSchema,
  identifier: opt(arrayOf(identityObjectSchema)),
  image: opt(imageSchema),
  licenseNumber: opt(text),
  narrative: opt(text),
  result: opt(arrayOf(resultSchema)),
  role: opt(text),
  source: opt(profileSchema),
  term: opt(text),
});
export type AchievementSubject = z.infer<typeof achievementSubjectObject>;
export const achievementSubjectSchema: z.ZodType<AchievementSubject> = withRule(
  achievementSubjectObject,
  subjectIdentified,
);

// --- AchievementCredential (OpenBadgeCredential)

function achievementCredentialShape<V extends VcVersion>(version: V) {
  return {
    '@context': contextSchema(OB_CONTEXTS),
    id: uri,
    type: typeIncluding(['VerifiableCredential']).check((ctx) => {
      const v = ctx.value;
      const list = typeof v === 'string' ? [v] : Array.isArray(v) ? v : [];
      if (!list.includes('AchievementCredential') && !list.includes('OpenBadgeCredential')) {
        report(ctx, 'missing_class', "The type must include 'AchievementCredential' or 'OpenBadgeCredential'.");
      }
    }),
    // "name 0..1" in the VC 2.0 form; AchievementCredentialv1p1 has "name 1".
    name: version === 'v2' ? opt(text) : text,
    description: opt(text),
    image: opt(imageSchema),
    awardedDate: opt(dateTimeZ),
    credentialSubject: achievementSubjectSchema,
    endorsement: opt(arrayOf(anyEndorsementCredentialSchema)),
    endorsementJwt: opt(arrayOf(compactJws)),
    evidence: opt(arrayOf(evidenceSchema)),
    issuer: version === 'v2' ? profileRefSchema : profileSchema,
    ...vcShape(version),
  };
}

export const achievementCredentialSchema = z.looseObject(achievementCredentialShape('v2'));
export const achievementCredentialV1p1Schema = z.looseObject(achievementCredentialShape('v1.1'));
/** An OpenBadgeCredential (alias AchievementCredential) in the VC 2.0 form, as OB 3.0.3 defines it. */
export type AchievementCredential = z.infer<typeof achievementCredentialSchema>;
/** The same credential in the VC 1.1 form (OB 3.0.3 §B "AchievementCredentialv1p1"). */
export type AchievementCredentialV1p1 = z.infer<typeof achievementCredentialV1p1Schema>;
/** OB 3.0.3 `AnyAchievementCredential`. */
export type AnyAchievementCredential = AchievementCredential | AchievementCredentialV1p1;
export type OpenBadgeCredential = AchievementCredential;

export const anyAchievementCredentialSchema: z.ZodType<AnyAchievementCredential> = select<AnyAchievementCredential>(
  (v) => (vcVersionOf(v) === 'v2' ? achievementCredentialSchema : achievementCredentialV1p1Schema),
);

// --- CLR 2.0

export const associationSchema = z.looseObject({
  type: typeIncluding(['Association']),
  associationType: closedEnum(ASSOCIATION_TYPES, 'AssociationType'),
  sourceId: uri,
  targetId: uri,
});
export type Association = z.infer<typeof associationSchema>;

const clrSubjectObject = z.looseObject({
  id: opt(uri),
  type: typeIncluding(['ClrSubject']),
  identifier: opt(arrayOf(identityObjectSchema)),
  achievement: opt(arrayOf(achievementSchema)),
  verifiableCredential: arrayOf(anyAchievementCredentialSchema).min(1),
  association: opt(arrayOf(associationSchema)),
});
export type ClrSubject = z.infer<typeof clrSubjectObject>;
export const clrSubjectSchema: z.ZodType<ClrSubject> = withRule(clrSubjectObject, subjectIdentified);

function clrCredentialShape<V extends VcVersion>(version: V) {
  return {
    '@context': contextSchema(CLR_CONTEXTS),
    type: typeIncluding(['VerifiableCredential', 'ClrCredential']),
    id: uri,
    name: text,
    description: opt(text),
    endorsement: opt(arrayOf(anyEndorsementCredentialSchema)),
    endorsementJwt: opt(arrayOf(compactJws)),
    image: opt(imageSchema),
    partial: opt(z.boolean()),
    awardedDate: opt(dateTimeZ),
    credentialSubject: clrSubjectSchema,
    issuer: version === 'v2' ? profileRefSchema : profileSchema,
    ...vcShape(version),
  };
}

export const clrCredentialSchema = z.looseObject(clrCredentialShape('v2'));
export const clrCredentialV1p1Schema = z.looseObject(clrCredentialShape('v1.1'));
export type ClrCredential = z.infer<typeof clrCredentialSchema>;
export type ClrCredentialV1p1 = z.infer<typeof clrCredentialV1p1Schema>;
export type AnyClrCredential = ClrCredential | ClrCredentialV1p1;

export const anyClrCredentialSchema: z.ZodType<AnyClrCredential> = select<AnyClrCredential>((v) =>
  vcVersionOf(v) === 'v2' ? clrCredentialSchema : clrCredentialV1p1Schema,
);

/**
 * The zod schemas of the model, for callers that validate a part (an Achievement from a form, a Profile from an API)
 * rather than a whole credential. They check and never transform; unknown properties pass through.
 *
 * @example
 * ```ts
 * const parsed = modelSchemas.achievement.safeParse(json);
 * if (parsed.success) use(parsed.data.name);
 * ```
 */
export const modelSchemas = {
  achievementCredential: anyAchievementCredentialSchema,
  endorsementCredential: anyEndorsementCredentialSchema,
  clrCredential: anyClrCredentialSchema,
  achievement: achievementSchema,
  achievementSubject: achievementSubjectSchema,
  profile: profileSchema,
  profileRef: profileRefSchema,
  identityObject: identityObjectSchema,
  identifierEntry: identifierEntrySchema,
  image: imageSchema,
  criteria: criteriaSchema,
  alignment: alignmentSchema,
  result: resultSchema,
  resultDescription: resultDescriptionSchema,
  rubricCriterionLevel: rubricCriterionLevelSchema,
  related: relatedSchema,
  evidence: evidenceSchema,
  address: addressSchema,
  geoCoordinates: geoCoordinatesSchema,
  endorsementSubject: endorsementSubjectSchema,
  clrSubject: clrSubjectSchema,
  association: associationSchema,
  proof: proofSchema,
  credentialSchema: credentialSchemaSchema,
  credentialStatus: credentialStatusSchema,
  refreshService: refreshServiceSchema,
  termsOfUse: termsOfUseSchema,
} as const;
