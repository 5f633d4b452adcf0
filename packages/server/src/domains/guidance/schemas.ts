import { z } from '@hono/zod-openapi';
import { MAX_EXTRACT_CHARS } from '@skillproof/skills';
import { MAX_DECLARED_SKILLS } from './learner-skills.js';

const skillUrl = z
  .string()
  .openapi({ description: "The skill's URL: its framework item's URI, or its CASE CFItem URL." });
const unit = z.number().min(0).max(1);

/** One piece of evidence for a skill, as the profile keeps it. */
export const SkillEvidenceJson = z
  .object({
    skill: skillUrl,
    label: z.string().nullable().openapi({ description: 'The skill as frameworks here name it (null: unknown here).' }),
    level: unit.openapi({ description: '0–1: the level attested over the scale’s highest (1: fully).' }),
    date: z.string().nullable(),
    source: z.enum(['issued', 'imported', 'self-declared']),
    credentialId: z
      .string()
      .nullable()
      .openapi({ description: 'A credential issued here, or a held credential’s id.' }),
    issuer: z.object({ id: z.string(), name: z.string().nullable() }).nullable(),
  })
  .openapi('SkillEvidence');

export const SkillProfileJson = z
  .object({
    verified: z.array(SkillEvidenceJson).openapi({ description: 'Per skill the strongest, then newest, evidence.' }),
    selfDeclared: z.array(SkillEvidenceJson).openapi({ description: 'Claimed without a credential; kept apart.' }),
  })
  .openapi('SkillProfile');

export const DeclaredSkillsInput = z
  .object({
    skills: z
      .array(
        z
          .object({
            itemId: z
              .uuid()
              .openapi({ description: 'A framework item you can see (global, public, or your organisations’).' }),
            level: unit.optional().openapi({ description: '0–1 (default: fully).' }),
          })
          .strict(),
      )
      .max(MAX_DECLARED_SKILLS),
  })
  .strict()
  .openapi('DeclaredSkillsInput');

/** A career goal: an occupation, an organisation's job profile, or a pasted job posting. */
export const GoalInput = z
  .union([
    z.object({ occupationId: z.uuid() }).strict(),
    z.object({ jobProfileId: z.uuid() }).strict(),
    z
      .object({
        posting: z.string().trim().min(1).max(MAX_EXTRACT_CHARS),
        top: z.number().int().min(1).max(50).optional().openapi({ description: 'Skills read from it (default 15).' }),
      })
      .strict(),
  ])
  .openapi('GuidanceGoal', { description: 'Exactly one of `occupationId`, `jobProfileId` or `posting`.' });

export const GapInput = z
  .object({
    goal: GoalInput,
    includeSelfDeclared: z
      .boolean()
      .default(false)
      .openapi({ description: 'Count self-declared skills at half their level (marked as such); default no.' }),
  })
  .strict()
  .openapi('GapRequest');

export const GoalJson = z
  .object({ kind: z.enum(['occupation', 'job-profile', 'posting']), id: z.uuid().nullable(), title: z.string() })
  .openapi('GuidanceGoalResolved');

export const SkillGapJson = z
  .object({
    skill: skillUrl,
    label: z.string(),
    weight: z.number(),
    essential: z.boolean(),
    requiredLevel: unit,
    heldLevel: unit,
    shortfall: unit,
    met: unit,
    via: z
      .object({
        skill: skillUrl,
        label: z.string(),
        relation: z.enum(['exact', 'held-narrower', 'held-broader', 'sibling']),
        depth: z.number().int(),
        factor: z.number(),
        evidence: SkillEvidenceJson,
      })
      .nullable()
      .openapi({ description: 'The held skill that counted most, and its evidence.' }),
    explanation: z.string(),
  })
  .openapi('SkillGap');

export const GapJson = z
  .object({
    goal: GoalJson,
    score: unit.openapi({ description: 'Σ weight × met / Σ weight.' }),
    essentialCoverage: z.object({ met: z.number().int(), total: z.number().int(), ratio: unit }),
    credit: z
      .object({
        narrower: z.number(),
        broader: z.number(),
        sibling: z.number(),
        siblingMaxChildren: z
          .number()
          .int()
          .openapi({ description: 'Siblings count only under a parent skill (not a group) with at most this many.' }),
        maxDepth: z.number(),
        selfDeclared: z.number(),
      })
      .openapi({ description: 'The factors the analysis used.' }),
    skills: z.array(SkillGapJson),
  })
  .openapi('SkillGapAnalysis');

export const ExtractInput = z
  .object({
    text: z.string().min(1).max(MAX_EXTRACT_CHARS),
    top: z.number().int().min(1).max(100).default(10),
  })
  .strict()
  .openapi('SkillExtractRequest');

export const ExtractJson = z
  .object({
    skills: z.array(z.object({ uri: z.string(), label: z.string(), score: z.number() })),
  })
  .openapi('SkillExtractResult');

export const NextRolesJson = z
  .object({
    roles: z.array(
      z.object({
        occupation: z.object({ id: z.uuid(), title: z.string() }),
        similarity: unit,
        coverage: unit.openapi({ description: 'Σ weight × held level / Σ weight over the occupation’s skills.' }),
        shared: z
          .array(z.object({ skill: skillUrl, label: z.string().nullable() }))
          .openapi({ description: 'The held skills that count most (at most 5).' }),
        sharedCount: z.number().int(),
        skillCount: z.number().int(),
        explanation: z.string(),
      }),
    ),
  })
  .openapi('NextRoles');
