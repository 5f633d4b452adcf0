import type { Kysely } from 'kysely';
import type { Clock } from '@skillproof/core';
import type { Database } from '../db/schema.js';
import type { Logger } from '../logger.js';
import type { Mailer } from './mailer.js';

export interface MailDispatcherOptions {
  /** Mails taken per round. Default 20. */
  batchSize?: number;
  /** Attempts before a mail is given up (its last error stays on the row). Default 8. */
  maxAttempts?: number;
  /** How long a taken mail is reserved for its sender; past it, a crashed sender's mail is taken again. Default 5 min. */
  leaseMs?: number;
  /** Time between rounds when `start` runs them. Default 5 s. */
  intervalMs?: number;
}

export interface MailDispatcher {
  /** One round: takes due mails, sends them, records each outcome. Resolves to what happened. */
  runOnce(): Promise<{ sent: number; failed: number }>;
  /** Runs rounds every `intervalMs` until {@link MailDispatcher.stop}. */
  start(): void;
  /** Stops, after the round in progress (if any) ends. */
  stop(): Promise<void>;
}

/** Back-off after the n-th failed attempt: 1, 2, 4 … minutes, at most 6 hours. */
export const retryDelayMs = (attempts: number): number => Math.min(60_000 * 2 ** (attempts - 1), 6 * 3_600_000);

/**
 * Sends the `outbox` through an SMTP {@link Mailer}: the outbox table is the queue (a transactional outbox), so a mail
 * is queued in the same transaction as the change it tells of, and sent only once that change commits. Each round
 * reserves due rows (`FOR UPDATE SKIP LOCKED`, then a lease in `next_attempt_at`, so several server processes never
 * take the same mail and no transaction stays open during SMTP), sends them one by one, then marks each `sent_at`,
 * or records the error and schedules a retry with exponential back-off. Delivery is at least once: a process that dies
 * between sending and marking sends that mail again after the lease.
 *
 * In development no dispatcher runs: mails stay in the outbox, which the app shows (`/dev/outbox`).
 *
 * @example
 * ```ts
 * const dispatcher = createMailDispatcher({ db, mailer: await createSmtpMailer(url, from), logger, clock });
 * dispatcher.start();
 * ```
 */
export function createMailDispatcher(
  deps: { db: Kysely<Database>; mailer: Mailer; logger: Logger; clock: Clock },
  options: MailDispatcherOptions = {},
): MailDispatcher {
  const { db, mailer, logger, clock } = deps;
  const batchSize = options.batchSize ?? 20;
  const maxAttempts = options.maxAttempts ?? 8;
  const leaseMs = options.leaseMs ?? 5 * 60_000;
  const intervalMs = options.intervalMs ?? 5_000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;

  async function runOnce(): Promise<{ sent: number; failed: number }> {
    const now = clock();
    const due = await db
      .updateTable('outbox')
      .set({ nextAttemptAt: new Date(now.getTime() + leaseMs) })
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('outbox')
          .select('id')
          .where('sentAt', 'is', null)
          .where('attempts', '<', maxAttempts)
          .where((w) => w.or([w('nextAttemptAt', 'is', null), w('nextAttemptAt', '<=', now)]))
          .orderBy('createdAt')
          .limit(batchSize)
          .forUpdate()
          .skipLocked(),
      )
      .returning(['id', 'toAddress', 'subject', 'text', 'html', 'attempts'])
      .execute();
    let sent = 0;
    let failed = 0;
    for (const mail of due) {
      try {
        await mailer.send({
          to: mail.toAddress,
          subject: mail.subject,
          text: mail.text,
          ...(mail.html !== null && { html: mail.html }),
        });
        await db
          .updateTable('outbox')
          .set({ sentAt: clock(), error: null, attempts: mail.attempts + 1, nextAttemptAt: null })
          .where('id', '=', mail.id)
          .execute();
        sent++;
      } catch (e) {
        const attempts = mail.attempts + 1;
        const error = e instanceof Error ? e.message : String(e);
        await db
          .updateTable('outbox')
          .set({
            error: error.slice(0, 1000),
            attempts,
            nextAttemptAt: attempts < maxAttempts ? new Date(clock().getTime() + retryDelayMs(attempts)) : null,
          })
          .where('id', '=', mail.id)
          .execute();
        // The address is personal data and the error may quote it: log the mail's id only.
        logger.warn({ mailId: mail.id, attempts, givenUp: attempts >= maxAttempts }, 'mail not sent');
        failed++;
      }
    }
    return { sent, failed };
  }

  function tick(): void {
    running = runOnce()
      .catch((err: unknown) => logger.error({ err }, 'mail dispatch round failed'))
      .finally(() => {
        running = undefined;
        if (timer) timer = setTimeout(tick, intervalMs).unref();
      });
  }

  return {
    runOnce,
    start() {
      if (timer) return;
      timer = setTimeout(tick, 0).unref();
    },
    async stop() {
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
