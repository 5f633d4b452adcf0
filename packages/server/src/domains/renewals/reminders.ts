import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { html } from 'hono/html';
import type { Database } from '../../db/schema.js';
import type { AppDeps } from '../../http/env.js';
import { credentialUrl } from '../issuing/issue.js';

/** Lead times when an achievement sets no `renewal` (the definition's default). */
export const DEFAULT_REMINDER_DAYS = [30, 7];
/** The longest lead time a definition may set (`renewal.reminderDays`): how far ahead the scan looks. */
const MAX_LEAD_DAYS = 365;
const DAY_MS = 86_400_000;

/** A due reminder: an award whose credential expires within one of its lead times, not yet told of it. */
interface DueReminder {
  awardId: string;
  orgId: string;
  achievementId: string;
  credentialId: string;
  validUntil: Date;
  email: string;
  userName: string | null;
  daysBefore: number;
}

/**
 * Due (award, lead time) pairs, soonest expiry first: the award's credential is active and expires in the future but
 * within the lead time; no newer generation of the award exists (it was renewed); no reminder at this lead time or a
 * shorter one was sent (a shorter one is more urgent and already said it). Lead times come from the achievement's
 * current definition (`renewal.reminderDays`, default 30 and 7 days).
 */
async function dueReminders(db: Kysely<Database>, now: Date, limit: number): Promise<DueReminder[]> {
  const horizon = new Date(now.getTime() + MAX_LEAD_DAYS * DAY_MS);
  const { rows } = await sql<DueReminder>`
    SELECT a.id AS "awardId", a.org_id AS "orgId", a.achievement_id AS "achievementId",
           c.id AS "credentialId", c.valid_until AS "validUntil", u.email AS "email", u.name AS "userName",
           lead.days AS "daysBefore"
    FROM awards a
    JOIN credentials c ON c.id = a.credential_id
    JOIN users u ON u.id = a.learner_user_id
    JOIN achievements ach ON ach.id = a.achievement_id
    JOIN achievement_versions v ON v.achievement_id = ach.id AND v.version = ach.current_version
    CROSS JOIN LATERAL (
      SELECT d::int AS days
      FROM jsonb_array_elements_text(
        COALESCE(v.definition -> 'renewal' -> 'reminderDays', ${JSON.stringify(DEFAULT_REMINDER_DAYS)}::jsonb)
      ) AS d
    ) AS lead
    WHERE c.state = 'active'
      AND c.valid_until > ${now} AND c.valid_until <= ${horizon}
      AND c.valid_until - lead.days * interval '1 day' <= ${now}
      AND NOT EXISTS (
        SELECT 1 FROM awards newer
        WHERE newer.achievement_id = a.achievement_id AND newer.learner_user_id = a.learner_user_id
          AND newer.generation > a.generation
      )
      AND NOT EXISTS (
        SELECT 1 FROM award_reminders r WHERE r.award_id = a.id AND r.days_before <= lead.days
      )
    ORDER BY c.valid_until, a.id, lead.days
    LIMIT ${limit}
  `.execute(db);
  return rows.map((r) => ({ ...r, validUntil: new Date(r.validUntil), daysBefore: Number(r.daysBefore) }));
}

/** How to renew: pass one of the achievement's open assessments again before the credential expires. */
async function renewalPaths(db: Kysely<Database>, achievementId: string) {
  return db
    .selectFrom('assessments')
    .select(['id', 'title'])
    .where('achievementId', '=', achievementId)
    .where('state', '=', 'open')
    .where('archivedAt', 'is', null)
    .orderBy('createdAt')
    .limit(5)
    .execute();
}

/** The reminder mail: what expires when, and how to renew it. */
export async function reminderMail(
  publicUrl: string,
  input: {
    email: string;
    userName: string | null;
    orgName: string;
    achievementName: string;
    credentialId: string;
    validUntil: Date;
    now: Date;
    assessments: { id: string; title: string }[];
  },
): Promise<{ toAddress: string; subject: string; text: string; html: string }> {
  const days = Math.max(1, Math.ceil((input.validUntil.getTime() - input.now.getTime()) / DAY_MS));
  const inDays = days === 1 ? 'in 1 day' : `in ${days} days`;
  const date = input.validUntil.toISOString().slice(0, 10);
  const link = credentialUrl(publicUrl, input.credentialId);
  const greeting = input.userName ? `Hello ${input.userName},` : 'Hello,';
  const paths = input.assessments.map((a) => ({ title: a.title, url: `${publicUrl}/assessments/${a.id}` }));
  const how =
    paths.length > 0
      ? 'To renew it, pass its assessment again before then; the renewed credential runs on from this one:'
      : `To renew it, contact ${input.orgName} before then.`;
  const text = [
    greeting,
    '',
    `Your credential "${input.achievementName}" from ${input.orgName} expires on ${date} (${inDays}).`,
    '',
    how,
    ...paths.map((p) => `- ${p.title}: ${p.url}`),
    '',
    `The credential: ${link}`,
  ].join('\n');
  const body = await html`<!doctype html>
    <html lang="en">
      <body>
        <p>${greeting}</p>
        <p>
          Your credential <strong>${input.achievementName}</strong> from ${input.orgName} expires on ${date}
          (${inDays}).
        </p>
        <p>${how}</p>
        ${
          paths.length > 0
            ? html`<ul>
                ${paths.map((p) => html`<li><a href="${p.url}">${p.title}</a></li>`)}
              </ul>`
            : ''
        }
        <p>The credential: <a href="${link}">${link}</a></p>
      </body>
    </html>`;
  return {
    toAddress: input.email,
    subject: `"${input.achievementName}" expires ${inDays}`,
    text,
    html: body.toString(),
  };
}

/**
 * Mails the holders of award credentials that expire within one of their achievement's lead times
 * (`renewal.reminderDays`), each (award, lead time) once: the `award_reminders` row and the outbox row are written in
 * one transaction, and a row another process wrote first means no mail. When several lead times have passed at once
 * (a credential issued close to its expiry, or the job not running for a while), one mail goes out for the shortest
 * and every passed lead time is recorded. Credentials revoked or suspended, and awards already renewed, get none.
 * Returns how many mails were written and whether the scan hit `limit` (more may be due).
 *
 * @example
 * ```ts
 * const { sent } = await sendExpiryReminders(deps);
 * ```
 */
export async function sendExpiryReminders(
  deps: Pick<AppDeps, 'db' | 'clock' | 'publicUrl'>,
  options: { limit?: number } = {},
): Promise<{ sent: number; more: boolean }> {
  const limit = options.limit ?? 200;
  const now = deps.clock();
  const due = await dueReminders(deps.db, now, limit);
  const byAward = new Map<string, DueReminder[]>();
  for (const r of due) byAward.set(r.awardId, [...(byAward.get(r.awardId) ?? []), r]);
  let sent = 0;
  for (const reminders of byAward.values()) {
    const first = reminders[0]!;
    const shortest = Math.min(...reminders.map((r) => r.daysBefore));
    const [org, achievement, assessments] = await Promise.all([
      deps.db.selectFrom('organizations').select('name').where('id', '=', first.orgId).executeTakeFirstOrThrow(),
      deps.db
        .selectFrom('achievements as a')
        .innerJoin('achievementVersions as v', (j) =>
          j.onRef('v.achievementId', '=', 'a.id').onRef('v.version', '=', 'a.currentVersion'),
        )
        .select('v.definition')
        .where('a.id', '=', first.achievementId)
        .executeTakeFirstOrThrow(),
      renewalPaths(deps.db, first.achievementId),
    ]);
    const mail = await reminderMail(deps.publicUrl, {
      email: first.email,
      userName: first.userName,
      orgName: org.name,
      achievementName: String(achievement.definition['name']),
      credentialId: first.credentialId,
      validUntil: first.validUntil,
      now,
      assessments,
    });
    const wrote = await deps.db.transaction().execute(async (tx) => {
      const recorded = await tx
        .insertInto('awardReminders')
        .values(reminders.map((r) => ({ awardId: r.awardId, daysBefore: r.daysBefore, sentAt: now })))
        .onConflict((oc) => oc.columns(['awardId', 'daysBefore']).doNothing())
        .returning('daysBefore')
        .execute();
      // Only the process that recorded the most urgent lead time mails.
      if (!recorded.some((r) => r.daysBefore === shortest)) return false;
      await tx
        .insertInto('outbox')
        .values({ id: randomUUID(), ...mail, createdAt: now })
        .execute();
      return true;
    });
    if (wrote) sent++;
  }
  return { sent, more: due.length >= limit };
}

/**
 * The reminder scan as a background job step: it looks at most once per `intervalMs` (default 15 minutes, by the
 * injected clock) while nothing is due, so an idle server pays a clock read per poll and one query per interval; it
 * keeps going while a scan fills its limit. Resolves whether it mailed anyone.
 *
 * @example
 * ```ts
 * const reminders = expiryReminderStep(deps);
 * startJobRunner({ step: async () => (await issueNextBatchChunk(deps)) || (await reminders()), logger });
 * ```
 */
export function expiryReminderStep(
  deps: Pick<AppDeps, 'db' | 'clock' | 'publicUrl'>,
  options: { intervalMs?: number; limit?: number } = {},
): () => Promise<boolean> {
  const intervalMs = options.intervalMs ?? 15 * 60_000;
  let nextScanAt = 0;
  return async () => {
    const now = deps.clock().getTime();
    if (now < nextScanAt) return false;
    const { sent, more } = await sendExpiryReminders(deps, options.limit === undefined ? {} : { limit: options.limit });
    if (!more) nextScanAt = now + intervalMs;
    return sent > 0;
  };
}
