import type { Kysely } from 'kysely';
import type { CredentialRow, Database, User } from '../../db/schema.js';
import { audit } from '../../audit.js';
import { AppError } from '../../errors.js';
import type { AppDeps, Principal } from '../../http/env.js';
import { isUuid } from '../../http/schemas.js';
import { hashPassword } from '../../security/passwords.js';
import { secretHash } from '../../security/tokens.js';
import { actingAs, createAccount } from '../auth/accounts.js';
import { PASSWORD_MIN_LENGTH } from '../auth/schemas.js';
import { startSession, type NewSession } from '../auth/sessions.js';
import { evaluateAwards } from '../awards/engine.js';

const CLAIM_TOKEN = /^sp_claim_[A-Za-z0-9_-]{43}$/;

const unknownToken = () =>
  new AppError('ERR_NOT_FOUND', 'This claim link is not valid: check that it was copied whole from the mail.');
const usedToken = () =>
  new AppError('ERR_GONE', 'This credential has already been claimed: sign in to the account that claimed it.');

/** What a claim link leads to, for the claim page. */
export interface PendingClaim {
  credential: CredentialRow;
  /** The credential's name (its achievement's) and its issuer's, as signed. */
  achievementName: string;
  issuerName: string;
  /** True when an account already exists for the recipient's email: the recipient must sign in to claim. */
  accountExists: boolean;
}

/**
 * The credential a claim token names. `ERR_NOT_FOUND` for a token that names none, `ERR_GONE` once it has been
 * claimed.
 */
export async function findPendingClaim(db: Kysely<Database>, token: string): Promise<PendingClaim> {
  if (!CLAIM_TOKEN.test(token)) throw unknownToken();
  // One statement, so one snapshot: a concurrent claim that created the account also shows as claimed (410), never
  // as "an account exists" (409) with the credential still unclaimed.
  const found = await db
    .selectFrom('credentials as c')
    .leftJoin('users as u', 'u.email', 'c.recipientEmail')
    .selectAll('c')
    .select('u.id as accountId')
    .where('c.claimTokenHash', '=', secretHash(token))
    .executeTakeFirst();
  if (!found) throw unknownToken();
  const { accountId, ...credential } = found;
  if (credential.claimedAt !== null) throw usedToken();
  const document = credential.document as { name?: unknown; issuer?: { name?: unknown } };
  return {
    credential,
    achievementName: typeof document.name === 'string' ? document.name : 'a credential',
    issuerName: typeof document.issuer?.name === 'string' ? document.issuer.name : 'The issuer',
    accountExists: accountId !== null,
  };
}

export interface ClaimResult {
  credential: CredentialRow;
  holder: Pick<User, 'id' | 'email' | 'name' | 'kind'>;
  /** Set when the claim created the account: the session that signs it in. */
  session?: NewSession;
}

/**
 * Redeems a claim token: the credential is attached to the signed-in account, or, for a visitor, to a new learner
 * account for the recipient's email (with `password`), which is then signed in. A token works once (`ERR_GONE`
 * after); a visitor whose email already has an account must sign in first (`ERR_EMAIL_TAKEN`). Everything, the
 * audit entries included, commits in one transaction; two concurrent claims of one token cannot both succeed.
 *
 * @example
 * ```ts
 * const { credential, session } = await claimCredential(deps, null, { token, password: 'a long passphrase' });
 * ```
 */
export async function claimCredential(
  deps: AppDeps,
  principal: Principal | null,
  input: { token: string; password?: string | undefined; name?: string | undefined },
): Promise<ClaimResult> {
  const pending = await findPendingClaim(deps.db, input.token);
  let passwordHash: string | undefined;
  if (!principal) {
    if (pending.accountExists) {
      throw new AppError(
        'ERR_EMAIL_TAKEN',
        `An account for ${pending.credential.recipientEmail} exists already: sign in, then claim the credential.`,
      );
    }
    if (input.password === undefined || input.password.length < PASSWORD_MIN_LENGTH) {
      throw new AppError(
        'ERR_VALIDATION',
        `password: choose a password of at least ${PASSWORD_MIN_LENGTH} characters for your new account.`,
      );
    }
    passwordHash = await hashPassword(input.password, deps.passwordParams);
  }
  const now = deps.clock();
  return deps.db.transaction().execute(async (tx) => {
    const row = await tx
      .selectFrom('credentials')
      .selectAll()
      .where('id', '=', pending.credential.id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (row.claimedAt !== null) throw usedToken();
    let holder: ClaimResult['holder'];
    let actor: Principal;
    let session: NewSession | undefined;
    if (principal) {
      const user = await tx
        .selectFrom('users')
        .select(['id', 'email', 'name', 'kind'])
        .where('id', '=', principal.userId)
        .executeTakeFirstOrThrow();
      holder = user;
      actor = principal;
    } else {
      const user = await createAccount(
        tx,
        {
          email: row.recipientEmail!,
          name: input.name?.trim() || row.recipientName,
          kind: 'learner',
          passwordHash: passwordHash!,
        },
        now,
      );
      holder = user;
      actor = actingAs(user);
      await audit(tx, actor, now, {
        orgId: null,
        action: 'user.sign-up',
        targetType: 'user',
        targetId: user.id,
        data: { kind: 'learner', via: 'claim' },
      });
      session = await startSession(tx, user.id, now);
    }
    const credential = await tx
      .updateTable('credentials')
      .set({ holderUserId: holder.id, claimedAt: now })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(tx, actor, now, {
      orgId: row.orgId,
      action: 'credential.claim',
      targetType: 'credential',
      targetId: row.id,
      data: { holderUserId: holder.id },
    });
    // Holding it may complete a pathway that names its achievement.
    await evaluateAwards(tx, deps, {
      learnerUserId: holder.id,
      trigger: { type: 'achievement', id: row.achievementId },
    });
    return { credential, holder, ...(session && { session }) };
  });
}

/** The credentials an account holds (claimed by it), newest first. */
export async function heldCredentials(db: Kysely<Database>, userId: string): Promise<CredentialRow[]> {
  return db
    .selectFrom('credentials')
    .selectAll()
    .where('holderUserId', '=', userId)
    .orderBy('claimedAt', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/**
 * Lets the holder show or hide their name on the credential's public page. Another account's credential is not found.
 */
export async function setNamePublic(
  db: Kysely<Database>,
  principal: Principal,
  now: Date,
  credentialId: string,
  namePublic: boolean,
): Promise<CredentialRow> {
  const notHeld = () => new AppError('ERR_NOT_FOUND', 'You hold no credential with this id.');
  if (!isUuid(credentialId)) throw notHeld();
  return db.transaction().execute(async (tx) => {
    const row = await tx
      .updateTable('credentials')
      .set({ namePublic })
      .where('id', '=', credentialId)
      .where('holderUserId', '=', principal.userId)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw notHeld();
    await audit(tx, principal, now, {
      orgId: row.orgId,
      action: 'credential.name-public',
      targetType: 'credential',
      targetId: row.id,
      data: { namePublic },
    });
    return row;
  });
}
