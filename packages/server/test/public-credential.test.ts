import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unbakePng, unbakeSvg } from '@skillproof/core';
import { createApp } from '../src/app.js';
import type { CredentialRow } from '../src/db/schema.js';
import { createRateLimiter } from '../src/http/rate-limit.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { createOrg, createSampleAchievement, setSuspendableCredentials } from './helpers/fixtures.js';
import { issueTestCredential, setTestCredentialState } from './helpers/public-fixtures.js';

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
const HOSTILE = `<script>alert(1)</script>"'&`;

/** What hono/html makes of text. */
const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
/** The content of a <meta> tag by its property or name. */
const meta = (page: string, key: string) =>
  new RegExp(`<meta\\s+(?:property|name)="${key}"\\s+content="([^"]*)"`).exec(page)?.[1];
const unescapeHtml = (s: string) =>
  s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);

describe.each(databaseTargets())('public credential page on $name', (target) => {
  let ctx: TestContext;
  let credential: CredentialRow;
  const get = (path: string, accept?: string) => ctx.app.request(path, accept ? { headers: { accept } } : {});

  beforeAll(async () => {
    ctx = await createTestContext(target);
    const org = await createOrg(ctx);
    const achievement = await createSampleAchievement(ctx, org.id, {
      alignment: [
        { targetName: 'SQL (ESCO)', targetUrl: 'http://data.europa.eu/esco/skill/sql', targetFramework: 'ESCO' },
      ],
    });
    credential = await issueTestCredential(ctx, {
      orgId: org.id,
      achievementId: achievement.achievementId,
      email: 'ada@example.org',
      name: 'Ada Lovelace',
    });
  });
  afterAll(() => ctx.close());

  describe('content negotiation', () => {
    const cases: [string | undefined, string][] = [
      [BROWSER, 'text/html'],
      ['text/html', 'text/html'],
      ['application/vc+ld+json', 'application/vc+ld+json'],
      ['application/ld+json', 'application/ld+json'],
      ['application/json', 'application/json'],
      ['application/vc+jwt', 'application/vc+jwt'],
      ['*/*', 'application/vc+ld+json'],
      [undefined, 'application/vc+ld+json'],
      ['application/*', 'application/vc+ld+json'],
      ['text/*', 'text/html'],
      ['application/vc+jwt;q=0.5, application/json', 'application/json'],
      ['text/html;q=0, */*', 'application/vc+ld+json'],
      ['image/png, application/vc+jwt;q=0.1', 'application/vc+jwt'],
    ];
    it.each(cases)('Accept %s → %s', async (accept, type) => {
      const res = await get(`/credentials/${credential.id}`, accept);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(new RegExp(`^${type.replace(/[+*]/g, '\\$&')}(;|$)`));
      expect(res.headers.get('vary')).toMatch(/accept/i);
      const body = await res.text();
      if (type === 'text/html') expect(body).toMatch(/^<!doctype html>/);
      else if (type === 'application/vc+jwt') expect(body).toBe(credential.jwt);
      else expect(JSON.parse(body)).toEqual(credential.document);
    });

    it('an Accept nobody serves is 406 ERR_NOT_ACCEPTABLE', async () => {
      for (const accept of ['image/png', 'application/xml', 'text/html;q=0, application/*;q=0']) {
        const res = await get(`/credentials/${credential.id}`, accept);
        expect(res.status).toBe(406);
        expect(await res.json()).toMatchObject({ error: { code: 'ERR_NOT_ACCEPTABLE' } });
      }
    });

    it('an unknown or malformed id is a 404 page for browsers and a coded 404 for machines', async () => {
      for (const id of [randomUUID(), 'not-a-uuid', `${randomUUID()}.exe`, '..%2Fstatus']) {
        const page = await get(`/credentials/${id}`, BROWSER);
        expect(page.status).toBe(404);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        expect(await page.text()).toContain('Credential not found');
        const json = await get(`/credentials/${id}`, 'application/json');
        expect(json.status).toBe(404);
        expect(await json.json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
      }
      const download = await get(`/credentials/${randomUUID()}.png`);
      expect(download.status).toBe(404);
      expect(await download.json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
    });
  });

  it('is rate-limited per client, and its own lookups (DID document, status lists) do not count', async () => {
    const limited = createApp({
      ...ctx.deps,
      rateLimiter: createRateLimiter({
        'sign-in': { limit: 10, windowMs: 60_000 },
        public: { limit: 3, windowMs: 60_000 },
        reads: { limit: 100, windowMs: 60_000 },
      }),
    });
    for (let i = 0; i < 3; i++) {
      const res = await limited.request(`/credentials/${credential.id}`, { headers: { accept: BROWSER } });
      expect(await res.text()).toContain('Verified: every check passed.');
    }
    const res = await limited.request(`/credentials/${credential.id}`, { headers: { accept: BROWSER } });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await res.json()).toMatchObject({ error: { code: 'ERR_RATE_LIMITED' } });
    // Reading the credential itself is a cheap read, limited separately.
    const json = await limited.request(`/credentials/${credential.id}`, {
      headers: { accept: 'application/vc+ld+json' },
    });
    expect(json.status).toBe(200);
  });

  describe('downloads', () => {
    it('.json and .jwt are the stored credential, as attachments', async () => {
      const json = await get(`/credentials/${credential.id}.json`);
      expect(json.status).toBe(200);
      expect(json.headers.get('content-type')).toBe('application/vc+ld+json');
      expect(json.headers.get('content-disposition')).toBe(
        `attachment; filename="data-analysis-with-sql-${credential.id.slice(0, 8)}.json"`,
      );
      expect(await json.json()).toEqual(credential.document);
      const jwt = await get(`/credentials/${credential.id}.JWT`);
      expect(jwt.headers.get('content-type')).toBe('application/vc+jwt');
      expect(jwt.headers.get('content-disposition')).toMatch(/^attachment; filename=".+\.jwt"$/);
      expect(await jwt.text()).toBe(credential.jwt);
    });

    it('the baked PNG and SVG unbake to exactly the stored credential', async () => {
      const stored = await (await get(`/credentials/${credential.id}.json`)).json();
      const png = await get(`/credentials/${credential.id}.png`);
      expect(png.headers.get('content-type')).toBe('image/png');
      expect(png.headers.get('content-disposition')).toMatch(/filename=".+\.png"$/);
      const baked = unbakePng(new Uint8Array(await png.arrayBuffer()));
      expect(baked.format).toBe('ob3');
      expect(JSON.parse(baked.text)).toEqual(stored);
      expect(baked.text).toBe(JSON.stringify(credential.document));

      const svg = await get(`/credentials/${credential.id}.svg`);
      expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
      expect(svg.headers.get('content-security-policy')).toContain('sandbox');
      const bakedSvg = unbakeSvg(await svg.text());
      expect(JSON.parse(bakedSvg.text)).toEqual(stored);
    });
    it("an achievement's own SVG image is what gets baked", async () => {
      const own =
        '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><circle cx="32" cy="32" r="30"/></svg>';
      const org = await createOrg(ctx);
      const achievement = await createSampleAchievement(ctx, org.id, {
        image: `data:image/svg+xml;base64,${Buffer.from(own).toString('base64')}`,
      });
      const row = await issueTestCredential(ctx, { orgId: org.id, achievementId: achievement.achievementId });
      const svg = await (await get(`/credentials/${row.id}.svg`)).text();
      expect(svg).toContain('<circle cx="32" cy="32" r="30"/>');
      expect(JSON.parse(unbakeSvg(svg).text)).toEqual(row.document);
      const png = new Uint8Array(await (await get(`/credentials/${row.id}.png`)).arrayBuffer());
      expect(JSON.parse(unbakePng(png).text)).toEqual(row.document);
    });
  });

  describe('the page', () => {
    it('shows issuer, achievement, alignment, validity, downloads, a passing live verification and OpenGraph tags', async () => {
      const res = await get(`/credentials/${credential.id}`, BROWSER);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      const page = await res.text();
      const url = `${ctx.deps.publicUrl}/credentials/${credential.id}`;
      expect(meta(page, 'og:title')).toBe('Data Analysis with SQL');
      expect(meta(page, 'og:image')).toBe(`${url}.png`);
      expect(meta(page, 'og:url')).toBe(url);
      expect(meta(page, 'og:description')).toMatch(/^Issued by Org [^"]+ on 1 June 2026\. Queries/);
      expect(meta(page, 'twitter:card')).toBe('summary');
      expect(meta(page, 'twitter:image')).toBe(`${url}.png`);
      expect(page).toContain('SQL (ESCO)');
      expect(page).toContain('Pass the SQL quiz');
      expect(page).toContain('did:web:skillproof.test:orgs:');
      expect(page).toContain('Does not expire');
      for (const ext of ['json', 'jwt', 'png', 'svg']) expect(page).toContain(`/credentials/${credential.id}.${ext}"`);
      expect(page).toContain('Verified: every check passed.');
      expect(page).not.toMatch(/<script/i);
      expect(page).not.toContain('ada@example.org');
    });

    it('shows the recipient name only when the recipient made it public', async () => {
      const hidden = await (await get(`/credentials/${credential.id}`, BROWSER)).text();
      expect(hidden).not.toContain('Ada Lovelace');
      expect(hidden).toContain('a recipient who keeps their name private');
      await ctx.db.updateTable('credentials').set({ namePublic: true }).where('id', '=', credential.id).execute();
      const shown = await (await get(`/credentials/${credential.id}`, BROWSER)).text();
      expect(shown).toContain('Awarded to <strong>Ada Lovelace</strong>');
      expect(meta(shown, 'og:description')).toMatch(/^Issued by [^"]+ to Ada Lovelace on/);
      await ctx.db.updateTable('credentials').set({ namePublic: false }).where('id', '=', credential.id).execute();
    });

    it('a revoked credential says so, with the reason, and its live verification fails on status', async () => {
      const org = await createOrg(ctx);
      const achievement = await createSampleAchievement(ctx, org.id);
      const row = await issueTestCredential(ctx, { orgId: org.id, achievementId: achievement.achievementId });
      await setTestCredentialState(ctx, row, 'revoked', 'Issued to the wrong person <by mistake>');
      const page = await (await get(`/credentials/${row.id}`, BROWSER)).text();
      expect(page).toContain(
        'This credential was revoked by its issuer on 1 June 2026. Reason: Issued to the wrong person &lt;by mistake&gt;',
      );
      expect(page).toContain('Not verified: revocation and suspension failed.');
      expect(page).toContain('ERR_STATUS_REVOKED');
    });

    it('a suspended credential says so', async () => {
      const org = await createOrg(ctx);
      await setSuspendableCredentials(ctx, org.id);
      const achievement = await createSampleAchievement(ctx, org.id);
      const row = await issueTestCredential(ctx, { orgId: org.id, achievementId: achievement.achievementId });
      await setTestCredentialState(ctx, row, 'suspended', 'Under review');
      const page = await (await get(`/credentials/${row.id}`, BROWSER)).text();
      expect(page).toContain('This credential is suspended by its issuer on 1 June 2026. Reason: Under review');
      expect(page).toContain('ERR_STATUS_SUSPENDED');
    });

    it('escapes hostile organisation, achievement and recipient names everywhere', async () => {
      const org = await createOrg(ctx);
      await ctx.db
        .updateTable('organizations')
        .set({ name: HOSTILE, url: 'javascript:alert(1)' })
        .where('id', '=', org.id)
        .execute();
      const achievement = await createSampleAchievement(ctx, org.id, { name: HOSTILE, description: HOSTILE });
      const row = await issueTestCredential(ctx, {
        orgId: org.id,
        achievementId: achievement.achievementId,
        name: HOSTILE,
        namePublic: true,
      });
      const page = await (await get(`/credentials/${row.id}`, BROWSER)).text();
      expect(page).not.toContain('<script>alert(1)');
      expect(page).not.toContain('javascript:');
      expect(page).toContain(escapeHtml(HOSTILE));
      expect(meta(page, 'og:title')).toBe(escapeHtml(HOSTILE));
      expect(page).toContain(`<title>${escapeHtml(HOSTILE)} · ${escapeHtml(HOSTILE)}</title>`);
    });

    it('property: any achievement and organisation name comes back only escaped, and exactly', async () => {
      const org = await createOrg(ctx);
      const name = fc
        .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
        .map((s) => s.replaceAll('\u0000', '').replace(/[⟦⟧]/g, ''))
        .filter((s) => s.trim().length > 0 && s === s.trim());
      await fc.assert(
        fc.asyncProperty(name, name, async (achievementName, orgName) => {
          await ctx.db
            .updateTable('organizations')
            .set({ name: `⟦${orgName}⟧` })
            .where('id', '=', org.id)
            .execute();
          const achievement = await createSampleAchievement(ctx, org.id, { name: `⟦${achievementName}⟧` });
          const row = await issueTestCredential(ctx, { orgId: org.id, achievementId: achievement.achievementId });
          const page = await (await get(`/credentials/${row.id}`, BROWSER)).text();
          const marked = [...page.matchAll(/⟦([^⟧]*)⟧/g)].map((m) => m[1]!);
          expect(marked.length).toBeGreaterThan(4);
          for (const text of marked) {
            expect(text).not.toMatch(/[<>"']/);
            expect([achievementName, orgName]).toContain(unescapeHtml(text));
          }
          expect(marked.map(unescapeHtml)).toContain(achievementName);
          expect(marked.map(unescapeHtml)).toContain(orgName);
        }),
        { numRuns: 25 },
      );
    });
  });
});
