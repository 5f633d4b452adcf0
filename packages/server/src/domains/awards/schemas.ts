import { z } from '@hono/zod-openapi';
import type { AchievementProgress, LabelledProgressNode } from './progress.js';
import { AwardRule, AwardRuleInput, TrustedIssuers } from './rule.js';
import type { EffectiveRule } from './rules.js';
import type { AwardEventRecord } from './events.js';
import type { AwardResult } from './engine.js';
import type { DryRunResult } from './apply.js';

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

export const AwardRuleBody = z
  .object({
    rule: AwardRuleInput,
    trustedIssuers: TrustedIssuers.optional(),
    enabled: z.boolean().optional().openapi({ description: 'Default true; a disabled rule awards nothing.' }),
  })
  .strict()
  .openapi('AwardRuleInput');

export const DryRunBody = z
  .object({
    rule: AwardRuleInput.optional().openapi({ description: 'The rule to try; absent: the current rule.' }),
    trustedIssuers: TrustedIssuers.optional(),
  })
  .strict();

export const AwardRuleJson = z
  .object({
    achievementId: z.uuid(),
    rule: AwardRule,
    trustedIssuers: z.array(z.string()),
    enabled: z.boolean(),
    source: z.enum(['rule', 'default']).openapi({
      description:
        '`default`: the achievement has no rule of its own; it is earned by passing its attached assessments.',
    }),
    updatedAt: z.iso.datetime().nullable(),
  })
  .openapi('AchievementAwardRule');

export const awardRuleJson = (r: EffectiveRule): z.infer<typeof AwardRuleJson> => ({
  achievementId: r.achievementId,
  rule: r.rule,
  trustedIssuers: r.trustedIssuers,
  enabled: r.enabled,
  source: r.source,
  updatedAt: isoOrNull(r.updatedAt),
});

export const AwardResultJson = z
  .object({ awardId: z.uuid(), achievementId: z.uuid(), credentialId: z.uuid(), generation: z.number().int() })
  .openapi('AwardResult');

export const awardResultJson = (a: AwardResult): z.infer<typeof AwardResultJson> => ({ ...a });

export const LearnerJson = z.object({ userId: z.uuid(), email: z.string(), name: z.string().nullable() });

export const DryRunJson = z
  .object({
    evaluated: z.number().int().openapi({ description: 'Learners with a fact the rule could count.' }),
    wouldReceive: z.array(LearnerJson),
    wouldRenew: z.array(LearnerJson),
    alreadyHold: z.array(LearnerJson),
    truncated: z.boolean().openapi({ description: 'A list was cut at 1,000 learners.' }),
  })
  .openapi('AwardDryRun');

export const dryRunJson = (r: DryRunResult): z.infer<typeof DryRunJson> => r;

export const AwardEventJson = z
  .object({
    id: z.uuid(),
    learnerUserId: z.uuid(),
    name: z.string(),
    data: z.unknown(),
    source: z.enum(['api', 'webhook']),
    eventKey: z.string().nullable(),
    at: z.iso.datetime(),
  })
  .openapi('AwardEvent');

export const awardEventJson = (e: AwardEventRecord): z.infer<typeof AwardEventJson> => ({ ...e, at: iso(e.at) });

export const EventResponse = z.object({
  event: AwardEventJson,
  replayed: z.boolean().openapi({ description: 'The eventKey was seen before: this is the first event, unchanged.' }),
  awards: z.array(AwardResultJson),
});

export const AwardJson = z
  .object({
    id: z.uuid(),
    achievementId: z.uuid(),
    learner: LearnerJson,
    generation: z.number().int(),
    credentialId: z.uuid(),
    basis: z.unknown().openapi({ description: 'The outcome, credential, event and approval ids the rule held by.' }),
    awardedAt: z.iso.datetime(),
  })
  .openapi('Award');

type ProgressJson = Omit<LabelledProgressNode, 'children'> & { children?: ProgressJson[] };

export const ProgressNodeJson: z.ZodType<ProgressJson> = z
  .lazy(() =>
    z.object({
      type: z.enum([
        'allOf',
        'anyOf',
        'nOf',
        'assessment',
        'achievement',
        'externalAchievement',
        'credits',
        'window',
        'event',
        'approval',
      ]),
      satisfied: z.boolean(),
      done: z.number(),
      needed: z.number(),
      label: z.string().optional(),
      assessmentId: z.string().optional(),
      minPercent: z.number().optional(),
      bestPercent: z.number().optional(),
      achievementId: z.string().optional(),
      achievementUri: z.string().optional(),
      achievementIds: z.array(z.string()).optional(),
      event: z.string().optional(),
      days: z.number().optional(),
      from: z.string().optional(),
      until: z.string().optional(),
      children: z.array(ProgressNodeJson).optional(),
    }),
  )
  .openapi('ProgressNode', {
    description:
      'One rule node: satisfied or not, and `done` toward `needed` (rules met, credits held, or 1 of 1), with what ' +
      'it names (`label`: the assessment title or achievement name) and, for an assessment, your best percent.',
  });

export const AchievementProgressJson = z
  .object({
    achievement: z.object({ id: z.uuid(), name: z.string(), orgId: z.uuid(), orgName: z.string() }),
    satisfied: z.boolean(),
    award: z
      .object({
        generation: z.number().int(),
        credentialId: z.uuid(),
        awardedAt: z.iso.datetime(),
        validUntil: z.iso.datetime().nullable(),
      })
      .nullable(),
    progress: ProgressNodeJson,
  })
  .openapi('AchievementProgress');

export const progressJson = (p: AchievementProgress): z.infer<typeof AchievementProgressJson> => ({
  ...p,
  award: p.award && {
    ...p.award,
    awardedAt: iso(p.award.awardedAt),
    validUntil: isoOrNull(p.award.validUntil),
  },
});

export const WebhookSecretJson = z
  .object({ id: z.uuid(), createdAt: z.iso.datetime(), revokedAt: z.iso.datetime().nullable() })
  .openapi('WebhookSecret');

export const webhookSecretJson = (s: { id: string; createdAt: Date; revokedAt: Date | null }) => ({
  id: s.id,
  createdAt: iso(s.createdAt),
  revokedAt: isoOrNull(s.revokedAt),
});

export const ApprovalJson = z
  .object({
    achievementId: z.uuid(),
    learnerUserId: z.uuid(),
    approvedBy: z.uuid(),
    note: z.string().nullable(),
    at: z.iso.datetime(),
  })
  .openapi('AwardApproval');
