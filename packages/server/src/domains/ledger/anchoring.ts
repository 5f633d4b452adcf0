import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { parseCheckpoint, parseNote } from '@skillproof/core';
import type { Kysely, Selectable } from 'kysely';
import type { Database, LogAnchorsTable } from '../../db/schema.js';
import { access } from '../../http/access.js';
import { AppError } from '../../errors.js';
import type { AppDeps, AppEnv } from '../../http/env.js';
import { route } from '../../http/route.js';
import type { AnchoredCheckpoint, LogAnchor } from './anchors.js';
import { servedCheckpoint } from './serve.js';

/** How often, by default, the newest checkpoint is anchored (when the log has grown since the last receipt). */
export const DEFAULT_ANCHOR_INTERVAL_SECONDS = 900;

type AnchorRow = Selectable<LogAnchorsTable>;

/** The checkpoint a note states, as anchors receive it. */
function anchoredCheckpoint(note: string): AnchoredCheckpoint {
  const { origin, size, rootHash } = parseCheckpoint(parseNote(note).text);
  return { origin, size, rootHash, note };
}

/**
 * A background job step that sends the served checkpoint to every configured anchor when the log has grown since that
 * anchor's last receipt, at most once per interval (default 15 minutes; anchoring costs the service a request, and a
 * timestamp every few minutes bounds backdating as well as one a second would). Receipts are stored with the note as
 * anchored. A failing anchor is logged and tried again at the next interval; it never holds up the others. With no
 * anchors configured (the default) the step does nothing.
 *
 * @example
 * ```ts
 * const anchor = logAnchoringStep(deps);
 * await anchor(); // always false: anchoring never leaves work waiting
 * ```
 */
export function logAnchoringStep(
  deps: Pick<AppDeps, 'db' | 'keys' | 'clock' | 'publicUrl' | 'logger' | 'ledger'>,
  options: { signal?: AbortSignal } = {},
): () => Promise<boolean> {
  const anchors = deps.ledger?.anchors ?? [];
  const intervalMs = (deps.ledger?.anchorIntervalSeconds ?? DEFAULT_ANCHOR_INTERVAL_SECONDS) * 1000;
  let lastAt = -Infinity;
  return async () => {
    const now = deps.clock().getTime();
    if (anchors.length === 0 || now - lastAt < intervalMs) return false;
    const served = await servedCheckpoint(deps.db, deps).catch((e: unknown) => {
      // With a witness quorum required, nothing is served until the first cosignatures: try again later.
      if (e instanceof AppError && e.code === 'ERR_UNAVAILABLE') return undefined;
      throw e;
    });
    if (!served) return false;
    lastAt = now;
    const { note, size } = served;
    for (const anchor of anchors) {
      const latest = await deps.db
        .selectFrom('logAnchors')
        .select((eb) => eb.fn.max('size').as('size'))
        .where('anchor', '=', anchor.name)
        .executeTakeFirst();
      if (latest?.size != null && latest.size >= size) continue;
      await anchorCheckpoint(deps, anchor, note, options.signal ?? new AbortController().signal);
    }
    return false;
  };
}

/** Anchors one checkpoint note with one anchor and stores the receipt; a failure is logged, not thrown. */
export async function anchorCheckpoint(
  deps: Pick<AppDeps, 'db' | 'clock' | 'logger'>,
  anchor: LogAnchor,
  note: string,
  signal: AbortSignal,
): Promise<AnchorRow | undefined> {
  const checkpoint = anchoredCheckpoint(note);
  try {
    const { at, receipt } = await anchor.anchor(checkpoint, signal);
    return await deps.db
      .insertInto('logAnchors')
      .values({
        anchor: anchor.name,
        size: checkpoint.size,
        rootHash: checkpoint.rootHash,
        note,
        anchoredAt: at,
        receipt,
        createdAt: deps.clock(),
      })
      .onConflict((oc) => oc.columns(['anchor', 'size']).doNothing())
      .returningAll()
      .executeTakeFirst();
  } catch (e) {
    deps.logger.warn(
      { err: e, anchor: anchor.name, size: checkpoint.size },
      'Anchoring the log checkpoint failed; retrying at the next interval',
    );
    return undefined;
  }
}

/**
 * Checks every stored receipt against the anchor that made it (matched by name): a receipt whose anchor is no longer
 * configured is reported as unchecked. What an operator or an auditor runs to confirm the anchors still hold.
 *
 * @example
 * ```ts
 * const results = await verifyStoredAnchors(db, deps.ledger?.anchors ?? []);
 * ```
 */
export async function verifyStoredAnchors(
  db: Kysely<Database>,
  anchors: readonly LogAnchor[],
): Promise<Array<{ anchor: string; size: number; verified: boolean | undefined }>> {
  const rows = await db.selectFrom('logAnchors').selectAll().orderBy('size').orderBy('anchor').execute();
  const out = [];
  for (const row of rows) {
    const anchor = anchors.find((a) => a.name === row.anchor);
    const verified = anchor
      ? await anchor.verify(anchoredCheckpoint(row.note), { at: row.anchoredAt, receipt: row.receipt })
      : undefined;
    out.push({ anchor: row.anchor, size: row.size, verified });
  }
  return out;
}

const AnchorReceipt = z
  .object({
    anchor: z.string().openapi({ example: 'rfc3161:tsa.example.org' }),
    size: z.number().int(),
    rootHash: z.string().openapi({ description: 'Base64, as in the checkpoint.' }),
    note: z
      .string()
      .openapi({ description: 'The checkpoint note exactly as anchored (the receipt covers its SHA-256).' }),
    anchoredAt: z.string().openapi({ format: 'date-time', description: 'The time the anchor states.' }),
    receipt: z
      .string()
      .openapi({ description: 'The anchor’s evidence, e.g. an RFC 3161 TimeStampToken (base64 DER).' }),
  })
  .openapi('LogAnchorReceipt');

const anchorsRoute = route({
  method: 'get',
  path: '/api/v1/log/anchors',
  access: access.public('reads'),
  summary: 'Receipts of the log’s checkpoints anchored externally',
  description:
    'When the operator configures anchors (RFC 3161 time-stamping authorities, or other plugins), the newest ' +
    'checkpoint is anchored every 15 minutes while the log grows. Each receipt shows that the checkpoint, and so every ' +
    'entry under it, existed by the anchor’s time, on the anchor’s word. Newest first, at most 100; `before` pages.',
  tags: ['Transparency log'],
  request: {
    query: z.object({
      before: z.coerce.number().int().min(0).optional().openapi({ description: 'Only checkpoints smaller than this.' }),
    }),
  },
  responses: {
    200: {
      description: 'The receipts',
      content: { 'application/json': { schema: z.object({ anchors: z.array(AnchorReceipt) }) } },
    },
  },
});

/** GET /api/v1/log/anchors. */
export function registerAnchorRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(anchorsRoute, async (c) => {
    const { before } = c.req.valid('query');
    let query = c
      .get('deps')
      .db.selectFrom('logAnchors')
      .selectAll()
      .orderBy('size', 'desc')
      .orderBy('anchor')
      .limit(100);
    if (before !== undefined) query = query.where('size', '<', before);
    const rows = await query.execute();
    return c.json(
      {
        anchors: rows.map((r) => ({
          anchor: r.anchor,
          size: r.size,
          rootHash: Buffer.from(r.rootHash).toString('base64'),
          note: r.note,
          anchoredAt: r.anchoredAt.toISOString(),
          receipt: r.receipt,
        })),
      },
      200,
      { 'Access-Control-Allow-Origin': '*' },
    );
  });
}
