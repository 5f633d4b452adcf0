import { z } from '@hono/zod-openapi';

/**
 * The body of every error answer (see errors.ts): a stable code and a message a person can act on. One schema,
 * registered once in the OpenAPI document as `Error`, for every route.
 */
export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'ERR_NOT_FOUND' }),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .openapi('Error');

/**
 * A JSON response.
 *
 * @example
 * ```ts
 * responses: { 200: jsonResponse('The organisation.', z.object({ org: OrgJson })) }
 * ```
 */
export const jsonResponse = <T extends z.ZodType>(description: string, schema: T) => ({
  description,
  content: { 'application/json': { schema } },
});

/** A documented error response: the {@link ErrorResponse} body. */
export const errorResponse = (description: string) => jsonResponse(description, ErrorResponse);

/** An HTML page. */
export const htmlResponse = (description: string) => ({
  description,
  content: { 'text/html': { schema: z.string() } },
});

/** A JSON request body, required: without `required`, a body sent with another content type would skip validation. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});

/** The path parameter of every route under `/api/v1/orgs/{orgId}`; routes `.extend` it with their own. */
export const OrgParams = z.object({ orgId: z.uuid() });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether `s` has the shape of a UUID (any version): ids from paths are checked before they reach a uuid column,
 * where anything else would be a database error rather than a 404.
 *
 * @example
 * ```ts
 * isUuid('1b4e28ba-2fa1-11d2-883f-0016d3cca427'); // true
 * ```
 */
export const isUuid = (s: string): boolean => UUID.test(s);

/** An optional `Idempotency-Key` header (1 to 255 visible ASCII characters), with what a retry with it answers. */
export const idempotencyKeyHeader = (description: string) =>
  z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, { error: 'must be 1 to 255 visible ASCII characters' })
    .optional()
    .openapi({ description });
