/**
 * Context URLs and enumerated vocabularies of Open Badges 3.0 (1EdTech, Data Model §B "Data Models", the
 * `common_credentials.lines` model the spec and its JSON Schemas are generated from) and CLR 2.0.
 */

export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
export const VC_V1_CONTEXT = 'https://www.w3.org/2018/credentials/v1';
export const OB_V3_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
export const CLR_V2_CONTEXT = 'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json';

/** OB 3.0 `AchievementCredential.@context` constraint: `items [VC, /^https:\/\/purl\.imsglobal\.org\/spec\/ob\/v3p0\/context(-3\.\d\.\d)*\.json$/]`. */
export const OB_CONTEXT_PATTERN = /^https:\/\/purl\.imsglobal\.org\/spec\/ob\/v3p0\/context(-3\.\d\.\d)*\.json$/;
/** CLR 2.0 context, versioned the same way (1EdTech validator: `clr/v2p0/context(-\d+\.\d+\.\d+)*\.json`). */
export const CLR_CONTEXT_PATTERN = /^https:\/\/purl\.imsglobal\.org\/spec\/clr\/v2p0\/context(-2\.\d\.\d)*\.json$/;

/** Extension values of an EnumExt vocabulary ("Extending the vocabulary makes use of a naming convention": `ext:`). */
export const EXTENSION_TERM_PATTERN = /^ext:[A-Za-z0-9._-]+$/;

/** OB 3.0 `AchievementType` (EnumExt). */
export const ACHIEVEMENT_TYPES = [
  'Achievement',
  'ApprenticeshipCertificate',
  'Assessment',
  'Assignment',
  'AssociateDegree',
  'Award',
  'Badge',
  'BachelorDegree',
  'Certificate',
  'CertificateOfCompletion',
  'Certification',
  'CommunityService',
  'Competency',
  'Course',
  'CoCurricular',
  'Degree',
  'Diploma',
  'DoctoralDegree',
  'Fieldwork',
  'GeneralEducationDevelopment',
  'JourneymanCertificate',
  'LearningProgram',
  'License',
  'Membership',
  'ProfessionalDoctorate',
  'QualityAssuranceCredential',
  'MasterCertificate',
  'MasterDegree',
  'MicroCredential',
  'ResearchDoctorate',
  'SecondarySchoolDiploma',
] as const;

/** OB 3.0 `AlignmentTargetType` (EnumExt). */
export const ALIGNMENT_TARGET_TYPES = [
  'ceasn:Competency',
  'ceterms:Credential',
  'CFItem',
  'CFRubric',
  'CFRubricCriterion',
  'CFRubricCriterionLevel',
  'CTDL',
] as const;

/** OB 3.0 `ResultType` (EnumExt). */
export const RESULT_TYPES = [
  'GradePointAverage',
  'LetterGrade',
  'Percent',
  'PerformanceLevel',
  'PredictedScore',
  'RawScore',
  'Result',
  'RubricCriterion',
  'RubricCriterionLevel',
  'RubricScore',
  'ScaledScore',
  'Status',
] as const;

/** OB 3.0 `ResultStatusType` (a closed Enumeration: no `ext:` values). */
export const RESULT_STATUS_TYPES = [
  'Completed',
  'Enrolled',
  'Failed',
  'InProgress',
  'OnHold',
  'Provisional',
  'Withdrew',
] as const;

/** `IdentifierTypeEnum` (EnumExt, from the 1EdTech Common Data Model), used by IdentityObject and IdentifierEntry. */
export const IDENTIFIER_TYPES = [
  'name',
  'sourcedId',
  'systemId',
  'productId',
  'userName',
  'accountId',
  'emailAddress',
  'nationalIdentityNumber',
  'isbn',
  'issn',
  'lisSourcedId',
  'oneRosterSourcedId',
  'sisSourcedId',
  'ltiContextId',
  'ltiDeploymentId',
  'ltiToolId',
  'ltiPlatformId',
  'ltiUserId',
  'identifier',
] as const;

/** CLR 2.0 `AssociationType` (a closed Enumeration). */
export const ASSOCIATION_TYPES = [
  'exactMatchOf',
  'isChildOf',
  'isParentOf',
  'isPartOf',
  'isPeerOf',
  'isRelatedTo',
  'precedes',
  'replacedBy',
] as const;

export type AchievementType = (typeof ACHIEVEMENT_TYPES)[number] | `ext:${string}`;
export type AlignmentTargetType = (typeof ALIGNMENT_TARGET_TYPES)[number] | `ext:${string}`;
export type ResultType = (typeof RESULT_TYPES)[number] | `ext:${string}`;
export type ResultStatusType = (typeof RESULT_STATUS_TYPES)[number];
export type IdentifierType = (typeof IDENTIFIER_TYPES)[number] | `ext:${string}`;
export type AssociationType = (typeof ASSOCIATION_TYPES)[number];
