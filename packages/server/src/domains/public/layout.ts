import type { Context } from 'hono';
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

// Pages load nothing from anywhere: no scripts at all, styles inline, images from this origin or data: URIs.
const CSP =
  "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const STYLE = `
:root { color-scheme: light; --ink: #1f2933; --muted: #52606d; --line: #d9e2ec; --ok: #0b6e4f; --bad: #b42318; --warn: #8a5a00; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #f5f7fa; }
header.site, main, footer.site { max-width: 56rem; margin: 0 auto; padding: 1rem 1.25rem; }
header.site { display: flex; gap: 1.25rem; align-items: baseline; }
header.site a { color: var(--ink); }
header.site .brand { font-weight: 700; text-decoration: none; margin-right: auto; }
main > section, .card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.25rem; margin: 0 0 1rem; }
h1 { font-size: 1.8rem; line-height: 1.2; margin: .25rem 0 .75rem; }
h2 { font-size: 1.2rem; margin: 0 0 .5rem; }
h3 { font-size: 1rem; margin: 1rem 0 .25rem; }
a { color: #1d4ed8; }
code, pre { font: 14px/1.45 ui-monospace, "DejaVu Sans Mono", monospace; }
pre { background: #f0f4f8; padding: .75rem; border-radius: 6px; overflow-x: auto; white-space: pre-wrap; word-break: break-word; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dt { color: var(--muted); } dd { margin: 0; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.prose { white-space: pre-line; }
.hero { display: flex; gap: 1.5rem; align-items: center; flex-wrap: wrap; }
.hero img { width: 160px; height: 160px; }
.state { font-weight: 700; padding: .5rem .75rem; border-radius: 6px; }
.state.revoked, .state.suspended, .error { background: #fef3f2; color: var(--bad); border: 1px solid #fecdca; padding: .5rem .75rem; border-radius: 6px; }
.summary.passed { color: var(--ok); } .summary.failed { color: var(--bad); } .summary.unknown { color: var(--warn); }
ul.checks { list-style: none; padding: 0; margin: 0; }
ul.checks li { border-top: 1px solid var(--line); padding: .6rem 0; }
.badge { display: inline-block; min-width: 9rem; font-weight: 700; }
.badge.passed { color: var(--ok); } .badge.failed { color: var(--bad); } .badge.unknown { color: var(--warn); } .badge.skipped { color: var(--muted); }
form { display: grid; gap: .5rem; }
textarea { width: 100%; min-height: 9rem; font: 13px/1.4 ui-monospace, monospace; }
input[type=url], input[type=file] { width: 100%; }
button { justify-self: start; padding: .4rem 1rem; font: inherit; }
.method { display: inline-block; min-width: 4.5rem; font-weight: 700; text-transform: uppercase; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; vertical-align: top; padding: .25rem .5rem; border-top: 1px solid var(--line); }
`;

/**
 * An HTML page: the site header, `body` inside <main>, `head` extras (meta tags). Every interpolation is escaped by
 * hono/html; only fragments built with `html` pass through as they are.
 */
export function page(input: { title: string; head?: Html; body: Html }): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${input.title}</title>
        ${input.head ?? ''}
        <style>
          ${raw(STYLE)}
        </style>
      </head>
      <body>
        <header class="site">
          <a class="brand" href="/verify">Skillproof</a><a href="/verify">Verify a credential</a><a href="/docs">API</a>
        </header>
        <main>${input.body}</main>
      </body>
    </html>`;
}

/** Sends a page with a content security policy that allows nothing from elsewhere and no scripts. */
export async function sendPage(c: Context, content: Html, status: ContentfulStatusCode = 200) {
  c.header('content-security-policy', CSP);
  c.header('x-content-type-options', 'nosniff');
  c.header('referrer-policy', 'no-referrer');
  return c.html(await content, status);
}

/** A date for people, in UTC: "1 June 2026". */
export function humanDate(date: Date): string {
  return date.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/** A link target only when it is http(s): anything else (javascript:, data:) is shown as text, never as a link. */
export function isWebUrl(url: string | null | undefined): url is string {
  return typeof url === 'string' && /^https?:\/\/[^\s]+$/i.test(url);
}
