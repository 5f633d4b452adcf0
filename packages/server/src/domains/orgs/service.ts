import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { generateEd25519Key, type Ed25519Key, type ProfileInput } from '@skillproof/core';
import type { Database, Organization } from '../../db/schema.js';
import type { AppDeps } from '../../http/env.js';
import { AppError } from '../../errors.js';
import { orgDid } from './identity.js';

export interface NewOrganizationInput {
  slug: string;
  name: string;
  url?: string | null;
  email?: string | null;
  description?: string | null;
  image?: string | null;
  parentOrgId?: string | null;
}

/**
 * Creates an organisation with its first signing key, and makes `ownerUserId` its owner. Call inside a transaction.
 */
export async function createOrganization(
  db: Kysely<Database>,
  deps: Pick<AppDeps, 'keys' | 'clock'>,
  input: NewOrganizationInput,
  ownerUserId: string | null,
): Promise<Organization> {
  const now = deps.clock();
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
      createdAt: now,
      updatedAt: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await addOrgKey(db, deps, org.id, now);
  if (ownerUserId) {
    await db
      .insertInto('memberships')
      .values({ orgId: org.id, userId: ownerUserId, role: 'owner', createdAt: now })
      .execute();
  }
  return org;
}

/** Generates a signing key for the organisation, sealed under the master key; returns its fragment (`key-N`). */
export async function addOrgKey(
  db: Kysely<Database>,
  deps: Pick<AppDeps, 'keys'>,
  orgId: string,
  now: Date,
): Promise<string> {
  const { count } = await db
    .selectFrom('orgKeys')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('orgId', '=', orgId)
    .executeTakeFirstOrThrow();
  const id = randomUUID();
  const fragment = `key-${Number(count) + 1}`;
  const key = generateEd25519Key();
  await db
    .insertInto('orgKeys')
    .values({
      id,
      orgId,
      fragment,
      publicKeyMultibase: key.publicKeyMultibase,
      secretCiphertext: deps.keys.seal(key.seed!, `org-key:${id}`),
      createdAt: now,
      expiresAt: null,
      revokedAt: null,
      revokedReason: null,
    })
    .execute();
  return fragment;
}

/**
 * The organisation's current signing key, opened from its sealed form, with the organisation. The key's `id` is the
 * DID URL verifiers resolve (`did:web:…:orgs:<slug>#key-N`).
 */
export async function signingKeyFor(
  db: Kysely<Database>,
  deps: Pick<AppDeps, 'keys' | 'publicUrl'>,
  orgId: string,
): Promise<{ org: Organization; key: Ed25519Key }> {
  const org = await db.selectFrom('organizations').selectAll().where('id', '=', orgId).executeTakeFirst();
  if (!org) throw new AppError('ERR_NOT_FOUND', 'No such organisation.');
  const row = await db
    .selectFrom('orgKeys')
    .selectAll()
    .where('orgId', '=', orgId)
    .where('expiresAt', 'is', null)
    .where('revokedAt', 'is', null)
    .executeTakeFirst();
  if (!row) throw new AppError('ERR_STATE', 'The organisation has no active signing key; rotate to make one.');
  const did = orgDid(deps.publicUrl, org.slug);
  const seed = deps.keys.open(row.secretCiphertext, `org-key:${row.id}`);
  return { org, key: generateEd25519Key({ seed, controller: did, id: `${did}#${row.fragment}` }) };
}

/** The organisation as the OB 3.0 Profile that credentials name as their issuer. */
export function issuerProfile(publicUrl: string, org: Organization): ProfileInput {
  return {
    id: orgDid(publicUrl, org.slug),
    name: org.name,
    ...(org.url && { url: org.url }),
    ...(org.email && { email: org.email }),
    ...(org.description && { description: org.description }),
    ...(org.image && { image: { id: org.image } }),
  };
}
