import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { bakePng, bakeSvg, isSkillproofError, type JsonObject } from '@skillproof/core';
import { html } from 'hono/html';
import { AppError } from '../../errors.js';
import { access } from '../../http/access.js';
import type { AppDeps, AppEnv } from '../../http/env.js';
import { route } from '../../http/route.js';
import { errorResponse } from '../../http/schemas.js';
import { clientAddress } from '../../http/client-address.js';
import { isSelfFetch } from '../../http/self-fetcher.js';
import { skillAlignment, type AchievementDefinition } from '../achievements/definition.js';
import { loadAchievementVersion } from '../achievements/service.js';
import { credentialBundle } from '../ledger/credential-bundle.js';
import { credentialLogProof } from '../ledger/serve.js';
import { orgDid, orgDidDocumentUrl } from '../orgs/identity.js';
import { renderBadgePng, renderBadgeSvg, type BadgeImageInput } from './badge-image.js';
import { explain, reportHtml } from './explain.js';
import { humanDate, isWebUrl, page, sendPage, type Html } from './layout.js';
import { negotiate } from './negotiate.js';
import type { Verifier } from './verifier.js';

/** What GET /credentials/{id} answers with, in the order it prefers them when the client has no preference. */
const OFFERS = ['application/vc+ld+json', 'application/ld+json', 'application/json', 'application/vc+jwt', 'text/html'];
const PATH =
  /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\.(json|jwt|png|svg|tlog-proof|bundle\.json))?$/i;

const Credential = z
  .record(z.string(), z.unknown())
  .openapi({ description: 'The signed credential (Data Integrity).' });

const getCredential = route({
  method: 'get',
  path: '/credentials/{credentialId}',
  // Reading the credential is cheap; the page (a live verification) and the baked images count as `public` too.
  access: access.public('reads'),
  tags: ['Credentials'],
  summary: 'A credential: its public page, the credential itself, or a download',
  description:
    'The credential id is this URL. By content negotiation (Accept): `text/html` is the public page (issuer, ' +
    'achievement, validity, a live verification); `application/vc+ld+json`, `application/ld+json` or ' +
    '`application/json` the signed credential; `application/vc+jwt` the same credential as a VC-JWT. With no ' +
    'preference (`*/*`), the signed credential. Downloads: append `.json`, `.jwt`, `.png` or `.svg` to the id ' +
    '(the images have the credential baked in, Open Badges 3.0 §5.3); `.tlog-proof` is its proof of inclusion in ' +
    'the transparency log (C2SP tlog-proof@v1, as `/api/v1/log/proof` answers); `.bundle.json` is the credential ' +
    'with that proof and the issuer’s DID document, `{ credential, tlogProof, didDocument }`, for verifying it ' +
    'offline with its ledger check (`skillproof verify --offline`). A credential not yet in a signed checkpoint ' +
    'answers those two with 409 `ERR_STATE` (Retry-After) for a few seconds.',
  request: {
    params: z.object({
      credentialId: z.string().openapi({
        description:
          'The credential uuid, optionally followed by `.json`, `.jwt`, `.png`, `.svg`, `.tlog-proof` or `.bundle.json`.',
        example: '0f8fad5b-d9cb-469f-a165-70867728950e.png',
      }),
    }),
  },
  responses: {
    200: {
      description: 'The page, the credential, or the download',
      content: {
        'text/html': { schema: z.string() },
        'application/vc+ld+json': { schema: Credential },
        'application/ld+json': { schema: Credential },
        'application/json': { schema: Credential },
        'application/vc+jwt': { schema: z.string().openapi({ description: 'A compact JWS (VC-JWT).' }) },
        'image/png': { schema: z.string().openapi({ format: 'binary' }) },
        'image/svg+xml': { schema: z.string() },
        'text/plain': { schema: z.string().openapi({ description: 'The tlog-proof.' }) },
      },
    },
    404: errorResponse('No credential with this id'),
    406: errorResponse('None of the accepted media types is served'),
    409: errorResponse('The proof or bundle of a credential not yet in a signed checkpoint (`ERR_STATE`)'),
  },
});

export function registerCredentialRoutes(app: OpenAPIHono<AppEnv>, verifier: Verifier): void {
  app.openapi(getCredential, async (c) => {
    const deps = c.get('deps');
    const m = PATH.exec(c.req.valid('param').credentialId);
    const extension = m?.[2]?.toLowerCase();
    const type = extension ? undefined : negotiate(c.req.header('accept'), OFFERS);
    if (!extension) {
      c.header('vary', 'Accept');
      if (!type) {
        throw new AppError(
          'ERR_NOT_ACCEPTABLE',
          `A credential is served as ${OFFERS.join(', ')}; none is acceptable.`,
          {
            available: OFFERS,
          },
        );
      }
    }
    const costly = extension === 'png' || extension === 'svg' || type === 'text/html';
    if (costly && !isSelfFetch(c)) deps.rateLimiter.hit('public', clientAddress(c));
    const found = m ? await findPublicCredential(deps, m[1]!.toLowerCase()) : undefined;
    if (!found) {
      if (type === 'text/html') return sendPage(c, notFoundPage(), 404);
      throw new AppError('ERR_NOT_FOUND', 'No credential with this id.');
    }
    const { row, definition } = found;
    const filename = `${slug(definition.name)}-${row.id.slice(0, 8)}`;
    const badge: BadgeImageInput = { name: definition.name, issuerName: row.orgName, image: definition.image };
    switch (extension ?? type) {
      case 'json':
        return c.body(`${JSON.stringify(row.document, null, 2)}\n`, 200, {
          'content-type': 'application/vc+ld+json',
          'content-disposition': `attachment; filename="${filename}.json"`,
        });
      case 'jwt':
        return c.body(row.jwt, 200, {
          'content-type': 'application/vc+jwt',
          'content-disposition': `attachment; filename="${filename}.jwt"`,
        });
      case 'png':
        return c.body(bakedPng(badge, row.document), 200, {
          'content-type': 'image/png',
          'content-disposition': `inline; filename="${filename}.png"`,
        });
      case 'svg':
        return c.body(bakedSvg(badge, row.document), 200, {
          'content-type': 'image/svg+xml; charset=utf-8',
          'content-disposition': `attachment; filename="${filename}.svg"`,
          // An achievement's own SVG is the organisation's content: never let it run as a page of this origin.
          'content-security-policy': "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox",
          'x-content-type-options': 'nosniff',
        });
      case 'application/vc+jwt':
        return c.body(row.jwt, 200, { 'content-type': 'application/vc+jwt' });
      case 'tlog-proof':
        return c.body(await credentialLogProof(deps.db, deps, row.id), 200, {
          'content-type': 'text/plain; charset=utf-8',
          'cache-control': 'public, max-age=60',
        });
      case 'bundle.json': {
        const org = { id: row.orgId, slug: row.orgSlug };
        const bundle = await credentialBundle(deps.db, deps, { id: row.id, document: row.document as JsonObject, org });
        return c.body(`${JSON.stringify(bundle, null, 2)}\n`, 200, {
          'content-type': 'application/json',
          'content-disposition': `attachment; filename="${filename}.bundle.json"`,
          // Its proof is against the latest checkpoint, like the tlog-proof's.
          'cache-control': 'public, max-age=60',
        });
      }
      case 'text/html': {
        const report = explain(await verifier.verify(deps, row.document as JsonObject));
        return sendPage(c, credentialPage(deps, found, reportHtml(report)));
      }
      default:
        return c.body(JSON.stringify(row.document), 200, { 'content-type': type! });
    }
  });
}

async function findPublicCredential(deps: AppDeps, id: string) {
  const row = await deps.db
    .selectFrom('credentials as c')
    .innerJoin('organizations as o', 'o.id', 'c.orgId')
    .select([
      'c.id',
      'c.orgId',
      'c.achievementId',
      'c.achievementVersion',
      'c.recipientName',
      'c.namePublic',
      'c.issuedAt',
      'c.validFrom',
      'c.validUntil',
      'c.state',
      'c.stateReason',
      'c.stateChangedAt',
      'c.document',
      'c.jwt',
      'o.name as orgName',
      'o.slug as orgSlug',
      'o.url as orgUrl',
      'o.description as orgDescription',
    ])
    .where('c.id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  const { definition } = await loadAchievementVersion(deps.db, row.orgId, row.achievementId, row.achievementVersion);
  return { row, definition };
}

type Found = NonNullable<Awaited<ReturnType<typeof findPublicCredential>>>;

/** The badge PNG with the credential baked in; an achievement image that cannot carry it gives way to the drawn one. */
function bakedPng(badge: BadgeImageInput, document: Record<string, unknown>): Uint8Array<ArrayBuffer> {
  let png: Uint8Array;
  try {
    png = bakePng(renderBadgePng(badge), document);
  } catch (e) {
    if (!isSkillproofError(e) || badge.image === undefined) throw e;
    png = bakePng(renderBadgePng({ ...badge, image: undefined }), document);
  }
  return png as Uint8Array<ArrayBuffer>; // core allocates a plain ArrayBuffer, never a shared one
}

function bakedSvg(badge: BadgeImageInput, document: Record<string, unknown>): string {
  try {
    return bakeSvg(renderBadgeSvg(badge), document);
  } catch (e) {
    if (!isSkillproofError(e) || badge.image === undefined) throw e;
    return bakeSvg(renderBadgeSvg({ ...badge, image: undefined }), document);
  }
}

/** A file name from the achievement name: ASCII letters and digits, dashes between words. */
function slug(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return s || 'credential';
}

function credentialPage(deps: AppDeps, { row, definition }: Found, verification: Html): Html {
  const url = `${deps.publicUrl}/credentials/${row.id}`;
  const recipient = row.namePublic && row.recipientName ? row.recipientName : undefined;
  const did = orgDid(deps.publicUrl, row.orgSlug);
  const awarded = `Issued by ${row.orgName}${recipient ? ` to ${recipient}` : ''} on ${humanDate(row.issuedAt)}.`;
  const description = `${awarded} ${definition.description}`.slice(0, 300);
  const now = deps.clock();
  const head = html`<meta name="description" content="${description}" />
    <meta property="og:type" content="website" />
    <meta property="og:title" content="${definition.name}" />
    <meta property="og:description" content="${description}" />
    <meta property="og:image" content="${url}.png" />
    <meta property="og:image:alt" content="Badge: ${definition.name}" />
    <meta property="og:url" content="${url}" />
    <meta name="twitter:card" content="summary" />
    <meta name="twitter:title" content="${definition.name}" />
    <meta name="twitter:description" content="${description}" />
    <meta name="twitter:image" content="${url}.png" />
    <link rel="canonical" href="${url}" />
    <link rel="alternate" type="application/vc+ld+json" href="${url}.json" />`;
  const body = html`<section>
      <div class="hero">
        <img src="/credentials/${row.id}.png" alt="Badge: ${definition.name}" width="160" height="160" />
        <div>
          <h1>${definition.name}</h1>
          <p>
            ${recipient ? html`Awarded to <strong>${recipient}</strong>` : 'Awarded to a recipient who keeps their name private'}
            by <strong>${row.orgName}</strong> on
            <time datetime="${row.issuedAt.toISOString()}">${humanDate(row.issuedAt)}</time>.
          </p>
        </div>
      </div>
      ${stateNotice(row, now)}
    </section>
    <section aria-labelledby="verification">
      <h2 id="verification">Verification</h2>
      <p class="muted">
        Checked just now, from the credential itself: its signature, the issuer's key and the issuer's status list.
      </p>
      ${verification}
    </section>
    <section aria-labelledby="achievement">
      <h2 id="achievement">About the achievement</h2>
      <p class="prose">${definition.description}</p>
      ${criteriaHtml(definition)} ${alignmentsHtml(definition, deps.publicUrl)}
    </section>
    <section aria-labelledby="issuer">
      <h2 id="issuer">Issuer</h2>
      <dl>
        <dt>Name</dt>
        <dd>
          ${isWebUrl(row.orgUrl) ? html`<a href="${row.orgUrl}" rel="noopener nofollow">${row.orgName}</a>` : row.orgName}
        </dd>
        ${
          row.orgDescription
            ? html`<dt>About</dt>
                <dd>${row.orgDescription}</dd>`
            : ''
        }
        <dt>DID</dt>
        <dd>
          <a href="${orgDidDocumentUrl(deps.publicUrl, row.orgSlug)}"><code>${did}</code></a>
        </dd>
      </dl>
    </section>
    <section aria-labelledby="validity">
      <h2 id="validity">Validity</h2>
      <dl>
        <dt>Issued</dt>
        <dd>${humanDate(row.issuedAt)}</dd>
        <dt>Valid from</dt>
        <dd>${humanDate(row.validFrom)}</dd>
        <dt>Valid until</dt>
        <dd>${row.validUntil ? humanDate(row.validUntil) : 'Does not expire'}</dd>
        <dt>State</dt>
        <dd>${row.state === 'active' ? 'Active' : row.state === 'revoked' ? 'Revoked' : 'Suspended'}</dd>
      </dl>
    </section>
    <section aria-labelledby="downloads">
      <h2 id="downloads">Download</h2>
      <p>
        <a href="/credentials/${row.id}.json" download>Credential (JSON)</a> ·
        <a href="/credentials/${row.id}.jwt" download>Credential (VC-JWT)</a> ·
        <a href="/credentials/${row.id}.png" download>Badge image (PNG)</a> ·
        <a href="/credentials/${row.id}.svg" download>Badge image (SVG)</a>
      </p>
      <p class="muted">
        The images carry the credential inside them (Open Badges baking): any verifier can check them.
      </p>
    </section>`;
  return page({ title: `${definition.name} · ${row.orgName}`, head, body });
}

function stateNotice(row: Found['row'], now: Date): Html | string {
  const since = row.stateChangedAt ? ` on ${humanDate(row.stateChangedAt)}` : '';
  if (row.state === 'revoked') {
    return html`<p class="state revoked">
      This credential was revoked by its issuer${since}.${row.stateReason ? html` Reason: ${row.stateReason}` : ''}
    </p>`;
  }
  if (row.state === 'suspended') {
    return html`<p class="state suspended">
      This credential is suspended by its issuer${since}.${row.stateReason ? html` Reason: ${row.stateReason}` : ''}
    </p>`;
  }
  if (row.validUntil && row.validUntil < now) {
    return html`<p class="state revoked">This credential expired on ${humanDate(row.validUntil)}.</p>`;
  }
  return '';
}

function criteriaHtml({ criteria }: AchievementDefinition): Html {
  return html`<h3>Criteria</h3>
    ${criteria.narrative ? html`<p class="prose">${criteria.narrative}</p>` : ''}
    ${isWebUrl(criteria.id) ? html`<p><a href="${criteria.id}" rel="noopener nofollow">Full criteria</a></p>` : ''}`;
}

/** What the achievement aligns to: the alignments given by hand, then the framework items it certifies. */
function alignmentsHtml({ alignment: manual, skills, tags }: AchievementDefinition, publicUrl: string): Html {
  const urls = new Set(manual.map((a) => a.targetUrl));
  const alignment = [
    ...manual,
    ...(skills ?? []).map((s) => skillAlignment(publicUrl, s)).filter((a) => !urls.has(a.targetUrl)),
  ];
  return html`${
    alignment.length > 0
      ? html`<h3>Aligned to</h3>
          <ul>
            ${alignment.map(
              (a) =>
                html`<li>
                  ${isWebUrl(a.targetUrl) ? html`<a href="${a.targetUrl}" rel="noopener nofollow">${a.targetName}</a>` : a.targetName}${a.targetFramework ? html` <span class="muted">(${a.targetFramework}${a.targetCode ? html`, ${a.targetCode}` : ''})</span>` : ''}${a.targetDescription ? html`<br /><span class="muted">${a.targetDescription}</span>` : ''}
                </li>`,
            )}
          </ul>`
      : ''
  }
  ${tags.length > 0 ? html`<p class="muted">Tags: ${tags.join(', ')}</p>` : ''}`;
}

function notFoundPage(): Html {
  return page({
    title: 'Credential not found · Skillproof',
    body: html`<section>
      <h1>Credential not found</h1>
      <p>
        No credential has this address. Check the link, or <a href="/verify">verify a credential</a> you have as a file.
      </p>
    </section>`,
  });
}
