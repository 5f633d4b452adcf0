import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { EvidenceInput, ResultInput } from '@skillproof/core';
import type { Database } from '../../db/schema.js';
import type { AppDeps, Principal } from '../../http/env.js';
import type { AchievementDefinition } from '../achievements/definition.js';
import { loadAchievementVersion, type AchievementVersion } from '../achievements/service.js';
import { issueCredentials } from '../issuing/issue.js';
import { creditsOfUsed, evaluateRule, type Evaluation, type FactRef } from './evaluate.js';
import { loadLearnerFacts } from './facts.js';
import { outcomeResultsToOb } from '../assessments/result-descriptions.js';
import type { OutcomeResult } from './outcomes.js';
import { achievementsTouchedBy, findEffectiveRule, LOCK_LEARNER } from './rules.js';

/** What changed for a learner, and so which award rules may now hold. */
export type AwardTrigger =
  | { type: 'assessment'; id: string }
  | { type: 'achievement'; id: string }
  | { type: 'external_achievement'; id: string }
  | { type: 'event'; orgId: string; name: string }
  | { type: 'approval'; achievementId: string };

/** A credential the engine issued. */
export interface AwardResult {
  awardId: string;
  achievementId: string;
  credentialId: string;
  generation: number;
}

/** The most rule evaluations one run makes (the trigger's rules, then the pathways each award completes, …). */
export const MAX_EVALUATIONS = 200;

/** Days before a credential's end in which it can be renewed, when the definition does not say. */
export const DEFAULT_RENEWAL_WINDOW_DAYS = 30;

const DAY = 86_400_000;

/**
 * Evaluates the award rules a trigger can change for one learner and issues every credential whose rule now holds
 * (then the pathways those complete, and so on, to a fixed point bounded by {@link MAX_EVALUATIONS}), in the caller's
 * transaction. Idempotent under concurrency: the learner's evaluations are serialised by a transaction-scoped
 * advisory lock taken before anything is read, so a second evaluation sees the first one's award (and the unique
 * (achievement, learner, generation) is the last guard).
 *
 * @example
 * ```ts
 * const awards = await evaluateAwards(tx, deps, { learnerUserId, trigger: { type: 'assessment', id: assessmentId } });
 * ```
 */
export async function evaluateAwards(
  tx: Kysely<Database>,
  deps: AppDeps,
  input: { learnerUserId: string; trigger: AwardTrigger },
): Promise<AwardResult[]> {
  const candidates = await achievementsTouchedBy(tx, deps.publicUrl, input.trigger);
  if (candidates.length === 0) return [];
  return awardQualifying(tx, deps, input.learnerUserId, candidates, null);
}

/**
 * Awards the learner each of these achievements whose rule holds, then re-evaluates the rules each award touches
 * (pathways), to a fixed point. Takes the learner's lock. Without a transaction, runs in one of its own.
 */
export async function awardQualifying(
  db: Kysely<Database>,
  deps: AppDeps,
  learnerUserId: string,
  achievementIds: readonly string[],
  actor: Principal | null,
): Promise<AwardResult[]> {
  if (!db.isTransaction) {
    return db.transaction().execute((tx) => awardQualifying(tx, deps, learnerUserId, achievementIds, actor));
  }
  // One lock per learner rather than per (achievement, learner): a run takes pairs in cascade order (component, then
  // pathway), and two runs taking the same pairs in different orders would deadlock.
  await sql`SELECT pg_advisory_xact_lock(${LOCK_LEARNER}::int, hashtext(${learnerUserId}))`.execute(db);
  const awarded: AwardResult[] = [];
  const queue = [...achievementIds];
  let evaluations = 0;
  while (queue.length > 0) {
    if (++evaluations > MAX_EVALUATIONS) {
      deps.logger.warn({ learnerUserId, pending: queue.length }, 'award evaluation stopped at its bound');
      break;
    }
    const achievementId = queue.shift()!;
    const award = await awardIfQualified(db, deps, learnerUserId, achievementId, actor);
    if (!award) continue;
    awarded.push(award);
    for (const next of await achievementsTouchedBy(db, deps.publicUrl, { type: 'achievement', id: achievementId })) {
      if (!queue.includes(next)) queue.push(next);
    }
  }
  return awarded;
}

/** The learner's newest award of an achievement, with its credential's state and end. */
export interface PreviousAward {
  generation: number;
  awardedAt: Date;
  state: string;
  validUntil: Date | null;
}

/** The renewal window of a definition (`renewal.windowDays`, default {@link DEFAULT_RENEWAL_WINDOW_DAYS}). */
export function renewalWindowDays(definition: AchievementDefinition): number {
  return definition.renewal?.windowDays ?? DEFAULT_RENEWAL_WINDOW_DAYS;
}

/**
 * Whether a rule's evaluation earns the learner a credential now: `first` when they have none of this achievement;
 * `renewal` when their newest one (active, with an end) ends within the renewal window or has ended, and a fact the
 * rule holds by is dated inside the window and after that award (a reassessment, a renewed component). Revoked or
 * suspended credentials are never replaced by the engine.
 *
 * @example
 * ```ts
 * awardDecision(evaluation, previous, now, 30); // 'first' | 'renewal' | undefined
 * ```
 */
export function awardDecision(
  evaluation: Pick<Evaluation, 'satisfied' | 'used'>,
  previous: PreviousAward | undefined,
  now: Date,
  windowDays: number,
): 'first' | 'renewal' | undefined {
  if (!evaluation.satisfied) return undefined;
  if (!previous) return 'first';
  if (previous.state !== 'active' || previous.validUntil === null) return undefined;
  const windowStart = previous.validUntil.getTime() - windowDays * DAY;
  if (now.getTime() < windowStart) return undefined;
  const fresh = evaluation.used.some((f) => f.at > previous.awardedAt && f.at.getTime() >= windowStart);
  return fresh ? 'renewal' : undefined;
}

/** The newest award of each (achievement, learner) among these learners. */
export async function previousAwards(
  db: Kysely<Database>,
  achievementId: string,
  learnerUserIds: readonly string[],
): Promise<Map<string, PreviousAward>> {
  const out = new Map<string, PreviousAward>();
  for (let start = 0; start < learnerUserIds.length; start += 500) {
    const rows = await db
      .selectFrom('awards as w')
      .innerJoin('credentials as c', 'c.id', 'w.credentialId')
      .select(['w.learnerUserId', 'w.generation', 'w.awardedAt', 'c.state', 'c.validUntil'])
      .where('w.achievementId', '=', achievementId)
      .where('w.learnerUserId', 'in', learnerUserIds.slice(start, start + 500))
      .orderBy('w.generation', 'desc')
      .execute();
    for (const r of rows) {
      if (!out.has(r.learnerUserId)) out.set(r.learnerUserId, r);
    }
  }
  return out;
}

async function awardIfQualified(
  tx: Kysely<Database>,
  deps: AppDeps,
  learnerUserId: string,
  achievementId: string,
  actor: Principal | null,
): Promise<AwardResult | undefined> {
  const rule = await findEffectiveRule(tx, achievementId);
  if (!rule || !rule.enabled) return undefined;
  const achievement = await loadAchievementVersion(tx, rule.orgId, achievementId);
  if (achievement.archived) return undefined;
  const now = deps.clock();
  const previous = (await previousAwards(tx, achievementId, [learnerUserId])).get(learnerUserId);
  const windowDays = renewalWindowDays(achievement.definition);
  // Nothing to do while the newest credential is valid and outside its renewal window: skip the facts.
  if (previous && (previous.validUntil === null || now.getTime() < previous.validUntil.getTime() - windowDays * DAY)) {
    return undefined;
  }
  const facts = (await loadLearnerFacts(tx, deps.publicUrl, [learnerUserId])).get(learnerUserId)!;
  const evaluation = evaluateRule(rule.rule, facts, {
    orgId: rule.orgId,
    achievementId,
    trustedIssuers: rule.trustedIssuers,
    now,
  });
  const decision = awardDecision(evaluation, previous, now, windowDays);
  if (!decision) return undefined;

  const user = await tx.selectFrom('users').select('email').where('id', '=', learnerUserId).executeTakeFirstOrThrow();
  const { result, evidence } = await resultsAndEvidence(tx, deps.publicUrl, achievement, evaluation.used);
  const creditsEarned = creditsOfUsed(evaluation.used) ?? achievement.definition.creditsAvailable;
  const validityDays = achievement.definition.validityDays;
  // Renewed before the end: the new credential runs on from the old one's end rather than from today.
  const validUntil =
    decision === 'renewal' && previous?.validUntil && previous.validUntil > now && validityDays !== undefined
      ? new Date(previous.validUntil.getTime() + validityDays * DAY)
      : undefined;
  const [credential] = await issueCredentials(tx, deps, {
    orgId: rule.orgId,
    achievementId,
    items: [
      {
        recipient: { email: user.email },
        holderUserId: learnerUserId,
        result,
        evidence,
        ...(creditsEarned !== undefined && { creditsEarned }),
        ...(validUntil && { validUntil }),
      },
    ],
    actor,
  });
  const award = {
    id: randomUUID(),
    orgId: rule.orgId,
    achievementId,
    learnerUserId,
    generation: (previous?.generation ?? 0) + 1,
    credentialId: credential!.id,
    basis: JSON.stringify(basisOf(evaluation.used)),
    awardedAt: now,
  };
  await tx.insertInto('awards').values(award).execute();
  return { awardId: award.id, achievementId, credentialId: award.credentialId, generation: award.generation };
}

/** What a rule held by, by kind, as the award's `basis`. */
export function basisOf(used: readonly FactRef[]) {
  const ids = (kind: FactRef['kind']) => used.filter((f) => f.kind === kind).map((f) => f.id);
  return {
    outcomes: ids('outcome'),
    credentials: ids('credential'),
    heldCredentials: ids('held'),
    events: ids('event'),
    approvals: ids('approval'),
  };
}

/** The Results and Evidence of the assessment outcomes a rule held by, for the credential. */
async function resultsAndEvidence(
  tx: Kysely<Database>,
  publicUrl: string,
  achievement: AchievementVersion,
  used: readonly FactRef[],
): Promise<{ result: ResultInput[]; evidence: EvidenceInput[] }> {
  const outcomeIds = used.filter((f) => f.kind === 'outcome').map((f) => f.id);
  if (outcomeIds.length === 0) return { result: [], evidence: [] };
  const outcomes = await tx
    .selectFrom('assessmentOutcomes as o')
    .innerJoin('assessments as a', 'a.id', 'o.assessmentId')
    .select(['o.id', 'o.results', 'o.evidence', 'a.title'])
    .where('o.id', 'in', outcomeIds)
    .execute();
  // In the order the rule used them.
  outcomes.sort((x, y) => outcomeIds.indexOf(x.id) - outcomeIds.indexOf(y.id));
  return {
    result: outcomes.flatMap((o) =>
      outcomeResultsToOb(
        publicUrl,
        achievement,
        o.title,
        Array.isArray(o.results) ? (o.results as OutcomeResult[]) : [],
      ),
    ),
    evidence: outcomes.flatMap((o) => (Array.isArray(o.evidence) ? (o.evidence as EvidenceInput[]) : [])),
  };
}
