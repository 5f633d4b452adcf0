import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ESCO_FILES } from '../src/domains/frameworks/sources/esco-files.js';
import { readEsco, summarizeEsco, type EscoSource } from '../src/domains/frameworks/sources/esco.js';
import { openSourceDirectory, type RowsOptions, type SourceRow } from '../src/domains/frameworks/sources/files.js';
import {
  FrameworkImportError,
  type FrameworkCounts,
  type FrameworkImportErrorCode,
  type FrameworkRecord,
} from '../src/domains/frameworks/sources/model.js';

const SHIPPED = fileURLToPath(new URL('../data/esco-1.1.1', import.meta.url));
const MINI = fileURLToPath(new URL('./fixtures/esco-mini', import.meta.url));
const UNDEFINED_OCCUPATION = 'http://data.europa.eu/esco/occupation/a9e54177-a185-404d-b6e6-15663d31137e';

/** The row counts /work/shared/data/SOURCES.md gives for the original ESCO v1.1.1 files. */
const SOURCE_ROWS: Record<string, number> = {
  'skills_en.csv': 13_896,
  'occupations_en.csv': 3_007,
  'occupationSkillRelations.csv': 123_855,
  'skillSkillRelations.csv': 5_899,
  'broaderRelationsSkillPillar.csv': 20_656,
  'broaderRelationsOccPillar.csv': 3_617,
  'skillGroups_en.csv': 640,
  'ISCOGroups_en.csv': 619,
  'skillsHierarchy_en.csv': 647,
};

interface Manifest {
  version: string;
  attribution: string;
  files: Record<string, { rows: number }>;
}

function manifestOf(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
}

/** What one full read of a source yields, counted and checked as it streams. */
interface Reading {
  counts: FrameworkCounts;
  /** Records per source file. */
  perFile: Record<string, number>;
  duplicates: string[];
  unresolved: string[];
  /** Record kinds in the order they first appeared. */
  kindOrder: string[];
  kindsInterleaved: boolean;
  hierarchyRoots: string[];
}

async function readAll(source: EscoSource): Promise<Reading> {
  const counts: FrameworkCounts = {
    items: {},
    associations: {},
    occupations: { occupation: 0, group: 0 },
    occupationSkills: 0,
    occupationRelations: { broader: 0, related: 0 },
  };
  const perFile: Record<string, number> = {};
  const items = new Set<string>();
  const caseIds = new Set<string>();
  const associations = new Set<string>();
  const occupations = new Set<string>();
  const pairs = new Set<string>();
  const children = new Set<string>();
  const duplicates: string[] = [];
  const unresolved: string[] = [];
  const kindOrder: string[] = [];
  let kindsInterleaved = false;
  const unique = (set: Set<string>, key: string) => {
    if (set.has(key)) duplicates.push(key);
    set.add(key);
  };
  const resolve = (set: Set<string>, key: string, what: string) => {
    if (!set.has(key)) unresolved.push(`${what} ${key}`);
  };
  for await (const record of source.records() as AsyncIterable<FrameworkRecord>) {
    perFile[record.at.file] = (perFile[record.at.file] ?? 0) + 1;
    if (kindOrder.at(-1) !== record.kind) {
      if (kindOrder.includes(record.kind)) kindsInterleaved = true;
      kindOrder.push(record.kind);
    }
    switch (record.kind) {
      case 'item':
        counts.items[record.type] = (counts.items[record.type] ?? 0) + 1;
        unique(items, record.identifier);
        unique(caseIds, record.caseIdentifier);
        break;
      case 'association':
        counts.associations[record.type] = (counts.associations[record.type] ?? 0) + 1;
        unique(associations, record.identifier);
        unique(caseIds, record.caseIdentifier);
        resolve(items, record.origin.identifier, 'origin');
        resolve(items, record.destination.identifier, 'destination');
        if (record.type === 'isChildOf') children.add(record.origin.identifier);
        break;
      case 'occupation':
        counts.occupations[record.occupationKind]++;
        unique(occupations, record.identifier);
        break;
      case 'occupationSkill':
        counts.occupationSkills++;
        unique(pairs, `${record.occupation} ${record.item}`);
        resolve(occupations, record.occupation, 'occupation');
        resolve(items, record.item, 'item');
        break;
      case 'occupationRelation':
        counts.occupationRelations[record.type]++;
        unique(pairs, `${record.type} ${record.occupation} ${record.related}`);
        resolve(occupations, record.occupation, 'occupation');
        resolve(occupations, record.related, 'related occupation');
        break;
    }
  }
  const hierarchyRoots = [...items].filter((identifier) => !children.has(identifier)).sort();
  return { counts, perFile, duplicates, unresolved, kindOrder, kindsInterleaved, hierarchyRoots };
}

describe('readEsco on the shipped ESCO v1.1.1', () => {
  const manifest = manifestOf(SHIPPED);
  let source: EscoSource;
  let reading: Reading;

  beforeAll(async () => {
    source = readEsco(SHIPPED);
    reading = await readAll(source);
  });

  it('ships the original files’ row counts, as the data’s SOURCES.md gives them', () => {
    for (const [name, rows] of Object.entries(SOURCE_ROWS)) expect(manifest.files[name]?.rows, name).toBe(rows);
    expect(manifest.version).toBe('1.1.1');
  });

  it('yields a record for every source row, except those naming the occupation ESCO does not define', () => {
    const { counts, perFile } = reading;
    const skipped = source.skipped();
    const skippedIn = (file: string) => skipped.filter((s) => s.file === file).length;

    expect((counts.items.skill ?? 0) + (counts.items.knowledge ?? 0)).toBe(13_896);
    expect(counts.items.knowledge).toBe(3_059);
    expect(perFile['skills_en.csv']).toBe(manifest.files['skills_en.csv']!.rows);
    // 640 groups from skillGroups_en.csv and 7 that only skillsHierarchy_en.csv defines (broader relations use them)
    expect(perFile['skillGroups_en.csv']).toBe(640);
    expect(perFile['skillsHierarchy_en.csv']).toBe(7);
    expect(counts.items['skill-group']).toBe(647);
    expect(counts.associations.isChildOf).toBe(20_656);
    expect(counts.associations['ext:essentialSkill']! + counts.associations['ext:optionalSkill']!).toBe(5_899);
    expect(counts.associations['ext:essentialSkill']).toBe(191);
    expect(counts.occupations).toEqual({ occupation: 3_007, group: 619 });
    expect(counts.occupationSkills + skippedIn('occupationSkillRelations.csv')).toBe(123_855);
    expect(counts.occupationSkills).toBe(123_788);
    expect(counts.occupationRelations.broader + skippedIn('broaderRelationsOccPillar.csv')).toBe(3_617);

    expect(skipped).toHaveLength(68);
    expect(new Set(skipped.map((s) => s.identifier))).toEqual(new Set([UNDEFINED_OCCUPATION]));
    for (const file of Object.keys(manifest.files)) {
      const expected = file.includes('Collection') ? undefined : manifest.files[file]!.rows - skippedIn(file);
      if (file !== 'skillsHierarchy_en.csv') expect(perFile[file], file).toBe(expected);
    }
  });

  it('summarizes as a person checks an ESCO import', () => {
    expect(summarizeEsco(reading.counts)).toEqual({
      skills: 13_896,
      skillGroups: 647,
      occupations: 3_007,
      iscoGroups: 619,
      relations: 123_788,
      skillRelations: 5_899,
      hierarchy: 20_656,
    });
  });

  it('has unique identifiers, resolvable references, a hierarchy with the four ESCO roots, in contract order', () => {
    expect(reading.duplicates).toEqual([]);
    expect(reading.unresolved).toEqual([]);
    expect(reading.kindOrder).toEqual(['item', 'association', 'occupation', 'occupationSkill', 'occupationRelation']);
    expect(reading.kindsInterleaved).toBe(false);
    expect(reading.hierarchyRoots).toEqual([
      'http://data.europa.eu/esco/skill/04a13491-b58c-4d33-8b59-8fad0d55fe9e', // transversal skills and competences
      'http://data.europa.eu/esco/skill/335228d2-297d-4e0e-a6ee-bc6a8dc110d9', // skills
      'http://data.europa.eu/esco/skill/c46fcb45-5c14-4ffa-abed-5a43f104bb22', // knowledge
      'http://data.europa.eu/esco/skill/e35a5936-091d-4e87-bafe-f264e55bd656', // language skills and knowledge
    ]);
  });

  it('describes the framework from the manifest and counts every stored byte for the progress bar', async () => {
    expect(source.meta).toMatchObject({
      uri: 'http://data.europa.eu/esco/concept-scheme/skills',
      version: '1.1.1',
      creator: 'European Commission',
      attribution: manifest.attribution,
      licenseUri: 'https://creativecommons.org/licenses/by/4.0/',
    });
    expect(source.size!.total).toBeGreaterThan(3_000_000);
    expect(source.size!.read()).toBe(source.size!.total);
    expect(readEsco(SHIPPED, { version: '1.1.0' }).meta.identifier).not.toBe(source.meta.identifier);
  });
});

describe('readEsco on esco-mini', () => {
  it('reads every row of the subset, with a closed hierarchy', async () => {
    const source = readEsco(MINI);
    const reading = await readAll(source);
    const manifest = manifestOf(MINI);
    const skipped = source.skipped();
    expect(skipped.map((s) => [s.file, s.identifier])).toEqual([
      ['occupationSkillRelations.csv', UNDEFINED_OCCUPATION],
    ]);
    expect(reading.perFile['skills_en.csv']).toBe(manifest.files['skills_en.csv']!.rows);
    expect(reading.counts.associations.isChildOf).toBe(manifest.files['broaderRelationsSkillPillar.csv']!.rows);
    expect(reading.counts.occupationSkills).toBe(manifest.files['occupationSkillRelations.csv']!.rows - 1);
    expect(reading.counts.associations['ext:essentialSkill']).toBeGreaterThan(0);
    expect(reading.duplicates).toEqual([]);
    expect(reading.unresolved).toEqual([]);
    expect(reading.hierarchyRoots.length).toBeLessThanOrEqual(4);
  });

  it('marks skills of the ESCO collections in extra, keeps skillType and reuseLevel', async () => {
    const flagged = new Map<string, unknown>();
    for await (const record of readEsco(MINI).records()) {
      if (record.kind === 'item' && record.extra?.collections) flagged.set(record.identifier, record.extra);
    }
    const language = 'http://data.europa.eu/esco/skill/01f10952-cb59-4347-9aee-d4fbc51c870a'; // write Hungarian
    expect(flagged.get(language)).toEqual({
      skillType: 'skill/competence',
      reuseLevel: 'transversal',
      collections: ['language'],
    });
  });
});

// --- malformed inputs --------------------------------------------------------------------------------------------

let temp: string;
beforeAll(() => {
  temp = mkdtempSync(join(tmpdir(), 'esco-sources-'));
});
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** Brotli's default quality (11) takes seconds on a megabyte; the reader does not care. */
const FAST_BROTLI = { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } };

let counter = 0;
/** A fresh directory holding one file `name` with these bytes. */
function dirWith(name: string, bytes: string | Buffer): string {
  const dir = join(temp, `case-${++counter}`);
  mkdirSync(dir);
  writeFileSync(join(dir, name), bytes);
  return dir;
}

async function collect(rows: AsyncIterable<SourceRow>): Promise<SourceRow[]> {
  const all: SourceRow[] = [];
  for await (const row of rows) all.push(row);
  return all;
}

const CSV: RowsOptions = { delimiter: ',', required: ['a', 'b'] };

async function expectImportError(
  promise: Promise<unknown>,
  code: FrameworkImportErrorCode,
  line: number | undefined,
): Promise<FrameworkImportError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FrameworkImportError);
  const importError = error as FrameworkImportError;
  expect({ code: importError.code, line: importError.at?.line }, importError.describe()).toEqual({ code, line });
  return importError;
}

function read(dir: string, name = 'f.csv', options: RowsOptions = CSV) {
  return collect(openSourceDirectory(dir).rows(name, options));
}

describe('openSourceDirectory: CSV and line numbers', () => {
  it('gives each row the line it starts on, across quoted line breaks, CRLF and blank lines', async () => {
    const text = 'a,b\r\n1,"two\r\nlines"\r\n\r\n3,"say ""hi"", then, go"\r\n4,\r\n';
    const rows = await read(dirWith('f.csv', text));
    expect(rows).toEqual([
      { line: 2, row: { a: '1', b: 'two\r\nlines' } },
      { line: 5, row: { a: '3', b: 'say "hi", then, go' } },
      { line: 6, row: { a: '4', b: '' } },
    ]);
  });

  it('refuses a quote that is never closed, naming the line it opened on', async () => {
    const error = await expectImportError(read(dirWith('f.csv', 'a,b\n1,2\n3,4\n5,"six\n7,8\n')), 'ERR_IMPORT_CSV', 4);
    expect(error.message).toContain('never closed');
  });

  it('refuses an unclosed quote that would swallow a large file, without reading it all into one record', async () => {
    const text = 'a,b\n1,2\n3,"four\n' + '5,6\n'.repeat(300_000);
    await expectImportError(read(dirWith('f.csv', text)), 'ERR_IMPORT_CSV', 3);
  });

  it('refuses text after a closing quote and a bare quote in an unquoted field, with their lines', async () => {
    await expectImportError(read(dirWith('f.csv', 'a,b\n1,2\n3,"four"x\n')), 'ERR_IMPORT_CSV', 3);
    await expectImportError(read(dirWith('f.csv', 'a,b\n1,2\n3,4\n5,si"x\n')), 'ERR_IMPORT_CSV', 4);
  });

  it('refuses a row with more or fewer fields than the header', async () => {
    await expectImportError(read(dirWith('f.csv', 'a,b\n1,2\n"multi\nline",2,3\n')), 'ERR_IMPORT_CSV', 3);
    await expectImportError(read(dirWith('f.csv', 'a,b\n1,2\n3,4\n5\n')), 'ERR_IMPORT_CSV', 4);
  });

  it('names the missing columns', async () => {
    const error = await expectImportError(
      read(dirWith('f.csv', 'a,c\n1,2\n'), 'f.csv', { delimiter: ',', required: ['a', 'b', 'd'] }),
      'ERR_IMPORT_COLUMNS',
      1,
    );
    expect(error.message).toContain('"b", "d"');
    await expectImportError(read(dirWith('f.csv', '')), 'ERR_IMPORT_COLUMNS', 1);
  });

  it('refuses a missing file', async () => {
    await expectImportError(read(dirWith('other.csv', 'a,b\n')), 'ERR_IMPORT_FILE_MISSING', undefined);
  });

  it('reads tab-separated files without quoting: quotes stay as they are', async () => {
    const dir = dirWith('f.txt', 'Code\tTitle\r\n11-1011.00\tSays "hi\r\n11-1021.00\t5" tall\r\n');
    const rows = await read(dir, 'f.txt', { delimiter: '\t', required: ['Code', 'Title'] });
    expect(rows.map((r) => [r.line, r.row.Title])).toEqual([
      [2, 'Says "hi'],
      [3, '5" tall'],
    ]);
    await expectImportError(
      read(dirWith('f.txt', 'Code\tTitle\n1\t2\n3\t4\t5\n'), 'f.txt', { delimiter: '\t', required: [] }),
      'ERR_IMPORT_CSV',
      3,
    );
  });
});

describe('openSourceDirectory: encodings', () => {
  const text = 'a,b\n1,"é, ü"\n2,日本\n3,😀\n';
  const expected = [
    { line: 2, row: { a: '1', b: 'é, ü' } },
    { line: 3, row: { a: '2', b: '日本' } },
    { line: 4, row: { a: '3', b: '😀' } },
  ];

  it('strips a UTF-8 byte-order mark', async () => {
    expect(await read(dirWith('f.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])))).toEqual(
      expected,
    );
  });

  it('reads .gz and .br files as it reads the plain file, and hashes their content alike', async () => {
    const plain = dirWith('f.csv', text);
    const gz = dirWith('f.csv.gz', gzipSync(text));
    const br = dirWith('f.csv.br', brotliCompressSync(text));
    for (const dir of [plain, gz, br]) expect(await read(dir)).toEqual(expected);
    const hashes = await Promise.all([plain, gz, br].map((dir) => openSourceDirectory(dir).contentHash(['f.csv'])));
    expect(new Set(hashes).size).toBe(1);
    expect(await openSourceDirectory(plain).contentHash(['f.csv', 'g.csv'])).not.toBe(hashes[0]);

    const files = openSourceDirectory(br);
    expect(files.has('f.csv')).toBe(true);
    expect(files.size(['f.csv', 'absent.csv'])).toBe(readFileSync(join(br, 'f.csv.br')).length);
    await read(br);
    await collect(files.rows('f.csv', CSV));
    expect(files.bytesRead()).toBe(files.size(['f.csv']));
  });

  it('refuses UTF-16 and UTF-32 files by their byte-order mark, naming the encoding', async () => {
    const utf16le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const error = await expectImportError(read(dirWith('f.csv', utf16le)), 'ERR_IMPORT_ENCODING', 1);
    expect(error.message).toContain('UTF-16 (little-endian)');
    expect(error.message).toContain('UTF-8');
    const utf16be = Buffer.from(utf16le).swap16();
    expect((await expectImportError(read(dirWith('f.csv', utf16be)), 'ERR_IMPORT_ENCODING', 1)).message).toContain(
      'UTF-16 (big-endian)',
    );
    const utf32 = Buffer.from([0xff, 0xfe, 0, 0, 0x61, 0, 0, 0]);
    expect((await expectImportError(read(dirWith('f.csv', utf32)), 'ERR_IMPORT_ENCODING', 1)).message).toContain(
      'UTF-32',
    );
    // without a byte-order mark, UTF-16 shows as NUL characters
    await expectImportError(read(dirWith('f.csv', Buffer.from(text, 'utf16le'))), 'ERR_IMPORT_ENCODING', 1);
  });

  it('refuses a Latin-1 byte with its line, even far into a compressed file', async () => {
    const latin1 = Buffer.from('a,b\n1,2\n3,caf\xe9\n', 'latin1');
    const error = await expectImportError(read(dirWith('f.csv', latin1)), 'ERR_IMPORT_ENCODING', 3);
    expect(error.message).toContain('0xE9');

    const lines = Array.from({ length: 50_000 }, (_, i) => `${i},"ça va ${i}"\n`);
    lines[40_000] = '40000,caf\xe9\n'; // data line 40,000 is line 40,002 of the file
    const big = Buffer.concat([
      Buffer.from('a,b\n'),
      ...lines.map((l, i) => Buffer.from(l, i === 40_000 ? 'latin1' : 'utf8')),
    ]);
    const valid = Buffer.from('a,b\n' + lines.join('').replace('caf\xe9', 'café'), 'utf8');
    await expectImportError(read(dirWith('f.csv', big)), 'ERR_IMPORT_ENCODING', 40_002);
    await expectImportError(
      read(dirWith('f.csv.br', brotliCompressSync(big, FAST_BROTLI))),
      'ERR_IMPORT_ENCODING',
      40_002,
    );
    // the same file in UTF-8: multi-byte characters cut by chunk boundaries decode whole
    const rows = await read(dirWith('f.csv.gz', gzipSync(valid)));
    expect(rows).toHaveLength(50_000);
    expect(rows[40_000]).toEqual({ line: 40_002, row: { a: '40000', b: 'café' } });
    expect(rows.every((r, i) => i === 40_000 || r.row.b === `ça va ${i}`)).toBe(true);
  });

  it('refuses a truncated UTF-8 character at the end of the file, and corrupt compressed data', async () => {
    await expectImportError(
      read(dirWith('f.csv', Buffer.from([...Buffer.from('a,b\n1,2\n3,'), 0xe6, 0x97]))),
      'ERR_IMPORT_ENCODING',
      3,
    );
    const gz = gzipSync(text);
    gz[gz.length - 12] = gz[gz.length - 12]! ^ 0xff;
    await expectImportError(read(dirWith('f.csv.gz', gz)), 'ERR_IMPORT_ENCODING', undefined);
  });
});

describe('readEsco: malformed ESCO directories', () => {
  /** A copy of esco-mini with one file replaced. */
  function miniWith(name: string, edit: (text: string) => string): string {
    const dir = join(temp, `mini-${++counter}`);
    mkdirSync(dir);
    for (const file of readdirSync(MINI)) copyFileSync(join(MINI, file), join(dir, file));
    writeFileSync(join(dir, name), edit(readFileSync(join(MINI, name), 'utf8')));
    return dir;
  }
  const drain = async (source: EscoSource) => {
    for await (const _ of source.records());
  };

  it('names a missing ESCO column', async () => {
    const dir = miniWith(ESCO_FILES.skills.name, (text) => text.replace('preferredLabel', 'prefLabel'));
    const error = await expectImportError(drain(readEsco(dir)), 'ERR_IMPORT_COLUMNS', 1);
    expect(error.at?.file).toBe('skills_en.csv');
    expect(error.message).toContain('"preferredLabel"');
  });

  it('refuses an unknown relation type with its line', async () => {
    const dir = miniWith(ESCO_FILES.occupationSkills.name, (text) => {
      const lines = text.split('\n');
      lines[4] = lines[4]!.replace(/,(essential|optional),/, ',preferred,');
      return lines.join('\n');
    });
    await expectImportError(drain(readEsco(dir)), 'ERR_IMPORT_VALUE', 5);
  });

  it('refuses a missing file', async () => {
    const dir = miniWith(ESCO_FILES.skills.name, (text) => text);
    rmSync(join(dir, ESCO_FILES.occupations.name));
    const error = await expectImportError(drain(readEsco(dir)), 'ERR_IMPORT_FILE_MISSING', undefined);
    expect(error.at?.file).toBe('occupations_en.csv');
  });
});
