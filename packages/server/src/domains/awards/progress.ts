import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { AppDeps } from '../../http/env.js';
import { evaluateRule, type LearnerFacts, type ProgressNode } from './evaluate.js';
import { loadLearnerFacts } from './facts.js';
import { ruleNodes } from './rule.js';
import { findEffectiveRule } from './rules.js';

/** A progress node with what it names, by name: the assessment's title, the achievement's name. */
export type LabelledProgressNode = Omit<ProgressNode, 'children'> & {
  label?: string;
  children?: LabelledProgressNode[];
};

export interface AchievementProgress {
  achievement: { id: string; name: string; orgId: string; orgName: string };
  satisfied: boolean;
  /** The learner's newest award of it. */
  award: { generation: number; credentialId: string; awardedAt: Date; validUntil: Date | null } | null;
  progress: LabelledProgressNode;
}

const notFound = () => new AppError('ERR_NOT_FOUND', 'No achievement with this id that is earned by a rule.');

/**
 * The achievements a learner is on the way to, or has: those whose rules count one of their facts (an outcome, a
 * credential, an imported credential, an event, an approval), the ones their outcomes' assessments are attached to,
 * and the ones awarded to them; each with its rule as a progress tree. Disabled rules and archived achievements are
 * left out.
 */
export async function learnerProgress(
  db: Kysely<Database>,
  deps: Pick<AppDeps, 'publicUrl' | 'clock'>,
  learnerUserId: string,
): Promise<AchievementProgress[]> {
  const facts = (await loadLearnerFacts(db, deps.publicUrl, [learnerUserId])).get(learnerUserId)!;
  const ids = await relevantAchievements(db, learnerUserId, facts);
  const out: AchievementProgress[] = [];
  for (const id of ids) {
    const entry = await progressOf(db, deps, learnerUserId, id, facts);
    if (entry) out.push(entry);
  }
  return out.sort(
    (a, b) => a.achievement.name.localeCompare(b.achievement.name) || a.achievement.id.localeCompare(b.achievement.id),
  );
}

/** One achievement's progress for a learner; `ERR_NOT_FOUND` when it has no (enabled) rule or is archived. */
export async function learnerProgressFor(
  db: Kysely<Database>,
  deps: Pick<AppDeps, 'publicUrl' | 'clock'>,
  learnerUserId: string,
  achievementId: string,
): Promise<AchievementProgress> {
  const facts = (await loadLearnerFacts(db, deps.publicUrl, [learnerUserId])).get(learnerUserId)!;
  const entry = await progressOf(db, deps, learnerUserId, achievementId, facts);
  if (!entry) throw notFound();
  return entry;
}

async function relevantAchievements(
  db: Kysely<Database>,
  learnerUserId: string,
  facts: LearnerFacts,
): Promise<string[]> {
  const assessmentIds = [...new Set(facts.outcomes.map((o) => o.assessmentId))];
  const achievementIds = [...new Set(facts.credentials.map((c) => c.achievementId))];
  const uris = new Set<string>();
  for (const c of facts.credentials) uris.add(c.achievementUri).add(c.achievementUri.replace(/\/versions\/\d+$/, ''));
  for (const h of facts.held)
    if (h.achievementUri) uris.add(h.achievementUri).add(h.achievementUri.replace(/\/versions\/\d+$/, ''));
  const events = facts.events;
  const approvals = facts.approvals.map((a) => a.achievementId);
  const ids = new Set<string>(approvals);
  const refs = await db
    .selectFrom('awardRuleRefs as f')
    .innerJoin('awardRules as r', 'r.achievementId', 'f.achievementId')
    .select(['f.achievementId', 'f.refType', 'f.ref', 'r.orgId'])
    .where((eb) => {
      const any = [];
      if (assessmentIds.length > 0)
        any.push(eb.and([eb('f.refType', '=', 'assessment'), eb('f.ref', 'in', assessmentIds)]));
      if (achievementIds.length > 0) {
        any.push(eb.and([eb('f.refType', 'in', ['achievement', 'credits']), eb('f.ref', 'in', achievementIds)]));
      }
      if (uris.size > 0) any.push(eb.and([eb('f.refType', '=', 'external_achievement'), eb('f.ref', 'in', [...uris])]));
      if (events.length > 0) {
        any.push(eb.and([eb('f.refType', '=', 'event'), eb('f.ref', 'in', [...new Set(events.map((e) => e.name))])]));
      }
      return any.length > 0 ? eb.or(any) : eb.val(false);
    })
    .execute();
  for (const r of refs) {
    // An event counts only in the organisation it was posted to.
    if (r.refType === 'event' && !events.some((e) => e.name === r.ref && e.orgId === r.orgId)) continue;
    ids.add(r.achievementId);
  }
  if (assessmentIds.length > 0) {
    const attached = await db
      .selectFrom('assessments')
      .select('achievementId')
      .where('id', 'in', assessmentIds)
      .where('achievementId', 'is not', null)
      .execute();
    for (const a of attached) ids.add(a.achievementId!);
  }
  const awarded = await db
    .selectFrom('awards')
    .select('achievementId')
    .distinct()
    .where('learnerUserId', '=', learnerUserId)
    .execute();
  for (const a of awarded) ids.add(a.achievementId);
  return [...ids];
}

async function progressOf(
  db: Kysely<Database>,
  deps: Pick<AppDeps, 'publicUrl' | 'clock'>,
  learnerUserId: string,
  achievementId: string,
  facts: LearnerFacts,
): Promise<AchievementProgress | undefined> {
  const rule = await findEffectiveRule(db, achievementId);
  if (!rule || !rule.enabled) return undefined;
  const achievement = await db
    .selectFrom('achievements as a')
    .innerJoin('achievementVersions as v', (j) =>
      j.onRef('v.achievementId', '=', 'a.id').onRef('v.version', '=', 'a.currentVersion'),
    )
    .innerJoin('organizations as o', 'o.id', 'a.orgId')
    .select(['a.id', 'a.orgId', 'a.archivedAt', 'v.definition', 'o.name as orgName'])
    .where('a.id', '=', achievementId)
    .executeTakeFirst();
  if (!achievement || achievement.archivedAt) return undefined;
  const evaluation = evaluateRule(rule.rule, facts, {
    orgId: rule.orgId,
    achievementId,
    trustedIssuers: rule.trustedIssuers,
    now: deps.clock(),
  });
  const award = await db
    .selectFrom('awards as w')
    .innerJoin('credentials as c', 'c.id', 'w.credentialId')
    .select(['w.generation', 'w.credentialId', 'w.awardedAt', 'c.validUntil'])
    .where('w.achievementId', '=', achievementId)
    .where('w.learnerUserId', '=', learnerUserId)
    .orderBy('w.generation', 'desc')
    .limit(1)
    .executeTakeFirst();
  const labels = await labelsFor(db, rule.rule);
  return {
    achievement: {
      id: achievement.id,
      name: String((achievement.definition as { name?: unknown }).name ?? ''),
      orgId: achievement.orgId,
      orgName: achievement.orgName,
    },
    satisfied: evaluation.satisfied,
    award: award ?? null,
    progress: label(evaluation.progress, labels),
  };
}

/** Titles of the assessments and names of the achievements a rule names (drafts and archived ones stay unnamed). */
async function labelsFor(db: Kysely<Database>, rule: Parameters<typeof ruleNodes>[0]): Promise<Map<string, string>> {
  const assessmentIds = new Set<string>();
  const achievementIds = new Set<string>();
  for (const [node] of ruleNodes(rule)) {
    if (node.type === 'assessment') assessmentIds.add(node.assessmentId);
    if (node.type === 'achievement') achievementIds.add(node.achievementId);
  }
  const labels = new Map<string, string>();
  if (assessmentIds.size > 0) {
    const rows = await db
      .selectFrom('assessments')
      .select(['id', 'title'])
      .where('id', 'in', [...assessmentIds])
      .where('state', '!=', 'draft')
      .where('archivedAt', 'is', null)
      .execute();
    for (const r of rows) labels.set(r.id, r.title);
  }
  if (achievementIds.size > 0) {
    const rows = await db
      .selectFrom('achievements as a')
      .innerJoin('achievementVersions as v', (j) =>
        j.onRef('v.achievementId', '=', 'a.id').onRef('v.version', '=', 'a.currentVersion'),
      )
      .select(['a.id', 'v.definition'])
      .where('a.id', 'in', [...achievementIds])
      .execute();
    for (const r of rows) labels.set(r.id, String((r.definition as { name?: unknown }).name ?? ''));
  }
  return labels;
}

function label(node: ProgressNode, labels: Map<string, string>): LabelledProgressNode {
  const { children, ...rest } = node;
  const name =
    (node.assessmentId && labels.get(node.assessmentId)) ||
    (node.achievementId && labels.get(node.achievementId)) ||
    node.achievementUri ||
    node.event;
  return {
    ...rest,
    ...(name && { label: name }),
    ...(children && { children: children.map((c) => label(c, labels)) }),
  };
}
