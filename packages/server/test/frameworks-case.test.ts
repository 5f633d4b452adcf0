import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2019 } from 'ajv/dist/2019.js';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportCfPackage } from '../src/domains/frameworks/case-export.js';
import type { CFPackage } from '../src/domains/frameworks/case-schemas.js';
import { importFramework } from '../src/domains/frameworks/importer.js';
import { cfPackageIssues, readCase } from '../src/domains/frameworks/sources/case.js';
import { readEsco } from '../src/domains/frameworks/sources/esco.js';
import { findJsonSyntaxError } from '../src/domains/frameworks/sources/json-syntax-error.js';
import { FrameworkImportError, type FrameworkImportErrorCode } from '../src/domains/frameworks/sources/model.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { expectError } from './helpers/errors.js';
import { anonymous, member, tokenFor, type Caller } from './helpers/fixtures.js';
import { insertTestFramework } from './helpers/frameworks.js';

const SCHEMA_FILE = fileURLToPath(new URL('../src/domains/frameworks/data/case-v1p1-cfpackage.json', import.meta.url));
const SCHEMA_SOURCES = fileURLToPath(new URL('../src/domains/frameworks/data/SOURCES.md', import.meta.url));
const FIXTURE_FILE = fileURLToPath(new URL('./fixtures/case/data-literacy.json', import.meta.url));
const ESCO_MINI = fileURLToPath(new URL('./fixtures/esco-mini', import.meta.url));
const FIXTURE_TEXT = readFileSync(FIXTURE_FILE, 'utf8');
const fixture = (): CFPackage => JSON.parse(FIXTURE_TEXT) as CFPackage;

// An independent check against the official schema: its own ajv instance, not the reader's.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const officialAjv = new Ajv2019({ allErrors: true, strict: true });
addFormats(officialAjv, ['uuid', 'date-time', 'date']);
const validateOfficial = officialAjv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object);
function expectSchemaValid(pkg: unknown) {
  const valid = validateOfficial(pkg);
  expect(validateOfficial.errors?.slice(0, 5) ?? []).toEqual([]);
  expect(valid).toBe(true);
}

async function importError(input: unknown): Promise<FrameworkImportError> {
  const error = await readCase(input).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FrameworkImportError);
  return error as FrameworkImportError;
}

/** The fixture with item `index` given the identifier of item `from`. */
function withDuplicateItem(pkg: CFPackage, index: number, from: number): CFPackage {
  pkg.CFItems![index]!.identifier = pkg.CFItems![from]!.identifier;
  return pkg;
}

/** The fixture with an isChildOf cycle: DL.1 (a domain, child of the document) made a child of its own child DL.1.1. */
function withCycle(pkg: CFPackage): CFPackage {
  const domain = pkg.CFItems!.find((i) => i.humanCodingScheme === 'DL.1')!;
  const child = pkg.CFItems!.find((i) => i.humanCodingScheme === 'DL.1.1')!;
  const edge = pkg.CFAssociations!.find(
    (a) => a.associationType === 'isChildOf' && a.originNodeURI.identifier === domain.identifier,
  )!;
  edge.destinationNodeURI = { title: child.fullStatement, identifier: child.identifier, uri: child.uri };
  return pkg;
}

/** A package with its items and associations in identifier order. */
function sorted(pkg: CFPackage): CFPackage {
  const order = (a: { identifier: string }, b: { identifier: string }) => a.identifier.localeCompare(b.identifier);
  return {
    ...pkg,
    CFItems: [...(pkg.CFItems ?? [])].sort(order),
    CFAssociations: [...(pkg.CFAssociations ?? [])].sort(order),
  };
}

describe('CASE 1.1 reader', () => {
  it('ships the official CFPackage schema unchanged (SHA-256 as SOURCES.md records it)', () => {
    const digest = createHash('sha256').update(readFileSync(SCHEMA_FILE)).digest('hex');
    expect(readFileSync(SCHEMA_SOURCES, 'utf8')).toContain(`| ${digest} |`);
    expect(digest).toBe('0fb12b56304253dd02c116638e51590b47fb924307463098dbc889e9400ddf63');
  });

  it('reads the fixture: document, 15 items, 20 associations, with the fields that have no column kept', async () => {
    expectSchemaValid(fixture());
    expect(cfPackageIssues(fixture())).toEqual([]);
    const source = await readCase({ file: FIXTURE_FILE });
    expect(source.kind).toBe('case');
    expect(source.meta).toMatchObject({
      identifier: fixture().CFDocument.identifier,
      title: 'Data Literacy Competency Framework',
      version: '2.1',
      licenseUri: 'https://creativecommons.org/licenses/by/4.0/',
    });
    expect(source.meta.extra).toMatchObject({
      frameworkType: 'Competency framework',
      subject: ['Data literacy', 'Statistics'],
    });
    expect(Object.keys(source.meta.extra!['CFDefinitions'] as object).sort()).toEqual([
      'CFAssociationGroupings',
      'CFItemTypes',
      'CFLicenses',
    ]);
    const records = [];
    for await (const r of source.records()) records.push(r);
    expect(records.filter((r) => r.kind === 'item')).toHaveLength(15);
    expect(records.filter((r) => r.kind === 'association')).toHaveLength(20);
    const sqlItem = records.find((r) => r.kind === 'item' && r.code === 'DL.1.2.a');
    expect(sqlItem).toMatchObject({ type: 'Indicator', altLabels: ['SQL querying', 'writing SQL queries'] });
    const bias = records.find((r) => r.kind === 'item' && r.code === 'DL.2.1');
    expect(bias).toMatchObject({ description: expect.stringContaining('sampling bias') });
    expect(await source.contentHash()).toBe(createHash('sha256').update(FIXTURE_TEXT).digest('hex'));
  });

  it('reports JSON syntax errors with line and column', async () => {
    const error = await importError('{\n  "CFDocument": {\n    "title": "x",\n    "uri" "y"\n  }\n}');
    expect(error.code).toBe('ERR_IMPORT_JSON');
    expect(error.at?.line).toBe(4);
    expect(error.message).toContain('line 4, column 11');
    expect(error.message).toContain("expected ':'");
    const truncated = await importError(FIXTURE_TEXT.slice(0, FIXTURE_TEXT.indexOf('"CFAssociations"')));
    expect(truncated.code).toBe('ERR_IMPORT_JSON');
    expect(truncated.message).toContain('ends too early');
  });

  it('finds a syntax error exactly when JSON.parse refuses the text, at or before where it stopped', () => {
    const sample = JSON.stringify({ a: [1, -2.5e3, 'x\n"y\u0001'], b: { c: null, d: true, e: false, f: {} }, g: [] });
    fc.assert(
      fc.property(fc.nat(sample.length), fc.nat(sample.length), fc.string({ maxLength: 3 }), (at, cut, insert) => {
        const text = sample.slice(0, at) + insert + sample.slice(Math.min(sample.length, at + (cut % 4)));
        let parses = true;
        try {
          JSON.parse(text);
        } catch {
          parses = false;
        }
        const found = findJsonSyntaxError(text);
        expect(found === undefined).toBe(parses);
        if (found) expect(found.offset).toBeLessThanOrEqual(text.length);
      }),
      { numRuns: 2000 },
    );
  });

  it('reports schema violations with their JSON paths', async () => {
    const pkg = fixture() as unknown as { CFItems: Record<string, unknown>[]; CFDocument: Record<string, unknown> };
    delete pkg.CFItems[3]!['uri'];
    pkg.CFDocument['lastChangeDateTime'] = 'yesterday';
    const error = await importError(pkg);
    expect(error.code).toBe('ERR_IMPORT_SCHEMA');
    expect(error.at?.path).toBe('$.CFDocument.lastChangeDateTime');
    expect(error.message).toContain('$.CFDocument.lastChangeDateTime: must match format "date-time"');
    expect(error.message).toContain("$.CFItems[3]: must have required property 'uri'");
    const extra = fixture() as unknown as { CFItems: Record<string, unknown>[] };
    extra.CFItems[0]!['CFDocumentURI'] = { title: 't', identifier: randomUUID(), uri: 'u' };
    expect((await importError(extra)).message).toContain(
      '$.CFItems[0]: must NOT have additional properties (CFDocumentURI)',
    );
    expect((await importError([])).code).toBe('ERR_IMPORT_SCHEMA');
  });

  it('names the association whose type is neither CASE nor ext:, even where the loose schema pattern lets it pass', async () => {
    for (const type of ['isBroaderThan', 'ext:has space', 'fooext:bar']) {
      const pkg = fixture();
      pkg.CFAssociations![17]!.associationType = type;
      const error = await importError(pkg);
      expect(error.code).toBe('ERR_IMPORT_ASSOCIATION_TYPE');
      expect(error.at).toMatchObject({
        path: '$.CFAssociations[17].associationType',
        identifier: pkg.CFAssociations![17]!.identifier,
      });
      expect(error.message).toContain(pkg.CFAssociations![17]!.identifier);
    }
  });

  it('refuses repeated identifiers, naming the identifier and both places', async () => {
    const pkg = withDuplicateItem(fixture(), 9, 4);
    const error = await importError(pkg);
    expect(error.code).toBe('ERR_IMPORT_DUPLICATE');
    expect(error.at).toMatchObject({ path: '$.CFItems[9]', identifier: pkg.CFItems![4]!.identifier });
    expect(error.message).toContain('$.CFItems[4]');
    const assoc = fixture();
    assoc.CFAssociations![3]!.identifier = assoc.CFAssociations![1]!.identifier.toUpperCase();
    expect((await importError(assoc)).at).toMatchObject({
      path: '$.CFAssociations[3]',
      identifier: assoc.CFAssociations![1]!.identifier,
    });
  });

  it('refuses input that is not UTF-8, too large or too deep', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(FIXTURE_TEXT, 'utf16le')]);
    expect((await importError(new Uint8Array(utf16))).code).toBe('ERR_IMPORT_ENCODING');
    const latin1 = Buffer.from(FIXTURE_TEXT.replace('Domain', 'Domäne'), 'latin1');
    const encoding = await importError(new Uint8Array(latin1));
    expect(encoding.code).toBe('ERR_IMPORT_ENCODING');
    expect(encoding.message).toContain('0xe4');
    expect(encoding.at?.line).toBe(FIXTURE_TEXT.slice(0, FIXTURE_TEXT.indexOf('Domain')).split('\n').length);
    await expect(readCase(FIXTURE_TEXT, { maxBytes: 1000 })).rejects.toMatchObject({ code: 'ERR_INPUT_TOO_LARGE' });
    const deep = fixture() as unknown as { CFDocument: { extensions: unknown } };
    deep.CFDocument.extensions = JSON.parse('{"a":'.repeat(80) + '1' + '}'.repeat(80)) as unknown;
    expect((await importError(deep)).code).toBe('ERR_IMPORT_VALUE');
    expect((await importError({ file: '/nonexistent/case.json' })).code).toBe('ERR_IMPORT_FILE_MISSING');
  });
});

describe.each(databaseTargets())('CASE import, export and API on $name', (target) => {
  let ctx: TestContext;
  let admin: { caller: Caller; orgId: string; user: { id: string } };
  let other: { caller: Caller; orgId: string; user: { id: string } };
  let escoId: string;
  const importPath = (orgId: string) => `/api/v1/orgs/${orgId}/frameworks/import`;

  beforeAll(async () => {
    ctx = await createTestContext(target);
    admin = await member(ctx, 'admin');
    other = await member(ctx, 'admin');
    escoId = (await importFramework(ctx.db, readEsco(ESCO_MINI), { now: ctx.deps.clock() })).frameworkId;
  }, 120_000);
  afterAll(() => ctx.close());

  /** Items as (identifier, statement, type) and associations as (type, origin, destination), by CASE identifier. */
  async function graphOf(frameworkId: string) {
    const items = await ctx.db
      .selectFrom('frameworkItems')
      .select(['id', 'caseIdentifier', 'statement', 'type', 'code', 'altLabels', 'description'])
      .where('frameworkId', '=', frameworkId)
      .execute();
    const f = await ctx.db.selectFrom('frameworks').selectAll().where('id', '=', frameworkId).executeTakeFirstOrThrow();
    const caseOf = new Map(items.map((i) => [i.id, i.caseIdentifier]));
    const associations = await ctx.db
      .selectFrom('frameworkAssociations')
      .selectAll()
      .where('frameworkId', '=', frameworkId)
      .execute();
    const end = (itemId: string | null, identifier: string) =>
      itemId ? caseOf.get(itemId)! : identifier === f.identifier ? 'document' : identifier;
    return {
      items: items
        .map((i) => [i.caseIdentifier, i.statement, i.type, i.code, i.altLabels, i.description].join(' | '))
        .sort(),
      associations: associations
        .map((a) =>
          [a.type, end(a.originItemId, a.originIdentifier), end(a.destinationItemId, a.destinationIdentifier)].join(
            ' | ',
          ),
        )
        .sort(),
    };
  }

  /** Everything an import could touch, to show that a refused one touched nothing. */
  async function snapshot() {
    const rows = await Promise.all(
      (['frameworks', 'framework_items', 'framework_associations', 'audit_log'] as const).map(
        async (table) =>
          (
            await sql<{
              h: string;
              n: number;
            }>`SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) AS h,
                 count(*)::int AS n FROM ${sql.table(table)} t`.execute(ctx.db)
          ).rows[0],
      ),
    );
    return rows;
  }

  async function postPackage(caller: Caller, orgId: string, body: unknown) {
    return caller.request('POST', importPath(orgId), typeof body === 'string' ? body : JSON.stringify(body), {
      'content-type': 'application/json',
    });
  }

  let frameworkA: string;

  it('imports a CFPackage through the API, audited; an identical re-import changes nothing', async () => {
    const res = await postPackage(admin.caller, admin.orgId, FIXTURE_TEXT);
    expect(res.status).toBe(200);
    const result = (await res.json()) as {
      frameworkId: string;
      unchanged: boolean;
      changes: { inserted: number };
      counts: { items: Record<string, number>; associations: Record<string, number> };
      summary: Record<string, number>;
    };
    frameworkA = result.frameworkId;
    expect(result.unchanged).toBe(false);
    expect(result.changes.inserted).toBe(1 + 15 + 20);
    expect(result.summary).toEqual({ items: 15, associations: 20 });
    expect(result.counts.items).toEqual({ Competency: 7, Domain: 3, Indicator: 5 });
    expect(result.counts.associations).toEqual({
      'ext:prerequisiteKnowledge': 1,
      exactMatchOf: 1,
      isChildOf: 15,
      isRelatedTo: 1,
      precedes: 2,
    });
    const framework = await ctx.db
      .selectFrom('frameworks')
      .selectAll()
      .where('id', '=', frameworkA)
      .executeTakeFirstOrThrow();
    expect(framework).toMatchObject({ orgId: admin.orgId, source: 'case', public: false, version: '2.1' });
    const entry = await ctx.db
      .selectFrom('auditLog')
      .selectAll()
      .where('orgId', '=', admin.orgId)
      .where('action', '=', 'framework.import')
      .executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ actorUserId: admin.user.id, targetId: frameworkA });

    const again = await postPackage(admin.caller, admin.orgId, FIXTURE_TEXT);
    expect(((await again.json()) as { unchanged: boolean; frameworkId: string }).unchanged).toBe(true);
  });

  it('round-trips: import → export (valid against the official schema) → import elsewhere gives the same graph', async () => {
    const exported = await exportCfPackage(ctx.db, frameworkA, ctx.deps.publicUrl);
    expectSchemaValid(exported);
    expect(exported.CFItems).toHaveLength(15);
    expect(exported.CFAssociations).toHaveLength(20);
    // What has no column comes back: definitions, document fields, item extras, association groupings and targets.
    const original = fixture();
    expect(exported.CFDefinitions).toEqual(original.CFDefinitions);
    expect(exported.CFDocument).toEqual({ ...original.CFDocument, lastChangeDateTime: '2025-03-14T09:30:00.000Z' });
    const byId = <T extends { identifier: string }>(list: T[]) => new Map(list.map((x) => [x.identifier, x]));
    const items = byId(exported.CFItems!);
    for (const item of original.CFItems!) {
      expect(items.get(item.identifier)).toEqual({ ...item, lastChangeDateTime: '2025-03-14T09:30:00.000Z' });
    }
    const associations = byId(exported.CFAssociations!);
    for (const a of original.CFAssociations!) {
      const back = associations.get(a.identifier)!;
      expect(back).toEqual({
        ...a,
        lastChangeDateTime: '2025-03-14T09:30:00.000Z',
        // The exporter names item ends by their statement and the document by its title.
        originNodeURI: { ...a.originNodeURI, title: back.originNodeURI.title },
        destinationNodeURI: { ...a.destinationNodeURI, title: back.destinationNodeURI.title },
      });
    }

    const res = await postPackage(other.caller, other.orgId, exported);
    expect(res.status).toBe(200);
    const frameworkB = ((await res.json()) as { frameworkId: string }).frameworkId;
    expect(frameworkB).not.toBe(frameworkA);
    const [a, b] = [await graphOf(frameworkA), await graphOf(frameworkB)];
    expect(b).toEqual(a);
    expect(a.items).toHaveLength(15);
    expect(a.associations).toHaveLength(20);
    expect(a.associations).toContain(
      `exactMatchOf | ${original.CFItems!.find((i) => i.humanCodingScheme === 'DL.1.2.a')!.identifier} | http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d`,
    );
    // Exporting the copy gives the same package (in another order: rows are read in id order).
    expect(sorted(await exportCfPackage(ctx.db, frameworkB, ctx.deps.publicUrl))).toEqual(sorted(exported));
  });

  it('exports ESCO (mini) as a schema-valid package with every item and association', async () => {
    const exported = await exportCfPackage(ctx.db, escoId, ctx.deps.publicUrl);
    expectSchemaValid(exported);
    const counts = await ctx.db
      .selectFrom('frameworkItems')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('frameworkId', '=', escoId)
      .executeTakeFirstOrThrow();
    const associations = await ctx.db
      .selectFrom('frameworkAssociations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('frameworkId', '=', escoId)
      .executeTakeFirstOrThrow();
    expect(exported.CFItems).toHaveLength(Number(counts.n));
    expect(exported.CFAssociations).toHaveLength(Number(associations.n));
    expect(exported.CFItems!.length).toBeGreaterThan(97);
    expect(exported.CFDocument.extensions?.['attribution']).toEqual(expect.stringContaining('ESCO'));
    // Every association end is an exported item, the document, or a node with a URI.
    const ids = new Set(exported.CFItems!.map((i) => i.identifier));
    for (const a of exported.CFAssociations!) {
      for (const end of [a.originNodeURI, a.destinationNodeURI]) {
        expect(ids.has(end.identifier) || end.identifier === exported.CFDocument.identifier || end.uri !== '').toBe(
          true,
        );
      }
    }
    const childOf = exported.CFAssociations!.filter((a) => a.associationType === 'isChildOf');
    expect(childOf.length).toBeGreaterThan(0);
    expect(childOf.every((a) => ids.has(a.originNodeURI.identifier) && ids.has(a.destinationNodeURI.identifier))).toBe(
      true,
    );
  });

  it("exports an organisation's own framework (items without URIs, several alt labels) as a schema-valid package", async () => {
    const custom = await insertTestFramework(ctx.db, {
      orgId: (await member(ctx, 'admin')).orgId,
      title: 'Customer care',
      items: [
        {
          key: 'calm',
          statement: 'Stay calm with upset customers',
          uri: null,
          altLabels: ['de-escalation', 'composure'],
        },
        {
          key: 'notes',
          statement: 'Write clear case notes',
          uri: null,
          description: 'Notes another agent can act on.',
        },
      ],
    });
    const exported = await exportCfPackage(ctx.db, custom.id, ctx.deps.publicUrl);
    expectSchemaValid(exported);
    const calm = custom.items['calm']!;
    expect(exported.CFItems!.find((i) => i.identifier === calm.caseIdentifier)).toEqual({
      identifier: calm.caseIdentifier,
      fullStatement: 'Stay calm with upset customers',
      alternativeLabel: 'de-escalation',
      CFItemType: 'skill',
      uri: `https://skillproof.test/ims/case/v1p1/CFItems/${calm.caseIdentifier}`,
      lastChangeDateTime: expect.any(String),
      extensions: { altLabels: ['de-escalation', 'composure'] },
    });
    expect(exported.CFItems!.find((i) => i.identifier === custom.items['notes']!.caseIdentifier)?.extensions).toEqual({
      description: 'Notes another agent can act on.',
    });
    // Read back, the labels and the description return to their columns.
    const source = await readCase(exported);
    const records = [];
    for await (const r of source.records()) records.push(r);
    expect(records.find((r) => r.kind === 'item' && r.identifier === calm.caseIdentifier)).toMatchObject({
      altLabels: ['de-escalation', 'composure'],
      extra: undefined,
    });
  });

  const malformed: [string, () => unknown, FrameworkImportErrorCode, (message: string) => void][] = [
    [
      'JSON syntax',
      () => FIXTURE_TEXT.replace('"CFItems": [', '"CFItems": [,'),
      'ERR_IMPORT_JSON',
      (m) => expect(m).toMatch(/line \d+, column \d+/),
    ],
    [
      'a schema violation',
      () => {
        const pkg = fixture() as unknown as { CFItems: Record<string, unknown>[] };
        pkg.CFItems[2]!['identifier'] = 'not-a-uuid';
        return pkg;
      },
      'ERR_IMPORT_SCHEMA',
      (m) => expect(m).toContain('$.CFItems[2].identifier: must match format "uuid"'),
    ],
    [
      'an unknown association type',
      () => {
        const pkg = fixture();
        pkg.CFAssociations![16]!.associationType = 'isBroaderThan';
        return pkg;
      },
      'ERR_IMPORT_ASSOCIATION_TYPE',
      (m) => expect(m).toContain(fixture().CFAssociations![16]!.identifier),
    ],
    [
      'a duplicate item identifier',
      () => withDuplicateItem(fixture(), 7, 6),
      'ERR_IMPORT_DUPLICATE',
      (m) => expect(m).toContain(fixture().CFItems![6]!.identifier),
    ],
    ['an isChildOf cycle', () => withCycle(fixture()), 'ERR_IMPORT_CYCLE', (m) => expect(m).toContain('→')],
  ];

  it.each(malformed)(
    'refuses %s with 400 and its code, leaving the database as it was',
    async (_, make, code, check) => {
      // Into an organisation that has the framework (an update) and into one that has none (a first import).
      const fresh = await member(ctx, 'admin');
      for (const { caller, orgId } of [admin, fresh]) {
        const before = await snapshot();
        const error = await expectError(await postPackage(caller, orgId, make()), 400, code);
        check(error.message);
        expect(await snapshot()).toEqual(before);
      }
    },
  );

  it('refuses other media types, and callers who are not admins with frameworks:write', async () => {
    await expectError(
      await admin.caller.request('POST', importPath(admin.orgId), FIXTURE_TEXT, { 'content-type': 'text/plain' }),
      415,
      'ERR_UNSUPPORTED_MEDIA_TYPE',
    );
    const viewer = await member(ctx, 'viewer', admin.orgId);
    await expectError(await postPackage(viewer.caller, admin.orgId, FIXTURE_TEXT), 403, 'ERR_FORBIDDEN');
    await expectError(await postPackage(anonymous(ctx), admin.orgId, FIXTURE_TEXT), 401, 'ERR_UNAUTHENTICATED');
    const reader = await tokenFor(ctx, admin.user.id, ['frameworks:read'], admin.orgId);
    await expectError(await postPackage(reader, admin.orgId, FIXTURE_TEXT), 403, 'ERR_SCOPE');
    await expectError(await postPackage(other.caller, admin.orgId, FIXTURE_TEXT), 404, 'ERR_NOT_FOUND');
  });

  it('takes packages above the app-wide 10 MiB body limit, up to 50 MiB', async () => {
    const fresh = await member(ctx, 'admin');
    const padded = FIXTURE_TEXT + ' '.repeat(10.5 * 1024 * 1024);
    const res = await postPackage(fresh.caller, fresh.orgId, padded);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { summary: Record<string, number> }).summary).toEqual({
      items: 15,
      associations: 20,
    });
    const huge = FIXTURE_TEXT + ' '.repeat(50 * 1024 * 1024);
    await expectError(await postPackage(fresh.caller, fresh.orgId, huge), 413, 'ERR_INPUT_TOO_LARGE');
  });

  describe('CASE 1.1 endpoints', () => {
    const base = '/ims/case/v1p1';
    const documentId = fixture().CFDocument.identifier;
    const item = fixture().CFItems!.find((i) => i.humanCodingScheme === 'DL.1.2')!;

    it('list the CFDocuments a caller can see, with limit, offset and X-Total-Count', async () => {
      const everyone = await anonymous(ctx).request('GET', `${base}/CFDocuments`);
      expect(everyone.status).toBe(200);
      const listed = (
        (await everyone.json()) as { CFDocuments: { identifier: string; CFPackageURI: { uri: string } }[] }
      ).CFDocuments;
      expect(listed.map((d) => d.identifier)).not.toContain(documentId);
      const esco = await ctx.db
        .selectFrom('frameworks')
        .select('identifier')
        .where('id', '=', escoId)
        .executeTakeFirstOrThrow();
      expect(listed.map((d) => d.identifier)).toContain(esco.identifier);
      expect(everyone.headers.get('x-total-count')).toBe(String(listed.length));

      const mine = await admin.caller.request('GET', `${base}/CFDocuments`);
      const minelisted = (
        (await mine.json()) as { CFDocuments: { identifier: string; CFPackageURI: { uri: string } }[] }
      ).CFDocuments;
      const own = minelisted.find((d) => d.identifier === documentId)!;
      expect(own.CFPackageURI.uri).toBe(`https://skillproof.test${base}/CFPackages/${documentId}`);
      expect(Number(mine.headers.get('x-total-count'))).toBe(listed.length + 1);

      const page = await admin.caller.request('GET', `${base}/CFDocuments?limit=1&offset=1`);
      expect(((await page.json()) as { CFDocuments: unknown[] }).CFDocuments).toEqual([minelisted[1]]);
      const bad = await anonymous(ctx).request('GET', `${base}/CFDocuments?limit=0`);
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({
        imsx_codeMajor: 'failure',
        imsx_CodeMinor: {
          imsx_codeMinorField: [{ imsx_codeMinorFieldName: 'limit', imsx_codeMinorFieldValue: 'invaliddata' }],
        },
      });
    });

    it('serve a document, its package (streamed, schema-valid), items and associations to those who can see them', async () => {
      const doc = await admin.caller.request('GET', `${base}/CFDocuments/${documentId}`);
      expect(doc.status).toBe(200);
      expect(await doc.json()).toMatchObject({
        identifier: documentId,
        title: 'Data Literacy Competency Framework',
        caseVersion: '1.1',
      });

      const pkg = await admin.caller.request('GET', `${base}/CFPackages/${documentId.toUpperCase()}`);
      expect(pkg.status).toBe(200);
      expect(pkg.headers.get('content-type')).toContain('application/json');
      const body = (await pkg.json()) as CFPackage;
      expectSchemaValid(body);
      expect(body).toEqual(await exportCfPackage(ctx.db, frameworkA, ctx.deps.publicUrl));

      const cfItem = await admin.caller.request('GET', `${base}/CFItems/${item.identifier}`);
      expect(cfItem.status).toBe(200);
      expect(await cfItem.json()).toEqual({
        ...item,
        lastChangeDateTime: '2025-03-14T09:30:00.000Z',
        CFDocumentURI: {
          title: 'Data Literacy Competency Framework',
          identifier: documentId,
          uri: fixture().CFDocument.uri,
        },
      });

      const association = fixture().CFAssociations!.find((a) => a.associationType === 'precedes')!;
      const cfAssociation = await admin.caller.request('GET', `${base}/CFAssociations/${association.identifier}`);
      expect(cfAssociation.status).toBe(200);
      expect(await cfAssociation.json()).toMatchObject({
        identifier: association.identifier,
        associationType: 'precedes',
        originNodeURI: { identifier: association.originNodeURI.identifier },
        destinationNodeURI: { identifier: association.destinationNodeURI.identifier },
        CFAssociationGroupingURI: association.CFAssociationGroupingURI,
        CFDocumentURI: { identifier: documentId },
      });

      const withAssociations = await admin.caller.request('GET', `${base}/CFItemAssociations/${item.identifier}`);
      const { CFItem, CFAssociations } = (await withAssociations.json()) as {
        CFItem: { identifier: string };
        CFAssociations: { identifier: string }[];
      };
      expect(CFItem.identifier).toBe(item.identifier);
      const expected = fixture()
        .CFAssociations!.filter(
          (a) => a.originNodeURI.identifier === item.identifier || a.destinationNodeURI.identifier === item.identifier,
        )
        .map((a) => a.identifier)
        .sort();
      expect(CFAssociations.map((a) => a.identifier).sort()).toEqual(expected);
      expect(expected).toHaveLength(4); // its parent, its two indicators, and the precedes that ends at it
    });

    it('answer 404 in the imsx_StatusInfo shape for unknown objects and for private frameworks of others', async () => {
      const unknown = randomUUID();
      const res = await anonymous(ctx).request('GET', `${base}/CFItems/${unknown}`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({
        imsx_codeMajor: 'failure',
        imsx_severity: 'error',
        imsx_description: `No CFItem with the identifier ${unknown} among the frameworks you can see.`,
        imsx_CodeMinor: {
          imsx_codeMinorField: [{ imsx_codeMinorFieldName: 'sourcedId', imsx_codeMinorFieldValue: 'unknownobject' }],
        },
      });
      for (const path of [
        `CFDocuments/${documentId}`,
        `CFPackages/${documentId}`,
        `CFItems/${item.identifier}`,
        `CFItemAssociations/${item.identifier}`,
        `CFAssociations/${fixture().CFAssociations![0]!.identifier}`,
        'CFDocuments/not-a-uuid',
      ]) {
        const hidden = await anonymous(ctx).request('GET', `${base}/${path}`);
        expect(hidden.status, path).toBe(404);
        expect(await hidden.json()).toMatchObject({ imsx_codeMajor: 'failure', imsx_severity: 'error' });
      }
      // A member of another organisation sees its own copy (imported above), not this one.
      const theirs = await other.caller.request('GET', `${base}/CFItems/${item.identifier}`);
      expect(theirs.status).toBe(200);
      const row = await ctx.db
        .selectFrom('frameworks')
        .select('id')
        .where('orgId', '=', other.orgId)
        .where('identifier', '=', documentId)
        .executeTakeFirstOrThrow();
      expect(row.id).not.toBe(frameworkA);
      // A token without frameworks:read sees only what anyone sees.
      const noRead = await tokenFor(ctx, admin.user.id, ['achievements:read']);
      expect((await noRead.request('GET', `${base}/CFDocuments/${documentId}`)).status).toBe(404);
      const withRead = await tokenFor(ctx, admin.user.id, ['frameworks:read']);
      expect((await withRead.request('GET', `${base}/CFDocuments/${documentId}`)).status).toBe(200);
    });

    it('are in the OpenAPI document', async () => {
      const doc = (await (await ctx.app.request('/openapi.json')).json()) as { paths: Record<string, unknown> };
      for (const path of [
        `${base}/CFDocuments`,
        `${base}/CFDocuments/{sourcedId}`,
        `${base}/CFPackages/{sourcedId}`,
        `${base}/CFItems/{sourcedId}`,
        `${base}/CFAssociations/{sourcedId}`,
        `${base}/CFItemAssociations/{sourcedId}`,
        '/api/v1/orgs/{orgId}/frameworks/import',
      ]) {
        expect(doc.paths[path], path).toBeDefined();
      }
    });
  });
});
