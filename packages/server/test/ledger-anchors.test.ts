import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createNoteSigner } from '@skillproof/core';
import { configFromEnv } from '../src/config.js';
import type { AppError } from '../src/errors.js';
import { anchorCheckpoint, logAnchoringStep, verifyStoredAnchors } from '../src/domains/ledger/anchoring.js';
import type { LogAnchor } from '../src/domains/ledger/anchors.js';
import { children, DerError, encode, readElement, TAG } from '../src/domains/ledger/der.js';
import { integrateLog } from '../src/domains/ledger/integrate.js';
import { createRfc3161Anchor, timestampRequest } from '../src/domains/ledger/rfc3161-anchor.js';
import { servedCheckpoint } from '../src/domains/ledger/serve.js';
import { createTestContext, databaseTargets, type TestContext } from './helpers/context.js';
import { issueMany, anonymous, createOrg, createSampleAchievement } from './helpers/fixtures.js';

/**
 * A real RFC 3161 time-stamping authority: OpenSSL's (`openssl ts -reply`), with its own P-256 key and a certificate
 * for time stamping. The anchor talks to it through `fetch`, as it would over HTTP.
 */
function openSslTsa(name: string) {
  const dir = mkdtempSync(join(tmpdir(), `tsa-${name}-`));
  const run = (args: string[], input?: Uint8Array) =>
    execFileSync('openssl', args, { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'], ...(input && { input }) });
  run([
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'tsa.key', '-out',
    'tsa.crt', '-subj', `/CN=${name}`, '-days', '3650', '-addext', 'extendedKeyUsage=critical,timeStamping', '-addext',
    'keyUsage=critical,digitalSignature',
  ]); // prettier-ignore
  writeFileSync(
    join(dir, 'tsa.cnf'),
    [
      '[ tsa ]',
      'default_tsa = tsa1',
      '[ tsa1 ]',
      'serial = ./serial',
      'crypto_device = builtin',
      'signer_cert = ./tsa.crt',
      'signer_key = ./tsa.key',
      'signer_digest = sha256',
      'default_policy = 1.2.3.4.1',
      'digests = sha256',
      'accuracy = secs:1',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'serial'), '01\n');
  const requests: Uint8Array[] = [];
  let replies = 0;
  const fetch = (async (_url: string | URL | Request, init?: RequestInit) => {
    const query = new Uint8Array(init!.body as Uint8Array);
    requests.push(query);
    writeFileSync(join(dir, `q${replies}.tsq`), query);
    run(['ts', '-reply', '-config', 'tsa.cnf', '-queryfile', `q${replies}.tsq`, '-out', `r${replies}.tsr`]);
    const reply = readFileSync(join(dir, `r${replies++}.tsr`));
    return new Response(reply, { status: 200, headers: { 'content-type': 'application/timestamp-reply' } });
  }) as typeof globalThis.fetch;
  return {
    cert: readFileSync(join(dir, 'tsa.crt'), 'utf8'),
    fetch,
    requests,
    /** OpenSSL's own check of a receipt (the token alone) against the note it timestamps. */
    opensslVerifies(note: string, receipt: string): boolean {
      writeFileSync(join(dir, 'note.txt'), note);
      writeFileSync(join(dir, 'token.der'), Buffer.from(receipt, 'base64'));
      try {
        run(['ts', '-verify', '-data', 'note.txt', '-in', 'token.der', '-token_in', '-CAfile', 'tsa.crt']);
        return true;
      } catch {
        return false;
      }
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

describe('DER', () => {
  it('reads back what it writes, and refuses any truncation with a DerError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.constantFrom(TAG.OCTET_STRING, TAG.SEQUENCE), (body, tag) => {
        const bytes = encode(tag, body);
        const element = readElement(bytes);
        expect(element.end).toBe(bytes.length);
        expect([...element.content]).toEqual([...body]);
        for (const cut of [1, Math.floor(bytes.length / 2), bytes.length - 1].filter(
          (n) => n > 0 && n < bytes.length,
        )) {
          expect(() => readElement(bytes.subarray(0, cut))).toThrow(DerError);
        }
      }),
    );
  });

  it('parses arbitrary bytes without throwing anything but DerError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          children(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(DerError);
        }
      }),
    );
  });

  it('writes a TimeStampReq OpenSSL reads: version 1, the SHA-256 imprint, the nonce, certReq', () => {
    const tsa = openSslTsa('reader');
    try {
      const imprint = new Uint8Array(32).fill(7);
      const dir = mkdtempSync(join(tmpdir(), 'tsq-'));
      writeFileSync(join(dir, 'q.tsq'), timestampRequest(imprint, Uint8Array.of(0x80, 1, 2, 3)));
      const text = execFileSync('openssl', ['ts', '-query', '-in', join(dir, 'q.tsq'), '-text'], { encoding: 'utf8' });
      rmSync(dir, { recursive: true });
      expect(text).toContain('Version: 1');
      expect(text).toContain('Hash Algorithm: sha256');
      expect(text).toMatch(/07 07 07 07/);
      expect(text).toMatch(/Nonce: 0x80010203/i);
      expect(text).toContain('Certificate required: yes');
    } finally {
      tsa.close();
    }
  });
});

describe.each(databaseTargets())('anchoring the log on $name', (target) => {
  let ctx: TestContext;
  const tsa = openSslTsa('Skillproof test TSA');
  const stranger = openSslTsa('Another TSA');
  let anchor: LogAnchor;

  beforeAll(async () => {
    anchor = createRfc3161Anchor({ url: 'https://tsa.example.org/tsr', trust: tsa.cert, fetch: tsa.fetch });
    ctx = await createTestContext(target, { ledger: { anchors: [anchor], anchorIntervalSeconds: 600 } });
  });
  afterAll(async () => {
    await ctx?.close();
    tsa.close();
    stranger.close();
  });

  async function issueAndIntegrate(n: number) {
    const { id: orgId } = await createOrg(ctx);
    const { achievementId } = await createSampleAchievement(ctx, orgId);
    await issueMany(ctx, orgId, achievementId, n);
    await integrateLog(ctx.db, ctx.deps);
  }

  it('anchors the served checkpoint once per interval while the log grows; receipts verify here and in OpenSSL', async () => {
    ctx.setNow('2026-06-01T12:00:00Z');
    await issueAndIntegrate(3);
    const step = logAnchoringStep(ctx.deps);
    await step();
    const first = await servedCheckpoint(ctx.db, ctx.deps);
    let rows = await ctx.db.selectFrom('logAnchors').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ anchor: 'rfc3161:tsa.example.org', size: first.size, note: first.note });
    expect(Buffer.from(rows[0]!.rootHash)).toEqual(Buffer.from(first.rootHash));
    expect(tsa.opensslVerifies(first.note, rows[0]!.receipt)).toBe(true);
    // The TSA's clock is the machine's: the receipt says the checkpoint existed by then.
    expect(Math.abs(rows[0]!.anchoredAt.getTime() - Date.now())).toBeLessThan(60_000);

    // Within the interval nothing is sent, grown or not; after it, only a grown log is anchored again.
    await issueAndIntegrate(2);
    ctx.setNow('2026-06-01T12:05:00Z');
    await step();
    expect(tsa.requests).toHaveLength(1);
    ctx.setNow('2026-06-01T12:10:01Z');
    await step();
    expect(tsa.requests).toHaveLength(2);
    ctx.setNow('2026-06-01T12:20:02Z');
    await step();
    expect(tsa.requests).toHaveLength(2);

    rows = await ctx.db.selectFrom('logAnchors').selectAll().orderBy('size').execute();
    expect(rows.map((r) => r.size)).toEqual([first.size, (await servedCheckpoint(ctx.db, ctx.deps)).size]);
    expect(await verifyStoredAnchors(ctx.db, [anchor])).toEqual(
      rows.map((r) => ({ anchor: anchor.name, size: r.size, verified: true })),
    );
    // Unconfigured anchors' receipts are reported unchecked, not passed.
    expect((await verifyStoredAnchors(ctx.db, []))[0]).toMatchObject({ verified: undefined });

    const res = await anonymous(ctx).request('GET', '/api/v1/log/anchors');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { anchors: Array<{ size: number; receipt: string; note: string }> };
    expect(body.anchors.map((a) => a.size)).toEqual(rows.map((r) => r.size).reverse());
    const paged = (await (
      await anonymous(ctx).request('GET', `/api/v1/log/anchors?before=${rows[1]!.size}`)
    ).json()) as {
      anchors: unknown[];
    };
    expect(paged.anchors).toHaveLength(1);
  });

  it('a receipt does not verify for another note, altered, or from a TSA that is not trusted', async () => {
    const row = await ctx.db.selectFrom('logAnchors').selectAll().orderBy('size').executeTakeFirstOrThrow();
    const checkpoint = { origin: 'skillproof.test/log', size: row.size, rootHash: row.rootHash, note: row.note };
    const receipt = { at: row.anchoredAt, receipt: row.receipt };
    expect(await anchor.verify(checkpoint, receipt)).toBe(true);
    expect(await anchor.verify({ ...checkpoint, note: row.note.replace(/\n\n/, '\n\nx') }, receipt)).toBe(false);
    expect(await anchor.verify(checkpoint, { ...receipt, at: new Date(row.anchoredAt.getTime() + 1000) })).toBe(false);
    // The authenticated parts: the TSTInfo's imprint and time (under the signed attributes' digest) and the signature.
    const token = Buffer.from(row.receipt, 'base64');
    const imprintAt = token.indexOf(createHash('sha256').update(row.note).digest());
    const timeAt = token.indexOf(Buffer.from(row.anchoredAt.toISOString().slice(0, 4)));
    expect(imprintAt).toBeGreaterThan(0);
    expect(timeAt).toBeGreaterThan(0);
    for (const at of [imprintAt + 3, timeAt + 3, token.length - 5]) {
      const altered = Buffer.from(token);
      altered[at]! ^= 0x01;
      expect(await anchor.verify(checkpoint, { ...receipt, receipt: altered.toString('base64') })).toBe(false);
    }
    const distrustful = createRfc3161Anchor({
      url: 'https://tsa.example.org/tsr',
      trust: stranger.cert,
      fetch: tsa.fetch,
    });
    expect(await distrustful.verify(checkpoint, receipt)).toBe(false);
  });

  it('a failing anchor stores nothing and is logged: an untrusted TSA, a replayed reply, an HTTP error', async () => {
    const { note } = await servedCheckpoint(ctx.db, ctx.deps);
    const before = await ctx.db.selectFrom('logAnchors').select('size').execute();
    const untrusted = createRfc3161Anchor({
      url: 'https://other.example.org/',
      trust: tsa.cert,
      fetch: stranger.fetch,
    });
    let saved: Response | undefined;
    const replaying = createRfc3161Anchor({
      url: 'https://replay.example.org/',
      trust: tsa.cert,
      fetch: (async (url: string, init?: RequestInit) => {
        saved ??= await tsa.fetch(url, init);
        return saved.clone();
      }) as typeof fetch,
    });
    const down = createRfc3161Anchor({
      url: 'https://down.example.org/',
      trust: tsa.cert,
      fetch: (async () => new Response('busy', { status: 503 })) as typeof fetch,
    });
    const signal = new AbortController().signal;
    expect(await anchorCheckpoint(ctx.deps, replaying, note, signal)).toBeDefined();
    for (const failing of [untrusted, replaying, down]) {
      expect(await anchorCheckpoint(ctx.deps, failing, note, signal)).toBeUndefined();
    }
    const warnings = ctx.logLines.filter((l) => l.includes('Anchoring the log checkpoint failed'));
    expect(warnings.map((l) => JSON.parse(l).err.message as string)).toEqual([
      expect.stringContaining('not the trusted TSA certificate'),
      expect.stringContaining('nonce'),
      expect.stringContaining('HTTP 503'),
    ]);
    const after = await ctx.db.selectFrom('logAnchors').select('size').execute();
    expect(after).toHaveLength(before.length + 1);
  });
});

describe('ledger settings from the environment', () => {
  const vkey = createNoteSigner('skillproof.test/log', new Uint8Array(32).fill(9)).verifierKey;
  it('reads witnesses, quorum, witnessed logs and an RFC 3161 anchor; refuses malformed ones by code', () => {
    const tsa = openSslTsa('env');
    const dir = mkdtempSync(join(tmpdir(), 'env-'));
    try {
      writeFileSync(join(dir, 'tsa.pem'), tsa.cert);
      const ledger = configFromEnv({
        SKILLPROOF_LOG_WITNESSES: `https://w1.example.org/witness/ ${vkey};\nhttps://w2.example.org/witness ${vkey}`,
        SKILLPROOF_LOG_WITNESS_QUORUM: '1',
        SKILLPROOF_WITNESSED_LOGS: `${vkey}, ${vkey}`,
        SKILLPROOF_ANCHOR_RFC3161_URL: 'https://tsa.example.org/tsr',
        SKILLPROOF_ANCHOR_RFC3161_CERT: join(dir, 'tsa.pem'),
        SKILLPROOF_ANCHOR_INTERVAL: '60',
      }).ledger;
      expect(ledger).toMatchObject({
        witnesses: [
          { url: 'https://w1.example.org/witness', vkey },
          { url: 'https://w2.example.org/witness', vkey },
        ],
        witnessQuorum: 1,
        witnessedLogs: [vkey, vkey],
        anchorIntervalSeconds: 60,
      });
      expect(ledger.anchors?.map((a) => a.name)).toEqual(['rfc3161:tsa.example.org']);
      expect(configFromEnv({}).ledger).toEqual({});

      const refused = (env: Record<string, string>) => {
        try {
          configFromEnv(env);
        } catch (e) {
          return { code: (e as AppError).code, message: (e as Error).message };
        }
        return undefined;
      };
      const malformed: Record<string, string>[] = [
        { SKILLPROOF_LOG_WITNESSES: vkey },
        { SKILLPROOF_LOG_WITNESSES: 'https://w.example.org not-a-key' },
        { SKILLPROOF_LOG_WITNESSES: `https://w.example.org ${vkey}`, SKILLPROOF_LOG_WITNESS_QUORUM: '2' },
        { SKILLPROOF_LOG_WITNESS_QUORUM: 'one' },
        { SKILLPROOF_WITNESSED_LOGS: 'log+zz+AA' },
        { SKILLPROOF_ANCHOR_RFC3161_URL: 'https://tsa.example.org/tsr' },
        {
          SKILLPROOF_ANCHOR_RFC3161_URL: 'https://tsa.example.org/tsr',
          SKILLPROOF_ANCHOR_RFC3161_CERT: '/nonexistent',
        },
        { SKILLPROOF_ANCHOR_INTERVAL: '0' },
      ];
      for (const env of malformed) {
        expect(refused(env), JSON.stringify(env)).toMatchObject({ code: 'ERR_VALIDATION', message: /SKILLPROOF_/ });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      tsa.close();
    }
  });
});
