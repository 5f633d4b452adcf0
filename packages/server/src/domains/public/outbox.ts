import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { html } from 'hono/html';
import type { AppDeps, AppEnv } from '../../http/env.js';
import { access } from '../../http/access.js';
import { route } from '../../http/route.js';
import { htmlResponse, jsonResponse } from '../../http/schemas.js';
import { humanDate, page, sendPage, type Html } from './layout.js';

/** The newest mails shown; the outbox is a development aid, not an archive. */
const LIMIT = 100;

const Mail = z
  .object({
    id: z.uuid(),
    to: z.string(),
    subject: z.string(),
    text: z.string(),
    html: z.string().nullable(),
    createdAt: z.iso.datetime(),
  })
  .openapi('OutboxMail');

const myOutbox = route({
  method: 'get',
  path: '/api/v1/me/outbox',
  access: access.signedIn(),
  tags: ['Development'],
  summary: 'Mail sent to me (development mailbox)',
  description:
    'When the server has no SMTP configured, mail is kept in an outbox instead of being sent. This lists the newest ' +
    `${LIMIT} mails addressed to the signed-in account's own email address, newest first: they carry secrets (claim ` +
    'links), so nobody sees anyone else’s.',
  responses: { 200: jsonResponse('Mails to me', z.object({ mails: z.array(Mail) })) },
});

const outboxPage = route({
  method: 'get',
  path: '/dev/outbox',
  access: access.public('public'),
  hide: true,
  summary: 'Development mailbox (page)',
  responses: { 200: htmlResponse('The page') },
});

export function registerOutboxRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(myOutbox, async (c) => {
    const mails = await mailsTo(c.get('deps'), c.get('principal')!.email);
    return c.json(
      {
        mails: mails.map((m) => ({
          id: m.id,
          to: m.toAddress,
          subject: m.subject,
          text: m.text,
          html: m.html,
          createdAt: m.createdAt.toISOString(),
        })),
      },
      200,
    );
  });

  app.openapi(outboxPage, async (c) => {
    const principal = c.get('principal');
    const deps = c.get('deps');
    return sendPage(c, outboxHtml(deps, principal?.email, principal ? await mailsTo(deps, principal.email) : []));
  });
}

function mailsTo(deps: AppDeps, email: string) {
  return deps.db
    .selectFrom('outbox')
    .select(['id', 'toAddress', 'subject', 'text', 'html', 'createdAt'])
    .where((eb) => eb(eb.fn('lower', ['toAddress']), '=', email.toLowerCase()))
    .orderBy('createdAt', 'desc')
    .orderBy('id')
    .limit(LIMIT)
    .execute();
}

type OutboxRow = Awaited<ReturnType<typeof mailsTo>>[number];

function outboxHtml(deps: AppDeps, email: string | undefined, mails: OutboxRow[]): Html {
  const body = html`<h1>Development mailbox</h1>
    <p class="muted">
      Without SMTP, Skillproof keeps the mail it would send here. You see only mail to your own address.
    </p>
    ${
      email === undefined
        ? html`<section><p>Sign in to see the mail sent to your address.</p></section>`
        : mails.length === 0
          ? html`<section>
              <p>No mail to <strong>${email}</strong> yet.</p>
            </section>`
          : mails.map(
              (m) =>
                html`<section>
                  <h2>${m.subject}</h2>
                  <p class="muted">
                    To ${m.toAddress} · ${humanDate(m.createdAt)} ${m.createdAt.toISOString().slice(11, 16)} UTC
                  </p>
                  <pre>${linkify(m.text, deps.publicUrl)}</pre>
                </section>`,
            )
    }`;
  return page({ title: 'Development mailbox · Skillproof', body });
}

/** The mail's text with this instance's links (claim links, credential pages) made clickable; the rest stays text. */
function linkify(text: string, publicUrl: string): Html[] {
  return text
    .split(/(https?:\/\/[^\s<>"']+)/)
    .map((part, i) =>
      i % 2 === 1 && part.startsWith(`${publicUrl}/`) ? html`<a href="${part}">${part}</a>` : html`${part}`,
    );
}
