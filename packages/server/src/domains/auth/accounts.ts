import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AccountKind, Database, User } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { Principal } from '../../http/env.js';
import { hashPassword, verifyPassword, type ScryptParams } from '../../security/passwords.js';

/** An account as the API shows it (never its password hash). */
export interface AccountView {
  id: string;
  email: string;
  name: string | null;
  kind: AccountKind;
}

export const accountView = (u: AccountView): AccountView => ({ id: u.id, email: u.email, name: u.name, kind: u.kind });

/** Emails are stored and compared in lower case (the schema's email check accepts ASCII addresses only). */
export const normalizeEmail = (email: string): string => email.toLowerCase();

/** The account as the actor of its own audit entries (sign-up, sign-in), before any session exists. */
export const actingAs = (u: AccountView): Principal => ({ userId: u.id, email: u.email, kind: u.kind, via: 'session' });

export async function findAccountByEmail(db: Kysely<Database>, email: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst();
}

const emailTaken = () =>
  new AppError('ERR_EMAIL_TAKEN', 'An account with this email address already exists; sign in instead.');

/**
 * Creates an account. `passwordHash` null makes an account that cannot sign in with a password (until one is set).
 * Throws `ERR_EMAIL_TAKEN` when the address is in use, also when a concurrent sign-up took it first.
 *
 * @example
 * ```ts
 * const user = await createAccount(tx, { email, name: null, kind: 'learner', passwordHash: await hashPassword(pw) }, now);
 * ```
 */
export async function createAccount(
  db: Kysely<Database>,
  input: { email: string; name: string | null; kind: AccountKind; passwordHash: string | null },
  now: Date,
): Promise<User> {
  const user = await db
    .insertInto('users')
    .values({ id: randomUUID(), ...input, email: normalizeEmail(input.email), createdAt: now })
    .onConflict((oc) => oc.column('email').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!user) throw emailTaken();
  return user;
}

/** Throws `ERR_EMAIL_TAKEN` early, before the cost of hashing a password for an account that cannot be created. */
export async function assertEmailFree(db: Kysely<Database>, email: string): Promise<void> {
  if (await findAccountByEmail(db, email)) throw emailTaken();
}

/**
 * A checker of passwords that takes about as long whether or not the account exists: an unknown address (or an account
 * without a password) is checked against a dummy hash made with the same parameters, so timing does not tell which
 * addresses have accounts.
 */
export function createPasswordChecker(params: ScryptParams) {
  let dummy: Promise<string> | undefined;
  return async function checkPassword(user: User | undefined, password: string): Promise<User | undefined> {
    const stored = user?.passwordHash ?? (await (dummy ??= hashPassword(randomBytes(16).toString('hex'), params)));
    const ok = await verifyPassword(password, stored);
    return ok && user?.passwordHash ? user : undefined;
  };
}

/** Whether a stored hash was made with other scrypt parameters than the current ones (then re-hash on sign-in). */
export function needsRehash(stored: string, params: ScryptParams): boolean {
  const [, n, r, p] = stored.split('$');
  return Number(n) !== params.N || Number(r) !== params.r || Number(p) !== params.p;
}
