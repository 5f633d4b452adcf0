import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FrameworkImportError,
  type FrameworkCounts,
  type FrameworkRecord,
  type FrameworkSource,
  type ItemRecord,
  type OccupationRecord,
  type OccupationSkillRecord,
} from '../src/domains/frameworks/sources/model.js';
import { ONET_URI, readOnet } from '../src/domains/frameworks/sources/onet.js';

/** The shipped copy (brotli-compressed text files), as a fresh clone has it. */
const SHIPPED = fileURLToPath(new URL('../data/onet-29.2', import.meta.url));

async function readAll(source: FrameworkSource): Promise<FrameworkRecord[]> {
  const records: FrameworkRecord[] = [];
  for await (const record of source.records()) records.push(record);
  return records;
}

/** What the importer would count in the database for these records, tallied here without one. */
function countRecords(records: FrameworkRecord[]): FrameworkCounts {
  const counts: FrameworkCounts = {
    items: {},
    associations: {},
    occupations: { occupation: 0, group: 0 },
    occupationSkills: 0,
    occupationRelations: { broader: 0, related: 0 },
    occupationSkillsByType: {},
    occupationAltLabels: 0,
    occupationsWithJobZone: 0,
  };
  const typeOf = new Map<string, string>();
  const add = (into: Record<string, number>, key: string) => (into[key] = (into[key] ?? 0) + 1);
  for (const r of records) {
    if (r.kind === 'item') {
      typeOf.set(r.identifier, r.type);
      add(counts.items, r.type);
    } else if (r.kind === 'association') add(counts.associations, r.type);
    else if (r.kind === 'occupation') {
      counts.occupations[r.occupationKind]++;
      counts.occupationAltLabels! += r.altLabels.length;
      if (r.jobZone !== undefined) counts.occupationsWithJobZone!++;
    } else if (r.kind === 'occupationSkill') {
      counts.occupationSkills++;
      add(counts.occupationSkillsByType!, typeOf.get(r.item)!);
    } else counts.occupationRelations[r.type]++;
  }
  return counts;
}

describe('readOnet: the shipped O*NET 29.2', () => {
  let source: FrameworkSource;
  let records: FrameworkRecord[];
  let counts: FrameworkCounts;
  const rating = (occupation: string, item: string) =>
    records.find(
      (r): r is OccupationSkillRecord => r.kind === 'occupationSkill' && r.occupation === occupation && r.item === item,
    );
  const occupation = (code: string) =>
    records.find((r): r is OccupationRecord => r.kind === 'occupation' && r.identifier === code);
  const item = (identifier: string) =>
    records.find((r): r is ItemRecord => r.kind === 'item' && r.identifier === identifier);

  beforeAll(async () => {
    source = await readOnet(SHIPPED);
    records = await readAll(source);
    counts = countRecords(records);
  }, 120_000);

  it('summarizes to the counts the source files hold', () => {
    // Checked against the original files with awk (see the report): Occupation Data.txt 1016 rows; Content Model
    // Reference 2.A/2.B leaves 35, 2.C leaves 33, groups 18; Technology Skills.txt 32627 rows, 8768 distinct examples
    // in 135 commodities; Alternate Titles.txt 56560 rows of which 2 repeat an (occupation, title) pair;
    // Related Occupations.txt 18460; Skills.txt 61530 + Knowledge.txt 58014 rows = 59772 IM/LV pairs; Job Zones 923.
    expect(source.summarize(counts)).toEqual({
      occupations: 1016,
      skills: 35,
      knowledge: 33,
      skillGroups: 18,
      technologies: 8768,
      technologyCategories: 135,
      technologySkills: 32627,
      alternateTitles: 56558,
      relatedOccupations: 18460,
      ratings: 59772,
      jobZones: 923,
    });
    // Every element under 2.A/2.B/2.C but the three roots has a parent; 8927 distinct (example, commodity) pairs.
    expect(counts.associations).toEqual({ isChildOf: 83 + 8927 });
    expect(counts.occupationSkills).toBe(59772 + 32627);
  });

  it('names the release from Read Me.txt', () => {
    expect(source.kind).toBe('onet');
    expect(source.meta).toMatchObject({
      uri: ONET_URI,
      version: '29.2',
      title: 'O*NET 29.2 Database',
      licenseUri: 'https://creativecommons.org/licenses/by/4.0/',
      lastChangeAt: '2025-02-01T00:00:00.000Z',
    });
    expect(source.meta.attribution).toContain('O*NET 29.2 Database by the U.S. Department of Labor');
  });

  it('merges the IM and LV rows of an (occupation, element) into one occupation skill', () => {
    // Skills.txt lines 2–3: 11-1011.00 2.A.1.a IM 4.12 (N 8, SE 0.125), LV 4.62 (N 8, SE 0.183, Not Relevant N).
    expect(rating('11-1011.00', '2.A.1.a')).toEqual({
      kind: 'occupationSkill',
      at: { file: 'Skills.txt', line: 2 },
      occupation: '11-1011.00',
      item: '2.A.1.a',
      importance: 4.12,
      level: 4.62,
      weight: 0.78,
      extra: {
        date: '08/2023',
        domainSource: 'Analyst',
        importance: { n: 8, standardError: 0.125, recommendSuppress: false },
        level: { n: 8, standardError: 0.183, recommendSuppress: false, notRelevant: false },
      },
    });
    expect(rating('11-1011.00', '2.C.1.a')).toMatchObject({ importance: 4.78, level: 6.5, weight: 0.945 });
    expect(rating('29-1141.00', '2.C.5.a')).toMatchObject({ importance: 4.36, level: 4.47, weight: 0.84 });
    // Financial Managers, Operations Analysis: O*NET recommends suppressing the level (Recommend Suppress Y).
    expect(rating('11-3031.00', '2.B.3.a')?.extra).toMatchObject({ level: { recommendSuppress: true } });
  });

  it('reads the content model hierarchy: leaves are skills or knowledge, their ancestors groups', () => {
    expect(item('2.A.1.a')).toMatchObject({
      type: 'skill',
      statement: 'Reading Comprehension',
      code: '2.A.1.a',
      uri: 'https://www.onetonline.org/find/descriptor/result/2.A.1.a',
    });
    expect(item('2.A.1')).toMatchObject({ type: 'skill-group', statement: 'Content' });
    expect(item('2.C.6')).toMatchObject({ type: 'knowledge', statement: 'Education and Training' });
    expect(item('2')).toBeUndefined();
    const parents = records.filter((r) => r.kind === 'association' && r.origin.identifier === '2.C.6');
    expect(parents).toMatchObject([{ type: 'isChildOf', destination: { identifier: '2.C' } }]);
  });

  it('reads occupations with alternate titles, job zones and related occupations', () => {
    const developers = occupation('15-1252.00');
    expect(developers).toMatchObject({ title: 'Software Developers', jobZone: 4 });
    expect(developers?.altLabels).toHaveLength(135);
    // Alternate Titles.txt lines 10402–10403 repeat one title: it is one alt label.
    const counsellors = occupation('21-1014.00')!;
    expect(counsellors.altLabels.filter((t) => t === 'Licensed Clinical Mental Health Counselor (LCMHC)')).toHaveLength(
      1,
    );
    const related = records.filter((r) => r.kind === 'occupationRelation' && r.occupation === '15-1252.00');
    expect(related.slice(0, 2)).toMatchObject([
      { related: '15-1299.08', rank: 1, tier: 'Primary-Short', type: 'related' },
      { related: '15-1251.00', rank: 2, tier: 'Primary-Short', type: 'related' },
    ]);
  });

  it('reads technology: examples under their commodities, hot technology weighted 0.75', () => {
    expect(item('unspsc:43232405')).toMatchObject({
      type: 'technology-category',
      code: '43232405',
      statement: 'Object or component oriented development software',
    });
    expect(item('technology:Python')).toMatchObject({ type: 'technology', statement: 'Python' });
    expect(rating('15-1252.00', 'technology:Python')).toMatchObject({
      weight: 0.75,
      extra: { commodityCode: '43232405', hotTechnology: true, inDemand: true },
    });
    expect(rating('29-1141.00', 'technology:Allscripts Sunrise')).toMatchObject({ weight: 0.5 });
    // One example, two commodities (the same name under two categories in the source).
    const jira = records.filter((r) => r.kind === 'association' && r.origin.identifier === 'technology:Atlassian JIRA');
    expect(jira.length).toBeGreaterThanOrEqual(2);
  });

  it('keeps identifiers unique and records in the importer’s order, and reads every stored byte once', async () => {
    const order = ['item', 'association', 'occupation', 'occupationSkill', 'occupationRelation'];
    const ranks = records.map((r) => order.indexOf(r.kind));
    expect(ranks.every((rank, i) => i === 0 || rank >= ranks[i - 1]!)).toBe(true);
    const items = records.filter((r) => r.kind === 'item');
    expect(new Set(items.map((r) => r.identifier)).size).toBe(items.length);
    expect(new Set(items.map((r) => r.caseIdentifier)).size).toBe(items.length);
    expect(source.size!.read()).toBe(source.size!.total);
    const again = await readOnet(SHIPPED);
    expect(await again.contentHash()).toBe(await source.contentHash());
    expect(again.meta.identifier).toBe(source.meta.identifier);
  });
});

const HEADER_RATINGS =
  'O*NET-SOC Code\tTitle\tElement ID\tElement Name\tScale ID\tScale Name\tData Value\tN\tStandard Error\t' +
  'Lower CI Bound\tUpper CI Bound\tRecommend Suppress\tNot Relevant\tDate\tDomain Source';

/** A miniature O*NET release from real 29.2 rows: two occupations, four elements, a little technology. */
const MINI: Record<string, string> = {
  'Read Me.txt': 'O*NET 29.2 Database\nFebruary 2025 Release\n---------------------\n',
  'Content Model Reference.txt': [
    'Element ID\tElement Name\tDescription',
    '2\tWorker Requirements\tWorker Requirements',
    '2.A\tBasic Skills\tDeveloped capacities that facilitate learning',
    '2.A.1\tContent\tBackground structures needed to work with and acquire more specific skills',
    '2.A.1.a\tReading Comprehension\tUnderstanding written sentences and paragraphs in work-related documents.',
    '2.C\tKnowledge\tOrganized sets of principles and facts applying in general domains',
    '2.C.1\tBusiness and Management\tKnowledge of principles and facts related to business administration',
    '2.C.1.a\tAdministration and Management\tKnowledge of business and management principles',
    '2.C.6\tEducation and Training\tKnowledge of principles and methods for curriculum and training design',
  ].join('\r\n'),
  'Occupation Data.txt': [
    'O*NET-SOC Code\tTitle\tDescription',
    '11-1011.00\tChief Executives\tDetermine and formulate policies and provide overall direction of companies.',
    '29-1141.00\tRegistered Nurses\tAssess patient health problems and needs.',
  ].join('\r\n'),
  'Alternate Titles.txt': [
    'O*NET-SOC Code\tAlternate Title\tShort Title\tSource(s)',
    '11-1011.00\tAgency Owner\tn/a\t10',
    '29-1141.00\tCardiac Care Unit Nurse (CCU Nurse)\tCCU Nurse\t02,04',
    '29-1141.00\tCardiac Nurse Specialist\tn/a\t09',
    '29-1141.00\tCardiac Nurse Specialist\tn/a\t04',
  ].join('\r\n'),
  'Job Zones.txt': ['O*NET-SOC Code\tJob Zone\tDate\tDomain Source', '11-1011.00\t5\t08/2023\tAnalyst'].join('\r\n'),
  'Skills.txt': [
    HEADER_RATINGS,
    '11-1011.00\tChief Executives\t2.A.1.a\tReading Comprehension\tIM\tImportance\t4.12\t8\t0.125\t3.88\t4.37\tN\t\t08/2023\tAnalyst',
    '11-1011.00\tChief Executives\t2.A.1.a\tReading Comprehension\tLV\tLevel\t4.62\t8\t0.183\t4.2664\t4.9836\tN\tN\t08/2023\tAnalyst',
    '29-1141.00\tRegistered Nurses\t2.A.1.a\tReading Comprehension\tIM\tImportance\t3.88\t8\t0.125\t3.63\t4.12\tN\t\t08/2021\tAnalyst',
    '29-1141.00\tRegistered Nurses\t2.A.1.a\tReading Comprehension\tLV\tLevel\t4.25\t8\t0.1637\t3.9292\t4.5708\tN\tN\t08/2021\tAnalyst',
    '',
  ].join('\n'),
  'Knowledge.txt': [
    HEADER_RATINGS,
    '11-1011.00\tChief Executives\t2.C.1.a\tAdministration and Management\tIM\tImportance\t4.78\t28\t0.1102\t4.5564\t5\tN\t\t08/2023\tIncumbent',
    '11-1011.00\tChief Executives\t2.C.1.a\tAdministration and Management\tLV\tLevel\t6.5\t28\t0.213\t6.0666\t6.9409\tN\tN\t08/2023\tIncumbent',
    '11-1011.00\tChief Executives\t2.C.6\tEducation and Training\tIM\tImportance\t3.52\t28\t0.265\t2.9752\t4.0628\tN\t\t08/2023\tIncumbent',
    '11-1011.00\tChief Executives\t2.C.6\tEducation and Training\tLV\tLevel\t4.6\t\t\t\t\t\t\t08/2023\tIncumbent',
    '',
  ].join('\n'),
  'Technology Skills.txt': [
    'O*NET-SOC Code\tExample\tCommodity Code\tCommodity Title\tHot Technology\tIn Demand',
    '11-1011.00\tAdobe Acrobat\t43232202\tDocument management software\tY\tN',
    '29-1141.00\tAllscripts Sunrise\t43232610\tMedical software\tN\tN',
    '29-1141.00\tAdobe Acrobat\t43232202\tDocument management software\tN\tN',
  ].join('\r\n'),
  'Related Occupations.txt': [
    'O*NET-SOC Code\tRelated O*NET-SOC Code\tRelatedness Tier\tIndex',
    '11-1011.00\t29-1141.00\tSupplemental\t20',
  ].join('\r\n'),
};

describe('readOnet: a miniature release and malformed inputs', () => {
  const root = mkdtempSync(join(tmpdir(), 'skillproof-onet-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;

  /** MINI with some files replaced (a string), edited (a function of the original) or removed (null). */
  function mini(changes: Record<string, string | null | ((text: string) => string)> = {}): string {
    const dir = join(root, String(n++));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    for (const [name, text] of Object.entries(MINI)) {
      const change = changes[name];
      if (change === null) continue;
      writeFileSync(join(dir, name), typeof change === 'function' ? change(text) : (change ?? text));
    }
    return dir;
  }

  async function failure(dir: string, options = {}): Promise<FrameworkImportError> {
    try {
      await readAll(await readOnet(dir, options));
    } catch (e) {
      if (e instanceof FrameworkImportError) return e;
      throw e;
    }
    throw new Error('expected a FrameworkImportError');
  }

  const line = (file: string, at: number, edit: (fields: string[]) => void) => (text: string) => {
    const lines = text.split(/\r?\n/);
    const fields = lines[at - 1]!.split('\t');
    edit(fields);
    lines[at - 1] = fields.join('\t');
    return lines.join(file.endsWith('Skills.txt') || file === 'Knowledge.txt' ? '\n' : '\r\n');
  };

  it('reads every record of a well-formed release', async () => {
    const source = await readOnet(mini());
    const records = await readAll(source);
    expect(source.summarize(countRecords(records))).toEqual({
      occupations: 2,
      skills: 1,
      knowledge: 2,
      skillGroups: 4,
      technologies: 2,
      technologyCategories: 2,
      technologySkills: 3,
      alternateTitles: 3,
      relatedOccupations: 1,
      ratings: 4,
      jobZones: 1,
    });
    expect(records.filter((r) => r.kind === 'association').map((r) => r.identifier)).toEqual([
      'isChildOf|2.A.1|2.A',
      'isChildOf|2.A.1.a|2.A.1',
      'isChildOf|2.C.1|2.C',
      'isChildOf|2.C.1.a|2.C.1',
      'isChildOf|2.C.6|2.C',
      'isChildOf|technology:Adobe Acrobat|unspsc:43232202',
      'isChildOf|technology:Allscripts Sunrise|unspsc:43232610',
    ]);
    const nurses = records.find((r): r is OccupationRecord => r.kind === 'occupation' && r.code === '29-1141.00');
    expect(nurses).toMatchObject({
      altLabels: ['Cardiac Care Unit Nurse (CCU Nurse)', 'Cardiac Nurse Specialist'],
      jobZone: undefined,
      extra: { shortTitles: ['CCU Nurse'] },
      uri: 'https://www.onetonline.org/link/summary/29-1141.00',
    });
    // A level row without N or standard error keeps only what it has.
    const education = records.find(
      (r): r is OccupationSkillRecord => r.kind === 'occupationSkill' && r.item === '2.C.6',
    );
    expect(education).toMatchObject({ importance: 3.52, level: 4.6, weight: 0.63, extra: { level: {} } });
    expect(records.find((r) => r.kind === 'occupationRelation')).toMatchObject({ rank: 20, tier: 'Supplemental' });
  });

  it('refuses a non-numeric or out-of-range Data Value with its file and line', async () => {
    const bad = await failure(mini({ 'Skills.txt': line('Skills.txt', 3, (f) => (f[6] = 'high')) }));
    expect(bad.code).toBe('ERR_IMPORT_VALUE');
    expect(bad.describe()).toBe('Skills.txt line 3: Data Value "high" is not a number.');
    const range = await failure(mini({ 'Knowledge.txt': line('Knowledge.txt', 2, (f) => (f[6] = '5.5')) }));
    expect(range.code).toBe('ERR_IMPORT_VALUE');
    expect(range.describe()).toBe('Knowledge.txt line 2: Data Value 5.5 is outside 1–5.');
    const se = await failure(mini({ 'Skills.txt': line('Skills.txt', 4, (f) => (f[8] = '0,125')) }));
    expect(se.describe()).toBe('Skills.txt line 4: Standard Error "0,125" is not a number.');
  });

  it('refuses a missing column, naming it', async () => {
    const e = await failure(mini({ 'Skills.txt': (t) => t.replace('\tData Value\t', '\tValue\t') }));
    expect(e.code).toBe('ERR_IMPORT_COLUMNS');
    expect(e.at).toMatchObject({ file: 'Skills.txt', line: 1 });
    expect(e.message).toContain('"Data Value"');
  });

  it('refuses a row with a missing field, a bad scale, flag, job zone or code, with the line', async () => {
    const cases: [Record<string, (t: string) => string>, string, string][] = [
      [
        { 'Related Occupations.txt': line('Related Occupations.txt', 2, (f) => f.pop()) },
        'ERR_IMPORT_CSV',
        'Related Occupations.txt line 2: line 2 has 3 fields but the header has 4',
      ],
      [
        { 'Skills.txt': line('Skills.txt', 2, (f) => (f[4] = 'XX')) },
        'ERR_IMPORT_VALUE',
        'Skills.txt line 2: Scale ID "XX" is neither IM (importance) nor LV (level).',
      ],
      [
        { 'Technology Skills.txt': line('Technology Skills.txt', 3, (f) => (f[4] = 'Yes')) },
        'ERR_IMPORT_VALUE',
        'Technology Skills.txt line 3: Hot Technology "Yes" is neither Y nor N.',
      ],
      [
        { 'Job Zones.txt': line('Job Zones.txt', 2, (f) => (f[1] = '6')) },
        'ERR_IMPORT_VALUE',
        'Job Zones.txt line 2: Job Zone 6 is outside 1–5.',
      ],
      [
        { 'Related Occupations.txt': line('Related Occupations.txt', 2, (f) => (f[3] = '2.5')) },
        'ERR_IMPORT_VALUE',
        'Related Occupations.txt line 2: Index 2.5 is not a whole number.',
      ],
      [
        { 'Occupation Data.txt': line('Occupation Data.txt', 3, (f) => (f[0] = '29-1141')) },
        'ERR_IMPORT_VALUE',
        'Occupation Data.txt line 3: O*NET-SOC Code "29-1141" is not an O*NET-SOC code (like 11-1011.00).',
      ],
    ];
    for (const [changes, code, described] of cases) {
      const e = await failure(mini(changes));
      expect([e.code, e.describe()]).toEqual([code, described]);
    }
  });

  it('refuses duplicates and references to what the release does not hold', async () => {
    const twice = await failure(mini({ 'Skills.txt': (t) => t + t.split('\n')[1] + '\n' }));
    expect([twice.code, twice.at?.line, twice.at?.identifier]).toEqual([
      'ERR_IMPORT_DUPLICATE',
      6,
      '11-1011.00|2.A.1.a|IM',
    ]);
    const element = await failure(mini({ 'Knowledge.txt': line('Knowledge.txt', 4, (f) => (f[2] = '2.A.1.a')) }));
    expect([element.code, element.describe()]).toEqual([
      'ERR_IMPORT_REFERENCE',
      'Knowledge.txt line 4: Element "2.A.1.a" is not a knowledge of the content model (Content Model Reference.txt).',
    ]);
    const title = await failure(
      mini({ 'Alternate Titles.txt': line('Alternate Titles.txt', 3, (f) => (f[0] = '29-1141.01')) }),
    );
    expect([title.code, title.describe()]).toEqual([
      'ERR_IMPORT_REFERENCE',
      'Alternate Titles.txt line 3: Occupation 29-1141.01 is not in Occupation Data.txt.',
    ]);
    const zone = await failure(mini({ 'Job Zones.txt': (t) => `${t}\r\n11-1011.00\t4\t08/2023\tAnalyst` }));
    expect([zone.code, zone.at?.line]).toEqual(['ERR_IMPORT_DUPLICATE', 3]);
    const category = await failure(
      mini({ 'Technology Skills.txt': line('Technology Skills.txt', 4, (f) => (f[3] = 'Other software')) }),
    );
    expect([category.code, category.at?.line, category.at?.identifier]).toEqual([
      'ERR_IMPORT_VALUE',
      4,
      'unspsc:43232202',
    ]);
  });

  it('needs every file, and Read Me.txt unless the version is given', async () => {
    const e = await failure(mini({ 'Job Zones.txt': null }));
    expect([e.code, e.at?.file]).toEqual(['ERR_IMPORT_FILE_MISSING', 'Job Zones.txt']);
    const readMe = await failure(mini({ 'Read Me.txt': null }));
    expect([readMe.code, readMe.at?.file]).toEqual(['ERR_IMPORT_FILE_MISSING', 'Read Me.txt']);
    const given = await readOnet(mini({ 'Read Me.txt': null }), { version: '29.2-test' });
    expect(given.meta).toMatchObject({ version: '29.2-test', title: 'O*NET 29.2-test Database' });
    expect(given.meta.lastChangeAt).toBeUndefined();
    const other = await failure(mini({ 'Read Me.txt': 'Some other database\n' }));
    expect([other.code, other.at?.line]).toEqual(['ERR_IMPORT_VALUE', 1]);
  });
});
