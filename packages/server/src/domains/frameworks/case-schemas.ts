import { z } from '@hono/zod-openapi';

/**
 * CASE 1.1 shapes, as the OpenAPI document shows them and as the exporter builds them. The official CFPackage JSON
 * Schema (data/case-v1p1-cfpackage.json, checked with ajv) is the authority on what a valid package is; these mirror
 * it for documentation and types, field for field.
 */

const Extensions = z.record(z.string(), z.unknown()).openapi({ description: 'Proprietary extensions.' });
const DateTime = z.string().openapi({ format: 'date-time' });
const DateOnly = z.string().openapi({ format: 'date' });

/** A link to a CASE object: its title, UUID and URI. */
export const LinkURI = z
  .object({ title: z.string(), identifier: z.string().openapi({ format: 'uuid' }), uri: z.string() })
  .openapi('CASELinkURI');
export type LinkURI = z.infer<typeof LinkURI>;

/** A link to an association's end: any identifier (not only a UUID), and what kind of target it is. */
export const LinkGenURI = z
  .object({
    title: z.string(),
    identifier: z.string(),
    uri: z.string(),
    targetType: z.string().optional().openapi({ description: "'CASE' or an extension 'ext:…'." }),
  })
  .openapi('CASELinkGenURI');
export type LinkGenURI = z.infer<typeof LinkGenURI>;

const documentFields = {
  identifier: z.string().openapi({ format: 'uuid' }),
  uri: z.string(),
  frameworkType: z.string().optional(),
  caseVersion: z.literal('1.1').optional(),
  creator: z.string(),
  title: z.string(),
  lastChangeDateTime: DateTime,
  officialSourceURL: z.string().optional(),
  publisher: z.string().optional(),
  description: z.string().optional(),
  subject: z.array(z.string()).optional(),
  subjectURI: z.array(LinkURI).optional(),
  language: z.string().optional(),
  version: z.string().optional(),
  adoptionStatus: z.string().optional(),
  statusStartDate: DateOnly.optional(),
  statusEndDate: DateOnly.optional(),
  licenseURI: LinkURI.optional(),
  notes: z.string().optional(),
  extensions: Extensions.optional(),
};

/** The CFDocument of a CFPackage (CFPckgDocument). */
export const CFPackageDocument = z.object(documentFields).openapi('CFPckgDocument');
export type CFPackageDocument = z.infer<typeof CFPackageDocument>;

/** A CFDocument served on its own: with the link to its package. */
export const CFDocument = z.object({ ...documentFields, CFPackageURI: LinkURI }).openapi('CFDocument');
export type CFDocument = z.infer<typeof CFDocument>;

const itemFields = {
  identifier: z.string().openapi({ format: 'uuid' }),
  fullStatement: z.string(),
  alternativeLabel: z.string().optional(),
  CFItemType: z.string().optional(),
  uri: z.string(),
  humanCodingScheme: z.string().optional(),
  listEnumeration: z.string().optional(),
  abbreviatedStatement: z.string().optional(),
  conceptKeywords: z.array(z.string()).optional(),
  conceptKeywordsURI: LinkURI.optional(),
  notes: z.string().optional(),
  subject: z.array(z.string()).optional(),
  subjectURI: z.array(LinkURI).optional(),
  language: z.string().optional(),
  educationLevel: z.array(z.string()).optional(),
  CFItemTypeURI: LinkURI.optional(),
  licenseURI: LinkURI.optional(),
  statusStartDate: DateOnly.optional(),
  statusEndDate: DateOnly.optional(),
  lastChangeDateTime: DateTime,
  extensions: Extensions.optional(),
};

/** A CFItem of a CFPackage (CFPckgItem). */
export const CFPackageItem = z.object(itemFields).openapi('CFPckgItem');
export type CFPackageItem = z.infer<typeof CFPackageItem>;

/** A CFItem served on its own: with the link to its document. */
export const CFItem = z.object({ ...itemFields, CFDocumentURI: LinkURI }).openapi('CFItem');
export type CFItem = z.infer<typeof CFItem>;

const associationFields = {
  identifier: z.string().openapi({ format: 'uuid' }),
  associationType: z.string().openapi({ description: 'A CASE association type, or an extension `ext:…`.' }),
  sequenceNumber: z.number().int().optional(),
  uri: z.string(),
  originNodeURI: LinkGenURI,
  destinationNodeURI: LinkGenURI,
  CFAssociationGroupingURI: LinkURI.optional(),
  lastChangeDateTime: DateTime,
  notes: z.string().optional(),
  extensions: Extensions.optional(),
};

/** A CFAssociation of a CFPackage (CFPckgAssociation). */
export const CFPackageAssociation = z.object(associationFields).openapi('CFPckgAssociation');
export type CFPackageAssociation = z.infer<typeof CFPackageAssociation>;

/** A CFAssociation served on its own: with the link to its document. */
export const CFAssociation = z.object({ ...associationFields, CFDocumentURI: LinkURI }).openapi('CFAssociation');
export type CFAssociation = z.infer<typeof CFAssociation>;

/** A whole framework: its document, items and associations (and definitions and rubrics, when it has them). */
export const CFPackage = z
  .object({
    CFDocument: CFPackageDocument,
    CFItems: z.array(CFPackageItem).optional(),
    CFAssociations: z.array(CFPackageAssociation).optional(),
    CFDefinitions: z.record(z.string(), z.unknown()).optional().openapi({
      description: 'CFConcepts, CFSubjects, CFLicenses, CFItemTypes, CFAssociationGroupings.',
    }),
    CFRubrics: z.array(z.record(z.string(), z.unknown())).optional(),
    extensions: Extensions.optional(),
  })
  .openapi('CFPackage');
export type CFPackage = z.infer<typeof CFPackage>;

/** CASE's error answer (imsx_StatusInfo). */
export const ImsxStatusInfo = z
  .object({
    imsx_codeMajor: z.enum(['success', 'processing', 'failure', 'unsupported']),
    imsx_severity: z.enum(['status', 'warning', 'error']),
    imsx_description: z.string().optional(),
    imsx_CodeMinor: z
      .object({
        imsx_codeMinorField: z.array(
          z.object({ imsx_codeMinorFieldName: z.string(), imsx_codeMinorFieldValue: z.string() }),
        ),
      })
      .optional(),
  })
  .openapi('imsx_StatusInfo');
export type ImsxStatusInfo = z.infer<typeof ImsxStatusInfo>;
