import { createHash } from 'node:crypto';
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { AppError } from '../../errors.js';
import { access } from '../../http/access.js';
import type { AppDeps, AppEnv, Principal } from '../../http/env.js';
import { PageQuery } from '../../http/pagination.js';
import { etagOf, matchesEtag } from '../../http/etag.js';
import { route } from '../../http/route.js';
import {
  errorResponse,
  htmlResponse,
  idempotencyKeyHeader,
  isUuid,
  jsonBody,
  jsonResponse,
  OrgParams,
} from '../../http/schemas.js';
import { isUniqueViolation } from '../../db/errors.js';
import type { CredentialRow } from '../../db/schema.js';
import { accountView } from '../auth/accounts.js';
import { EmailInput, NewPassword, UserSchema } from '../auth/schemas.js';
import { setSessionCookie } from '../auth/sessions.js';
import { claimGonePage, claimPage, sendClaimPage } from './claim-page.js';
import { claimCredential, findPendingClaim, heldCredentials, setNamePublic } from './claims.js';
import {
  changeCredentialState,
  credentialView,
  getCredential,
  listCredentials,
  type StateChange,
} from './credentials.js';
import { DID_PATTERN, issueCredentials, type IssueItem } from './issue.js';
import { CREDENTIAL_STATES, CredentialSchema } from './schemas.js';
import { signedStatusList } from './status-lists.js';

const TAGS = ['Issuing'];

const SignedCredential = z
  .object({
    credential: CredentialSchema,
    document: z.record(z.string(), z.unknown()).openapi({ description: 'The Data Integrity (eddsa-rdfc-2022) form.' }),
    jwt: z.string().openapi({ description: 'The Open Badges 3.0 VC-JWT form (EdDSA).' }),
  })
  .openapi('SignedCredential');

const Did = z
  .string()
  .max(2048)
  .regex(DID_PATTERN, { error: 'must be a DID (did:method:id)' })
  .openapi({ example: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK' });

const DateTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2026-09-01T00:00:00Z' });

const IssueBody = z.strictObject({
  achievementId: z.uuid(),
  recipient: z
    .strictObject({ email: EmailInput.optional(), did: Did.optional() })
    .refine((r) => (r.email === undefined) !== (r.did === undefined), { error: 'give exactly one of email or did' })
    .openapi({ description: 'Exactly one of `email` (hashed and salted in the credential) or `did`.' }),
  name: z.string().trim().min(1).max(200).optional().openapi({ description: 'Written into the credential.' }),
  validFrom: DateTime.optional(),
  validUntil: DateTime.optional().openapi({ description: 'Default: validFrom + the achievement’s validityDays.' }),
  notify: z.boolean().default(true).openapi({ description: 'Mail an email recipient a claim link.' }),
});

const IdempotencyKey = idempotencyKeyHeader(
  'Makes retries safe: a second request with the same key and body answers 200 with the credential the first ' +
    'made; with another body, 422 `ERR_IDEMPOTENCY_MISMATCH`. Keys are kept per organisation, forever.',
);

const CredentialParams = OrgParams.extend({ credentialId: z.string() });
const Reason = z.string().trim().min(1).max(1000);

const issueRoute = route({
  method: 'post',
  path: '/api/v1/orgs/{orgId}/credentials',
  access: access.org('issuer', 'credentials:issue'),
  summary: 'Issue a credential',
  description:
    'Signs an Open Badges 3.0 credential for one recipient, in Data Integrity and VC-JWT form, with a revocation ' +
    'entry (and a suspension entry when the organisation’s `suspendableCredentials` is on), and (for an email ' +
    'recipient, unless `notify` is false) mails a claim link.',
  tags: TAGS,
  request: {
    params: OrgParams,
    headers: z.object({ 'idempotency-key': IdempotencyKey }),
    body: jsonBody(IssueBody),
  },
  responses: {
    201: jsonResponse('Issued.', SignedCredential),
    200: jsonResponse('A replay: the credential this Idempotency-Key already issued.', SignedCredential),
    400: errorResponse('The input is invalid (`ERR_VALIDATION`).'),
    404: errorResponse('No such achievement in this organisation (`ERR_NOT_FOUND`).'),
    409: errorResponse('The achievement is archived, or the organisation has no signing key (`ERR_STATE`).'),
    422: errorResponse('The Idempotency-Key was used with another request (`ERR_IDEMPOTENCY_MISMATCH`).'),
  },
});

const listRoute = route({
  method: 'get',
  path: '/api/v1/orgs/{orgId}/credentials',
  access: access.org('viewer', 'credentials:read'),
  summary: 'List credentials',
  description: 'Newest first. Pass `nextCursor` as `cursor` for the next page.',
  tags: TAGS,
  request: {
    params: OrgParams,
    query: z.object({
      achievementId: z.uuid().optional(),
      state: z.enum(CREDENTIAL_STATES).optional(),
      batchId: z.uuid().optional(),
      ...PageQuery.shape,
    }),
  },
  responses: {
    200: jsonResponse(
      'A page of credentials.',
      z.object({ credentials: z.array(CredentialSchema), nextCursor: z.string().nullable() }),
    ),
    400: errorResponse('A filter or the cursor is invalid (`ERR_VALIDATION`).'),
  },
});

const getRoute = route({
  method: 'get',
  path: '/api/v1/orgs/{orgId}/credentials/{credentialId}',
  access: access.org('viewer', 'credentials:read'),
  summary: 'Get a credential',
  tags: TAGS,
  request: { params: CredentialParams },
  responses: {
    200: jsonResponse('The credential and its signed forms.', SignedCredential),
    404: errorResponse('No such credential in this organisation (`ERR_NOT_FOUND`).'),
  },
});

function stateRoute(change: StateChange, summary: string, reason: 'required' | 'optional') {
  return route({
    method: 'post',
    path: `/api/v1/orgs/{orgId}/credentials/{credentialId}/${change}`,
    access: access.org('issuer', 'credentials:revoke'),
    summary,
    description:
      'Changes the credential’s bit in its status list; verifiers see the change on their next fetch of the list. ' +
      'Revocation is final. Only a credential issued with a suspension entry (`suspendable`) can be suspended.',
    tags: TAGS,
    request: {
      params: CredentialParams,
      body:
        reason === 'required'
          ? jsonBody(z.strictObject({ reason: Reason }))
          : {
              required: false,
              content: { 'application/json': { schema: z.strictObject({ reason: Reason.optional() }) } },
            },
    },
    responses: {
      200: jsonResponse('Changed.', z.object({ credential: CredentialSchema })),
      400: errorResponse('The input is invalid (`ERR_VALIDATION`).'),
      404: errorResponse('No such credential in this organisation (`ERR_NOT_FOUND`).'),
      409: errorResponse(
        'The change does not apply to the credential’s state, or the credential has no suspension entry (`ERR_STATE`).',
      ),
    },
  });
}

const revokeRoute = stateRoute('revoke', 'Revoke a credential (final)', 'required');
const suspendRoute = stateRoute('suspend', 'Suspend a credential', 'required');
const unsuspendRoute = stateRoute('unsuspend', 'Reinstate a suspended credential', 'optional');

const statusListRoute = route({
  method: 'get',
  path: '/status/{listId}',
  access: access.public('reads'),
  summary: 'A status list credential',
  description:
    'The signed BitstringStatusListCredential that credentials’ `credentialStatus` entries point at. Revalidate on ' +
    'every use (`max-age=0, must-revalidate`, with an ETag): a revocation or suspension shows at once.',
  tags: TAGS,
  request: {
    params: z.object({ listId: z.string() }),
    headers: z.object({ 'if-none-match': z.string().optional() }),
  },
  responses: {
    200: {
      description: 'The list credential.',
      content: { 'application/vc+ld+json': { schema: z.record(z.string(), z.unknown()) } },
    },
    304: { description: 'Not modified since the ETag sent in If-None-Match.' },
    404: errorResponse('No such status list (`ERR_NOT_FOUND`).'),
  },
});

const ClaimToken = z.object({ token: z.string().max(200) });

const claimPageRoute = route({
  method: 'get',
  path: '/claim/{token}',
  access: access.public('public'),
  hide: true,
  summary: 'The page a claim link opens',
  tags: TAGS,
  request: { params: ClaimToken },
  responses: {
    200: htmlResponse('The claim page.'),
    404: htmlResponse('The link is not valid.'),
    410: htmlResponse('The credential has been claimed.'),
  },
});

const claimFormRoute = route({
  method: 'post',
  path: '/claim/{token}',
  access: access.public('public'),
  hide: true,
  summary: 'The claim page’s form',
  tags: TAGS,
  request: {
    params: ClaimToken,
    body: {
      required: true,
      content: {
        'application/x-www-form-urlencoded': {
          schema: z.object({
            password: z.string().max(1024).optional(),
            name: z.string().max(200).optional(),
            _csrf: z.string().max(200).optional(),
          }),
        },
      },
    },
  },
  responses: {
    303: { description: 'Claimed: on to the credential’s page (signed in, if the claim made the account).' },
    400: htmlResponse('The form again, with what to correct.'),
    404: htmlResponse('The link is not valid.'),
    409: htmlResponse('Sign in first.'),
    410: htmlResponse('The credential has been claimed.'),
  },
});

const claimApiRoute = route({
  method: 'post',
  path: '/api/v1/claims',
  access: access.public('public'),
  summary: 'Claim a credential',
  description:
    'Redeems the token from a claim mail: the credential is attached to the signed-in account (sessions send ' +
    'X-CSRF-Token), or a learner account is created for the recipient’s email with `password` and signed in. ' +
    'A token works once.',
  tags: TAGS,
  request: {
    body: jsonBody(
      z.strictObject({
        token: z.string().max(200),
        password: NewPassword.optional().openapi({ description: 'Creates the account (visitors only).' }),
        name: z.string().trim().min(1).max(200).optional(),
      }),
    ),
  },
  responses: {
    200: jsonResponse(
      'Claimed. A new account is signed in: the `sp_session` cookie is set and its CSRF token returned.',
      z.object({ credential: CredentialSchema, user: UserSchema, csrfToken: z.string().nullable() }),
    ),
    400: errorResponse('The input is invalid, or a visitor sent no password (`ERR_VALIDATION`).'),
    403: errorResponse('A session without its CSRF token (`ERR_CSRF`).'),
    404: errorResponse('No credential has this token (`ERR_NOT_FOUND`).'),
    409: errorResponse('The recipient has an account already: sign in, then claim (`ERR_EMAIL_TAKEN`).'),
    410: errorResponse('The credential has been claimed (`ERR_GONE`).'),
  },
});

const myCredentialsRoute = route({
  method: 'get',
  path: '/api/v1/me/credentials',
  access: access.signedIn({ scope: 'credentials:read' }),
  summary: 'The credentials I hold',
  description: 'Credentials claimed by this account, newest claim first.',
  tags: TAGS,
  responses: {
    200: jsonResponse('Held credentials.', z.object({ credentials: z.array(SignedCredential) })),
  },
});

const myCredentialRoute = route({
  method: 'patch',
  path: '/api/v1/me/credentials/{credentialId}',
  access: access.signedIn(),
  summary: 'Show or hide my name on a credential’s public page',
  tags: TAGS,
  request: {
    params: z.object({ credentialId: z.string() }),
    body: jsonBody(z.strictObject({ namePublic: z.boolean() })),
  },
  responses: {
    200: jsonResponse('Changed.', z.object({ credential: CredentialSchema })),
    404: errorResponse('You hold no such credential (`ERR_NOT_FOUND`).'),
  },
});

const signed = (deps: AppDeps, row: CredentialRow) => ({
  credential: credentialView(deps.publicUrl, row),
  document: row.document,
  jwt: row.jwt,
});

/** The request an Idempotency-Key stands for, normalised, so that a replay is recognised whatever its JSON layout. */
function requestHash(body: z.infer<typeof IssueBody>): string {
  const canonical = JSON.stringify([
    body.achievementId,
    body.recipient.email?.toLowerCase() ?? null,
    body.recipient.did ?? null,
    body.name ?? null,
    body.validFrom ? new Date(body.validFrom).toISOString() : null,
    body.validUntil ? new Date(body.validUntil).toISOString() : null,
    body.notify,
  ]);
  return createHash('sha256').update(canonical).digest('base64url');
}

/** Unsafe requests from a session carry its CSRF token, also on routes anyone may call. */
function checkSessionCsrf(principal: Principal | null, sent: string | undefined): void {
  if (principal?.via === 'session' && sent !== principal.csrfToken) {
    throw new AppError('ERR_CSRF', 'Missing or wrong CSRF token: send the X-CSRF-Token header your session was given.');
  }
}

async function claimPageError(c: Context<AppEnv>, e: unknown) {
  if (e instanceof AppError && e.code === 'ERR_NOT_FOUND') return sendClaimPage(c, claimGonePage(e.message), 404);
  if (e instanceof AppError && e.code === 'ERR_GONE') return sendClaimPage(c, claimGonePage(e.message), 410);
  throw e;
}

/** Issuing: credentials, their status, status lists, claims, and the credentials a learner holds. */
export function registerIssuingRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(issueRoute, async (c) => {
    const deps = c.get('deps');
    const orgId = c.get('org')!.id;
    const body = c.req.valid('json');
    const key = c.req.valid('header')['idempotency-key'];
    const hash = key === undefined ? undefined : requestHash(body);
    const replay = async () => {
      if (key === undefined) return undefined;
      const row = await deps.db
        .selectFrom('credentials')
        .selectAll()
        .where('orgId', '=', orgId)
        .where('idempotencyKey', '=', key)
        .executeTakeFirst();
      if (row && row.requestHash !== hash) {
        throw new AppError(
          'ERR_IDEMPOTENCY_MISMATCH',
          'This Idempotency-Key was used with a different request; use a new key for a new credential.',
        );
      }
      return row && c.json(signed(deps, row), 200);
    };
    const earlier = await replay();
    if (earlier) return earlier;
    const item: IssueItem = {
      recipient: body.recipient.email !== undefined ? { email: body.recipient.email } : { did: body.recipient.did! },
      ...(body.name !== undefined && { name: body.name }),
      ...(body.validFrom !== undefined && { validFrom: new Date(body.validFrom) }),
      ...(body.validUntil !== undefined && { validUntil: new Date(body.validUntil) }),
      ...(key !== undefined && { idempotencyKey: key, requestHash: hash! }),
      notify: body.notify,
    };
    try {
      const [row] = await deps.db.transaction().execute((tx) =>
        issueCredentials(tx, deps, {
          orgId,
          achievementId: body.achievementId,
          items: [item],
          actor: c.get('principal'),
        }),
      );
      return c.json(signed(deps, row!), 201);
    } catch (e) {
      // A concurrent request with the same key committed first: answer as its replay.
      const concurrent = isUniqueViolation(e) ? await replay() : undefined;
      if (concurrent) return concurrent;
      throw e;
    }
  });

  app.openapi(listRoute, async (c) => {
    const deps = c.get('deps');
    const { rows, nextCursor } = await listCredentials(deps.db, c.get('org')!.id, c.req.valid('query'));
    return c.json({ credentials: rows.map((r) => credentialView(deps.publicUrl, r)), nextCursor }, 200);
  });

  app.openapi(getRoute, async (c) => {
    const deps = c.get('deps');
    const row = await getCredential(deps.db, c.get('org')!.id, c.req.valid('param').credentialId);
    return c.json(signed(deps, row), 200);
  });

  for (const [r, change] of [
    [revokeRoute, 'revoke'],
    [suspendRoute, 'suspend'],
    [unsuspendRoute, 'unsuspend'],
  ] as const) {
    app.openapi(r, async (c) => {
      const deps = c.get('deps');
      const body = (c.req.valid('json') ?? {}) as { reason?: string };
      const row = await changeCredentialState(
        deps.db,
        c.get('principal'),
        deps.clock(),
        c.get('org')!.id,
        c.req.valid('param').credentialId,
        change,
        body.reason ?? null,
      );
      deps.logger.info({ requestId: c.get('requestId'), credentialId: row.id, change }, 'credential state changed');
      return c.json({ credential: credentialView(deps.publicUrl, row) }, 200);
    });
  }

  app.openapi(statusListRoute, async (c) => {
    const deps = c.get('deps');
    const { listId } = c.req.valid('param');
    const document = isUuid(listId) ? await signedStatusList(deps.db, deps, listId) : undefined;
    if (!document) throw new AppError('ERR_NOT_FOUND', 'No status list with this id.');
    const body = JSON.stringify(document);
    const headers = {
      'content-type': 'application/vc+ld+json',
      etag: etagOf(body),
      'cache-control': 'public, max-age=0, must-revalidate',
    };
    if (matchesEtag(c.req.valid('header')['if-none-match'], headers.etag)) return c.body(null, 304, headers);
    return c.body(body, 200, headers);
  });

  app.openapi(claimPageRoute, async (c) => {
    const { token } = c.req.valid('param');
    const principal = c.get('principal');
    try {
      const claim = await findPendingClaim(c.get('deps').db, token);
      const session =
        principal?.via === 'session' ? { email: principal.email, csrfToken: principal.csrfToken! } : undefined;
      return sendClaimPage(c, claimPage({ token, claim, session }), 200);
    } catch (e) {
      return claimPageError(c, e);
    }
  });

  app.openapi(claimFormRoute, async (c) => {
    const deps = c.get('deps');
    const { token } = c.req.valid('param');
    const form = c.req.valid('form');
    const principal = c.get('principal');
    checkSessionCsrf(principal, form._csrf);
    try {
      const result = await claimCredential(deps, principal, {
        token,
        password: form.password || undefined,
        name: form.name || undefined,
      });
      if (result.session) setSessionCookie(c, result.session);
      return c.redirect(`/credentials/${result.credential.id}`, 303);
    } catch (e) {
      if (e instanceof AppError && (e.code === 'ERR_VALIDATION' || e.code === 'ERR_EMAIL_TAKEN')) {
        const claim = await findPendingClaim(deps.db, token).catch(() => undefined);
        if (claim) {
          return sendClaimPage(c, claimPage({ token, claim, session: undefined, error: e.message }), e.status as 400);
        }
      }
      return claimPageError(c, e);
    }
  });

  app.openapi(claimApiRoute, async (c) => {
    const deps = c.get('deps');
    const body = c.req.valid('json');
    const principal = c.get('principal');
    checkSessionCsrf(principal, c.req.header('x-csrf-token'));
    const result = await claimCredential(deps, principal, body);
    if (result.session) setSessionCookie(c, result.session);
    deps.logger.info({ requestId: c.get('requestId'), credentialId: result.credential.id }, 'credential claimed');
    return c.json(
      {
        credential: credentialView(deps.publicUrl, result.credential),
        user: accountView(result.holder),
        csrfToken: result.session?.csrfToken ?? null,
      },
      200,
    );
  });

  app.openapi(myCredentialsRoute, async (c) => {
    const deps = c.get('deps');
    const rows = await heldCredentials(deps.db, c.get('principal')!.userId);
    return c.json({ credentials: rows.map((r) => signed(deps, r)) }, 200);
  });

  app.openapi(myCredentialRoute, async (c) => {
    const deps = c.get('deps');
    const row = await setNamePublic(
      deps.db,
      c.get('principal')!,
      deps.clock(),
      c.req.valid('param').credentialId,
      c.req.valid('json').namePublic,
    );
    return c.json({ credential: credentialView(deps.publicUrl, row) }, 200);
  });
}
