import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Kysely } from 'kysely';
import { z } from '@hono/zod-openapi';
import { normalizeEmail } from '@skillproof/core';
import type { Database } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { AppDeps, Principal } from '../../http/env.js';
import { isUuid } from '../../http/schemas.js';
import { evaluateAwards, type AwardResult } from './engine.js';
import { getOrgAchievement } from './rules.js';

/** Who an event or approval is about: an account by email or id. */
export const LearnerRef = z
  .union([z.object({ email: z.string().trim().min(3).max(320) }).strict(), z.object({ userId: z.uuid() }).strict()])
  .openapi('LearnerRef', { description: 'An account, by `email` or `userId`.' });
export type LearnerRef = z.infer<typeof LearnerRef>;

/** The largest `data` an event may carry, as JSON. */
export const MAX_EVENT_DATA_BYTES = 16 * 1024;

export const EventInput = z
  .object({
    learner: LearnerRef,
    name: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .regex(/^[\w.:/-]+$/, 'letters, digits and _ . : / - only'),
    data: z
      .record(z.string().max(100), z.unknown())
      .refine((d) => JSON.stringify(d).length <= MAX_EVENT_DATA_BYTES, {
        message: `at most ${MAX_EVENT_DATA_BYTES / 1024} KiB of JSON`,
      })
      .optional(),
    eventKey: z
      .string()
      .regex(/^[\x21-\x7e]{1,200}$/, 'must be 1 to 200 visible ASCII characters')
      .optional()
      .openapi({ description: 'Makes the event idempotent: the same key again is the same event, recorded once.' }),
  })
  .strict()
  .openapi('AwardEventInput');
export type EventInput = z.infer<typeof EventInput>;

/** The account an event or approval names, or `ERR_NOT_FOUND`. */
export async function getLearnerId(db: Kysely<Database>, learner: LearnerRef): Promise<string> {
  const row =
    'email' in learner
      ? await db.selectFrom('users').select('id').where('email', '=', normalizeEmail(learner.email)).executeTakeFirst()
      : await db.selectFrom('users').select('id').where('id', '=', learner.userId).executeTakeFirst();
  if (!row) throw new AppError('ERR_NOT_FOUND', 'No account with this email or id.', { path: 'learner' });
  return row.id;
}

export interface AwardEventRecord {
  id: string;
  learnerUserId: string;
  name: string;
  data: unknown;
  source: 'api' | 'webhook';
  eventKey: string | null;
  at: Date;
}

/**
 * Records an external event about a learner and runs the award engine for the rules it can change. An `eventKey`
 * already used in this organisation is a replay: the first event is answered (`replayed`), nothing is recorded or
 * evaluated again; the same key with a different event is `ERR_CONFLICT`.
 *
 * @example
 * ```ts
 * const { event, awards } = await recordEvent(tx, deps, orgId, { learner: { email }, name: 'course.completed' }, 'api');
 * ```
 */
export async function recordEvent(
  tx: Kysely<Database>,
  deps: AppDeps,
  orgId: string,
  input: EventInput,
  source: 'api' | 'webhook',
): Promise<{ event: AwardEventRecord; replayed: boolean; awards: AwardResult[] }> {
  const learnerUserId = await getLearnerId(tx, input.learner);
  const data = input.data ?? {};
  const inserted = await tx
    .insertInto('awardEvents')
    .values({
      id: randomUUID(),
      orgId,
      learnerUserId,
      name: input.name,
      data: JSON.stringify(data),
      source,
      eventKey: input.eventKey ?? null,
      at: deps.clock(),
    })
    .onConflict((oc) => oc.columns(['orgId', 'eventKey']).doNothing())
    .returning(['id', 'learnerUserId', 'name', 'data', 'source', 'eventKey', 'at'])
    .executeTakeFirst();
  if (!inserted) {
    const existing = await tx
      .selectFrom('awardEvents')
      .select(['id', 'learnerUserId', 'name', 'data', 'source', 'eventKey', 'at'])
      .where('orgId', '=', orgId)
      .where('eventKey', '=', input.eventKey!)
      .executeTakeFirstOrThrow();
    if (
      existing.learnerUserId !== learnerUserId ||
      existing.name !== input.name ||
      !isDeepStrictEqual(existing.data, JSON.parse(JSON.stringify(data)))
    ) {
      throw new AppError('ERR_CONFLICT', 'This eventKey was already used for a different event.', { path: 'eventKey' });
    }
    return { event: existing, replayed: true, awards: [] };
  }
  const awards = await evaluateAwards(tx, deps, { learnerUserId, trigger: { type: 'event', orgId, name: input.name } });
  return { event: inserted, replayed: false, awards };
}

/**
 * Approves a learner for an achievement (the `approval` rule) and runs its rule. Approving again updates the note.
 */
export async function approveLearner(
  tx: Kysely<Database>,
  deps: AppDeps,
  input: { orgId: string; achievementId: string; learner: LearnerRef; note?: string | undefined; actor: Principal },
) {
  const achievement = await getOrgAchievement(tx, input.orgId, input.achievementId);
  if (achievement.archivedAt) throw new AppError('ERR_STATE', 'This achievement is archived.');
  const learnerUserId = await getLearnerId(tx, input.learner);
  const values = { approvedBy: input.actor.userId, note: input.note ?? null, at: deps.clock() };
  const approval = await tx
    .insertInto('awardApprovals')
    .values({ achievementId: input.achievementId, learnerUserId, ...values })
    .onConflict((oc) => oc.columns(['achievementId', 'learnerUserId']).doUpdateSet(values))
    .returningAll()
    .executeTakeFirstOrThrow();
  const awards = await evaluateAwards(tx, deps, {
    learnerUserId,
    trigger: { type: 'approval', achievementId: input.achievementId },
  });
  return { approval, awards };
}

// --- webhooks

/** How far a webhook's signed timestamp may be from the server's clock. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;
export const SIGNATURE_HEADER = 'X-Skillproof-Signature';

const sealedFor = (secretId: string) => `webhook-secret:${secretId}`;

/**
 * Creates a webhook secret for an organisation: returned once (`whsec_…`), stored sealed under the master key (bound
 * to its row, like signing keys). The HMAC key is the secret's text as UTF-8.
 */
export async function createWebhookSecret(
  tx: Kysely<Database>,
  deps: Pick<AppDeps, 'keys'>,
  orgId: string,
  now: Date,
): Promise<{ id: string; secret: string; createdAt: Date }> {
  const id = randomUUID();
  const secret = `whsec_${randomBytes(32).toString('base64url')}`;
  await tx
    .insertInto('webhookSecrets')
    .values({
      id,
      orgId,
      secretCiphertext: deps.keys.seal(new Uint8Array(Buffer.from(secret, 'utf8')), sealedFor(id)),
      createdAt: now,
      revokedAt: null,
    })
    .execute();
  return { id, secret, createdAt: now };
}

export async function listWebhookSecrets(db: Kysely<Database>, orgId: string) {
  return db
    .selectFrom('webhookSecrets')
    .select(['id', 'createdAt', 'revokedAt'])
    .where('orgId', '=', orgId)
    .orderBy('createdAt', 'desc')
    .orderBy('id')
    .execute();
}

/** Revokes a webhook secret (signatures made with it are refused from now on). Idempotent. */
export async function revokeWebhookSecret(tx: Kysely<Database>, orgId: string, secretId: string, now: Date) {
  const row = await tx
    .selectFrom('webhookSecrets')
    .select(['id', 'createdAt', 'revokedAt'])
    .where('orgId', '=', orgId)
    .where('id', '=', secretId)
    .executeTakeFirst();
  if (!row) throw new AppError('ERR_NOT_FOUND', 'No webhook secret with this id in this organisation.');
  if (row.revokedAt) return { secret: row, changed: false };
  await tx.updateTable('webhookSecrets').set({ revokedAt: now }).where('id', '=', secretId).execute();
  return { secret: { ...row, revokedAt: now }, changed: true };
}

/** `t=<unix seconds>,v1=<hex>` (several `v1` allowed, e.g. while rotating secrets). */
export function parseSignatureHeader(header: string | undefined): { t: number; v1: string[] } | undefined {
  if (!header || header.length > 2000) return undefined;
  let t: number | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value && /^\d{1,12}$/.test(value)) t = Number(value);
    else if (key === 'v1' && value && /^[0-9a-fA-F]{64}$/.test(value)) v1.push(value.toLowerCase());
  }
  return t === undefined || v1.length === 0 ? undefined : { t, v1 };
}

/** The signature header for a body: what an organisation's system sends (tests and the docs use it). */
export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

const signatureError = (message: string) => new AppError('ERR_WEBHOOK_SIGNATURE', message);

/**
 * Checks a webhook's `X-Skillproof-Signature` against the organisation's active secrets: HMAC-SHA256 over
 * `<t>.<raw body>`, compared in constant time, `t` within {@link WEBHOOK_TOLERANCE_SECONDS} of the server's clock.
 * Every failure, an unknown organisation included, is the same `ERR_WEBHOOK_SIGNATURE` (401). Returns the matching
 * signature (hex).
 */
export async function verifyWebhookSignature(
  db: Kysely<Database>,
  deps: Pick<AppDeps, 'keys' | 'clock'>,
  orgId: string,
  header: string | undefined,
  rawBody: string,
): Promise<string> {
  const parsed = parseSignatureHeader(header);
  if (!parsed) {
    throw signatureError(`Send the ${SIGNATURE_HEADER} header: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">.`);
  }
  const skew = Math.abs(deps.clock().getTime() / 1000 - parsed.t);
  if (skew > WEBHOOK_TOLERANCE_SECONDS) {
    throw signatureError(
      `The signature's timestamp is more than ${WEBHOOK_TOLERANCE_SECONDS / 60} minutes from the server's clock; sign ` +
        'the request again with the current time.',
    );
  }
  const secrets = isUuid(orgId)
    ? await db
        .selectFrom('webhookSecrets')
        .select(['id', 'secretCiphertext'])
        .where('orgId', '=', orgId)
        .where('revokedAt', 'is', null)
        .execute()
    : [];
  const sent = parsed.v1.map((hex) => Buffer.from(hex, 'hex'));
  for (const s of secrets) {
    const key = deps.keys.open(s.secretCiphertext, sealedFor(s.id));
    const expected = createHmac('sha256', key).update(`${parsed.t}.${rawBody}`).digest();
    const match = sent.find(
      (candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected),
    );
    if (match) return match.toString('hex');
  }
  throw signatureError("The signature does not match any of this organisation's webhook secrets.");
}
