import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from '@hono/zod-openapi';
import type { Database } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { Cursor } from '../../http/pagination.js';
import { resolveSkills, type SkillReference } from '../frameworks/skill-references.js';
import {
  AchievementDefinition,
  applyPatch,
  type AchievementDefinitionInput,
  type AchievementPatch,
  type AlignedSkill,
} from './definition.js';
import { decodeImage, isDataUri } from './image.js';

export interface AchievementVersion {
  achievementId: string;
  orgId: string;
  version: number;
  definition: AchievementDefinition;
  archived: boolean;
}

/** An achievement with its current definition, as the API shows it. */
export interface AchievementRecord extends AchievementVersion {
  createdAt: Date;
  updatedAt: Date;
  archivedAt: Date | null;
  /** In the public learning catalogue since; null: not published. */
  publishedAt: Date | null;
}

const notFound = () => new AppError('ERR_NOT_FOUND', 'No achievement with this id (and version) in this organisation.');

/** Checks what zod cannot: a stored image's content. */
function checkDefinition(definition: Pick<AchievementDefinition, 'image'>): void {
  if (definition.image && isDataUri(definition.image)) decodeImage(definition.image, 'image');
}

/**
 * The framework items an achievement names, checked (each exists in a framework the organisation can use, none twice,
 * a required level is a level of a usable scale: otherwise `ERR_VALIDATION` with each field's path) and saved as they
 * read now, so that the version does not change when the framework does.
 */
async function resolveAchievementSkills(
  db: Kysely<Database>,
  orgId: string,
  references: readonly SkillReference[],
): Promise<AlignedSkill[]> {
  const resolved = await resolveSkills(db, orgId, references, 'skills');
  return resolved.map(({ reference, item, required }) => ({
    itemId: item.id,
    ...(reference.requiredLevel && {
      requiredLevel: { scaleId: reference.requiredLevel.scaleId, level: reference.requiredLevel.level },
    }),
    item: {
      statement: item.statement,
      ...(item.description !== null && { description: item.description }),
      ...(item.code !== null && { code: item.code }),
      type: item.type,
      ...(item.uri !== null && { uri: item.uri }),
      caseIdentifier: item.caseIdentifier,
      framework: {
        id: item.framework.id,
        title: item.framework.title,
        ...(item.framework.version !== null && { version: item.framework.version }),
      },
    },
    ...(required && { scale: { key: required.scale.key, title: required.scale.title, levels: required.scale.levels } }),
  }));
}

/** The definition with these skills (none: without the field), in the stored form. */
function withSkills(definition: AchievementDefinitionInput, skills: AlignedSkill[]): AchievementDefinition {
  const { skills: _, ...rest } = definition;
  return AchievementDefinition.parse(skills.length > 0 ? { ...rest, skills } : rest);
}

/** Keeps `achievement_skills` equal to the skills of the achievement's current version. */
async function writeAchievementSkills(
  db: Kysely<Database>,
  achievementId: string,
  skills: readonly AlignedSkill[],
): Promise<void> {
  await db.deleteFrom('achievementSkills').where('achievementId', '=', achievementId).execute();
  if (skills.length === 0) return;
  await db
    .insertInto('achievementSkills')
    .values(
      skills.map((s) => ({
        achievementId,
        itemId: s.itemId,
        scaleId: s.requiredLevel?.scaleId ?? null,
        requiredLevel: s.requiredLevel?.level ?? null,
      })),
    )
    .execute();
}

/**
 * Creates an achievement at version 1, its framework items (`skills`) resolved and saved with it, and recorded in
 * `achievement_skills`. Call inside a transaction (with the audit record).
 *
 * @example
 * ```ts
 * const a = await db.transaction().execute((tx) => createAchievement(tx, orgId, definition, now, userId));
 * ```
 */
export async function createAchievement(
  db: Kysely<Database>,
  orgId: string,
  input: AchievementDefinitionInput,
  now: Date,
  createdBy: string | null,
): Promise<AchievementVersion> {
  checkDefinition(input);
  const skills = input.skills?.length ? await resolveAchievementSkills(db, orgId, input.skills) : [];
  const definition = withSkills(input, skills);
  const id = randomUUID();
  await db
    .insertInto('achievements')
    .values({ id, orgId, currentVersion: 1, createdAt: now, updatedAt: now, archivedAt: null })
    .execute();
  await db
    .insertInto('achievementVersions')
    .values({ achievementId: id, version: 1, definition: JSON.stringify(definition), createdAt: now, createdBy })
    .execute();
  await writeAchievementSkills(db, id, skills);
  return { achievementId: id, orgId, version: 1, definition, archived: false };
}

/**
 * Applies a patch to an organisation's achievement as a new version; versions already issued under stay as they
 * were. A patch that changes nothing makes no version. An archived achievement cannot change (`ERR_STATE`). Call
 * inside a transaction: the achievement row is locked, so concurrent edits make consecutive versions.
 */
export async function updateAchievement(
  db: Kysely<Database>,
  orgId: string,
  achievementId: string,
  patch: AchievementPatch,
  now: Date,
  updatedBy: string | null,
): Promise<{ achievement: AchievementRecord; changed: string[] }> {
  const row = await db
    .selectFrom('achievements')
    .select(['currentVersion', 'archivedAt'])
    .where('id', '=', achievementId)
    .where('orgId', '=', orgId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound();
  if (row.archivedAt)
    throw new AppError('ERR_STATE', 'This achievement is archived; archived achievements cannot change.');
  const current = await loadAchievementVersion(db, orgId, achievementId, row.currentVersion);
  let next = parseOrThrow(() => applyPatch(current.definition, patch));
  if (patch.skills !== undefined) {
    next = withSkills(next, patch.skills?.length ? await resolveAchievementSkills(db, orgId, patch.skills) : []);
  }
  const changed = Object.keys(patch).filter(
    (k) =>
      JSON.stringify(next[k as keyof AchievementDefinition]) !==
      JSON.stringify(current.definition[k as keyof AchievementDefinition]),
  );
  if (changed.length > 0) {
    checkDefinition(next);
    const version = row.currentVersion + 1;
    await db
      .insertInto('achievementVersions')
      .values({ achievementId, version, definition: JSON.stringify(next), createdAt: now, createdBy: updatedBy })
      .execute();
    await db
      .updateTable('achievements')
      .set({ currentVersion: version, updatedAt: now })
      .where('id', '=', achievementId)
      .where('orgId', '=', orgId)
      .execute();
    if (changed.includes('skills')) await writeAchievementSkills(db, achievementId, next.skills ?? []);
  }
  return { achievement: await getAchievement(db, orgId, achievementId), changed };
}

/**
 * Archives an achievement: it can no longer be issued or edited, and it leaves the catalogue (unpublished); what was
 * issued stays valid. Idempotent.
 */
export async function archiveAchievement(
  db: Kysely<Database>,
  orgId: string,
  achievementId: string,
  now: Date,
): Promise<{ achievement: AchievementRecord; changed: boolean }> {
  const result = await db
    .updateTable('achievements')
    .set({ archivedAt: now, updatedAt: now, publishedAt: null })
    .where('id', '=', achievementId)
    .where('orgId', '=', orgId)
    .where('archivedAt', 'is', null)
    .executeTakeFirst();
  return { achievement: await getAchievement(db, orgId, achievementId), changed: result.numUpdatedRows > 0n };
}

/**
 * Publishes an achievement in the public learning catalogue (`published` true) or takes it out (false). Idempotent: an
 * achievement already in that state keeps its `publishedAt`, and `changed` is false. An archived achievement cannot be
 * published (`ERR_STATE`); unpublishing one is a no-op, since archiving already did it. Another organisation's
 * achievement is not found.
 *
 * @example
 * ```ts
 * const { achievement, changed } = await setAchievementPublished(tx, orgId, achievementId, true, now);
 * ```
 */
export async function setAchievementPublished(
  db: Kysely<Database>,
  orgId: string,
  achievementId: string,
  published: boolean,
  now: Date,
): Promise<{ achievement: AchievementRecord; changed: boolean }> {
  const row = await db
    .selectFrom('achievements')
    .select(['archivedAt', 'publishedAt'])
    .where('id', '=', achievementId)
    .where('orgId', '=', orgId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound();
  if (published && row.archivedAt) {
    throw new AppError('ERR_STATE', 'This achievement is archived; archived achievements cannot be published.');
  }
  const changed = published !== (row.publishedAt !== null);
  if (changed) {
    await db
      .updateTable('achievements')
      .set({ publishedAt: published ? now : null, updatedAt: now })
      .where('id', '=', achievementId)
      .where('orgId', '=', orgId)
      .execute();
  }
  return { achievement: await getAchievement(db, orgId, achievementId), changed };
}

/** An organisation's achievement with its current definition; another organisation's is not found. */
export async function getAchievement(
  db: Kysely<Database>,
  orgId: string,
  achievementId: string,
): Promise<AchievementRecord> {
  const [found] = await selectAchievements(db, orgId).where('a.id', '=', achievementId).execute();
  if (!found) throw notFound();
  return toRecord(found);
}

/**
 * A page of an organisation's achievements, newest first, by keyset (`after`: the last one of the previous page).
 * Archived ones only when `archived` is true.
 */
export async function listAchievements(
  db: Kysely<Database>,
  orgId: string,
  options: { archived: boolean; limit: number; after?: Cursor },
): Promise<AchievementRecord[]> {
  let q = selectAchievements(db, orgId);
  if (!options.archived) q = q.where('a.archivedAt', 'is', null);
  const { after } = options;
  if (after) {
    q = q.where((eb) =>
      eb.or([eb('a.createdAt', '<', after.at), eb.and([eb('a.createdAt', '=', after.at), eb('a.id', '<', after.id)])]),
    );
  }
  const rows = await q.orderBy('a.createdAt', 'desc').orderBy('a.id', 'desc').limit(options.limit).execute();
  return rows.map(toRecord);
}

/** Every version of an organisation's achievement, oldest first. */
export async function listAchievementVersions(db: Kysely<Database>, orgId: string, achievementId: string) {
  const rows = await db
    .selectFrom('achievementVersions as v')
    .innerJoin('achievements as a', 'a.id', 'v.achievementId')
    .select(['v.version', 'v.definition', 'v.createdAt', 'v.createdBy'])
    .where('a.id', '=', achievementId)
    .where('a.orgId', '=', orgId)
    .orderBy('v.version')
    .execute();
  if (rows.length === 0) throw notFound();
  return rows.map((r) => ({ ...r, definition: AchievementDefinition.parse(r.definition) }));
}

/**
 * One version of an organisation's achievement (the current one when `version` is omitted). Another organisation's
 * achievement is not found, exactly like one that does not exist. A credential names the version it was issued under,
 * and that version never changes.
 *
 * @example
 * ```ts
 * const v = await loadAchievementVersion(db, orgId, achievementId);
 * assertIssuable(v);
 * ```
 */
export async function loadAchievementVersion(
  db: Kysely<Database>,
  orgId: string,
  achievementId: string,
  version?: number,
): Promise<AchievementVersion> {
  const row = await selectVersion(db, achievementId, version).where('a.orgId', '=', orgId).executeTakeFirst();
  if (!row) throw notFound();
  return toVersion(row);
}

/**
 * One version of any organisation's achievement, for its public URL (credentials name it, so it is public).
 */
export async function findPublicAchievementVersion(
  db: Kysely<Database>,
  achievementId: string,
  version: number,
): Promise<AchievementVersion | undefined> {
  const row = await selectVersion(db, achievementId, version).executeTakeFirst();
  return row && toVersion(row);
}

/**
 * Throws `ERR_STATE` when credentials cannot be issued for this achievement (it is archived).
 *
 * @example
 * ```ts
 * assertIssuable(await loadAchievementVersion(tx, orgId, achievementId));
 * ```
 */
export function assertIssuable(version: AchievementVersion): void {
  if (version.archived) {
    throw new AppError('ERR_STATE', 'This achievement is archived; credentials can no longer be issued for it.');
  }
}

function selectVersion(db: Kysely<Database>, achievementId: string, version: number | undefined) {
  return db
    .selectFrom('achievements as a')
    .innerJoin('achievementVersions as v', (j) =>
      j
        .onRef('v.achievementId', '=', 'a.id')
        .on((eb) =>
          version === undefined ? eb('v.version', '=', eb.ref('a.currentVersion')) : eb('v.version', '=', version),
        ),
    )
    .select(['a.id', 'a.orgId', 'a.archivedAt', 'v.version', 'v.definition'])
    .where('a.id', '=', achievementId);
}

function selectAchievements(db: Kysely<Database>, orgId: string) {
  return db
    .selectFrom('achievements as a')
    .innerJoin('achievementVersions as v', (j) =>
      j.onRef('v.achievementId', '=', 'a.id').onRef('v.version', '=', 'a.currentVersion'),
    )
    .select([
      'a.id',
      'a.orgId',
      'a.archivedAt',
      'a.publishedAt',
      'a.createdAt',
      'a.updatedAt',
      'v.version',
      'v.definition',
    ])
    .where('a.orgId', '=', orgId);
}

function toVersion(row: {
  id: string;
  orgId: string;
  archivedAt: Date | null;
  version: number;
  definition: Record<string, unknown>;
}): AchievementVersion {
  return {
    achievementId: row.id,
    orgId: row.orgId,
    version: row.version,
    definition: AchievementDefinition.parse(row.definition),
    archived: row.archivedAt !== null,
  };
}

function toRecord(
  row: Parameters<typeof toVersion>[0] & { createdAt: Date; updatedAt: Date; publishedAt: Date | null },
): AchievementRecord {
  return {
    ...toVersion(row),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    archivedAt: row.archivedAt,
    publishedAt: row.publishedAt,
  };
}

/** Runs a zod parse, turning its failure into the API's `ERR_VALIDATION` with every issue's path. */
function parseOrThrow<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (!(e instanceof z.ZodError)) throw e;
    const issues = e.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new AppError('ERR_VALIDATION', `${issues[0]!.path || 'request'}: ${issues[0]!.message}`, { issues });
  }
}
