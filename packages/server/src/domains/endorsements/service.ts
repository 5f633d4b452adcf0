import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import {
  buildEndorsementCredential,
  createStatusListEntry,
  signCredential,
  type AnyEndorsementCredential,
  type JsonObject,
} from '@skillproof/core';
import type { Database, EndorsementsTable } from '../../db/schema.js';
import { isUniqueViolation } from '../../db/errors.js';
import { AppError } from '../../errors.js';
import type { AppDeps } from '../../http/env.js';
import { isUuid } from '../../http/schemas.js';
import { achievementUrl } from '../achievements/definition.js';
import { findPublicAchievementVersion } from '../achievements/service.js';
import { orgDid } from '../orgs/identity.js';
import { getOrganization, issuerProfile, signingKeyFor } from '../orgs/service.js';
import { allocateStatusIndexes, setStatusBit, statusListUrl } from '../issuing/status-lists.js';

export type EndorsementRow = Selectable<EndorsementsTable>;

/** What an organisation endorses: another organisation's achievement, or another organisation. */
export type EndorsementTarget = { achievementId: string } | { organizationId: string };

const notFound = () => new AppError('ERR_NOT_FOUND', 'No endorsement with this id by this organisation.');

/** The id an EndorsementCredential carries: its row, as a URN (it is not served on its own). */
export const endorsementCredentialId = (endorsementId: string): string => `urn:uuid:${endorsementId}`;

/** What the endorsement is about, checked: it exists and belongs to another organisation. */
async function resolveTarget(
  db: Kysely<Database>,
  publicUrl: string,
  endorserOrgId: string,
  target: EndorsementTarget,
): Promise<{ type: 'achievement' | 'organization'; id: string; subjectId: string; name: string }> {
  if ('achievementId' in target) {
    const row = await db
      .selectFrom('achievements')
      .select(['id', 'orgId', 'currentVersion', 'archivedAt'])
      .where('id', '=', target.achievementId)
      .executeTakeFirst();
    if (!row) throw new AppError('ERR_NOT_FOUND', 'target.achievementId: no such achievement.');
    if (row.orgId === endorserOrgId) {
      throw new AppError('ERR_VALIDATION', 'target: an organisation cannot endorse its own achievement.');
    }
    if (row.archivedAt) throw new AppError('ERR_STATE', 'target: this achievement is archived.');
    const version = await findPublicAchievementVersion(db, row.id, row.currentVersion);
    return {
      type: 'achievement',
      id: row.id,
      // The achievement as credentials name it now; the endorsement stays with the achievement through new versions.
      subjectId: achievementUrl(publicUrl, row.id, row.currentVersion),
      name: version!.definition.name,
    };
  }
  if (target.organizationId === endorserOrgId) {
    throw new AppError('ERR_VALIDATION', 'target: an organisation cannot endorse itself.');
  }
  const org = await db
    .selectFrom('organizations')
    .select(['id', 'slug', 'name'])
    .where('id', '=', target.organizationId)
    .executeTakeFirst();
  if (!org) throw new AppError('ERR_NOT_FOUND', 'target.organizationId: no such organisation.');
  return { type: 'organization', id: org.id, subjectId: orgDid(publicUrl, org.slug), name: org.name };
}

/**
 * Endorses another organisation's achievement, or another organisation: a signed (eddsa-rdfc-2022, the endorser's
 * current key) OB 3.0 EndorsementCredential whose subject is the achievement's URL or the organisation's DID, with a
 * revocation entry in the endorser's status list. Refuses endorsing oneself or one's own achievement
 * (`ERR_VALIDATION`), an archived achievement (`ERR_STATE`), and a second standing endorsement of the same target
 * (`ERR_CONFLICT`). Call inside a transaction.
 *
 * @example
 * ```ts
 * const row = await createEndorsement(tx, deps, orgId, { achievementId }, 'Meets our industry standard.');
 * ```
 */
export async function createEndorsement(
  tx: Kysely<Database>,
  deps: Pick<AppDeps, 'keys' | 'publicUrl' | 'clock'>,
  endorserOrgId: string,
  target: EndorsementTarget,
  comment: string,
): Promise<EndorsementRow> {
  const now = deps.clock();
  const resolved = await resolveTarget(tx, deps.publicUrl, endorserOrgId, target);
  const standing = await findStanding(tx, endorserOrgId, resolved.type, resolved.id);
  if (standing) throw conflict();
  const { org, key } = await signingKeyFor(tx, deps, endorserOrgId);
  const parent = org.parentOrgId ? await getOrganization(tx, org.parentOrgId) : undefined;
  const [status] = await allocateStatusIndexes(tx, endorserOrgId, 'revocation', 1, now);
  const id = randomUUID();
  const unsigned = buildEndorsementCredential({
    id: endorsementCredentialId(id),
    issuer: issuerProfile(deps.publicUrl, org, parent),
    name: `${org.name} endorses ${resolved.name}`,
    validFrom: now,
    awardedDate: now,
    subject: { id: resolved.subjectId, endorsementComment: comment },
    credentialStatus: {
      ...createStatusListEntry({
        statusListCredential: statusListUrl(deps.publicUrl, status!.listId),
        statusListIndex: status!.index,
        statusPurpose: 'revocation',
      }),
    },
  });
  const signed = await signCredential(unsigned as unknown as JsonObject, { key, clock: () => now });
  try {
    return await tx
      .insertInto('endorsements')
      .values({
        id,
        endorserOrgId,
        targetType: resolved.type,
        targetId: resolved.id,
        comment,
        credential: JSON.stringify(signed),
        revocationListId: status!.listId,
        revocationIndex: status!.index,
        createdAt: now,
        revokedAt: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (e) {
    // A concurrent endorsement of the same target committed first.
    if (isUniqueViolation(e)) throw conflict();
    throw e;
  }
}

const conflict = () =>
  new AppError('ERR_CONFLICT', 'This organisation already endorses this target; revoke that endorsement first.');

function findStanding(db: Kysely<Database>, endorserOrgId: string, targetType: string, targetId: string) {
  return db
    .selectFrom('endorsements')
    .select('id')
    .where('endorserOrgId', '=', endorserOrgId)
    .where('targetType', '=', targetType as EndorsementRow['targetType'])
    .where('targetId', '=', targetId)
    .where('revokedAt', 'is', null)
    .executeTakeFirst();
}

/**
 * Revokes an endorsement the organisation made: its status bit is set (verifiers of the signed credential see it at
 * once), and credentials issued from now on no longer carry it. Returns the row and whether it changed (revoking twice
 * changes nothing). Another organisation's endorsement is not found. Call inside a transaction.
 */
export async function revokeEndorsement(
  tx: Kysely<Database>,
  endorserOrgId: string,
  endorsementId: string,
  now: Date,
): Promise<{ endorsement: EndorsementRow; changed: boolean }> {
  if (!isUuid(endorsementId)) throw notFound();
  const row = await tx
    .selectFrom('endorsements')
    .selectAll()
    .where('id', '=', endorsementId)
    .where('endorserOrgId', '=', endorserOrgId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound();
  if (row.revokedAt) return { endorsement: row, changed: false };
  await setStatusBit(tx, row.revocationListId, row.revocationIndex, 1, now);
  const endorsement = await tx
    .updateTable('endorsements')
    .set({ revokedAt: now })
    .where('id', '=', row.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { endorsement, changed: true };
}

/**
 * Endorsements an organisation made (`given`), or received for itself and its achievements (`received`), newest
 * first, revoked ones included.
 */
export async function listEndorsements(
  db: Kysely<Database>,
  orgId: string,
  direction: 'given' | 'received',
): Promise<EndorsementRow[]> {
  let q = db.selectFrom('endorsements').selectAll();
  if (direction === 'given') q = q.where('endorserOrgId', '=', orgId);
  else {
    q = q.where((eb) =>
      eb.or([
        eb.and([eb('targetType', '=', 'organization'), eb('targetId', '=', orgId)]),
        eb.and([
          eb('targetType', '=', 'achievement'),
          eb('targetId', 'in', eb.selectFrom('achievements').select('id').where('orgId', '=', orgId)),
        ]),
      ]),
    );
  }
  return q.orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(1000).execute();
}

async function standingEndorsements(
  db: Kysely<Database>,
  targetType: 'achievement' | 'organization',
  targetId: string,
): Promise<AnyEndorsementCredential[]> {
  const rows = await db
    .selectFrom('endorsements')
    .select('credential')
    .where('targetType', '=', targetType)
    .where('targetId', '=', targetId)
    .where('revokedAt', 'is', null)
    .orderBy('createdAt')
    .orderBy('id')
    .execute();
  return rows.map((r) => r.credential as AnyEndorsementCredential);
}

/**
 * The signed EndorsementCredentials other organisations hold out for an achievement (not revoked), oldest first:
 * newly issued credentials embed them in their Achievement (`endorsement`), and the achievement's public document
 * shows them.
 *
 * @example
 * ```ts
 * const endorsement = await achievementEndorsements(db, achievementId);
 * ```
 */
export async function achievementEndorsements(
  db: Kysely<Database>,
  achievementId: string,
): Promise<AnyEndorsementCredential[]> {
  return standingEndorsements(db, 'achievement', achievementId);
}

/**
 * The signed EndorsementCredentials other organisations hold out for an organisation (not revoked), oldest first:
 * its public Profile shows them.
 *
 * @example
 * ```ts
 * const endorsement = await organizationEndorsements(db, orgId);
 * ```
 */
export async function organizationEndorsements(
  db: Kysely<Database>,
  orgId: string,
): Promise<AnyEndorsementCredential[]> {
  return standingEndorsements(db, 'organization', orgId);
}
