import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bakePng,
  bakeSvg,
  buildAchievementCredential,
  generateEd25519Key,
  signCredential,
  type Fetcher,
  type JsonObject,
} from '@skillproof/core';
import { createApp } from '../src/app.js';
import type { CredentialRow } from '../src/db/schema.js';
import { renderBadgePng } from '../src/domains/public/badge-image.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { expectError } from './helpers/errors.js';
import { createOrg, createSampleAchievement } from './helpers/fixtures.js';
import { issueTestCredential, setTestCredentialState } from './helpers/public-fixtures.js';

interface Report {
  verified: boolean;
  format?: string;
  summary: string;
  checks: { id: string; status: string; code?: string; title: string; about: string; message: string }[];
  credential?: Record<string, unknown>;
}

const statusOf = (report: Report, id: string) => report.checks.find((c) => c.id === id);

describe.each(databaseTargets())('verification on $name', (target) => {
  let ctx: TestContext;
  let credential: CredentialRow;
  let remote: string[];

  const verify = (body: BodyInit, contentType?: string) =>
    ctx.app.request('/api/v1/verify', {
      method: 'POST',
      body,
      headers: contentType ? { 'content-type': contentType } : {},
    });
  const report = async (res: Response) => {
    expect(res.status).toBe(200);
    return (await res.json()) as Report;
  };

  beforeAll(async () => {
    remote = [];
    // The network, for other issuers: records what was asked and answers 404 (the server's own URLs never reach it).
    const fetcher: Fetcher = async (url) => {
      remote.push(url);
      throw Object.assign(new Error(`${url} answered HTTP 404.`), { status: 404 });
    };
    ctx = await createTestContext(target, { fetcher });
    const org = await createOrg(ctx);
    const achievement = await createSampleAchievement(ctx, org.id);
    credential = await issueTestCredential(ctx, { orgId: org.id, achievementId: achievement.achievementId });
  });
  afterAll(() => ctx.close());

  it('a valid credential as JSON: verified, every check explained, status passed, without the network', async () => {
    const r = await report(await verify(JSON.stringify(credential.document), 'application/json'));
    expect(r.verified).toBe(true);
    expect(r.format).toBe('json');
    expect(r.summary).toBe('Verified: every check passed.');
    expect(r.checks.map((c) => [c.id, c.status])).toEqual([
      ['format', 'passed'],
      ['schema', 'passed'],
      ['proof', 'passed'],
      ['issuer', 'passed'],
      ['validity', 'passed'],
      ['status', 'passed'],
    ]);
    for (const c of r.checks) expect(c.title.length * c.about.length * c.message.length).toBeGreaterThan(0);
    expect(r.credential).toEqual(credential.document);
    expect(remote).toEqual([]);
  });

  it('a tampered credential: the proof fails with its code', async () => {
    const tampered = structuredClone(credential.document) as { credentialSubject: { achievement: { name: string } } };
    tampered.credentialSubject.achievement.name = 'Brain Surgery';
    const r = await report(await verify(JSON.stringify(tampered), 'application/ld+json'));
    expect(r.verified).toBe(false);
    expect(statusOf(r, 'proof')).toMatchObject({ status: 'failed', code: 'ERR_PROOF_INVALID', title: 'Signature' });
    expect(r.summary).toMatch(/^Not verified: .*signature.* failed\.$/);
  });

  it('a revoked credential: status fails with ERR_STATUS_REVOKED', async () => {
    const org = await createOrg(ctx);
    const achievement = await createSampleAchievement(ctx, org.id);
    const row = await issueTestCredential(ctx, { orgId: org.id, achievementId: achievement.achievementId });
    await setTestCredentialState(ctx, row, 'revoked', 'Wrong person');
    const r = await report(await verify(JSON.stringify(row.document), 'application/json'));
    expect(statusOf(r, 'status')).toMatchObject({ status: 'failed', code: 'ERR_STATUS_REVOKED' });
    expect(statusOf(r, 'proof')?.status).toBe('passed');
  });

  it('a VC-JWT as text, as application/vc+jwt and as a JSON string', async () => {
    for (const [body, type] of [
      [credential.jwt, 'text/plain'],
      [credential.jwt, 'application/vc+jwt'],
      [JSON.stringify(credential.jwt), 'application/json'],
    ] as const) {
      const r = await report(await verify(body, type));
      expect(r.format).toBe('jwt');
      expect(r.verified).toBe(true);
      expect(statusOf(r, 'status')?.status).toBe('passed');
    }
  });

  it('a tampered VC-JWT fails its signature check', async () => {
    const [h, p, s] = credential.jwt.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, name: 'Forged' })).toString('base64url')}.${s}`;
    const r = await report(await verify(forged, 'application/vc+jwt'));
    expect(r.verified).toBe(false);
    expect(r.checks.find((c) => c.status === 'failed')?.code).toBe('ERR_JWT_SIGNATURE');
  });

  it('baked PNG and SVG badges, as bytes and as a multipart upload', async () => {
    const png = bakePng(renderBadgePng({ name: 'SQL', issuerName: 'Org' }), credential.document);
    const r1 = await report(await verify(png as Uint8Array<ArrayBuffer>, 'image/png'));
    expect([r1.format, r1.verified]).toEqual(['png', true]);

    const svg = bakeSvg('<svg xmlns="http://www.w3.org/2000/svg"/>', credential.jwt);
    const r2 = await report(await verify(svg, 'image/svg+xml'));
    expect([r2.format, r2.verified]).toEqual(['svg', true]);

    const form = new FormData();
    form.set('file', new Blob([png as Uint8Array<ArrayBuffer>], { type: 'image/png' }), 'badge.png');
    const r3 = await report(await verify(form));
    expect([r3.format, r3.verified]).toEqual(['png', true]);

    const served = new Uint8Array(await (await ctx.app.request(`/credentials/${credential.id}.png`)).arrayBuffer());
    const r4 = await report(await verify(served, 'application/octet-stream'));
    expect([r4.format, r4.verified]).toEqual(['png', true]);
  });

  it('a credential from another issuer (did:key) verifies offline, its status-less form explained', async () => {
    const key = generateEd25519Key();
    const other = await signCredential(
      buildAchievementCredential({
        id: 'urn:uuid:2f3a7c1e-0000-4000-8000-000000000001',
        issuer: { id: key.controller, name: 'Elsewhere' },
        validFrom: '2026-01-01T00:00:00Z',
        name: 'Elsewhere badge',
        subject: { id: 'did:example:learner' },
        achievement: {
          id: 'urn:uuid:2f3a7c1e-0000-4000-8000-000000000002',
          name: 'X',
          description: 'Y',
          criteria: { narrative: 'Z' },
        },
      }) as unknown as JsonObject,
      { key },
    );
    const r = await report(await verify(JSON.stringify(other), 'application/json'));
    expect(r.verified).toBe(true);
    expect(statusOf(r, 'status')?.status).toBe('skipped');
  });

  it('garbage is a coded 400, never a 500', async () => {
    const cases: [BodyInit, string | undefined, string][] = [
      ['hello world', 'text/plain', 'ERR_FORMAT_UNKNOWN'],
      ['{"@context": [', 'application/json', 'ERR_JSON_PARSE'],
      ['[1, 2, 3]', 'application/json', 'ERR_FORMAT_UNKNOWN'],
      [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]), 'image/png', 'ERR_IMAGE_INVALID'],
      ['<svg xmlns="http://www.w3.org/2000/svg"/>', 'image/svg+xml', 'ERR_IMAGE_NOT_BAKED'],
      ['eyJhbGciOiJFZERTQSJ9.bm90IGpzb24.c2ln', 'application/vc+jwt', 'ERR_JWT_MALFORMED'],
      ['', 'application/json', 'ERR_VALIDATION'],
      ['{"url": 42}', 'application/json', 'ERR_VALIDATION'],
      ['--x\r\nbroken', 'multipart/form-data; boundary=x', 'ERR_VALIDATION'],
    ];
    for (const [body, type, code] of cases) {
      const res = await verify(body, type);
      const json = (await res.json()) as { error: { code: string; message: string } };
      expect([res.status, json.error.code], String(body).slice(0, 40)).toEqual([400, code]);
      expect(json.error.message.length).toBeGreaterThan(10);
    }
    const nested = `${'['.repeat(200)}${']'.repeat(200)}`;
    const deep = await verify(`{"a":${nested}}`, 'application/json');
    await expectError(deep, 400, 'ERR_INPUT_TOO_DEEP');
  });

  it('more than 10 MiB is 413 ERR_INPUT_TOO_LARGE', async () => {
    const big = new Uint8Array(10 * 1024 * 1024 + 1).fill(0x20);
    const res = await verify(big, 'application/json');
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'ERR_INPUT_TOO_LARGE' } });
  });

  it('{ url } of this instance is fetched in-process, by the credential URL or the .jwt download', async () => {
    for (const url of [
      `${ctx.deps.publicUrl}/credentials/${credential.id}`,
      `${ctx.deps.publicUrl}/credentials/${credential.id}.jwt`,
    ]) {
      const r = await report(await verify(JSON.stringify({ url }), 'application/json'));
      expect(r.verified).toBe(true);
    }
    const form = new FormData();
    form.set('url', `${ctx.deps.publicUrl}/credentials/${credential.id}.png`);
    const r = await report(await verify(form));
    expect([r.format, r.verified]).toEqual(['png', true]);
    expect(remote).toEqual([]);
  });

  it('{ url } elsewhere goes to the fetcher; private, non-HTTPS and missing targets are coded errors', async () => {
    const res = await verify(JSON.stringify({ url: 'https://badges.example.org/c/1' }), 'application/json');
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: { code: 'ERR_FETCH_FAILED', details: { status: 404 } } });
    expect(remote).toEqual(['https://badges.example.org/c/1']);
    for (const url of [
      'http://badges.example.org/c/1',
      'https://127.0.0.1/x',
      'https://[::1]/x',
      'https://10.1.2.3/',
      'https://localhost:8080/',
      'https://169.254.169.254/latest',
      'file:///etc/passwd',
      'not a url',
    ]) {
      const r = await verify(JSON.stringify({ url }), 'application/json');
      expect([r.status, ((await r.json()) as { error: { code: string } }).error.code], url).toEqual([
        400,
        'ERR_VALIDATION',
      ]);
    }
    expect(remote).toHaveLength(1);
    const missing = await verify(
      JSON.stringify({ url: `${ctx.deps.publicUrl}/credentials/00000000-0000-4000-8000-000000000000` }),
      'application/json',
    );
    expect(missing.status).toBe(502);
    expect(await missing.json()).toMatchObject({ error: { code: 'ERR_FETCH_FAILED', details: { status: 404 } } });
  });

  it('without a network, a URL elsewhere is 503 ERR_OFFLINE', async () => {
    const offline = createApp({ ...ctx.deps, fetcher: undefined });
    const res = await offline.request('/api/v1/verify', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://badges.example.org/c/1' }),
    });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'ERR_OFFLINE' } });
    const own = await offline.request('/api/v1/verify', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${ctx.deps.publicUrl}/credentials/${credential.id}` }),
    });
    expect(((await own.json()) as Report).verified).toBe(true);
  });

  describe('the /verify page', () => {
    it('offers paste, upload and link as plain forms, without scripts', async () => {
      const res = await ctx.app.request('/verify');
      const page = await res.text();
      expect(res.status).toBe(200);
      expect(page.match(/<form\s+method="post"\s+action="\/verify"/g)).toHaveLength(3);
      expect(page).toMatch(/<textarea\s[^>]*name="credential"/);
      expect(page).toMatch(/<input\s[^>]*name="file"\s+type="file"/);
      expect(page).toMatch(/<input\s[^>]*name="url"\s+type="url"/);
      expect(page).not.toMatch(/<script/i);
    });

    it('a form post renders every check on the server', async () => {
      const form = new FormData();
      form.set('credential', JSON.stringify(credential.document));
      const page = await (await ctx.app.request('/verify', { method: 'POST', body: form })).text();
      expect(page).toContain('Verified: every check passed.');
      expect(page).toContain('Data Analysis with SQL');
      for (const title of [
        'Format',
        'Structure',
        'Signature',
        'Issuer',
        'Validity period',
        'Revocation and suspension',
      ]) {
        expect(page).toContain(`<strong>${title}</strong>`);
      }
    });

    it('a form post of garbage shows the error on the page, with the error status', async () => {
      const body = new URLSearchParams({ credential: 'not a credential <b>' });
      const res = await ctx.app.request('/verify', { method: 'POST', body });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const page = await res.text();
      expect(page).toContain('role="alert"');
      expect(page).toContain('neither a JSON credential, a JWT, nor a baked PNG or SVG image');
      expect(page).not.toContain('<b>');
    });

    it('a tampered credential shows the failed check', async () => {
      const tampered = structuredClone(credential.document) as { validFrom: string };
      tampered.validFrom = '2020-01-01T00:00:00Z';
      const form = new FormData();
      form.set('file', new Blob([JSON.stringify(tampered)], { type: 'application/json' }), 'c.json');
      const page = await (await ctx.app.request('/verify', { method: 'POST', body: form })).text();
      expect(page).toMatch(/<span class="badge failed">Failed<\/span> <strong>Signature<\/strong>/);
      expect(page).toContain('ERR_PROOF_INVALID');
    });
  });
});
