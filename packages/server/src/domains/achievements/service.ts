import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { AchievementDefinition } from './definition.js';

export interface AchievementVersion {
  achievementId: string;
  orgId: string;
  version: number;
  definition: AchievementDefinition;
  archived: boolean;
}

/** Creates an achievement at version 1. Call inside a transaction. */
export async function createAchievement(
  db: Kysely<Database>,
  orgId: string,
  definition: AchievementDefinition,
  now: Date,
  createdBy: string | null,
): Promise<AchievementVersion> {
  const id = randomUUID();
  await db
    .insertInto('achievements')
    .values({ id, orgId, currentVersion: 1, createdAt: now, updatedAt: now, archivedAt: null })
    .execute();
  await db
    .insertInto('achievementVersions')
    .values({ achievementId: id, version: 1, definition: JSON.stringify(definition), createdAt: now, createdBy })
    .execute();
  return { achievementId: id, orgId, version: 1, definition, archived: false };
}

/**
 * One version of an organisation's achievement (the current one when `version` is omitted). Another organisation's
 * achievement is not found, exactly like one that does not exist.
 */
export async function loadAchievementVersion(
  db: Kysely<Database>,
  orgId: string,
  achievementId: string,
  version?: number,
): Promise<AchievementVersion> {
  const row = await db
    .selectFrom('achievements as a')
    .innerJoin('achievementVersions as v', (j) =>
      j
        .onRef('v.achievementId', '=', 'a.id')
        .on((eb) =>
          version === undefined ? eb('v.version', '=', eb.ref('a.currentVersion')) : eb('v.version', '=', version),
        ),
    )
    .select(['a.id', 'a.orgId', 'a.archivedAt', 'v.version', 'v.definition'])
    .where('a.id', '=', achievementId)
    .where('a.orgId', '=', orgId)
    .executeTakeFirst();
  if (!row) throw new AppError('ERR_NOT_FOUND', 'No achievement with this id (and version) in this organisation.');
  return {
    achievementId: row.id,
    orgId: row.orgId,
    version: row.version,
    definition: AchievementDefinition.parse(row.definition),
    archived: row.archivedAt !== null,
  };
}
