/**
 * A hand-written fast path for `anyAchievementCredentialSchema` (schemas.ts): the same checks, class by class, as plain
 * predicates over the input, with no zod run and no allocation of its own (the date and enumeration predicates it
 * shares with primitives.ts are the only code it calls).
 *
 * The contract is one-sided. `true` means the zod schema accepts the value; `false` means "not decided here", and
 * validateCredential then runs zod, which accepts or names the issues. So every check below is the schema's check or a
 * stricter one, never a looser one. Where this file is stricter than zod, a comment says so; those are inputs no
 * conformant issuer produces (holes in arrays, endorsements nested more than {@link MAX_NESTING} deep).
 *
 * Soundness assumes that reading a property gives the same value each time (any JSON.parse or structuredClone result,
 * any object literal); an exotic input (a getter that throws, a Proxy) that throws here gets `false`.
 */
import {
  isAbsoluteUri,
  isCompactJws,
  isDate,
  isDateOrDateTime,
  isDateTime,
  isEnumExtValue,
  isLanguageCode,
} from './primitives.js';
import { isIdentityHash, vcVersionOf, type VcVersion } from './schemas.js';
import {
  ACHIEVEMENT_TYPES,
  ALIGNMENT_TARGET_TYPES,
  IDENTIFIER_TYPES,
  OB_CONTEXT_PATTERN,
  RESULT_STATUS_TYPES,
  RESULT_TYPES,
  VC_V1_CONTEXT,
  VC_V2_CONTEXT,
} from './vocabulary.js';

type Json = Record<string, unknown>;

/**
 * A class or value check. `depth` counts the Profiles and EndorsementCredentials above the value: they refer to each
 * other (Profile.endorsement, EndorsementCredential.issuer, Profile.parentOrg), so only they pass it on.
 */
type Check = (value: unknown, depth: number) => boolean;

/**
 * Profiles and endorsements nested deeper than this are left to zod (stricter than zod, which has no such bound):
 * it keeps this recursion far from the stack limit whatever `maxDepth` the caller allows.
 */
const MAX_NESTING = 16;

const ACHIEVEMENT_TYPE_SET: ReadonlySet<string> = new Set(ACHIEVEMENT_TYPES);
const ALIGNMENT_TARGET_TYPE_SET: ReadonlySet<string> = new Set(ALIGNMENT_TARGET_TYPES);
const IDENTIFIER_TYPE_SET: ReadonlySet<string> = new Set(IDENTIFIER_TYPES);
const RESULT_TYPE_SET: ReadonlySet<string> = new Set(RESULT_TYPES);
const RESULT_STATUS_TYPE_SET: ReadonlySet<string> = new Set(RESULT_STATUS_TYPES);

// The properties of the classes the OB JSON Schema closes (`z.strictObject` in schemas.ts).
const IMAGE_KEYS: ReadonlySet<string> = new Set(['id', 'type', 'caption']);
const IDENTITY_OBJECT_KEYS: ReadonlySet<string> = new Set(['type', 'hashed', 'identityHash', 'identityType', 'salt']);
const IDENTIFIER_ENTRY_KEYS: ReadonlySet<string> = new Set(['type', 'identifier', 'identifierType']);

// --- primitives (primitives.ts)

/** What zod's object schemas take: a non-null object that is not an array. */
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
/** `text`: a JSON string. */
const isText = (v: unknown): v is string => typeof v === 'string';
/** `z.number()`: zod 4 refuses NaN and ±Infinity. */
const isNumber = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
/** `uri`. */
const isUri = (v: unknown): boolean => typeof v === 'string' && isAbsoluteUri(v);
/** `dateTimeZ`. */
const isDateTimeZ = (v: unknown): boolean => typeof v === 'string' && isDateTime(v, true);
/** `dateTime`. */
const isDateTimeNoZone = (v: unknown): boolean => typeof v === 'string' && isDateTime(v, false);
/** `date`. */
const isDateValue = (v: unknown): boolean => typeof v === 'string' && isDate(v);
/** `dateOrDateTime`. */
const isDateOrDateTimeValue = (v: unknown): boolean => typeof v === 'string' && isDateOrDateTime(v);
/** `languageCode`. */
const isLanguageCodeValue = (v: unknown): boolean => typeof v === 'string' && isLanguageCode(v);
/** `compactJws`. */
const isCompactJwsValue = (v: unknown): boolean => typeof v === 'string' && isCompactJws(v);

/** `opt(schema)`: absent (or `undefined`), or a valid value. */
function optional(v: unknown, check: Check, depth = 0): boolean {
  return v === undefined || check(v, depth);
}

/**
 * `arrayOf(schema)`: a JSON array of valid items. Every index is read, so a hole is refused (stricter than nothing:
 * zod reads a hole as `undefined`, which no item schema accepts either).
 */
function isArrayOf(v: unknown, check: Check, depth = 0): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (!check(v[i], depth)) return false;
  return true;
}

/** `opt(arrayOf(schema))`. */
function optionalArrayOf(v: unknown, check: Check, depth = 0): boolean {
  return v === undefined || isArrayOf(v, check, depth);
}

/** `opt(oneOrMany(schema))`: absent, one valid value, or an array of them. */
function optionalOneOrMany(v: unknown, check: Check): boolean {
  return v === undefined || (Array.isArray(v) ? isArrayOf(v, check) : check(v, 0));
}

/** `enumExt(values)`: a listed term or an `ext:` term. */
const isEnumExt = (v: unknown, known: ReadonlySet<string>): boolean =>
  typeof v === 'string' && isEnumExtValue(known, v);

/** Whether every own and inherited enumerable key is in `allowed` (zod's strict objects look with `for…in` too). */
function hasOnlyKeys(o: Json, allowed: ReadonlySet<string>): boolean {
  for (const key in o) if (!allowed.has(key)) return false;
  return true;
}

/**
 * The array form of `typeIncluding`: a non-empty array of strings. Holes are refused (zod's `some` skips them:
 * stricter).
 */
function isStringArray(v: unknown[]): boolean {
  if (v.length === 0) return false;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') return false;
  return true;
}

/** `typeIncluding([cls])`: `cls` itself, or a non-empty array of strings that includes it. */
function typeIncludes(v: unknown, cls: string): boolean {
  if (typeof v === 'string') return v === cls;
  return Array.isArray(v) && isStringArray(v) && v.includes(cls);
}

// --- leaf classes

/** `imageSchema` (closed). */
function isImage(v: unknown): boolean {
  return isObject(v) && hasOnlyKeys(v, IMAGE_KEYS) && isUri(v.id) && v.type === 'Image' && optional(v.caption, isText);
}

/** `identityObjectSchema` (closed), with its rule: a hashed identityHash is `sha256$…` or `md5$…` in hex. */
function isIdentityObject(v: unknown): boolean {
  return (
    isObject(v) &&
    hasOnlyKeys(v, IDENTITY_OBJECT_KEYS) &&
    v.type === 'IdentityObject' &&
    typeof v.hashed === 'boolean' &&
    isText(v.identityHash) &&
    (v.hashed === false || isIdentityHash(v.identityHash)) &&
    isEnumExt(v.identityType, IDENTIFIER_TYPE_SET) &&
    optional(v.salt, isText)
  );
}

/** `identifierEntrySchema` (closed). */
function isIdentifierEntry(v: unknown): boolean {
  return (
    isObject(v) &&
    hasOnlyKeys(v, IDENTIFIER_ENTRY_KEYS) &&
    v.type === 'IdentifierEntry' &&
    isText(v.identifier) &&
    isEnumExt(v.identifierType, IDENTIFIER_TYPE_SET)
  );
}

/** `geoCoordinatesSchema`. */
function isGeoCoordinates(v: unknown): boolean {
  return isObject(v) && v.type === 'GeoCoordinates' && isNumber(v.latitude) && isNumber(v.longitude);
}

/** `addressSchema`. */
function isAddress(v: unknown): boolean {
  return (
    isObject(v) &&
    typeIncludes(v.type, 'Address') &&
    optional(v.addressCountry, isText) &&
    optional(v.addressCountryCode, isText) &&
    optional(v.addressRegion, isText) &&
    optional(v.addressLocality, isText) &&
    optional(v.streetAddress, isText) &&
    optional(v.postOfficeBoxNumber, isText) &&
    optional(v.postalCode, isText) &&
    optional(v.geo, isGeoCoordinates)
  );
}

/** `criteriaSchema`. */
function isCriteria(v: unknown): boolean {
  return isObject(v) && optional(v.id, isUri) && optional(v.narrative, isText);
}

/** `alignmentSchema`. */
function isAlignment(v: unknown): boolean {
  return (
    isObject(v) &&
    typeIncludes(v.type, 'Alignment') &&
    optional(v.targetCode, isText) &&
    optional(v.targetDescription, isText) &&
    isText(v.targetName) &&
    optional(v.targetFramework, isText) &&
    (v.targetType === undefined || isEnumExt(v.targetType, ALIGNMENT_TARGET_TYPE_SET)) &&
    isUri(v.targetUrl)
  );
}

/** `rubricCriterionLevelSchema`. */
function isRubricCriterionLevel(v: unknown): boolean {
  return (
    isObject(v) &&
    isUri(v.id) &&
    typeIncludes(v.type, 'RubricCriterionLevel') &&
    optionalArrayOf(v.alignment, isAlignment) &&
    optional(v.description, isText) &&
    optional(v.level, isText) &&
    isText(v.name) &&
    optional(v.points, isText)
  );
}

/** `resultDescriptionSchema`. */
function isResultDescription(v: unknown): boolean {
  return (
    isObject(v) &&
    isUri(v.id) &&
    typeIncludes(v.type, 'ResultDescription') &&
    optionalArrayOf(v.alignment, isAlignment) &&
    optionalArrayOf(v.allowedValue, isText) &&
    isText(v.name) &&
    optional(v.requiredLevel, isUri) &&
    optional(v.requiredValue, isText) &&
    isEnumExt(v.resultType, RESULT_TYPE_SET) &&
    optionalArrayOf(v.rubricCriterionLevel, isRubricCriterionLevel) &&
    optional(v.valueMax, isText) &&
    optional(v.valueMin, isText)
  );
}

/** `resultSchema`. */
function isResult(v: unknown): boolean {
  return (
    isObject(v) &&
    typeIncludes(v.type, 'Result') &&
    optional(v.achievedLevel, isUri) &&
    optionalArrayOf(v.alignment, isAlignment) &&
    optional(v.resultDescription, isUri) &&
    (v.status === undefined || (typeof v.status === 'string' && RESULT_STATUS_TYPE_SET.has(v.status))) &&
    optional(v.value, isText)
  );
}

/** `relatedSchema`. */
function isRelated(v: unknown): boolean {
  return (
    isObject(v) &&
    isUri(v.id) &&
    typeIncludes(v.type, 'Related') &&
    optional(v.inLanguage, isLanguageCodeValue) &&
    optional(v.version, isText)
  );
}

/** `evidenceSchema`. */
function isEvidence(v: unknown): boolean {
  return (
    isObject(v) &&
    optional(v.id, isUri) &&
    typeIncludes(v.type, 'Evidence') &&
    optional(v.narrative, isText) &&
    optional(v.name, isText) &&
    optional(v.description, isText) &&
    optional(v.genre, isText) &&
    optional(v.audience, isText)
  );
}

// --- VC 2.0 building blocks

/** `proofSchema`. */
function isProof(v: unknown): boolean {
  return (
    isObject(v) &&
    isText(v.type) &&
    optional(v.created, isDateTimeNoZone) &&
    optional(v.cryptosuite, isText) &&
    optional(v.challenge, isText) &&
    optional(v.domain, isText) &&
    optional(v.nonce, isText) &&
    optional(v.proofPurpose, isText) &&
    optional(v.proofValue, isText) &&
    optional(v.verificationMethod, isUri)
  );
}

/** `credentialSchemaSchema`, `credentialStatusSchema`, `refreshServiceSchema`: `{ id: uri, type: text }`. */
function isIdAndType(v: unknown): boolean {
  return isObject(v) && isUri(v.id) && isText(v.type);
}

/** `termsOfUseSchema`. */
function isTermsOfUse(v: unknown): boolean {
  return isObject(v) && optional(v.id, isUri) && isText(v.type);
}

/**
 * `contextSchema(OB_CONTEXTS)`: an array whose first item is the VC 2.0 (or 1.1) context, whose second is an OB 3.0
 * context, and whose items are absolute URIs or objects. Holes are refused (zod's `forEach` skips them: stricter).
 */
function isObContext(v: unknown): boolean {
  if (!Array.isArray(v) || v.length < 2) return false;
  if (v[0] !== VC_V2_CONTEXT && v[0] !== VC_V1_CONTEXT) return false;
  const second: unknown = v[1];
  if (typeof second !== 'string' || !OB_CONTEXT_PATTERN.test(second)) return false;
  for (let i = 0; i < v.length; i++) {
    const entry: unknown = v[i];
    if (typeof entry === 'string' ? !isAbsoluteUri(entry) : !isObject(entry)) return false;
  }
  return true;
}

/** `validityShape(version)` and the rest of `vcShape(version)`. */
function hasVcProperties(c: Json, version: VcVersion): boolean {
  const validity =
    version === 'v2'
      ? isDateTimeZ(c.validFrom) && optional(c.validUntil, isDateTimeZ)
      : isDateTimeZ(c.issuanceDate) && optional(c.expirationDate, isDateTimeZ);
  return (
    validity &&
    optionalOneOrMany(c.proof, isProof) &&
    optionalOneOrMany(c.credentialSchema, isIdAndType) &&
    optional(c.credentialStatus, isIdAndType) &&
    optional(c.refreshService, isIdAndType) &&
    optionalOneOrMany(c.termsOfUse, isTermsOfUse)
  );
}

// --- Profile and EndorsementCredential (they refer to each other)

/** `profileSchema`. */
function isProfile(v: unknown, depth: number): boolean {
  if (depth >= MAX_NESTING || !isObject(v)) return false;
  const inner = depth + 1;
  return (
    isUri(v.id) &&
    typeIncludes(v.type, 'Profile') &&
    optional(v.name, isText) &&
    optional(v.url, isUri) &&
    optional(v.phone, isText) &&
    optional(v.description, isText) &&
    optionalArrayOf(v.endorsement, isAnyEndorsementCredential, inner) &&
    optionalArrayOf(v.endorsementJwt, isCompactJwsValue) &&
    optional(v.image, isImage) &&
    optional(v.email, isText) &&
    optional(v.address, isAddress) &&
    optionalArrayOf(v.otherIdentifier, isIdentifierEntry) &&
    optional(v.official, isText) &&
    optional(v.parentOrg, isProfile, inner) &&
    optional(v.familyName, isText) &&
    optional(v.givenName, isText) &&
    optional(v.additionalName, isText) &&
    optional(v.patronymicName, isText) &&
    optional(v.honorificPrefix, isText) &&
    optional(v.honorificSuffix, isText) &&
    optional(v.familyNamePrefix, isText) &&
    optional(v.dateOfBirth, isDateValue)
  );
}

/** `profileRefSchema` (VC 2.0 `issuer`): a URI or a Profile. */
function isProfileRef(v: unknown, depth: number): boolean {
  return typeof v === 'string' ? isAbsoluteUri(v) : isProfile(v, depth);
}

/** `endorsementSubjectSchema`. */
function isEndorsementSubject(v: unknown): boolean {
  return (
    isObject(v) && isUri(v.id) && typeIncludes(v.type, 'EndorsementSubject') && optional(v.endorsementComment, isText)
  );
}

/** `anyEndorsementCredentialSchema`: `endorsementCredentialShape` of the version its `@context` names. */
function isAnyEndorsementCredential(v: unknown, depth: number): boolean {
  if (depth >= MAX_NESTING || !isObject(v)) return false;
  const version = vcVersionOf(v);
  const inner = depth + 1;
  return (
    isObContext(v['@context']) &&
    typeIncludes(v.type, 'VerifiableCredential') &&
    typeIncludes(v.type, 'EndorsementCredential') &&
    isUri(v.id) &&
    isText(v.name) &&
    optional(v.description, isText) &&
    isEndorsementSubject(v.credentialSubject) &&
    optional(v.awardedDate, isDateTimeZ) &&
    (version === 'v2' ? isProfileRef(v.issuer, inner) : isProfile(v.issuer, inner)) &&
    hasVcProperties(v, version)
  );
}

// --- Achievement and its subject

/** `achievementSchema`. */
function isAchievement(v: unknown, depth: number): boolean {
  return (
    isObject(v) &&
    isUri(v.id) &&
    typeIncludes(v.type, 'Achievement') &&
    optionalArrayOf(v.alignment, isAlignment) &&
    (v.achievementType === undefined || isEnumExt(v.achievementType, ACHIEVEMENT_TYPE_SET)) &&
    optional(v.creator, isProfile, depth) &&
    optional(v.creditsAvailable, isNumber) &&
    isCriteria(v.criteria) &&
    isText(v.description) &&
    optionalArrayOf(v.endorsement, isAnyEndorsementCredential, depth) &&
    optionalArrayOf(v.endorsementJwt, isCompactJwsValue) &&
    optional(v.fieldOfStudy, isText) &&
    optional(v.humanCode, isText) &&
    optional(v.image, isImage) &&
    optional(v.inLanguage, isLanguageCodeValue) &&
    isText(v.name) &&
    optionalArrayOf(v.otherIdentifier, isIdentifierEntry) &&
    optionalArrayOf(v.related, isRelated) &&
    optionalArrayOf(v.resultDescription, isResultDescription) &&
    optional(v.specialization, isText) &&
    optionalArrayOf(v.tag, isText) &&
    optional(v.version, isText)
  );
}

/** `achievementSubjectSchema`, with its rule: an `id` or at least one `identifier`. */
function isAchievementSubject(v: unknown, depth: number): boolean {
  return (
    isObject(v) &&
    (v.id !== undefined || (Array.isArray(v.identifier) && v.identifier.length > 0)) &&
    optional(v.id, isUri) &&
    typeIncludes(v.type, 'AchievementSubject') &&
    optional(v.activityEndDate, isDateOrDateTimeValue) &&
    optional(v.activityStartDate, isDateOrDateTimeValue) &&
    optional(v.creditsEarned, isNumber) &&
    isAchievement(v.achievement, depth) &&
    optionalArrayOf(v.identifier, isIdentityObject) &&
    optional(v.image, isImage) &&
    optional(v.licenseNumber, isText) &&
    optional(v.narrative, isText) &&
    optionalArrayOf(v.result, isResult) &&
    optional(v.role, isText) &&
    optional(v.source, isProfile, depth) &&
    optional(v.term, isText)
  );
}

// --- AchievementCredential (OpenBadgeCredential)

/** The credential's `type`: includes 'VerifiableCredential', and 'AchievementCredential' or 'OpenBadgeCredential'. */
function isAchievementCredentialType(v: unknown): boolean {
  return (
    typeIncludes(v, 'VerifiableCredential') &&
    (typeIncludes(v, 'AchievementCredential') || typeIncludes(v, 'OpenBadgeCredential'))
  );
}

/** `achievementCredentialShape(version)`. */
function isAchievementCredential(c: Json, version: VcVersion): boolean {
  return (
    isObContext(c['@context']) &&
    isUri(c.id) &&
    isAchievementCredentialType(c.type) &&
    // "name 0..1" in the VC 2.0 form; AchievementCredentialv1p1 has "name 1".
    (version === 'v2' ? optional(c.name, isText) : isText(c.name)) &&
    optional(c.description, isText) &&
    optional(c.image, isImage) &&
    optional(c.awardedDate, isDateTimeZ) &&
    isAchievementSubject(c.credentialSubject, 0) &&
    optionalArrayOf(c.endorsement, isAnyEndorsementCredential, 0) &&
    optionalArrayOf(c.endorsementJwt, isCompactJwsValue) &&
    optionalArrayOf(c.evidence, isEvidence) &&
    (version === 'v2' ? isProfileRef(c.issuer, 0) : isProfile(c.issuer, 0)) &&
    hasVcProperties(c, version)
  );
}

/**
 * Whether `json` is certainly a valid OpenBadgeCredential (alias AchievementCredential), VC 2.0 or VC 1.1 form, by the
 * rules of `anyAchievementCredentialSchema`, decided without zod. `true` is a guarantee that the schema accepts it;
 * `false` only means "not decided here": the schema must run to accept the value or to name its issues. It never
 * throws.
 *
 * @example
 * ```ts
 * if (isPlainlyValidAchievementCredential(json)) return { valid: true, ... };
 * const result = anyAchievementCredentialSchema.safeParse(json); // the issues, or a rare form accepted
 * ```
 */
export function isPlainlyValidAchievementCredential(json: unknown): boolean {
  try {
    return isObject(json) && isAchievementCredential(json, vcVersionOf(json));
  } catch {
    // A getter or Proxy trap that throws: zod reads the same value and reports it.
    return false;
  }
}
