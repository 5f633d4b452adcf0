import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { Cursor } from '../../http/pagination.js';
import { isUuid } from '../../http/schemas.js';
import { GLOBAL_SCALE_IDS } from '../frameworks/scales.js';
import { findUsableItems, frameworkItemUrl, resolveSkills } from '../frameworks/skill-references.js';
import { isFrameworkVisible } from '../frameworks/visibility.js';
import type {
  JobProfileInput,
  JobProfileJson,
  JobProfilePatch,
  JobProfileSkillInput,
  JobProfileSkillJson,
  JobProfileSummaryJson,
} from './schemas.js';

const notFound = () => new AppError('ERR_NOT_FOUND', 'No job profile with this id in this organisation.');

/** A skill as stored: the item, its weight and the required level, if any. */
interface SkillRow {
  itemId: string;
  weight: number;
  scaleId: string | null;
  requiredLevel: string | null;
}

/**
 * The skills an occupation brings to a profile, essential (and most important) first: each with the occupation's
 * weight, and for O*NET ratings the O*NET level (LV, rounded) as the required level. Skills the occupation weighs 0
 * (an O*NET importance of 1, "not important") are left out: a profile's weights are above 0.
 */
async function occupationSkills(db: Kysely<Database>, orgId: string, occupationId: string): Promise<SkillRow[]> {
  const occupation = await db
    .selectFrom('occupations')
    .innerJoin('frameworks', 'frameworks.id', 'occupations.frameworkId')
    .select('occupations.id')
    .where('occupations.id', '=', occupationId)
    .where((eb) => isFrameworkVisible(eb, [orgId]))
    .executeTakeFirst();
  if (!occupation) {
    throw new AppError(
      'ERR_VALIDATION',
      'occupationId: no occupation with this id in a framework this organisation can use.',
      { path: 'occupationId', issues: [{ path: 'occupationId', message: 'no such occupation' }] },
    );
  }
  const rows = await db
    .selectFrom('occupationSkills')
    .select(['itemId', 'weight', 'relation', 'level'])
    .where('occupationId', '=', occupationId)
    .where('weight', '>', 0)
    .execute();
  const essential = (r: (typeof rows)[number]) => (r.relation === 'essential' ? 0 : 1);
  rows.sort((a, b) => essential(a) - essential(b) || b.weight - a.weight || a.itemId.localeCompare(b.itemId));
  return rows.map((r) => ({
    itemId: r.itemId,
    weight: r.weight,
    ...(r.level !== null
      ? { scaleId: GLOBAL_SCALE_IDS.onetLevel, requiredLevel: String(Math.min(7, Math.max(0, Math.round(r.level)))) }
      : { scaleId: null, requiredLevel: null }),
  }));
}

/** Checks the skills a client gave (see resolveSkills) and returns them as rows. */
async function checkedSkills(db: Kysely<Database>, orgId: string, skills: readonly JobProfileSkillInput[]) {
  const resolved = await resolveSkills(db, orgId, skills, 'skills');
  return resolved.map(({ reference: s }): SkillRow => ({
    itemId: s.itemId,
    weight: s.weight,
    scaleId: s.requiredLevel?.scaleId ?? null,
    requiredLevel: s.requiredLevel?.level ?? null,
  }));
}

async function writeSkills(db: Kysely<Database>, jobProfileId: string, skills: readonly SkillRow[]): Promise<void> {
  await db.deleteFrom('jobProfileSkills').where('jobProfileId', '=', jobProfileId).execute();
  if (skills.length === 0) return;
  await db
    .insertInto('jobProfileSkills')
    .values(skills.map((s) => ({ jobProfileId, ...s })))
    .execute();
}

/**
 * Creates a job profile: from an occupation (visible to the organisation) its skills with their weights, then the
 * skills given, which replace the occupation's entry for the same item and add the others. Call inside a transaction
 * (with the audit record).
 *
 * @example
 * ```ts
 * const id = await db.transaction().execute((tx) => createJobProfile(tx, orgId, { title: 'Data analyst', occupationId }, now, userId));
 * ```
 */
export async function createJobProfile(
  db: Kysely<Database>,
  orgId: string,
  input: JobProfileInput,
  now: Date,
  createdBy: string | null,
): Promise<{ id: string; skills: number }> {
  const given = await checkedSkills(db, orgId, input.skills ?? []);
  let skills = given;
  if (input.occupationId !== undefined) {
    const fromOccupation = await occupationSkills(db, orgId, input.occupationId);
    // Items of a framework the organisation cannot use never reach a profile (an occupation and its skills share one).
    const usable = await findUsableItems(
      db,
      orgId,
      fromOccupation.map((s) => s.itemId),
    );
    const overridden = new Map(given.map((s) => [s.itemId, s]));
    skills = [
      ...fromOccupation.filter((s) => usable.has(s.itemId)).map((s) => overridden.get(s.itemId) ?? s),
      ...given.filter((s) => !fromOccupation.some((o) => o.itemId === s.itemId)),
    ];
  }
  const id = randomUUID();
  await db
    .insertInto('jobProfiles')
    .values({
      id,
      orgId,
      title: input.title,
      description: input.description ?? null,
      occupationId: input.occupationId ?? null,
      createdBy,
      createdAt: now,
      updatedAt: now,
      archivedAt: null,
    })
    .execute();
  await writeSkills(db, id, skills);
  return { id, skills: skills.length };
}

/**
 * Changes a job profile's title, description or skills (a new list replaces the old). An archived profile cannot
 * change (`ERR_STATE`). Call inside a transaction (with the audit record); the profile row is locked.
 */
export async function updateJobProfile(
  db: Kysely<Database>,
  orgId: string,
  jobProfileId: string,
  patch: JobProfilePatch,
  now: Date,
): Promise<{ changed: string[] }> {
  const row = isUuid(jobProfileId)
    ? await db
        .selectFrom('jobProfiles')
        .select(['title', 'description', 'archivedAt'])
        .where('id', '=', jobProfileId)
        .where('orgId', '=', orgId)
        .forUpdate()
        .executeTakeFirst()
    : undefined;
  if (!row) throw notFound();
  if (row.archivedAt) throw new AppError('ERR_STATE', 'This job profile is archived; archived profiles cannot change.');
  const changed: string[] = [];
  if (patch.title !== undefined && patch.title !== row.title) changed.push('title');
  if (patch.description !== undefined && patch.description !== row.description) changed.push('description');
  if (patch.skills !== undefined) {
    const next = await checkedSkills(db, orgId, patch.skills);
    const current = await db
      .selectFrom('jobProfileSkills')
      .select(['itemId', 'weight', 'scaleId', 'requiredLevel'])
      .where('jobProfileId', '=', jobProfileId)
      .execute();
    const key = (rows: readonly SkillRow[]) =>
      JSON.stringify(
        rows
          .map((s) => [s.itemId, Math.fround(s.weight), s.scaleId, s.requiredLevel])
          .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      );
    if (key(next) !== key(current)) {
      await writeSkills(db, jobProfileId, next);
      changed.push('skills');
    }
  }
  if (changed.length > 0) {
    await db
      .updateTable('jobProfiles')
      .set({
        ...(patch.title !== undefined && { title: patch.title }),
        ...(patch.description !== undefined && { description: patch.description }),
        updatedAt: now,
      })
      .where('id', '=', jobProfileId)
      .execute();
  }
  return { changed };
}

/** Archives a job profile: it stays readable (with `archived=true` in lists) and cannot change. Idempotent. */
export async function archiveJobProfile(
  db: Kysely<Database>,
  orgId: string,
  jobProfileId: string,
  now: Date,
): Promise<{ changed: boolean }> {
  if (!isUuid(jobProfileId)) throw notFound();
  const result = await db
    .updateTable('jobProfiles')
    .set({ archivedAt: now, updatedAt: now })
    .where('id', '=', jobProfileId)
    .where('orgId', '=', orgId)
    .where('archivedAt', 'is', null)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) {
    const exists = await db
      .selectFrom('jobProfiles')
      .select('id')
      .where('id', '=', jobProfileId)
      .where('orgId', '=', orgId)
      .executeTakeFirst();
    if (!exists) throw notFound();
  }
  return { changed: result.numUpdatedRows > 0n };
}

function selectProfiles(db: Kysely<Database>, orgId: string) {
  return db
    .selectFrom('jobProfiles as p')
    .leftJoin('occupations as o', 'o.id', 'p.occupationId')
    .select([
      'p.id',
      'p.orgId',
      'p.title',
      'p.description',
      'p.createdAt',
      'p.updatedAt',
      'p.archivedAt',
      'o.id as occupationId',
      'o.title as occupationTitle',
      'o.code as occupationCode',
      'o.frameworkId as occupationFrameworkId',
    ])
    .where('p.orgId', '=', orgId);
}

type ProfileRow = Awaited<ReturnType<ReturnType<typeof selectProfiles>['executeTakeFirstOrThrow']>>;

function profileFields(r: ProfileRow) {
  return {
    id: r.id,
    orgId: r.orgId,
    title: r.title,
    description: r.description,
    occupation:
      r.occupationId !== null && r.occupationTitle !== null && r.occupationFrameworkId !== null
        ? { id: r.occupationId, title: r.occupationTitle, code: r.occupationCode, frameworkId: r.occupationFrameworkId }
        : null,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    archived: r.archivedAt !== null,
  };
}

/**
 * An organisation's job profile with its skills (highest weight first), each with its item, framework and required
 * level's name; another organisation's profile is not found.
 *
 * @example
 * ```ts
 * const profile = await getJobProfile(db, publicUrl, orgId, jobProfileId);
 * ```
 */
export async function getJobProfile(
  db: Kysely<Database>,
  publicUrl: string,
  orgId: string,
  jobProfileId: string,
): Promise<JobProfileJson> {
  if (!isUuid(jobProfileId)) throw notFound();
  const row = await selectProfiles(db, orgId).where('p.id', '=', jobProfileId).executeTakeFirst();
  if (!row) throw notFound();
  const skills = await db
    .selectFrom('jobProfileSkills as s')
    .innerJoin('frameworkItems as i', 'i.id', 's.itemId')
    .innerJoin('frameworks as f', 'f.id', 'i.frameworkId')
    .leftJoin('proficiencyScales as sc', 'sc.id', 's.scaleId')
    .select([
      's.weight',
      's.requiredLevel',
      'i.id',
      'i.statement',
      'i.type',
      'i.code',
      'i.uri',
      'i.caseIdentifier',
      'f.id as frameworkId',
      'f.title as frameworkTitle',
      'f.version as frameworkVersion',
      'sc.id as scaleId',
      'sc.key as scaleKey',
      'sc.title as scaleTitle',
      'sc.levels as scaleLevels',
    ])
    .where('s.jobProfileId', '=', jobProfileId)
    .orderBy('s.weight', 'desc')
    .orderBy('i.statement')
    .orderBy('i.id')
    .execute();
  return {
    ...profileFields(row),
    skills: skills.map((s): JobProfileSkillJson => ({
      item: {
        id: s.id,
        statement: s.statement,
        type: s.type,
        code: s.code,
        url: frameworkItemUrl(publicUrl, s),
        framework: { id: s.frameworkId, title: s.frameworkTitle, version: s.frameworkVersion },
      },
      weight: s.weight,
      requiredLevel:
        s.scaleId !== null && s.scaleKey !== null && s.scaleTitle !== null && s.requiredLevel !== null
          ? {
              scaleId: s.scaleId,
              scaleKey: s.scaleKey,
              scaleTitle: s.scaleTitle,
              level: s.requiredLevel,
              name: s.scaleLevels?.find((l) => l.code === s.requiredLevel)?.name ?? s.requiredLevel,
            }
          : null,
    })),
  };
}

/**
 * A page of an organisation's job profiles, newest first, by keyset (`after`: the last one of the previous page);
 * archived ones only when `archived` is true. Skills are counted, not listed.
 */
export async function listJobProfiles(
  db: Kysely<Database>,
  orgId: string,
  options: { archived: boolean; limit: number; after?: Cursor },
): Promise<(JobProfileSummaryJson & { cursor: Cursor })[]> {
  let q = selectProfiles(db, orgId).select((eb) =>
    eb
      .selectFrom('jobProfileSkills as s')
      .select(eb.fn.countAll<string>().as('n'))
      .whereRef('s.jobProfileId', '=', 'p.id')
      .as('skillCount'),
  );
  if (!options.archived) q = q.where('p.archivedAt', 'is', null);
  const { after } = options;
  if (after) {
    q = q.where((eb) =>
      eb.or([eb('p.createdAt', '<', after.at), eb.and([eb('p.createdAt', '=', after.at), eb('p.id', '<', after.id)])]),
    );
  }
  const rows = await q.orderBy('p.createdAt', 'desc').orderBy('p.id', 'desc').limit(options.limit).execute();
  return rows.map((r) => ({
    ...profileFields(r),
    skillCount: Number(r.skillCount ?? 0),
    cursor: { at: r.createdAt, id: r.id },
  }));
}
