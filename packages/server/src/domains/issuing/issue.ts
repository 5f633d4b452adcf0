import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  buildAchievementCredential,
  createIdentityObject,
  createStatusListEntry,
  normalizeEmail,
  signCredential,
  signCredentialJwt,
  type CredentialStatus,
  type Ed25519Key,
  type EvidenceInput,
  type ResultInput,
  type IdentityObject,
  type JsonObject,
} from '@skillproof/core';
import type { CredentialRow, Database } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { AppDeps, Principal } from '../../http/env.js';
import { newSecret, secretHash } from '../../security/tokens.js';
import { achievementInput } from '../achievements/definition.js';
import { assertIssuable, loadAchievementVersion } from '../achievements/service.js';
import { achievementExtras } from '../achievements/extras.js';
import { logCredentialEvents } from '../ledger/events.js';
import { getOrganization, issuerProfile, signingKeyFor } from '../orgs/service.js';
import { claimMail } from './claim-mail.js';
import { allocateStatusIndexes, statusListUrl, type StatusIndex } from './status-lists.js';

/** One credential to issue. */
export interface IssueItem {
  /** An email (the credential carries it as a salted, hashed IdentityObject) or a DID (the subject's `id`). */
  recipient: { email: string } | { did: string };
  /** The recipient's name, written into the credential only when given. */
  name?: string;
  /** Default: now. */
  validFrom?: Date;
  /** Default: validFrom + the achievement's `validityDays`, or no end when it has none. */
  validUntil?: Date;
  /** The CSV batch and row the credential comes from; (batch, row) is unique, so a row is never issued twice. */
  batch?: { id: string; row: number };
  /** A client's Idempotency-Key; (organisation, key) is unique. */
  idempotencyKey?: string;
  /** Hash of the request the key came with, to tell a replay from a different request reusing the key. */
  requestHash?: string;
  /** Mail an email recipient a claim link (default true). Ignored with `holderUserId`. */
  notify?: boolean;
  /**
   * The account the credential is issued to (the award engine's learners): it is held from the start, with no claim
   * link. The recipient is still the account's email (or DID).
   */
  holderUserId?: string;
  /** OB 3.0 Results (`credentialSubject.result`): score, rubric levels, pass/fail. */
  result?: ResultInput[];
  /** OB 3.0 Evidence: the submission, the assessment. */
  evidence?: EvidenceInput[];
  /** `credentialSubject.creditsEarned`. */
  creditsEarned?: number;
}

/**
 * Signs unsigned credentials with the organisation's key, in both forms: Data Integrity (`eddsa-rdfc-2022`) and the
 * Open Badges VC-JWT. Results are in input order. The proof's `created` and the JWT's `iat` are `options.created`.
 */
export interface CredentialSigner {
  sign(
    unsigned: JsonObject[],
    key: Ed25519Key,
    options: { created: Date },
  ): Promise<{ document: JsonObject; jwt: string }[]>;
}

/**
 * Signs in this thread, one credential after the other (about 0.4 ms each for both forms): right for single issues;
 * bulk issuance brings a signer that spreads the work over cores.
 */
export const inThreadSigner: CredentialSigner = {
  async sign(unsigned, key, { created }) {
    const clock = () => created;
    const out: { document: JsonObject; jwt: string }[] = [];
    for (const credential of unsigned) {
      out.push({
        document: await signCredential(credential, { key, clock }),
        jwt: await signCredentialJwt(credential, key, { form: 'ob-vc-jwt', clock }),
      });
    }
    return out;
  },
};

/** A stored credential, as {@link issueCredentials} inserted it. */
export type IssuedCredential = CredentialRow;

/** W3C DID syntax (DID Core §3.1): `did:` method `:` method-specific id, without path, query or fragment. */
export const DID_PATTERN =
  /^did:[a-z0-9]+:(?:(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})*:)*(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})+$/;

/** The public URL of a credential: its `id`. */
export const credentialUrl = (publicUrl: string, credentialId: string): string =>
  `${publicUrl}/credentials/${credentialId}`;

// Rows per INSERT: a credentials row binds 28 parameters; PostgreSQL allows 65,535 per statement.
const INSERT_CHUNK = 500;

/**
 * Issues credentials of one achievement: allocates their status entries (revocation; suspension too when the
 * organisation's `suspendableCredentials` is on at this moment), builds and signs each (Data Integrity and VC-JWT),
 * stores them, queues a claim mail for each notified email recipient (in the `outbox`, in this transaction), audits
 * each and appends each to the transparency log. Call inside a transaction: everything commits or nothing does.
 * Refuses an archived achievement (`ERR_STATE`); a second credential for the same batch row or Idempotency-Key fails on
 * a unique constraint (23505).
 *
 * @example
 * ```ts
 * const [credential] = await db.transaction().execute((tx) =>
 *   issueCredentials(tx, deps, { orgId, achievementId, items: [{ recipient: { email: 'ada@example.org' } }], actor }),
 * );
 * ```
 */
export async function issueCredentials(
  tx: Kysely<Database>,
  deps: AppDeps,
  input: {
    orgId: string;
    achievementId: string;
    achievementVersion?: number;
    items: IssueItem[];
    actor: Principal | null;
    signer?: CredentialSigner;
  },
): Promise<IssuedCredential[]> {
  const { orgId, items, actor } = input;
  if (items.length === 0) return [];
  const achievement = await loadAchievementVersion(tx, orgId, input.achievementId, input.achievementVersion);
  assertIssuable(achievement);
  const now = deps.clock();
  const recipients = items.map((item) => checkItem(item, now, achievement.definition.validityDays));
  const { org, key } = await signingKeyFor(tx, deps, orgId);
  const revocation = await allocateStatusIndexes(tx, orgId, 'revocation', items.length, now);
  // Read with the signing key, in this transaction: what the organisation asks for at the moment of issue.
  const suspension = org.suspendableCredentials
    ? await allocateStatusIndexes(tx, orgId, 'suspension', items.length, now)
    : undefined;
  // The issuer Profile names its parent organisation, as the public profile does.
  const parent = org.parentOrgId ? await getOrganization(tx, org.parentOrgId) : undefined;
  const issuer = issuerProfile(deps.publicUrl, org, parent);
  const achievementJson = {
    ...achievementInput(deps.publicUrl, achievement.achievementId, achievement.version, achievement.definition),
    ...(await achievementExtras(tx, deps.publicUrl, achievement.achievementId)),
  };

  const ids = items.map(() => randomUUID());
  const unsigned = items.map((item, i) => {
    const credential = buildAchievementCredential({
      id: credentialUrl(deps.publicUrl, ids[i]!),
      issuer,
      name: achievement.definition.name,
      validFrom: recipients[i]!.validFrom,
      ...(recipients[i]!.validUntil && { validUntil: recipients[i]!.validUntil }),
      awardedDate: now,
      subject: {
        ...subjectOf(item, recipients[i]!.email),
        ...(item.creditsEarned !== undefined && { creditsEarned: item.creditsEarned }),
      },
      achievement: achievementJson,
      ...(item.result && item.result.length > 0 && { result: item.result }),
      ...(item.evidence && item.evidence.length > 0 && { evidence: item.evidence }),
      credentialStatus: statusEntry(deps.publicUrl, 'revocation', revocation[i]!),
    }) as unknown as JsonObject;
    return suspension
      ? withSuspension(credential, statusEntry(deps.publicUrl, 'suspension', suspension[i]!))
      : credential;
  });
  const signed = await (input.signer ?? inThreadSigner).sign(unsigned, key, { created: now });
  if (signed.length !== items.length) throw new Error('The signer returned a different number of credentials.');

  const claimTokens = items.map((item, i) =>
    recipients[i]!.email !== undefined && item.notify !== false && item.holderUserId === undefined
      ? newSecret('sp_claim')
      : undefined,
  );
  const rows: IssuedCredential[] = [];
  for (let start = 0; start < items.length; start += INSERT_CHUNK) {
    const values = items.slice(start, start + INSERT_CHUNK).map((item, offset) => {
      const i = start + offset;
      const token = claimTokens[i];
      return {
        id: ids[i]!,
        orgId,
        achievementId: achievement.achievementId,
        achievementVersion: achievement.version,
        recipientEmail: recipients[i]!.email ?? null,
        recipientDid: recipients[i]!.did ?? null,
        recipientName: item.name ?? null,
        issuedAt: now,
        validFrom: recipients[i]!.validFrom,
        validUntil: recipients[i]!.validUntil ?? null,
        state: 'active' as const,
        revocationListId: revocation[i]!.listId,
        revocationIndex: revocation[i]!.index,
        suspensionListId: suspension?.[i]!.listId ?? null,
        suspensionIndex: suspension?.[i]!.index ?? null,
        document: JSON.stringify(signed[i]!.document),
        jwt: signed[i]!.jwt,
        claimTokenHash: token ? secretHash(token) : null,
        holderUserId: item.holderUserId ?? null,
        claimedAt: item.holderUserId !== undefined ? now : null,
        namePublic: false,
        batchId: item.batch?.id ?? null,
        batchRow: item.batch?.row ?? null,
        idempotencyKey: item.idempotencyKey ?? null,
        requestHash: item.requestHash ?? null,
        createdBy: actor?.userId ?? null,
      };
    });
    rows.push(...(await tx.insertInto('credentials').values(values).returningAll().execute()));
  }

  const mails = await Promise.all(
    rows.flatMap((row, i) =>
      claimTokens[i] ? [claimMail(deps.publicUrl, org, achievement.definition.name, row, claimTokens[i])] : [],
    ),
  );
  for (let start = 0; start < mails.length; start += INSERT_CHUNK) {
    await tx
      .insertInto('outbox')
      .values(mails.slice(start, start + INSERT_CHUNK).map((m) => ({ id: randomUUID(), ...m, createdAt: now })))
      .execute();
  }
  await auditIssues(tx, actor, now, orgId, rows);
  // Last: appending holds the log's lock until this transaction commits.
  const logged = ids.map((credentialId, i) => ({ credentialId, document: signed[i]!.document }));
  await logCredentialEvents(tx, 'issue', orgId, logged, now);
  return rows;
}

interface CheckedRecipient {
  email?: string;
  did?: string;
  validFrom: Date;
  validUntil?: Date;
}

function checkItem(item: IssueItem, now: Date, validityDays: number | undefined): CheckedRecipient {
  const r = item.recipient as { email?: unknown; did?: unknown };
  const recipient: Pick<CheckedRecipient, 'email' | 'did'> = {};
  if (typeof r.email === 'string' && r.did === undefined) {
    recipient.email = normalizeEmail(r.email);
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(recipient.email) || recipient.email.length > 320) {
      throw new AppError('ERR_VALIDATION', `recipient.email: ${JSON.stringify(r.email)} is not an email address.`);
    }
  } else if (typeof r.did === 'string' && r.email === undefined) {
    if (!DID_PATTERN.test(r.did) || r.did.length > 2048) {
      throw new AppError('ERR_VALIDATION', `recipient.did: ${JSON.stringify(r.did)} is not a DID (did:method:id).`);
    }
    recipient.did = r.did;
  } else {
    throw new AppError('ERR_VALIDATION', 'recipient: give exactly one of email or did.');
  }
  if (item.name !== undefined && (item.name.trim() === '' || item.name.length > 200)) {
    throw new AppError('ERR_VALIDATION', 'name: the recipient name must be 1 to 200 characters.');
  }
  const validFrom = item.validFrom ?? now;
  const validUntil =
    item.validUntil ?? (validityDays === undefined ? undefined : new Date(validFrom.getTime() + validityDays * 864e5));
  for (const [field, date] of [
    ['validFrom', validFrom],
    ['validUntil', validUntil],
  ] as const) {
    if (date && (Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1970 || date.getUTCFullYear() > 9999)) {
      throw new AppError('ERR_VALIDATION', `${field}: not a date between 1970 and 9999.`);
    }
  }
  if (validUntil && validUntil <= validFrom) {
    throw new AppError('ERR_VALIDATION', 'validUntil: must be later than validFrom.');
  }
  return { ...recipient, validFrom, ...(validUntil && { validUntil }) };
}

/**
 * The credential subject: a DID as its `id`, or the email as a salted, hashed IdentityObject (a fresh salt each time,
 * so that two credentials of one person cannot be linked by their hashes); the name, when given, as a plain `name`
 * IdentityObject (OB 3.0 IdentifierTypeEnum), since AchievementSubject has no name property.
 */
function subjectOf(item: IssueItem, email: string | undefined) {
  const identifier: IdentityObject[] = [];
  if (email !== undefined) identifier.push(createIdentityObject({ email }));
  if (item.name !== undefined) {
    identifier.push({ type: 'IdentityObject', identityType: 'name', hashed: false, identityHash: item.name.trim() });
  }
  const did = 'did' in item.recipient ? item.recipient.did : undefined;
  return did !== undefined
    ? { id: did, ...(identifier.length > 0 && { identifier }) }
    : { identifier: identifier as [IdentityObject, ...IdentityObject[]] };
}

function statusEntry(publicUrl: string, statusPurpose: 'revocation' | 'suspension', at: StatusIndex): CredentialStatus {
  const entry = createStatusListEntry({
    statusListCredential: statusListUrl(publicUrl, at.listId),
    statusListIndex: at.index,
    statusPurpose,
  });
  return { ...entry }; // A plain object: the builder's CredentialStatus type is open (an index signature).
}

/**
 * Adds the suspension entry beside the revocation one, for organisations that ask for it. VC 2.0 §4.10 lets
 * `credentialStatus` be a set, and revocation and suspension need one entry each (Bitstring Status List §2.1: one
 * purpose per entry); OB 3.0 lists it as 0..1 (1EdTech openbadges-specification#623 opens it for 3.1), so the builder,
 * which holds to OB 3.0, takes one entry and the second is added here, in the first one's place in the document.
 */
function withSuspension(credential: JsonObject, suspension: CredentialStatus): JsonObject {
  return { ...credential, credentialStatus: [credential['credentialStatus']!, suspension as unknown as JsonObject] };
}

async function auditIssues(
  tx: Kysely<Database>,
  actor: Principal | null,
  at: Date,
  orgId: string,
  rows: IssuedCredential[],
): Promise<void> {
  // One entry per credential, written in a few statements (the same rows `audit()` writes one at a time).
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    await tx
      .insertInto('auditLog')
      .values(
        rows.slice(start, start + INSERT_CHUNK).map((row) => ({
          orgId,
          actorUserId: actor?.userId ?? null,
          actorTokenId: actor?.tokenId ?? null,
          action: 'credential.issue',
          targetType: 'credential',
          targetId: row.id,
          data: JSON.stringify({
            achievementId: row.achievementId,
            achievementVersion: row.achievementVersion,
            recipient: row.recipientEmail !== null ? 'email' : 'did',
            ...(row.batchId !== null && { batchId: row.batchId, batchRow: row.batchRow }),
          }),
          at,
        })),
      )
      .execute();
  }
}
