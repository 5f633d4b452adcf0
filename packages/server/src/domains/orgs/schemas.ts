import { z } from '@hono/zod-openapi';
import type { Organization } from '../../db/schema.js';
import { ImageReference } from '../achievements/definition.js';
import { RoleSchema } from '../auth/schemas.js';
import { orgDid } from './identity.js';
import { SLUG_PATTERN } from './service.js';
import type { OrgKeyInfo } from './signing-keys.js';

const text = (max: number) => z.string().trim().min(1).max(max);
const httpUrl = z.url({ protocol: /^https?$/ }).max(2048);

const SuspendableCredentials = z.boolean().openapi({
  description:
    'Off (the default): each credential carries exactly one BitstringStatusListEntry (statusPurpose `revocation`), ' +
    'as Open Badges 3.0 requires. On: also a `suspension` entry, so `credentialStatus` is an array of two (allowed ' +
    "by VC 2.0, a departure from OB 3.0's 0..1 that strict OB validators reject). Applies to credentials issued " +
    'from then on; each credential keeps what it was issued with.',
});

export const OrgCreate = z
  .object({
    slug: z
      .string()
      .regex(SLUG_PATTERN, 'must be 1–64 lowercase letters, digits and inner hyphens (it becomes part of the DID)')
      .openapi({ example: 'physics' }),
    name: text(200).openapi({ example: 'Department of Physics' }),
    url: httpUrl.optional(),
    email: z.email().max(320).optional(),
    description: text(5_000).optional(),
    image: ImageReference.optional(),
    parentOrgId: z.uuid().optional(),
    suspendableCredentials: SuspendableCredentials.optional(),
  })
  .strict()
  .openapi('OrganizationCreate');

/** Fields given replace the current ones; `null` clears an optional one. The slug cannot change. */
export const OrgPatch = z
  .object({
    name: text(200).optional(),
    url: httpUrl.nullable().optional(),
    email: z.email().max(320).nullable().optional(),
    description: text(5_000).nullable().optional(),
    image: ImageReference.nullable().optional(),
    parentOrgId: z.uuid().nullable().optional(),
    suspendableCredentials: SuspendableCredentials.optional(),
  })
  .strict()
  .openapi('OrganizationPatch');

export const OrgJson = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    did: z.string().openapi({ example: 'did:web:badges.example.edu:orgs:physics' }),
    name: z.string(),
    url: z.string().nullable(),
    email: z.string().nullable(),
    description: z.string().nullable(),
    image: z.string().nullable(),
    parentOrgId: z.uuid().nullable(),
    suspendableCredentials: SuspendableCredentials,
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('Organization');

export function orgJson(publicUrl: string, org: Organization): z.infer<typeof OrgJson> {
  return {
    id: org.id,
    slug: org.slug,
    did: orgDid(publicUrl, org.slug),
    name: org.name,
    url: org.url,
    email: org.email,
    description: org.description,
    image: org.image,
    parentOrgId: org.parentOrgId,
    suspendableCredentials: org.suspendableCredentials,
    createdAt: org.createdAt.toISOString(),
    updatedAt: org.updatedAt.toISOString(),
  };
}

export const MyOrgJson = OrgJson.extend({
  role: RoleSchema,
}).openapi('MyOrganization');

export const KeyJson = z
  .object({
    id: z.string().openapi({ example: 'did:web:badges.example.edu:orgs:physics#key-2' }),
    fragment: z.string().openapi({ example: 'key-2' }),
    type: z.literal('Multikey'),
    publicKeyMultibase: z.string(),
    status: z.enum(['active', 'expired', 'revoked']),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime().nullable(),
    revokedAt: z.iso.datetime().nullable(),
    revokedReason: z.string().nullable(),
  })
  .openapi('SigningKey');

export function keyJson(did: string, k: OrgKeyInfo): z.infer<typeof KeyJson> {
  return {
    id: `${did}#${k.fragment}`,
    fragment: k.fragment,
    type: 'Multikey',
    publicKeyMultibase: k.publicKeyMultibase,
    status: k.status,
    createdAt: k.createdAt.toISOString(),
    expiresAt: k.expiresAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
    revokedReason: k.revokedReason,
  };
}

export const KeyRevoke = z
  .object({
    reason: text(1_000).openapi({ example: 'The laptop holding a database backup was stolen.' }),
    compromisedAt: z.iso
      .datetime({ offset: true })
      .optional()
      .openapi({ description: 'Since when the key is untrusted (default: now). Proofs made before it stay valid.' }),
  })
  .strict()
  .openapi('SigningKeyRevoke');

export const SlugParam = z.object({ slug: z.string().openapi({ param: { name: 'slug', in: 'path' } }) });
