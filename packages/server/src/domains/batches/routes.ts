import { createHash, type Hash } from 'node:crypto';
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { AppError } from '../../errors.js';
import { access } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { route } from '../../http/route.js';
import { errorResponse, idempotencyKeyHeader, jsonResponse, OrgParams } from '../../http/schemas.js';
import { isUniqueViolation } from '../../db/errors.js';
import { loadAchievementVersion } from '../achievements/service.js';
import { BATCH_COLUMNS, CSV_LIMITS, parseBatchCsv } from './csv.js';
import { BatchSchema, ReportRowSchema, RowErrorSchema } from './schemas.js';
import { reportCsv } from './report-csv.js';
import {
  batchReport,
  cancelBatch,
  confirmBatch,
  createBatch,
  findBatchByKey,
  getBatch,
  previewRows,
  storedPreview,
} from './service.js';

const TAGS = ['Bulk issuance'];
const UPLOAD_PATH = /^\/api\/v1\/orgs\/[^/]+\/batches\/?$/;

/** The upload route, which has its own body limit ({@link CSV_LIMITS}.bytes) instead of the app's. */
export const isBatchUpload = (method: string, path: string): boolean => method === 'POST' && UPLOAD_PATH.test(path);

const RowDataSchema = z.partialRecord(z.enum(BATCH_COLUMNS), z.string());

const BatchParams = OrgParams.extend({ batchId: z.uuid() });

const IdempotencyKey = idempotencyKeyHeader(
  'Makes re-sending an upload safe: a second upload with the same key, achievement, file name and file answers ' +
    '200 with the batch the first made (its preview, same id, whatever its status now); with anything else, 422 ' +
    '`ERR_IDEMPOTENCY_MISMATCH`. Keys are kept per organisation, forever, apart from those of single issuance.',
);

const Preview = z.object({
  batch: BatchSchema,
  rows: z.array(z.object({ row: z.number().int(), data: RowDataSchema, errors: z.array(RowErrorSchema) })),
});

const upload = route({
  method: 'post',
  path: '/api/v1/orgs/{orgId}/batches',
  access: access.org('issuer', 'credentials:issue'),
  summary: 'Upload a CSV of recipients for preview',
  description:
    `The body is the CSV (\`text/csv\`, UTF-8, read as it streams), or a form with \`file\` and \`achievementId\`. ` +
    `Columns: ${BATCH_COLUMNS.join(', ')}; a header row is required, and \`email\` or \`did\` names each row's ` +
    `recipient (dates are ISO 8601). Every row is checked and stored; nothing is issued until the batch is ` +
    `confirmed. At most ${CSV_LIMITS.rows.toLocaleString('en')} rows, ${CSV_LIMITS.rowBytes / 1024} KiB a row, ` +
    `${CSV_LIMITS.bytes / 1024 / 1024} MiB in all. The answer lists every invalid row and the first 100 valid ones.`,
  tags: TAGS,
  request: {
    params: OrgParams,
    query: z.object({
      achievementId: z.uuid().optional().openapi({ description: 'Required unless the form carries it.' }),
      filename: z.string().max(255).optional(),
    }),
    headers: z.object({ 'idempotency-key': IdempotencyKey }),
    body: {
      content: {
        'text/csv': { schema: { type: 'string' } },
        'multipart/form-data': {
          schema: {
            type: 'object',
            properties: { file: { type: 'string', format: 'binary' }, achievementId: { type: 'string' } },
            required: ['file'],
          },
        },
      },
    },
  },
  responses: {
    201: jsonResponse('The batch, in preview, with its invalid rows and the first valid ones.', Preview),
    200: jsonResponse('A replay: the batch this Idempotency-Key already made, with the same preview.', Preview),
    400: errorResponse(
      'No header, unknown or repeated columns (`ERR_CSV_HEADER`), not UTF-8 (`ERR_CSV_ENCODING`), no rows.',
    ),
    404: errorResponse('No such achievement in this organisation.'),
    413: errorResponse('The file is too large or has too many rows (`ERR_INPUT_TOO_LARGE`).'),
    415: errorResponse('Neither `text/csv` nor a form (`ERR_UNSUPPORTED_MEDIA_TYPE`).'),
    422: errorResponse('The Idempotency-Key was used with another upload (`ERR_IDEMPOTENCY_MISMATCH`).'),
  },
});

const getOne = route({
  method: 'get',
  path: '/api/v1/orgs/{orgId}/batches/{batchId}',
  access: access.org('viewer', 'credentials:read'),
  summary: 'A batch and its progress',
  tags: TAGS,
  request: { params: BatchParams },
  responses: {
    200: jsonResponse('The batch.', z.object({ batch: BatchSchema })),
    404: errorResponse('No such batch.'),
  },
});

const confirm = route({
  method: 'post',
  path: '/api/v1/orgs/{orgId}/batches/{batchId}/confirm',
  access: access.org('issuer', 'credentials:issue'),
  summary: 'Confirm a previewed batch: its valid rows are issued in the background',
  description:
    'Exactly once: confirming a batch that is not in preview is `ERR_STATE` (409) with its status in ' +
    '`error.details.status`, so a retried request can never issue a batch twice.',
  tags: TAGS,
  request: { params: BatchParams },
  responses: {
    202: jsonResponse('Queued.', z.object({ batch: BatchSchema })),
    404: errorResponse('No such batch.'),
    409: errorResponse('The batch is not in preview (`ERR_STATE`).'),
  },
});

const cancel = route({
  method: 'post',
  path: '/api/v1/orgs/{orgId}/batches/{batchId}/cancel',
  access: access.org('issuer', 'credentials:issue'),
  summary: 'Cancel a batch: rows not yet issued never will be',
  description:
    'Credentials already issued stay issued (revoke them one by one). Answers once any chunk being issued has committed, so the counts are final.',
  tags: TAGS,
  request: { params: BatchParams },
  responses: {
    200: jsonResponse('Cancelled.', z.object({ batch: BatchSchema })),
    404: errorResponse('No such batch.'),
    409: errorResponse('The batch is completed or cancelled already (`ERR_STATE`).'),
  },
});

const events = route({
  method: 'get',
  path: '/api/v1/orgs/{orgId}/batches/{batchId}/events',
  access: access.org('viewer', 'credentials:read'),
  summary: 'Progress as Server-Sent Events',
  description:
    'A `progress` event (the batch as JSON) now and whenever its counts or status change, then a `done` event when ' +
    'it is completed or cancelled, and the stream ends.',
  tags: TAGS,
  request: { params: BatchParams },
  responses: {
    200: { description: 'The event stream.', content: { 'text/event-stream': { schema: { type: 'string' } } } },
    404: errorResponse('No such batch.'),
  },
});

const report = route({
  method: 'get',
  path: '/api/v1/orgs/{orgId}/batches/{batchId}/report',
  access: access.org('viewer', 'credentials:read'),
  summary: 'Every row of a batch with its outcome',
  description: 'JSON, or CSV with `Accept: text/csv` (row, email, did, name, state, credential_id, errors).',
  tags: TAGS,
  request: { params: BatchParams },
  responses: {
    200: {
      description: 'The report.',
      content: {
        'application/json': { schema: z.object({ batch: BatchSchema, rows: z.array(ReportRowSchema) }) },
        'text/csv': { schema: { type: 'string' } },
      },
    },
    404: errorResponse('No such batch.'),
  },
});

const PROGRESS_POLL_MS = 500;
const KEEP_ALIVE_MS = 15_000;

export function registerBatchesRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(upload, async (c) => {
    const deps = c.get('deps');
    const orgId = c.get('org')!.id;
    const key = c.req.valid('header')['idempotency-key'];
    const { source, achievementId, filename } = await csvSource(c, c.req.valid('query'));
    // Before reading the file: an unknown achievement should not cost a 64 MiB upload.
    await loadAchievementVersion(deps.db, orgId, achievementId);
    // The request an Idempotency-Key stands for: the achievement, the file name and the file's bytes.
    const hash = createHash('sha256').update(JSON.stringify([achievementId.toLowerCase(), filename]) + '\n');
    const { rows } = await parseBatchCsv(key === undefined ? source : hashed(source, hash), { now: deps.clock() });
    const idempotency = key === undefined ? undefined : { key, requestHash: hash.digest('base64url') };
    const replay = async () => {
      if (!idempotency) return undefined;
      const earlier = await findBatchByKey(deps.db, orgId, idempotency.key);
      if (earlier && earlier.requestHash !== idempotency.requestHash) {
        throw new AppError(
          'ERR_IDEMPOTENCY_MISMATCH',
          'This Idempotency-Key was used with another upload (achievement, file name or file); use a new key for a ' +
            'new batch.',
        );
      }
      return earlier && c.json(await storedPreview(deps.db, orgId, earlier.id), 200);
    };
    const earlier = await replay();
    if (earlier) return earlier;
    try {
      const batch = await createBatch(deps.db, {
        orgId,
        achievementId,
        filename,
        rows,
        principal: c.get('principal')!,
        now: deps.clock(),
        ...(idempotency && { idempotency }),
      });
      return c.json({ batch, rows: previewRows(rows) }, 201);
    } catch (e) {
      // A concurrent upload with the same key committed first: answer as its replay.
      const concurrent = isUniqueViolation(e) ? await replay() : undefined;
      if (concurrent) return concurrent;
      throw e;
    }
  });

  app.openapi(getOne, async (c) => {
    const { batchId } = c.req.valid('param');
    return c.json({ batch: await getBatch(c.get('deps').db, c.get('org')!.id, batchId) }, 200);
  });

  app.openapi(confirm, async (c) => {
    const deps = c.get('deps');
    const { batchId } = c.req.valid('param');
    const batch = await confirmBatch(deps.db, c.get('org')!.id, batchId, c.get('principal')!, deps.clock());
    deps.jobs?.wake();
    return c.json({ batch }, 202);
  });

  app.openapi(cancel, async (c) => {
    const deps = c.get('deps');
    const { batchId } = c.req.valid('param');
    const batch = await cancelBatch(deps.db, c.get('org')!.id, batchId, c.get('principal')!, deps.clock());
    return c.json({ batch }, 200);
  });

  app.openapi(events, async (c) => {
    const deps = c.get('deps');
    const orgId = c.get('org')!.id;
    const { batchId } = c.req.valid('param');
    let batch = await getBatch(deps.db, orgId, batchId);
    const stopped = AbortSignal.any([c.req.raw.signal, ...(deps.jobs?.signal ? [deps.jobs.signal] : [])]);
    return streamSSE(
      c,
      async (stream) => {
        let sent = '';
        let lastWrite = 0;
        while (!stream.aborted && !stopped.aborted) {
          const data = JSON.stringify(batch);
          const done = batch.status === 'completed' || batch.status === 'cancelled';
          if (data !== sent || done) {
            await stream.writeSSE({ event: done ? 'done' : 'progress', data });
            sent = data;
            lastWrite = Date.now();
          } else if (Date.now() - lastWrite >= KEEP_ALIVE_MS) {
            await stream.write(': keep-alive\n\n');
            lastWrite = Date.now();
          }
          if (done) break;
          await stream.sleep(PROGRESS_POLL_MS);
          batch = await getBatch(deps.db, orgId, batchId);
        }
      },
      async (err) => deps.logger.error({ err, batchId }, 'batch progress stream failed'),
    );
  });

  app.openapi(report, async (c) => {
    const deps = c.get('deps');
    const { batchId } = c.req.valid('param');
    const result = await batchReport(deps.db, c.get('org')!.id, batchId);
    if (prefersCsv(c.req.header('accept'))) {
      c.header('content-disposition', `attachment; filename="batch-${batchId}-report.csv"`);
      return c.body(reportCsv(result.rows), 200, { 'content-type': 'text/csv; charset=utf-8' });
    }
    return c.json(result, 200);
  });
}

/** The CSV's bytes as they arrive (or the form's file), with the achievement and file name from wherever they came. */
async function csvSource(
  c: Context<AppEnv>,
  query: { achievementId?: string | undefined; filename?: string | undefined },
): Promise<{ source: AsyncIterable<Uint8Array>; achievementId: string; filename: string | null }> {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  const charset = /;\s*charset="?([^";\s]+)/.exec(type)?.[1];
  if (charset && !/^utf-?8$/.test(charset)) {
    throw new AppError('ERR_CSV_ENCODING', `The CSV is sent as ${charset}; send it as UTF-8.`);
  }
  let achievementId = query.achievementId;
  if (/^(text|application)\/csv\b/.test(type)) {
    if (!achievementId) throw new AppError('ERR_VALIDATION', 'achievementId: required (as a query parameter).');
    return { source: chunks(c.req.raw.body), achievementId, filename: query.filename ?? null };
  }
  if (type.startsWith('multipart/form-data')) {
    const form = await c.req.formData();
    const file = form.get('file');
    const field = form.get('achievementId');
    achievementId ??= typeof field === 'string' ? field : undefined;
    if (!(file instanceof File)) throw new AppError('ERR_VALIDATION', 'file: required (the CSV file).');
    if (!achievementId || !z.uuid().safeParse(achievementId).success) {
      throw new AppError('ERR_VALIDATION', 'achievementId: required, the id of one of your achievements.');
    }
    return {
      source: chunks(file.stream()),
      achievementId,
      filename: (query.filename ?? file.name.slice(0, 255)) || null,
    };
  }
  throw new AppError('ERR_UNSUPPORTED_MEDIA_TYPE', 'Send the CSV as text/csv, or as the file of a multipart form.');
}

/** The bytes of `source`, added to `hash` as they pass. */
async function* hashed(source: AsyncIterable<Uint8Array>, hash: Hash): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    hash.update(chunk);
    yield chunk;
  }
}

async function* chunks(stream: ReadableStream<Uint8Array> | null): AsyncGenerator<Uint8Array> {
  if (!stream) return;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

function prefersCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  const q = (type: string) => {
    const part = accept.split(',').find((p) => p.trim().toLowerCase().startsWith(type));
    if (!part) return 0;
    const m = /;\s*q=([0-9.]+)/.exec(part);
    return m ? Number(m[1]) : 1;
  };
  return q('text/csv') > Math.max(q('application/json'), 0);
}
