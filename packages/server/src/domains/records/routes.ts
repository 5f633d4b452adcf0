import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { JsonObject } from '@skillproof/core';
import { access } from '../../http/access.js';
import type { AppEnv } from '../../http/env.js';
import { etagOf, matchesEtag } from '../../http/etag.js';
import { route } from '../../http/route.js';
import { errorResponse, jsonBody, jsonResponse } from '../../http/schemas.js';
import { createVerifier } from '../public/verifier.js';
import { exportClr, MAX_CLR_CREDENTIALS } from './clr.js';
import {
  deleteHeldCredential,
  importHeldCredential,
  listHeldCredentials,
  type HeldCredentialRow,
} from './held-credentials.js';
import { instanceDidDocument } from './instance-identity.js';

const TAGS = ['Learner records'];

const HeldCredentialImport = z
  .union([
    z.object({ credential: z.record(z.string(), z.unknown()) }).strict(),
    z.object({ jwt: z.string().trim().min(1).max(1_000_000) }).strict(),
  ])
  .openapi('HeldCredentialImport', {
    description: 'A credential with an embedded proof (`credential`), or a VC-JWT (`jwt`).',
  });

const HeldCredentialJson = z
  .object({
    id: z.uuid(),
    issuerId: z.string(),
    achievementUri: z.string().nullable(),
    credits: z.number().nullable(),
    validFrom: z.iso.datetime().nullable(),
    validUntil: z.iso.datetime().nullable(),
    verifiedAt: z.iso.datetime(),
    createdAt: z.iso.datetime(),
    document: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({ description: 'The credential as sent (JSON-LD).' }),
    jwt: z.string().nullable().openapi({ description: 'The credential as sent (VC-JWT).' }),
  })
  .openapi('HeldCredential');

const AwardJson = z.object({
  awardId: z.uuid(),
  achievementId: z.uuid(),
  credentialId: z.uuid(),
  generation: z.number().int(),
});

const importRoute = route({
  method: 'post',
  path: '/api/v1/me/held-credentials',
  access: access.signedIn({ scope: 'credentials:hold' }),
  summary: 'Hold a credential from another issuer',
  description:
    'Verifies the credential (proof, issuer key, validity, status) and that it was issued to your email address; ' +
    'then keeps it, so that pathways which trust its issuer count it, and evaluates them at once (`awards`: what that ' +
    'earned you). A credential that does not verify is refused with `ERR_CREDENTIAL_UNVERIFIED` and the checks that ' +
    'failed in `details.checks`; nothing is kept. The same credential sent again answers 200 with the kept one.',
  tags: TAGS,
  request: { body: jsonBody(HeldCredentialImport) },
  responses: {
    201: jsonResponse(
      'Verified and kept',
      z.object({ heldCredential: HeldCredentialJson, awards: z.array(AwardJson) }),
    ),
    200: jsonResponse('Already held', z.object({ heldCredential: HeldCredentialJson, awards: z.array(AwardJson) })),
    422: errorResponse('The credential did not verify (`ERR_CREDENTIAL_UNVERIFIED`)'),
  },
});

const listRoute = route({
  method: 'get',
  path: '/api/v1/me/held-credentials',
  access: access.signedIn({ scope: 'credentials:hold' }),
  summary: 'The credentials I hold from other issuers',
  description: 'Newest first.',
  tags: TAGS,
  responses: { 200: jsonResponse('Held credentials', z.object({ heldCredentials: z.array(HeldCredentialJson) })) },
});

const deleteRoute = route({
  method: 'delete',
  path: '/api/v1/me/held-credentials/{heldCredentialId}',
  access: access.signedIn({ scope: 'credentials:hold' }),
  summary: 'Stop holding a credential from another issuer',
  description: 'What it already earned stays earned.',
  tags: TAGS,
  request: { params: z.object({ heldCredentialId: z.string() }) },
  responses: {
    204: { description: 'Removed' },
    404: errorResponse('You hold no such credential'),
  },
});

const ClrRequestBody = z
  .object({
    credentialIds: z
      .array(z.uuid())
      .min(1)
      .max(MAX_CLR_CREDENTIALS)
      .optional()
      .openapi({ description: 'A selection (the CLR is then `partial`): credentials issued here, or held ones.' }),
    includeHeld: z
      .boolean()
      .default(false)
      .openapi({ description: 'Whole record: also the (JSON-LD) credentials held from other issuers.' }),
  })
  .strict()
  .openapi('ClrRequest');

const clrRoute = route({
  method: 'post',
  path: '/api/v1/me/clr',
  access: access.signedIn({ scope: 'credentials:read' }),
  summary: 'Export my record as a CLR 2.0 credential',
  description:
    'A ClrCredential signed by this instance (`did:web:<host>`, DID document at `/.well-known/did.json`), as Data ' +
    'Integrity (eddsa-rdfc-2022) `document` and VC-JWT `jwt`. It embeds each credential exactly as it was signed (each ' +
    'verifies on its own), lists their achievements, and states which achievement is part of which pathway ' +
    '(`isPartOf` associations). The whole record holds every standing credential issued to you here; `credentialIds` ' +
    'selects some (then `partial` is true). Someone else’s credential id is not found.',
  tags: TAGS,
  request: { body: jsonBody(ClrRequestBody) },
  responses: {
    200: jsonResponse(
      'The signed CLR',
      z.object({ document: z.record(z.string(), z.unknown()), jwt: z.string() }).openapi('SignedClr'),
    ),
    404: errorResponse('A selected credential is not yours'),
    409: errorResponse('Nothing to export, or a selected credential is revoked or suspended (`ERR_STATE`)'),
  },
});

const didRoute = route({
  method: 'get',
  path: '/.well-known/did.json',
  access: access.public('reads'),
  summary: 'This instance’s DID document (did:web)',
  description: 'The key the instance signs learners’ CLR exports with, as Multikey with its history.',
  tags: TAGS,
  responses: {
    200: {
      description: 'The DID document',
      content: { 'application/did+json': { schema: z.record(z.string(), z.unknown()) } },
    },
    304: { description: 'Not modified (If-None-Match)' },
  },
});

function heldJson(row: HeldCredentialRow): z.infer<typeof HeldCredentialJson> {
  return {
    id: row.id,
    issuerId: row.issuerId,
    achievementUri: row.achievementUri,
    credits: row.credits,
    validFrom: row.validFrom?.toISOString() ?? null,
    validUntil: row.validUntil?.toISOString() ?? null,
    verifiedAt: row.verifiedAt.toISOString(),
    createdAt: row.createdAt.toISOString(),
    document: row.document as Record<string, unknown> | null,
    jwt: row.jwt,
  };
}

/** A learner's record: credentials held from other issuers, the CLR export, and the instance identity that signs it. */
export function registerRecordRoutes(app: OpenAPIHono<AppEnv>): void {
  const verifier = createVerifier(app);

  app.openapi(importRoute, async (c) => {
    const principal = c.get('principal')!;
    const body = c.req.valid('json');
    const { held, created, awards } = await importHeldCredential(
      c.get('deps'),
      verifier,
      { id: principal.userId, email: principal.email },
      'jwt' in body ? { jwt: body.jwt } : { credential: body.credential as JsonObject },
    );
    return c.json({ heldCredential: heldJson(held), awards }, created ? 201 : 200);
  });

  app.openapi(listRoute, async (c) => {
    const rows = await listHeldCredentials(c.get('deps').db, c.get('principal')!.userId);
    return c.json({ heldCredentials: rows.map(heldJson) }, 200);
  });

  app.openapi(deleteRoute, async (c) => {
    await deleteHeldCredential(c.get('deps').db, c.get('principal')!.userId, c.req.valid('param').heldCredentialId);
    return c.body(null, 204);
  });

  app.openapi(clrRoute, async (c) => {
    const principal = c.get('principal')!;
    const { credentialIds, includeHeld } = c.req.valid('json');
    const clr = await exportClr(
      c.get('deps'),
      { id: principal.userId, email: principal.email },
      {
        credentialIds,
        includeHeld,
      },
    );
    return c.json(clr, 200);
  });

  app.openapi(didRoute, async (c) => {
    const deps = c.get('deps');
    const text = JSON.stringify(await instanceDidDocument(deps.db, deps));
    const headers = { 'Cache-Control': 'public, max-age=300', 'Access-Control-Allow-Origin': '*', ETag: etagOf(text) };
    if (matchesEtag(c.req.header('if-none-match'), headers.ETag)) return c.body(null, 304, headers);
    return c.body(text, 200, { ...headers, 'Content-Type': 'application/did+json' });
  });
}
