import { z } from '@hono/zod-openapi';
import { RubricJson } from './settings.js';

const Url = z
  .url({ protocol: /^https?$/, error: 'an http(s) URL' })
  .max(2_000)
  .openapi({ example: 'https://github.com/learner/analysis' });

/** The most characters a submission's text may have. */
export const MAX_SUBMISSION_TEXT = 100_000;
/** The most links a submission may carry. */
export const MAX_SUBMISSION_LINKS = 20;

/** A submission's text and links (its files come as the `files` parts of a multipart form). */
export const SubmissionInput = z
  .object({
    text: z.string().trim().min(1).max(MAX_SUBMISSION_TEXT).optional(),
    links: z.array(Url).max(MAX_SUBMISSION_LINKS).optional(),
  })
  .strict()
  .openapi('SubmissionInput');
export type SubmissionInput = z.infer<typeof SubmissionInput>;

/** Rubric levels chosen: criterion id → level id, every criterion once. */
export const LevelsInput = z
  .record(z.string().max(64), z.string().max(64))
  .openapi({ description: 'Criterion id → level id, for every criterion of the rubric.', example: { c1: 'l3' } });

const comment = z.string().trim().min(1).max(10_000);

/** A grading (assessor) or a review (peer). */
export const GradingInput = z
  .object({
    levels: LevelsInput,
    comment: comment.optional(),
    criterionComments: z
      .record(z.string().max(64), comment)
      .optional()
      .openapi({ description: 'Criterion id → a comment on that criterion.' }),
  })
  .strict()
  .openapi('GradingInput');
export type GradingInput = z.infer<typeof GradingInput>;

export const ReferenceSubmissionInput = z
  .object({
    text: z.string().trim().min(1).max(MAX_SUBMISSION_TEXT).optional(),
    links: z.array(Url).max(MAX_SUBMISSION_LINKS).optional(),
    referenceLevels: LevelsInput.openapi({
      description: 'The grade this reference deserves: criterion id → level id.',
    }),
  })
  .strict()
  .openapi('ReferenceSubmissionInput');
export type ReferenceSubmissionInput = z.infer<typeof ReferenceSubmissionInput>;

export const PeerAssignmentInput = z
  .object({
    seed: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .openapi({ description: 'The same seed over the same submissions gives the same assignment (default: random).' }),
  })
  .strict()
  .openapi('PeerAssignmentInput');

export const AppealInput = z
  .object({ reason: z.string().trim().min(1).max(5_000) })
  .strict()
  .openapi('AppealInput');

export const AppealResolution = z
  .discriminatedUnion('decision', [
    z
      .object({
        decision: z.literal('uphold'),
        levels: LevelsInput.openapi({ description: 'The new grade: criterion id → level id.' }),
        resolution: z.string().trim().min(1).max(5_000).optional(),
      })
      .strict(),
    z.object({ decision: z.literal('reject'), resolution: z.string().trim().min(1).max(5_000).optional() }).strict(),
  ])
  .openapi('AppealResolution');
export type AppealResolution = z.infer<typeof AppealResolution>;

// --- responses

export const LevelJson = z
  .object({
    criterionId: z.string(),
    criterion: z.string(),
    levelId: z.string(),
    level: z.string(),
    points: z.number(),
  })
  .openapi('RubricLevelChosen');

export const GradeJson = z
  .object({
    levels: z.array(LevelJson),
    score: z.number(),
    maxScore: z.number(),
    percent: z.number(),
    passed: z.boolean(),
    gradedAt: z.iso.datetime().nullable(),
  })
  .openapi('SubmissionGrade');

export const SubmissionFileJson = z
  .object({
    id: z.uuid(),
    name: z.string(),
    mediaType: z.string(),
    size: z.number().int(),
    sha256: z.string(),
  })
  .openapi('SubmissionFile');

export const PersonJson = z.object({ id: z.uuid(), name: z.string().nullable(), email: z.string() }).openapi('Person');

export const GradingJson = z
  .object({
    id: z.uuid().optional().openapi({ description: 'Staff only.' }),
    kind: z.enum(['assessor', 'peer', 'calibration', 'appeal']),
    grader: PersonJson.optional().openapi({ description: 'Staff only: authors never see who graded them.' }),
    levels: z.array(LevelJson),
    score: z.number(),
    comment: z.string().nullable(),
    criterionComments: z.record(z.string(), z.string()).nullable(),
    weight: z.number().nullable().optional().openapi({ description: "Peer reviews: the reviewer's accuracy weight." }),
    outlier: z.boolean().optional(),
    createdAt: z.iso.datetime(),
  })
  .openapi('Grading');

export const AppealJson = z
  .object({
    id: z.uuid(),
    submissionId: z.uuid(),
    state: z.enum(['open', 'upheld', 'rejected']),
    reason: z.string(),
    resolution: z.string().nullable(),
    createdAt: z.iso.datetime(),
    resolvedAt: z.iso.datetime().nullable(),
  })
  .openapi('Appeal');

export const SubmissionJson = z
  .object({
    id: z.uuid(),
    assessmentId: z.uuid(),
    view: z.enum(['owner', 'reviewer', 'staff']).openapi({
      description:
        'What the caller sees: the author everything but who graded; an assigned reviewer the work alone (no author ' +
        'when the review is anonymous); the organisation staff everything.',
    }),
    number: z.number().int().nullable().openapi({ description: "The author's 1st, 2nd, … submission." }),
    state: z.enum(['submitted', 'graded', 'returned', 'withdrawn']),
    isReference: z.boolean(),
    text: z.string().nullable(),
    links: z.array(z.string()),
    files: z.array(SubmissionFileJson),
    submittedAt: z.iso.datetime(),
    author: z
      .object({ id: z.uuid().optional(), name: z.string().nullable(), email: z.string().optional() })
      .nullable()
      .openapi({ description: 'Null for the author themself, for anonymous reviews and for references.' }),
    grade: GradeJson.nullable(),
    gradings: z.array(GradingJson).optional(),
    appeals: z.array(AppealJson).optional(),
    referenceLevels: z.array(LevelJson).nullable().optional().openapi({ description: 'Staff only.' }),
    flagged: z.boolean().optional().openapi({ description: 'Staff only: a peer review lies far from the grade.' }),
  })
  .openapi('Submission');
export type SubmissionJson = z.infer<typeof SubmissionJson>;

export const SubmissionSummaryJson = z
  .object({
    id: z.uuid(),
    assessment: z.object({ id: z.uuid(), title: z.string(), kind: z.enum(['project', 'peer_review']) }),
    number: z.number().int().nullable(),
    state: z.enum(['submitted', 'graded', 'returned', 'withdrawn']),
    isReference: z.boolean(),
    author: PersonJson.nullable().optional(),
    submittedAt: z.iso.datetime(),
    gradings: z.number().int().openapi({ description: 'Gradings so far (assessors, or peer reviews).' }),
    grade: GradeJson.nullable(),
  })
  .openapi('SubmissionSummary');

export const ReviewAssignmentJson = z
  .object({
    id: z.uuid(),
    kind: z.enum(['peer', 'calibration']),
    state: z.enum(['assigned', 'done']),
    available: z.boolean().openapi({ description: 'Peer reviews open once your calibration reviews are done.' }),
    assessment: z.object({ id: z.uuid(), title: z.string() }),
    submissionId: z.uuid().openapi({ description: 'Read it at GET /api/v1/submissions/{submissionId}.' }),
    rubric: RubricJson,
    createdAt: z.iso.datetime(),
  })
  .openapi('ReviewAssignment');

export const AgreementJson = z
  .object({
    raters: z.enum(['assessor', 'peer']),
    submissions: z.number().int().openapi({ description: 'Submissions with two or more gradings.' }),
    criteria: z.array(
      z.object({
        criterionId: z.string(),
        name: z.string(),
        pairs: z.number().int(),
        exactAgreement: z.number().nullable(),
        adjacentAgreement: z.number().nullable(),
        alphaOrdinal: z.number().nullable(),
        alphaInterval: z.number().nullable(),
      }),
    ),
    score: z.object({ alphaInterval: z.number().nullable() }),
  })
  .openapi('AgreementReport');

export const FlagJson = z
  .object({
    submissionId: z.uuid(),
    author: PersonJson.nullable(),
    grade: GradeJson.nullable().openapi({ description: 'The weighted peer grade awaiting confirmation.' }),
    reviews: z.array(GradingJson),
  })
  .openapi('PeerReviewFlag');
