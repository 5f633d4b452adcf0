import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/env.js';

export function registerAuthRoutes(app: OpenAPIHono<AppEnv>): void {
  void app;
}
