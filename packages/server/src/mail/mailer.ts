import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
}

/** Development mail: kept in the `outbox` table and shown in the app (`/dev/outbox`), never sent. */
export function createOutboxMailer(db: Kysely<Database>): Mailer {
  return {
    async send(mail) {
      await db
        .insertInto('outbox')
        .values({
          id: randomUUID(),
          toAddress: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html ?? null,
        })
        .execute();
    },
  };
}

/** Mail through SMTP (`SMTP_URL`, e.g. `smtps://user:pass@smtp.example.org`), from `MAIL_FROM`. */
export async function createSmtpMailer(url: string, from: string): Promise<Mailer> {
  const { createTransport } = await import('nodemailer');
  const transport = createTransport(url);
  return {
    async send(mail) {
      await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
    },
  };
}
