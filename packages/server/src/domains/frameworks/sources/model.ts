import { createHash } from 'node:crypto';
import type { FrameworkSourceKind } from '../../../db/schema.js';

/**
 * What every framework reader (ESCO CSV, O*NET text files, CASE 1.1 JSON) produces and the importer consumes: one
 * framework's metadata and an ordered stream of records. Readers only parse; the importer checks the graph and writes it.
 */
export interface FrameworkSource {
  readonly kind: FrameworkSourceKind;
  readonly meta: FrameworkMeta;
  /**
   * The records, in this order: every item, then every association, every occupation, every occupation skill, every
   * occupation relation (a reader may have none of a kind). Each carries where it came from, for error messages.
   */
  records(): AsyncIterable<FrameworkRecord>;
  /** SHA-256 (hex) over the source's bytes: an import whose hash equals the stored one changes nothing. */
  contentHash(): Promise<string>;
  /** Bytes of the sources and how many have been read so far: drives a progress bar. */
  readonly size?: { readonly total: number; read(): number };
  /** The counts a person expects for this source (e.g. ESCO: skills, occupations, relations), from what is stored. */
  summarize(counts: FrameworkCounts): Record<string, number>;
  /**
   * Rows the reader left out because the source itself is inconsistent (ESCO v1.1.1 names one occupation it does not
   * define); known once {@link records} has run.
   */
  skipped?(): readonly SkippedRow[];
}

/** A source row the reader left out because it names a concept the source's own files do not define. */
export interface SkippedRow {
  file: string;
  line: number;
  /** The undefined concept's identifier. */
  identifier: string;
  reason: string;
}

export interface FrameworkMeta {
  /** The CASE CFDocument identifier (UUID); for ESCO and O*NET `frameworkIdentifier(uri, version)`. */
  identifier: string;
  uri: string;
  version?: string | undefined;
  title: string;
  creator: string;
  publisher?: string | undefined;
  description?: string | undefined;
  language?: string | undefined;
  licenseUri?: string | undefined;
  attribution?: string | undefined;
  adoptionStatus?: string | undefined;
  /** ISO 8601; defaults to the import time. */
  lastChangeAt?: string | undefined;
  extra?: Record<string, unknown> | undefined;
}

/** Where a record came from: a file and line (CSV, text files) or a JSON path (CASE). */
export interface SourceLocation {
  file: string;
  line?: number | undefined;
  path?: string | undefined;
}

export interface ItemRecord {
  kind: 'item';
  at: SourceLocation;
  identifier: string;
  caseIdentifier: string;
  uri?: string | undefined;
  type: string;
  code?: string | undefined;
  statement: string;
  abbreviatedStatement?: string | undefined;
  altLabels: string[];
  description?: string | undefined;
  language?: string | undefined;
  listEnumeration?: string | undefined;
  extra?: Record<string, unknown> | undefined;
  lastChangeAt?: string | undefined;
}

/** One end of an association: an item of this framework, the framework's document, or a node elsewhere. */
export interface NodeReference {
  /** An item's `identifier`, the document's `identifier`, or (outside this framework) the node's identifier. */
  identifier: string;
  uri?: string | undefined;
  title?: string | undefined;
}

export interface AssociationRecord {
  kind: 'association';
  at: SourceLocation;
  identifier: string;
  caseIdentifier: string;
  /** A CASE association type (`isChildOf`, …) or an extension `ext:…`. */
  type: string;
  origin: NodeReference;
  destination: NodeReference;
  sequenceNumber?: number | undefined;
  extra?: Record<string, unknown> | undefined;
  lastChangeAt?: string | undefined;
}

export interface OccupationRecord {
  kind: 'occupation';
  at: SourceLocation;
  identifier: string;
  occupationKind: 'occupation' | 'group';
  code?: string | undefined;
  title: string;
  altLabels: string[];
  description?: string | undefined;
  uri?: string | undefined;
  jobZone?: number | undefined;
  extra?: Record<string, unknown> | undefined;
}

export interface OccupationSkillRecord {
  kind: 'occupationSkill';
  at: SourceLocation;
  /** The occupation's and the item's `identifier`. */
  occupation: string;
  item: string;
  relation?: 'essential' | 'optional' | undefined;
  importance?: number | undefined;
  level?: number | undefined;
  /** 0–1. */
  weight: number;
  extra?: Record<string, unknown> | undefined;
}

export interface OccupationRelationRecord {
  kind: 'occupationRelation';
  at: SourceLocation;
  occupation: string;
  related: string;
  type: 'broader' | 'related';
  rank?: number | undefined;
  tier?: string | undefined;
}

export type FrameworkRecord =
  ItemRecord | AssociationRecord | OccupationRecord | OccupationSkillRecord | OccupationRelationRecord;

/** What a framework holds once imported, counted in the database. */
export interface FrameworkCounts {
  items: Record<string, number>;
  associations: Record<string, number>;
  occupations: Record<'occupation' | 'group', number>;
  occupationSkills: number;
  occupationRelations: Record<'broader' | 'related', number>;
  /**
   * Occupation skills by the type of their item (O*NET: 'skill' and 'knowledge' ratings, 'technology' examples), the
   * alt labels over all occupations, and the occupations with a job zone: what O*NET's summary counts.
   */
  occupationSkillsByType?: Record<string, number> | undefined;
  occupationAltLabels?: number | undefined;
  occupationsWithJobZone?: number | undefined;
}

export type FrameworkImportErrorCode =
  | 'ERR_IMPORT_FILE_MISSING'
  | 'ERR_IMPORT_ENCODING'
  | 'ERR_IMPORT_CSV'
  | 'ERR_IMPORT_COLUMNS'
  | 'ERR_IMPORT_JSON'
  | 'ERR_IMPORT_SCHEMA'
  | 'ERR_IMPORT_VALUE'
  | 'ERR_IMPORT_DUPLICATE'
  | 'ERR_IMPORT_REFERENCE'
  | 'ERR_IMPORT_CYCLE'
  | 'ERR_IMPORT_ASSOCIATION_TYPE'
  | 'ERR_IMPORT_IN_USE';

/**
 * Why an import was refused, and where: the file and line (or JSON path), and the identifier concerned. Nothing has
 * been written when it is thrown.
 */
export class FrameworkImportError extends Error {
  override readonly name = 'FrameworkImportError';
  constructor(
    readonly code: FrameworkImportErrorCode,
    message: string,
    readonly at?: SourceLocation & { identifier?: string | undefined },
  ) {
    super(message);
  }
  /** The message with its location, as a person reads it: `skills_en.csv line 12: …`. */
  describe(): string {
    const where = this.at && [this.at.file, this.at.line && `line ${this.at.line}`, this.at.path].filter(Boolean);
    return where && where.length > 0 ? `${where.join(' ')}: ${this.message}` : this.message;
  }
}

/** RFC 4122 §4.3 name-based UUID (version 5, SHA-1) in the URL namespace: stable identifiers for CASE. */
export function uuidV5(name: string): string {
  const namespace = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex'); // NameSpace_URL
  const hash = createHash('sha1').update(namespace).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The CASE identifier of a framework that has none of its own (ESCO, O*NET): stable per URI and version. */
export function frameworkIdentifier(uri: string, version: string | undefined): string {
  return uuidV5(`${uri}#${version ?? ''}`);
}

/** The CASE association types of CASE 1.1 (CFAssociationTypeEnum); others must be extensions `ext:…`. */
export const CASE_ASSOCIATION_TYPES = [
  'isChildOf',
  'isPeerOf',
  'isPartOf',
  'exactMatchOf',
  'precedes',
  'isRelatedTo',
  'replacedBy',
  'exemplar',
  'hasSkillLevel',
  'isTranslationOf',
] as const;

export function isAssociationType(type: string): boolean {
  return (CASE_ASSOCIATION_TYPES as readonly string[]).includes(type) || /^ext:[A-Za-z0-9._-]+$/.test(type);
}
