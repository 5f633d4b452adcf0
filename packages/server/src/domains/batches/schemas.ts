import { z } from '@hono/zod-openapi';

export const RowErrorSchema = z
  .object({ code: z.string(), message: z.string(), column: z.string().optional() })
  .openapi('BatchRowError');

export const BatchSchema = z
  .object({
    id: z.uuid(),
    achievementId: z.uuid(),
    achievementVersion: z.number().int(),
    status: z.enum(['preview', 'queued', 'running', 'completed', 'cancelled']),
    filename: z.string().nullable(),
    totalRows: z.number().int(),
    validRows: z.number().int(),
    invalidRows: z.number().int(),
    issued: z.number().int(),
    failed: z.number().int(),
    pending: z.number().int(),
    createdAt: z.iso.datetime(),
    confirmedAt: z.iso.datetime().nullable(),
    completedAt: z.iso.datetime().nullable(),
  })
  .openapi('Batch');

/** A batch as the API shows it, with its rows counted by state. */
export type BatchView = z.infer<typeof BatchSchema>;

export const ReportRowSchema = z
  .object({
    row: z.number().int(),
    email: z.string().nullable(),
    did: z.string().nullable(),
    name: z.string().nullable(),
    state: z.enum(['invalid', 'pending', 'issued', 'failed', 'cancelled']),
    credentialId: z.uuid().nullable(),
    errors: z.array(RowErrorSchema),
  })
  .openapi('BatchReportRow');

/** One row of a batch's report; rows still pending when their batch was cancelled are `cancelled`. */
export type ReportRow = z.infer<typeof ReportRowSchema>;
