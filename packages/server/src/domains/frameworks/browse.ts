import { sql, type ExpressionBuilder, type Kysely, type Selectable } from 'kysely';
import type { Database, FrameworkItemsTable, OccupationsTable } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { decodeIdCursor } from '../../http/pagination.js';
import { isUuid } from '../../http/schemas.js';
import { isFrameworkVisible } from './visibility.js';

/** A framework item row as the database holds it. */
export type ItemRow = Selectable<FrameworkItemsTable>;
/** An occupation row as the database holds it. */
export type OccupationRow = Selectable<OccupationsTable>;

/** A short reference to an item, as lists of related items show it. */
export interface ItemRef {
  id: string;
  statement: string;
  type: string;
  code: string | null;
  uri: string | null;
  caseIdentifier: string;
}

/** A short reference to an occupation. */
export interface OccupationRef {
  id: string;
  frameworkId: string;
  kind: 'occupation' | 'group';
  code: string | null;
  title: string;
  uri: string | null;
}

/** How many related things an item detail shows at most of each kind (the counts say how many there are). */
export const DETAIL_LIMITS = { children: 500, associations: 200, occupations: 20 } as const;

// Keyset pagination by label: rows sorted by (label in byte order, id), so that PGlite and PostgreSQL page alike
// whatever their collation. The cursor is the id of a page's last row (http/pagination.ts); its label is looked up again.

const gone = () =>
  new AppError('ERR_VALIDATION', 'cursor: the row it points at no longer exists; start again without it.', {
    path: 'cursor',
  });

/**
 * The keyset condition for the rows after (`last`, `id`) in (label in byte order, id) order: COLLATE "C" so that
 * PGlite and PostgreSQL page alike.
 */
const after = (label: string, idColumn: string, last: string, id: string) =>
  sql<boolean>`(${sql.ref(label)} COLLATE "C" > ${last} COLLATE "C" OR (${sql.ref(label)} = ${last} AND ${sql.ref(idColumn)} > ${id}))`;

/** Whether item `i` is a child (isChildOf) of `parent`, or (null) of any item here (a node elsewhere does not count). */
const hasParent = (eb: ExpressionBuilder<Database & { i: FrameworkItemsTable }, 'i'>, parent: string | null) =>
  eb.exists(
    eb
      .selectFrom('frameworkAssociations as a')
      .select('a.id')
      .whereRef('a.originItemId', '=', 'i.id')
      .where('a.type', '=', 'isChildOf')
      .where('a.destinationItemId', parent === null ? 'is not' : '=', parent),
  );

/** Rows in the order of `ids` (ids without a row left out). */
function inOrderOf<R extends { id: string }>(ids: readonly string[], rows: readonly R[]): R[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** A framework's item, or `ERR_NOT_FOUND` (also for an item of another framework). */
export async function getFrameworkItem(db: Kysely<Database>, frameworkId: string, itemId: string): Promise<ItemRow> {
  const item = isUuid(itemId)
    ? await db
        .selectFrom('frameworkItems')
        .selectAll()
        .where('id', '=', itemId)
        .where('frameworkId', '=', frameworkId)
        .executeTakeFirst()
    : undefined;
  if (!item) throw new AppError('ERR_NOT_FOUND', 'No item with this id in this framework.');
  return item;
}

/**
 * A page of a framework's items sorted by statement, optionally of one type and under one parent (`'root'`: items
 * with no parent item).
 */
export async function listFrameworkItems(
  db: Kysely<Database>,
  frameworkId: string,
  options: { type?: string | undefined; parent?: string | undefined; cursor?: string | undefined; limit: number },
): Promise<ItemRow[]> {
  let query = db.selectFrom('frameworkItems as i').selectAll('i').where('i.frameworkId', '=', frameworkId);
  if (options.type) query = query.where('i.type', '=', options.type);
  if (options.parent === 'root') {
    query = query.where((eb) => eb.not(hasParent(eb, null)));
  } else if (options.parent) {
    const parent = options.parent;
    query = query.where((eb) => hasParent(eb, parent));
  }
  if (options.cursor) {
    const id = decodeIdCursor(options.cursor);
    const last = await db
      .selectFrom('frameworkItems')
      .select('statement')
      .where('id', '=', id)
      .where('frameworkId', '=', frameworkId)
      .executeTakeFirst();
    if (!last) throw gone();
    query = query.where(after('i.statement', 'i.id', last.statement, id));
  }
  return query
    .orderBy(sql`i.statement COLLATE "C"`)
    .orderBy('i.id')
    .limit(options.limit + 1)
    .execute();
}

/** Items by id, in the order given (those not found left out). */
export async function findItemsByIds(db: Kysely<Database>, ids: readonly string[]): Promise<ItemRow[]> {
  if (ids.length === 0) return [];
  return inOrderOf(ids, await db.selectFrom('frameworkItems').selectAll().where('id', 'in', ids).execute());
}

/** The ids of a parent's children (isChildOf), to filter ranked search results by parent. */
export async function findChildIds(db: Kysely<Database>, frameworkId: string, parent: string): Promise<Set<string>> {
  const rows =
    parent === 'root'
      ? await db
          .selectFrom('frameworkItems as i')
          .select('i.id')
          .where('i.frameworkId', '=', frameworkId)
          .where((eb) => eb.not(hasParent(eb, null)))
          .execute()
      : await db
          .selectFrom('frameworkAssociations')
          .select('originItemId as id')
          .where('frameworkId', '=', frameworkId)
          .where('type', '=', 'isChildOf')
          .where('destinationItemId', '=', parent)
          .execute();
  return new Set(rows.flatMap((r) => (r.id ? [r.id] : [])));
}

const itemRefColumns = ['i.id', 'i.statement', 'i.type', 'i.code', 'i.uri', 'i.caseIdentifier'] as const;

/** One end of an association other than the item itself: an item of the framework or a node elsewhere. */
export interface AssociatedNode {
  item: ItemRef | null;
  identifier: string;
  uri: string | null;
  title: string | null;
}

export interface ItemAssociation {
  id: string;
  type: string;
  /** `outgoing`: the item is the association's origin (it "isChildOf", "precedes", "needs" the other end). */
  direction: 'outgoing' | 'incoming';
  node: AssociatedNode;
  sequenceNumber: number | null;
}

/** What an item detail shows around the item: its place in the hierarchy, its other associations, and who needs it. */
export interface ItemNeighbourhood {
  parents: ItemRef[];
  children: ItemRef[];
  childCount: number;
  associations: ItemAssociation[];
  associationCount: number;
  occupations: {
    occupation: OccupationRef;
    relation: 'essential' | 'optional' | null;
    importance: number | null;
    level: number | null;
    weight: number;
  }[];
  occupationCount: number;
}

/**
 * An item's parents and children (isChildOf), its other associations both ways, and the occupations that need it
 * most (by weight; only occupations of frameworks visible to the caller, `orgIds` as for {@link isFrameworkVisible}).
 */
export async function findItemNeighbourhood(
  db: Kysely<Database>,
  itemId: string,
  orgIds: readonly string[],
): Promise<ItemNeighbourhood> {
  const [parents, children, childCount, outgoing, incoming, associationCount, occupations, occupationCount] =
    await Promise.all([
      db
        .selectFrom('frameworkAssociations as a')
        .innerJoin('frameworkItems as i', 'i.id', 'a.destinationItemId')
        .select(itemRefColumns)
        .where('a.originItemId', '=', itemId)
        .where('a.type', '=', 'isChildOf')
        .orderBy(sql`i.statement COLLATE "C"`)
        .orderBy('i.id')
        .execute(),
      db
        .selectFrom('frameworkAssociations as a')
        .innerJoin('frameworkItems as i', 'i.id', 'a.originItemId')
        .select(itemRefColumns)
        .where('a.destinationItemId', '=', itemId)
        .where('a.type', '=', 'isChildOf')
        .orderBy(sql`a.sequence_number NULLS LAST`)
        .orderBy(sql`i.statement COLLATE "C"`)
        .orderBy('i.id')
        .limit(DETAIL_LIMITS.children)
        .execute(),
      db
        .selectFrom('frameworkAssociations')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('destinationItemId', '=', itemId)
        .where('type', '=', 'isChildOf')
        .executeTakeFirstOrThrow(),
      associationsOf(db, itemId, 'outgoing'),
      associationsOf(db, itemId, 'incoming'),
      db
        .selectFrom('frameworkAssociations')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('type', '!=', 'isChildOf')
        .where((eb) => eb.or([eb('originItemId', '=', itemId), eb('destinationItemId', '=', itemId)]))
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('occupationSkills as s')
        .innerJoin('occupations as o', 'o.id', 's.occupationId')
        .innerJoin('frameworks', 'frameworks.id', 'o.frameworkId')
        .select(['o.id', 'o.frameworkId', 'o.kind', 'o.code', 'o.title', 'o.uri'])
        .select(['s.relation', 's.importance', 's.level', 's.weight'])
        .where('s.itemId', '=', itemId)
        .where((eb) => isFrameworkVisible(eb, orgIds))
        .orderBy('s.weight', 'desc')
        .orderBy(sql`o.title COLLATE "C"`)
        .orderBy('o.id')
        .limit(DETAIL_LIMITS.occupations)
        .execute(),
      db
        .selectFrom('occupationSkills as s')
        .innerJoin('occupations as o', 'o.id', 's.occupationId')
        .innerJoin('frameworks', 'frameworks.id', 'o.frameworkId')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('s.itemId', '=', itemId)
        .where((eb) => isFrameworkVisible(eb, orgIds))
        .executeTakeFirstOrThrow(),
    ]);
  return {
    parents,
    children,
    childCount: Number(childCount.n),
    associations: [...outgoing, ...incoming].slice(0, DETAIL_LIMITS.associations),
    associationCount: Number(associationCount.n),
    occupations: occupations.map(({ relation, importance, level, weight, ...occupation }) => ({
      occupation,
      relation,
      importance,
      level,
      weight,
    })),
    occupationCount: Number(occupationCount.n),
  };
}

async function associationsOf(
  db: Kysely<Database>,
  itemId: string,
  direction: 'outgoing' | 'incoming',
): Promise<ItemAssociation[]> {
  const [here, there] =
    direction === 'outgoing' ? (['origin', 'destination'] as const) : (['destination', 'origin'] as const);
  const rows = await db
    .selectFrom('frameworkAssociations as a')
    .leftJoin('frameworkItems as i', 'i.id', `a.${there}ItemId`)
    .select([
      'a.id as associationId',
      'a.type as associationType',
      'a.sequenceNumber',
      `a.${there}Identifier as nodeIdentifier`,
      `a.${there}Uri as nodeUri`,
      `a.${there}Title as nodeTitle`,
      'i.id',
      'i.statement',
      'i.type',
      'i.code',
      'i.uri',
      'i.caseIdentifier',
    ])
    .where(`a.${here}ItemId`, '=', itemId)
    .where('a.type', '!=', 'isChildOf')
    .orderBy('a.type')
    .orderBy(sql`a.sequence_number NULLS LAST`)
    .orderBy(sql`coalesce(i.statement, a.${sql.raw(there)}_title, '') COLLATE "C"`)
    .orderBy('a.id')
    .limit(DETAIL_LIMITS.associations)
    .execute();
  return rows.map((r) => ({
    id: r.associationId,
    type: r.associationType,
    direction,
    sequenceNumber: r.sequenceNumber,
    node: {
      item:
        r.id && r.statement !== null && r.type !== null && r.caseIdentifier !== null
          ? {
              id: r.id,
              statement: r.statement,
              type: r.type,
              code: r.code,
              uri: r.uri,
              caseIdentifier: r.caseIdentifier,
            }
          : null,
      identifier: r.nodeIdentifier,
      uri: r.nodeUri,
      title: r.nodeTitle ?? r.statement,
    },
  }));
}

/** An occupation with its framework's visibility checked, or `ERR_NOT_FOUND`. */
export async function getVisibleOccupation(
  db: Kysely<Database>,
  occupationId: string,
  orgIds: readonly string[],
): Promise<OccupationRow> {
  const occupation = isUuid(occupationId)
    ? await db
        .selectFrom('occupations')
        .innerJoin('frameworks', 'frameworks.id', 'occupations.frameworkId')
        .selectAll('occupations')
        .where('occupations.id', '=', occupationId)
        .where((eb) => isFrameworkVisible(eb, orgIds))
        .executeTakeFirst()
    : undefined;
  if (!occupation) throw new AppError('ERR_NOT_FOUND', 'No occupation with this id that you can see.');
  return occupation;
}

/** An occupation's skills, most important first, and its broader, narrower and related occupations. */
export async function findOccupationNeighbourhood(db: Kysely<Database>, occupationId: string) {
  const occupationRef = ['o.id', 'o.frameworkId', 'o.kind', 'o.code', 'o.title', 'o.uri'] as const;
  // A `broader` row reads "occupationId has the broader relatedOccupationId": read from one end, the other by title.
  const broaderOf = (here: 'occupationId' | 'relatedOccupationId', there: 'occupationId' | 'relatedOccupationId') =>
    db
      .selectFrom('occupationRelations as r')
      .innerJoin('occupations as o', 'o.id', `r.${there}`)
      .select(occupationRef)
      .where(`r.${here}`, '=', occupationId)
      .where('r.type', '=', 'broader')
      .orderBy(sql`o.title COLLATE "C"`)
      .orderBy('o.id')
      .execute();
  const [skills, broader, narrower, related] = await Promise.all([
    db
      .selectFrom('occupationSkills as s')
      .innerJoin('frameworkItems as i', 'i.id', 's.itemId')
      .select([...itemRefColumns, 'i.frameworkId', 's.relation', 's.importance', 's.level', 's.weight'])
      .where('s.occupationId', '=', occupationId)
      .orderBy('s.weight', 'desc')
      .orderBy(sql`i.statement COLLATE "C"`)
      .orderBy('i.id')
      .execute(),
    broaderOf('occupationId', 'relatedOccupationId'),
    broaderOf('relatedOccupationId', 'occupationId'),
    db
      .selectFrom('occupationRelations as r')
      .innerJoin('occupations as o', 'o.id', 'r.relatedOccupationId')
      .select([...occupationRef, 'r.rank', 'r.tier'])
      .where('r.occupationId', '=', occupationId)
      .where('r.type', '=', 'related')
      .orderBy(sql`r.rank NULLS LAST`)
      .orderBy(sql`o.title COLLATE "C"`)
      .orderBy('o.id')
      .execute(),
  ]);
  return {
    skills: skills.map(({ relation, importance, level, weight, frameworkId, ...item }) => ({
      item: { ...item, frameworkId },
      relation,
      importance,
      level,
      weight,
    })),
    broader,
    narrower,
    related,
  };
}

/** A page of occupations of the given frameworks, sorted by title. */
export async function listOccupations(
  db: Kysely<Database>,
  frameworkIds: readonly string[],
  options: { kind?: 'occupation' | 'group' | undefined; cursor?: string | undefined; limit: number },
): Promise<OccupationRow[]> {
  if (frameworkIds.length === 0) return [];
  let query = db.selectFrom('occupations as o').selectAll('o').where('o.frameworkId', 'in', frameworkIds);
  if (options.kind) query = query.where('o.kind', '=', options.kind);
  if (options.cursor) {
    const id = decodeIdCursor(options.cursor);
    const last = await db.selectFrom('occupations').select('title').where('id', '=', id).executeTakeFirst();
    if (!last) throw gone();
    query = query.where(after('o.title', 'o.id', last.title, id));
  }
  return query
    .orderBy(sql`o.title COLLATE "C"`)
    .orderBy('o.id')
    .limit(options.limit + 1)
    .execute();
}

/** Occupations by id, in the order given (those not found left out). */
export async function findOccupationsByIds(db: Kysely<Database>, ids: readonly string[]): Promise<OccupationRow[]> {
  if (ids.length === 0) return [];
  return inOrderOf(ids, await db.selectFrom('occupations').selectAll().where('id', 'in', ids).execute());
}
