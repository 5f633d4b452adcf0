import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../../db/schema.js';
import { isUniqueViolation } from '../../db/errors.js';
import {
  checkAssociationType,
  checkChildOfCycles,
  IdentifierRegistry,
  resolveNode,
  type ChildOfEdge,
} from './graph-checks.js';
import {
  FrameworkImportError,
  type AssociationRecord,
  type FrameworkCounts,
  type FrameworkMeta,
  type FrameworkRecord,
  type FrameworkSource,
  type ItemRecord,
  type OccupationRecord,
  type OccupationRelationRecord,
  type OccupationSkillRecord,
  type SourceLocation,
} from './sources/model.js';

/** The stage an import has reached, for a progress bar. */
export type ImportPhase =
  'items' | 'associations' | 'occupations' | 'occupationSkills' | 'occupationRelations' | 'done';

export interface ImportOptions {
  /** The owning organisation; null or absent: a global framework. */
  orgId?: string | null;
  /** Skip the content-hash shortcut and compare every row (the upsert path is idempotent on its own). */
  force?: boolean;
  /** Called after each written chunk; `records` counts every record read so far, of every kind. */
  onProgress?: (p: { phase: ImportPhase; records: number; bytesRead?: number; bytesTotal?: number }) => void;
  /** The import time (created_at, updated_at, and the framework's last change when the source names none). */
  now?: Date;
  /**
   * Runs inside the import's transaction once the result is known (also for a no-op import), so that what it writes
   * (an audit entry) commits with the import or not at all.
   */
  beforeCommit?: (tx: Kysely<Database>, result: ImportResult) => Promise<void>;
}

export interface ImportResult {
  frameworkId: string;
  /** True when nothing was inserted, updated or deleted (or the stored content hash matched). */
  unchanged: boolean;
  /**
   * Rows written: items, associations, occupations, occupation skills and relations, and the framework row itself
   * (inserted on a first import, updated when its metadata changed).
   */
  changes: { inserted: number; updated: number; deleted: number };
  /** Counted in the database after the import. */
  counts: FrameworkCounts;
  /** `source.summarize(counts)`. */
  summary: Record<string, number>;
}

/**
 * Loads one framework from a reader's records into the database, in one transaction: the framework row (found by
 * organisation and identifier), its items, associations, occupations, occupation skills and occupation relations.
 * Idempotent: rows equal to the source are not touched (ids and updated_at kept), changed rows are updated in place,
 * rows no longer in the source are deleted, and a source whose content hash equals the stored one is not even read.
 * The graph is checked before commit (duplicates, references, association types, isChildOf cycles, items still in
 * use); any failure throws a FrameworkImportError and rolls everything back.
 *
 * @example
 * const result = await importFramework(db, readEsco('packages/server/data/esco-1.1.1'));
 * result.summary; // { skills: 13896, occupations: 3007, relations: 123788, … }
 */
export async function importFramework(
  db: Kysely<Database>,
  source: FrameworkSource,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const now = options.now ?? new Date();
  const orgId = options.orgId ?? null;
  const meta = source.meta;
  checkTimestamp(meta.lastChangeAt, { file: 'framework metadata', path: 'lastChangeAt' }, meta.identifier);
  const contentHash = await source.contentHash();
  let imported: ImportResult;
  try {
    imported = await db.transaction().execute(async (tx) => {
      const stored = await findFramework(tx, orgId, meta.identifier);
      if (stored && stored.contentHash === contentHash && !options.force) {
        options.onProgress?.({ phase: 'done', records: 0 });
        const counts = await countFramework(tx, stored.id);
        const result: ImportResult = {
          frameworkId: stored.id,
          unchanged: true,
          changes: { inserted: 0, updated: 0, deleted: 0 },
          counts,
          summary: source.summarize(counts),
        };
        await options.beforeCommit?.(tx, result);
        return result;
      }
      const run = new ImportRun(tx, source, options, now);
      const frameworkId = await run.upsertFramework(orgId);
      await run.loadStored();
      await run.readRecords();
      await run.deleteMissing();
      const { inserted, updated, deleted } = run.changes;
      const unchanged = inserted + updated + deleted === 0;
      if (!unchanged) {
        await sql`UPDATE frameworks SET updated_at = ${iso(now)}::timestamptz, content_hash = ${contentHash}
                  WHERE id = ${frameworkId}::uuid`.execute(tx);
      } else if (run.storedHash !== contentHash) {
        // Same data, other bytes: remember the new hash so the next identical import stops early, but keep
        // updated_at (search caches key on it) since nothing anyone can see has changed.
        await sql`UPDATE frameworks SET content_hash = ${contentHash} WHERE id = ${frameworkId}::uuid`.execute(tx);
      }
      options.onProgress?.({ phase: 'done', records: run.records, ...run.bytes() });
      const counts = await countFramework(tx, frameworkId);
      const result = { frameworkId, unchanged, changes: run.changes, counts, summary: source.summarize(counts) };
      await options.beforeCommit?.(tx, result);
      return result;
    });
  } catch (e) {
    throw asImportError(e);
  }
  // A bulk load leaves the planner's statistics stale (PGlite then sorted whole rows on disk to export ESCO); the
  // autovacuum daemon that would refresh them does not run in PGlite.
  if (!imported.unchanged)
    await sql`ANALYZE framework_items, framework_associations, occupations, occupation_skills`.execute(db);
  return imported;
}

/**
 * What a framework holds, counted in the database: items and associations by type, occupations by kind (with their
 * alt labels and job zones), occupation skills (also by their item's type), and occupation relations by type. The
 * import reports it, and the CLI prints it.
 *
 * @example
 * const counts = await countFramework(db, frameworkId);
 * counts.items['skill']; // 10715
 */
export async function countFramework(db: Kysely<Database>, frameworkId: string): Promise<FrameworkCounts> {
  const [items, associations, occupations, skills, relations] = await Promise.all([
    db
      .selectFrom('frameworkItems')
      .select(['type', (eb) => eb.fn.countAll<number>().as('n')])
      .where('frameworkId', '=', frameworkId)
      .groupBy('type')
      .orderBy('type')
      .execute(),
    db
      .selectFrom('frameworkAssociations')
      .select(['type', (eb) => eb.fn.countAll<number>().as('n')])
      .where('frameworkId', '=', frameworkId)
      .groupBy('type')
      .orderBy('type')
      .execute(),
    db
      .selectFrom('occupations')
      .select([
        'kind',
        (eb) => eb.fn.countAll<number>().as('n'),
        sql<number>`coalesce(sum(jsonb_array_length(alt_labels)), 0)::int`.as('altLabels'),
        (eb) => eb.fn.count<number>('jobZone').as('withJobZone'),
      ])
      .where('frameworkId', '=', frameworkId)
      .groupBy('kind')
      .execute(),
    db
      .selectFrom('occupationSkills as s')
      .innerJoin('occupations as o', 'o.id', 's.occupationId')
      .innerJoin('frameworkItems as i', 'i.id', 's.itemId')
      .select(['i.type', (eb) => eb.fn.countAll<number>().as('n')])
      .where('o.frameworkId', '=', frameworkId)
      .groupBy('i.type')
      .orderBy('i.type')
      .execute(),
    db
      .selectFrom('occupationRelations as r')
      .innerJoin('occupations as o', 'o.id', 'r.occupationId')
      .select(['r.type', (eb) => eb.fn.countAll<number>().as('n')])
      .where('o.frameworkId', '=', frameworkId)
      .groupBy('r.type')
      .execute(),
  ]);
  const byKey = (rows: { key: string; n: number }[]): Record<string, number> =>
    Object.fromEntries(rows.map((row) => [row.key, Number(row.n)]));
  const kinds = byKey(occupations.map((r) => ({ key: r.kind, n: r.n })));
  const relationTypes = byKey(relations.map((r) => ({ key: r.type, n: r.n })));
  const skillTypes = byKey(skills.map((r) => ({ key: r.type, n: r.n })));
  const sum = (values: number[]) => values.reduce((a, b) => a + Number(b), 0);
  return {
    items: byKey(items.map((r) => ({ key: r.type, n: r.n }))),
    associations: byKey(associations.map((r) => ({ key: r.type, n: r.n }))),
    occupations: { occupation: kinds['occupation'] ?? 0, group: kinds['group'] ?? 0 },
    occupationSkills: sum(Object.values(skillTypes)),
    occupationRelations: { broader: relationTypes['broader'] ?? 0, related: relationTypes['related'] ?? 0 },
    occupationSkillsByType: skillTypes,
    occupationAltLabels: sum(occupations.map((r) => r.altLabels)),
    occupationsWithJobZone: sum(occupations.map((r) => r.withJobZone)),
  };
}

// ---------------------------------------------------------------------------------------------------------------

/** A table the importer writes: the columns it takes from each record's JSON, and the key ON CONFLICT matches. */
interface TableSpec {
  table: string;
  /** [column, SQL type] as json_to_recordset reads them; `id` is never updated. */
  columns: readonly (readonly [string, string])[];
  conflict: readonly string[];
  /** Rows carry framework_id (from a parameter) and created_at/updated_at. */
  owned: boolean;
  /** jsonb columns that are NOT NULL: absent means empty. */
  jsonDefaults?: Readonly<Record<string, string>>;
  /** Records per statement: the JSON of one chunk is one parameter. */
  chunk: number;
}

const ITEMS: TableSpec = {
  table: 'framework_items',
  columns: [
    ['id', 'uuid'],
    ['identifier', 'text'],
    ['case_identifier', 'uuid'],
    ['uri', 'text'],
    ['type', 'text'],
    ['code', 'text'],
    ['statement', 'text'],
    ['abbreviated_statement', 'text'],
    ['alt_labels', 'jsonb'],
    ['description', 'text'],
    ['language', 'text'],
    ['list_enumeration', 'text'],
    ['extra', 'jsonb'],
    ['last_change_at', 'timestamptz'],
  ],
  conflict: ['framework_id', 'identifier'],
  owned: true,
  jsonDefaults: { alt_labels: `'[]'::jsonb`, extra: `'{}'::jsonb` },
  chunk: 2000,
};

const ASSOCIATIONS: TableSpec = {
  table: 'framework_associations',
  columns: [
    ['id', 'uuid'],
    ['identifier', 'text'],
    ['case_identifier', 'uuid'],
    ['type', 'text'],
    ['origin_item_id', 'uuid'],
    ['origin_identifier', 'text'],
    ['origin_uri', 'text'],
    ['origin_title', 'text'],
    ['destination_item_id', 'uuid'],
    ['destination_identifier', 'text'],
    ['destination_uri', 'text'],
    ['destination_title', 'text'],
    ['sequence_number', 'integer'],
    ['extra', 'jsonb'],
    ['last_change_at', 'timestamptz'],
  ],
  conflict: ['framework_id', 'identifier'],
  owned: true,
  jsonDefaults: { extra: `'{}'::jsonb` },
  chunk: 5000,
};

const OCCUPATIONS: TableSpec = {
  table: 'occupations',
  columns: [
    ['id', 'uuid'],
    ['identifier', 'text'],
    ['kind', 'text'],
    ['code', 'text'],
    ['title', 'text'],
    ['alt_labels', 'jsonb'],
    ['description', 'text'],
    ['uri', 'text'],
    ['job_zone', 'smallint'],
    ['extra', 'jsonb'],
  ],
  conflict: ['framework_id', 'identifier'],
  owned: true,
  jsonDefaults: { alt_labels: `'[]'::jsonb`, extra: `'{}'::jsonb` },
  chunk: 2000,
};

const OCCUPATION_SKILLS: TableSpec = {
  table: 'occupation_skills',
  columns: [
    ['occupation_id', 'uuid'],
    ['item_id', 'uuid'],
    ['relation', 'text'],
    ['importance', 'real'],
    ['level', 'real'],
    ['weight', 'real'],
    ['extra', 'jsonb'],
  ],
  conflict: ['occupation_id', 'item_id'],
  owned: false,
  jsonDefaults: { extra: `'{}'::jsonb` },
  chunk: 5000,
};

const OCCUPATION_RELATIONS: TableSpec = {
  table: 'occupation_relations',
  columns: [
    ['occupation_id', 'uuid'],
    ['type', 'text'],
    ['related_occupation_id', 'uuid'],
    ['rank', 'integer'],
    ['tier', 'text'],
  ],
  conflict: ['occupation_id', 'type', 'related_occupation_id'],
  owned: false,
  chunk: 5000,
};

/** The fixed SQL text of one spec's chunked upsert: its columns, the record definition, the conflict clause. */
function upsertParts(spec: TableSpec): { head: string; select: string; record: string; conflict: string } {
  const names = spec.columns.map(([name]) => name);
  const updatable = names.filter((name) => name !== 'id' && !spec.conflict.includes(name));
  const set = [
    ...updatable.map((n) => `${n} = EXCLUDED.${n}`),
    ...(spec.owned ? ['updated_at = EXCLUDED.updated_at'] : []),
  ];
  const before = updatable.map((n) => `t.${n}`).join(', ');
  const after = updatable.map((n) => `EXCLUDED.${n}`).join(', ');
  const insertColumns = [...names, ...(spec.owned ? ['framework_id', 'created_at', 'updated_at'] : [])];
  return {
    head: `INSERT INTO ${spec.table} AS t (${insertColumns.join(', ')})`,
    select: names
      .map((name) => (spec.jsonDefaults?.[name] ? `COALESCE(r.${name}, ${spec.jsonDefaults[name]})` : `r.${name}`))
      .join(', '),
    record: spec.columns.map(([name, type]) => `${name} ${type}`).join(', '),
    // Unchanged rows are neither written nor returned: ids, updated_at and the table's dead tuples stay as they are.
    conflict: `ON CONFLICT (${spec.conflict.join(', ')}) DO UPDATE SET ${set.join(', ')} WHERE (${before}) IS DISTINCT FROM (${after})`,
  };
}

/**
 * One chunk's upsert: every row of the chunk travels as one JSON parameter, read back by json_to_recordset, so a
 * chunk costs one round trip whatever its size. `(xmax = 0)` is true for a row this statement inserted. Into a
 * framework this transaction created nothing can conflict (duplicates in the source were refused on reading), so
 * there the statement is a plain INSERT: PGlite spends about a sixth less on it.
 */
function upsertStatement(
  spec: TableSpec,
  json: string,
  frameworkId: string,
  now: string,
  fresh: boolean,
): RawBuilder<{ inserted: boolean }> {
  const parts = upsertParts(spec);
  const owned = spec.owned ? sql`, ${frameworkId}::uuid, ${now}::timestamptz, ${now}::timestamptz` : sql``;
  const conflict = fresh ? '' : `${parts.conflict} RETURNING (xmax = 0) AS inserted`;
  return sql<{ inserted: boolean }>`${sql.raw(parts.head)} SELECT ${sql.raw(parts.select)}${owned}
    FROM json_to_recordset(${json}::json) AS r(${sql.raw(parts.record)}) ${sql.raw(conflict)}`;
}

const ORDER: Record<FrameworkRecord['kind'], number> = {
  item: 0,
  association: 1,
  occupation: 2,
  occupationSkill: 3,
  occupationRelation: 4,
};
const PHASES = ['items', 'associations', 'occupations', 'occupationSkills', 'occupationRelations'] as const;
const SPECS = [ITEMS, ASSOCIATIONS, OCCUPATIONS, OCCUPATION_SKILLS, OCCUPATION_RELATIONS] as const;

/** What the database holds for the framework before this import: to keep ids and to find rows to delete. */
interface Stored {
  items: Map<string, { id: string; caseIdentifier: string }>;
  itemCases: Map<string, string>;
  associations: Map<string, { id: string; caseIdentifier: string }>;
  associationCases: Map<string, string>;
  occupations: Map<string, string>;
  occupationSkills: Set<string>;
  occupationRelations: Set<string>;
}

/** One import's state: what has been seen (for duplicates and references), the chunk being filled, the changes. */
class ImportRun {
  readonly changes = { inserted: 0, updated: 0, deleted: 0 };
  records = 0;
  storedHash: string | null = null;
  private frameworkId = '';
  private created = false;
  private readonly nowIso: string;
  private phase = -1;
  private buffer: Record<string, unknown>[] = [];
  private bufferRecords: FrameworkRecord[] = [];
  private stored: Stored = {
    items: new Map(),
    itemCases: new Map(),
    associations: new Map(),
    associationCases: new Map(),
    occupations: new Map(),
    occupationSkills: new Set(),
    occupationRelations: new Set(),
  };
  private readonly items = new IdentifierRegistry<string>('item');
  private readonly itemCases = new IdentifierRegistry<null>('item CASE identifier');
  private readonly associations = new IdentifierRegistry<null>('association');
  private readonly associationCases = new IdentifierRegistry<null>('association CASE identifier');
  private readonly occupations = new IdentifierRegistry<string>('occupation');
  private readonly occupationSkills = new IdentifierRegistry<null>('occupation skill');
  private readonly occupationRelations = new IdentifierRegistry<null>('occupation relation');
  private readonly childOf: ChildOfEdge[] = [];
  private cyclesChecked = false;

  constructor(
    private readonly tx: Kysely<Database>,
    private readonly source: FrameworkSource,
    private readonly options: ImportOptions,
    private readonly now: Date,
  ) {
    this.nowIso = iso(now);
  }

  bytes(): { bytesRead?: number; bytesTotal?: number } {
    const size = this.source.size;
    return size ? { bytesRead: size.read(), bytesTotal: size.total } : {};
  }

  /** Inserts the framework row, or locks the stored one and brings its metadata up to date. */
  async upsertFramework(orgId: string | null): Promise<string> {
    const meta = this.source.meta;
    const inserted = await this.tx
      .insertInto('frameworks')
      .values({
        id: randomUUID(),
        orgId,
        source: this.source.kind,
        identifier: meta.identifier,
        uri: meta.uri,
        version: meta.version ?? null,
        title: meta.title,
        creator: meta.creator,
        publisher: meta.publisher ?? null,
        description: meta.description ?? null,
        language: meta.language ?? null,
        licenseUri: meta.licenseUri ?? null,
        attribution: meta.attribution ?? null,
        adoptionStatus: meta.adoptionStatus ?? null,
        public: orgId === null,
        extra: JSON.stringify(meta.extra ?? {}),
        contentHash: null,
        lastChangeAt: meta.lastChangeAt ?? this.now,
        createdAt: this.now,
        updatedAt: this.now,
      })
      .onConflict((oc) => oc.columns(['orgId', 'identifier']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted) {
      this.created = true;
      this.frameworkId = inserted.id;
      this.changes.inserted++;
      return inserted.id;
    }
    // Stored already (perhaps just now by a concurrent import, which we then wait for): lock it, so two imports of
    // one framework run one after the other and each sees the rows the other wrote.
    const stored = await findFramework(this.tx, orgId, meta.identifier, true);
    if (!stored) throw new Error(`Framework ${meta.identifier} vanished during the import`);
    this.frameworkId = stored.id;
    this.storedHash = stored.contentHash;
    const metaChanged = await sql`
      UPDATE frameworks AS t SET source = r.source, uri = r.uri, version = r.version, title = r.title,
        creator = r.creator, publisher = r.publisher, description = r.description, language = r.language,
        license_uri = r.license_uri, attribution = r.attribution, adoption_status = r.adoption_status,
        extra = COALESCE(r.extra, '{}'::jsonb), last_change_at = COALESCE(r.last_change_at, t.last_change_at),
        updated_at = ${this.nowIso}::timestamptz
      FROM jsonb_to_record(${JSON.stringify(metaRow(this.source.kind, meta))}::jsonb) AS r(source text, uri text,
        version text, title text, creator text, publisher text, description text, language text, license_uri text,
        attribution text, adoption_status text, extra jsonb, last_change_at timestamptz)
      WHERE t.id = ${stored.id}::uuid
        AND (t.source, t.uri, t.version, t.title, t.creator, t.publisher, t.description, t.language, t.license_uri,
             t.attribution, t.adoption_status, t.extra, t.last_change_at)
        IS DISTINCT FROM (r.source, r.uri, r.version, r.title, r.creator, r.publisher, r.description, r.language,
             r.license_uri, r.attribution, r.adoption_status, COALESCE(r.extra, '{}'::jsonb),
             COALESCE(r.last_change_at, t.last_change_at))
      RETURNING t.id`.execute(this.tx);
    if (metaChanged.rows.length > 0) this.changes.updated++;
    return stored.id;
  }

  /** Reads the keys of what is stored (nothing for a new framework): ids are kept, and the rest is deleted later. */
  async loadStored(): Promise<void> {
    if (this.created) return;
    const id = this.frameworkId;
    const [items, associations, occupations, skills, relations] = await Promise.all([
      this.tx
        .selectFrom('frameworkItems')
        .select(['id', 'identifier', 'caseIdentifier'])
        .where('frameworkId', '=', id)
        .execute(),
      this.tx
        .selectFrom('frameworkAssociations')
        .select(['id', 'identifier', 'caseIdentifier'])
        .where('frameworkId', '=', id)
        .execute(),
      this.tx.selectFrom('occupations').select(['id', 'identifier']).where('frameworkId', '=', id).execute(),
      this.tx
        .selectFrom('occupationSkills as s')
        .innerJoin('occupations as o', 'o.id', 's.occupationId')
        .select(['s.occupationId', 's.itemId'])
        .where('o.frameworkId', '=', id)
        .execute(),
      this.tx
        .selectFrom('occupationRelations as r')
        .innerJoin('occupations as o', 'o.id', 'r.occupationId')
        .select(['r.occupationId', 'r.type', 'r.relatedOccupationId'])
        .where('o.frameworkId', '=', id)
        .execute(),
    ]);
    for (const row of items) {
      this.stored.items.set(row.identifier, row);
      this.stored.itemCases.set(row.caseIdentifier, row.identifier);
    }
    for (const row of associations) {
      this.stored.associations.set(row.identifier, row);
      this.stored.associationCases.set(row.caseIdentifier, row.identifier);
    }
    for (const row of occupations) this.stored.occupations.set(row.identifier, row.id);
    for (const row of skills) this.stored.occupationSkills.add(`${row.occupationId} ${row.itemId}`);
    for (const row of relations) {
      this.stored.occupationRelations.add(`${row.occupationId} ${row.type} ${row.relatedOccupationId}`);
    }
  }

  async readRecords(): Promise<void> {
    for await (const record of this.source.records()) {
      const order = ORDER[record.kind] as number | undefined;
      if (order === undefined) throw new Error(`Reader bug: a record of unknown kind ${String(record.kind)}`);
      if (order < this.phase) {
        throw new Error(
          `Reader bug: an ${record.kind} record (${record.at.file}) came after ${PHASES[this.phase]}; readers must ` +
            `give items, associations, occupations, occupation skills, occupation relations in this order.`,
        );
      }
      if (order > this.phase) await this.enterPhase(order);
      this.records++;
      switch (record.kind) {
        case 'item':
          this.addItem(record);
          break;
        case 'association':
          this.addAssociation(record);
          break;
        case 'occupation':
          this.addOccupation(record);
          break;
        case 'occupationSkill':
          this.addOccupationSkill(record);
          break;
        case 'occupationRelation':
          this.addOccupationRelation(record);
          break;
      }
      this.bufferRecords.push(record);
      if (this.buffer.length >= SPECS[this.phase]!.chunk) await this.flush();
    }
    await this.enterPhase(PHASES.length);
  }

  /** Writes what the previous phase buffered, and checks the hierarchy once every association has been read. */
  private async enterPhase(phase: number): Promise<void> {
    await this.flush();
    if (phase > ORDER.association && !this.cyclesChecked) {
      checkChildOfCycles(this.childOf);
      this.cyclesChecked = true;
    }
    this.phase = phase;
  }

  private addItem(record: ItemRecord): void {
    const { identifier, caseIdentifier } = record;
    const stored = this.stored.items.get(identifier);
    const id = stored?.id ?? randomUUID();
    this.items.add(identifier, record.at, id);
    this.itemCases.add(caseIdentifier, record.at, null);
    checkCaseOwner(this.stored.itemCases, caseIdentifier, identifier, record.at, 'item');
    checkTimestamp(record.lastChangeAt, record.at, identifier);
    this.buffer.push({
      id,
      identifier,
      case_identifier: caseIdentifier,
      uri: record.uri,
      type: record.type,
      code: record.code,
      statement: record.statement,
      abbreviated_statement: record.abbreviatedStatement,
      alt_labels: record.altLabels,
      description: record.description,
      language: record.language,
      list_enumeration: record.listEnumeration,
      extra: record.extra,
      last_change_at: record.lastChangeAt,
    });
  }

  private addAssociation(record: AssociationRecord): void {
    const { identifier, caseIdentifier } = record;
    checkAssociationType(record);
    this.associations.add(identifier, record.at, null);
    this.associationCases.add(caseIdentifier, record.at, null);
    checkCaseOwner(this.stored.associationCases, caseIdentifier, identifier, record.at, 'association');
    checkTimestamp(record.lastChangeAt, record.at, identifier);
    const documentIdentifier = this.source.meta.identifier;
    const origin = resolveNode(record.origin, this.items, documentIdentifier, record, 'origin');
    const destination = resolveNode(record.destination, this.items, documentIdentifier, record, 'destination');
    if (record.type === 'isChildOf' && origin.itemId && destination.itemId) {
      this.childOf.push({
        origin: record.origin.identifier,
        destination: record.destination.identifier,
        at: record.at,
        identifier,
      });
    }
    if (record.sequenceNumber !== undefined && !isInteger32(record.sequenceNumber)) {
      throw valueError(record.at, identifier, `sequenceNumber ${record.sequenceNumber} is not a 32-bit integer`);
    }
    this.buffer.push({
      id: this.stored.associations.get(identifier)?.id ?? randomUUID(),
      identifier,
      case_identifier: caseIdentifier,
      type: record.type,
      origin_item_id: origin.itemId,
      origin_identifier: record.origin.identifier,
      origin_uri: record.origin.uri,
      origin_title: record.origin.title,
      destination_item_id: destination.itemId,
      destination_identifier: record.destination.identifier,
      destination_uri: record.destination.uri,
      destination_title: record.destination.title,
      sequence_number: record.sequenceNumber,
      extra: record.extra,
      last_change_at: record.lastChangeAt,
    });
  }

  private addOccupation(record: OccupationRecord): void {
    const { identifier } = record;
    const id = this.stored.occupations.get(identifier) ?? randomUUID();
    this.occupations.add(identifier, record.at, id);
    if (
      record.jobZone !== undefined &&
      !(Number.isInteger(record.jobZone) && record.jobZone >= 1 && record.jobZone <= 5)
    ) {
      throw valueError(record.at, identifier, `job zone ${record.jobZone} is not one of 1–5`);
    }
    this.buffer.push({
      id,
      identifier,
      kind: record.occupationKind,
      code: record.code,
      title: record.title,
      alt_labels: record.altLabels,
      description: record.description,
      uri: record.uri,
      job_zone: record.jobZone,
      extra: record.extra,
    });
  }

  private addOccupationSkill(record: OccupationSkillRecord): void {
    const name = () => `${record.occupation} → ${record.item}`;
    const occupationId = this.occupations.get(record.occupation);
    if (occupationId === undefined) throw referenceError(record.at, name(), 'occupation', record.occupation);
    const itemId = this.items.get(record.item);
    if (itemId === undefined) throw referenceError(record.at, name(), 'item', record.item);
    // Keyed by the ids: the same key finds the stored rows this import no longer has.
    this.occupationSkills.add(`${occupationId} ${itemId}`, record.at, null, name);
    if (!(Number.isFinite(record.weight) && record.weight >= 0 && record.weight <= 1)) {
      throw valueError(record.at, name(), `weight ${record.weight} is not between 0 and 1`);
    }
    for (const [field, value] of [
      ['importance', record.importance],
      ['level', record.level],
    ] as const) {
      if (value !== undefined && !Number.isFinite(value))
        throw valueError(record.at, name(), `${field} is not a number`);
    }
    this.buffer.push({
      occupation_id: occupationId,
      item_id: itemId,
      relation: record.relation,
      importance: record.importance,
      level: record.level,
      weight: record.weight,
      extra: record.extra,
    });
  }

  private addOccupationRelation(record: OccupationRelationRecord): void {
    const name = () => `${record.occupation} ${record.type} ${record.related}`;
    const occupationId = this.occupations.get(record.occupation);
    if (occupationId === undefined) throw referenceError(record.at, name(), 'occupation', record.occupation);
    const relatedId = this.occupations.get(record.related);
    if (relatedId === undefined) throw referenceError(record.at, name(), 'related occupation', record.related);
    this.occupationRelations.add(`${occupationId} ${record.type} ${relatedId}`, record.at, null, name);
    if (record.rank !== undefined && !isInteger32(record.rank)) {
      throw valueError(record.at, name(), `rank ${record.rank} is not a 32-bit integer`);
    }
    this.buffer.push({
      occupation_id: occupationId,
      type: record.type,
      related_occupation_id: relatedId,
      rank: record.rank,
      tier: record.tier,
    });
  }

  /** Writes the buffered chunk in one statement; only inserted and changed rows come back. */
  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const spec = SPECS[this.phase]!;
    const json = JSON.stringify(this.buffer);
    // PostgreSQL text (and jsonb) cannot hold U+0000; say which record has one rather than fail in the driver.
    if (json.includes('\\u0000')) {
      const index = this.buffer.findIndex((row) => JSON.stringify(row).includes('\\u0000'));
      const record = this.bufferRecords[index]!;
      throw valueError(record.at, recordName(record), 'contains a NUL character (U+0000), which cannot be stored');
    }
    const { rows } = await upsertStatement(spec, json, this.frameworkId, this.nowIso, this.created).execute(this.tx);
    if (this.created) this.changes.inserted += this.buffer.length;
    for (const row of rows) {
      if (row.inserted) this.changes.inserted++;
      else this.changes.updated++;
    }
    this.buffer = [];
    this.bufferRecords = [];
    this.options.onProgress?.({ phase: PHASES[this.phase]!, records: this.records, ...this.bytes() });
  }

  /** Deletes what the source no longer has, children first, refusing to drop items profiles or achievements use. */
  async deleteMissing(): Promise<void> {
    if (this.created) return;
    const relations = [...this.stored.occupationRelations].filter((key) => !this.occupationRelations.has(key));
    this.changes.deleted += await deleteRows(
      this.tx,
      relations.map((key) => key.split(' ')),
      (json) => sql`DELETE FROM occupation_relations AS t USING json_to_recordset(${json}::json)
                      AS r(o uuid, t text, x uuid)
                    WHERE t.occupation_id = r.o AND t.type = r.t AND t.related_occupation_id = r.x RETURNING 1`,
      ([o, t, x]) => ({ o, t, x }),
    );
    const skills = [...this.stored.occupationSkills].filter((key) => !this.occupationSkills.has(key));
    this.changes.deleted += await deleteRows(
      this.tx,
      skills.map((key) => key.split(' ')),
      (json) => sql`DELETE FROM occupation_skills AS t USING json_to_recordset(${json}::json) AS r(o uuid, i uuid)
                    WHERE t.occupation_id = r.o AND t.item_id = r.i RETURNING 1`,
      ([o, i]) => ({ o, i }),
    );
    const missing = <V>(stored: Map<string, V>, seen: { has(identifier: string): boolean }) =>
      [...stored].filter(([identifier]) => !seen.has(identifier)).map(([, value]) => value);
    this.changes.deleted += await deleteIds(this.tx, 'occupations', missing(this.stored.occupations, this.occupations));
    this.changes.deleted += await deleteIds(
      this.tx,
      'framework_associations',
      missing(this.stored.associations, this.associations).map((a) => a.id),
    );
    const items = missing(this.stored.items, this.items).map((item) => item.id);
    await this.checkNotInUse(items);
    this.changes.deleted += await deleteIds(this.tx, 'framework_items', items);
  }

  private async checkNotInUse(itemIds: string[]): Promise<void> {
    if (itemIds.length === 0) return;
    const { rows } = await sql<{ identifier: string; statement: string; profiles: number; achievements: number }>`
      SELECT i.identifier, i.statement,
        (SELECT count(*) FROM job_profile_skills s WHERE s.item_id = i.id)::int AS profiles,
        (SELECT count(*) FROM achievement_skills s WHERE s.item_id = i.id)::int AS achievements
      FROM framework_items i
      WHERE i.id IN (SELECT value::uuid FROM jsonb_array_elements_text(${JSON.stringify(itemIds)}::jsonb))
        AND (EXISTS (SELECT 1 FROM job_profile_skills s WHERE s.item_id = i.id)
          OR EXISTS (SELECT 1 FROM achievement_skills s WHERE s.item_id = i.id))
      ORDER BY i.identifier LIMIT 5`.execute(this.tx);
    const first = rows[0];
    if (!first) return;
    const users = [
      first.profiles > 0 && `${first.profiles} job profile${first.profiles === 1 ? '' : 's'}`,
      first.achievements > 0 && `${first.achievements} achievement${first.achievements === 1 ? '' : 's'}`,
    ].filter(Boolean);
    const others =
      rows.length > 1
        ? ` (and ${rows
            .slice(1)
            .map((r) => r.identifier)
            .join(', ')}${rows.length === 5 ? ', …' : ''})`
        : '';
    throw new FrameworkImportError(
      'ERR_IMPORT_IN_USE',
      `The item ${first.identifier} ('${first.statement}') is no longer in the source, but ${users.join(' and ')} ` +
        `use it${others}: remove it from them first, or keep it in the source.`,
      { file: this.source.meta.uri, identifier: first.identifier },
    );
  }
}

/** Deletes rows by key in chunks, one statement per chunk; returns how many went. */
async function deleteRows<K>(
  tx: Kysely<Database>,
  keys: K[],
  statement: (json: string) => RawBuilder<unknown>,
  toRow: (key: K) => Record<string, unknown>,
): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < keys.length; i += 5000) {
    const { rows } = await statement(JSON.stringify(keys.slice(i, i + 5000).map(toRow))).execute(tx);
    deleted += rows.length;
  }
  return deleted;
}

function deleteIds(tx: Kysely<Database>, table: string, ids: string[]): Promise<number> {
  return deleteRows(
    tx,
    ids,
    (json) => sql`DELETE FROM ${sql.raw(table)} WHERE id IN (SELECT r.id FROM json_to_recordset(${json}::json)
                  AS r(id uuid)) RETURNING 1`,
    (id) => ({ id }),
  );
}

async function findFramework(db: Kysely<Database>, orgId: string | null, identifier: string, lock = false) {
  let query = db
    .selectFrom('frameworks')
    .select(['id', 'contentHash'])
    .where('identifier', '=', identifier)
    .where((eb) => (orgId === null ? eb('orgId', 'is', null) : eb('orgId', '=', orgId)));
  if (lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

function metaRow(kind: FrameworkSource['kind'], meta: FrameworkMeta): Record<string, unknown> {
  return {
    source: kind,
    uri: meta.uri,
    version: meta.version,
    title: meta.title,
    creator: meta.creator,
    publisher: meta.publisher,
    description: meta.description,
    language: meta.language,
    license_uri: meta.licenseUri,
    attribution: meta.attribution,
    adoption_status: meta.adoptionStatus,
    extra: meta.extra,
    last_change_at: meta.lastChangeAt,
  };
}

/** A stored row of another identifier holds this CASE identifier: the insert would violate its uniqueness. */
function checkCaseOwner(
  owners: Map<string, string>,
  caseIdentifier: string,
  identifier: string,
  at: SourceLocation,
  label: string,
): void {
  const owner = owners.get(caseIdentifier);
  if (owner !== undefined && owner !== identifier) {
    throw new FrameworkImportError(
      'ERR_IMPORT_DUPLICATE',
      `The ${label} ${identifier} has the CASE identifier ${caseIdentifier}, which the stored ${label} ${owner} of ` +
        `this framework already has: CASE identifiers cannot move from one ${label} to another.`,
      { ...at, identifier },
    );
  }
}

function checkTimestamp(value: string | undefined, at: SourceLocation, identifier: string): void {
  if (value !== undefined && Number.isNaN(Date.parse(value))) {
    throw valueError(at, identifier, `lastChangeAt '${value}' is not an ISO 8601 date and time`);
  }
}

const isInteger32 = (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31;

function valueError(at: SourceLocation, identifier: string, problem: string): FrameworkImportError {
  return new FrameworkImportError('ERR_IMPORT_VALUE', `${identifier}: ${problem}.`, { ...at, identifier });
}

function referenceError(at: SourceLocation, name: string, what: string, identifier: string): FrameworkImportError {
  return new FrameworkImportError(
    'ERR_IMPORT_REFERENCE',
    `${name}: the ${what} ${identifier} is not in this framework's source.`,
    { ...at, identifier: name },
  );
}

function recordName(record: FrameworkRecord): string {
  switch (record.kind) {
    case 'occupationSkill':
      return `${record.occupation} → ${record.item}`;
    case 'occupationRelation':
      return `${record.occupation} ${record.type} ${record.related}`;
    default:
      return record.identifier;
  }
}

const iso = (date: Date) => date.toISOString();

/**
 * Database errors the checks should have prevented, as import errors all the same: a foreign key still pointing at a
 * deleted item (a profile saved concurrently), or a unique key met another way.
 */
function asImportError(e: unknown): unknown {
  if (e instanceof FrameworkImportError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  const detail = (e as { detail?: unknown } | null)?.detail;
  const why = typeof detail === 'string' ? ` (${detail})` : '';
  if (code === '23503') {
    return new FrameworkImportError(
      'ERR_IMPORT_IN_USE',
      `An item no longer in the source is still used by a job profile or achievement${why}.`,
    );
  }
  if (isUniqueViolation(e)) {
    return new FrameworkImportError('ERR_IMPORT_DUPLICATE', `Two records share a unique key${why}.`);
  }
  return e;
}
