import { createHash } from 'node:crypto';
import { openSourceDirectory, type SourceDirectory } from './files.js';
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
  type OccupationSkillRecord,
  type SourceLocation,
} from './model.js';

/** The O*NET text files the reader uses (tab-separated, one header line), in the order it reads them. */
export const ONET_FILES = [
  'Read Me.txt',
  'Content Model Reference.txt',
  'Technology Skills.txt',
  'Alternate Titles.txt',
  'Job Zones.txt',
  'Occupation Data.txt',
  'Skills.txt',
  'Knowledge.txt',
  'Related Occupations.txt',
] as const;

/** Bump when the records made from the same files change, so that an import of unchanged files is not skipped. */
const READER_REVISION = 'onet-reader 1';

/** The framework's URI: the O*NET database, whatever its release (the version tells releases apart). */
export const ONET_URI = 'https://www.onetcenter.org/database.html';

/** Where O*NET OnLine describes an element (skill, knowledge area) and an occupation. */
export const onetDescriptorUri = (elementId: string) =>
  `https://www.onetonline.org/find/descriptor/result/${elementId}`;
export const onetOccupationUri = (code: string) => `https://www.onetonline.org/link/summary/${code}`;

/**
 * Occupation–technology weights: O*NET lists which technology an occupation uses but rates none of it, so every example
 * counts half; one flagged Hot Technology (frequent in job postings) or In Demand (for that occupation) counts 0.75.
 */
export const TECHNOLOGY_WEIGHT = 0.5;
export const HOT_TECHNOLOGY_WEIGHT = 0.75;

export interface ReadOnetOptions {
  /** The release, e.g. '29.2'; default: the one 'Read Me.txt' names ("O*NET 29.2 Database"). */
  version?: string | undefined;
}

const TAB = { delimiter: '\t' } as const;
const SOC_CODE = /^\d{2}-\d{4}\.\d{2}$/;
const ELEMENT_ID = /^\d+(?:\.[A-Za-z0-9]+)*$/;
/** The Content Model branches imported: 2.A basic skills, 2.B cross-functional skills, 2.C knowledge. */
const BRANCHES = ['2.A', '2.B', '2.C'] as const;
const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

/**
 * One rating row (IM or LV) of Skills.txt / Knowledge.txt. Besides the value, occupation_skills.extra keeps what tells
 * how far to trust it: the sample size, standard error, and O*NET's Recommend Suppress and Not Relevant flags (the
 * confidence bounds follow from these and are left out), and when and from whom it was collected.
 */
interface Rating {
  value: number;
  n?: number | undefined;
  standardError?: number | undefined;
  recommendSuppress?: boolean | undefined;
  notRelevant?: boolean | undefined;
  date?: string | undefined;
  domainSource?: string | undefined;
}

/**
 * Reads an O*NET release (the database's tab-separated text files, each stored as NAME, NAME.gz or NAME.br) as one
 * global framework: the 35 skills (Content Model 2.A, 2.B) and 33 knowledge areas (2.C) with their content-model
 * groups; technology examples under their UNSPSC commodity categories; the 1016 occupations with alternate titles and
 * job zones; one occupation skill per (occupation, element) merging the importance (IM) and level (LV) rows; and the
 * related occupations with their rank and tier. Values are checked as they are read (ERR_IMPORT_VALUE with file and
 * line); the graph is checked by the importer.
 *
 * @example
 * const source = await readOnet('packages/server/data/onet-29.2');
 * const result = await importFramework(db, source);
 * result.summary; // { occupations: 1016, skills: 35, knowledge: 33, … }
 */
export async function readOnet(dir: string, options: ReadOnetOptions = {}): Promise<FrameworkSource> {
  const files = openSourceDirectory(dir);
  const readMe = files.has('Read Me.txt') ? await readMeLines(files) : undefined;
  const version = options.version ?? releaseOf(readMe);
  const meta = onetMeta(version, readMe && readMe[0]?.includes(` ${version} `) ? releaseDate(readMe) : undefined);
  const names = ONET_FILES.filter((name) => name !== 'Read Me.txt' || files.has(name));
  return {
    kind: 'onet',
    meta,
    records: () => readRecords(files),
    // The reader's revision is hashed too: a release read differently (other weights) is not "unchanged".
    contentHash: async () =>
      createHash('sha256')
        .update(`${READER_REVISION}\n${await files.contentHash(names)}`)
        .digest('hex'),
    size: { total: files.size(names), read: () => files.bytesRead() },
    summarize: summarizeOnet,
  };
}

/**
 * What an imported O*NET framework holds, in the source files' terms: `ratings` counts (occupation, element) records,
 * each merging an IM and an LV row of Skills.txt / Knowledge.txt (the files hold twice as many rows);
 * `technologySkills` the rows of Technology Skills.txt (one per occupation and example); `alternateTitles` the distinct
 * (occupation, title) pairs; `jobZones` the occupations with a job zone.
 */
export function summarizeOnet(counts: FrameworkCounts): Record<string, number> {
  const byType = counts.occupationSkillsByType ?? {};
  return {
    occupations: counts.occupations.occupation,
    skills: counts.items['skill'] ?? 0,
    knowledge: counts.items['knowledge'] ?? 0,
    skillGroups: counts.items['skill-group'] ?? 0,
    technologies: counts.items['technology'] ?? 0,
    technologyCategories: counts.items['technology-category'] ?? 0,
    technologySkills: byType['technology'] ?? 0,
    alternateTitles: counts.occupationAltLabels ?? 0,
    relatedOccupations: counts.occupationRelations.related,
    ratings: (byType['skill'] ?? 0) + (byType['knowledge'] ?? 0),
    jobZones: counts.occupationsWithJobZone ?? 0,
  };
}

function onetMeta(version: string, lastChangeAt: string | undefined): FrameworkMeta {
  return {
    identifier: frameworkIdentifier(ONET_URI, version),
    uri: ONET_URI,
    version,
    title: `O*NET ${version} Database`,
    creator: 'National Center for O*NET Development',
    publisher: 'U.S. Department of Labor, Employment and Training Administration (USDOL/ETA)',
    description:
      'The occupations of the O*NET-SOC taxonomy with the skills and knowledge they require (importance and level), ' +
      'the technology they use, alternate titles, job zones and related occupations.',
    language: 'en',
    licenseUri: 'https://creativecommons.org/licenses/by/4.0/',
    attribution:
      `O*NET ${version} Database by the U.S. Department of Labor, Employment and Training Administration ` +
      '(USDOL/ETA), used under CC BY 4.0. O*NET® is a trademark of USDOL/ETA.',
    adoptionStatus: 'Implemented',
    lastChangeAt,
  };
}

/** The first line of 'Read Me.txt' names the release: "O*NET 29.2 Database". */
function releaseOf(readMe: string[] | undefined): string {
  if (!readMe) {
    throw new FrameworkImportError(
      'ERR_IMPORT_FILE_MISSING',
      "Read Me.txt is missing and no version was given: it names the O*NET release (pass the version, e.g. '29.2').",
      { file: 'Read Me.txt' },
    );
  }
  const [first] = readMe;
  const match = /^O\*NET (\d+(?:\.\d+)*) Database$/.exec(first ?? '');
  if (!match) {
    throw new FrameworkImportError(
      'ERR_IMPORT_VALUE',
      `The first line should name the release ("O*NET 29.2 Database"), not ${JSON.stringify(first ?? '')}.`,
      { file: 'Read Me.txt', line: 1 },
    );
  }
  return match[1]!;
}

/** The second line of 'Read Me.txt' says when: "February 2025 Release" (the first of that month, UTC). */
function releaseDate(readMe: string[]): string | undefined {
  const match = /^([A-Za-z]+) (\d{4}) Release$/.exec(readMe[1] ?? '');
  const month = match ? MONTHS.indexOf(match[1]!.toLowerCase()) : -1;
  if (!match || month < 0) return undefined;
  return new Date(Date.UTC(Number(match[2]), month, 1)).toISOString();
}

/** Read Me.txt is prose, not a table: its first line is read as the header and the next as the first row. */
async function readMeLines(files: SourceDirectory): Promise<string[]> {
  const lines: string[] = [];
  for await (const { row } of files.rows('Read Me.txt', { ...TAB, required: [] })) {
    if (lines.length === 0) lines.push(Object.keys(row).join('\t'));
    lines.push(Object.values(row).join('\t'));
    if (lines.length >= 2) break;
  }
  return lines;
}

/** The records in the order the importer wants them: items, associations, occupations, occupation skills, relations. */
async function* readRecords(files: SourceDirectory): AsyncGenerator<FrameworkRecord> {
  const elements = await readContentModel(files);
  for (const element of elements.values()) yield element.item;

  const technology = await readTechnology(files);
  yield* technology.items;

  for (const element of elements.values()) if (element.parent) yield childOf(element.item, element.parent);
  yield* technology.associations;

  const alternateTitles = await readAlternateTitles(files);
  const jobZones = await readJobZones(files);
  const occupations = new Set<string>();
  const file = 'Occupation Data.txt';
  for await (const { line, row } of files.rows(file, {
    ...TAB,
    required: ['O*NET-SOC Code', 'Title', 'Description'],
  })) {
    const at = { file, line };
    const code = socCode(row['O*NET-SOC Code']!, at);
    occupations.add(code);
    const titles = alternateTitles.get(code);
    const jobZone = jobZones.get(code);
    yield {
      kind: 'occupation',
      at,
      identifier: code,
      occupationKind: 'occupation',
      code,
      title: text(row['Title']!, 'Title', at),
      altLabels: titles ? [...titles.titles] : [],
      description: row['Description'] || undefined,
      uri: onetOccupationUri(code),
      jobZone: jobZone?.zone,
      extra: {
        ...(titles && titles.shortTitles.size > 0 && { shortTitles: [...titles.shortTitles] }),
        ...(jobZone?.date && { jobZoneDate: jobZone.date }),
      },
    };
  }
  for (const [code, { at }] of alternateTitles) unknownOccupation(occupations, code, at);
  for (const [code, { at }] of jobZones) unknownOccupation(occupations, code, at);

  yield* readRatings(files, 'Skills.txt', 'skill', elements, occupations);
  yield* readRatings(files, 'Knowledge.txt', 'knowledge', elements, occupations);
  for (const record of technology.occupationSkills) {
    unknownOccupation(occupations, record.occupation, record.at);
    yield record;
  }

  const related = 'Related Occupations.txt';
  const required = ['O*NET-SOC Code', 'Related O*NET-SOC Code', 'Relatedness Tier', 'Index'];
  for await (const { line, row } of files.rows(related, { ...TAB, required })) {
    const at = { file: related, line };
    const occupation = socCode(row['O*NET-SOC Code']!, at);
    const other = socCode(row['Related O*NET-SOC Code']!, at);
    unknownOccupation(occupations, occupation, at);
    unknownOccupation(occupations, other, at);
    yield {
      kind: 'occupationRelation',
      at,
      occupation,
      related: other,
      type: 'related',
      rank: integer(row['Index']!, 'Index', at, 1, 1_000_000),
      tier: text(row['Relatedness Tier']!, 'Relatedness Tier', at),
    };
  }
}

interface Element {
  item: ItemRecord;
  parent: string | undefined;
}

/**
 * The elements of Content Model branches 2.A, 2.B and 2.C. An element with children is a group ('skill-group');
 * a leaf is a 'skill' (2.A, 2.B) or 'knowledge' (2.C) — so 2.C.6 Education and Training, a leaf right under 2.C, is a
 * knowledge area as Knowledge.txt rates it.
 */
async function readContentModel(files: SourceDirectory): Promise<Map<string, Element>> {
  const file = 'Content Model Reference.txt';
  const rows: { at: SourceLocation; id: string; name: string; description: string }[] = [];
  const seen = new Map<string, number>();
  for await (const { line, row } of files.rows(file, {
    ...TAB,
    required: ['Element ID', 'Element Name', 'Description'],
  })) {
    const at = { file, line };
    const id = row['Element ID']!;
    if (!ELEMENT_ID.test(id)) {
      throw new FrameworkImportError('ERR_IMPORT_VALUE', `Element ID ${JSON.stringify(id)} is not an element id.`, at);
    }
    const first = seen.get(id);
    if (first !== undefined) {
      throw new FrameworkImportError(
        'ERR_IMPORT_DUPLICATE',
        `Element ${id} is listed twice (first on line ${first}).`,
        {
          ...at,
          identifier: id,
        },
      );
    }
    seen.set(id, line);
    if (BRANCHES.some((branch) => id === branch || id.startsWith(`${branch}.`))) {
      rows.push({ at, id, name: text(row['Element Name']!, 'Element Name', at), description: row['Description']! });
    }
  }
  const ids = new Set(rows.map((r) => r.id));
  const parents = new Set(rows.map((r) => parentOf(r.id)).filter((p) => p !== undefined && ids.has(p)));
  const elements = new Map<string, Element>();
  for (const { at, id, name, description } of rows) {
    const uri = onetDescriptorUri(id);
    const parent = parentOf(id);
    const type = parents.has(id) ? 'skill-group' : id.startsWith('2.C') ? 'knowledge' : 'skill';
    elements.set(id, {
      item: {
        kind: 'item',
        at,
        identifier: id,
        caseIdentifier: uuidV5(uri),
        uri,
        type,
        code: id,
        statement: name,
        altLabels: [],
        description: description || undefined,
        language: 'en',
      },
      parent: parent !== undefined && ids.has(parent) ? parent : undefined,
    });
  }
  return elements;
}

function parentOf(id: string): string | undefined {
  const dot = id.lastIndexOf('.');
  return dot < 0 ? undefined : id.slice(0, dot);
}

/**
 * Technology Skills.txt: one row per (occupation, example). Examples become items ('technology', identifier
 * `technology:<example>`) under their commodity categories ('technology-category', identifier `unspsc:<code>`; an
 * example may sit in several); the rows become occupation skills, kept until the occupations are out.
 */
async function readTechnology(files: SourceDirectory) {
  const file = 'Technology Skills.txt';
  const items: ItemRecord[] = [];
  const associations: AssociationRecord[] = [];
  const occupationSkills: OccupationSkillRecord[] = [];
  const categories = new Map<string, ItemRecord>();
  const examples = new Map<string, ItemRecord>();
  const placed = new Set<string>();
  const rated = new Map<string, number>();
  const required = ['O*NET-SOC Code', 'Example', 'Commodity Code', 'Commodity Title', 'Hot Technology'];
  for await (const { line, row } of files.rows(file, { ...TAB, required })) {
    const at = { file, line };
    const occupation = socCode(row['O*NET-SOC Code']!, at);
    const example = text(row['Example']!, 'Example', at);
    const commodity = row['Commodity Code']!;
    if (!/^\d{8}$/.test(commodity)) {
      throw new FrameworkImportError(
        'ERR_IMPORT_VALUE',
        `Commodity Code ${JSON.stringify(commodity)} is not an eight-digit UNSPSC code.`,
        at,
      );
    }
    const commodityTitle = text(row['Commodity Title']!, 'Commodity Title', at);
    const hot = flag(row['Hot Technology']!, 'Hot Technology', at);
    const inDemand = row['In Demand'] === undefined ? false : flag(row['In Demand'], 'In Demand', at);

    const categoryId = `unspsc:${commodity}`;
    const category = categories.get(categoryId);
    if (!category) {
      const item = technologyItem(categoryId, 'technology-category', commodityTitle, at, commodity);
      categories.set(categoryId, item);
      items.push(item);
    } else if (category.statement !== commodityTitle) {
      throw new FrameworkImportError(
        'ERR_IMPORT_VALUE',
        `Commodity ${commodity} is titled ${JSON.stringify(commodityTitle)} here but ${JSON.stringify(category.statement)} on line ${category.at.line}.`,
        { ...at, identifier: categoryId },
      );
    }
    const exampleId = `technology:${example}`;
    if (!examples.has(exampleId)) {
      const item = technologyItem(exampleId, 'technology', example, at);
      examples.set(exampleId, item);
      items.push(item);
    }
    if (!placed.has(`${exampleId}\t${categoryId}`)) {
      placed.add(`${exampleId}\t${categoryId}`);
      associations.push(childOf(examples.get(exampleId)!, categoryId));
    }
    const key = `${occupation}\t${exampleId}`;
    const first = rated.get(key);
    if (first !== undefined) {
      throw new FrameworkImportError(
        'ERR_IMPORT_DUPLICATE',
        `${occupation} lists ${JSON.stringify(example)} twice (first on line ${first}).`,
        { ...at, identifier: key },
      );
    }
    rated.set(key, line);
    occupationSkills.push({
      kind: 'occupationSkill',
      at,
      occupation,
      item: exampleId,
      weight: hot || inDemand ? HOT_TECHNOLOGY_WEIGHT : TECHNOLOGY_WEIGHT,
      extra: { commodityCode: commodity, hotTechnology: hot, inDemand },
    });
  }
  return { items, associations, occupationSkills };
}

function technologyItem(
  identifier: string,
  type: 'technology' | 'technology-category',
  statement: string,
  at: SourceLocation,
  code?: string,
): ItemRecord {
  return {
    kind: 'item',
    at,
    identifier,
    // No URI of their own: a name-based UUID in the database's namespace, stable across imports.
    caseIdentifier: uuidV5(`${ONET_URI}#${identifier}`),
    type,
    code,
    statement,
    altLabels: [],
    language: 'en',
  };
}

/** isChildOf with the derived identifier every reader uses: `${type}|${origin}|${destination}`. */
function childOf(origin: ItemRecord, parent: string): AssociationRecord {
  const identifier = `isChildOf|${origin.identifier}|${parent}`;
  return {
    kind: 'association',
    at: origin.at,
    identifier,
    caseIdentifier: uuidV5(identifier),
    type: 'isChildOf',
    origin: { identifier: origin.identifier },
    destination: { identifier: parent },
  };
}

interface AlternateTitles {
  at: SourceLocation;
  titles: Set<string>;
  shortTitles: Set<string>;
}

/** Alternate Titles.txt → each occupation's distinct titles (its altLabels) and short titles ("CEO"). */
async function readAlternateTitles(files: SourceDirectory): Promise<Map<string, AlternateTitles>> {
  const file = 'Alternate Titles.txt';
  const byCode = new Map<string, AlternateTitles>();
  for await (const { line, row } of files.rows(file, { ...TAB, required: ['O*NET-SOC Code', 'Alternate Title'] })) {
    const at = { file, line };
    const code = socCode(row['O*NET-SOC Code']!, at);
    let entry = byCode.get(code);
    if (!entry) byCode.set(code, (entry = { at, titles: new Set(), shortTitles: new Set() }));
    entry.titles.add(text(row['Alternate Title']!, 'Alternate Title', at));
    const short = row['Short Title'];
    if (short && short !== 'n/a') entry.shortTitles.add(short);
  }
  return byCode;
}

/** Job Zones.txt → each occupation's job zone (1–5) and when it was rated. */
async function readJobZones(files: SourceDirectory) {
  const file = 'Job Zones.txt';
  const byCode = new Map<string, { at: SourceLocation; zone: number; date: string | undefined }>();
  for await (const { line, row } of files.rows(file, { ...TAB, required: ['O*NET-SOC Code', 'Job Zone'] })) {
    const at = { file, line };
    const code = socCode(row['O*NET-SOC Code']!, at);
    const first = byCode.get(code);
    if (first) {
      throw new FrameworkImportError(
        'ERR_IMPORT_DUPLICATE',
        `${code} has a second job zone (first on line ${first.at.line}).`,
        { ...at, identifier: code },
      );
    }
    byCode.set(code, { at, zone: integer(row['Job Zone']!, 'Job Zone', at, 1, 5), date: row['Date'] || undefined });
  }
  return byCode;
}

type PendingRating = { at: SourceLocation; IM?: Rating; LV?: Rating };

const SCALES = { IM: { min: 1, max: 5 }, LV: { min: 0, max: 7 } } as const;

/**
 * Skills.txt / Knowledge.txt: an IM (importance 1–5) and an LV (level 0–7) row per (occupation, element), merged into
 * one occupation skill as soon as both are in (the files keep them on adjacent lines). Weight = (importance − 1) / 4.
 */
async function* readRatings(
  files: SourceDirectory,
  file: string,
  type: 'skill' | 'knowledge',
  elements: Map<string, Element>,
  occupations: Set<string>,
): AsyncGenerator<OccupationSkillRecord> {
  const pending = new Map<string, PendingRating>();
  const done = new Map<string, number>();
  const required = ['O*NET-SOC Code', 'Element ID', 'Scale ID', 'Data Value'];
  for await (const { line, row } of files.rows(file, { ...TAB, required })) {
    const at = { file, line };
    const occupation = socCode(row['O*NET-SOC Code']!, at);
    unknownOccupation(occupations, occupation, at);
    const elementId = row['Element ID']!;
    const element = elements.get(elementId);
    if (!element || element.item.type !== type) {
      throw new FrameworkImportError(
        'ERR_IMPORT_REFERENCE',
        `Element ${JSON.stringify(elementId)} is not a ${type} of the content model (Content Model Reference.txt).`,
        { ...at, identifier: elementId },
      );
    }
    const scale = row['Scale ID']!;
    if (scale !== 'IM' && scale !== 'LV') {
      throw new FrameworkImportError(
        'ERR_IMPORT_VALUE',
        `Scale ID ${JSON.stringify(scale)} is neither IM (importance) nor LV (level).`,
        at,
      );
    }
    const key = `${occupation}\t${elementId}`;
    const entry: PendingRating = pending.get(key) ?? { at };
    const earlier = entry[scale] ? entry.at.line : done.has(key) ? done.get(key) : undefined;
    if (earlier !== undefined) {
      throw new FrameworkImportError(
        'ERR_IMPORT_DUPLICATE',
        `${occupation} has a second ${scale} rating of ${elementId} (first near line ${earlier}).`,
        { ...at, identifier: `${occupation}|${elementId}|${scale}` },
      );
    }
    const { min, max } = SCALES[scale];
    entry[scale] = {
      value: number(row['Data Value']!, 'Data Value', at, min, max),
      n: optionalNumber(row['N'], 'N', at),
      standardError: optionalNumber(row['Standard Error'], 'Standard Error', at),
      recommendSuppress: optionalFlag(row['Recommend Suppress'], 'Recommend Suppress', at),
      notRelevant: optionalFlag(row['Not Relevant'], 'Not Relevant', at),
      date: row['Date'] || undefined,
      domainSource: row['Domain Source'] || undefined,
    };
    if (entry.IM && entry.LV) {
      pending.delete(key);
      done.set(key, entry.at.line!);
      yield rating(occupation, elementId, entry.at, entry.IM, entry.LV);
    } else {
      pending.set(key, entry);
    }
  }
  // An element rated on one scale only (not in 29.2, but allowed): weight from what there is.
  for (const [key, entry] of pending) {
    const [occupation, elementId] = key.split('\t') as [string, string];
    yield rating(occupation, elementId, entry.at, entry.IM, entry.LV);
  }
}

function rating(
  occupation: string,
  item: string,
  at: SourceLocation,
  im: Rating | undefined,
  lv: Rating | undefined,
): OccupationSkillRecord {
  const weight = im ? (im.value - 1) / 4 : lv!.value / 7;
  return {
    kind: 'occupationSkill',
    at,
    occupation,
    item,
    importance: im?.value,
    level: lv?.value,
    weight: Math.round(weight * 1e6) / 1e6,
    extra: compact({
      date: im?.date ?? lv?.date,
      domainSource: im?.domainSource ?? lv?.domainSource,
      importance: im && statistics(im),
      level: lv && statistics(lv),
    }),
  };
}

/** A rating's statistics: the value has its column, and date and source are the same for both scales. */
function statistics(rating: Rating): Record<string, unknown> {
  const { n, standardError, recommendSuppress, notRelevant } = rating;
  return compact({ n, standardError, recommendSuppress, notRelevant });
}

function compact(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));
}

function unknownOccupation(occupations: Set<string>, code: string, at: SourceLocation): void {
  if (!occupations.has(code)) {
    throw new FrameworkImportError('ERR_IMPORT_REFERENCE', `Occupation ${code} is not in Occupation Data.txt.`, {
      ...at,
      identifier: code,
    });
  }
}

function socCode(value: string, at: SourceLocation): string {
  if (!SOC_CODE.test(value)) {
    throw new FrameworkImportError(
      'ERR_IMPORT_VALUE',
      `O*NET-SOC Code ${JSON.stringify(value)} is not an O*NET-SOC code (like 11-1011.00).`,
      at,
    );
  }
  return value;
}

function text(value: string, column: string, at: SourceLocation): string {
  const trimmed = value.trim();
  if (trimmed === '') throw new FrameworkImportError('ERR_IMPORT_VALUE', `${column} is empty.`, at);
  return trimmed;
}

function number(value: string, column: string, at: SourceLocation, min: number, max: number): number {
  const n = /^-?\d+(?:\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isFinite(n)) {
    throw new FrameworkImportError('ERR_IMPORT_VALUE', `${column} ${JSON.stringify(value)} is not a number.`, at);
  }
  if (n < min || n > max) {
    throw new FrameworkImportError('ERR_IMPORT_VALUE', `${column} ${value} is outside ${min}–${max}.`, at);
  }
  return n;
}

function integer(value: string, column: string, at: SourceLocation, min: number, max: number): number {
  const n = number(value, column, at, min, max);
  if (!Number.isInteger(n)) {
    throw new FrameworkImportError('ERR_IMPORT_VALUE', `${column} ${value} is not a whole number.`, at);
  }
  return n;
}

/** Statistics O*NET leaves out are empty or 'n/a'. */
function optionalNumber(value: string | undefined, column: string, at: SourceLocation): number | undefined {
  return value === undefined || value === '' || value === 'n/a'
    ? undefined
    : number(value, column, at, -Infinity, Infinity);
}

function flag(value: string, column: string, at: SourceLocation): boolean {
  if (value === 'Y') return true;
  if (value === 'N') return false;
  throw new FrameworkImportError('ERR_IMPORT_VALUE', `${column} ${JSON.stringify(value)} is neither Y nor N.`, at);
}

function optionalFlag(value: string | undefined, column: string, at: SourceLocation): boolean | undefined {
  return value === undefined || value === '' || value === 'n/a' ? undefined : flag(value, column, at);
}
