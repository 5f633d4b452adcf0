import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/env.js';
import { registerCredentialRoutes } from './credential.js';
import { registerDocsRoutes } from './docs.js';
import { registerOutboxRoutes } from './outbox.js';
import { createVerifier } from './verifier.js';
import { registerVerifyRoutes } from './verify.js';

/**
 * The public surface: credential pages and downloads, verification for people and machines, the API reference, and
 * the development mailbox.
 */
export function registerPublicRoutes(app: OpenAPIHono<AppEnv>): void {
  const verifier = createVerifier(app);
  registerCredentialRoutes(app, verifier);
  registerVerifyRoutes(app, verifier);
  registerDocsRoutes(app);
  registerOutboxRoutes(app);
}
