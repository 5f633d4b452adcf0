import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ProfileInput } from '@skillproof/core';
import type { Database, Organization } from '../../db/schema.js';
import type { AppDeps } from '../../http/env.js';
import { AppError } from '../../errors.js';
import { decodeImage, isDataUri } from '../achievements/image.js';
import { orgDid } from './identity.js';
import { addOrgKey } from './signing-keys.js';
import { isUniqueViolation } from '../../db/errors.js';

export { addOrgKey, signingKeyFor } from './signing-keys.js';

/** The slug rule of the `organizations.slug` CHECK: it becomes a did:web path segment and a URL path segment. */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

export interface NewOrganizationInput {
  slug: string;
  name: string;
  url?: string | null;
  email?: string | null;
  description?: string | null;
  image?: string | null;
  parentOrgId?: string | null;
  /** Credentials get a suspension entry beside the revocation one (default false: one entry, as OB 3.0 requires). */
  suspendableCredentials?: boolean;
}

export type OrganizationChanges = Partial<Omit<NewOrganizationInput, 'slug'>>;

function checkImage(image: string | null | undefined): void {
  if (image && isDataUri(image)) decodeImage(image, 'image');
}

/**
 * Creates an organisation with its first signing key, and makes `ownerUserId` its owner. Call inside a transaction.
 * A taken slug is `ERR_CONFLICT`.
 *
 * @example
 * ```ts
 * const org = await db.transaction().execute((tx) => createOrganization(tx, deps, { slug: 'physics', name: 'Physics' }, userId));
 * ```
 */
export async function createOrganization(
  db: Kysely<Database>,
  deps: Pick<AppDeps, 'keys' | 'clock' | 'publicUrl'>,
  input: NewOrganizationInput,
  ownerUserId: string | null,
): Promise<Organization> {
  const now = deps.clock();
  if (!SLUG_PATTERN.test(input.slug)) {
    throw new AppError('ERR_VALIDATION', 'slug: lowercase letters, digits and inner hyphens, at most 64 characters.');
  }
  checkImage(input.image);
  const taken = await db.selectFrom('organizations').select('id').where('slug', '=', input.slug).executeTakeFirst();
  if (taken) throw new AppError('ERR_CONFLICT', `The slug ${input.slug} is taken.`);
  const org = await db
    .insertInto('organizations')
    .values({
      id: randomUUID(),
      slug: input.slug,
      name: input.name,
      url: input.url ?? null,
      email: input.email ?? null,
      description: input.description ?? null,
      image: input.image ?? null,
      parentOrgId: input.parentOrgId ?? null,
      suspendableCredentials: input.suspendableCredentials ?? false,
      createdAt: now,
      updatedAt: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
    .catch((e: unknown) => {
      // Two creations of one slug at once: the second finds it free, then meets the unique index.
      if (isUniqueViolation(e)) throw new AppError('ERR_CONFLICT', `The slug ${input.slug} is taken.`);
      throw e;
    });
  await addOrgKey(db, deps, org.id, now);
  if (ownerUserId) {
    await db
      .insertInto('memberships')
      .values({ orgId: org.id, userId: ownerUserId, role: 'owner', createdAt: now })
      .execute();
  }
  return org;
}

/**
 * Changes an organisation's profile (never its slug, which its DID and every credential it signed carry). Returns the
 * organisation and the names of the fields that changed. Call inside a transaction.
 */
export async function updateOrganization(
  db: Kysely<Database>,
  orgId: string,
  changes: OrganizationChanges,
  now: Date,
): Promise<{ org: Organization; changed: string[] }> {
  const current = await getOrganization(db, orgId);
  const changed = (Object.keys(changes) as (keyof OrganizationChanges)[]).filter(
    (k) => changes[k] !== undefined && (changes[k] ?? null) !== current[k],
  );
  if (changed.length === 0) return { org: current, changed };
  checkImage(changes.image);
  if (changes.parentOrgId) await assertNotDescendant(db, orgId, changes.parentOrgId);
  const set = Object.fromEntries(changed.map((k) => [k, changes[k] ?? null]));
  const org = await db
    .updateTable('organizations')
    .set({ ...set, updatedAt: now })
    .where('id', '=', orgId)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { org, changed };
}

/** Refuses a parent that is the organisation itself or one of its descendants (which would make a cycle). */
async function assertNotDescendant(db: Kysely<Database>, orgId: string, parentOrgId: string): Promise<void> {
  let at: string | null = parentOrgId;
  for (let depth = 0; at; depth++) {
    if (at === orgId) {
      throw new AppError('ERR_VALIDATION', 'parentOrgId: an organisation cannot be its own ancestor.');
    }
    if (depth > 64) throw new AppError('ERR_VALIDATION', 'parentOrgId: the organisation tree is too deep.');
    const row: { parentOrgId: string | null } | undefined = await db
      .selectFrom('organizations')
      .select('parentOrgId')
      .where('id', '=', at)
      .executeTakeFirst();
    at = row?.parentOrgId ?? null;
  }
}

export async function getOrganization(db: Kysely<Database>, orgId: string): Promise<Organization> {
  const org = await db.selectFrom('organizations').selectAll().where('id', '=', orgId).executeTakeFirst();
  if (!org) throw new AppError('ERR_NOT_FOUND', 'No organisation with this id that you belong to.');
  return org;
}

export async function findOrganizationBySlug(db: Kysely<Database>, slug: string): Promise<Organization | undefined> {
  if (!SLUG_PATTERN.test(slug)) return undefined;
  return db.selectFrom('organizations').selectAll().where('slug', '=', slug).executeTakeFirst();
}

/** Where the server serves an organisation's stored (`data:`) image. */
export function orgImageUrl(publicUrl: string, slug: string): string {
  return `${publicUrl}/orgs/${slug}/image`;
}

/**
 * The organisation as the OB 3.0 Profile that credentials name as their issuer (and `parentOrg`, when given). A stored
 * `data:` image is referred to by the URL it is served at.
 *
 * @example
 * ```ts
 * const issuer = issuerProfile(deps.publicUrl, org);
 * ```
 */
export function issuerProfile(publicUrl: string, org: Organization, parent?: Organization): ProfileInput {
  return {
    id: orgDid(publicUrl, org.slug),
    name: org.name,
    ...(org.url && { url: org.url }),
    ...(org.email && { email: org.email }),
    ...(org.description && { description: org.description }),
    ...(org.image && { image: { id: isDataUri(org.image) ? orgImageUrl(publicUrl, org.slug) : org.image } }),
    ...(parent && { parentOrg: issuerProfile(publicUrl, parent) }),
  };
}
