import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESCO_COLLECTIONS, ESCO_FILES, ESCO_RAGGED_FILES } from './esco-files.js';
import { openSourceDirectory, type SourceDirectory, type SourceRow } from './files.js';
import {
  FrameworkImportError,
  frameworkIdentifier,
  uuidV5,
  type AssociationRecord,
  type FrameworkCounts,
  type FrameworkMeta,
  type FrameworkRecord,
  type FrameworkSource,
  type ItemRecord,
  type SkippedRow,
} from './model.js';

export type { SkippedRow } from './model.js';

/** The ESCO skills pillar: the framework's URI (its CASE document is the skills pillar, occupations hang off it). */
export const ESCO_URI = 'http://data.europa.eu/esco/concept-scheme/skills';

/** Shown wherever ESCO data is shipped or displayed when the directory has no manifest.json (an original download). */
export const ESCO_ATTRIBUTION =
  'ESCO v1.1.1 (English) © European Union, by the European Commission; reused with attribution under the European Commission reuse policy (CC BY 4.0)';

const CC_BY = 'https://creativecommons.org/licenses/by/4.0/';

/**
 * Bumped whenever the records made from the same files change, so that the content hash (and with it the importer's
 * "unchanged" shortcut) does not hide a new mapping.
 */
const MAPPING_VERSION = 'esco-reader/1';

/** Weights of ESCO occupation skills: essential skills count fully, optional ones half. */
export const ESCO_WEIGHTS = { essential: 1, optional: 0.5 } as const;

/** How {@link readEsco} reads a directory. */
export interface EscoOptions {
  /** The ESCO version; defaults to manifest.json's `version`, else none. */
  version?: string | undefined;
}

/** The ESCO FrameworkSource, plus the rows it skipped (known after {@link FrameworkSource.records} has run). */
export interface EscoSource extends FrameworkSource {
  skipped(): readonly SkippedRow[];
}

interface Manifest {
  version?: string;
  title?: string;
  attribution?: string;
  licenseUri?: string;
}

const UUID_AT_END = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** The CASE identifier of an ESCO concept: the UUID its URI ends with, else a name-based UUID of the URI. */
export function escoCaseIdentifier(uri: string): string {
  return UUID_AT_END.exec(uri)?.[1]?.toLowerCase() ?? uuidV5(uri);
}

function readManifest(dir: string): Manifest {
  let text: string;
  try {
    text = readFileSync(join(dir, 'manifest.json'), 'utf8');
  } catch {
    return {}; // an original ESCO download has none
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Manifest) : {};
  } catch (error) {
    throw new FrameworkImportError('ERR_IMPORT_JSON', `manifest.json is not JSON: ${(error as Error).message}`, {
      file: 'manifest.json',
    });
  }
}

/** Newline-separated alternative labels (ESCO's format), trimmed, without empties or repeats. */
function labels(value: string | undefined): string[] {
  if (!value) return [];
  return [
    ...new Set(
      value
        .split('\n')
        .map((label) => label.trim())
        .filter(Boolean),
    ),
  ];
}

function optional(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** The ISCED-F 2013 field code of an `…/isced-f/0011` group, which ESCO gives no code of its own. */
function iscedCode(uri: string): string | undefined {
  return /\/isced-f\/(\d+)$/.exec(uri)?.[1];
}

/**
 * Reads ESCO (v1.1.1 CSV, English) from a directory holding either an original download or the shipped compressed
 * copy (packages/server/data/esco-1.1.1) as one framework: skills and knowledge items, skill groups, the skills
 * hierarchy (isChildOf), skill–skill relations (`ext:essentialSkill` / `ext:optionalSkill`, origin = the skill that
 * needs the other), occupations and ISCO groups with their hierarchy, and weighted occupation skills. Files are
 * streamed; only the identifiers seen so far are held, to leave out the rows that name concepts ESCO does not define
 * (v1.1.1 has 68 naming one withdrawn occupation), which {@link EscoSource.skipped} lists.
 *
 * @example
 * const source = readEsco('packages/server/data/esco-1.1.1');
 * const result = await importFramework(db, source);
 */
export function readEsco(dir: string, options: EscoOptions = {}): EscoSource {
  const files = openSourceDirectory(dir);
  const manifest = readManifest(dir);
  const version = options.version ?? manifest.version;
  const meta: FrameworkMeta = {
    identifier: frameworkIdentifier(ESCO_URI, version),
    uri: ESCO_URI,
    version,
    title: 'ESCO: European Skills, Competences, Qualifications and Occupations',
    creator: 'European Commission',
    publisher: 'European Commission',
    description:
      'The European multilingual classification of skills, competences and occupations (English labels): skills and ' +
      'knowledge in a hierarchy of skill groups, occupations under ISCO-08 groups, and the essential and optional ' +
      'skills of each occupation.',
    language: 'en',
    licenseUri: manifest.licenseUri ?? CC_BY,
    attribution: manifest.attribution ?? ESCO_ATTRIBUTION,
    adoptionStatus: 'Adopted',
  };
  const names = Object.values(ESCO_FILES).map((spec) => spec.name);
  const present = () => names.filter((name) => files.has(name));
  const skipped: SkippedRow[] = [];

  return {
    kind: 'esco',
    meta,
    records: () => escoRecords(files, skipped),
    async contentHash() {
      const hash = await files.contentHash(names);
      return createHash('sha256')
        .update(`${MAPPING_VERSION}\n${version ?? ''}\n${hash}`)
        .digest('hex');
    },
    size: { total: files.size(present()), read: () => files.bytesRead() },
    summarize: summarizeEsco,
    skipped: () => skipped,
  };
}

/** The figures a person checks an ESCO import against (skills 13,896; occupations 3,007; …). */
export function summarizeEsco(counts: FrameworkCounts): Record<string, number> {
  const item = (type: string) => counts.items[type] ?? 0;
  const association = (type: string) => counts.associations[type] ?? 0;
  return {
    skills: item('skill') + item('knowledge'),
    skillGroups: item('skill-group'),
    occupations: counts.occupations.occupation,
    iscoGroups: counts.occupations.group,
    relations: counts.occupationSkills,
    skillRelations: association('ext:essentialSkill') + association('ext:optionalSkill'),
    hierarchy: association('isChildOf'),
  };
}

type Spec = { name: string; columns: readonly string[] };

function firstUnknown(known: ReadonlySet<string>, a: string, b: string): string | undefined {
  return !known.has(a) ? a : !known.has(b) ? b : undefined;
}

function rowsOf(files: SourceDirectory, spec: Spec): AsyncIterable<SourceRow> {
  return files.rows(spec.name, {
    delimiter: ',',
    required: spec.columns,
    padShortRows: ESCO_RAGGED_FILES.includes(spec.name),
  });
}

function required(spec: Spec, line: number, row: Record<string, string>, column: string): string {
  const value = row[column]?.trim();
  if (!value) {
    throw new FrameworkImportError('ERR_IMPORT_VALUE', `"${column}" is empty`, { file: spec.name, line });
  }
  return value;
}

function relationType(spec: Spec, line: number, value: string | undefined): 'essential' | 'optional' {
  if (value === 'essential' || value === 'optional') return value;
  throw new FrameworkImportError(
    'ERR_IMPORT_VALUE',
    `relationType is ${JSON.stringify(value)}; ESCO uses "essential" or "optional"`,
    { file: spec.name, line },
  );
}

async function* escoRecords(files: SourceDirectory, skipped: SkippedRow[]): AsyncGenerator<FrameworkRecord> {
  skipped.length = 0;
  const skip = (spec: Spec, line: number, identifier: string, what: string) =>
    skipped.push({ file: spec.name, line, identifier, reason: `${what} ${identifier} is not defined by ESCO's files` });

  // Collections first (small): they flag skills in `extra.collections`.
  const collections = new Map<string, string[]>();
  for (const [flag, spec] of Object.entries(ESCO_COLLECTIONS)) {
    if (!files.has(spec.name)) continue;
    for await (const { row } of rowsOf(files, spec)) {
      const uri = row.conceptUri!.trim();
      collections.set(uri, [...(collections.get(uri) ?? []), flag]);
    }
  }

  // Items: skill groups, the groups only the hierarchy file defines, skills and knowledge.
  const items = new Set<string>();
  const item = (
    spec: Spec,
    line: number,
    uri: string,
    fields: Omit<ItemRecord, 'kind' | 'at' | 'identifier' | 'caseIdentifier' | 'uri' | 'language'>,
  ): ItemRecord => {
    items.add(uri);
    return {
      kind: 'item',
      at: { file: spec.name, line },
      identifier: uri,
      caseIdentifier: escoCaseIdentifier(uri),
      uri,
      language: 'en',
      ...fields,
    };
  };

  const groups = ESCO_FILES.skillGroups;
  for await (const { line, row } of rowsOf(files, groups)) {
    const uri = required(groups, line, row, 'conceptUri');
    yield item(groups, line, uri, {
      type: 'skill-group',
      code: optional(row.code) ?? iscedCode(uri),
      statement: required(groups, line, row, 'preferredLabel'),
      altLabels: labels(row.altLabels),
      description: optional(row.description),
      lastChangeAt: optional(row.modifiedDate),
    });
  }

  const hierarchy = ESCO_FILES.skillsHierarchy;
  if (files.has(hierarchy.name)) {
    for await (const { line, row } of rowsOf(files, hierarchy)) {
      const levels = [0, 1, 2, 3].filter((level) => optional(row[`Level ${level} URI`]) !== undefined);
      const deepest = levels.at(-1);
      for (const level of levels) {
        const uri = row[`Level ${level} URI`]!.trim();
        if (items.has(uri)) continue;
        yield item(hierarchy, line, uri, {
          type: 'skill-group',
          code: optional(row[`Level ${level} code`]) ?? iscedCode(uri),
          statement: required(hierarchy, line, row, `Level ${level} preferred term`),
          altLabels: [],
          description: level === deepest ? optional(row.Description) : undefined,
        });
      }
    }
  }

  const skills = ESCO_FILES.skills;
  for await (const { line, row } of rowsOf(files, skills)) {
    const uri = required(skills, line, row, 'conceptUri');
    const skillType = row.skillType ?? '';
    const flags = collections.get(uri);
    yield item(skills, line, uri, {
      type: skillType === 'knowledge' ? 'knowledge' : 'skill',
      statement: required(skills, line, row, 'preferredLabel'),
      altLabels: labels(row.altLabels),
      description: optional(row.description),
      lastChangeAt: optional(row.modifiedDate),
      extra: { skillType, reuseLevel: row.reuseLevel ?? '', ...(flags ? { collections: flags } : {}) },
    });
  }

  // Associations: the hierarchy, then skill–skill relations.
  const association = (
    spec: Spec,
    line: number,
    type: string,
    origin: string,
    destination: string,
  ): AssociationRecord => {
    const identifier = `${type}|${origin}|${destination}`;
    return {
      kind: 'association',
      at: { file: spec.name, line },
      identifier,
      caseIdentifier: uuidV5(identifier),
      type,
      origin: { identifier: origin, uri: origin },
      destination: { identifier: destination, uri: destination },
    };
  };

  const broader = ESCO_FILES.broaderSkills;
  for await (const { line, row } of rowsOf(files, broader)) {
    const narrower = required(broader, line, row, 'conceptUri');
    const parent = required(broader, line, row, 'broaderUri');
    const unknown = firstUnknown(items, narrower, parent);
    if (unknown) skip(broader, line, unknown, 'skill or skill group');
    else yield association(broader, line, 'isChildOf', narrower, parent);
  }

  const skillSkill = ESCO_FILES.skillSkillRelations;
  for await (const { line, row } of rowsOf(files, skillSkill)) {
    const origin = required(skillSkill, line, row, 'originalSkillUri');
    const destination = required(skillSkill, line, row, 'relatedSkillUri');
    const relation = relationType(skillSkill, line, row.relationType);
    const unknown = firstUnknown(items, origin, destination);
    if (unknown) skip(skillSkill, line, unknown, 'skill');
    else yield association(skillSkill, line, `ext:${relation}Skill`, origin, destination);
  }

  // Occupations: ISCO-08 groups, then ESCO occupations (with the ISCO group each belongs to).
  const occupations = new Set<string>();
  const occupationFiles = [
    { spec: ESCO_FILES.iscoGroups, occupationKind: 'group' },
    { spec: ESCO_FILES.occupations, occupationKind: 'occupation' },
  ] as const;
  for (const { spec, occupationKind } of occupationFiles) {
    for await (const { line, row } of rowsOf(files, spec)) {
      const uri = required(spec, line, row, 'conceptUri');
      occupations.add(uri);
      yield {
        kind: 'occupation',
        at: { file: spec.name, line },
        identifier: uri,
        occupationKind,
        code: optional(row.code),
        title: required(spec, line, row, 'preferredLabel'),
        altLabels: labels(row.altLabels),
        description: optional(row.description),
        uri,
        ...(occupationKind === 'occupation' && { extra: { iscoGroup: row.iscoGroup ?? '' } }),
      };
    }
  }

  // Occupation skills, streamed from the big file.
  const occSkills = ESCO_FILES.occupationSkills;
  for await (const { line, row } of rowsOf(files, occSkills)) {
    const occupation = required(occSkills, line, row, 'occupationUri');
    const skill = required(occSkills, line, row, 'skillUri');
    const relation = relationType(occSkills, line, row.relationType);
    if (!occupations.has(occupation)) skip(occSkills, line, occupation, 'occupation');
    else if (!items.has(skill)) skip(occSkills, line, skill, 'skill');
    else {
      yield {
        kind: 'occupationSkill',
        at: { file: occSkills.name, line },
        occupation,
        item: skill,
        relation,
        weight: ESCO_WEIGHTS[relation],
      };
    }
  }

  // Occupation hierarchy: occupation → broader occupation or ISCO group, group → broader group.
  const broaderOcc = ESCO_FILES.broaderOccupations;
  for await (const { line, row } of rowsOf(files, broaderOcc)) {
    const narrower = required(broaderOcc, line, row, 'conceptUri');
    const parent = required(broaderOcc, line, row, 'broaderUri');
    const unknown = firstUnknown(occupations, narrower, parent);
    if (unknown) skip(broaderOcc, line, unknown, 'occupation');
    else
      yield {
        kind: 'occupationRelation',
        at: { file: broaderOcc.name, line },
        occupation: narrower,
        related: parent,
        type: 'broader',
      };
  }
}
