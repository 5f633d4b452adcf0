import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, FrameworksTable } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type {
  CFAssociation,
  CFDocument,
  CFItem,
  CFPackage,
  CFPackageAssociation,
  CFPackageDocument,
  CFPackageItem,
  LinkGenURI,
  LinkURI,
} from './case-schemas.js';
import { frameworkItemUrl } from './skill-references.js';
import { uuidV5 } from './sources/model.js';

/** The CASE 1.1 REST API's root on this server. */
export const CASE_BASE_PATH = '/ims/case/v1p1';

/** Rows read per query while exporting: bounded memory for ESCO-sized frameworks (14k items, 26k associations). */
const PAGE = 5000;

type FrameworkRow = Selectable<FrameworksTable>;
/** The item columns a CFItem is made of (timestamps as Dates, or as ISO 8601 text from JSON). */
export interface ItemExportRow {
  identifier: string;
  caseIdentifier: string;
  uri: string | null;
  type: string;
  code: string | null;
  statement: string;
  abbreviatedStatement: string | null;
  altLabels: string[];
  description: string | null;
  language: string | null;
  listEnumeration: string | null;
  extra: Record<string, unknown>;
  lastChangeAt: Date | string | null;
  updatedAt: Date | string;
}

/** An association with what its ends need to become LinkGenURIs: the items' CASE identifiers, URIs and statements. */
export interface AssociationExportRow {
  id: string;
  frameworkId: string;
  identifier: string;
  caseIdentifier: string;
  type: string;
  originIdentifier: string;
  originUri: string | null;
  originTitle: string | null;
  destinationIdentifier: string;
  destinationUri: string | null;
  destinationTitle: string | null;
  sequenceNumber: number | null;
  extra: Record<string, unknown>;
  lastChangeAt: Date | string | null;
  updatedAt: Date | string;
  originCase: string | null;
  originItemUri: string | null;
  originStatement: string | null;
  destinationCase: string | null;
  destinationItemUri: string | null;
  destinationStatement: string | null;
}

// --- what `extra` may carry back into CASE: only well-formed values, so that any framework exports valid CASE ----

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isString = (v: unknown): v is string => typeof v === 'string';
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isLinkUri = (v: unknown): v is LinkURI =>
  isObject(v) &&
  Object.keys(v).every((k) => k === 'title' || k === 'identifier' || k === 'uri') &&
  isString(v['title']) &&
  isString(v['uri']) &&
  isString(v['identifier']) &&
  UUID.test(v['identifier']);
const isLinkUris = (v: unknown): v is LinkURI[] => Array.isArray(v) && v.every(isLinkUri);
/** RFC 3339 full-date, a real day (the schema's `date` format). */
const isDate = (v: unknown): v is string => {
  if (!isString(v) || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(v);
};
const isTargetType = (v: unknown): v is string => v === 'CASE' || (isString(v) && /ext:[A-Za-z0-9|._-]+/.test(v));

type Check = (v: unknown) => boolean;
const DOCUMENT_EXTRA: Record<string, Check> = {
  frameworkType: isString,
  officialSourceURL: isString,
  subject: isStrings,
  subjectURI: isLinkUris,
  statusStartDate: isDate,
  statusEndDate: isDate,
  notes: isString,
};
const ITEM_EXTRA: Record<string, Check> = {
  educationLevel: isStrings,
  conceptKeywords: isStrings,
  conceptKeywordsURI: isLinkUri,
  notes: isString,
  subject: isStrings,
  subjectURI: isLinkUris,
  CFItemTypeURI: isLinkUri,
  licenseURI: isLinkUri,
  statusStartDate: isDate,
  statusEndDate: isDate,
};
const ASSOCIATION_EXTRA: Record<string, Check> = { CFAssociationGroupingURI: isLinkUri, notes: isString };
/** Keys of `extra` the exporter reads for its own purposes: never repeated in `extensions`. */
const DOCUMENT_OWN = new Set([
  'caseVersion',
  'licenseURI',
  'extensions',
  'CFDefinitions',
  'CFRubrics',
  'packageExtensions',
]);
const ASSOCIATION_OWN = new Set(['uri', 'originTargetType', 'destinationTargetType', 'extensions']);

/**
 * Splits `extra` into the CASE fields it may carry (well-formed ones only) and everything else, which goes to
 * `extensions` next to the stored `extensions` (ESCO's skill type and reuse level, for instance).
 */
function splitExtra(
  extra: Record<string, unknown>,
  fields: Record<string, Check>,
  own: ReadonlySet<string>,
  added: Record<string, unknown> = {},
): { fields: Record<string, unknown>; extensions?: Record<string, unknown> } {
  const out: Record<string, unknown> = {};
  const extensions: Record<string, unknown> = isObject(extra['extensions']) ? { ...extra['extensions'] } : {};
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined || value === null || own.has(key)) continue;
    if (fields[key]?.(value)) out[key] = value;
    else extensions[key] = value;
  }
  for (const [key, value] of Object.entries(added)) if (value !== undefined) extensions[key] = value;
  return { fields: out, ...(Object.keys(extensions).length > 0 && { extensions }) };
}

const iso = (d: Date | string | null | undefined, fallback: Date | string): string =>
  new Date(d ?? fallback).toISOString();

/**
 * Only the defined members, in the given order. Copies rather than deleting: objects that lose properties turn into
 * slow dictionaries, and ESCO's export builds 40,000 of them.
 */
function compact<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const k in o) {
    const v = o[k];
    if (v !== undefined && v !== null) out[k] = v;
  }
  return out as T;
}

// --- documents -------------------------------------------------------------------------------------------------

/** The license link of a framework: the one its CASE source gave, or one made from its license URI. */
function licenseLink(f: FrameworkRow): LinkURI | undefined {
  if (isLinkUri(f.extra['licenseURI'])) return f.extra['licenseURI'];
  return f.licenseUri ? { title: 'License', identifier: uuidV5(f.licenseUri), uri: f.licenseUri } : undefined;
}

/**
 * A framework as a CASE CFDocument of a package. Fields without a column come back from `extra` when CASE gave them;
 * the attribution line ESCO and O*NET require travels in `extensions.attribution`.
 *
 * @example
 * ```ts
 * packageDocument(framework).identifier === framework.identifier; // true
 * ```
 */
export function packageDocument(f: FrameworkRow): CFPackageDocument {
  const { fields, extensions } = splitExtra(
    f.extra,
    DOCUMENT_EXTRA,
    DOCUMENT_OWN,
    f.attribution ? { attribution: f.attribution } : {},
  );
  return compact({
    identifier: f.identifier,
    uri: f.uri,
    frameworkType: fields['frameworkType'] as string | undefined,
    caseVersion: '1.1' as const,
    creator: f.creator,
    title: f.title,
    lastChangeDateTime: iso(f.lastChangeAt, f.updatedAt),
    officialSourceURL: fields['officialSourceURL'] as string | undefined,
    publisher: f.publisher ?? undefined,
    description: f.description ?? undefined,
    subject: fields['subject'] as string[] | undefined,
    subjectURI: fields['subjectURI'] as LinkURI[] | undefined,
    language: f.language ?? undefined,
    version: f.version ?? undefined,
    adoptionStatus: f.adoptionStatus ?? undefined,
    statusStartDate: fields['statusStartDate'] as string | undefined,
    statusEndDate: fields['statusEndDate'] as string | undefined,
    licenseURI: licenseLink(f),
    notes: fields['notes'] as string | undefined,
    extensions,
  });
}

/** The link to a framework's document, as CFItems and CFAssociations served alone carry it. */
export function documentLink(f: FrameworkRow): LinkURI {
  return { title: f.title, identifier: f.identifier, uri: f.uri };
}

/**
 * A framework as the CASE REST API serves a CFDocument: the package's document and the link to its package here.
 *
 * @example
 * ```ts
 * cfDocument(framework, 'https://badges.example.edu').CFPackageURI.uri; // '…/ims/case/v1p1/CFPackages/<identifier>'
 * ```
 */
export function cfDocument(f: FrameworkRow, publicUrl: string): CFDocument {
  return {
    ...packageDocument(f),
    CFPackageURI: {
      title: f.title,
      identifier: f.identifier,
      uri: `${publicUrl}${CASE_BASE_PATH}/CFPackages/${f.identifier}`,
    },
  };
}

// --- items ---------------------------------------------------------------------------------------------------------

/**
 * An item as a CFItem of a package. CASE has one `alternativeLabel`: it carries the first alternative label, and when
 * there are more, `extensions.altLabels` carries them all (the reader puts them back together); the item's description,
 * for which CASE has no field, travels in `extensions.description`.
 *
 * @example
 * ```ts
 * packageItem(row, framework, publicUrl).fullStatement === row.statement; // true
 * ```
 */
export function packageItem(row: ItemExportRow, f: FrameworkRow, publicUrl: string): CFPackageItem {
  const { fields, extensions } = splitExtra(row.extra, ITEM_EXTRA, new Set(['extensions']), {
    altLabels: row.altLabels.length > 1 ? row.altLabels : undefined,
    description: row.description ?? undefined,
  });
  return compact({
    identifier: row.caseIdentifier,
    fullStatement: row.statement,
    alternativeLabel: row.altLabels[0],
    CFItemType: row.type,
    uri: frameworkItemUrl(publicUrl, row),
    humanCodingScheme: row.code ?? undefined,
    listEnumeration: row.listEnumeration ?? undefined,
    abbreviatedStatement: row.abbreviatedStatement ?? undefined,
    conceptKeywords: fields['conceptKeywords'] as string[] | undefined,
    conceptKeywordsURI: fields['conceptKeywordsURI'] as LinkURI | undefined,
    notes: fields['notes'] as string | undefined,
    subject: fields['subject'] as string[] | undefined,
    subjectURI: fields['subjectURI'] as LinkURI[] | undefined,
    language: row.language ?? undefined,
    educationLevel: fields['educationLevel'] as string[] | undefined,
    CFItemTypeURI: fields['CFItemTypeURI'] as LinkURI | undefined,
    licenseURI: fields['licenseURI'] as LinkURI | undefined,
    statusStartDate: fields['statusStartDate'] as string | undefined,
    statusEndDate: fields['statusEndDate'] as string | undefined,
    lastChangeDateTime: iso(row.lastChangeAt, row.updatedAt ?? f.lastChangeAt),
    extensions,
  });
}

/** An item as the CASE REST API serves a CFItem: with the link to its document. */
export function cfItem(row: ItemExportRow, f: FrameworkRow, publicUrl: string): CFItem {
  return { ...packageItem(row, f, publicUrl), CFDocumentURI: documentLink(f) };
}

// --- associations ------------------------------------------------------------------------------------------------

/** The associations of a framework (or one of them) with their ends' item fields. */
export function associationQuery(db: Kysely<Database>) {
  return db
    .selectFrom('frameworkAssociations as a')
    .leftJoin('frameworkItems as o', 'o.id', 'a.originItemId')
    .leftJoin('frameworkItems as d', 'd.id', 'a.destinationItemId')
    .select([
      'a.id',
      'a.frameworkId',
      'a.identifier',
      'a.caseIdentifier',
      'a.type',
      'a.originIdentifier',
      'a.originUri',
      'a.originTitle',
      'a.destinationIdentifier',
      'a.destinationUri',
      'a.destinationTitle',
      'a.sequenceNumber',
      'a.extra',
      'a.lastChangeAt',
      'a.updatedAt',
      'o.caseIdentifier as originCase',
      'o.uri as originItemUri',
      'o.statement as originStatement',
      'd.caseIdentifier as destinationCase',
      'd.uri as destinationItemUri',
      'd.statement as destinationStatement',
    ]);
}

function endLink(
  f: FrameworkRow,
  publicUrl: string,
  end: {
    identifier: string;
    uri: string | null;
    title: string | null;
    itemCase: string | null;
    itemUri: string | null;
    statement: string | null;
  },
  targetType: unknown,
): LinkGenURI {
  const link: LinkGenURI = end.itemCase
    ? {
        title: end.statement ?? '',
        identifier: end.itemCase,
        uri: frameworkItemUrl(publicUrl, { uri: end.itemUri, caseIdentifier: end.itemCase }),
      }
    : end.identifier.toLowerCase() === f.identifier.toLowerCase()
      ? { title: f.title, identifier: f.identifier, uri: f.uri }
      : { title: end.title ?? end.identifier, identifier: end.identifier, uri: end.uri ?? end.identifier };
  if (isTargetType(targetType)) link.targetType = targetType;
  return link;
}

/**
 * An association as a CFAssociation of a package: each end is an item of the framework (named by its CASE
 * identifier), the framework's document, or a node elsewhere (as the source named it).
 *
 * @example
 * ```ts
 * packageAssociation(row, framework, publicUrl).originNodeURI.identifier; // the origin item's CASE identifier
 * ```
 */
export function packageAssociation(
  row: AssociationExportRow,
  f: FrameworkRow,
  publicUrl: string,
): CFPackageAssociation {
  const { fields, extensions } = splitExtra(row.extra, ASSOCIATION_EXTRA, ASSOCIATION_OWN);
  const uri = row.extra['uri'];
  return compact({
    identifier: row.caseIdentifier,
    associationType: row.type,
    sequenceNumber: row.sequenceNumber ?? undefined,
    uri: isString(uri) ? uri : `${publicUrl}${CASE_BASE_PATH}/CFAssociations/${row.caseIdentifier}`,
    originNodeURI: endLink(
      f,
      publicUrl,
      {
        identifier: row.originIdentifier,
        uri: row.originUri,
        title: row.originTitle,
        itemCase: row.originCase,
        itemUri: row.originItemUri,
        statement: row.originStatement,
      },
      row.extra['originTargetType'],
    ),
    destinationNodeURI: endLink(
      f,
      publicUrl,
      {
        identifier: row.destinationIdentifier,
        uri: row.destinationUri,
        title: row.destinationTitle,
        itemCase: row.destinationCase,
        itemUri: row.destinationItemUri,
        statement: row.destinationStatement,
      },
      row.extra['destinationTargetType'],
    ),
    CFAssociationGroupingURI: fields['CFAssociationGroupingURI'] as LinkURI | undefined,
    lastChangeDateTime: iso(row.lastChangeAt, row.updatedAt ?? f.lastChangeAt),
    notes: fields['notes'] as string | undefined,
    extensions,
  });
}

/** An association as the CASE REST API serves a CFAssociation: with the link to its document. */
export function cfAssociation(row: AssociationExportRow, f: FrameworkRow, publicUrl: string): CFAssociation {
  return { ...packageAssociation(row, f, publicUrl), CFDocumentURI: documentLink(f) };
}

// --- packages ------------------------------------------------------------------------------------------------------

/** The package's CFDefinitions: as the CASE source gave them, or a CFLicense for a framework with a license URI. */
function definitions(f: FrameworkRow): Record<string, unknown> | undefined {
  if (isObject(f.extra['CFDefinitions'])) return f.extra['CFDefinitions'];
  const license = licenseLink(f);
  if (!license || isLinkUri(f.extra['licenseURI'])) return undefined;
  return {
    CFLicenses: [
      {
        identifier: license.identifier,
        uri: license.uri,
        title: license.title,
        licenseText: f.attribution ?? license.uri,
        lastChangeDateTime: iso(f.lastChangeAt, f.updatedAt),
      },
    ],
  };
}

async function getFramework(db: Kysely<Database>, frameworkId: string): Promise<FrameworkRow> {
  const f = await db.selectFrom('frameworks').selectAll().where('id', '=', frameworkId).executeTakeFirst();
  if (!f) throw new AppError('ERR_NOT_FOUND', 'No framework with this id.');
  return f;
}

/**
 * The ids of a page of a framework's items or associations, in identifier order. Only (id, identifier) pairs are
 * sorted: sorting whole rows (or their JSON) spills to disk in PGlite when the planner's estimate is stale after a
 * bulk import.
 */
function pageIds(table: 'framework_items' | 'framework_associations', frameworkId: string, after: string | undefined) {
  return sql`SELECT id FROM ${sql.table(table)} WHERE framework_id = ${frameworkId}::uuid
    ${after === undefined ? sql`` : sql`AND identifier > ${after}`} ORDER BY identifier LIMIT ${PAGE}`;
}

/**
 * A framework's items, a page at a time, in identifier order: the (framework_id, identifier) index serves each page
 * without sorting the framework's rows again, and a package's export lists its items in the same order in every copy.
 * Each row comes as one JSON text column: PGlite's cost is per row and column, and this halves ESCO's export there.
 */
async function* itemPages(db: Kysely<Database>, frameworkId: string): AsyncGenerator<ItemExportRow[]> {
  let after: string | undefined;
  for (;;) {
    const { rows } = await sql<{ j: string }>`
      SELECT json_build_array(identifier, case_identifier, uri, type, code, statement, abbreviated_statement,
        alt_labels, description, language, list_enumeration, extra, last_change_at, updated_at)::text AS j
      FROM framework_items
      WHERE id IN (${pageIds('framework_items', frameworkId, after)})
      ORDER BY identifier`.execute(db);
    const page = rows.map(({ j }): ItemExportRow => {
      const v = JSON.parse(j) as unknown[];
      const text = (i: number) => v[i] as string;
      const maybe = (i: number) => v[i] as string | null;
      return {
        identifier: text(0),
        caseIdentifier: text(1),
        uri: maybe(2),
        type: text(3),
        code: maybe(4),
        statement: text(5),
        abbreviatedStatement: maybe(6),
        altLabels: v[7] as string[],
        description: maybe(8),
        language: maybe(9),
        listEnumeration: maybe(10),
        extra: v[11] as Record<string, unknown>,
        lastChangeAt: maybe(12),
        updatedAt: text(13),
      };
    });
    if (page.length > 0) yield page;
    if (page.length < PAGE) return;
    after = page[page.length - 1]!.identifier;
  }
}

/** A framework's associations with their ends' item fields, a page at a time, in identifier order (as items). */
async function* associationPages(db: Kysely<Database>, frameworkId: string): AsyncGenerator<AssociationExportRow[]> {
  let after: string | undefined;
  for (;;) {
    const { rows } = await sql<{ j: string }>`
      SELECT json_build_array(a.id, a.framework_id, a.identifier, a.case_identifier, a.type, a.origin_identifier,
        a.origin_uri, a.origin_title, a.destination_identifier, a.destination_uri, a.destination_title,
        a.sequence_number, a.extra, a.last_change_at, a.updated_at, o.case_identifier, o.uri, o.statement,
        d.case_identifier, d.uri, d.statement)::text AS j
      FROM framework_associations a
        LEFT JOIN framework_items o ON o.id = a.origin_item_id
        LEFT JOIN framework_items d ON d.id = a.destination_item_id
      WHERE a.id IN (${pageIds('framework_associations', frameworkId, after)})
      ORDER BY a.identifier`.execute(db);
    const page = rows.map(({ j }): AssociationExportRow => {
      const v = JSON.parse(j) as unknown[];
      const text = (i: number) => v[i] as string;
      const maybe = (i: number) => v[i] as string | null;
      return {
        id: text(0),
        frameworkId: text(1),
        identifier: text(2),
        caseIdentifier: text(3),
        type: text(4),
        originIdentifier: text(5),
        originUri: maybe(6),
        originTitle: maybe(7),
        destinationIdentifier: text(8),
        destinationUri: maybe(9),
        destinationTitle: maybe(10),
        sequenceNumber: v[11] as number | null,
        extra: v[12] as Record<string, unknown>,
        lastChangeAt: maybe(13),
        updatedAt: text(14),
        originCase: maybe(15),
        originItemUri: maybe(16),
        originStatement: maybe(17),
        destinationCase: maybe(18),
        destinationItemUri: maybe(19),
        destinationStatement: maybe(20),
      };
    });
    if (page.length > 0) yield page;
    if (page.length < PAGE) return;
    after = page[page.length - 1]!.identifier;
  }
}

/**
 * A framework as CASE 1.1 CFPackage JSON text, in chunks: the database is read a page at a time and each page is
 * written out before the next is read, so exporting ESCO holds a page of rows, not the whole package. Valid against
 * the official CFPackage schema for any framework (CASE-imported, custom, ESCO, O*NET).
 *
 * @example
 * ```ts
 * return c.body(ReadableStream.from(cfPackageJson(db, framework, publicUrl)));
 * ```
 */
export async function* cfPackageJson(db: Kysely<Database>, f: FrameworkRow, publicUrl: string): AsyncGenerator<string> {
  yield `{"CFDocument":${JSON.stringify(packageDocument(f))},"CFItems":[`;
  let first = true;
  for await (const rows of itemPages(db, f.id)) {
    yield (first ? '' : ',') + rows.map((r) => JSON.stringify(packageItem(r, f, publicUrl))).join(',');
    first = false;
  }
  yield '],"CFAssociations":[';
  first = true;
  for await (const rows of associationPages(db, f.id)) {
    yield (first ? '' : ',') + rows.map((r) => JSON.stringify(packageAssociation(r, f, publicUrl))).join(',');
    first = false;
  }
  yield ']';
  const defs = definitions(f);
  if (defs) yield `,"CFDefinitions":${JSON.stringify(defs)}`;
  if (Array.isArray(f.extra['CFRubrics'])) yield `,"CFRubrics":${JSON.stringify(f.extra['CFRubrics'])}`;
  if (isObject(f.extra['packageExtensions'])) yield `,"extensions":${JSON.stringify(f.extra['packageExtensions'])}`;
  yield '}';
}

/**
 * A framework as a CASE 1.1 CFPackage object (for tests and small frameworks; the API streams {@link cfPackageJson}).
 * `ERR_NOT_FOUND` when there is no such framework; visibility is the caller's business.
 *
 * @example
 * ```ts
 * const pkg = await exportCfPackage(db, frameworkId, 'https://badges.example.edu');
 * cfPackageIssues(pkg); // []
 * ```
 */
export async function exportCfPackage(
  db: Kysely<Database>,
  frameworkId: string,
  publicUrl: string,
): Promise<CFPackage> {
  const f = await getFramework(db, frameworkId);
  const items: CFPackageItem[] = [];
  for await (const rows of itemPages(db, f.id)) for (const r of rows) items.push(packageItem(r, f, publicUrl));
  const associations: CFPackageAssociation[] = [];
  for await (const rows of associationPages(db, f.id)) {
    for (const r of rows) associations.push(packageAssociation(r, f, publicUrl));
  }
  const defs = definitions(f);
  return {
    CFDocument: packageDocument(f),
    CFItems: items,
    CFAssociations: associations,
    ...(defs && { CFDefinitions: defs }),
    ...(Array.isArray(f.extra['CFRubrics']) && { CFRubrics: f.extra['CFRubrics'] as Record<string, unknown>[] }),
    ...(isObject(f.extra['packageExtensions']) && { extensions: f.extra['packageExtensions'] }),
  };
}
