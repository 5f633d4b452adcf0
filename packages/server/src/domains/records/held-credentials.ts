import { createHash, randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { matchesIdentity, type JsonObject, type JsonValue, type VerificationCheck } from '@skillproof/core';
import type { Database, HeldCredentialsTable } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { AppDeps } from '../../http/env.js';
import { isUuid } from '../../http/schemas.js';
import { evaluateAwards, type AwardResult } from '../awards/engine.js';
import type { Verifier } from '../public/verifier.js';

export type HeldCredentialRow = Selectable<HeldCredentialsTable>;

/** A credential as a learner hands it in: JSON-LD with an embedded proof, or a VC-JWT. */
export type HeldCredentialInput = { credential: JsonObject } | { jwt: string };

/** A check of the import beside core's: whether the credential names the learner. */
export interface RecipientCheck {
  id: 'recipient';
  status: 'passed' | 'failed';
  message: string;
}

const notFound = () => new AppError('ERR_NOT_FOUND', 'You hold no such credential.');

const asObject = (v: JsonValue | undefined): JsonObject | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
const asString = (v: JsonValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/** The first credential subject (VC 2.0 allows a list). */
function subjectOf(credential: JsonObject): JsonObject | undefined {
  const s = credential['credentialSubject'];
  return Array.isArray(s) ? asObject(s[0]) : asObject(s);
}

/**
 * Whether the credential was issued to this account: an email IdentityObject of its subject matches the account's
 * email (hashed with its salt, or in plain text), OB 3.0 §"Verify the recipient using an identifier". A subject known
 * only by a DID cannot be tied to the account here, so it does not count.
 */
function recipientCheck(credential: JsonObject, email: string): RecipientCheck {
  const identifiers = subjectOf(credential)?.['identifier'];
  const list = Array.isArray(identifiers) ? identifiers : identifiers === undefined ? [] : [identifiers];
  const matched = list.some((i) => asObject(i) !== undefined && matchesIdentity(asObject(i)!, email));
  return matched
    ? { id: 'recipient', status: 'passed', message: 'The credential was issued to your email address.' }
    : {
        id: 'recipient',
        status: 'failed',
        message:
          'The credential does not name your email address as its recipient (credentialSubject.identifier), so it ' +
          'cannot be held by this account.',
      };
}

const dateOf = (v: JsonValue | undefined): Date | null => {
  const s = asString(v);
  const d = s === undefined ? undefined : new Date(s);
  return d && !Number.isNaN(d.getTime()) ? d : null;
};

/**
 * What the award engine and the CLR read of a held credential: its issuer, its achievement's URI, the credits it
 * carries (`creditsEarned`, else the achievement's `creditsAvailable`) and its validity.
 */
function factsOf(credential: JsonObject) {
  const issuer = credential['issuer'];
  const issuerId = typeof issuer === 'string' ? issuer : (asString(asObject(issuer)?.['id']) ?? '');
  const subject = subjectOf(credential);
  const achievement = asObject(subject?.['achievement']);
  const credits = subject?.['creditsEarned'] ?? achievement?.['creditsAvailable'];
  return {
    issuerId,
    achievementUri: asString(achievement?.['id']) ?? null,
    credits: typeof credits === 'number' && Number.isFinite(credits) ? credits : null,
    validFrom: dateOf(credential['validFrom'] ?? credential['issuanceDate']),
    validUntil: dateOf(credential['validUntil'] ?? credential['expirationDate']),
  };
}

/**
 * Imports a credential a learner holds from another issuer. It is verified first with core's verifier (this
 * instance's documents in-process, others through `deps.fetcher`): proof, issuer key, validity, status, and that its
 * subject is the learner's email. Anything short of verified is `ERR_CREDENTIAL_UNVERIFIED` with the checks that failed
 * or could not be made, and nothing is stored. A verified credential is stored once per learner (by the SHA-256 of
 * what was sent: the JWT, or the JSON), then the award engine evaluates the rules that name its achievement. Sending
 * the same credential again answers the stored row (`created: false`) and changes nothing.
 *
 * @example
 * ```ts
 * const { held, awards } = await importHeldCredential(deps, verifier, user, { jwt });
 * ```
 */
export async function importHeldCredential(
  deps: AppDeps,
  verifier: Verifier,
  user: { id: string; email: string },
  input: HeldCredentialInput,
): Promise<{ held: HeldCredentialRow; created: boolean; awards: AwardResult[] }> {
  const received = 'jwt' in input ? input.jwt.trim() : JSON.stringify(input.credential);
  const contentHash = createHash('sha256').update(received).digest('hex');
  const stored = await findByHash(deps.db, user.id, contentHash);
  if (stored) return { held: stored, created: false, awards: [] };

  const result = await verifier.verify(deps, 'jwt' in input ? received : input.credential);
  const recipient = result.credential ? recipientCheck(result.credential, user.email) : undefined;
  const checks: (VerificationCheck | RecipientCheck)[] = [...result.checks, ...(recipient ? [recipient] : [])];
  if (!result.verified || !result.credential || recipient?.status !== 'passed') {
    const failed = checks.filter((c) => c.status === 'failed' || c.status === 'unknown');
    throw new AppError(
      'ERR_CREDENTIAL_UNVERIFIED',
      `The credential did not verify: ${failed.map((c) => `${c.id}: ${c.message}`).join(' ') || 'no check passed.'}`,
      { checks: failed },
    );
  }
  const credential = result.credential;
  const facts = factsOf(credential);
  const now = deps.clock();
  return deps.db.transaction().execute(async (tx) => {
    const inserted = await tx
      .insertInto('heldCredentials')
      .values({
        id: randomUUID(),
        userId: user.id,
        ...facts,
        // The JSON exactly as sent (a json column keeps its text); a JWT is kept as the JWT.
        document: 'jwt' in input ? null : received,
        jwt: 'jwt' in input ? received : null,
        verifiedAt: now,
        verification: JSON.stringify(checks),
        createdAt: now,
        contentHash,
      })
      .onConflict((oc) => oc.columns(['userId', 'contentHash']).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!inserted) {
      // The same credential, imported concurrently, committed first.
      return { held: (await findByHash(tx, user.id, contentHash))!, created: false, awards: [] };
    }
    const awards = facts.achievementUri
      ? await evaluateAwards(tx, deps, {
          learnerUserId: user.id,
          trigger: { type: 'external_achievement', id: facts.achievementUri },
        })
      : [];
    return { held: inserted, created: true, awards };
  });
}

function findByHash(db: Kysely<Database>, userId: string, contentHash: string) {
  return db
    .selectFrom('heldCredentials')
    .selectAll()
    .where('userId', '=', userId)
    .where('contentHash', '=', contentHash)
    .executeTakeFirst();
}

/** The credentials a learner holds from other issuers, newest first. */
export async function listHeldCredentials(db: Kysely<Database>, userId: string): Promise<HeldCredentialRow[]> {
  return db
    .selectFrom('heldCredentials')
    .selectAll()
    .where('userId', '=', userId)
    .orderBy('createdAt', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/**
 * Removes a held credential from the learner's account (what it already earned stays earned). Another learner's is
 * not found.
 */
export async function deleteHeldCredential(db: Kysely<Database>, userId: string, id: string): Promise<void> {
  if (!isUuid(id)) throw notFound();
  const result = await db
    .deleteFrom('heldCredentials')
    .where('id', '=', id)
    .where('userId', '=', userId)
    .executeTakeFirst();
  if (result.numDeletedRows === 0n) throw notFound();
}
