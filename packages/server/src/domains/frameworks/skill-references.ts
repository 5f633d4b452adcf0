import type { Kysely } from 'kysely';
import type { Database, ProficiencyLevel } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { isUuid } from '../../http/schemas.js';
import { findLevel, findUsableScales, type ProficiencyScaleRow } from './scales.js';
import { isFrameworkVisible } from './visibility.js';

/** A required proficiency: a level (by code) of a scale (by id). */
export interface RequiredLevelReference {
  scaleId: string;
  level: string;
}

/** A framework item a job profile or an achievement names, with an optional required level. */
export interface SkillReference {
  itemId: string;
  requiredLevel?: RequiredLevelReference | undefined;
}

/** A framework item with what is shown (and snapshotted) about it and its framework. */
export interface ResolvedItem {
  id: string;
  identifier: string;
  caseIdentifier: string;
  uri: string | null;
  type: string;
  code: string | null;
  statement: string;
  description: string | null;
  framework: { id: string; title: string; version: string | null; orgId: string | null };
}

/** A {@link SkillReference} checked against the database: its item, and its scale and level when one is required. */
export interface ResolvedSkill<T extends SkillReference> {
  reference: T;
  item: ResolvedItem;
  required?: { scale: ProficiencyScaleRow; level: ProficiencyLevel } | undefined;
}

/**
 * The URL that stands for a framework item: its own URI, or (an item without one, e.g. from an organisation's own
 * framework) its CASE 1.1 CFItem URL on this server.
 *
 * @example
 * ```ts
 * frameworkItemUrl('https://badges.example.edu', { uri: null, caseIdentifier: '6f1c…' });
 * // 'https://badges.example.edu/ims/case/v1p1/CFItems/6f1c…'
 * ```
 */
export function frameworkItemUrl(publicUrl: string, item: { uri: string | null; caseIdentifier: string }): string {
  return item.uri ?? `${publicUrl}/ims/case/v1p1/CFItems/${item.caseIdentifier}`;
}

/**
 * Framework items by id, each with its framework, if the organisation may use them: they belong to a framework that is
 * global, public, or the organisation's own. Others are left out, exactly as if they did not exist.
 *
 * @example
 * ```ts
 * const items = await findUsableItems(db, orgId, ids);
 * ```
 */
export async function findUsableItems(
  db: Kysely<Database>,
  orgId: string,
  itemIds: readonly string[],
): Promise<Map<string, ResolvedItem>> {
  const ids = [...new Set(itemIds.filter(isUuid))];
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('frameworkItems as i')
    .innerJoin('frameworks', 'frameworks.id', 'i.frameworkId')
    .select([
      'i.id',
      'i.identifier',
      'i.caseIdentifier',
      'i.uri',
      'i.type',
      'i.code',
      'i.statement',
      'i.description',
      'frameworks.id as frameworkId',
      'frameworks.title as frameworkTitle',
      'frameworks.version as frameworkVersion',
      'frameworks.orgId as frameworkOrgId',
    ])
    .where('i.id', 'in', ids)
    .where((eb) => isFrameworkVisible(eb, [orgId]))
    .execute();
  return new Map(
    rows.map(({ frameworkId, frameworkTitle, frameworkVersion, frameworkOrgId, ...item }) => [
      item.id,
      {
        ...item,
        framework: { id: frameworkId, title: frameworkTitle, version: frameworkVersion, orgId: frameworkOrgId },
      },
    ]),
  );
}

/**
 * Checks the skills a job profile or an achievement names and returns them resolved, in the order given: each item
 * exists and the organisation may use it (see {@link findUsableItems}), no item is named twice, and a required level
 * is a level of a scale that is global or the organisation's own. Every problem is reported at once, as
 * `ERR_VALIDATION` with the path of each field in the form the request validation uses (`skills.2.requiredLevel.level`).
 * Scales named are locked against changes (`FOR SHARE`) until the caller's transaction ends.
 *
 * @example
 * ```ts
 * const resolved = await resolveSkills(tx, orgId, input.skills, 'skills');
 * ```
 */
export async function resolveSkills<T extends SkillReference>(
  db: Kysely<Database>,
  orgId: string,
  references: readonly T[],
  field: string,
): Promise<ResolvedSkill<T>[]> {
  const items = await findUsableItems(
    db,
    orgId,
    references.map((r) => r.itemId),
  );
  const scales = await findUsableScales(
    db,
    orgId,
    references.flatMap((r) => (r.requiredLevel ? [r.requiredLevel.scaleId] : [])),
  );
  const issues: { path: string; message: string }[] = [];
  const firstIndex = new Map<string, number>();
  const resolved: ResolvedSkill<T>[] = [];
  references.forEach((reference, i) => {
    const at = `${field}.${i}`;
    const item = items.get(reference.itemId);
    const earlier = firstIndex.get(reference.itemId);
    if (!item) {
      issues.push({ path: `${at}.itemId`, message: 'no framework item with this id that this organisation can use' });
    } else if (earlier !== undefined) {
      issues.push({ path: `${at}.itemId`, message: `this item is already listed at ${field}.${earlier}` });
    } else {
      firstIndex.set(reference.itemId, i);
    }
    let required: ResolvedSkill<T>['required'];
    if (reference.requiredLevel) {
      const { scaleId, level: code } = reference.requiredLevel;
      const scale = scales.get(scaleId);
      const level = scale && findLevel(scale, code);
      if (!scale) {
        issues.push({
          path: `${at}.requiredLevel.scaleId`,
          message: 'no proficiency scale with this id that this organisation can use',
        });
      } else if (!level) {
        issues.push({
          path: `${at}.requiredLevel.level`,
          message: `not a level of the scale ${scale.key} (its levels: ${scale.levels.map((l) => l.code).join(', ')})`,
        });
      } else {
        required = { scale, level };
      }
    }
    if (item) resolved.push({ reference, item, required });
  });
  const first = issues[0];
  if (first) throw new AppError('ERR_VALIDATION', `${first.path}: ${first.message}`, { path: first.path, issues });
  return resolved;
}
