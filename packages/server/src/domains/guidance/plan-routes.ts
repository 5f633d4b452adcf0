import type { OpenAPIHono } from '@hono/zod-openapi';
import type { LearningPlan, PlanGoalSkill } from '@skillproof/skills';
import { access } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { route } from '../../http/route.js';
import { errorResponse, jsonBody, jsonResponse } from '../../http/schemas.js';
import { catalogueAchievementJson } from './catalogue-routes.js';
import { learnerPlan } from './learning-plan.js';
import type { CatalogueEntry } from './plan-catalogue.js';
import { PlanInput, PlanJson, ReachableRolesJson, ReachableRolesQuery } from './plan-schemas.js';
import { reachableRoles } from './reachable-roles.js';

const TAGS = ['Guidance'];
const READ = access.signedIn({ scope: 'skills:read' });

const planRoute = route({
  method: 'post',
  path: '/api/v1/me/plan',
  access: READ,
  summary: 'My learning plan for a goal',
  description:
    'Your gap for the goal (as `POST /api/v1/me/gap` computes it), then the published achievements of every ' +
    'organisation that close it at least cost (hours, price in one currency, or the number of credentials), within ' +
    'an optional budget, respecting prerequisites (the achievements a pathway’s award rule requires), in an order ' +
    'that earns prerequisites first, each step explained. Achievements you hold are not planned again and satisfy ' +
    'prerequisites. Exact (HiGHS MILP) when the solver proves it in time, otherwise greedy with the bound it proves.',
  tags: TAGS,
  request: { body: jsonBody(PlanInput) },
  responses: { 200: jsonResponse('The plan', PlanJson), 404: errorResponse('No such occupation or job profile') },
});

const reachableRoute = route({
  method: 'get',
  path: '/api/v1/me/reachable-roles',
  access: READ,
  summary: 'The occupations I can reach with the fewest credentials',
  description:
    'Your closest occupations (as `GET /api/v1/me/next-roles` ranks them, up to 30) ranked by what it takes to reach ' +
    'them: for each, a plan closing its missing essential skills (or all, with `scope=all`) from published ' +
    'achievements; roles the catalogue can close come first, by the fewest credentials (or least hours or price).',
  tags: TAGS,
  request: { query: ReachableRolesQuery },
  responses: { 200: jsonResponse('Roles, easiest to reach first', ReachableRolesJson) },
});

/** A plan as the API shows it: achievements named with their issuer and cost, skills with their labels. */
export function planJson(
  plan: LearningPlan,
  skills: readonly PlanGoalSkill[],
  achievements: ReadonlyMap<string, CatalogueEntry>,
) {
  const labels = new Map(skills.map((s) => [s.skill, s.label ?? s.skill]));
  const ref = (skill: string) => ({ skill, label: labels.get(skill) ?? skill });
  return {
    method: plan.method,
    fallback: plan.fallback ?? null,
    guarantee: {
      kind: plan.guarantee.kind,
      factor: 'factor' in plan.guarantee ? (plan.guarantee.factor ?? null) : null,
      statement: 'statement' in plan.guarantee ? plan.guarantee.statement : null,
    },
    steps: plan.steps.map((step) => {
      return {
        achievement: catalogueAchievementJson(achievements.get(step.id)!),
        cost: step.cost,
        covers: step.covers.map(ref),
        coversEssential: step.coversEssential,
        needs: [...step.needs],
        explanation: step.explanation,
      };
    }),
    totalCost: plan.totalCost,
    covered: plan.covered.map(ref),
    uncovered: plan.uncovered.map(ref),
    uncoverable: plan.uncoverable.map(ref),
    coveredWeight: plan.coveredWeight,
    totalWeight: plan.totalWeight,
  };
}

/** Learning plans and reachable roles: what to earn next, from every organisation's published achievements. */
export function registerPlanRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(planRoute, async (c) => {
    const deps = c.get('deps');
    const { goal, measure, currency, budget, scope, includeSelfDeclared } = c.req.valid('json');
    const settings = { measure, currency, budget, scope };
    const result = await learnerPlan(deps, c.get('principal')!.userId, goal, settings, includeSelfDeclared);
    return c.json(
      {
        goal: { kind: result.goal.kind, id: result.goal.id, title: result.goal.title },
        measure,
        currency: currency ?? null,
        budget: budget ?? null,
        ...planJson(result.plan, result.skills, result.achievements),
        gap: {
          score: result.gap.score,
          essentialCoverage: result.gap.essentialCoverage,
          missing: result.skills.length,
        },
      },
      200,
    );
  });

  app.openapi(reachableRoute, async (c) => {
    const deps = c.get('deps');
    const query = c.req.valid('query');
    const result = await reachableRoles(deps, c.get('principal')!.userId, query);
    return c.json(
      {
        measure: query.measure,
        candidates: result.candidates,
        roles: result.roles.map((r) => {
          const { steps, uncoverable } = planJson(r.plan, r.skills, result.achievements);
          return {
            occupation: { id: r.id, title: r.label },
            reachable: r.reachable,
            credentials: r.credentials,
            cost: r.cost,
            missing: r.missing,
            uncoverable,
            method: r.plan.method,
            steps,
            explanation: r.explanation,
          };
        }),
      },
      200,
    );
  });
}
