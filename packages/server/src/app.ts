import { OpenAPIHono, z } from '@hono/zod-openapi';
import { sql } from 'kysely';
import { bodyLimit } from 'hono/body-limit';
import { randomUUID } from 'node:crypto';
import { AppError, toErrorResponse } from './errors.js';
import { authenticate } from './http/authenticate.js';
import type { AppDeps, AppEnv } from './http/env.js';
import { access } from './http/access.js';
import { route } from './http/route.js';
import { registerAuthRoutes } from './domains/auth/routes.js';
import { registerOrgsRoutes } from './domains/orgs/routes.js';
import { registerAchievementsRoutes } from './domains/achievements/routes.js';
import { registerIssuingRoutes } from './domains/issuing/routes.js';
import { isBatchUpload, registerBatchesRoutes } from './domains/batches/routes.js';
import { CSV_LIMITS } from './domains/batches/csv.js';
import { registerPublicRoutes } from './domains/public/routes.js';
import { isFrameworkImport, registerCaseRoutes } from './domains/frameworks/case-routes.js';
import { MAX_CASE_BYTES } from './domains/frameworks/sources/case.js';
import { registerScaleRoutes } from './domains/frameworks/scale-routes.js';
import { registerAuthoringRoutes } from './domains/frameworks/authoring-routes.js';
import { registerBrowseRoutes } from './domains/frameworks/browse-routes.js';
import { registerJobProfileRoutes } from './domains/job-profiles/routes.js';
import { registerAwardRoutes } from './domains/awards/routes.js';
import { registerAssessmentRoutes } from './domains/assessments/routes.js';
import { registerQuizRoutes } from './domains/assessments/quiz/routes.js';
import { registerProjectRoutes } from './domains/assessments/project/routes.js';
import { registerEndorsementRoutes } from './domains/endorsements/routes.js';
import { registerRecordRoutes } from './domains/records/routes.js';
import { registerLedgerRoutes } from './domains/ledger/routes.js';
import { registerWitnessRoutes } from './domains/witness/routes.js';
import { registerAnchorRoutes } from './domains/ledger/anchoring.js';
import { registerGuidanceRoutes } from './domains/guidance/routes.js';
import { registerCatalogueRoutes } from './domains/guidance/catalogue-routes.js';
import { registerPlanRoutes } from './domains/guidance/plan-routes.js';

/** Request bodies above this are refused before they are read (CSV uploads and CASE imports have larger limits). */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

const healthz = route({
  method: 'get',
  path: '/healthz',
  access: access.public(),
  summary: 'Liveness and database reachability',
  tags: ['System'],
  responses: {
    200: { description: 'Up', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } },
  },
});

const openApiDocument = route({
  method: 'get',
  path: '/openapi.json',
  access: access.public(),
  hide: true,
  responses: {
    200: {
      description: 'The OpenAPI 3.1 document',
      content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
    },
  },
});

/**
 * The Skillproof HTTP application. Every dependency is passed in; nothing is global.
 *
 * @example
 * ```ts
 * const app = createApp(deps);
 * const res = await app.request('/healthz');
 * ```
 */
export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
        const first = issues[0];
        throw new AppError(
          'ERR_VALIDATION',
          first ? `${first.path || 'request'}: ${first.message}` : 'The request is invalid.',
          { issues },
        );
      }
    },
  });

  app.use('*', async (c, next) => {
    c.set('deps', deps);
    c.set('requestId', c.req.header('x-request-id') ?? randomUUID());
    await next();
  });
  const limitBody = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: () => {
        throw new AppError('ERR_INPUT_TOO_LARGE', `The request body is larger than ${maxSize / 1024 / 1024} MiB.`);
      },
    });
  const defaultLimit = limitBody(MAX_BODY_BYTES);
  const csvUploadLimit = limitBody(CSV_LIMITS.bytes);
  const caseImportLimit = limitBody(MAX_CASE_BYTES);
  app.use('*', (c, next) => {
    const { method, path } = c.req;
    return (
      isBatchUpload(method, path) ? csvUploadLimit : isFrameworkImport(method, path) ? caseImportLimit : defaultLimit
    )(c, next);
  });
  app.use('*', authenticate);

  app.openapi(healthz, async (c) => {
    try {
      await sql`SELECT 1`.execute(deps.db);
    } catch {
      throw new AppError('ERR_UNAVAILABLE', 'The database does not answer.');
    }
    return c.json({ status: 'ok' as const }, 200);
  });
  registerAuthRoutes(app);
  registerOrgsRoutes(app);
  registerAchievementsRoutes(app);
  registerIssuingRoutes(app);
  registerBatchesRoutes(app);
  registerCaseRoutes(app);
  registerScaleRoutes(app);
  registerAuthoringRoutes(app);
  registerBrowseRoutes(app);
  registerJobProfileRoutes(app);
  registerAwardRoutes(app);
  registerAssessmentRoutes(app);
  registerQuizRoutes(app);
  registerProjectRoutes(app);
  registerEndorsementRoutes(app);
  registerRecordRoutes(app);
  registerLedgerRoutes(app);
  registerWitnessRoutes(app);
  registerAnchorRoutes(app);
  registerGuidanceRoutes(app);
  registerCatalogueRoutes(app);
  registerPlanRoutes(app);
  registerPublicRoutes(app);

  app.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: 'sp_session',
    description: 'A session from POST /api/v1/auth/sign-in; unsafe methods also need the X-CSRF-Token header.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token (sp_token_…) with scopes, from POST /api/v1/me/tokens.',
  });
  const openApiConfig = {
    openapi: '3.1.0',
    info: {
      title: 'Skillproof API',
      version: '0.1.0',
      description: 'Competency micro-credentials: Open Badges 3.0 on W3C Verifiable Credentials 2.0.',
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    servers: [{ url: deps.publicUrl }],
  };
  app.openapi(openApiDocument, (c) =>
    c.json(app.getOpenAPI31Document(openApiConfig) as unknown as Record<string, unknown>, 200),
  );

  app.notFound((c) => {
    throw new AppError('ERR_NOT_FOUND', `No route for ${c.req.method} ${c.req.path}.`);
  });
  app.onError((err, c) => {
    const { status, body, expected } = toErrorResponse(err);
    if (!expected) deps.logger.error({ err, requestId: c.get('requestId'), path: c.req.path }, 'request failed');
    if (err instanceof AppError && err.headers) for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
    return c.json(body, status as 400);
  });

  return app;
}

export type App = ReturnType<typeof createApp>;
