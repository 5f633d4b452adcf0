import { etagOf, matchesEtag } from '../../http/etag.js';
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { buildProfile, OB_V3_CONTEXT, VC_V2_CONTEXT } from '@skillproof/core';
import { audit } from '../../audit.js';
import { AppError } from '../../errors.js';
import { access, roleRank } from '../../http/access.js';
import type { AppEnv, Principal } from '../../http/env.js';
import { route } from '../../http/route.js';
import { jsonBody, jsonResponse, OrgParams } from '../../http/schemas.js';
import { IMAGE_HEADERS, imageResponse, isDataUri, storedImage } from '../achievements/image.js';
import { orgDid } from './identity.js';
import { orgDidDocument } from './org-did-document.js';
import { KeyJson, KeyRevoke, keyJson, MyOrgJson, OrgCreate, OrgJson, orgJson, OrgPatch, SlugParam } from './schemas.js';
import {
  createOrganization,
  findOrganizationBySlug,
  getOrganization,
  issuerProfile,
  updateOrganization,
} from './service.js';
import { listOrgKeys, revokeOrgKey, rotateOrgKey } from './signing-keys.js';
import { organizationEndorsements } from '../endorsements/service.js';

const TAGS = ['Organisations'];

const createOrg = route({
  method: 'post',
  path: '/api/v1/orgs',
  access: access.signedIn({ accounts: ['staff'], scope: 'orgs:write' }),
  summary: 'Create an organisation',
  description:
    'Creates an organisation (a tenant and an issuer) with its did:web identity and first signing key; the caller ' +
    'becomes its owner. A `parentOrgId` must name an organisation where the caller is admin or owner.',
  tags: TAGS,
  request: { body: jsonBody(OrgCreate) },
  responses: { 201: jsonResponse('Created', z.object({ org: OrgJson })) },
});

const listMyOrgs = route({
  method: 'get',
  path: '/api/v1/orgs',
  access: access.signedIn({ scope: 'orgs:read' }),
  summary: 'List my organisations',
  description:
    'The organisations the caller belongs to, with the role in each (an organisation-bound token: that one).',
  tags: TAGS,
  responses: { 200: jsonResponse('My organisations', z.object({ orgs: z.array(MyOrgJson) })) },
});

const getOrg = route({
  method: 'get',
  path: '/api/v1/orgs/{orgId}',
  access: access.org('viewer', 'orgs:read'),
  summary: 'Get an organisation',
  tags: TAGS,
  request: { params: OrgParams },
  responses: { 200: jsonResponse('The organisation', z.object({ org: OrgJson })) },
});

const patchOrg = route({
  method: 'patch',
  path: '/api/v1/orgs/{orgId}',
  access: access.org('admin', 'orgs:write'),
  summary: 'Change an organisation',
  description:
    'Changes the profile credentials show for the issuer, or whether credentials issued from now on carry a ' +
    'suspension entry (`suspendableCredentials`). The slug cannot change: the DID is made from it.',
  tags: TAGS,
  request: { params: OrgParams, body: jsonBody(OrgPatch) },
  responses: { 200: jsonResponse('The organisation after the change', z.object({ org: OrgJson })) },
});

const listKeys = route({
  method: 'get',
  path: '/api/v1/orgs/{orgId}/keys',
  access: access.org('viewer', 'orgs:read'),
  summary: "List an organisation's signing keys",
  description: 'Every key the organisation has had, oldest first: public halves and history. Secrets never leave.',
  tags: TAGS,
  request: { params: OrgParams },
  responses: { 200: jsonResponse('The keys', z.object({ keys: z.array(KeyJson) })) },
});

const rotateKey = route({
  method: 'post',
  path: '/api/v1/orgs/{orgId}/keys/rotate',
  access: access.org('owner', 'orgs:write'),
  summary: 'Rotate the signing key',
  description:
    'Retires the active key (it stays in the DID document with `expires`, and still vouches for what it signed) and ' +
    'makes a new one active.',
  tags: TAGS,
  request: { params: OrgParams },
  responses: { 201: jsonResponse('The new active key', z.object({ key: KeyJson, retired: z.string().nullable() })) },
});

const revokeKey = route({
  method: 'post',
  path: '/api/v1/orgs/{orgId}/keys/{fragment}/revoke',
  access: access.org('owner', 'orgs:write'),
  summary: 'Revoke a compromised signing key',
  description:
    'Marks the key `revoked` in the DID document from `compromisedAt` (default now): proofs it made from then on fail ' +
    'verification with ERR_KEY_REVOKED, earlier ones stay valid. Revoking the active key rotates at once, so issuing ' +
    'continues under a new key.',
  tags: TAGS,
  request: {
    params: OrgParams.extend({ fragment: z.string() }),
    body: jsonBody(KeyRevoke),
  },
  responses: {
    200: jsonResponse('The revoked key, and the active one', z.object({ key: KeyJson, activeKey: KeyJson.nullable() })),
  },
});

const didDocumentRoute = route({
  method: 'get',
  path: '/orgs/{slug}/did.json',
  access: access.public('reads'),
  summary: "An organisation's DID document (did:web)",
  description: 'Every signing key the organisation has had, as Multikey, with `created`, `expires` and `revoked`.',
  tags: TAGS,
  request: { params: SlugParam },
  responses: {
    200: {
      description: 'The DID document',
      content: { 'application/did+json': { schema: z.record(z.string(), z.unknown()) } },
    },
    304: { description: 'Not modified (If-None-Match)' },
  },
});

const profileRoute = route({
  method: 'get',
  path: '/orgs/{slug}/profile',
  access: access.public('reads'),
  summary: "An organisation's Open Badges issuer Profile",
  tags: TAGS,
  request: { params: SlugParam },
  responses: {
    200: {
      description: 'The OB 3.0 Profile',
      content: { 'application/ld+json': { schema: z.record(z.string(), z.unknown()) } },
    },
    304: { description: 'Not modified (If-None-Match)' },
  },
});

const imageRoute = route({
  method: 'get',
  path: '/orgs/{slug}/image',
  access: access.public('reads'),
  summary: "An organisation's uploaded image",
  tags: TAGS,
  request: { params: SlugParam },
  responses: { 200: imageResponse('The image') },
});

/** Headers for public, cacheable documents that verifiers (and in-browser verifiers elsewhere) fetch. */
const PUBLIC_HEADERS = { 'Cache-Control': 'public, max-age=300', 'Access-Control-Allow-Origin': '*' };

async function publicOrg(c: Context<AppEnv>, slug: string) {
  const org = await findOrganizationBySlug(c.get('deps').db, slug);
  if (!org) throw new AppError('ERR_NOT_FOUND', `No organisation ${slug}.`);
  return org;
}

/** A public JSON document with a strong ETag; 304 when the client already has it. */
function cachedJson<T extends Record<string, unknown>>(c: Context<AppEnv>, body: T, contentType: string) {
  const text = JSON.stringify(body);
  const headers = { ...PUBLIC_HEADERS, ETag: etagOf(text) };
  if (matchesEtag(c.req.header('if-none-match'), headers.ETag)) return c.body(null, 304, headers);
  return c.body(text, 200, { ...headers, 'Content-Type': contentType });
}

/** A parent must be an organisation where the caller is admin or owner (and, for a bound token, its own). */
async function assertMayParent(c: Context<AppEnv>, principal: Principal, parentOrgId: string): Promise<void> {
  const notFound = new AppError('ERR_NOT_FOUND', 'parentOrgId: no organisation with this id that you belong to.');
  if (principal.tokenOrgId && principal.tokenOrgId !== parentOrgId) throw notFound;
  const m = await c
    .get('deps')
    .db.selectFrom('memberships')
    .select('role')
    .where('orgId', '=', parentOrgId)
    .where('userId', '=', principal.userId)
    .executeTakeFirst();
  if (!m) throw notFound;
  if (roleRank(m.role) < roleRank('admin')) {
    throw new AppError('ERR_FORBIDDEN', 'parentOrgId: you must be admin or owner of the parent organisation.');
  }
}

export function registerOrgsRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(createOrg, async (c) => {
    const { db, clock, publicUrl, keys } = c.get('deps');
    const principal = c.get('principal')!;
    if (principal.tokenOrgId) {
      throw new AppError('ERR_FORBIDDEN', 'A token bound to one organisation cannot create organisations.');
    }
    const input = c.req.valid('json');
    if (input.parentOrgId) await assertMayParent(c, principal, input.parentOrgId);
    const now = clock();
    const org = await db.transaction().execute(async (tx) => {
      const created = await createOrganization(tx, { keys, clock, publicUrl }, input, principal.userId);
      await audit(tx, principal, now, {
        orgId: created.id,
        action: 'org.create',
        targetType: 'organization',
        targetId: created.id,
        data: {
          slug: created.slug,
          ...(created.parentOrgId && { parentOrgId: created.parentOrgId }),
          ...(created.suspendableCredentials && { suspendableCredentials: true }),
        },
      });
      return created;
    });
    return c.json({ org: orgJson(publicUrl, org) }, 201);
  });

  app.openapi(listMyOrgs, async (c) => {
    const { db, publicUrl } = c.get('deps');
    const principal = c.get('principal')!;
    let q = db
      .selectFrom('organizations as o')
      .innerJoin('memberships as m', 'm.orgId', 'o.id')
      .selectAll('o')
      .select('m.role')
      .where('m.userId', '=', principal.userId);
    if (principal.tokenOrgId) q = q.where('o.id', '=', principal.tokenOrgId);
    const rows = await q.orderBy('o.name').orderBy('o.id').execute();
    return c.json({ orgs: rows.map(({ role, ...org }) => ({ ...orgJson(publicUrl, org), role })) }, 200);
  });

  app.openapi(getOrg, async (c) => {
    const { db, publicUrl } = c.get('deps');
    return c.json({ org: orgJson(publicUrl, await getOrganization(db, c.get('org')!.id)) }, 200);
  });

  app.openapi(patchOrg, async (c) => {
    const { db, clock, publicUrl } = c.get('deps');
    const principal = c.get('principal')!;
    const orgId = c.get('org')!.id;
    const changes = c.req.valid('json');
    if (changes.parentOrgId) await assertMayParent(c, principal, changes.parentOrgId);
    const now = clock();
    const org = await db.transaction().execute(async (tx) => {
      const { org: updated, changed } = await updateOrganization(tx, orgId, changes, now);
      if (changed.length > 0) {
        await audit(tx, principal, now, {
          orgId,
          action: 'org.update',
          targetType: 'organization',
          targetId: orgId,
          data: {
            fields: changed,
            // What credentials carry from now on: the value is recorded, not only that it changed.
            ...(changed.includes('suspendableCredentials') && {
              suspendableCredentials: updated.suspendableCredentials,
            }),
          },
        });
      }
      return updated;
    });
    return c.json({ org: orgJson(publicUrl, org) }, 200);
  });

  app.openapi(listKeys, async (c) => {
    const { db, publicUrl } = c.get('deps');
    const orgId = c.get('org')!.id;
    const org = await getOrganization(db, orgId);
    const did = orgDid(publicUrl, org.slug);
    return c.json({ keys: (await listOrgKeys(db, orgId)).map((k) => keyJson(did, k)) }, 200);
  });

  app.openapi(rotateKey, async (c) => {
    const { db, clock, publicUrl, keys } = c.get('deps');
    const principal = c.get('principal')!;
    const orgId = c.get('org')!.id;
    const now = clock();
    const { org, key, retired } = await db.transaction().execute(async (tx) => {
      const rotated = await rotateOrgKey(tx, { keys, publicUrl }, orgId, now);
      await audit(tx, principal, now, {
        orgId,
        action: 'org.key.rotate',
        targetType: 'org_key',
        targetId: rotated.key.fragment,
        data: { retired: rotated.retired },
      });
      return { ...rotated, org: await getOrganization(tx, orgId) };
    });
    return c.json({ key: keyJson(orgDid(publicUrl, org.slug), key), retired }, 201);
  });

  app.openapi(revokeKey, async (c) => {
    const { db, clock, publicUrl, keys } = c.get('deps');
    const principal = c.get('principal')!;
    const orgId = c.get('org')!.id;
    const { fragment } = c.req.valid('param');
    const { reason, compromisedAt } = c.req.valid('json');
    const now = clock();
    const { org, key, activeKey } = await db.transaction().execute(async (tx) => {
      const revoked = await revokeOrgKey(
        tx,
        { keys, publicUrl },
        orgId,
        fragment,
        { reason, compromisedAt: compromisedAt === undefined ? undefined : new Date(compromisedAt) },
        now,
      );
      await audit(tx, principal, now, {
        orgId,
        action: 'org.key.revoke',
        targetType: 'org_key',
        targetId: fragment,
        data: {
          reason,
          compromisedAt: revoked.key.revokedAt!.toISOString(),
          activeKey: revoked.activeKey?.fragment ?? null,
        },
      });
      return { ...revoked, org: await getOrganization(tx, orgId) };
    });
    const did = orgDid(publicUrl, org.slug);
    return c.json({ key: keyJson(did, key), activeKey: activeKey && keyJson(did, activeKey) }, 200);
  });

  app.openapi(didDocumentRoute, async (c) => {
    const deps = c.get('deps');
    const org = await publicOrg(c, c.req.valid('param').slug);
    const doc = await orgDidDocument(deps.db, deps, org);
    return cachedJson(c, doc, 'application/did+json');
  });

  app.openapi(profileRoute, async (c) => {
    const { db, publicUrl } = c.get('deps');
    const org = await publicOrg(c, c.req.valid('param').slug);
    const parent = org.parentOrgId ? await getOrganization(db, org.parentOrgId) : undefined;
    const endorsement = await organizationEndorsements(db, org.id);
    const profile = buildProfile({
      ...issuerProfile(publicUrl, org, parent),
      ...(endorsement.length > 0 && { endorsement }),
    });
    return cachedJson(c, { '@context': [VC_V2_CONTEXT, OB_V3_CONTEXT], ...profile }, 'application/ld+json');
  });

  app.openapi(imageRoute, async (c) => {
    const org = await publicOrg(c, c.req.valid('param').slug);
    if (!org.image || !isDataUri(org.image)) {
      throw new AppError('ERR_NOT_FOUND', 'This organisation has no uploaded image.');
    }
    const { contentType, bytes } = storedImage(org.image);
    return c.body(bytes, 200, {
      ...IMAGE_HEADERS,
      'Content-Type': contentType,
      'Cache-Control': 'public, max-age=300',
    });
  });
}
