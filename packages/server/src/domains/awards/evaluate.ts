import type { AwardRule, AwardRuleType } from './rule.js';

/** A graded assessment: passed or not, with its percent. */
export interface OutcomeFact {
  id: string;
  assessmentId: string;
  passed: boolean;
  percent: number;
  at: Date;
}

/** A credential issued on this instance that the learner holds (active: revoked and suspended ones are not facts). */
export interface CredentialFact {
  id: string;
  orgId: string;
  achievementId: string;
  /** The issuing organisation's DID. */
  issuer: string;
  /** The achievement version's URL (`…/achievements/<id>/versions/<n>`), its OB `id`. */
  achievementUri: string;
  /** The achievement version's `creditsAvailable`. */
  credits: number | null;
  /** validFrom. */
  at: Date;
  validUntil: Date | null;
}

/** A verified credential from another issuer that the learner imported. */
export interface HeldFact {
  id: string;
  issuer: string;
  achievementUri: string | null;
  credits: number | null;
  /** validFrom, or when it was verified. */
  at: Date;
  validUntil: Date | null;
}

export interface EventFact {
  id: string;
  orgId: string;
  name: string;
  data: Record<string, unknown>;
  at: Date;
}

export interface ApprovalFact {
  achievementId: string;
  at: Date;
}

/** Everything about one learner that award rules can test. */
export interface LearnerFacts {
  outcomes: OutcomeFact[];
  credentials: CredentialFact[];
  held: HeldFact[];
  events: EventFact[];
  approvals: ApprovalFact[];
}

export const noFacts = (): LearnerFacts => ({ outcomes: [], credentials: [], held: [], events: [], approvals: [] });

/** Which rule is evaluated, and when. */
export interface RuleContext {
  /** The organisation that owns the rule: its events count, its credentials count toward credits. */
  orgId: string;
  /** The achievement the rule awards: its approvals count; its own credentials never count toward its credits. */
  achievementId: string;
  /** The award rule's trusted issuers (each `externalAchievement`'s `issuers` add to them). */
  trustedIssuers: readonly string[];
  now: Date;
}

/** A fact a satisfied rule rests on (the award's basis). */
export type FactRef =
  | { kind: 'outcome'; id: string; at: Date }
  | { kind: 'credential'; id: string; at: Date; credits: number | null; component: string }
  | { kind: 'held'; id: string; at: Date; credits: number | null; component: string }
  | { kind: 'event'; id: string; at: Date }
  | { kind: 'approval'; id: string; at: Date };

/**
 * A rule node as a learner's progress: whether it holds, and what is done toward what is needed (children satisfied,
 * credits held, or 1 of 1 for a single condition), with the node's own fields (`assessmentId`, `achievementId`, …).
 */
export interface ProgressNode {
  type: AwardRuleType;
  satisfied: boolean;
  done: number;
  needed: number;
  assessmentId?: string;
  minPercent?: number;
  /** The best percent the learner reached in the assessment, passed or not. */
  bestPercent?: number;
  achievementId?: string;
  achievementUri?: string;
  achievementIds?: string[];
  event?: string;
  days?: number;
  from?: string;
  until?: string;
  children?: ProgressNode[];
}

export interface Evaluation {
  satisfied: boolean;
  /** The facts the rule holds by (each leaf's newest qualifying fact): empty when it does not hold. */
  used: FactRef[];
  progress: ProgressNode;
}

/**
 * Evaluates an award rule for one learner: pure (no I/O, the clock is `context.now`), so that the engine, the dry run
 * and learners' progress agree, and so that it can be tested on its own.
 * - A credential counts while valid: `validFrom ≤ now < validUntil` (no end: always).
 * - Each leaf rests on its newest qualifying fact; `anyOf` and `nOf` rest on every satisfied child.
 * - `window` keeps only the facts dated inside it (an outcome's time, a credential's validFrom, an event's time).
 *
 * @example
 * ```ts
 * const { satisfied, used } = evaluateRule(rule, facts, { orgId, achievementId, trustedIssuers: [], now });
 * ```
 */
export function evaluateRule(rule: AwardRule, facts: LearnerFacts, context: RuleContext): Evaluation {
  const result = evaluateNode(rule, facts, context);
  const seen = new Set<string>();
  const used = result.satisfied
    ? result.used.filter((f) => {
        const key = `${f.kind} ${f.id}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      })
    : [];
  return { satisfied: result.satisfied, used, progress: result.progress };
}

const newest = <T extends { at: Date }>(items: readonly T[]): T | undefined =>
  items.reduce<T | undefined>((best, x) => (best === undefined || x.at > best.at ? x : best), undefined);

const isValidAt = (f: { at: Date; validUntil: Date | null }, now: Date) =>
  f.at <= now && (f.validUntil === null || f.validUntil > now);

/**
 * Whether a credential's achievement URI is the one a rule names: the same, or a version of it (this instance names
 * versions `<achievement URL>/versions/<n>`, so a rule naming the achievement accepts every version).
 */
export function achievementUriMatches(ruleUri: string, factUri: string | null): boolean {
  if (factUri === null) return false;
  if (factUri === ruleUri) return true;
  return factUri.startsWith(`${ruleUri}/versions/`) && /^\d+$/.test(factUri.slice(ruleUri.length + 10));
}

function leaf(
  node: Omit<ProgressNode, 'satisfied' | 'done' | 'needed'>,
  fact: FactRef | undefined,
): { satisfied: boolean; used: FactRef[]; progress: ProgressNode } {
  const satisfied = fact !== undefined;
  return { satisfied, used: fact ? [fact] : [], progress: { ...node, satisfied, done: satisfied ? 1 : 0, needed: 1 } };
}

const credentialRef = (c: CredentialFact): FactRef => ({
  kind: 'credential',
  id: c.id,
  at: c.at,
  credits: c.credits,
  component: `achievement:${c.achievementId}`,
});

const heldRef = (h: HeldFact): FactRef => ({
  kind: 'held',
  id: h.id,
  at: h.at,
  credits: h.credits,
  component: `uri:${h.achievementUri ?? h.id}`,
});

function evaluateNode(
  rule: AwardRule,
  facts: LearnerFacts,
  ctx: RuleContext,
): { satisfied: boolean; used: FactRef[]; progress: ProgressNode } {
  const { now } = ctx;
  switch (rule.type) {
    case 'allOf':
    case 'anyOf':
    case 'nOf': {
      const children = rule.rules.map((r) => evaluateNode(r, facts, ctx));
      const met = children.filter((c) => c.satisfied);
      const needed = rule.type === 'allOf' ? children.length : rule.type === 'anyOf' ? 1 : rule.n;
      const satisfied = met.length >= needed;
      return {
        satisfied,
        used: satisfied ? met.flatMap((c) => c.used) : [],
        progress: { type: rule.type, satisfied, done: met.length, needed, children: children.map((c) => c.progress) },
      };
    }
    case 'assessment': {
      const mine = facts.outcomes.filter((o) => o.assessmentId === rule.assessmentId && o.at <= now);
      const qualifying = mine.filter(
        (o) => o.passed && (rule.minPercent === undefined || o.percent >= rule.minPercent),
      );
      const best = mine.reduce<number | undefined>(
        (b, o) => (b === undefined || o.percent > b ? o.percent : b),
        undefined,
      );
      const fact = newest(qualifying);
      return leaf(
        {
          type: 'assessment',
          assessmentId: rule.assessmentId,
          ...(rule.minPercent !== undefined && { minPercent: rule.minPercent }),
          ...(best !== undefined && { bestPercent: best }),
        },
        fact && { kind: 'outcome', id: fact.id, at: fact.at },
      );
    }
    case 'achievement': {
      const fact = newest(facts.credentials.filter((c) => c.achievementId === rule.achievementId && isValidAt(c, now)));
      return leaf({ type: 'achievement', achievementId: rule.achievementId }, fact && credentialRef(fact));
    }
    case 'externalAchievement': {
      const trusted = new Set([...ctx.trustedIssuers, ...(rule.issuers ?? [])]);
      const held = facts.held.filter(
        (h) =>
          trusted.has(h.issuer) && achievementUriMatches(rule.achievementUri, h.achievementUri) && isValidAt(h, now),
      );
      const local = facts.credentials.filter(
        (c) =>
          trusted.has(c.issuer) && achievementUriMatches(rule.achievementUri, c.achievementUri) && isValidAt(c, now),
      );
      const candidates: FactRef[] = [...held.map(heldRef), ...local.map(credentialRef)];
      return leaf({ type: 'externalAchievement', achievementUri: rule.achievementUri }, newest(candidates));
    }
    case 'credits': {
      const trusted = new Set(ctx.trustedIssuers);
      const only = rule.achievementIds && new Set(rule.achievementIds);
      const counted = new Map<string, FactRef>();
      const consider = (ref: FactRef) => {
        if (ref.kind !== 'credential' && ref.kind !== 'held') return;
        if (!ref.credits || ref.credits <= 0) return;
        const current = counted.get(ref.component);
        if (!current || ref.at > current.at) counted.set(ref.component, ref);
      };
      for (const c of facts.credentials) {
        if (!isValidAt(c, now) || c.achievementId === ctx.achievementId) continue;
        if (only ? only.has(c.achievementId) : c.orgId === ctx.orgId || trusted.has(c.issuer))
          consider(credentialRef(c));
      }
      if (!only) for (const h of facts.held) if (isValidAt(h, now) && trusted.has(h.issuer)) consider(heldRef(h));
      const used = [...counted.values()];
      const total = used.reduce((sum, f) => sum + ('credits' in f ? (f.credits ?? 0) : 0), 0);
      const satisfied = total >= rule.min;
      return {
        satisfied,
        used: satisfied ? used : [],
        progress: {
          type: 'credits',
          satisfied,
          done: total,
          needed: rule.min,
          ...(rule.achievementIds && { achievementIds: rule.achievementIds }),
        },
      };
    }
    case 'window': {
      const dayStart = rule.days !== undefined ? now.getTime() - rule.days * 86_400_000 : -Infinity;
      const start = Math.max(dayStart, rule.from !== undefined ? Date.parse(rule.from) : -Infinity);
      const end = rule.until !== undefined ? Date.parse(rule.until) : Infinity;
      const inside = <T extends { at: Date }>(xs: T[]) =>
        xs.filter((x) => x.at.getTime() >= start && x.at.getTime() <= end);
      const windowed: LearnerFacts = {
        outcomes: inside(facts.outcomes),
        credentials: inside(facts.credentials),
        held: inside(facts.held),
        events: inside(facts.events),
        approvals: inside(facts.approvals),
      };
      const inner = evaluateNode(rule.rule, windowed, ctx);
      return {
        ...inner,
        progress: {
          type: 'window',
          satisfied: inner.satisfied,
          done: inner.satisfied ? 1 : 0,
          needed: 1,
          ...(rule.days !== undefined && { days: rule.days }),
          ...(rule.from !== undefined && { from: rule.from }),
          ...(rule.until !== undefined && { until: rule.until }),
          children: [inner.progress],
        },
      };
    }
    case 'event': {
      const where = Object.entries(rule.where ?? {});
      const fact = newest(
        facts.events.filter(
          (e) =>
            e.orgId === ctx.orgId && e.name === rule.name && e.at <= now && where.every(([k, v]) => e.data[k] === v),
        ),
      );
      return leaf({ type: 'event', event: rule.name }, fact && { kind: 'event', id: fact.id, at: fact.at });
    }
    case 'approval': {
      const fact = facts.approvals.find((a) => a.achievementId === ctx.achievementId && a.at <= now);
      return leaf({ type: 'approval' }, fact && { kind: 'approval', id: fact.achievementId, at: fact.at });
    }
  }
}

/**
 * The credits a satisfied rule's credentials bring (each component once): a pathway's `creditsEarned`. Undefined when
 * no credential with credits was used.
 */
export function creditsOfUsed(used: readonly FactRef[]): number | undefined {
  const byComponent = new Map<string, number>();
  for (const f of used) {
    if ((f.kind === 'credential' || f.kind === 'held') && f.credits && f.credits > 0) {
      byComponent.set(f.component, f.credits);
    }
  }
  return byComponent.size > 0 ? [...byComponent.values()].reduce((a, b) => a + b, 0) : undefined;
}
