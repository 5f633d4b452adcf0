import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/env.js';

export function registerIssuingRoutes(app: OpenAPIHono<AppEnv>): void {
  void app;
}
