import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { AppError } from '../../errors.js';
import { access } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { route } from '../../http/route.js';
import { errorResponse } from '../../http/schemas.js';
import { addCheckpoint, findWitnessEvidence } from './add-checkpoint.js';
import { witnessCosigner } from './witness-key.js';

const TAGS = ['Witness'];
const TEXT = 'text/plain; charset=utf-8';
const CORS = { 'Access-Control-Allow-Origin': '*' };
/** An add-checkpoint body: 63 proof lines and a note well under this. */
const MAX_ADD_CHECKPOINT_BYTES = 64 * 1024;

const addCheckpointRoute = route({
  method: 'post',
  path: '/witness/add-checkpoint',
  access: access.public('public'),
  summary: 'Submit a log checkpoint for cosigning (C2SP tlog-witness)',
  description:
    'The C2SP tlog-witness submission API (the submission prefix is `/witness`). The body is `old <size>`, the ' +
    'RFC 6962 consistency proof from that size as base64 hash lines (at most 63; none when the size is 0), an empty ' +
    'line, then the checkpoint as a signed note. The witness cosigns checkpoints of the logs it is configured to ' +
    'witness (by their verifier keys) and keeps only the latest one per log. 404 for a log it does not witness, 403 ' +
    'when no trusted key signed the checkpoint, 400 when the old size exceeds the checkpoint’s, 409 with the size it ' +
    'last cosigned (`text/x.tlog.size`) when the old size is not that size, 409 `ERR_LOG_CONFLICT` for another root ' +
    'at the size it cosigned (a split view: kept as evidence), 422 when the consistency proof does not verify. On ' +
    'success, the cosignature line(s) (C2SP tlog-cosignature), each ending in a newline.',
  tags: TAGS,
  request: { body: { content: { 'text/plain': { schema: z.string() } } } },
  responses: {
    200: { description: 'The cosignature lines', content: { 'text/plain': { schema: z.string() } } },
    400: errorResponse('Malformed request, or the old size exceeds the checkpoint’s'),
    403: errorResponse('No trusted key of the log signed the checkpoint (`ERR_NOTE_UNVERIFIED`)'),
    404: errorResponse('This witness does not witness that log (`ERR_LOG_UNKNOWN`)'),
    409: {
      description:
        'The old size is not the size last cosigned (body: that size and a newline), or a split view (`ERR_LOG_CONFLICT`)',
      content: { 'text/x.tlog.size': { schema: z.string() } },
    },
    422: errorResponse('The consistency proof does not verify (`ERR_LOG_INCONSISTENT`)'),
  },
});

const vkeyRoute = route({
  method: 'get',
  path: '/witness/vkey',
  access: access.public('reads'),
  summary: 'The witness’s verifier key',
  description:
    'The cosignature verifier key of this instance’s witness (`<host>/witness+<key hash>+<base64(0x04 ‖ Ed25519 ' +
    'public key)>`, C2SP tlog-cosignature): what a log configures to ask it for cosignatures, and what verifiers ' +
    'trust to count its cosignatures.',
  tags: TAGS,
  responses: { 200: { description: 'The verifier key', content: { 'text/plain': { schema: z.string() } } } },
});

const Evidence = z.object({
  origin: z.string(),
  kind: z.enum(['split-view', 'inconsistent']),
  at: z.string(),
  witnessedSize: z.number().int(),
  witnessedNote: z.string(),
  conflictingSize: z.number().int(),
  conflictingNote: z.string(),
  proof: z.string(),
});

const evidenceRoute = route({
  method: 'get',
  path: '/witness/evidence',
  access: access.public('reads'),
  summary: 'Evidence of misbehaviour by witnessed logs',
  description:
    'Checkpoints validly signed by a log this instance witnesses that contradict the checkpoint it cosigned, newest ' +
    'first (at most 100): `split-view`, another root at the size it cosigned (proof of a fork by itself, both notes ' +
    'being signed by the log), or `inconsistent`, a larger checkpoint sent with a consistency proof that does not ' +
    'verify from the cosigned root (a rewritten history, or a client’s wrong proof: check with the log’s ' +
    '`/api/v1/log/consistency`). Public: the notes are signed statements the log made.',
  tags: TAGS,
  request: { query: z.object({ origin: z.string().max(1024).optional() }) },
  responses: {
    200: {
      description: 'The evidence',
      content: { 'application/json': { schema: z.object({ items: z.array(Evidence) }) } },
    },
  },
});

/** The instance as a C2SP tlog-witness of other logs: add-checkpoint, its verifier key, and the evidence it kept. */
export function registerWitnessRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(addCheckpointRoute, async (c) => {
    const deps = c.get('deps');
    const body = await c.req.text();
    if (body.length > MAX_ADD_CHECKPOINT_BYTES) {
      throw new AppError('ERR_INPUT_TOO_LARGE', `An add-checkpoint body is at most ${MAX_ADD_CHECKPOINT_BYTES} bytes.`);
    }
    const result = await addCheckpoint(deps.db, deps, body);
    if (result.kind === 'size-conflict') {
      return c.body(`${result.size}\n`, 409, { 'Content-Type': 'text/x.tlog.size' });
    }
    return c.body(result.lines.join(''), 200, { 'Content-Type': TEXT });
  });

  app.openapi(vkeyRoute, async (c) => {
    const deps = c.get('deps');
    const { verifierKey } = await witnessCosigner(deps.db, deps);
    return c.text(`${verifierKey}\n`, 200, { ...CORS, 'Cache-Control': 'public, max-age=300', 'Content-Type': TEXT });
  });

  app.openapi(evidenceRoute, async (c) => {
    const deps = c.get('deps');
    const { origin } = c.req.valid('query');
    const items = await findWitnessEvidence(deps.db, origin === undefined ? {} : { origin });
    return c.json({ items }, 200, { ...CORS, 'Cache-Control': 'no-cache' });
  });
}
