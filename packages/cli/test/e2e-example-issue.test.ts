import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentLoader, type JsonObject } from '@skillproof/core';
import { runCli } from './helpers/cli.js';
import { startServerProcess, type ServerProcess } from './helpers/server-process.js';

/**
 * Acceptance for issue 4: what `npm start` runs serves a fresh data folder (migrated, demo seeded); the example drives
 * it through the public HTTP API only; every credential it saved verifies online with `skillproof verify` (status
 * checked) and with @digitalbazaar/vc, and the revoked one fails the status check.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('npm start + npm run example:issue', () => {
  let dir: string;
  let server: ServerProcess;
  let out: string;

  beforeAll(async () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['start']).toBe('node packages/cli/bin/skillproof.js serve');
    dir = mkdtempSync(join(tmpdir(), 'skillproof-e2e-'));
    server = await startServerProcess({ DATA_DIR: join(dir, 'data') }, dir);
    expect(server.output()).toMatch(/admin\s+admin@demo\.skillproof\.dev\s+\S+/);
    out = join(dir, 'out');
    const example = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(root, 'examples/issue.ts'), '--base', server.url, '--out', out],
      { cwd: root, env: { ...process.env, DATA_DIR: join(dir, 'data') }, encoding: 'utf8', timeout: 240_000 },
    );
    expect(example.stderr).toBe('');
    expect(example.status).toBe(0);
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const files = (sub: string) => readdirSync(join(out, sub)).map((f) => join(out, sub, f));

  it('saved 1,000 valid credentials (one single, 999 of the batch) and the 1 revoked', () => {
    expect(files('valid')).toHaveLength(1000);
    expect(files('revoked')).toHaveLength(1);
  });

  it('every valid credential verifies with skillproof verify, online, status checked', () => {
    const r = runCli(dir, ['verify', '--json', ...files('valid')]);
    expect(r.stderr).toBe('');
    const reports = JSON.parse(r.stdout) as { verified: boolean; checks: { id: string; status: string }[] }[];
    expect(reports).toHaveLength(1000);
    for (const report of reports) {
      expect(report.verified).toBe(true);
      expect(report.checks.find((c) => c.id === 'status')?.status).toBe('passed');
      expect(report.checks.find((c) => c.id === 'issuer')?.status).toBe('passed');
    }
    expect(r.code).toBe(0);
  }, 240_000);

  it('the revoked credential fails the status check', () => {
    const r = runCli(dir, ['verify', '--json', ...files('revoked')]);
    const report = JSON.parse(r.stdout) as {
      verified: boolean;
      checks: { id: string; status: string; code: string }[];
    };
    expect(report.verified).toBe(false);
    expect(report.checks.find((c) => c.id === 'status')).toMatchObject({
      status: 'failed',
      code: 'ERR_STATUS_REVOKED',
    });
    expect(r.code).toBe(1);
  });

  it('every valid credential verifies with @digitalbazaar/vc, its status lists checked independently', async () => {
    const documentLoader = referenceLoader(server.url);
    const suite = new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });
    const failures: string[] = [];
    for (const file of files('valid')) {
      const credential = JSON.parse(readFileSync(file, 'utf8')) as JsonObject;
      const result = await vc.verifyCredential({
        credential,
        suite,
        documentLoader,
        checkStatus: (o: { credential: Record<string, unknown> }) =>
          referenceStatus(o.credential as JsonObject, server.url, documentLoader),
      });
      if (!result.verified) failures.push(`${file}: ${JSON.stringify(result.error ?? result)}`);
    }
    expect(failures).toEqual([]);
    const revoked = JSON.parse(readFileSync(files('revoked')[0]!, 'utf8')) as JsonObject;
    const result = await vc.verifyCredential({
      credential: revoked,
      suite,
      documentLoader,
      checkStatus: (o: { credential: Record<string, unknown> }) =>
        referenceStatus(o.credential as JsonObject, server.url, documentLoader),
    });
    expect(result.verified).toBe(false);
  }, 240_000);
});

const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';

/** Contexts from the bundle; did:web documents fetched from the running server over loopback HTTP, as the reference expects them. */
function referenceLoader(base: string) {
  const contexts = createDocumentLoader();
  const cache = new Map<string, JsonObject>();
  return async (url: string) => {
    if (!url.startsWith('did:web:')) return contexts(url);
    const [did, fragment] = url.split('#') as [string, string | undefined];
    const path = did.split(':').slice(3).join('/');
    let doc = cache.get(did);
    if (!doc) {
      doc = (await (await fetch(`${base}/${path}/did.json`)).json()) as JsonObject;
      cache.set(did, doc);
    }
    if (fragment === undefined) return { contextUrl: null, documentUrl: url, document: doc };
    const methods = doc['verificationMethod'] as JsonObject[];
    const method = methods.find((m) => m['id'] === url || m['id'] === `#${fragment}`);
    if (!method) throw new Error(`${url} is not in the DID document`);
    return { contextUrl: null, documentUrl: url, document: { '@context': MULTIKEY_V1, ...method, id: url } };
  };
}

/** An independent Bitstring Status List check: fetch the list, verify its proof with the reference, read the bit. */
async function referenceStatus(
  credential: JsonObject,
  base: string,
  documentLoader: ReturnType<typeof referenceLoader>,
): Promise<{ verified: boolean }> {
  const entries = ([] as JsonObject[]).concat(credential['credentialStatus'] as JsonObject | JsonObject[]);
  for (const entry of entries) {
    const listUrl = new URL(entry['statusListCredential'] as string);
    const list = (await (await fetch(`${base}${listUrl.pathname}`)).json()) as JsonObject;
    const listResult = await vc.verifyCredential({
      credential: list,
      suite: new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }),
      documentLoader,
    });
    if (!listResult.verified) return { verified: false };
    const encoded = (list['credentialSubject'] as JsonObject)['encodedList'] as string;
    const bits = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'));
    const index = Number(entry['statusListIndex']);
    if ((bits[index >> 3]! >> (7 - (index & 7))) & 1) return { verified: false };
  }
  return { verified: true };
}
