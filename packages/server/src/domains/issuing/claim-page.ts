import type { Context } from 'hono';
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { AppEnv } from '../../http/env.js';
import { PASSWORD_MIN_LENGTH } from '../auth/schemas.js';
import type { PendingClaim } from './claims.js';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

// No scripts, nothing from elsewhere; forms post only here. The token is in the URL, so no Referer carries it away
// and no cache keeps the page.
const HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

const STYLE = `body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#1f2933;background:#f5f7fa}
main{max-width:36rem;margin:2rem auto;padding:1.25rem;background:#fff;border:1px solid #d9e2ec;border-radius:8px}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 .75rem}form{display:grid;gap:.5rem;margin-top:1rem}
label{display:grid;gap:.2rem}input{font:inherit;padding:.35rem}button{justify-self:start;font:inherit;padding:.4rem 1rem}
.error{background:#fef3f2;color:#b42318;border:1px solid #fecdca;padding:.5rem .75rem;border-radius:6px}.muted{color:#52606d}`;

function layout(title: string, body: Html): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>${title}</title>
        <style>
          ${STYLE}
        </style>
      </head>
      <body>
        <main>${body}</main>
      </body>
    </html>`;
}

/** Sends a claim page (escaped by hono/html, with headers that keep the token in the URL private). */
export async function sendClaimPage(c: Context<AppEnv>, content: Html, status: 200 | 400 | 404 | 409 | 410 = 200) {
  for (const [name, value] of Object.entries(HEADERS)) c.header(name, value);
  return c.html(await content, status);
}

/** The page a claim link opens: what was issued, by whom, and the form that claims it. */
export function claimPage(input: {
  token: string;
  claim: PendingClaim;
  /** The signed-in account, if any, and its CSRF token (sent back as a form field). */
  session: { email: string; csrfToken: string } | undefined;
  error?: string;
}): Html {
  const { claim, session, token } = input;
  const action = `/claim/${token}`;
  const email = claim.credential.recipientEmail ?? '';
  let form: Html;
  if (session) {
    form = html`<form method="post" action="${action}">
      <input type="hidden" name="_csrf" value="${session.csrfToken}" />
      <p>You are signed in as <strong>${session.email}</strong>.</p>
      <button type="submit">Add it to my account</button>
    </form>`;
  } else if (claim.accountExists) {
    form = html`<p>
      There is an account for <strong>${email}</strong> already. Sign in to it, then open this link again to add the
      credential.
    </p>`;
  } else {
    form = html`<form method="post" action="${action}">
      <p>Create your account for <strong>${email}</strong> to keep the credential.</p>
      <label
        >Your name
        <input name="name" autocomplete="name" maxlength="200" value="${claim.credential.recipientName ?? ''}"
      /></label>
      <label
        >Password (at least ${PASSWORD_MIN_LENGTH} characters)
        <input
          type="password"
          name="password"
          autocomplete="new-password"
          required
          minlength="${PASSWORD_MIN_LENGTH}"
          maxlength="1024"
        />
      </label>
      <button type="submit">Create my account and claim</button>
    </form>`;
  }
  return layout(
    `Claim ${claim.achievementName}`,
    html`<h1>${claim.issuerName} has issued you “${claim.achievementName}”</h1>
      ${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ''} ${form}
      <p class="muted">
        The credential is an Open Badge 3.0 anyone can verify; claiming it keeps it with your account, from where you
        can share it or move it to a wallet.
      </p>`,
  );
}

/** The page for a link that leads nowhere (404) or was used (410). */
export function claimGonePage(message: string): Html {
  return layout(
    'Claim link',
    html`<h1>This claim link cannot be used</h1>
      <p>${message}</p>`,
  );
}
