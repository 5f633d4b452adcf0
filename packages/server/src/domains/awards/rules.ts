import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { AwardRule, defaultRule, ruleNodes, ruleRefs } from './rule.js';
import type { AwardTrigger } from './engine.js';

/** An achievement's award rule: its own, or the default one (pass every attached assessment). */
export interface EffectiveRule {
  achievementId: string;
  orgId: string;
  rule: AwardRule;
  trustedIssuers: string[];
  enabled: boolean;
  /** `rule`: set by the organisation; `default`: derived from the attached assessments. */
  source: 'rule' | 'default';
  updatedAt: Date | null;
}

/** What an organisation sends to set a rule. */
export interface AwardRuleInput {
  rule: AwardRule;
  trustedIssuers?: string[] | undefined;
  enabled?: boolean | undefined;
}

// Advisory lock namespaces (the first key of pg_advisory_xact_lock(int, int)).
export const LOCK_RULES = 0x53500001;
export const LOCK_LEARNER = 0x53500002;

/** Serialises rule writes of one organisation, so two concurrent writes cannot close a cycle between them. */
export async function lockOrgRules(tx: Kysely<Database>, orgId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${LOCK_RULES}::int, hashtext(${orgId}))`.execute(tx);
}

const stringList = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/** The attached, published (not draft, not archived) assessments of an achievement, oldest first. */
export async function attachedAssessmentIds(db: Kysely<Database>, achievementId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('assessments')
    .select('id')
    .where('achievementId', '=', achievementId)
    .where('state', '!=', 'draft')
    .where('archivedAt', 'is', null)
    .orderBy('createdAt')
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

/**
 * The rule an achievement is awarded by: the organisation's (parsed again: stored rules were validated when saved),
 * or, with none, `allOf` of its attached published assessments; undefined when it has neither.
 */
export async function findEffectiveRule(
  db: Kysely<Database>,
  achievementId: string,
): Promise<EffectiveRule | undefined> {
  const row = await db
    .selectFrom('awardRules')
    .select(['orgId', 'rule', 'trustedIssuers', 'enabled', 'updatedAt'])
    .where('achievementId', '=', achievementId)
    .executeTakeFirst();
  if (row) {
    return {
      achievementId,
      orgId: row.orgId,
      rule: AwardRule.parse(row.rule),
      trustedIssuers: stringList(row.trustedIssuers),
      enabled: row.enabled,
      source: 'rule',
      updatedAt: row.updatedAt,
    };
  }
  const achievement = await db
    .selectFrom('achievements')
    .select('orgId')
    .where('id', '=', achievementId)
    .executeTakeFirst();
  if (!achievement) return undefined;
  const rule = defaultRule(await attachedAssessmentIds(db, achievementId));
  return (
    rule && {
      achievementId,
      orgId: achievement.orgId,
      rule,
      trustedIssuers: [],
      enabled: true,
      source: 'default',
      updatedAt: null,
    }
  );
}

/** An achievement of this organisation, or `ERR_NOT_FOUND`. */
export async function getOrgAchievement(db: Kysely<Database>, orgId: string, achievementId: string) {
  const row = await db
    .selectFrom('achievements')
    .select(['id', 'orgId', 'archivedAt', 'currentVersion'])
    .where('id', '=', achievementId)
    .where('orgId', '=', orgId)
    .executeTakeFirst();
  if (!row) throw new AppError('ERR_NOT_FOUND', 'No achievement with this id in this organisation.');
  return row;
}

/**
 * Checks a rule against the database: every assessment and achievement it names belongs to this organisation and is
 * not archived, no `externalAchievement` is left without a trusted issuer, and naming achievements closes no cycle of
 * pathways (the cycle is reported as the chain of achievement ids). Problems are `ERR_VALIDATION` with each field's
 * path (`rule.rules.0.assessmentId`).
 */
export async function validateRule(
  db: Kysely<Database>,
  orgId: string,
  achievementId: string,
  input: AwardRuleInput,
): Promise<void> {
  const issues: { path: string; message: string }[] = [];
  const assessments = new Map<string, (string | number)[][]>();
  const achievements = new Map<string, (string | number)[][]>();
  const add = (map: Map<string, (string | number)[][]>, id: string, path: (string | number)[]) =>
    map.set(id, [...(map.get(id) ?? []), path]);
  for (const [node, path] of ruleNodes(input.rule, ['rule'])) {
    if (node.type === 'assessment') add(assessments, node.assessmentId, [...path, 'assessmentId']);
    if (node.type === 'achievement') add(achievements, node.achievementId, [...path, 'achievementId']);
    if (node.type === 'credits') {
      node.achievementIds?.forEach((id, i) => add(achievements, id, [...path, 'achievementIds', i]));
    }
    if (node.type === 'externalAchievement' && !node.issuers?.length && !input.trustedIssuers?.length) {
      issues.push({
        path: [...path, 'issuers'].join('.'),
        message: 'name the issuers whose credentials count (here, or in trustedIssuers)',
      });
    }
  }
  if (assessments.size > 0) {
    const found = new Set(
      (
        await db
          .selectFrom('assessments')
          .select('id')
          .where('orgId', '=', orgId)
          .where('id', 'in', [...assessments.keys()])
          .where('archivedAt', 'is', null)
          .execute()
      ).map((r) => r.id),
    );
    for (const [id, paths] of assessments) {
      if (found.has(id)) continue;
      for (const p of paths)
        issues.push({ path: p.join('.'), message: 'no assessment with this id in this organisation' });
    }
  }
  if (achievements.size > 0) {
    const found = new Set(
      (
        await db
          .selectFrom('achievements')
          .select('id')
          .where('orgId', '=', orgId)
          .where('id', 'in', [...achievements.keys()])
          .where('archivedAt', 'is', null)
          .execute()
      ).map((r) => r.id),
    );
    for (const [id, paths] of achievements) {
      if (found.has(id) || id === achievementId) continue;
      for (const p of paths)
        issues.push({ path: p.join('.'), message: 'no achievement with this id in this organisation' });
    }
  }
  if (issues.length > 0) {
    throw new AppError('ERR_VALIDATION', `${issues[0]!.path}: ${issues[0]!.message}`, { issues });
  }
  const cycle = await findCycle(db, orgId, achievementId, [...achievements.keys()]);
  if (cycle) {
    throw new AppError(
      'ERR_VALIDATION',
      `rule: pathways may not contain themselves: ${cycle.join(' → ')}. Remove one of these components.`,
      { cycle, issues: [{ path: 'rule', message: `cycle ${cycle.join(' → ')}` }] },
    );
  }
}

/**
 * A cycle that giving `achievementId` these components would close (`[achievementId, …, achievementId]`), from the
 * organisation's other rules' components (`award_rule_refs`), or undefined.
 */
async function findCycle(
  db: Kysely<Database>,
  orgId: string,
  achievementId: string,
  components: readonly string[],
): Promise<string[] | undefined> {
  const edges = await db
    .selectFrom('awardRuleRefs as f')
    .innerJoin('awardRules as r', 'r.achievementId', 'f.achievementId')
    .select(['f.achievementId', 'f.ref'])
    .where('r.orgId', '=', orgId)
    .where('f.refType', 'in', ['achievement', 'credits'])
    .where('f.ref', '!=', '*')
    .where('f.achievementId', '!=', achievementId)
    .execute();
  const graph = new Map<string, string[]>([[achievementId, [...components]]]);
  for (const e of edges) graph.set(e.achievementId, [...(graph.get(e.achievementId) ?? []), e.ref]);
  // Depth first from the new rule's components, remembering how each node was reached.
  const parent = new Map<string, string>();
  const stack = [...components].reverse().map((c) => ({ node: c, from: achievementId }));
  while (stack.length > 0) {
    const { node, from } = stack.pop()!;
    if (parent.has(node)) continue;
    parent.set(node, from);
    if (node === achievementId) {
      const chain: string[] = [];
      for (let at = from; at !== achievementId; at = parent.get(at)!) chain.unshift(at);
      return [achievementId, ...chain, achievementId];
    }
    for (const next of graph.get(node) ?? []) if (!parent.has(next)) stack.push({ node: next, from: node });
  }
  return undefined;
}

/**
 * Sets an achievement's award rule (validated against the database, see {@link validateRule}) and its index of
 * references. Call in a transaction.
 */
export async function putAwardRule(
  tx: Kysely<Database>,
  orgId: string,
  achievementId: string,
  input: AwardRuleInput,
  now: Date,
  userId: string | null,
): Promise<EffectiveRule> {
  const achievement = await getOrgAchievement(tx, orgId, achievementId);
  if (achievement.archivedAt) throw new AppError('ERR_STATE', 'This achievement is archived; its rule cannot change.');
  await lockOrgRules(tx, orgId);
  await validateRule(tx, orgId, achievementId, input);
  const values = {
    rule: JSON.stringify(input.rule),
    trustedIssuers: JSON.stringify(input.trustedIssuers ?? []),
    enabled: input.enabled ?? true,
    updatedBy: userId,
    updatedAt: now,
  };
  await tx
    .insertInto('awardRules')
    .values({ achievementId, orgId, ...values })
    .onConflict((oc) => oc.column('achievementId').doUpdateSet(values))
    .execute();
  await tx.deleteFrom('awardRuleRefs').where('achievementId', '=', achievementId).execute();
  const refs = ruleRefs(input.rule, achievementId);
  if (refs.length > 0) {
    await tx
      .insertInto('awardRuleRefs')
      .values(refs.map((r) => ({ achievementId, ...r })))
      .execute();
  }
  return {
    achievementId,
    orgId,
    rule: input.rule,
    trustedIssuers: input.trustedIssuers ?? [],
    enabled: values.enabled,
    source: 'rule',
    updatedAt: now,
  };
}

/** Removes an achievement's own rule (its references go with it); returns whether there was one. */
export async function deleteAwardRule(tx: Kysely<Database>, orgId: string, achievementId: string): Promise<boolean> {
  await getOrgAchievement(tx, orgId, achievementId);
  await lockOrgRules(tx, orgId);
  const deleted = await tx
    .deleteFrom('awardRules')
    .where('achievementId', '=', achievementId)
    .where('orgId', '=', orgId)
    .executeTakeFirst();
  return Number(deleted.numDeletedRows) > 0;
}

/** `…/achievements/<id>/versions/<n>` → `…/achievements/<id>`; any other URI as it is. */
const unversioned = (uri: string) => uri.replace(/\/versions\/\d+$/, '');

/**
 * The achievements whose rules a trigger can change (enabled rules that refer to what changed, and for an assessment,
 * the achievement it is attached to when that one has no rule of its own), sorted.
 */
export async function achievementsTouchedBy(
  db: Kysely<Database>,
  publicUrl: string,
  trigger: AwardTrigger,
): Promise<string[]> {
  const trustsSomeone = sql<boolean>`r.trusted_issuers <> '[]'::jsonb`;
  let refs = db
    .selectFrom('awardRuleRefs as f')
    .innerJoin('awardRules as r', 'r.achievementId', 'f.achievementId')
    .select('f.achievementId')
    .distinct()
    .where('r.enabled', '=', true);
  switch (trigger.type) {
    case 'assessment':
      refs = refs.where('f.refType', '=', 'assessment').where('f.ref', '=', trigger.id);
      break;
    case 'achievement': {
      const base = `${publicUrl}/achievements/${trigger.id}`;
      refs = refs.where((eb) =>
        eb.or([
          eb.and([eb('f.refType', '=', 'achievement'), eb('f.ref', '=', trigger.id)]),
          eb.and([eb('f.refType', '=', 'credits'), eb('f.ref', '=', trigger.id)]),
          // Credit totals over any achievement count the organisation's own credentials and trusted issuers' only.
          eb.and([
            eb('f.refType', '=', 'credits'),
            eb('f.ref', '=', '*'),
            eb.or([
              eb('r.orgId', '=', eb.selectFrom('achievements').select('orgId').where('id', '=', trigger.id)),
              trustsSomeone,
            ]),
          ]),
          eb.and([
            eb('f.refType', '=', 'external_achievement'),
            eb.or([eb('f.ref', '=', base), eb('f.ref', 'like', `${base}/versions/%`)]),
          ]),
        ]),
      );
      break;
    }
    case 'external_achievement':
      refs = refs.where((eb) =>
        eb.or([
          eb.and([
            eb('f.refType', '=', 'external_achievement'),
            eb('f.ref', 'in', [...new Set([trigger.id, unversioned(trigger.id)])]),
          ]),
          eb.and([eb('f.refType', '=', 'credits'), eb('f.ref', '=', '*'), trustsSomeone]),
        ]),
      );
      break;
    case 'event':
      refs = refs
        .where('f.refType', '=', 'event')
        .where('f.ref', '=', trigger.name)
        .where('r.orgId', '=', trigger.orgId);
      break;
    case 'approval':
      refs = refs.where('f.refType', '=', 'approval').where('f.ref', '=', trigger.achievementId);
      break;
  }
  const ids = new Set((await refs.execute()).map((r) => r.achievementId));
  if (trigger.type === 'assessment') {
    const attached = await db
      .selectFrom('assessments as s')
      .select('s.achievementId')
      .where('s.id', '=', trigger.id)
      .where('s.achievementId', 'is not', null)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('awardRules as r').select('r.achievementId').whereRef('r.achievementId', '=', 's.achievementId'),
          ),
        ),
      )
      .executeTakeFirst();
    if (attached?.achievementId) ids.add(attached.achievementId);
  }
  return [...ids].sort();
}
