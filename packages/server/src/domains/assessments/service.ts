import { randomUUID } from 'node:crypto';
import type { Kysely, Updateable } from 'kysely';
import type { Database } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { Cursor } from '../../http/pagination.js';
import { isUuid } from '../../http/schemas.js';
import { AchievementDefinition } from '../achievements/definition.js';
import { assertQuizReady } from './quiz/draw.js';
import {
  parseSettings,
  type AssessmentInput,
  type AssessmentJson,
  type AssessmentKind,
  type AssessmentPatch,
} from './schemas.js';

/** An assessment as stored. */
export interface AssessmentRecord {
  id: string;
  orgId: string;
  achievementId: string | null;
  kind: AssessmentKind;
  title: string;
  description: string | null;
  /** As stored: checked by the kind's schema when written (see `parseSettings` to read it typed). */
  settings: Record<string, unknown>;
  state: 'draft' | 'open' | 'closed';
  opensAt: Date | null;
  closesAt: Date | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  archivedAt: Date | null;
}

const notFound = () => new AppError('ERR_NOT_FOUND', 'No assessment with this id in this organisation.');
const notFoundForLearner = () => new AppError('ERR_NOT_FOUND', 'No open assessment with this id.');

const COLUMNS = [
  'id',
  'orgId',
  'achievementId',
  'kind',
  'title',
  'description',
  'settings',
  'state',
  'opensAt',
  'closesAt',
  'createdBy',
  'createdAt',
  'updatedAt',
  'archivedAt',
] as const;

const toRecord = (row: Omit<AssessmentRecord, 'settings'> & { settings: unknown }): AssessmentRecord => ({
  ...row,
  settings: row.settings as Record<string, unknown>,
});

/** The staff view of an assessment. */
export function assessmentJson(a: AssessmentRecord): AssessmentJson {
  return {
    id: a.id,
    orgId: a.orgId,
    achievementId: a.achievementId,
    kind: a.kind,
    title: a.title,
    description: a.description,
    settings: a.settings,
    state: a.state,
    opensAt: a.opensAt?.toISOString() ?? null,
    closesAt: a.closesAt?.toISOString() ?? null,
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
    archived: a.archivedAt !== null,
  };
}

/** Checks that an achievement an assessment counts toward is the organisation's and not archived. */
async function checkAchievement(db: Kysely<Database>, orgId: string, achievementId: string): Promise<void> {
  const row = await db
    .selectFrom('achievements')
    .select('archivedAt')
    .where('id', '=', achievementId)
    .where('orgId', '=', orgId)
    .executeTakeFirst();
  if (!row) {
    throw new AppError('ERR_VALIDATION', 'achievementId: no achievement with this id in this organisation.', {
      issues: [{ path: 'achievementId', message: 'no such achievement' }],
    });
  }
  if (row.archivedAt) {
    throw new AppError('ERR_STATE', 'This achievement is archived: assessments can no longer count toward it.');
  }
}

/**
 * Creates an assessment in state `draft` (only staff see it). Call inside a transaction (with the audit record).
 *
 * @example
 * ```ts
 * const a = await db.transaction().execute((tx) => createAssessment(tx, orgId, { kind: 'quiz', title: 'SQL basics', settings }, now, userId));
 * ```
 */
export async function createAssessment(
  db: Kysely<Database>,
  orgId: string,
  input: AssessmentInput,
  now: Date,
  createdBy: string | null,
): Promise<AssessmentRecord> {
  if (input.achievementId !== undefined) await checkAchievement(db, orgId, input.achievementId);
  const row = await db
    .insertInto('assessments')
    .values({
      id: randomUUID(),
      orgId,
      achievementId: input.achievementId ?? null,
      kind: input.kind,
      title: input.title,
      description: input.description ?? null,
      settings: JSON.stringify(input.settings),
      state: 'draft',
      opensAt: input.opensAt ?? null,
      closesAt: input.closesAt ?? null,
      createdBy,
      createdAt: now,
      updatedAt: now,
      archivedAt: null,
    })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return toRecord(row);
}

/**
 * An organisation's assessment (archived ones too); another organisation's is not found. `forUpdate` locks its row
 * (inside a transaction), so that concurrent changes to it happen one after the other.
 */
export async function getAssessment(
  db: Kysely<Database>,
  orgId: string,
  assessmentId: string,
  options: { forUpdate?: boolean } = {},
): Promise<AssessmentRecord> {
  if (!isUuid(assessmentId)) throw notFound();
  let q = db.selectFrom('assessments').select(COLUMNS).where('id', '=', assessmentId).where('orgId', '=', orgId);
  if (options.forUpdate) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw notFound();
  return toRecord(row);
}

/** Any organisation's assessment by id, for callers that reached it through something the caller owns (an attempt). */
export async function getAssessmentById(db: Kysely<Database>, assessmentId: string): Promise<AssessmentRecord> {
  const row = await db.selectFrom('assessments').select(COLUMNS).where('id', '=', assessmentId).executeTakeFirst();
  if (!row) throw new AppError('ERR_NOT_FOUND', 'No assessment with this id.');
  return toRecord(row);
}

/** A page of an organisation's assessments, newest first (keyset `after`); archived ones only when asked. */
export async function listAssessments(
  db: Kysely<Database>,
  orgId: string,
  options: { archived: boolean; kind?: AssessmentKind; achievementId?: string; limit: number; after?: Cursor },
): Promise<AssessmentRecord[]> {
  let q = db.selectFrom('assessments').select(COLUMNS).where('orgId', '=', orgId);
  if (!options.archived) q = q.where('archivedAt', 'is', null);
  if (options.kind) q = q.where('kind', '=', options.kind);
  if (options.achievementId) q = q.where('achievementId', '=', options.achievementId);
  const { after } = options;
  if (after) {
    q = q.where((eb) =>
      eb.or([eb('createdAt', '<', after.at), eb.and([eb('createdAt', '=', after.at), eb('id', '<', after.id)])]),
    );
  }
  const rows = await q.orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
  return rows.map(toRecord);
}

/** Whether any learner has started an attempt at, or made a submission to, an assessment. */
export async function hasTakers(db: Kysely<Database>, assessmentId: string): Promise<boolean> {
  const attempt = await db
    .selectFrom('quizAttempts')
    .select('id')
    .where('assessmentId', '=', assessmentId)
    .limit(1)
    .executeTakeFirst();
  if (attempt) return true;
  const submission = await db
    .selectFrom('submissions')
    .select('id')
    .where('assessmentId', '=', assessmentId)
    .where('isReference', '=', false)
    .limit(1)
    .executeTakeFirst();
  return submission !== undefined;
}

const assertNotArchived = (a: AssessmentRecord) => {
  if (a.archivedAt) throw new AppError('ERR_STATE', 'This assessment is archived; archived assessments cannot change.');
};

const time = (d: Date | null) => d?.getTime() ?? null;

/**
 * Changes an assessment's title, description, settings (a whole new settings object, checked by the kind's schema)
 * or window. Settings cannot change once anyone has an attempt or submission (`ERR_STATE`): their results were made
 * under the old ones. Call inside a transaction (with the audit record).
 */
export async function updateAssessment(
  db: Kysely<Database>,
  orgId: string,
  assessmentId: string,
  patch: AssessmentPatch,
  now: Date,
): Promise<{ assessment: AssessmentRecord; changed: string[] }> {
  const current = await getAssessment(db, orgId, assessmentId, { forUpdate: true });
  assertNotArchived(current);
  const changed: string[] = [];
  const set: Updateable<Database['assessments']> = {};
  if (patch.title !== undefined && patch.title !== current.title) {
    changed.push('title');
    set.title = patch.title;
  }
  if (patch.description !== undefined && patch.description !== current.description) {
    changed.push('description');
    set.description = patch.description;
  }
  if (patch.settings !== undefined) {
    const settings = parseSettings(current.kind, patch.settings);
    if (JSON.stringify(settings) !== JSON.stringify(current.settings)) {
      if (await hasTakers(db, assessmentId)) {
        throw new AppError(
          'ERR_STATE',
          'Learners have attempted this assessment: its settings can no longer change. Create a new assessment instead.',
        );
      }
      // An open quiz keeps a draw its bank can fill: learners would otherwise be refused at start.
      if (current.kind === 'quiz' && current.state === 'open') {
        await assertQuizReady(db, assessmentId, parseSettings('quiz', settings));
      }
      changed.push('settings');
      set.settings = JSON.stringify(settings);
    }
  }
  const opensAt = patch.opensAt === undefined ? current.opensAt : patch.opensAt ? new Date(patch.opensAt) : null;
  const closesAt = patch.closesAt === undefined ? current.closesAt : patch.closesAt ? new Date(patch.closesAt) : null;
  if (opensAt && closesAt && opensAt >= closesAt) {
    throw new AppError('ERR_VALIDATION', 'closesAt: must be after opensAt.', {
      issues: [{ path: 'closesAt', message: 'must be after opensAt' }],
    });
  }
  if (time(opensAt) !== time(current.opensAt)) {
    changed.push('opensAt');
    set.opensAt = opensAt;
  }
  if (time(closesAt) !== time(current.closesAt)) {
    changed.push('closesAt');
    set.closesAt = closesAt;
  }
  if (changed.length === 0) return { assessment: current, changed };
  const row = await db
    .updateTable('assessments')
    .set({ ...set, updatedAt: now })
    .where('id', '=', assessmentId)
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return { assessment: toRecord(row), changed };
}

/**
 * Moves an assessment to another state: `open` (from draft or closed; a quiz must have the questions its draw needs)
 * or `closed` (from open). Opening again what is open, or closing what is closed, changes nothing. Call inside a
 * transaction (with the audit record); the caller syncs the achievement's ResultDescriptions on open.
 */
export async function setAssessmentState(
  db: Kysely<Database>,
  orgId: string,
  assessmentId: string,
  state: 'open' | 'closed',
  now: Date,
): Promise<{ assessment: AssessmentRecord; changed: boolean }> {
  const current = await getAssessment(db, orgId, assessmentId, { forUpdate: true });
  assertNotArchived(current);
  if (current.state === state) return { assessment: current, changed: false };
  if (state === 'closed' && current.state === 'draft') {
    throw new AppError('ERR_STATE', 'This assessment is a draft: open it before closing it.');
  }
  if (state === 'open') {
    if (current.kind === 'quiz') await assertQuizReady(db, assessmentId, parseSettings('quiz', current.settings));
    if (current.achievementId) await checkAchievement(db, orgId, current.achievementId);
  }
  const row = await db
    .updateTable('assessments')
    .set({ state, updatedAt: now })
    .where('id', '=', assessmentId)
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return { assessment: toRecord(row), changed: true };
}

/** Archives an assessment: learners no longer see it; staff still do. Idempotent. */
export async function archiveAssessment(
  db: Kysely<Database>,
  orgId: string,
  assessmentId: string,
  now: Date,
): Promise<{ assessment: AssessmentRecord; changed: boolean }> {
  const current = await getAssessment(db, orgId, assessmentId, { forUpdate: true });
  if (current.archivedAt) return { assessment: current, changed: false };
  const row = await db
    .updateTable('assessments')
    .set({ archivedAt: now, updatedAt: now })
    .where('id', '=', assessmentId)
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return { assessment: toRecord(row), changed: true };
}

/** An assessment a learner may see, with its organisation's name and its achievement's current name. */
export interface LearnerAssessment {
  assessment: AssessmentRecord;
  organizationName: string;
  achievementName: string | null;
}

/**
 * An assessment as any signed-in account may see it: open or closed, not archived (a draft, an archived one, or none
 * at all are the same `ERR_NOT_FOUND`). `forUpdate` locks its row.
 */
export async function getLearnerAssessment(
  db: Kysely<Database>,
  assessmentId: string,
  options: { forUpdate?: boolean } = {},
): Promise<LearnerAssessment> {
  if (!isUuid(assessmentId)) throw notFoundForLearner();
  let q = db.selectFrom('assessments').select(COLUMNS).where('id', '=', assessmentId);
  if (options.forUpdate) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row || row.state === 'draft' || row.archivedAt) throw notFoundForLearner();
  const org = await db.selectFrom('organizations').select('name').where('id', '=', row.orgId).executeTakeFirstOrThrow();
  let achievementName: string | null = null;
  if (row.achievementId) {
    const version = await db
      .selectFrom('achievements as a')
      .innerJoin('achievementVersions as v', (j) =>
        j.onRef('v.achievementId', '=', 'a.id').onRef('v.version', '=', 'a.currentVersion'),
      )
      .select('v.definition')
      .where('a.id', '=', row.achievementId)
      .executeTakeFirst();
    if (version) achievementName = AchievementDefinition.parse(version.definition).name;
  }
  return { assessment: toRecord(row), organizationName: org.name, achievementName };
}

/**
 * Whether learners may start (or submit to) an assessment now: it is open and `now` lies in its window. Otherwise
 * `ERR_ASSESSMENT_CLOSED`, saying why.
 */
export function assertTakingOpen(a: AssessmentRecord, now: Date): void {
  if (a.state !== 'open') throw new AppError('ERR_ASSESSMENT_CLOSED', 'This assessment is closed.');
  if (a.opensAt && now < a.opensAt) {
    throw new AppError('ERR_ASSESSMENT_CLOSED', `This assessment opens at ${a.opensAt.toISOString()}.`, {
      opensAt: a.opensAt.toISOString(),
    });
  }
  if (a.closesAt && now >= a.closesAt) {
    throw new AppError('ERR_ASSESSMENT_CLOSED', `This assessment closed at ${a.closesAt.toISOString()}.`, {
      closesAt: a.closesAt.toISOString(),
    });
  }
}

/** Whether an assessment is over for learners: closed, or past its `closesAt`. */
export const isAssessmentOver = (a: AssessmentRecord, now: Date): boolean =>
  a.state === 'closed' || (a.closesAt !== null && now >= a.closesAt);
