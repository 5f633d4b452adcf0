import { z } from '@hono/zod-openapi';

/** The body of every error answer (see errors.ts): a stable code and a message a person can act on. */
export const ErrorResponse = z.object({
  error: z.object({
    code: z.string().openapi({ example: 'ERR_NOT_FOUND' }),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
