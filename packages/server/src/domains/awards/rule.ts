import { z } from '@hono/zod-openapi';
import type { AwardRuleRefType } from '../../db/schema.js';

/**
 * An award rule: when a learner earns an achievement. Combinators (`allOf`, `anyOf`, `nOf`, `window`) nest freely up
 * to {@link MAX_RULE_DEPTH} levels and {@link MAX_RULE_NODES} nodes; the leaves name what the learner must have:
 * - `assessment`: a passed outcome of this organisation's assessment (with at least `minPercent`, when given);
 * - `achievement`: an active, unexpired credential of this organisation's achievement (a pathway component);
 * - `externalAchievement`: a verified credential of an achievement defined elsewhere (its URI), from a trusted issuer;
 * - `credits`: held achievements whose `creditsAvailable` add up to `min` (only `achievementIds`, when given);
 * - `window`: the inner rule holds with facts dated in the window (the last `days`, and/or `from`–`until`);
 * - `event`: an external event of this name (whose data has the `where` values) about the learner;
 * - `approval`: someone of the organisation approved the learner for this achievement.
 */
export type AwardRule =
  | { type: 'allOf'; rules: AwardRule[] }
  | { type: 'anyOf'; rules: AwardRule[] }
  | { type: 'nOf'; n: number; rules: AwardRule[] }
  | { type: 'assessment'; assessmentId: string; minPercent?: number | undefined }
  | { type: 'achievement'; achievementId: string }
  | { type: 'externalAchievement'; achievementUri: string; issuers?: string[] | undefined }
  | { type: 'credits'; min: number; achievementIds?: string[] | undefined }
  | {
      type: 'window';
      days?: number | undefined;
      from?: string | undefined;
      until?: string | undefined;
      rule: AwardRule;
    }
  | { type: 'event'; name: string; where?: Record<string, string | number | boolean> | undefined }
  | { type: 'approval' };

export type AwardRuleType = AwardRule['type'];

/** The deepest nesting of rules (a leaf at the top is depth 1). */
export const MAX_RULE_DEPTH = 8;
/** The most rule nodes (combinators and leaves) one rule may have. */
export const MAX_RULE_NODES = 200;
/** The most rules one combinator lists. */
export const MAX_RULE_CHILDREN = 50;
/** The most issuers a rule trusts. */
export const MAX_ISSUERS = 50;

/** A DID (did:method:id) or an http(s) URL: how issuers are named. */
const IssuerId = z
  .string()
  .trim()
  .min(1)
  .max(2048)
  .refine((v) => /^did:[a-z0-9]+:\S+$/.test(v) || /^https?:\/\/\S+$/.test(v), {
    message: 'must be a DID (did:method:…) or an http(s) URL',
  });

/** The issuers whose verified credentials count for components earned elsewhere. */
export const TrustedIssuers = z
  .array(IssuerId)
  .max(MAX_ISSUERS)
  .openapi({
    description: 'DIDs or URLs of issuers whose verified credentials count.',
    example: ['did:web:uni.example'],
  });

const Uri = z
  .string()
  .trim()
  .min(1)
  .max(2048)
  .refine((v) => /^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/.test(v), { message: 'must be an absolute URI' });

const EventName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[\w.:/-]+$/, 'letters, digits and _ . : / - only');

const rules = (): z.ZodType<AwardRule[]> => z.array(AwardRule).min(1).max(MAX_RULE_CHILDREN);

/** The rule language as a zod schema (without the size limits: see {@link AwardRuleInput}). */
export const AwardRule: z.ZodType<AwardRule> = z
  .lazy(() =>
    z.discriminatedUnion('type', [
      z.object({ type: z.literal('allOf'), rules: rules() }).strict(),
      z.object({ type: z.literal('anyOf'), rules: rules() }).strict(),
      z
        .object({ type: z.literal('nOf'), n: z.number().int().min(1), rules: rules() })
        .strict()
        .refine((r) => r.n <= r.rules.length, { message: 'n must not exceed the number of rules', path: ['n'] }),
      z
        .object({
          type: z.literal('assessment'),
          assessmentId: z.uuid(),
          minPercent: z.number().min(0).max(100).optional(),
        })
        .strict(),
      z.object({ type: z.literal('achievement'), achievementId: z.uuid() }).strict(),
      z
        .object({
          type: z.literal('externalAchievement'),
          achievementUri: Uri,
          issuers: z.array(IssuerId).min(1).max(MAX_ISSUERS).optional(),
        })
        .strict(),
      z
        .object({
          type: z.literal('credits'),
          min: z.number().positive().max(100_000),
          achievementIds: z.array(z.uuid()).min(1).max(MAX_RULE_CHILDREN).optional(),
        })
        .strict(),
      z
        .object({
          type: z.literal('window'),
          days: z.number().int().min(1).max(36_500).optional(),
          from: z.iso.datetime({ offset: true }).optional(),
          until: z.iso.datetime({ offset: true }).optional(),
          rule: AwardRule,
        })
        .strict()
        .refine((w) => w.days !== undefined || w.from !== undefined || w.until !== undefined, {
          message: 'a window needs days, from or until',
          path: ['days'],
        })
        .refine((w) => !w.from || !w.until || Date.parse(w.from) < Date.parse(w.until), {
          message: 'from must be before until',
          path: ['until'],
        }),
      z
        .object({
          type: z.literal('event'),
          name: EventName,
          where: z
            .record(z.string().min(1).max(100), z.union([z.string().max(1000), z.number(), z.boolean()]))
            .refine((w) => Object.keys(w).length <= 20, { message: 'at most 20 keys' })
            .optional(),
        })
        .strict(),
      z.object({ type: z.literal('approval') }).strict(),
    ]),
  )
  .openapi('AwardRule', {
    description:
      'allOf / anyOf / nOf of rules; assessment (passed, with minPercent); achievement (an active credential of it); ' +
      'externalAchievement (a verified credential from a trusted issuer); credits (creditsAvailable of held ' +
      'achievements); window (facts within days, or from–until); event (an external event by name, with data ' +
      'values); approval.',
  });

/**
 * Checks the size of an untrusted rule before the schema walks it (a deeply nested body would exhaust the stack):
 * at most {@link MAX_RULE_DEPTH} levels of rules and {@link MAX_RULE_NODES} rule nodes. Iterative on purpose.
 */
export function ruleLimitProblem(value: unknown): string | undefined {
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 1 }];
  let nodes = 0;
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) continue;
    nodes += 1;
    if (nodes > MAX_RULE_NODES) return `a rule may have at most ${MAX_RULE_NODES} nodes`;
    if (depth > MAX_RULE_DEPTH) return `rules may nest at most ${MAX_RULE_DEPTH} levels deep`;
    const o = v as Record<string, unknown>;
    if (Array.isArray(o['rules'])) {
      if (o['rules'].length > MAX_RULE_CHILDREN) return `a rule may list at most ${MAX_RULE_CHILDREN} rules`;
      for (const child of o['rules']) stack.push({ v: child, depth: depth + 1 });
    }
    if (o['rule'] !== undefined) stack.push({ v: o['rule'], depth: depth + 1 });
  }
  return undefined;
}

/** {@link AwardRule} as requests send it: the size limits are checked first, with a clear message. */
export const AwardRuleInput = z.preprocess((value, ctx) => {
  const problem = ruleLimitProblem(value);
  if (problem) {
    ctx.addIssue({ code: 'custom', message: problem, input: value });
    return z.NEVER;
  }
  return value;
}, AwardRule);

/** Each node of a rule with its path (`rules.0.rule`), depth first, in order. */
export function* ruleNodes(
  rule: AwardRule,
  path: (string | number)[] = [],
): Generator<[AwardRule, (string | number)[]]> {
  yield [rule, path];
  if (rule.type === 'allOf' || rule.type === 'anyOf' || rule.type === 'nOf') {
    for (let i = 0; i < rule.rules.length; i++) yield* ruleNodes(rule.rules[i]!, [...path, 'rules', i]);
  } else if (rule.type === 'window') {
    yield* ruleNodes(rule.rule, [...path, 'rule']);
  }
}

/** What a rule refers to, as `award_rule_refs` rows: which triggers can change whether it holds. */
export function ruleRefs(rule: AwardRule, achievementId: string): { refType: AwardRuleRefType; ref: string }[] {
  const refs = new Map<string, { refType: AwardRuleRefType; ref: string }>();
  const add = (refType: AwardRuleRefType, ref: string) => refs.set(`${refType} ${ref}`, { refType, ref });
  for (const [node] of ruleNodes(rule)) {
    switch (node.type) {
      case 'assessment':
        add('assessment', node.assessmentId);
        break;
      case 'achievement':
        add('achievement', node.achievementId);
        break;
      case 'externalAchievement':
        add('external_achievement', node.achievementUri);
        break;
      case 'credits':
        if (node.achievementIds) for (const id of node.achievementIds) add('credits', id);
        else add('credits', '*');
        break;
      case 'event':
        add('event', node.name);
        break;
      case 'approval':
        add('approval', achievementId);
        break;
      default:
        break;
    }
  }
  return [...refs.values()];
}

/** The achievements of this organisation a rule names (its components, when it is a pathway), in rule order. */
export function namedAchievementIds(rule: AwardRule): string[] {
  const ids = new Set<string>();
  for (const [node] of ruleNodes(rule)) {
    if (node.type === 'achievement') ids.add(node.achievementId);
    if (node.type === 'credits') for (const id of node.achievementIds ?? []) ids.add(id);
  }
  return [...ids];
}

/** The rule of an achievement with attached assessments and no rule of its own: pass them all. */
export function defaultRule(assessmentIds: readonly string[]): AwardRule | undefined {
  if (assessmentIds.length === 0) return undefined;
  return { type: 'allOf', rules: assessmentIds.map((assessmentId) => ({ type: 'assessment', assessmentId })) };
}
