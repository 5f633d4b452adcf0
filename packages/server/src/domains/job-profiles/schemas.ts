import { z } from '@hono/zod-openapi';
import { RequiredLevelInput } from '../frameworks/scales.js';

const text = (max: number) => z.string().trim().min(1).max(max);

/** A skill of a job profile as a client names it. */
export const JobProfileSkillInput = z
  .object({
    itemId: z
      .uuid()
      .openapi({ description: 'A framework item (skill, knowledge, competency) the organisation can use.' }),
    weight: z
      .number()
      .gt(0)
      .max(1)
      .default(1)
      .openapi({ description: 'How much the skill counts for the profile: more than 0, at most 1 (default 1).' }),
    requiredLevel: RequiredLevelInput.optional(),
  })
  .strict()
  .openapi('JobProfileSkillInput');
export type JobProfileSkillInput = z.infer<typeof JobProfileSkillInput>;

/** The most skills a profile holds (O*NET occupations with their technology examples reach a few hundred). */
export const MAX_PROFILE_SKILLS = 1_000;

const Skills = z.array(JobProfileSkillInput).max(MAX_PROFILE_SKILLS);

/**
 * A new job profile. From an occupation, the occupation's skills come with their weights (ESCO essential 1, optional
 * 0.5; O*NET from importance, with the O*NET level as the required level); `skills` given beside it replace those
 * entries for the same item and add the others.
 */
export const JobProfileInput = z
  .object({
    title: text(200),
    description: text(5_000).optional(),
    occupationId: z.uuid().optional().openapi({ description: 'An occupation to start from (ESCO, O*NET, …).' }),
    skills: Skills.optional(),
  })
  .strict()
  .openapi('JobProfileInput');
export type JobProfileInput = z.infer<typeof JobProfileInput>;

/** A change to a job profile: `skills` replaces the whole list; `description: null` removes the description. */
export const JobProfilePatch = z
  .object({
    title: text(200).optional(),
    description: text(5_000).nullable().optional(),
    skills: Skills.optional(),
  })
  .strict()
  .openapi('JobProfilePatch');
export type JobProfilePatch = z.infer<typeof JobProfilePatch>;

/** A framework item as job profiles show it. */
export const SkillItemJson = z
  .object({
    id: z.uuid(),
    statement: z.string(),
    type: z.string(),
    code: z.string().nullable(),
    url: z.string().openapi({ description: "The item's URI, or its CASE CFItem URL on this server." }),
    framework: z.object({ id: z.uuid(), title: z.string(), version: z.string().nullable() }),
  })
  .openapi('SkillItem');

export const JobProfileSkillJson = z
  .object({
    item: SkillItemJson,
    weight: z.number(),
    requiredLevel: z
      .object({
        scaleId: z.uuid(),
        scaleKey: z.string(),
        scaleTitle: z.string(),
        level: z.string(),
        name: z.string(),
      })
      .nullable(),
  })
  .openapi('JobProfileSkill');
export type JobProfileSkillJson = z.infer<typeof JobProfileSkillJson>;

const profileFields = {
  id: z.uuid(),
  orgId: z.uuid(),
  title: z.string(),
  description: z.string().nullable(),
  occupation: z
    .object({ id: z.uuid(), title: z.string(), code: z.string().nullable(), frameworkId: z.uuid() })
    .nullable()
    .openapi({ description: 'The occupation the profile was started from.' }),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  archived: z.boolean(),
};

/** A job profile with its skills, highest weight first. */
export const JobProfileJson = z
  .object({ ...profileFields, skills: z.array(JobProfileSkillJson) })
  .openapi('JobProfile');
export type JobProfileJson = z.infer<typeof JobProfileJson>;

/** A job profile in a list: its skills counted, not listed. */
export const JobProfileSummaryJson = z
  .object({ ...profileFields, skillCount: z.number().int() })
  .openapi('JobProfileSummary');
export type JobProfileSummaryJson = z.infer<typeof JobProfileSummaryJson>;
