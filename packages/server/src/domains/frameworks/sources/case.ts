import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Ajv2019, type ErrorObject, type ValidateFunction } from 'ajv/dist/2019.js';
import addFormatsModule from 'ajv-formats';
import { SkillproofError } from '@skillproof/core';
import cfPackageSchema from '../data/case-v1p1-cfpackage.json' with { type: 'json' };
import type { CFPackage, CFPackageAssociation, CFPackageDocument, CFPackageItem, LinkGenURI } from '../case-schemas.js';
import { findJsonSyntaxError } from './json-syntax-error.js';
import {
  FrameworkImportError,
  isAssociationType,
  type AssociationRecord,
  type FrameworkCounts,
  type FrameworkMeta,
  type FrameworkRecord,
  type FrameworkSource,
  type ItemRecord,
  type NodeReference,
} from './model.js';

/** The largest CFPackage read (file or request body): ESCO as CASE is ~40 MB. */
export const MAX_CASE_BYTES = 50 * 1024 * 1024;
/** Deeper nesting than this is refused before the schema check (a real package nests 5 levels, extensions a few more). */
const MAX_DEPTH = 64;
/** How many schema violations an error message names. */
const SCHEMA_ISSUES_SHOWN = 5;

// ajv-formats is CommonJS whose default export TypeScript types as the module under NodeNext.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
let validator: ValidateFunction | undefined;

/** A violation of the official CASE 1.1 CFPackage schema: where (a JSON path, `$.CFItems[3].uri`) and what. */
export interface CfPackageIssue {
  path: string;
  message: string;
}

/**
 * Checks a value against the official 1EdTech CASE 1.1 CFPackage JSON Schema (draft 2019-09), compiled once, on first
 * use. Answers the violations, first first (an empty list: valid). The exporter's output is held to the same check.
 *
 * @example
 * ```ts
 * cfPackageIssues({ CFDocument: {} })[0]; // { path: '$.CFDocument', message: "must have required property 'identifier'" }
 * ```
 */
export function cfPackageIssues(value: unknown): CfPackageIssue[] {
  if (!validator) {
    const ajv = new Ajv2019({ allErrors: true, strict: true });
    addFormats(ajv, ['uuid', 'date-time', 'date']);
    validator = ajv.compile(cfPackageSchema);
  }
  if (validator(value)) return [];
  return (validator.errors ?? []).map(describeIssue);
}

function describeIssue(e: ErrorObject): CfPackageIssue {
  const path = jsonPath(e.instancePath);
  const p = e.params as Record<string, unknown>;
  let message = e.message ?? 'is invalid';
  if (e.keyword === 'additionalProperties') message += ` (${String(p['additionalProperty'])})`;
  if (e.keyword === 'enum')
    message += `: ${(p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  return { path, message };
}

/** `/CFItems/3/uri` (JSON Pointer, as ajv reports) → `$.CFItems[3].uri`. */
function jsonPath(pointer: string): string {
  if (!pointer) return '$';
  return (
    '$' +
    pointer
      .slice(1)
      .split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((s) => (/^\d+$/.test(s) ? `[${s}]` : /^[A-Za-z_$][\w$]*$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`))
      .join('')
  );
}

/** What {@link readCase} reads: a parsed value, JSON text, its bytes, or a file. */
export type CaseInput = unknown;

/** How {@link readCase} names its input in messages, and the largest input it takes. */
export interface ReadCaseOptions {
  /** How the input is named in error messages (default: the file's name, or `CFPackage`). */
  name?: string;
  maxBytes?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Reads a CASE 1.1 CFPackage into a {@link FrameworkSource}: a parsed value (a request body), JSON text, UTF-8 bytes,
 * or `{ file: path }`. Everything is checked before it answers, so an import either starts on a valid package or never
 * starts: the size (`ERR_INPUT_TOO_LARGE`), UTF-8 (`ERR_IMPORT_ENCODING`), JSON syntax with line and column
 * (`ERR_IMPORT_JSON`), association types naming the association (`ERR_IMPORT_ASSOCIATION_TYPE`, before the schema,
 * whose `oneOf` failure would only say "must match exactly one schema"), the official schema with the JSON paths of
 * the first violations (`ERR_IMPORT_SCHEMA`), and repeated identifiers (`ERR_IMPORT_DUPLICATE`). The importer checks the
 * graph (references, cycles).
 *
 * Kept for export (in the framework's, items' and associations' `extra`): every CFDocument, CFItem and CFAssociation
 * field the tables have no column for, the package's CFDefinitions, CFRubrics and extensions (whole, as given).
 * Identifiers that are UUIDs are lower-cased, as CASE writes them and the database stores them.
 *
 * @example
 * ```ts
 * const source = await readCase({ file: 'framework.json' });
 * await importFramework(db, source, { orgId });
 * ```
 */
export async function readCase(input: CaseInput, options: ReadCaseOptions = {}): Promise<FrameworkSource> {
  const maxBytes = options.maxBytes ?? MAX_CASE_BYTES;
  let name = options.name ?? 'CFPackage';
  let text: string | undefined;
  let value: unknown;
  if (isFileInput(input)) {
    name = options.name ?? basename(input.file);
    let size: number;
    try {
      size = (await stat(input.file)).size;
    } catch {
      throw new FrameworkImportError('ERR_IMPORT_FILE_MISSING', `There is no file ${input.file}.`, { file: name });
    }
    assertSize(size, maxBytes);
    text = decode(await readFile(input.file), name);
  } else if (typeof input === 'string') {
    assertSize(input.length, maxBytes); // UTF-16 units: never more than the UTF-8 bytes of the same text
    text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  } else if (input instanceof Uint8Array) {
    assertSize(input.byteLength, maxBytes);
    text = decode(input, name);
  } else {
    value = input;
  }
  if (text !== undefined) value = parseJson(text, name);
  assertDepth(value, name);
  const hash = createHash('sha256')
    .update(text ?? JSON.stringify(value))
    .digest('hex');
  const bytes = text === undefined ? 0 : Buffer.byteLength(text);
  return fromPackage(checkPackage(value, name), name, hash, bytes);
}

function isFileInput(input: unknown): input is { file: string } {
  return (
    typeof input === 'object' &&
    input !== null &&
    !Array.isArray(input) &&
    typeof (input as { file?: unknown }).file === 'string' &&
    !('CFDocument' in input)
  );
}

function assertSize(bytes: number, maxBytes: number): void {
  if (bytes > maxBytes) {
    throw new SkillproofError(
      'ERR_INPUT_TOO_LARGE',
      `The CFPackage is larger than ${Math.round(maxBytes / 1024 / 1024)} MiB.`,
    );
  }
}

function decode(bytes: Uint8Array, file: string): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new FrameworkImportError('ERR_IMPORT_ENCODING', 'The CFPackage is UTF-16; save it as UTF-8.', { file });
  }
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch {
    const at = firstInvalidUtf8(bytes);
    const line = bytes.subarray(0, at).filter((b) => b === 0x0a).length + 1;
    throw new FrameworkImportError(
      'ERR_IMPORT_ENCODING',
      `The CFPackage is not UTF-8: byte 0x${bytes[at]?.toString(16).padStart(2, '0') ?? '??'} at offset ${at} ` +
        `starts no UTF-8 character; save it as UTF-8.`,
      { file, line },
    );
  }
}

/** The offset of the first byte that is not part of a well-formed UTF-8 sequence (RFC 3629 §4). */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    const n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (((b[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    const next = b[i + 1] ?? 0;
    // Overlong forms, UTF-16 surrogates and code points above U+10FFFF.
    if ((c === 0xe0 && next < 0xa0) || (c === 0xed && next >= 0xa0)) return i;
    if ((c === 0xf0 && next < 0x90) || (c === 0xf4 && next >= 0x90)) return i;
    i += n + 1;
  }
  return b.length;
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    const found = findJsonSyntaxError(text);
    const message = found
      ? `Not valid JSON (line ${found.line}, column ${found.column}): ${found.message}.`
      : `Not valid JSON: ${(cause as Error).message}.`;
    throw new FrameworkImportError('ERR_IMPORT_JSON', message, { file, ...(found && { line: found.line }) });
  }
}

function assertDepth(value: unknown, file: string): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > MAX_DEPTH) {
      throw new FrameworkImportError('ERR_IMPORT_VALUE', `The CFPackage nests deeper than ${MAX_DEPTH} levels.`, {
        file,
      });
    }
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
}

/** The package's checks, in the order that gives the most specific message. */
function checkPackage(value: unknown, file: string): CFPackage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FrameworkImportError('ERR_IMPORT_SCHEMA', 'A CFPackage is a JSON object with a CFDocument.', {
      file,
      path: '$',
    });
  }
  const associations = (value as { CFAssociations?: unknown }).CFAssociations;
  if (Array.isArray(associations)) {
    associations.forEach((a: unknown, i) => {
      const type = (a as { associationType?: unknown } | null)?.associationType;
      if (typeof type === 'string' && !isAssociationType(type)) {
        const identifier = (a as { identifier?: unknown }).identifier;
        const id = typeof identifier === 'string' ? identifier : `#${i}`;
        throw new FrameworkImportError(
          'ERR_IMPORT_ASSOCIATION_TYPE',
          `CFAssociation ${id} has the association type ${JSON.stringify(type)}, which is neither a CASE 1.1 type ` +
            `(isChildOf, isPeerOf, isPartOf, exactMatchOf, precedes, isRelatedTo, replacedBy, exemplar, ` +
            `hasSkillLevel, isTranslationOf) nor an extension ext:<name> (letters, digits, . _ -).`,
          { file, path: `$.CFAssociations[${i}].associationType`, identifier: id },
        );
      }
    });
  }
  const issues = cfPackageIssues(value);
  if (issues.length > 0) {
    const shown = firstPerPath(issues).slice(0, SCHEMA_ISSUES_SHOWN);
    const more = issues.length > shown.length ? ` (${issues.length} violations in all)` : '';
    throw new FrameworkImportError(
      'ERR_IMPORT_SCHEMA',
      `The CFPackage does not follow the CASE 1.1 schema: ${shown.map((s) => `${s.path}: ${s.message}`).join('; ')}${more}.`,
      { file, path: shown[0]!.path },
    );
  }
  const pkg = value as CFPackage;
  const documentId = pkg.CFDocument.identifier.toLowerCase();
  const seen = new Map<string, string>([[documentId, '$.CFDocument']]);
  const unique = (identifier: string, path: string, what: string) => {
    const first = seen.get(identifier);
    if (first) {
      throw new FrameworkImportError(
        'ERR_IMPORT_DUPLICATE',
        `${what} ${identifier} repeats the identifier of ${first}; identifiers are unique within a package.`,
        { file, path, identifier },
      );
    }
    seen.set(identifier, path);
  };
  pkg.CFItems?.forEach((item, i) => unique(item.identifier.toLowerCase(), `$.CFItems[${i}]`, 'CFItem'));
  pkg.CFAssociations?.forEach((a, i) => unique(a.identifier.toLowerCase(), `$.CFAssociations[${i}]`, 'CFAssociation'));
  return pkg;
}

/** Without repeats, and without a `oneOf` summary where a branch's own message says more about the same place. */
function firstPerPath(issues: CfPackageIssue[]): CfPackageIssue[] {
  const seen = new Set<string>();
  const paths = new Set(issues.filter((i) => !i.message.includes('oneOf')).map((i) => i.path));
  return issues.filter((i) => {
    const key = `${i.path} ${i.message}`;
    if (seen.has(key) || (i.message.includes('oneOf') && paths.has(i.path))) return false;
    seen.add(key);
    return true;
  });
}

const normalize = (identifier: string) => (UUID.test(identifier) ? identifier.toLowerCase() : identifier);

/** Only the keys whose value is defined: what `extra` keeps. */
function defined(entries: Record<string, unknown>): Record<string, unknown> | undefined {
  const out = Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
  return Object.keys(out).length > 0 ? out : undefined;
}

function documentMeta(pkg: CFPackage): FrameworkMeta {
  const d: CFPackageDocument = pkg.CFDocument;
  const { attribution, ...extensions } = d.extensions ?? {};
  return {
    identifier: d.identifier.toLowerCase(),
    uri: d.uri,
    version: d.version,
    title: d.title,
    creator: d.creator,
    publisher: d.publisher,
    description: d.description,
    language: d.language,
    licenseUri: d.licenseURI?.uri,
    attribution: typeof attribution === 'string' ? attribution : undefined,
    adoptionStatus: d.adoptionStatus,
    lastChangeAt: d.lastChangeDateTime,
    extra: defined({
      frameworkType: d.frameworkType,
      caseVersion: d.caseVersion,
      officialSourceURL: d.officialSourceURL,
      subject: d.subject,
      subjectURI: d.subjectURI,
      statusStartDate: d.statusStartDate,
      statusEndDate: d.statusEndDate,
      licenseURI: d.licenseURI,
      notes: d.notes,
      extensions: defined({ ...extensions, ...(typeof attribution !== 'string' && { attribution }) }),
      CFDefinitions: pkg.CFDefinitions,
      CFRubrics: pkg.CFRubrics,
      packageExtensions: pkg.extensions,
    }),
  };
}

function itemRecord(item: CFPackageItem, i: number, file: string): ItemRecord {
  const { altLabels, description, ...extensions } = item.extensions ?? {};
  const labels = [item.alternativeLabel, ...(isStrings(altLabels) ? altLabels : [])].filter(
    (l): l is string => typeof l === 'string' && l.length > 0,
  );
  const identifier = item.identifier.toLowerCase();
  return {
    kind: 'item',
    at: { file, path: `$.CFItems[${i}]` },
    identifier,
    caseIdentifier: identifier,
    uri: item.uri,
    type: item.CFItemType ?? item.CFItemTypeURI?.title ?? 'competency',
    code: item.humanCodingScheme,
    statement: item.fullStatement,
    abbreviatedStatement: item.abbreviatedStatement,
    altLabels: [...new Set(labels)],
    description: typeof description === 'string' ? description : undefined,
    language: item.language,
    listEnumeration: item.listEnumeration,
    lastChangeAt: item.lastChangeDateTime,
    extra: defined({
      educationLevel: item.educationLevel,
      conceptKeywords: item.conceptKeywords,
      conceptKeywordsURI: item.conceptKeywordsURI,
      notes: item.notes,
      subject: item.subject,
      subjectURI: item.subjectURI,
      CFItemTypeURI: item.CFItemTypeURI,
      licenseURI: item.licenseURI,
      statusStartDate: item.statusStartDate,
      statusEndDate: item.statusEndDate,
      extensions: defined({
        ...extensions,
        ...(altLabels !== undefined && !isStrings(altLabels) && { altLabels }),
        ...(description !== undefined && typeof description !== 'string' && { description }),
      }),
    }),
  };
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

function node(link: LinkGenURI): NodeReference {
  return { identifier: normalize(link.identifier), uri: link.uri, title: link.title };
}

function associationRecord(a: CFPackageAssociation, i: number, file: string): AssociationRecord {
  const identifier = a.identifier.toLowerCase();
  return {
    kind: 'association',
    at: { file, path: `$.CFAssociations[${i}]` },
    identifier,
    caseIdentifier: identifier,
    type: a.associationType,
    origin: node(a.originNodeURI),
    destination: node(a.destinationNodeURI),
    sequenceNumber: a.sequenceNumber,
    lastChangeAt: a.lastChangeDateTime,
    extra: defined({
      uri: a.uri,
      CFAssociationGroupingURI: a.CFAssociationGroupingURI,
      notes: a.notes,
      originTargetType: a.originNodeURI.targetType,
      destinationTargetType: a.destinationNodeURI.targetType,
      extensions: a.extensions,
    }),
  };
}

function fromPackage(pkg: CFPackage, file: string, hash: string, bytes: number): FrameworkSource {
  const meta = documentMeta(pkg);
  return {
    kind: 'case',
    meta,
    async *records(): AsyncGenerator<FrameworkRecord> {
      const items = pkg.CFItems ?? [];
      for (let i = 0; i < items.length; i++) yield itemRecord(items[i]!, i, file);
      const associations = pkg.CFAssociations ?? [];
      for (let i = 0; i < associations.length; i++) yield associationRecord(associations[i]!, i, file);
    },
    contentHash: () => Promise.resolve(hash),
    size: { total: bytes, read: () => bytes },
    summarize(counts: FrameworkCounts) {
      const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
      return { items: sum(counts.items), associations: sum(counts.associations) };
    },
  };
}
