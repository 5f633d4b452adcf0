import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '@skillproof/core';
import { runCli } from './helpers/cli.js';
import { startServerProcess, type ServerProcess } from './helpers/server-process.js';
import { referenceLoader, referenceStatus, type ReadJson } from '../../server/test/issuing-helpers.js';

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
    const readJson: ReadJson = async (path) => (await (await fetch(`${server.url}${path}`)).json()) as JsonObject;
    const documentLoader = referenceLoader(readJson);
    const suite = new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });
    const failures: string[] = [];
    for (const file of files('valid')) {
      const credential = JSON.parse(readFileSync(file, 'utf8')) as JsonObject;
      const result = await vc.verifyCredential({
        credential,
        suite,
        documentLoader,
        checkStatus: (o: { credential: Record<string, unknown> }) =>
          referenceStatus(o.credential as JsonObject, readJson, documentLoader),
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
        referenceStatus(o.credential as JsonObject, readJson, documentLoader),
    });
    expect(result.verified).toBe(false);
  }, 240_000);
});
