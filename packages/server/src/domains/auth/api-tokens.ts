import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { audit } from '../../audit.js';
import type { ApiTokensTable, Database } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { ORG_NOT_FOUND, type Scope } from '../../http/access.js';
import type { Principal } from '../../http/env.js';
import { newSecret, secretHash } from '../../security/tokens.js';

/** Tokens expire: after this many days unless the request says otherwise, and never later than the maximum. */
export const TOKEN_DEFAULT_DAYS = 90;
export const TOKEN_MAX_DAYS = 365;

export type ApiTokenRow = Omit<Selectable<ApiTokensTable>, 'tokenHash' | 'userId'>;

const COLUMNS = ['id', 'name', 'scopes', 'orgId', 'createdAt', 'expiresAt', 'revokedAt', 'lastUsedAt'] as const;

export interface NewApiToken {
  name: string;
  scopes: readonly Scope[];
  orgId?: string | undefined;
  expiresInDays?: number | undefined;
}

/**
 * Mints an API token for the signed-in person. The raw token is returned once; the database keeps its SHA-256.
 * A token bound to an organisation needs the person to be a member of it (and, when used, still to be one with the
 * role the route needs: a token never has more rights than its owner). Call inside a transaction.
 *
 * @example
 * ```ts
 * const { token, row } = await createApiToken(tx, principal, { name: 'LMS', scopes: ['credentials:issue'], orgId }, now);
 * ```
 */
export async function createApiToken(
  db: Kysely<Database>,
  owner: Principal,
  input: NewApiToken,
  now: Date,
): Promise<{ token: string; row: ApiTokenRow }> {
  if (input.orgId) {
    const membership = await db
      .selectFrom('memberships')
      .select('role')
      .where('orgId', '=', input.orgId)
      .where('userId', '=', owner.userId)
      .executeTakeFirst();
    if (!membership) throw new AppError('ERR_NOT_FOUND', ORG_NOT_FOUND);
  }
  const token = newSecret('sp_token');
  const days = input.expiresInDays ?? TOKEN_DEFAULT_DAYS;
  const row = await db
    .insertInto('apiTokens')
    .values({
      id: randomUUID(),
      userId: owner.userId,
      orgId: input.orgId ?? null,
      name: input.name,
      tokenHash: secretHash(token),
      scopes: [...new Set(input.scopes)],
      createdAt: now,
      expiresAt: new Date(now.getTime() + days * 86_400_000),
      revokedAt: null,
      lastUsedAt: null,
    })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  await audit(db, owner, now, {
    orgId: row.orgId,
    action: 'api-token.create',
    targetType: 'api_token',
    targetId: row.id,
    data: { name: row.name, scopes: row.scopes, expiresAt: row.expiresAt?.toISOString() ?? null },
  });
  return { token, row };
}

/** The person's tokens, newest first, revoked ones included (so they can see what was used when). */
export async function listApiTokens(db: Kysely<Database>, userId: string): Promise<ApiTokenRow[]> {
  return db
    .selectFrom('apiTokens')
    .select(COLUMNS)
    .where('userId', '=', userId)
    .orderBy('createdAt', 'desc')
    .orderBy('id')
    .execute();
}

/** Revokes one of the person's tokens; revoking a revoked token changes nothing. Call inside a transaction. */
export async function revokeApiToken(
  db: Kysely<Database>,
  owner: Principal,
  tokenId: string,
  now: Date,
): Promise<void> {
  const row = await db
    .selectFrom('apiTokens')
    .select(['id', 'orgId', 'revokedAt'])
    .where('id', '=', tokenId)
    .where('userId', '=', owner.userId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw new AppError('ERR_NOT_FOUND', 'You have no API token with this id.');
  if (row.revokedAt) return;
  await db.updateTable('apiTokens').set({ revokedAt: now }).where('id', '=', row.id).execute();
  await audit(db, owner, now, {
    orgId: row.orgId,
    action: 'api-token.revoke',
    targetType: 'api_token',
    targetId: row.id,
  });
}
