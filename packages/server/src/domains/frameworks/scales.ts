import { randomUUID } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, ProficiencyLevel, ProficiencyScalesTable } from '../../db/schema.js';
import { isUniqueViolation } from '../../db/errors.js';
import { AppError } from '../../errors.js';
import { isUuid } from '../../http/schemas.js';

/** A proficiency scale row. */
export type ProficiencyScaleRow = Selectable<ProficiencyScalesTable>;

/**
 * The ids of the global scales the frameworks migration inserts (fixed, so that code and data can name them): the
 * eight EQF levels, O*NET level (LV 0–7) and O*NET importance (IM 1–5).
 */
export const GLOBAL_SCALE_IDS = {
  eqf: '00000000-0000-5000-8000-00000000e0f1',
  onetLevel: '00000000-0000-5000-8000-00000000e0f2',
  onetImportance: '00000000-0000-5000-8000-00000000e0f3',
} as const;

/** The one answer for a scale that does not exist or that the caller may not see. */
export const SCALE_NOT_FOUND = 'No proficiency scale with this id that you can see.';

const text = (max: number) => z.string().trim().min(1).max(max);

/**
 * A level's code: it names the level in job profiles and achievements and ends the fragment of the level's id in
 * credentials (`…#skill-1-level-<code>`), so it is kept to characters that need no escaping in a URL.
 */
const LevelCode = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$/, 'must be 1 to 50 letters, digits, dots, dashes or underscores')
  .openapi({ example: 'proficient' });

export const ProficiencyLevelSchema = z
  .object({
    code: LevelCode,
    name: text(200),
    description: text(2_000).optional(),
    value: z.number().finite().openapi({ description: 'Orders the levels: each higher than the one before.' }),
  })
  .strict()
  .openapi('ProficiencyLevel');

/** A rubric's levels, lowest first: 2 to 20, unique codes, strictly increasing values. */
const Levels = z
  .array(ProficiencyLevelSchema)
  .min(2)
  .max(20)
  .superRefine((levels, ctx) => {
    const seen = new Set<string>();
    levels.forEach((l, i) => {
      if (seen.has(l.code))
        ctx.addIssue({ code: 'custom', path: [i, 'code'], message: `code ${l.code} is used twice` });
      seen.add(l.code);
      const previous = levels[i - 1];
      if (previous && !(l.value > previous.value)) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'value'],
          message: `must be greater than the value of the level before (${previous.value}): levels go lowest first`,
        });
      }
    });
  });

/**
 * A required proficiency as job profiles and achievements name it: a level, by code, of a global scale or one of the
 * organisation's own (checked against the database by `resolveSkills`).
 */
export const RequiredLevelInput = z
  .object({
    scaleId: z.uuid().openapi({ example: GLOBAL_SCALE_IDS.eqf }),
    level: z.string().min(1).max(50).openapi({ example: '5', description: "The level's code." }),
  })
  .strict()
  .openapi('RequiredLevelInput');

/** What an organisation sends to define a rubric scale. */
export const ScaleInput = z
  .object({
    key: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'must be 1 to 64 lower-case letters, digits and dashes')
      .openapi({ example: 'support-rubric' }),
    title: text(200),
    description: text(5_000).optional(),
    levels: Levels,
  })
  .strict()
  .openapi('ProficiencyScaleInput');
export type ScaleInput = z.infer<typeof ScaleInput>;

/** A change to a rubric scale; its key and kind stay. `description: null` removes the description. */
export const ScalePatch = z
  .object({
    title: text(200).optional(),
    description: text(5_000).nullable().optional(),
    levels: Levels.optional(),
  })
  .strict()
  .openapi('ProficiencyScalePatch');
export type ScalePatch = z.infer<typeof ScalePatch>;

export const ScaleJson = z
  .object({
    id: z.uuid(),
    orgId: z.uuid().nullable().openapi({ description: 'Null: a global scale.' }),
    key: z.string(),
    title: z.string(),
    kind: z.enum(['eqf', 'onet-level', 'onet-importance', 'rubric']),
    description: z.string().nullable(),
    levels: z.array(ProficiencyLevelSchema),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('ProficiencyScale');
export type ScaleJson = z.infer<typeof ScaleJson>;

/** A scale as the API shows it. */
export function scaleJson(row: ProficiencyScaleRow): ScaleJson {
  return {
    id: row.id,
    orgId: row.orgId,
    key: row.key,
    title: row.title,
    kind: row.kind,
    description: row.description,
    levels: row.levels,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * The scales visible to readers of `orgIds`: the global ones first (EQF, O*NET level, O*NET importance), then the
 * organisations' own, by key.
 *
 * @example
 * ```ts
 * const scales = await listScales(db, await frameworkReaderOrgIds(deps, principal));
 * ```
 */
export async function listScales(db: Kysely<Database>, orgIds: readonly string[]): Promise<ProficiencyScaleRow[]> {
  return db
    .selectFrom('proficiencyScales')
    .selectAll()
    .where((eb) => eb.or([eb('orgId', 'is', null), ...(orgIds.length > 0 ? [eb('orgId', 'in', orgIds)] : [])]))
    .orderBy(sql`org_id IS NULL`, 'desc')
    .orderBy('orgId')
    .orderBy('key')
    .execute();
}

/**
 * A scale that is global or belongs to one of `orgIds`; anything else (no such scale, not a UUID, another
 * organisation's) is the same `ERR_NOT_FOUND`.
 *
 * @example
 * ```ts
 * const scale = await getScale(db, scaleId, [orgId]);
 * ```
 */
export async function getScale(
  db: Kysely<Database>,
  scaleId: string,
  orgIds: readonly string[],
): Promise<ProficiencyScaleRow> {
  const row = isUuid(scaleId)
    ? await db.selectFrom('proficiencyScales').selectAll().where('id', '=', scaleId).executeTakeFirst()
    : undefined;
  if (!row || (row.orgId !== null && !orgIds.includes(row.orgId))) throw new AppError('ERR_NOT_FOUND', SCALE_NOT_FOUND);
  return row;
}

/**
 * The scales an organisation may name in a required level (global ones and its own), by id, locked against a change
 * of their levels until the transaction ends (`FOR SHARE`), so that a level checked here cannot vanish before the
 * caller's rows commit. Ids that are not such scales are left out.
 */
export async function findUsableScales(
  db: Kysely<Database>,
  orgId: string,
  scaleIds: readonly string[],
): Promise<Map<string, ProficiencyScaleRow>> {
  const ids = [...new Set(scaleIds.filter(isUuid))];
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('proficiencyScales')
    .selectAll()
    .where('id', 'in', ids)
    .where((eb) => eb.or([eb('orgId', 'is', null), eb('orgId', '=', orgId)]))
    .forShare()
    .execute();
  return new Map(rows.map((r) => [r.id, r]));
}

/** The level with this code, if the scale has one. */
export function findLevel(scale: Pick<ProficiencyScaleRow, 'levels'>, code: string): ProficiencyLevel | undefined {
  return scale.levels.find((l) => l.code === code);
}

const scaleKeyTaken = (key: string) =>
  new AppError('ERR_CONFLICT', `This organisation already has a proficiency scale with the key ${key}.`, {
    path: 'key',
  });

/**
 * Defines an organisation's rubric scale. Call inside a transaction (with the audit record). A key the organisation
 * already uses is `ERR_CONFLICT`.
 *
 * @example
 * ```ts
 * const scale = await db.transaction().execute((tx) => createScale(tx, orgId, input, now));
 * ```
 */
export async function createScale(
  db: Kysely<Database>,
  orgId: string,
  input: ScaleInput,
  now: Date,
): Promise<ProficiencyScaleRow> {
  try {
    return await db
      .insertInto('proficiencyScales')
      .values({
        id: randomUUID(),
        orgId,
        key: input.key,
        title: input.title,
        kind: 'rubric',
        description: input.description ?? null,
        levels: JSON.stringify(input.levels),
        createdAt: now,
        updatedAt: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (e) {
    if (isUniqueViolation(e)) throw scaleKeyTaken(input.key);
    throw e;
  }
}

/** An organisation's own scale, locked for a change; a global or another organisation's scale is not found. */
async function lockOwnScale(db: Kysely<Database>, orgId: string, scaleId: string): Promise<ProficiencyScaleRow> {
  const row = isUuid(scaleId)
    ? await db
        .selectFrom('proficiencyScales')
        .selectAll()
        .where('id', '=', scaleId)
        .where('orgId', '=', orgId)
        .forUpdate()
        .executeTakeFirst()
    : undefined;
  if (!row) {
    throw new AppError(
      'ERR_NOT_FOUND',
      'No proficiency scale with this id in this organisation (global ones cannot change).',
    );
  }
  return row;
}

/** The level codes of a scale that job profiles and the current versions of achievements require, with counts. */
async function levelsInUse(db: Kysely<Database>, scaleId: string): Promise<{ code: string; uses: number }[]> {
  const rows = await db
    .selectFrom(
      db
        .selectFrom('jobProfileSkills')
        .select('requiredLevel as code')
        .where('scaleId', '=', scaleId)
        .unionAll(db.selectFrom('achievementSkills').select('requiredLevel as code').where('scaleId', '=', scaleId))
        .as('u'),
    )
    .select(['u.code', (eb) => eb.fn.countAll<string>().as('uses')])
    .groupBy('u.code')
    .orderBy('u.code')
    .execute();
  return rows.filter((r) => r.code !== null).map((r) => ({ code: r.code!, uses: Number(r.uses) }));
}

/**
 * Changes an organisation's rubric scale. New levels must keep every code that a job profile or an achievement's
 * current version requires (`ERR_CONFLICT` names them); achievements' earlier versions keep the levels they were saved
 * with. Call inside a transaction (with the audit record).
 */
export async function updateScale(
  db: Kysely<Database>,
  orgId: string,
  scaleId: string,
  patch: ScalePatch,
  now: Date,
): Promise<{ scale: ProficiencyScaleRow; changed: string[] }> {
  const current = await lockOwnScale(db, orgId, scaleId);
  const next = {
    title: patch.title ?? current.title,
    description: patch.description === undefined ? current.description : patch.description,
    levels: patch.levels ?? current.levels,
  };
  const changed = (['title', 'description', 'levels'] as const).filter(
    (k) => patch[k] !== undefined && JSON.stringify(next[k]) !== JSON.stringify(current[k]),
  );
  if (changed.length === 0) return { scale: current, changed };
  if (changed.includes('levels')) {
    const codes = new Set(next.levels.map((l) => l.code));
    const missing = (await levelsInUse(db, scaleId)).filter((u) => !codes.has(u.code));
    if (missing.length > 0) {
      throw new AppError(
        'ERR_CONFLICT',
        `Levels ${missing.map((m) => m.code).join(', ')} of this scale are required by job profiles or achievements; ` +
          'keep them (you may rename them), or change those first.',
        { path: 'levels', inUse: missing },
      );
    }
  }
  const scale = await db
    .updateTable('proficiencyScales')
    .set({ ...next, levels: JSON.stringify(next.levels), updatedAt: now })
    .where('id', '=', scaleId)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { scale, changed };
}

/**
 * Deletes an organisation's rubric scale. One that a job profile or an achievement's current version requires a level
 * of is `ERR_CONFLICT`. Call inside a transaction (with the audit record).
 */
export async function deleteScale(db: Kysely<Database>, orgId: string, scaleId: string): Promise<ProficiencyScaleRow> {
  const scale = await lockOwnScale(db, orgId, scaleId);
  const uses = await db
    .selectFrom('proficiencyScales as s')
    .select((eb) => [
      eb
        .selectFrom('jobProfileSkills')
        .select(eb.fn.countAll<string>().as('n'))
        .where('scaleId', '=', scaleId)
        .as('profiles'),
      eb
        .selectFrom('achievementSkills')
        .select(eb.fn.countAll<string>().as('n'))
        .where('scaleId', '=', scaleId)
        .as('achievements'),
    ])
    .where('s.id', '=', scaleId)
    .executeTakeFirstOrThrow();
  const profiles = Number(uses.profiles ?? 0);
  const achievements = Number(uses.achievements ?? 0);
  if (profiles + achievements > 0) {
    throw new AppError(
      'ERR_CONFLICT',
      `This scale is in use (${profiles} job profile skill(s), ${achievements} achievement skill(s) require a level of ` +
        'it); change those first.',
      { jobProfileSkills: profiles, achievementSkills: achievements },
    );
  }
  await db.deleteFrom('proficiencyScales').where('id', '=', scaleId).execute();
  return scale;
}
