import { z } from '@hono/zod-openapi';
import { AppError } from '../../errors.js';
import { PeerReviewSettings, ProjectSettings, RubricJson } from './project/settings.js';
import { QuizSettings } from './quiz/settings.js';

const text = (max: number) => z.string().trim().min(1).max(max);

export const ASSESSMENT_KINDS = ['quiz', 'project', 'peer_review'] as const;
export type AssessmentKind = (typeof ASSESSMENT_KINDS)[number];

/** Each kind's settings schema: what `assessments.settings` holds for it. */
export const SETTINGS_SCHEMAS = {
  quiz: QuizSettings,
  project: ProjectSettings,
  peer_review: PeerReviewSettings,
} as const;

/** The settings of an assessment of each kind, as stored (defaults filled in). */
export type SettingsOf<K extends AssessmentKind> = z.output<(typeof SETTINGS_SCHEMAS)[K]>;

/**
 * Runs a zod parse, turning its failure into the API's `ERR_VALIDATION`: the first issue in the message, every issue
 * (with its path under `prefix`) in `details.issues`.
 *
 * @example
 * ```ts
 * const settings = parseInput(QuizSettings, body.settings, 'settings');
 * ```
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].filter(Boolean).join('.'),
    message: i.message,
  }));
  throw new AppError('ERR_VALIDATION', `${issues[0]?.path || 'request'}: ${issues[0]?.message ?? 'invalid'}`, {
    issues,
  });
}

/** An assessment's settings checked by its kind's schema (`ERR_VALIDATION` with paths under `settings`). */
export function parseSettings<K extends AssessmentKind>(kind: K, value: unknown): SettingsOf<K> {
  return parseInput(SETTINGS_SCHEMAS[kind], value, 'settings') as SettingsOf<K>;
}

const when = z.iso.datetime({ offset: true });

const common = {
  title: text(200),
  description: text(10_000).optional(),
  achievementId: z
    .uuid()
    .optional()
    .openapi({
      description:
        "The organisation's achievement (not archived) that passing counts toward. When the assessment opens, the " +
        'achievement gets a new version with a ResultDescription for it (and one per rubric criterion).',
    }),
  opensAt: when.optional().openapi({ description: 'Learners may start (or submit) from then on.' }),
  closesAt: when.optional().openapi({ description: 'Learners may start (or submit) until then; it caps deadlines.' }),
};

const checkWindow = (
  a: { opensAt?: string | null | undefined; closesAt?: string | null | undefined },
  ctx: z.RefinementCtx,
) => {
  if (a.opensAt && a.closesAt && Date.parse(a.opensAt) >= Date.parse(a.closesAt)) {
    ctx.addIssue({ code: 'custom', path: ['closesAt'], message: 'must be after opensAt' });
  }
};

/** A new assessment: its kind decides the schema of its settings. */
export const AssessmentInput = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('quiz'), settings: QuizSettings, ...common }).strict(),
    z.object({ kind: z.literal('project'), settings: ProjectSettings, ...common }).strict(),
    z.object({ kind: z.literal('peer_review'), settings: PeerReviewSettings, ...common }).strict(),
  ])
  .superRefine(checkWindow)
  .openapi('AssessmentInput');
export type AssessmentInput = z.output<typeof AssessmentInput>;

/**
 * A change to an assessment. `settings` replaces the whole settings object (checked by the kind's schema) and may
 * not change once anyone has an attempt or submission; `null` removes an optional field.
 */
export const AssessmentPatch = z
  .object({
    title: text(200).optional(),
    description: text(10_000).nullable().optional(),
    settings: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: "The whole new settings, by the kind's schema (QuizSettings, ProjectSettings, …)." }),
    opensAt: when.nullable().optional(),
    closesAt: when.nullable().optional(),
  })
  .strict()
  .openapi('AssessmentPatch');
export type AssessmentPatch = z.output<typeof AssessmentPatch>;

export const ASSESSMENT_STATES = ['draft', 'open', 'closed'] as const;

/** An assessment as its organisation's staff see it: everything, the settings as stored. */
export const AssessmentJson = z
  .object({
    id: z.uuid(),
    orgId: z.uuid(),
    achievementId: z.uuid().nullable(),
    kind: z.enum(ASSESSMENT_KINDS),
    title: z.string(),
    description: z.string().nullable(),
    settings: z.record(z.string(), z.unknown()),
    state: z.enum(ASSESSMENT_STATES),
    opensAt: z.iso.datetime().nullable(),
    closesAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    archived: z.boolean(),
  })
  .openapi('Assessment');
export type AssessmentJson = z.infer<typeof AssessmentJson>;

/** What a learner sees of a quiz's settings. */
export const LearnerQuizSettings = z
  .object({
    passMark: z.number(),
    questionCount: z.number().int().openapi({ description: 'How many questions an attempt has.' }),
    timeLimitSeconds: z.number().int().nullable(),
    maxAttempts: z.number().int().nullable(),
    cooldownSeconds: z.number().int().nullable(),
    feedback: z.enum(['immediate', 'after_close', 'none']),
  })
  .openapi('LearnerQuizSettings');

/** What a learner sees of a project's (or peer-reviewed project's) settings. */
export const LearnerProjectSettings = z
  .object({
    passMark: z.number(),
    rubric: RubricJson,
    maxSubmissions: z.number().int(),
    resubmit: z.enum(['after_fail', 'never']),
    files: z.object({ maxFiles: z.number().int(), maxBytes: z.number().int(), mediaTypes: z.array(z.string()) }),
    reviewsPerSubmission: z.number().int().optional(),
    anonymous: z.boolean().optional(),
  })
  .openapi('LearnerProjectSettings');

/** Where the learner stands with a quiz. */
export const LearnerQuizStatus = z
  .object({
    attemptsUsed: z.number().int(),
    attemptsLeft: z.number().int().nullable().openapi({ description: 'null: no limit.' }),
    nextAttemptAt: z.iso
      .datetime()
      .nullable()
      .openapi({ description: 'When the cool-down after the last attempt ends (null: now).' }),
    inProgressAttemptId: z.uuid().nullable(),
    bestPercent: z.number().nullable(),
    passed: z.boolean(),
  })
  .openapi('LearnerQuizStatus');

/** An open (or closed) assessment as any signed-in account sees it: never an answer key. */
export const LearnerAssessmentJson = z
  .object({
    id: z.uuid(),
    kind: z.enum(ASSESSMENT_KINDS),
    title: z.string(),
    description: z.string().nullable(),
    organization: z.object({ id: z.uuid(), name: z.string() }),
    achievement: z.object({ id: z.uuid(), name: z.string() }).nullable(),
    state: z.enum(['open', 'closed']),
    opensAt: z.iso.datetime().nullable(),
    closesAt: z.iso.datetime().nullable(),
    settings: z.union([LearnerQuizSettings, LearnerProjectSettings]),
    quiz: LearnerQuizStatus.optional(),
  })
  .openapi('LearnerAssessment');
export type LearnerAssessmentJson = z.infer<typeof LearnerAssessmentJson>;
