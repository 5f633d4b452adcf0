import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { html } from 'hono/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import {
  isCredentialBundle,
  isSkillproofError,
  type Fetcher,
  type JsonObject,
  type LedgerCheckOptions,
} from '@skillproof/core';
import { AppError, statusOf, type AppErrorCode } from '../../errors.js';
import { access } from '../../http/access.js';
import type { AppDeps, AppEnv } from '../../http/env.js';
import { route } from '../../http/route.js';
import { errorResponse, htmlResponse, jsonResponse } from '../../http/schemas.js';
import { explain, reportHtml, VerificationReport } from './explain.js';
import { page, sendPage, type Html } from './layout.js';
import type { Verifier } from './verifier.js';

/**
 * A credential to verify: as sent (object, text or bytes; from a download bundle, with its tlog-proof), or the
 * address to fetch it from.
 */
type VerifyInput = { credential: JsonObject | string | Uint8Array; tlogProof?: string } | { url: string };

const FETCH_ACCEPT =
  'application/vc+ld+json, application/ld+json;q=0.9, application/vc+jwt;q=0.9, application/json;q=0.8, ' +
  'image/png;q=0.7, image/svg+xml;q=0.7, */*;q=0.1';
const FETCH_TIMEOUT_MS = 10_000;
const MAX_INPUT_BYTES = 10 * 1024 * 1024;

const verifyApi = route({
  method: 'post',
  path: '/api/v1/verify',
  access: access.public('public'),
  tags: ['Verification'],
  summary: 'Verify a credential from any issuer',
  description:
    'Send the credential as JSON, a VC-JWT as text, a baked PNG or SVG image (its bytes), a multipart form with a ' +
    '`file` (or `credential` text, or `url`), or `{ "url": "https://…" }` to have it fetched (HTTPS, ≤ 10 MiB). ' +
    'Every check (format, schema, proof, issuer, validity, status) comes back passed, failed, unknown (could not be ' +
    'made) or skipped, with a code and a plain-language message. Input that holds no credential at all is a 400 ' +
    'with the code of what was wrong with it. `?ledger=check` adds the `ledger` check (the issuer’s transparency ' +
    'log holds this very document), `?ledger=require` also fails a credential whose issuer names no log; a download ' +
    'bundle (`{ credential, tlogProof, didDocument }`, from `/credentials/<id>.bundle.json`) is checked with its proof.',
  request: {
    query: z.object({
      ledger: z
        .enum(['check', 'require'])
        .optional()
        .openapi({ description: 'Also check the issuer’s transparency log (`require`: a log must be named).' }),
    }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: {
            oneOf: [
              { type: 'object', description: 'A credential with an embedded proof.' },
              {
                type: 'object',
                properties: { url: { type: 'string', format: 'uri' } },
                required: ['url'],
                description: 'Where to fetch the credential from.',
              },
              { type: 'string', description: 'A VC-JWT.' },
            ],
          },
        },
        'application/vc+jwt': { schema: { type: 'string', description: 'A VC-JWT (compact JWS).' } },
        'text/plain': { schema: { type: 'string', description: 'A VC-JWT, or credential JSON.' } },
        'image/png': { schema: { type: 'string', format: 'binary', description: 'A baked PNG badge.' } },
        'image/svg+xml': { schema: { type: 'string', description: 'A baked SVG badge.' } },
        'multipart/form-data': {
          schema: {
            type: 'object',
            properties: {
              file: { type: 'string', format: 'binary' },
              credential: { type: 'string' },
              url: { type: 'string', format: 'uri' },
            },
          },
        },
      },
    },
  },
  responses: {
    200: jsonResponse('The verification report', VerificationReport),
    400: errorResponse('The input holds no credential (the code says why), or the request is malformed'),
    413: errorResponse('The input is larger than 10 MiB'),
    502: errorResponse('The URL could not be fetched'),
    503: errorResponse('The URL is elsewhere, and this server has no network access'),
    504: errorResponse('Fetching the URL took too long'),
  },
});

const verifyPage = route({
  method: 'get',
  path: '/verify',
  access: access.public('public'),
  hide: true,
  summary: 'Verify a credential (page)',
  responses: { 200: htmlResponse('The page') },
});

const verifyForm = route({
  method: 'post',
  path: '/verify',
  access: access.public('public'),
  hide: true,
  summary: 'Verify a credential (form post, rendered on the server)',
  responses: { 200: htmlResponse('The page with the result') },
});

export function registerVerifyRoutes(app: OpenAPIHono<AppEnv>, verifier: Verifier): void {
  const run = async (deps: AppDeps, input: VerifyInput, mode?: 'check' | 'require') => {
    const credential =
      'url' in input ? await fetchCredential(deps, verifier.fetcher(deps), input.url) : input.credential;
    const proof = 'tlogProof' in input ? input.tlogProof : undefined;
    const ledger: LedgerCheckOptions | undefined =
      mode !== undefined || proof !== undefined
        ? { ...(proof !== undefined && { proof }), ...(mode === 'require' && { required: true }) }
        : undefined;
    const report = explain(await verifier.verify(deps, credential, ledger ? { ledger } : {}));
    if (!report.credential) {
      // Nothing in the input could be read as a credential: that is a bad request, with the format check's code.
      const format = report.checks.find((c) => c.id === 'format' && c.status === 'failed');
      throw new AppError(
        (format?.code as AppErrorCode | undefined) ?? 'ERR_FORMAT_UNKNOWN',
        format?.message ?? 'The input holds no credential.',
        { checks: report.checks },
      );
    }
    return report;
  };

  app.openapi(verifyApi, async (c) =>
    c.json(await run(c.get('deps'), await readInput(c), c.req.valid('query').ledger), 200),
  );

  app.openapi(verifyPage, (c) => sendPage(c, verifyPageHtml()));

  app.openapi(verifyForm, async (c) => {
    try {
      const report = await run(c.get('deps'), await readInput(c));
      return await sendPage(c, verifyPageHtml({ report }));
    } catch (e) {
      if (!(e instanceof AppError) && !isSkillproofError(e)) throw e;
      return sendPage(c, verifyPageHtml({ error: e.message }), statusOf(e.code) as ContentfulStatusCode);
    }
  });
}

/** Reads what was sent: a form (file, credential text, or url), JSON (a credential, a JWT string, or `{url}`), or bytes. */
async function readInput(c: Context<AppEnv>): Promise<VerifyInput> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'multipart/form-data' || type === 'application/x-www-form-urlencoded') {
    let form: Record<string, string | File | (string | File)[]>;
    try {
      form = await c.req.parseBody();
    } catch {
      throw new AppError('ERR_VALIDATION', 'The form data could not be read.');
    }
    const file = form['file'];
    if (file instanceof File && file.size > 0) return { credential: new Uint8Array(await file.arrayBuffer()) };
    const text = form['credential'];
    if (typeof text === 'string' && text.trim() !== '') return { credential: text };
    const url = form['url'];
    if (typeof url === 'string' && url.trim() !== '') return { url: url.trim() };
    throw new AppError('ERR_VALIDATION', 'Send a credential: a file, the credential text, or its URL.');
  }
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.length === 0) throw new AppError('ERR_VALIDATION', 'The request body is empty: send a credential.');
  if (type === 'application/json' || type.endsWith('+json')) {
    const text = new TextDecoder().decode(bytes);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { credential: text }; // verification names the JSON error
    }
    if (typeof parsed === 'string') return { credential: parsed };
    if (isCredentialBundle(parsed)) return { credential: parsed.credential, tlogProof: parsed.tlogProof };
    if (isUrlRequest(parsed)) {
      if (typeof parsed.url !== 'string') throw new AppError('ERR_VALIDATION', 'url: must be a string (an HTTPS URL).');
      return { url: parsed.url };
    }
    return { credential: text };
  }
  return { credential: bytes };
}

/** `{ "url": … }` and nothing a credential would have. */
function isUrlRequest(value: unknown): value is { url: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    'url' in value &&
    !('@context' in value) &&
    !('type' in value)
  );
}

/**
 * Fetches a credential through the self-fetcher: this instance's own URLs in-process, others over HTTPS only and
 * never at a loopback, private or link-local address written in the URL (the server's fetcher guards what names
 * resolve to). At most 10 MiB, within 10 s.
 */
async function fetchCredential(deps: AppDeps, fetcher: Fetcher, address: string): Promise<string | Uint8Array> {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new AppError('ERR_VALIDATION', `url: ${JSON.stringify(address.slice(0, 200))} is not a URL.`);
  }
  const own = url.host === new URL(deps.publicUrl).host;
  if (!own && (url.protocol !== 'https:' || isPrivateHost(url.hostname))) {
    throw new AppError('ERR_VALIDATION', 'url: only public HTTPS addresses are fetched.');
  }
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new AppError('ERR_FETCH_TIMEOUT', `${url.href} did not answer within ${FETCH_TIMEOUT_MS / 1000} s.`));
    }, FETCH_TIMEOUT_MS);
  });
  let body: string | Uint8Array;
  try {
    ({ body } = await Promise.race([fetcher(url.href, { accept: FETCH_ACCEPT, signal: controller.signal }), timeout]));
  } catch (e) {
    if (e instanceof AppError || isSkillproofError(e)) throw e;
    const status = (e as { status?: unknown } | null)?.status;
    throw new AppError(
      'ERR_FETCH_FAILED',
      typeof status === 'number' ? `${url.href} answered HTTP ${status}.` : `Could not fetch ${url.href}.`,
      typeof status === 'number' ? { status } : undefined,
    );
  } finally {
    clearTimeout(timer);
  }
  const size = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  if (size > MAX_INPUT_BYTES) {
    throw new AppError('ERR_INPUT_TOO_LARGE', `${url.href} is larger than ${MAX_INPUT_BYTES / 1024 / 1024} MiB.`);
  }
  return body;
}

/** Loopback, private, link-local and unspecified addresses, and localhost names, as written in a URL. */
function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local')) return true;
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host.replace(/^::ffff:/, ''));
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168)
    );
  }
  return (
    host.includes(':') &&
    (host === '::' || host === '::1' || /^(fc|fd|fe8|fe9|fea|feb)/.test(host) || host.startsWith('::ffff:'))
  );
}

function verifyPageHtml(outcome: { report?: VerificationReport; error?: string } = {}): Html {
  const { report, error } = outcome;
  const body = html`<h1>Verify a credential</h1>
    <p>
      Check an Open Badges 3.0 or W3C Verifiable Credential from any issuer. Paste it, upload it (JSON, JWT, or a PNG or
      SVG badge with the credential baked in, up to 10 MiB) or give its address. Nothing you send is stored.
    </p>
    ${
      error
        ? html`<section aria-labelledby="result">
            <h2 id="result">Result</h2>
            <p class="error" role="alert">${error}</p>
          </section>`
        : ''
    }
    ${
      report
        ? html`<section aria-labelledby="result">
            <h2 id="result">Result</h2>
            ${credentialFacts(report.credential)}${reportHtml(report)}
          </section>`
        : ''
    }
    <section aria-labelledby="paste">
      <h2 id="paste">Paste</h2>
      <form method="post" action="/verify" enctype="multipart/form-data">
        <label for="credential">The credential's JSON, or a VC-JWT</label>
        <textarea id="credential" name="credential" required spellcheck="false"></textarea>
        <button type="submit">Verify</button>
      </form>
    </section>
    <section aria-labelledby="upload">
      <h2 id="upload">Upload a file</h2>
      <form method="post" action="/verify" enctype="multipart/form-data">
        <label for="file">A JSON or JWT file, or a PNG or SVG badge</label>
        <input
          id="file"
          name="file"
          type="file"
          required
          accept=".json,.jsonld,.jwt,.txt,.png,.svg,application/json,application/ld+json,image/png,image/svg+xml"
        />
        <button type="submit">Verify</button>
      </form>
    </section>
    <section aria-labelledby="link">
      <h2 id="link">Link</h2>
      <form method="post" action="/verify" enctype="multipart/form-data">
        <label for="url">The credential's address (HTTPS)</label>
        <input id="url" name="url" type="url" required placeholder="https://" />
        <button type="submit">Verify</button>
      </form>
    </section>
    <p class="muted">
      For programs: <code>POST /api/v1/verify</code> does the same (see <a href="/docs#tag-verification">the API</a>).
    </p>`;
  return page({ title: 'Verify a credential · Skillproof', body });
}

/** What the credential says about itself: who issued it, for what, and when (read defensively: it may be anything). */
function credentialFacts(credential: Record<string, unknown> | undefined): Html | string {
  if (!credential) return '';
  const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
  const obj = (v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  const issuer = obj(credential['issuer']);
  const subject = obj(credential['credentialSubject']);
  const achievement = obj(subject?.['achievement']);
  const facts: [string, string | undefined][] = [
    ['Achievement', str(achievement?.['name']) ?? str(credential['name'])],
    ['Issuer', str(issuer?.['name']) ?? str(issuer?.['id']) ?? str(credential['issuer'])],
    ['Valid from', str(credential['validFrom']) ?? str(credential['issuanceDate'])],
    ['Valid until', str(credential['validUntil']) ?? str(credential['expirationDate'])],
  ];
  const shown = facts.filter((f): f is [string, string] => f[1] !== undefined);
  return shown.length === 0
    ? ''
    : html`<dl>
        ${shown.map(
          ([k, v]) =>
            html`<dt>${k}</dt>
              <dd>${v}</dd>`,
        )}
      </dl>`;
}
