import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { AppDeps, Principal } from '../../http/env.js';
import { loadAchievementVersion } from '../achievements/service.js';
import { orgDid } from '../orgs/identity.js';
import { awardDecision, awardQualifying, previousAwards, renewalWindowDays, type AwardResult } from './engine.js';
import { evaluateRule } from './evaluate.js';
import { loadLearnerFacts } from './facts.js';
import { ruleNodes, type AwardRule } from './rule.js';
import { findEffectiveRule, getOrgAchievement, validateRule, type EffectiveRule } from './rules.js';

/** How many learners each list of a dry run shows at most. */
export const DRY_RUN_LIST_LIMIT = 1000;

/**
 * Every learner with a fact the rule could count: an outcome of one of the organisation's assessments, a credential
 * of it they hold, an event or approval of it, an award of this achievement, or a credential (imported, or issued here)
 * from an issuer the rule trusts.
 */
export async function candidateLearners(
  db: Kysely<Database>,
  publicUrl: string,
  rule: EffectiveRule,
): Promise<string[]> {
  const { orgId } = rule;
  const trusted = new Set(rule.trustedIssuers);
  for (const [node] of ruleNodes(rule.rule)) {
    if (node.type === 'externalAchievement') for (const i of node.issuers ?? []) trusted.add(i);
  }
  const ids = new Set<string>();
  const addAll = (rows: { id: string | null }[]) => rows.forEach((r) => r.id && ids.add(r.id));
  addAll(
    await db
      .selectFrom('assessmentOutcomes')
      .select('learnerUserId as id')
      .distinct()
      .where('orgId', '=', orgId)
      .execute(),
  );
  addAll(
    await db
      .selectFrom('credentials')
      .select('holderUserId as id')
      .distinct()
      .where('orgId', '=', orgId)
      .where('holderUserId', 'is not', null)
      .execute(),
  );
  addAll(
    await db.selectFrom('awardEvents').select('learnerUserId as id').distinct().where('orgId', '=', orgId).execute(),
  );
  addAll(
    await db
      .selectFrom('awardApprovals as p')
      .innerJoin('achievements as a', 'a.id', 'p.achievementId')
      .select('p.learnerUserId as id')
      .distinct()
      .where('a.orgId', '=', orgId)
      .execute(),
  );
  addAll(await db.selectFrom('awards').select('learnerUserId as id').distinct().where('orgId', '=', orgId).execute());
  if (trusted.size > 0) {
    addAll(
      await db
        .selectFrom('heldCredentials')
        .select('userId as id')
        .distinct()
        .where('issuerId', 'in', [...trusted])
        .execute(),
    );
    // Organisations of this instance the rule trusts, by their did:web.
    const prefix = orgDid(publicUrl, '');
    const slugs = [...trusted].filter((d) => d.startsWith(prefix)).map((d) => d.slice(prefix.length));
    if (slugs.length > 0) {
      addAll(
        await db
          .selectFrom('credentials as c')
          .innerJoin('organizations as o', 'o.id', 'c.orgId')
          .select('c.holderUserId as id')
          .distinct()
          .where('o.slug', 'in', slugs)
          .where('c.holderUserId', 'is not', null)
          .execute(),
      );
    }
  }
  return [...ids].sort();
}

export interface LearnerSummary {
  userId: string;
  email: string;
  name: string | null;
}

export interface DryRunResult {
  evaluated: number;
  wouldReceive: LearnerSummary[];
  wouldRenew: LearnerSummary[];
  alreadyHold: LearnerSummary[];
  /** A list was cut at {@link DRY_RUN_LIST_LIMIT}. */
  truncated: boolean;
}

/** The rule to try: the one proposed (validated against the database), or the achievement's own or default one. */
async function ruleToTry(
  db: Kysely<Database>,
  orgId: string,
  achievementId: string,
  proposal: { rule?: AwardRule | undefined; trustedIssuers?: string[] | undefined },
): Promise<EffectiveRule> {
  await getOrgAchievement(db, orgId, achievementId);
  const current = await findEffectiveRule(db, achievementId);
  if (proposal.rule) {
    const trustedIssuers = proposal.trustedIssuers ?? current?.trustedIssuers ?? [];
    await validateRule(db, orgId, achievementId, { rule: proposal.rule, trustedIssuers });
    return {
      achievementId,
      orgId,
      rule: proposal.rule,
      trustedIssuers,
      enabled: true,
      source: 'rule',
      updatedAt: null,
    };
  }
  if (!current) {
    throw new AppError('ERR_VALIDATION', 'rule: this achievement has no award rule yet; send the rule to try.', {
      path: 'rule',
    });
  }
  return proposal.trustedIssuers ? { ...current, trustedIssuers: proposal.trustedIssuers } : current;
}

/**
 * Who would receive the achievement if its rule were this one (or the current one): every learner with a relevant
 * fact is evaluated as the engine would now — first awards, renewals, and those who already hold it — and nothing is
 * written. Pathways that these awards would complete are not followed.
 */
export async function dryRun(
  db: Kysely<Database>,
  deps: AppDeps,
  orgId: string,
  achievementId: string,
  proposal: { rule?: AwardRule | undefined; trustedIssuers?: string[] | undefined },
): Promise<DryRunResult> {
  const rule = await ruleToTry(db, orgId, achievementId, proposal);
  const achievement = await loadAchievementVersion(db, orgId, achievementId);
  const windowDays = renewalWindowDays(achievement.definition);
  const now = deps.clock();
  const learners = await candidateLearners(db, deps.publicUrl, rule);
  const lists = { wouldReceive: [] as string[], wouldRenew: [] as string[], alreadyHold: [] as string[] };
  for (let start = 0; start < learners.length; start += 500) {
    const chunk = learners.slice(start, start + 500);
    const [facts, previous] = await Promise.all([
      loadLearnerFacts(db, deps.publicUrl, chunk),
      previousAwards(db, achievementId, chunk),
    ]);
    for (const learner of chunk) {
      const evaluation = evaluateRule(rule.rule, facts.get(learner)!, {
        orgId,
        achievementId,
        trustedIssuers: rule.trustedIssuers,
        now,
      });
      const decision = awardDecision(evaluation, previous.get(learner), now, windowDays);
      if (decision === 'first') lists.wouldReceive.push(learner);
      else if (decision === 'renewal') lists.wouldRenew.push(learner);
      else if (previous.has(learner)) lists.alreadyHold.push(learner);
    }
  }
  const truncated = Object.values(lists).some((l) => l.length > DRY_RUN_LIST_LIMIT);
  const shown = [...lists.wouldReceive, ...lists.wouldRenew, ...lists.alreadyHold];
  const users = new Map<string, LearnerSummary>();
  for (let start = 0; start < shown.length; start += 500) {
    const rows = await db
      .selectFrom('users')
      .select(['id as userId', 'email', 'name'])
      .where('id', 'in', shown.slice(start, start + 500))
      .execute();
    for (const r of rows) users.set(r.userId, r);
  }
  const summaries = (ids: string[]) =>
    ids
      .map((id) => users.get(id)!)
      .sort((a, b) => a.email.localeCompare(b.email))
      .slice(0, DRY_RUN_LIST_LIMIT);
  return {
    evaluated: learners.length,
    wouldReceive: summaries(lists.wouldReceive),
    wouldRenew: summaries(lists.wouldRenew),
    alreadyHold: summaries(lists.alreadyHold),
    truncated,
  };
}

/**
 * Awards the achievement to everyone its (enabled) rule holds for now — first awards and renewals — and then the
 * pathways those complete, in the caller's transaction. Learners are taken one at a time, in id order.
 */
export async function applyRule(
  tx: Kysely<Database>,
  deps: AppDeps,
  orgId: string,
  achievementId: string,
  actor: Principal,
): Promise<{ evaluated: number; awards: AwardResult[] }> {
  const achievement = await getOrgAchievement(tx, orgId, achievementId);
  if (achievement.archivedAt) throw new AppError('ERR_STATE', 'This achievement is archived.');
  const rule = await findEffectiveRule(tx, achievementId);
  if (!rule) throw new AppError('ERR_STATE', 'This achievement has no award rule to apply.');
  if (!rule.enabled) throw new AppError('ERR_STATE', 'This award rule is disabled; enable it to apply it.');
  const learners = await candidateLearners(tx, deps.publicUrl, rule);
  const awards: AwardResult[] = [];
  for (const learner of learners) {
    awards.push(...(await awardQualifying(tx, deps, learner, [achievementId], actor)));
  }
  return { evaluated: learners.length, awards };
}
