import { z } from '@hono/zod-openapi';
import { CatalogueAchievementJson } from './catalogue-routes.js';
import { GoalInput, GoalJson } from './schemas.js';

const skillUrl = z
  .string()
  .openapi({ description: "The skill's URL: its framework item's URI, or its CASE CFItem URL." });
const SkillRef = z.object({ skill: skillUrl, label: z.string() });
const Measure = z.enum(['hours', 'price', 'count']);
const Currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code (three upper-case letters)');

/** A currency goes with measure price, and only with it. */
function currencyWithPrice(p: { measure: string; currency?: string | undefined }, ctx: z.RefinementCtx): void {
  if ((p.measure === 'price') !== (p.currency !== undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: ['currency'],
      message: p.measure === 'price' ? 'measure price needs a currency' : 'currency is only for measure price',
    });
  }
}

export const PlanInput = z
  .object({
    goal: GoalInput,
    measure: Measure.default('hours').openapi({
      description:
        'What the plan minimises: study hours, price (in `currency`), or the number of credentials. An achievement ' +
        'without a figure for the measure cannot be chosen.',
    }),
    currency: Currency.optional().openapi({
      description: 'With `measure: price`: prices in this currency count, free achievements in any; others do not.',
    }),
    budget: z
      .number()
      .min(0)
      .max(1e9)
      .optional()
      .openapi({
        description:
          'At most this much (in the measure). With a budget the plan covers the most weight it allows; without one it ' +
          'covers every skill the catalogue can teach, at least cost.',
      }),
    scope: z.enum(['all', 'essential']).default('all').openapi({
      description: 'Which missing skills to close: all of them (default), or the essential ones only.',
    }),
    includeSelfDeclared: z
      .boolean()
      .default(false)
      .openapi({ description: 'Count self-declared skills at half their level in the gap first; default no.' }),
  })
  .strict()
  .superRefine(currencyWithPrice)
  .openapi('PlanRequest');

export const PlanStepJson = z
  .object({
    achievement: CatalogueAchievementJson,
    cost: z.number().openapi({ description: 'In the measure.' }),
    covers: z.array(SkillRef).openapi({ description: 'Missing skills this step is the first in the path to cover.' }),
    coversEssential: z.number().int(),
    needs: z
      .array(z.uuid())
      .openapi({ description: 'Its prerequisites earned earlier in this path (held ones are not listed).' }),
    explanation: z.string(),
  })
  .openapi('PlanStep');

export const PlanJson = z
  .object({
    goal: GoalJson,
    measure: Measure,
    currency: z.string().nullable(),
    budget: z.number().nullable(),
    method: z.enum(['exact', 'greedy']),
    fallback: z
      .enum(['no-solver', 'requested', 'too-large', 'not-proved'])
      .nullable()
      .openapi({ description: 'Why the plan is greedy (null when exact).' }),
    guarantee: z
      .object({
        kind: z.enum(['optimal', 'greedy-cost', 'greedy-coverage']),
        factor: z.number().nullable(),
        statement: z.string().nullable(),
      })
      .openapi({
        description:
          '`optimal`: the MILP solver (HiGHS) proved no plan is cheaper (with a budget: covers more weight). Greedy ' +
          'plans state the factor they are proved to be within.',
      }),
    steps: z.array(PlanStepJson).openapi({ description: 'In an order that earns every prerequisite first.' }),
    totalCost: z.number(),
    covered: z.array(SkillRef),
    uncovered: z.array(SkillRef).openapi({ description: 'Coverable skills left out for the budget.' }),
    uncoverable: z
      .array(SkillRef)
      .openapi({ description: 'Missing skills no obtainable published achievement teaches at the required level.' }),
    coveredWeight: z.number(),
    totalWeight: z.number(),
    gap: z.object({
      score: z.number().min(0).max(1),
      essentialCoverage: z.object({ met: z.number().int(), total: z.number().int(), ratio: z.number() }),
      missing: z
        .number()
        .int()
        .openapi({ description: 'Skills in scope with a shortfall: what the plan tries to close.' }),
    }),
  })
  .openapi('LearningPlan');

export const ReachableRolesQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(20).default(10).openapi({ description: 'At most 20.' }),
    measure: Measure.default('count').openapi({ description: 'What reaching a role costs (default: credentials).' }),
    currency: Currency.optional().openapi({ description: 'With `measure=price`, as for a plan.' }),
    scope: z
      .enum(['essential', 'all'])
      .default('essential')
      .openapi({ description: 'Close the missing essential skills (default) or all of them.' }),
  })
  .superRefine(currencyWithPrice);

export const ReachableRolesJson = z
  .object({
    measure: Measure,
    candidates: z.number().int().openapi({ description: 'The closest occupations that were planned for.' }),
    roles: z.array(
      z.object({
        occupation: z.object({ id: z.uuid(), title: z.string() }),
        reachable: z.boolean().openapi({ description: 'Published achievements can close every skill in scope.' }),
        credentials: z.number().int(),
        cost: z.number(),
        missing: z.number().int().openapi({ description: 'Missing skills in scope.' }),
        uncoverable: z.array(SkillRef),
        method: z.enum(['exact', 'greedy']),
        steps: z.array(PlanStepJson),
        explanation: z.string(),
      }),
    ),
  })
  .openapi('ReachableRoles');
