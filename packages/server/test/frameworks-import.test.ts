import { createHash, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkChildOfCycles,
  findCycle,
  IdentifierRegistry,
  resolveNode,
} from '../src/domains/frameworks/graph-checks.js';
import { importFramework, type ImportOptions, type ImportResult } from '../src/domains/frameworks/importer.js';
import {
  FrameworkImportError,
  uuidV5,
  type AssociationRecord,
  type FrameworkCounts,
  type FrameworkImportErrorCode,
  type FrameworkMeta,
  type FrameworkRecord,
  type FrameworkSource,
  type ItemRecord,
  type NodeReference,
  type OccupationSkillRecord,
} from '../src/domains/frameworks/sources/model.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { createOrg } from './helpers/fixtures.js';

/** A FrameworkSource over an array of records; the content hash is taken over meta and records unless given. */
function arraySource(meta: FrameworkMeta, records: FrameworkRecord[], hash?: string): FrameworkSource {
  return {
    kind: 'case',
    meta,
    async *records() {
      for (const record of records) yield await Promise.resolve(record);
    },
    contentHash: () =>
      Promise.resolve(hash ?? createHash('sha256').update(JSON.stringify({ meta, records })).digest('hex')),
    summarize: (counts: FrameworkCounts) => ({
      items: Object.values(counts.items).reduce((a, b) => a + b, 0),
      associations: Object.values(counts.associations).reduce((a, b) => a + b, 0),
      occupations: counts.occupations.occupation,
      relations: counts.occupationSkills,
    }),
  };
}

const item = (
  line: number,
  identifier: string,
  type: string,
  statement = `Statement of ${identifier}`,
): ItemRecord => ({
  kind: 'item',
  at: { file: 'items.csv', line },
  identifier,
  caseIdentifier: uuidV5(identifier),
  type,
  statement,
  altLabels: [`${identifier} alt`],
  extra: { reuse: 'sector' },
});

const node = (identifier: string, uri?: string): NodeReference => ({ identifier, ...(uri && { uri }) });

const association = (
  line: number,
  type: string,
  origin: NodeReference,
  destination: NodeReference,
): AssociationRecord => {
  const identifier = `${type}|${origin.identifier}|${destination.identifier}`;
  return {
    kind: 'association',
    at: { file: 'associations.csv', line },
    identifier,
    caseIdentifier: uuidV5(identifier),
    type,
    origin,
    destination,
  };
};

const occupationSkill = (line: number, occupation: string, skill: string, weight: number): OccupationSkillRecord => ({
  kind: 'occupationSkill',
  at: { file: 'occupation-skills.csv', line },
  occupation,
  item: skill,
  relation: weight === 1 ? 'essential' : 'optional',
  weight,
});

/** A small framework with every kind of record: groups, skills, a hierarchy up to the document, an external match. */
function sampleFramework(): { meta: FrameworkMeta; records: FrameworkRecord[] } {
  const identifier = randomUUID();
  const meta: FrameworkMeta = {
    identifier,
    uri: `https://example.org/frameworks/${identifier}`,
    version: '1.0',
    title: 'Sample framework',
    creator: 'Tests',
    lastChangeAt: '2026-01-01T00:00:00.000Z',
  };
  const records: FrameworkRecord[] = [
    item(2, 'g1', 'skill-group'),
    item(3, 'g2', 'skill-group'),
    item(4, 's1', 'skill'),
    item(5, 's2', 'skill'),
    item(6, 's3', 'knowledge'),
    association(2, 'isChildOf', node('g1'), node(identifier)),
    association(3, 'isChildOf', node('g2'), node('g1')),
    association(4, 'isChildOf', node('s1'), node('g1')),
    association(5, 'isChildOf', node('s2'), node('g2')),
    association(6, 'isChildOf', node('s3'), node('g2')),
    association(7, 'ext:essentialSkill', node('s1'), node('s2')),
    association(8, 'exactMatchOf', node('s3'), node('elsewhere', 'https://example.net/items/elsewhere')),
    {
      kind: 'occupation',
      at: { file: 'occupations.csv', line: 2 },
      identifier: 'o-group',
      occupationKind: 'group',
      title: 'Group',
      altLabels: [],
    },
    {
      kind: 'occupation',
      at: { file: 'occupations.csv', line: 3 },
      identifier: 'o1',
      occupationKind: 'occupation',
      code: '1234.5',
      title: 'Occupation one',
      altLabels: ['first job'],
      jobZone: 3,
    },
    occupationSkill(2, 'o1', 's1', 1),
    occupationSkill(3, 'o1', 's2', 0.5),
    occupationSkill(4, 'o1', 's3', 1),
    {
      kind: 'occupationRelation',
      at: { file: 'relations.csv', line: 2 },
      occupation: 'o1',
      related: 'o-group',
      type: 'broader',
    },
  ];
  return { meta, records };
}

/** Every framework table, ordered: two snapshots are equal exactly when nothing in them changed. */
async function snapshot(ctx: TestContext): Promise<unknown[]> {
  const tables = [
    'SELECT * FROM frameworks ORDER BY id',
    'SELECT * FROM framework_items ORDER BY id',
    'SELECT * FROM framework_associations ORDER BY id',
    'SELECT * FROM occupations ORDER BY id',
    'SELECT * FROM occupation_skills ORDER BY occupation_id, item_id',
    'SELECT * FROM occupation_relations ORDER BY occupation_id, type, related_occupation_id',
    'SELECT * FROM job_profile_skills ORDER BY job_profile_id, item_id',
  ];
  return Promise.all(tables.map(async (query) => (await sql.raw(query).execute(ctx.db)).rows));
}

function thrown(f: () => unknown): FrameworkImportError | undefined {
  try {
    f();
  } catch (e) {
    return e as FrameworkImportError;
  }
  return undefined;
}

async function importError(promise: Promise<unknown>): Promise<FrameworkImportError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FrameworkImportError);
  return error as FrameworkImportError;
}

describe('graph checks', () => {
  /** Brute force: some node reaches itself over one or more edges. */
  const hasCycleByReachability = (n: number, edges: [number, number][]) => {
    const reach = Array.from({ length: n }, () => new Array<boolean>(n).fill(false));
    for (const [a, b] of edges) reach[a]![b] = true;
    for (let k = 0; k < n; k++)
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (reach[i]![k] && reach[k]![j]) reach[i]![j] = true;
    return reach.some((row, i) => row[i]);
  };

  it('findCycle finds a cycle exactly when one exists, and what it returns is one', () => {
    const graph = fc
      .integer({ min: 1, max: 9 })
      .chain((n) =>
        fc.tuple(
          fc.constant(n),
          fc.array(fc.tuple(fc.nat({ max: n - 1 }), fc.nat({ max: n - 1 })), { maxLength: 2 * n }),
        ),
      );
    fc.assert(
      fc.property(graph, ([n, edges]) => {
        const cycle = findCycle(
          n,
          edges.map(([a]) => a),
          edges.map(([, b]) => b),
        );
        expect(cycle !== undefined).toBe(hasCycleByReachability(n, edges));
        if (cycle) {
          const has = (a: number, b: number) => edges.some(([x, y]) => x === a && y === b);
          expect(new Set(cycle).size).toBe(cycle.length);
          cycle.forEach((from, i) => expect(has(from, cycle[(i + 1) % cycle.length]!)).toBe(true));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('findCycle walks a 200,000-node chain without recursion, and finds the edge that closes it', () => {
    const n = 200_000;
    const from = Array.from({ length: n - 1 }, (_, i) => i);
    const to = from.map((i) => i + 1);
    expect(findCycle(n, from, to)).toBeUndefined();
    expect(findCycle(n, [...from, n - 1], [...to, 0])?.length).toBe(n);
  });

  it('checkChildOfCycles names the identifiers on the cycle and the line of the edge that closes it', () => {
    const edge = (line: number, origin: string, destination: string) => ({
      origin,
      destination,
      at: { file: 'hierarchy.csv', line },
      identifier: `${origin}<${destination}`,
    });
    expect(() => checkChildOfCycles([edge(1, 'a', 'b'), edge(2, 'b', 'c')])).not.toThrow();
    const error = thrown(() =>
      checkChildOfCycles([edge(1, 'x', 'a'), edge(2, 'a', 'b'), edge(3, 'b', 'c'), edge(4, 'c', 'a')]),
    );
    expect(error?.code).toBe('ERR_IMPORT_CYCLE');
    expect(error?.message).toContain('a → b → c → a');
    expect(error?.at).toEqual({ file: 'hierarchy.csv', line: 4, identifier: 'c<a' });
    expect(() => checkChildOfCycles([edge(7, 'self', 'self')])).toThrow(/self → self/);
  });

  it('IdentifierRegistry refuses a second occurrence, naming both places', () => {
    const registry = new IdentifierRegistry<number>('item');
    registry.add('a', { file: 'f.csv', line: 2 }, 1);
    expect(registry.get('a')).toBe(1);
    try {
      registry.add('a', { file: 'f.csv', line: 9 }, 2);
      expect.unreachable();
    } catch (e) {
      const error = e as FrameworkImportError;
      expect(error.code).toBe('ERR_IMPORT_DUPLICATE');
      expect(error.at).toEqual({ file: 'f.csv', line: 9, identifier: 'a' });
      expect(error.message).toContain('first at f.csv line 2');
    }
  });

  it('resolveNode takes items, the document and URIs, and refuses anything else', () => {
    const items = new Map([['a', 'id-a']]);
    const record = { identifier: 'r', at: { file: 'a.csv', line: 3 } };
    expect(resolveNode({ identifier: 'a' }, items, 'doc', record, 'origin')).toEqual({ itemId: 'id-a' });
    expect(resolveNode({ identifier: 'doc' }, items, 'doc', record, 'destination')).toEqual({ itemId: null });
    expect(resolveNode({ identifier: 'x', uri: 'https://x' }, items, 'doc', record, 'origin')).toEqual({
      itemId: null,
    });
    expect(() => resolveNode({ identifier: 'x' }, items, 'doc', record, 'origin')).toThrow(
      expect.objectContaining({ code: 'ERR_IMPORT_REFERENCE', at: { file: 'a.csv', line: 3, identifier: 'r' } }),
    );
  });
});

describe.each(databaseTargets())('framework import on $name', (target) => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext(target);
  });
  afterAll(() => ctx.close());

  const run = (source: FrameworkSource, options: ImportOptions = {}) => importFramework(ctx.db, source, options);
  const itemsOf = async (frameworkId: string) =>
    ctx.db
      .selectFrom('frameworkItems')
      .selectAll()
      .where('frameworkId', '=', frameworkId)
      .orderBy('identifier')
      .execute();
  const frameworkRow = (frameworkId: string) =>
    ctx.db.selectFrom('frameworks').selectAll().where('id', '=', frameworkId).executeTakeFirstOrThrow();
  /** A fresh sample, imported. */
  const imported = async (): Promise<{ meta: FrameworkMeta; records: FrameworkRecord[]; result: ImportResult }> => {
    const { meta, records } = sampleFramework();
    const result = await run(arraySource(meta, records), { now: new Date('2026-06-01T00:00:00Z') });
    return { meta, records, result };
  };

  it('imports every record, resolving association ends, occupation skills and relations to ids', async () => {
    const { meta, result } = await imported();
    // 5 items, 7 associations, 2 occupations, 3 occupation skills, 1 relation, and the framework row.
    expect(result.changes).toEqual({ inserted: 19, updated: 0, deleted: 0 });
    expect(result.unchanged).toBe(false);
    expect(result.counts).toEqual({
      items: { knowledge: 1, skill: 2, 'skill-group': 2 },
      associations: { 'ext:essentialSkill': 1, exactMatchOf: 1, isChildOf: 5 },
      occupations: { occupation: 1, group: 1 },
      occupationSkills: 3,
      occupationRelations: { broader: 1, related: 0 },
      occupationSkillsByType: { knowledge: 1, skill: 2 },
      occupationAltLabels: 1,
      occupationsWithJobZone: 1,
    });
    expect(result.summary).toEqual({ items: 5, associations: 7, occupations: 1, relations: 3 });

    const framework = await frameworkRow(result.frameworkId);
    expect(framework).toMatchObject({ orgId: null, source: 'case', identifier: meta.identifier, public: true });
    expect(framework.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(framework.updatedAt.toISOString()).toBe('2026-06-01T00:00:00.000Z');
    expect(framework.lastChangeAt.toISOString()).toBe('2026-01-01T00:00:00.000Z');

    const items = await itemsOf(result.frameworkId);
    const idOf = new Map(items.map((i) => [i.identifier, i.id]));
    expect(items.find((i) => i.identifier === 's1')).toMatchObject({
      caseIdentifier: uuidV5('s1'),
      type: 'skill',
      statement: 'Statement of s1',
      altLabels: ['s1 alt'],
      extra: { reuse: 'sector' },
    });
    const associations = await ctx.db
      .selectFrom('frameworkAssociations')
      .select([
        'type',
        'originItemId',
        'originIdentifier',
        'destinationItemId',
        'destinationIdentifier',
        'destinationUri',
      ])
      .where('frameworkId', '=', result.frameworkId)
      .execute();
    expect(associations).toContainEqual({
      type: 'isChildOf',
      originItemId: idOf.get('g1'),
      originIdentifier: 'g1',
      destinationItemId: null,
      destinationIdentifier: meta.identifier,
      destinationUri: null,
    });
    expect(associations).toContainEqual({
      type: 'exactMatchOf',
      originItemId: idOf.get('s3'),
      originIdentifier: 's3',
      destinationItemId: null,
      destinationIdentifier: 'elsewhere',
      destinationUri: 'https://example.net/items/elsewhere',
    });
    expect(associations).toContainEqual(
      expect.objectContaining({
        type: 'ext:essentialSkill',
        originItemId: idOf.get('s1'),
        destinationItemId: idOf.get('s2'),
      }),
    );
    const skills = await ctx.db
      .selectFrom('occupationSkills as s')
      .innerJoin('occupations as o', 'o.id', 's.occupationId')
      .select(['o.identifier', 's.itemId', 's.relation', 's.weight'])
      .where('o.frameworkId', '=', result.frameworkId)
      .orderBy('s.weight')
      .execute();
    expect(skills).toContainEqual({ identifier: 'o1', itemId: idOf.get('s2'), relation: 'optional', weight: 0.5 });
  });

  it('a re-import changes nothing and keeps ids and updated_at: same hash, forced, and other bytes with the same data', async () => {
    const { meta, records, result } = await imported();
    const before = await snapshot(ctx);
    const later = { now: new Date('2026-07-01T00:00:00Z') };
    const zero = { inserted: 0, updated: 0, deleted: 0 };

    const again = await run(arraySource(meta, records), later);
    expect(again).toMatchObject({ frameworkId: result.frameworkId, unchanged: true, changes: zero });
    expect(again.counts).toEqual(result.counts);
    expect(await snapshot(ctx)).toEqual(before);

    const forced = await run(arraySource(meta, records), { ...later, force: true });
    expect(forced).toMatchObject({ frameworkId: result.frameworkId, unchanged: true, changes: zero });
    expect(forced.counts).toEqual(result.counts);
    expect(await snapshot(ctx)).toEqual(before);

    // A source whose bytes differ but whose records do not: nothing changes but the stored hash.
    const reformatted = await run(arraySource(meta, records, 'f'.repeat(64)), later);
    expect(reformatted).toMatchObject({ unchanged: true, changes: zero });
    const framework = await frameworkRow(result.frameworkId);
    expect(framework.contentHash).toBe('f'.repeat(64));
    expect(framework.updatedAt.toISOString()).toBe('2026-06-01T00:00:00.000Z');
  });

  it('an edited item updates that one row in place (id kept) and bumps the framework', async () => {
    const { meta, records, result } = await imported();
    const before = await itemsOf(result.frameworkId);
    const edited = records.map((r) => (r.kind === 'item' && r.identifier === 's2' ? { ...r, statement: 'Edited' } : r));
    const now = new Date('2026-07-01T00:00:00Z');
    const again = await run(arraySource(meta, edited), { now });
    expect(again).toMatchObject({ unchanged: false, changes: { inserted: 0, updated: 1, deleted: 0 } });
    const after = await itemsOf(result.frameworkId);
    expect(after.map((i) => i.id)).toEqual(before.map((i) => i.id));
    for (const [i, row] of after.entries()) {
      if (row.identifier === 's2') {
        expect(row).toMatchObject({ statement: 'Edited', updatedAt: now, createdAt: before[i]!.createdAt });
      } else {
        expect(row).toEqual(before[i]);
      }
    }
    expect((await frameworkRow(result.frameworkId)).updatedAt).toEqual(now);
  });

  it('a changed occupation skill weight, relation rank and metadata are updates; an added item an insert', async () => {
    const { meta, records, result } = await imported();
    const changed = [
      ...records.flatMap((r) => (r.kind === 'item' && r.identifier === 's3' ? [r, item(7, 's4', 'skill')] : [r])),
    ].map((r) =>
      r.kind === 'occupationSkill' && r.item === 's2'
        ? { ...r, weight: 0.25 }
        : r.kind === 'occupationRelation'
          ? { ...r, rank: 1 }
          : r,
    );
    const again = await run(arraySource({ ...meta, title: 'Renamed' }, changed));
    expect(again.changes).toEqual({ inserted: 1, updated: 3, deleted: 0 });
    expect((await frameworkRow(result.frameworkId)).title).toBe('Renamed');
  });

  it('rows no longer in the source are deleted: an item with its associations and occupation skills, an occupation', async () => {
    const { meta, records, result } = await imported();
    const kept = records.filter(
      (r) =>
        !(r.kind === 'item' && r.identifier === 's3') &&
        !(r.kind === 'association' && (r.origin.identifier === 's3' || r.destination.identifier === 's3')) &&
        !(r.kind === 'occupationSkill' && r.item === 's3') &&
        !(r.kind === 'occupationRelation') &&
        !(r.kind === 'occupation' && r.identifier === 'o-group'),
    );
    const again = await run(arraySource(meta, kept));
    // s3, its isChildOf and exactMatchOf, o1 → s3, the relation, the group.
    expect(again.changes).toEqual({ inserted: 0, updated: 0, deleted: 6 });
    expect(again.counts).toMatchObject({
      items: { skill: 2, 'skill-group': 2 },
      occupations: { occupation: 1, group: 0 },
      occupationSkills: 2,
      occupationRelations: { broader: 0, related: 0 },
    });
    expect((await itemsOf(result.frameworkId)).map((i) => i.identifier)).toEqual(['g1', 'g2', 's1', 's2']);
  });

  it('the same identifier under an organisation is another framework, and the global one is untouched', async () => {
    const { meta, records, result } = await imported();
    const org = await createOrg(ctx);
    const owned = await run(arraySource(meta, records), { orgId: org.id });
    expect(owned.frameworkId).not.toBe(result.frameworkId);
    expect(owned.changes.inserted).toBe(19);
    expect(await frameworkRow(owned.frameworkId)).toMatchObject({ orgId: org.id, public: false });
    expect((await run(arraySource(meta, records))).frameworkId).toBe(result.frameworkId);
  });

  describe('a refused import reports where and leaves every framework table as it was', () => {
    const cases: [
      string,
      (records: FrameworkRecord[], meta: FrameworkMeta) => FrameworkRecord[],
      FrameworkImportErrorCode,
      { file: string; line: number; identifier: string },
    ][] = [
      [
        'a duplicate item',
        (rs) => rs.flatMap((r) => (r.kind === 'item' && r.identifier === 's2' ? [r, item(9, 's1', 'skill')] : [r])),
        'ERR_IMPORT_DUPLICATE',
        { file: 'items.csv', line: 9, identifier: 's1' },
      ],
      [
        'a duplicate association',
        (rs) => [...rs.slice(0, 12), association(30, 'isChildOf', node('s1'), node('g1')), ...rs.slice(12)],
        'ERR_IMPORT_DUPLICATE',
        { file: 'associations.csv', line: 30, identifier: 'isChildOf|s1|g1' },
      ],
      [
        'a duplicate occupation skill',
        (rs) => [...rs.slice(0, 17), occupationSkill(40, 'o1', 's1', 0.5), ...rs.slice(17)],
        'ERR_IMPORT_DUPLICATE',
        { file: 'occupation-skills.csv', line: 40, identifier: 'o1 → s1' },
      ],
      [
        'an unknown association type',
        (rs) => [...rs.slice(0, 12), association(31, 'isCousinOf', node('s1'), node('s3')), ...rs.slice(12)],
        'ERR_IMPORT_ASSOCIATION_TYPE',
        { file: 'associations.csv', line: 31, identifier: 'isCousinOf|s1|s3' },
      ],
      [
        'an association to nothing',
        (rs) => [...rs.slice(0, 12), association(32, 'isRelatedTo', node('s1'), node('ghost')), ...rs.slice(12)],
        'ERR_IMPORT_REFERENCE',
        { file: 'associations.csv', line: 32, identifier: 'isRelatedTo|s1|ghost' },
      ],
      [
        'an occupation skill naming no item',
        (rs) => [...rs.slice(0, 17), occupationSkill(41, 'o1', 'ghost', 1), ...rs.slice(17)],
        'ERR_IMPORT_REFERENCE',
        { file: 'occupation-skills.csv', line: 41, identifier: 'o1 → ghost' },
      ],
      [
        'an isChildOf cycle',
        (rs) => [...rs.slice(0, 12), association(33, 'isChildOf', node('g1'), node('s2')), ...rs.slice(12)],
        'ERR_IMPORT_CYCLE',
        { file: 'associations.csv', line: 33, identifier: 'isChildOf|g1|s2' },
      ],
      [
        'an occupation skill weight above 1',
        (rs) => rs.map((r) => (r.kind === 'occupationSkill' && r.item === 's3' ? { ...r, weight: 2 } : r)),
        'ERR_IMPORT_VALUE',
        { file: 'occupation-skills.csv', line: 4, identifier: 'o1 → s3' },
      ],
      [
        'a NUL character in a statement',
        (rs) => rs.map((r) => (r.kind === 'item' && r.identifier === 'g2' ? { ...r, statement: 'a\u0000b' } : r)),
        'ERR_IMPORT_VALUE',
        { file: 'items.csv', line: 3, identifier: 'g2' },
      ],
    ];

    it.each(cases)('%s', async (_name, spoil, code, at) => {
      const { meta, records } = await imported();
      const before = await snapshot(ctx);
      const error = await importError(run(arraySource(meta, spoil(records, meta))));
      expect(error.code).toBe(code);
      expect(error.at).toEqual(at);
      expect(await snapshot(ctx)).toEqual(before);
      // The same on a first import: no framework row is left behind.
      const fresh = { ...meta, identifier: randomUUID() };
      const retarget = (r: FrameworkRecord): FrameworkRecord =>
        r.kind === 'association' && r.destination.identifier === meta.identifier
          ? { ...r, destination: node(fresh.identifier) }
          : r;
      const first = await importError(run(arraySource(fresh, spoil(records, meta).map(retarget))));
      expect(first.code).toBe(code);
      expect(await snapshot(ctx)).toEqual(before);
    });

    it('an isChildOf cycle is named by the identifiers on it', async () => {
      const { meta, records } = sampleFramework();
      const cyclic = [
        ...records.slice(0, 12),
        association(33, 'isChildOf', node('g1'), node('s2')),
        ...records.slice(12),
      ];
      const error = await importError(run(arraySource(meta, cyclic)));
      expect(error.message).toContain('s2 → g2 → g1 → s2');
    });

    it('deleting an item a job profile uses is ERR_IMPORT_IN_USE naming the item', async () => {
      const { meta, records, result } = await imported();
      const org = await createOrg(ctx);
      const profileId = randomUUID();
      await ctx.db.insertInto('jobProfiles').values({ id: profileId, orgId: org.id, title: 'Analyst' }).execute();
      const s1 = (await itemsOf(result.frameworkId)).find((i) => i.identifier === 's1')!;
      await ctx.db
        .insertInto('jobProfileSkills')
        .values({ jobProfileId: profileId, itemId: s1.id, weight: 1 })
        .execute();
      const before = await snapshot(ctx);
      const without = records.filter(
        (r) =>
          !(r.kind === 'item' && r.identifier === 's1') &&
          !(r.kind === 'association' && (r.origin.identifier === 's1' || r.destination.identifier === 's1')) &&
          !(r.kind === 'occupationSkill' && r.item === 's1'),
      );
      const error = await importError(run(arraySource(meta, without)));
      expect(error.code).toBe('ERR_IMPORT_IN_USE');
      expect(error.at?.identifier).toBe('s1');
      expect(error.message).toContain("The item s1 ('Statement of s1')");
      expect(error.message).toContain('1 job profile');
      expect(await snapshot(ctx)).toEqual(before);
      // An import that keeps the item goes through.
      expect((await run(arraySource(meta, records), { force: true })).unchanged).toBe(true);
    });

    it('records out of order are a reader bug, refused before anything is kept', async () => {
      const { meta, records } = await imported();
      const before = await snapshot(ctx);
      const shuffled = [...records.slice(0, 13), item(20, 'late', 'skill'), ...records.slice(13)];
      await expect(run(arraySource(meta, shuffled))).rejects.toThrow(/Reader bug: an item record/);
      expect(await snapshot(ctx)).toEqual(before);
    });
  });

  it('a reader that fails after chunks were written leaves every framework table as it was', async () => {
    const { meta, records } = await imported();
    const before = await snapshot(ctx);
    const many = Array.from({ length: 4500 }, (_, i) => item(i + 10, `extra${i}`, 'skill'));
    const failing: FrameworkSource = {
      ...arraySource(meta, records),
      async *records() {
        yield* [...records.slice(0, 5), ...many];
        throw new FrameworkImportError('ERR_IMPORT_CSV', 'Unclosed quote', { file: 'items.csv', line: 4511 });
      },
    };
    const progress: string[] = [];
    const error = await importError(run(failing, { force: true, onProgress: (p) => progress.push(p.phase) }));
    expect(error.code).toBe('ERR_IMPORT_CSV');
    expect(progress).toEqual(['items', 'items']); // two chunks were written, then rolled back
    expect(await snapshot(ctx)).toEqual(before);
  });

  it('writes in chunks: 4,500 items in a chain with 4,499 isChildOf associations, re-imported unchanged', async () => {
    const identifier = randomUUID();
    const meta: FrameworkMeta = {
      identifier,
      uri: `https://example.org/${identifier}`,
      title: 'Chain',
      creator: 'Tests',
    };
    const n = 4500;
    const records: FrameworkRecord[] = [
      ...Array.from({ length: n }, (_, i) => item(i + 2, `c${i}`, 'skill')),
      ...Array.from({ length: n - 1 }, (_, i) => association(i + 2, 'isChildOf', node(`c${i + 1}`), node(`c${i}`))),
    ];
    const progress: string[] = [];
    const first = await run(arraySource(meta, records), {
      onProgress: (p) => progress.push(`${p.phase}:${p.records}`),
    });
    expect(first.changes.inserted).toBe(2 * n);
    expect(progress).toEqual(['items:2000', 'items:4000', 'items:4500', 'associations:8999', 'done:8999']);
    const forced = await run(arraySource(meta, records), { force: true });
    expect(forced).toMatchObject({ unchanged: true, changes: { inserted: 0, updated: 0, deleted: 0 } });
    const closed = [...records, association(n + 1, 'isChildOf', node('c0'), node(`c${n - 1}`))];
    const error = await importError(run(arraySource(meta, closed)));
    expect(error.code).toBe('ERR_IMPORT_CYCLE');
  });
});
