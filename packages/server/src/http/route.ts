import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import { authorize, type Access } from './access.js';

export interface RouteEntry {
  method: string;
  /** In Hono's form: `/api/v1/orgs/:orgId`. */
  path: string;
  access: Access;
}

const table: RouteEntry[] = [];

/** Every route defined through {@link route}, with its access rule: what the authorization matrix test enumerates. */
export function routeTable(): readonly RouteEntry[] {
  return table;
}

/**
 * Defines a route: its zod schemas (which the OpenAPI document shows) and its access rule (which one middleware
 * enforces before the handler runs). A route cannot be defined without an access rule.
 *
 * @example
 * ```ts
 * const getOrg = route({ method: 'get', path: '/api/v1/orgs/{orgId}', access: access.org('viewer', 'orgs:read'), … });
 * app.openapi(getOrg, (c) => …);
 * ```
 */
export function route<const R extends Omit<RouteConfig, 'middleware'>>(config: R & { access: Access }) {
  const { access, ...rest } = config;
  table.push({ method: config.method.toUpperCase(), path: config.path.replace(/\{(\w+)\}/g, ':$1'), access });
  const security: Record<string, string[]>[] = access.kind === 'public' ? [] : [{ session: [] }, { bearer: [] }];
  return createRoute({
    ...rest,
    security,
    middleware: [authorize(access)] as const,
    description: [rest.description, describeAccess(access)].filter(Boolean).join('\n\n'),
  });
}

function describeAccess(a: Access): string {
  switch (a.kind) {
    case 'public':
      return 'Public.';
    case 'signedIn':
      return `Signed in${a.accounts ? ` (${a.accounts.join(', ')} accounts)` : ''}${a.scope ? `; tokens need \`${a.scope}\`` : '; not with an API token'}.`;
    case 'org':
      return `Role **${a.role}** or higher in the organisation; tokens need \`${a.scope}\`.`;
  }
}
