import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { parseTilePath } from '@skillproof/core';
import { AppError } from '../../errors.js';
import { access } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { etagOf, matchesEtag } from '../../http/etag.js';
import { route } from '../../http/route.js';
import { errorResponse } from '../../http/schemas.js';
import { logConsistencyProof } from './consistency.js';
import { logVerifierKey } from './log-key.js';
import { credentialIdOf, credentialLogProof, servedCheckpoint, servedTile } from './serve.js';

const TAGS = ['Transparency log'];
const TEXT = 'text/plain; charset=utf-8';
/** Tiles and entry bundles never change once served (a partial tile `.p/W` is the first W hashes forever). */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const CORS = { 'Access-Control-Allow-Origin': '*' };

const text = (description: string) => ({ description, content: { 'text/plain': { schema: z.string() } } });

const checkpointRoute = route({
  method: 'get',
  path: '/log/checkpoint',
  access: access.public('reads'),
  summary: 'The log’s latest checkpoint',
  description:
    'This instance’s transparency log (one per instance, origin `<host>/log`) records every issuance, revocation, ' +
    'suspension and reinstatement and every organisation key added or revoked. Its latest checkpoint is a C2SP ' +
    'tlog-checkpoint (origin, tree size, base64 root hash) signed as a C2SP signed note by the log key ' +
    '(`/log/vkey`). Revalidate on every read (ETag).',
  tags: TAGS,
  responses: { 200: text('The signed checkpoint'), 304: { description: 'Not modified (If-None-Match)' } },
});

const tileRoute = route({
  method: 'get',
  path: '/log/tile/*',
  access: access.public('reads'),
  summary: 'A tile or entry bundle of the log',
  description:
    'C2SP tlog-tiles, tile height 8: `/log/tile/<L>/<N>[.p/<W>]` holds the level-8L hashes 256N… (32 bytes each), ' +
    '`/log/tile/entries/<N>[.p/<W>]` the leaves 256N… as big-endian uint16-length-prefixed entries; N is written in ' +
    '3-digit groups (`x001/x234/067`) and `.p/<W>` is a partial tile of W < 256. Served for the latest checkpoint’s ' +
    'tree, immutable (cache forever). A malformed path is `ERR_TILE_PATH_INVALID`; one the tree does not reach, 404.',
  tags: TAGS,
  responses: {
    200: {
      description: 'The tile',
      content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
    },
    400: errorResponse('Not a tile path (`ERR_TILE_PATH_INVALID`)'),
    404: errorResponse('The log has no such tile yet'),
  },
});

const vkeyRoute = route({
  method: 'get',
  path: '/log/vkey',
  access: access.public('reads'),
  summary: 'The log’s verifier key',
  description:
    'The signed-note verifier key of the checkpoints (`<origin>+<key hash>+<base64(0x01 ‖ Ed25519 public key)>`, as ' +
    'golang.org/x/mod/sumdb/note writes it): what a witness or an auditor configures to check them.',
  tags: TAGS,
  responses: { 200: text('The verifier key') },
});

const proofRoute = (path: '/api/v1/log/proof' | '/log/proof') =>
  route({
    method: 'get',
    path,
    access: access.public('reads'),
    summary: 'A credential’s proof of inclusion in the log',
    description:
      'C2SP tlog-proof@v1: the credential’s issuance leaf (the `extra` line), its index, the inclusion proof against ' +
      'the latest checkpoint, and that signed checkpoint. The same at `/api/v1/log/proof`, `/log/proof` (what the ' +
      'issuer’s DID document names) and `/credentials/<id>.tlog-proof`. A credential issued after the ' +
      'latest checkpoint is `ERR_STATE` with Retry-After until the log integrates it (within seconds).',
    tags: TAGS,
    request: {
      query: z.object({
        credential: z.string().max(2048).openapi({
          description: 'The credential’s uuid or its id (URL).',
          example: '0f8fad5b-d9cb-469f-a165-70867728950e',
        }),
      }),
    },
    responses: {
      200: text('The proof'),
      400: errorResponse('Not a credential id of this instance'),
      404: errorResponse('The log holds no such credential'),
      409: errorResponse('Not yet in a signed checkpoint (`ERR_STATE`, Retry-After)'),
    },
  });

const consistencyRoute = route({
  method: 'get',
  path: '/api/v1/log/consistency',
  access: access.public('reads'),
  summary: 'A consistency proof between two sizes of the log',
  description:
    'The RFC 9162 consistency proof that the log’s tree of `to` leaves extends its tree of `from` leaves, as base64 ' +
    'hashes one a line (the form C2SP tlog-witness sends): how a witness, monitor or auditor holding an older ' +
    'checkpoint checks the served one. `to` defaults to the served checkpoint’s size; empty when `from` is 0 or ' +
    'equals `to`. `ERR_VALIDATION` when `from` > `to` or `to` is beyond the served checkpoint.',
  tags: TAGS,
  request: {
    query: z.object({
      from: z.coerce.number().int().min(0).openapi({ description: 'The older tree size.', example: 1000 }),
      to: z.coerce
        .number()
        .int()
        .min(0)
        .optional()
        .openapi({ description: 'The newer tree size (default: the served checkpoint’s).', example: 1200 }),
    }),
  },
  responses: { 200: text('The proof: base64 hash lines'), 400: errorResponse('`from` > `to`, or `to` not served') },
});

/** The transparency log: checkpoint, tiles, verifier key and credentials' inclusion proofs, all public. */
export function registerLedgerRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(checkpointRoute, async (c) => {
    const deps = c.get('deps');
    const { note } = await servedCheckpoint(deps.db, deps);
    const headers = { ...CORS, 'Cache-Control': 'public, max-age=0, must-revalidate', ETag: etagOf(note) };
    if (matchesEtag(c.req.header('if-none-match'), headers.ETag)) return c.body(null, 304, headers);
    return c.text(note, 200, { ...headers, 'Content-Type': TEXT });
  });

  app.openapi(tileRoute, async (c) => {
    const deps = c.get('deps');
    const path = c.req.path.slice('/log/'.length);
    const bytes = await servedTile(deps.db, deps, path, parseTilePath(path));
    // Database bytes and core's bundles are plain ArrayBuffers, never shared ones.
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      ...CORS,
      'Cache-Control': IMMUTABLE,
      'Content-Type': 'application/octet-stream',
    });
  });

  app.openapi(vkeyRoute, async (c) => {
    const deps = c.get('deps');
    const vkey = await logVerifierKey(deps.db, deps);
    return c.text(`${vkey}\n`, 200, { ...CORS, 'Cache-Control': 'public, max-age=300', 'Content-Type': TEXT });
  });

  app.openapi(consistencyRoute, async (c) => {
    const deps = c.get('deps');
    const { from, to: asked } = c.req.valid('query');
    const { size } = await servedCheckpoint(deps.db, deps);
    const to = asked ?? size;
    if (to > size) {
      throw new AppError('ERR_VALIDATION', `to: the served checkpoint has ${size} leaves; ask for at most that.`);
    }
    if (from > to) throw new AppError('ERR_VALIDATION', `from: at most to (${to}).`);
    const proof = await logConsistencyProof(deps.db, from, to);
    const body = proof.map((h) => `${Buffer.from(h).toString('base64')}\n`).join('');
    // Between two given sizes the proof never changes; with `to` defaulted it follows the served checkpoint.
    const cache = asked === undefined ? 'public, max-age=0, must-revalidate' : IMMUTABLE;
    return c.text(body, 200, { ...CORS, 'Cache-Control': cache, 'Content-Type': TEXT });
  });

  for (const path of ['/api/v1/log/proof', '/log/proof'] as const) {
    app.openapi(proofRoute(path), async (c) => {
      const deps = c.get('deps');
      const { credential } = c.req.valid('query');
      const id = credentialIdOf(deps.publicUrl, credential);
      if (!id) {
        throw new AppError('ERR_VALIDATION', `credential: a credential uuid or ${deps.publicUrl}/credentials/<uuid>.`);
      }
      return c.text(await credentialLogProof(deps.db, deps, id), 200, {
        ...CORS,
        'Cache-Control': 'public, max-age=60',
        'Content-Type': TEXT,
      });
    });
  }
}
