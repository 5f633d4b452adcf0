import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Database, FrameworkAssociationsTable } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { Principal } from '../../http/env.js';
import { isUuid } from '../../http/schemas.js';
import { getFrameworkItem, type ItemRow } from './browse.js';
import { CASE_BASE_PATH } from './case-export.js';
import { checkAssociationType, checkChildOfCycles, type ChildOfEdge } from './graph-checks.js';
import { FrameworkImportError } from './sources/model.js';
import { assertFrameworkVisible, type FrameworkRow } from './visibility.js';

export type AssociationRow = Selectable<FrameworkAssociationsTable>;

/** The sources whose frameworks an organisation edits here; ESCO and O*NET are re-imported, never edited by hand. */
const EDITABLE_SOURCES = new Set(['custom', 'case']);

const FRAMEWORK_NOT_FOUND = 'No framework with this id in this organisation.';
const ITEM_NOT_FOUND = 'No item with this id in this framework.';
const ASSOCIATION_NOT_FOUND = 'No association with this id in this framework.';

export interface FrameworkInput {
  title: string;
  version?: string | null | undefined;
  description?: string | null | undefined;
  creator?: string | undefined;
  publisher?: string | null | undefined;
  language?: string | null | undefined;
  licenseUri?: string | null | undefined;
  attribution?: string | null | undefined;
  adoptionStatus?: string | null | undefined;
  public?: boolean | undefined;
}

export type FrameworkPatch = Partial<FrameworkInput>;

export interface ItemInput {
  statement: string;
  type?: string | undefined;
  code?: string | null | undefined;
  abbreviatedStatement?: string | null | undefined;
  altLabels?: string[] | undefined;
  description?: string | null | undefined;
  language?: string | null | undefined;
  listEnumeration?: string | null | undefined;
  uri?: string | null | undefined;
}

export type ItemPatch = Partial<ItemInput>;

export interface AssociationInput {
  type: string;
  originItemId: string;
  /** An item of this framework, or of another framework the caller can see (stored as a node elsewhere, by URI). */
  destinationItemId?: string | undefined;
  /** A node outside the platform, by URI. */
  destination?: { uri: string; identifier?: string | undefined; title?: string | undefined } | undefined;
  sequenceNumber?: number | undefined;
}

/**
 * Creates an organisation's own framework ('custom'), private until made public. Its CASE identifier is a fresh UUID
 * and its URI the CFDocument URL on this server, so it exports as CASE like an imported one.
 *
 * @example
 * const framework = await createCustomFramework(tx, orgId, { title: 'Data skills' }, { now, publicUrl });
 */
export async function createCustomFramework(
  db: Kysely<Database>,
  orgId: string,
  input: FrameworkInput,
  context: { now: Date; publicUrl: string },
): Promise<FrameworkRow> {
  const org = await db.selectFrom('organizations').select('name').where('id', '=', orgId).executeTakeFirstOrThrow();
  const identifier = randomUUID();
  return db
    .insertInto('frameworks')
    .values({
      id: randomUUID(),
      orgId,
      source: 'custom',
      identifier,
      uri: `${context.publicUrl}${CASE_BASE_PATH}/CFDocuments/${identifier}`,
      version: input.version ?? null,
      title: input.title,
      creator: input.creator ?? org.name,
      publisher: input.publisher ?? null,
      description: input.description ?? null,
      language: input.language ?? null,
      licenseUri: input.licenseUri ?? null,
      attribution: input.attribution ?? null,
      adoptionStatus: input.adoptionStatus ?? 'Draft',
      public: input.public ?? false,
      lastChangeAt: context.now,
      createdAt: context.now,
      updatedAt: context.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * The organisation's framework, locked for the rest of the transaction (writes to one framework are serialised, so
 * two concurrent isChildOf additions cannot close a cycle neither saw), if it may be edited here: another
 * organisation's is 404 (existence does not leak), a global one or an ESCO/O*NET import 403.
 */
export async function lockEditableFramework(
  db: Kysely<Database>,
  orgId: string,
  frameworkId: string,
): Promise<FrameworkRow> {
  const notFound = new AppError('ERR_NOT_FOUND', FRAMEWORK_NOT_FOUND);
  if (!isUuid(frameworkId)) throw notFound;
  const framework = await db
    .selectFrom('frameworks')
    .selectAll()
    .where('id', '=', frameworkId)
    .forUpdate()
    .executeTakeFirst();
  if (!framework) throw notFound;
  if (framework.orgId === null) {
    throw new AppError(
      'ERR_FORBIDDEN',
      'Global frameworks (the shipped ESCO and O*NET) cannot be edited: create a framework of your own and align it ' +
        'to them (exactMatchOf, isRelatedTo).',
    );
  }
  if (framework.orgId !== orgId) throw notFound;
  if (!EDITABLE_SOURCES.has(framework.source)) {
    throw new AppError(
      'ERR_FORBIDDEN',
      `This framework was imported from ${framework.source.toUpperCase()}: change it by importing a new release, not by hand.`,
    );
  }
  return framework;
}

/** Marks a framework changed: search caches key on (id, updated_at), and CASE shows lastChangeDateTime. */
async function touch(db: Kysely<Database>, frameworkId: string, now: Date): Promise<FrameworkRow> {
  return db
    .updateTable('frameworks')
    .set({ updatedAt: now, lastChangeAt: now })
    .where('id', '=', frameworkId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Applies a patch to a locked framework; returns it and the fields that changed (none: nothing written). */
export async function updateFramework(
  db: Kysely<Database>,
  framework: FrameworkRow,
  patch: FrameworkPatch,
  now: Date,
): Promise<{ framework: FrameworkRow; changed: string[] }> {
  const changed = changedFields(framework, patch);
  if (changed.length === 0) return { framework, changed };
  const values = Object.fromEntries(changed.map((k) => [k, patch[k as keyof FrameworkPatch] ?? null]));
  await db.updateTable('frameworks').set(values).where('id', '=', framework.id).execute();
  return { framework: await touch(db, framework.id, now), changed };
}

/** Deletes a locked framework with its items and associations, unless a job profile or an achievement uses an item. */
export async function deleteFramework(db: Kysely<Database>, framework: FrameworkRow): Promise<{ items: number }> {
  await assertUnused(
    db,
    { frameworkId: framework.id },
    `The framework ${JSON.stringify(framework.title)}`,
    framework.identifier,
  );
  const count = await db
    .selectFrom('frameworkItems')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('frameworkId', '=', framework.id)
    .executeTakeFirstOrThrow();
  await guardForeignKeys(
    () => db.deleteFrom('frameworks').where('id', '=', framework.id).execute(),
    `The framework ${JSON.stringify(framework.title)}`,
    framework.identifier,
  );
  return { items: Number(count.n) };
}

/**
 * Adds an item to a locked framework. Its identifier and CASE identifier are one fresh UUID, as CASE frameworks have;
 * without a URI of its own, its CFItem URL on this server stands for it.
 */
export async function createItem(
  db: Kysely<Database>,
  framework: FrameworkRow,
  input: ItemInput,
  now: Date,
): Promise<ItemRow> {
  const identifier = randomUUID();
  const item = await db
    .insertInto('frameworkItems')
    .values({
      id: randomUUID(),
      frameworkId: framework.id,
      identifier,
      caseIdentifier: identifier,
      uri: input.uri ?? null,
      type: input.type ?? 'competency',
      code: input.code ?? null,
      statement: input.statement,
      abbreviatedStatement: input.abbreviatedStatement ?? null,
      altLabels: JSON.stringify(input.altLabels ?? []),
      description: input.description ?? null,
      language: input.language ?? framework.language,
      listEnumeration: input.listEnumeration ?? null,
      lastChangeAt: now,
      createdAt: now,
      updatedAt: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await touch(db, framework.id, now);
  return item;
}

/** Applies a patch to an item of a locked framework; returns it and the fields that changed. */
export async function updateItem(
  db: Kysely<Database>,
  framework: FrameworkRow,
  itemId: string,
  patch: ItemPatch,
  now: Date,
): Promise<{ item: ItemRow; changed: string[] }> {
  const item = await getFrameworkItem(db, framework.id, itemId);
  const changed = changedFields(item, patch);
  if (changed.length === 0) return { item, changed };
  const values: Record<string, unknown> = {};
  for (const key of changed) {
    const value = patch[key as keyof ItemPatch];
    values[key] = key === 'altLabels' ? JSON.stringify(value ?? []) : (value ?? null);
  }
  if (values['type'] === null) values['type'] = 'competency';
  const updated = await db
    .updateTable('frameworkItems')
    .set({ ...values, lastChangeAt: now, updatedAt: now })
    .where('id', '=', item.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await touch(db, framework.id, now);
  return { item: updated, changed };
}

/**
 * Deletes an item of a locked framework, with the associations it is an end of (its children become top-level),
 * unless a job profile or an achievement uses it (ERR_IMPORT_IN_USE, 409).
 */
export async function deleteItem(
  db: Kysely<Database>,
  framework: FrameworkRow,
  itemId: string,
  now: Date,
): Promise<{ item: ItemRow; associations: number }> {
  const item = await getFrameworkItem(db, framework.id, itemId);
  await assertUnused(db, { itemId: item.id }, `The item ${JSON.stringify(item.statement)}`, item.identifier);
  const associations = await db
    .selectFrom('frameworkAssociations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => eb.or([eb('originItemId', '=', item.id), eb('destinationItemId', '=', item.id)]))
    .executeTakeFirstOrThrow();
  await guardForeignKeys(
    () => db.deleteFrom('frameworkItems').where('id', '=', item.id).execute(),
    `The item ${JSON.stringify(item.statement)}`,
    item.identifier,
  );
  await touch(db, framework.id, now);
  return { item, associations: Number(associations.n) };
}

/** The association of a framework, or 404. */
export async function getAssociation(
  db: Kysely<Database>,
  frameworkId: string,
  associationId: string,
): Promise<AssociationRow> {
  const association = isUuid(associationId)
    ? await db
        .selectFrom('frameworkAssociations')
        .selectAll()
        .where('id', '=', associationId)
        .where('frameworkId', '=', frameworkId)
        .executeTakeFirst()
    : undefined;
  if (!association) throw new AppError('ERR_NOT_FOUND', ASSOCIATION_NOT_FOUND);
  return association;
}

/**
 * Adds an association to a locked framework, with the checks an import makes: a CASE 1.1 type or `ext:…`
 * (ERR_IMPORT_ASSOCIATION_TYPE), ends that exist (an item of this framework; an item of another framework the caller
 * can see, kept as a node elsewhere by its URI; or a URI), no second association of the same type between the same
 * ends (ERR_IMPORT_DUPLICATE), and no isChildOf cycle (ERR_IMPORT_CYCLE, naming the items on it).
 */
export async function createAssociation(
  db: Kysely<Database>,
  framework: FrameworkRow,
  input: AssociationInput,
  context: { now: Date; publicUrl: string; principal: Principal | null },
): Promise<AssociationRow> {
  const identifier = randomUUID();
  const at = { file: 'request', path: '$.type' };
  checkAssociationType({ type: input.type, identifier, at });
  const origin = await getFrameworkItem(db, framework.id, input.originItemId).catch(() => {
    throw new FrameworkImportError('ERR_IMPORT_REFERENCE', ITEM_NOT_FOUND, {
      file: 'request',
      path: '$.originItemId',
      identifier: input.originItemId,
    });
  });
  const destination = await resolveDestination(db, framework, input, context);
  if (destination.itemId === origin.id) {
    const message = `An item cannot be ${input.type} itself.`;
    if (input.type !== 'isChildOf') throw new AppError('ERR_VALIDATION', message);
    throw new FrameworkImportError('ERR_IMPORT_CYCLE', message, {
      file: 'request',
      path: '$.destinationItemId',
      identifier: origin.identifier,
    });
  }
  const same = await db
    .selectFrom('frameworkAssociations')
    .select('id')
    .where('frameworkId', '=', framework.id)
    .where('type', '=', input.type)
    .where('originItemId', '=', origin.id)
    .where('destinationIdentifier', '=', destination.identifier)
    .executeTakeFirst();
  if (same) {
    throw new FrameworkImportError(
      'ERR_IMPORT_DUPLICATE',
      `This framework already has this ${input.type} association (${same.id}).`,
      { file: 'request', identifier: same.id },
    );
  }
  if (input.type === 'isChildOf' && destination.itemId !== null) {
    const edges: ChildOfEdge[] = (
      await db
        .selectFrom('frameworkAssociations as a')
        .innerJoin('frameworkItems as o', 'o.id', 'a.originItemId')
        .innerJoin('frameworkItems as d', 'd.id', 'a.destinationItemId')
        .select(['a.identifier', 'o.identifier as origin', 'd.identifier as destination'])
        .where('a.frameworkId', '=', framework.id)
        .where('a.type', '=', 'isChildOf')
        .execute()
    ).map((e) => ({ ...e, at: { file: 'framework', identifier: e.identifier } }));
    edges.push({ origin: origin.identifier, destination: destination.identifier, identifier, at: { file: 'request' } });
    checkChildOfCycles(edges);
  }
  const association = await db
    .insertInto('frameworkAssociations')
    .values({
      id: randomUUID(),
      frameworkId: framework.id,
      identifier,
      caseIdentifier: identifier,
      type: input.type,
      originItemId: origin.id,
      originIdentifier: origin.identifier,
      originUri: origin.uri,
      originTitle: origin.statement,
      destinationItemId: destination.itemId,
      destinationIdentifier: destination.identifier,
      destinationUri: destination.uri,
      destinationTitle: destination.title,
      sequenceNumber: input.sequenceNumber ?? null,
      lastChangeAt: context.now,
      createdAt: context.now,
      updatedAt: context.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await touch(db, framework.id, context.now);
  return association;
}

/** Deletes an association of a locked framework. */
export async function deleteAssociation(
  db: Kysely<Database>,
  framework: FrameworkRow,
  associationId: string,
  now: Date,
): Promise<AssociationRow> {
  const association = await getAssociation(db, framework.id, associationId);
  await db.deleteFrom('frameworkAssociations').where('id', '=', association.id).execute();
  await touch(db, framework.id, now);
  return association;
}

async function resolveDestination(
  db: Kysely<Database>,
  framework: FrameworkRow,
  input: AssociationInput,
  context: { publicUrl: string; principal: Principal | null },
): Promise<{ itemId: string | null; identifier: string; uri: string | null; title: string | null }> {
  if ((input.destinationItemId === undefined) === (input.destination === undefined)) {
    throw new AppError(
      'ERR_VALIDATION',
      'Give the destination as destinationItemId or as destination (a URI), not both.',
    );
  }
  if (input.destination) {
    const { uri, identifier, title } = input.destination;
    return { itemId: null, identifier: identifier ?? uri, uri, title: title ?? null };
  }
  const unknown = () =>
    new FrameworkImportError('ERR_IMPORT_REFERENCE', 'No item with this id that you can see.', {
      file: 'request',
      path: '$.destinationItemId',
      identifier: input.destinationItemId,
    });
  const item = isUuid(input.destinationItemId!)
    ? await db.selectFrom('frameworkItems').selectAll().where('id', '=', input.destinationItemId!).executeTakeFirst()
    : undefined;
  if (!item) throw unknown();
  if (item.frameworkId === framework.id) {
    return { itemId: item.id, identifier: item.identifier, uri: item.uri, title: item.statement };
  }
  // An item of another framework (ESCO, O*NET, another of the organisation's): a node elsewhere, named as CASE names it.
  await assertFrameworkVisible({ db }, context.principal, item.frameworkId).catch(() => {
    throw unknown();
  });
  return {
    itemId: null,
    identifier: item.caseIdentifier,
    uri: item.uri ?? `${context.publicUrl}${CASE_BASE_PATH}/CFItems/${item.caseIdentifier}`,
    title: item.statement,
  };
}

/**
 * Refuses to delete items a job profile or an achievement uses (their rows reference the item without cascade: a
 * profile or a credential's alignment must not lose its skill silently).
 */
async function assertUnused(
  db: Kysely<Database>,
  which: { frameworkId: string } | { itemId: string },
  what: string,
  identifier: string,
): Promise<void> {
  let itemIds = db.selectFrom('frameworkItems').select('id');
  itemIds =
    'itemId' in which ? itemIds.where('id', '=', which.itemId) : itemIds.where('frameworkId', '=', which.frameworkId);
  const [profiles, achievements] = await Promise.all([
    db
      .selectFrom('jobProfileSkills')
      .select((eb) => eb.fn.count<number>('jobProfileId').distinct().as('n'))
      .where('itemId', 'in', itemIds)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('achievementSkills')
      .select((eb) => eb.fn.count<number>('achievementId').distinct().as('n'))
      .where('itemId', 'in', itemIds)
      .executeTakeFirstOrThrow(),
  ]);
  const p = Number(profiles.n);
  const a = Number(achievements.n);
  if (p + a > 0) {
    const uses = [p > 0 && `${p} job profile${p > 1 ? 's' : ''}`, a > 0 && `${a} achievement${a > 1 ? 's' : ''}`];
    throw new FrameworkImportError(
      'ERR_IMPORT_IN_USE',
      `${what} is used by ${uses.filter(Boolean).join(' and ')}: remove it from them first.`,
      { file: 'framework', identifier },
    );
  }
}

/** A reference made between the check and the delete (another transaction) still answers ERR_IMPORT_IN_USE. */
async function guardForeignKeys(run: () => Promise<unknown>, what: string, identifier: string): Promise<void> {
  try {
    await run();
  } catch (e) {
    if ((e as { code?: unknown } | null)?.code === '23503') {
      throw new FrameworkImportError('ERR_IMPORT_IN_USE', `${what} has just been put to use: try again.`, {
        file: 'framework',
        identifier,
      });
    }
    throw e;
  }
}

/** The keys of `patch` whose values differ from the row's (JSON arrays compared by value). */
function changedFields(row: object, patch: object): string[] {
  const current = row as Record<string, unknown>;
  return Object.entries(patch)
    .filter(([key, value]) => value !== undefined && key in current)
    .filter(([key, value]) => JSON.stringify(current[key] ?? null) !== JSON.stringify(value ?? null))
    .map(([key]) => key);
}
