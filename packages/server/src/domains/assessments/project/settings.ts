import { z } from '@hono/zod-openapi';

const text = (max: number) => z.string().trim().min(1).max(max);
const Id = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'an id is 1–64 letters, digits, "_", "." or "-"');

/** The media types a project accepts when its settings name none. */
export const DEFAULT_MEDIA_TYPES = ['application/pdf', 'image/png', 'image/jpeg', 'application/zip', 'text/plain'];
/** The largest file a project may allow: the app's request body limit is 10 MiB. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

export const RubricLevel = z
  .object({
    id: Id.optional().openapi({ description: 'Stable id of the level (default: `l<position>`, from 1).' }),
    name: text(200),
    description: text(2_000).optional(),
    points: z.number().min(0).max(1_000),
  })
  .strict()
  .openapi('RubricLevel');

export const RubricCriterion = z
  .object({
    id: Id.optional().openapi({ description: 'Stable id of the criterion (default: `c<position>`, from 1).' }),
    name: text(200),
    description: text(2_000).optional(),
    levels: z.array(RubricLevel).min(2).max(10).openapi({
      description: 'At least two levels, ordered from the lowest to the highest (points strictly rising).',
    }),
  })
  .strict()
  .openapi('RubricCriterion');

/**
 * A rubric: criteria, each with levels ordered low → high. Ids absent from the input are given from the position
 * (`c1`, `c2`, …; levels `l1`, `l2`, …), so a rubric saved once keeps its ids; ids and names must be unique (criteria
 * in the rubric, levels in their criterion), since credentials name results by them. Max score = the sum of each criterion's top points.
 */
export const Rubric = z
  .object({ criteria: z.array(RubricCriterion).min(1).max(20) })
  .strict()
  .transform((rubric, ctx) => {
    const criteria = rubric.criteria.map((c, i) => ({
      ...c,
      id: c.id ?? `c${i + 1}`,
      levels: c.levels.map((l, j) => ({ ...l, id: l.id ?? `l${j + 1}` })),
    }));
    const criterionIds = new Set<string>();
    const criterionNames = new Set<string>();
    criteria.forEach((c, i) => {
      if (criterionIds.has(c.id)) {
        ctx.addIssue({ code: 'custom', path: ['criteria', i, 'id'], message: `criterion id "${c.id}" is repeated` });
      }
      criterionIds.add(c.id);
      // Results name criteria and levels by name (OB ResultDescription "<title>: <criterion>", achieved level by name).
      if (criterionNames.has(c.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['criteria', i, 'name'],
          message: `criterion name "${c.name}" is repeated`,
        });
      }
      criterionNames.add(c.name);
      const levelIds = new Set<string>();
      const levelNames = new Set<string>();
      c.levels.forEach((l, j) => {
        if (levelNames.has(l.name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['criteria', i, 'levels', j, 'name'],
            message: `level name "${l.name}" is repeated in criterion "${c.name}"`,
          });
        }
        levelNames.add(l.name);
        if (levelIds.has(l.id)) {
          ctx.addIssue({
            code: 'custom',
            path: ['criteria', i, 'levels', j, 'id'],
            message: `level id "${l.id}" is repeated in criterion "${c.name}"`,
          });
        }
        levelIds.add(l.id);
        const previous = c.levels[j - 1];
        if (previous && l.points <= previous.points) {
          ctx.addIssue({
            code: 'custom',
            path: ['criteria', i, 'levels', j, 'points'],
            message: 'levels are ordered low → high: each level has more points than the one before',
          });
        }
      });
    });
    return { criteria };
  })
  .openapi('Rubric');
export type Rubric = z.output<typeof Rubric>;
export type RubricCriterionOut = Rubric['criteria'][number];

/** A rubric as responses show it: every id filled in. */
export const RubricJson = z
  .object({
    criteria: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        description: z.string().optional(),
        levels: z.array(
          z.object({ id: z.string(), name: z.string(), description: z.string().optional(), points: z.number() }),
        ),
      }),
    ),
  })
  .openapi('RubricView');

export const FileLimits = z
  .object({
    maxFiles: z.number().int().min(0).max(20).default(5),
    maxBytes: z
      .number()
      .int()
      .min(1)
      .max(MAX_FILE_BYTES)
      .default(5 * 1024 * 1024)
      .openapi({ description: 'The largest file accepted, in bytes (at most 10 MiB; default 5 MiB).' }),
    mediaTypes: z
      .array(
        z
          .string()
          .trim()
          .toLowerCase()
          .regex(/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/, 'a media type such as application/pdf'),
      )
      .max(50)
      .default(DEFAULT_MEDIA_TYPES),
  })
  .strict()
  .openapi('ProjectFileLimits');

const projectShape = {
  rubric: Rubric,
  passMark: z.number().min(0).max(100).openapi({ description: 'Percent of the max score needed to pass.' }),
  assessorsPerSubmission: z.number().int().min(1).max(10).default(1),
  maxSubmissions: z.number().int().min(1).max(100).default(3),
  resubmit: z.enum(['after_fail', 'never']).default('after_fail'),
  files: FileLimits.default({ maxFiles: 5, maxBytes: 5 * 1024 * 1024, mediaTypes: DEFAULT_MEDIA_TYPES }),
};

/** A rubric-graded project's settings. */
export const ProjectSettings = z.object(projectShape).strict().openapi('ProjectSettings');
export type ProjectSettings = z.output<typeof ProjectSettings>;

/** A peer-reviewed project's settings: a project's, plus how reviews are assigned and weighed. */
export const PeerReviewSettings = z
  .object({
    ...projectShape,
    reviewsPerSubmission: z
      .number()
      .int()
      .min(1)
      .max(10)
      .default(3)
      .openapi({ description: 'k: how many peers review each submission.' }),
    anonymous: z.boolean().default(true),
    calibration: z.number().int().min(0).max(10).default(0).openapi({
      description: 'Reference submissions each reviewer reviews first; their accuracy weighs their reviews.',
    }),
    outlierThreshold: z
      .number()
      .min(0)
      .max(1)
      .default(0.25)
      .openapi({ description: 'A review farther than this fraction of the max score from the grade is flagged.' }),
  })
  .strict()
  .openapi('PeerReviewSettings');
export type PeerReviewSettings = z.output<typeof PeerReviewSettings>;

/** Either kind's settings (peer-review fields present only for peer review). */
export type AnyProjectSettings = ProjectSettings | PeerReviewSettings;

/** The highest score a rubric gives: the sum of each criterion's top level. */
export function rubricMaxScore(rubric: Rubric): number {
  return rubric.criteria.reduce((sum, c) => sum + Math.max(...c.levels.map((l) => l.points)), 0);
}
