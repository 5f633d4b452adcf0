import type { Kysely } from 'kysely';
import { audit } from '../../audit.js';
import type { AccountKind, Database, Role } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { ORG_NOT_FOUND, roleRank } from '../../http/access.js';
import type { Principal } from '../../http/env.js';
import { normalizeEmail } from './accounts.js';

export interface Member {
  userId: string;
  email: string;
  name: string | null;
  kind: AccountKind;
  role: Role;
  since: Date;
}

/**
 * Whether a member with role `actor` may move someone from role `from` to role `to` (`from` null: adding them; `to`
 * null: removing them). Admins manage members; only owners grant or take away ownership. The last-owner rule needs
 * the organisation's state and is checked where the change is made.
 *
 * @example
 * ```ts
 * mayChangeRole('admin', 'viewer', 'issuer'); // true
 * mayChangeRole('admin', 'owner', 'admin'); // false
 * ```
 */
export function mayChangeRole(actor: Role, from: Role | null, to: Role | null): boolean {
  if (roleRank(actor) < roleRank('admin')) return false;
  return actor === 'owner' || (from !== 'owner' && to !== 'owner');
}

function members(db: Kysely<Database>, orgId: string) {
  return db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.userId')
    .select(['m.userId', 'u.email', 'u.name', 'u.kind', 'm.role', 'm.createdAt as since'])
    .where('m.orgId', '=', orgId);
}

export async function listMembers(db: Kysely<Database>, orgId: string): Promise<Member[]> {
  return members(db, orgId).orderBy('m.createdAt').orderBy('u.email').execute();
}

const noSuchMember = () => new AppError('ERR_NOT_FOUND', 'No member with this id in this organisation.');

/**
 * Serialises membership changes in one organisation (so two owners demoting each other at once cannot leave none)
 * and answers the actor's role as it is now, which may have changed since the request was authorised.
 * `FOR NO KEY UPDATE` does not block inserts that merely reference the organisation.
 */
async function lockForChange(db: Kysely<Database>, orgId: string, actor: Principal): Promise<Role> {
  await db.selectFrom('organizations').select('id').where('id', '=', orgId).forNoKeyUpdate().execute();
  const row = await db
    .selectFrom('memberships')
    .select('role')
    .where('orgId', '=', orgId)
    .where('userId', '=', actor.userId)
    .executeTakeFirst();
  if (!row) throw new AppError('ERR_NOT_FOUND', ORG_NOT_FOUND);
  return row.role;
}

function assertMayChange(actorRole: Role, from: Role | null, to: Role | null): void {
  if (!mayChangeRole(actorRole, from, to)) {
    throw new AppError(
      'ERR_FORBIDDEN',
      roleRank(actorRole) < roleRank('admin')
        ? `Managing members needs the admin role; you are ${actorRole}.`
        : 'Only an owner can make someone an owner, or change or remove an owner.',
    );
  }
}

async function assertNotLastOwner(db: Kysely<Database>, orgId: string, what: string): Promise<void> {
  const { owners } = await db
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll<number>().as('owners'))
    .where('orgId', '=', orgId)
    .where('role', '=', 'owner')
    .executeTakeFirstOrThrow();
  if (Number(owners) <= 1) {
    throw new AppError('ERR_STATE', `The organisation's last owner cannot be ${what}; make someone else owner first.`);
  }
}

/**
 * The member whose role is to become `to` (null: who is to be removed), once the actor may make that change under the
 * role rules and the last-owner rule. A member who has that role already is returned unchecked: nothing changes.
 */
async function memberToChange(
  db: Kysely<Database>,
  actor: Principal,
  orgId: string,
  userId: string,
  to: Role | null,
): Promise<Member> {
  const actorRole = await lockForChange(db, orgId, actor);
  const member = await members(db, orgId).where('m.userId', '=', userId).executeTakeFirst();
  if (!member) throw noSuchMember();
  if (member.role === to) return member;
  assertMayChange(actorRole, member.role, to);
  if (member.role === 'owner') await assertNotLastOwner(db, orgId, to === null ? 'removed' : 'demoted');
  return member;
}

/**
 * Adds an existing account to the organisation with a role. The account must exist: there is no invitation flow
 * yet, so people sign up first and are then added by their email address. Call inside a transaction.
 */
export async function addMember(
  db: Kysely<Database>,
  actor: Principal,
  orgId: string,
  input: { email: string; role: Role },
  now: Date,
): Promise<Member> {
  assertMayChange(await lockForChange(db, orgId, actor), null, input.role);
  const user = await db
    .selectFrom('users')
    .select('id')
    .where('email', '=', normalizeEmail(input.email))
    .executeTakeFirst();
  if (!user) {
    throw new AppError(
      'ERR_NOT_FOUND',
      'No account uses this email address: ask them to sign up first, then add them.',
    );
  }
  const added = await db
    .insertInto('memberships')
    .values({ orgId, userId: user.id, role: input.role, createdAt: now })
    .onConflict((oc) => oc.columns(['orgId', 'userId']).doNothing())
    .returning('userId')
    .executeTakeFirst();
  if (!added) throw new AppError('ERR_CONFLICT', 'This account is already a member; change its role instead.');
  await audit(db, actor, now, {
    orgId,
    action: 'member.add',
    targetType: 'user',
    targetId: user.id,
    data: { role: input.role },
  });
  return members(db, orgId).where('m.userId', '=', user.id).executeTakeFirstOrThrow();
}

/** Changes a member's role under the rules of {@link mayChangeRole} and the last-owner rule. Call inside a transaction. */
export async function changeMemberRole(
  db: Kysely<Database>,
  actor: Principal,
  orgId: string,
  userId: string,
  role: Role,
  now: Date,
): Promise<Member> {
  const member = await memberToChange(db, actor, orgId, userId, role);
  if (member.role === role) return member;
  await db.updateTable('memberships').set({ role }).where('orgId', '=', orgId).where('userId', '=', userId).execute();
  await audit(db, actor, now, {
    orgId,
    action: 'member.role-change',
    targetType: 'user',
    targetId: userId,
    data: { from: member.role, to: role },
  });
  return { ...member, role };
}

/**
 * Removes a member (also oneself) under the same rules, and revokes their API tokens bound to the organisation.
 * Call inside a transaction.
 */
export async function removeMember(
  db: Kysely<Database>,
  actor: Principal,
  orgId: string,
  userId: string,
  now: Date,
): Promise<void> {
  const member = await memberToChange(db, actor, orgId, userId, null);
  await db.deleteFrom('memberships').where('orgId', '=', orgId).where('userId', '=', userId).execute();
  // Their tokens for this organisation go too: otherwise adding them back later would revive every one of them.
  const revoked = await db
    .updateTable('apiTokens')
    .set({ revokedAt: now })
    .where('userId', '=', userId)
    .where('orgId', '=', orgId)
    .where('revokedAt', 'is', null)
    .returning('id')
    .execute();
  await audit(db, actor, now, {
    orgId,
    action: 'member.remove',
    targetType: 'user',
    targetId: userId,
    data: { role: member.role, revokedTokens: revoked.map((t) => t.id) },
  });
}
