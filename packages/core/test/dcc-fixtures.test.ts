import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { verifyCredential } from '../src/index.js';
import type { Fetcher, JsonObject, VerificationResult } from '../src/index.js';

const root = fileURLToPath(new URL('./fixtures/vectors/digitalcredentials-vc-test-fixtures/', import.meta.url));
const clock = () => new Date('2026-06-01T00:00:00Z');

/** Serves the DCC fixture status lists and DID documents at the URLs the credentials name, from local files. */
const localWeb: Fetcher = async (url) => {
  const routes: Array<[RegExp, (m: RegExpExecArray) => string]> = [
    [
      /^https:\/\/raw\.githubusercontent\.com\/digitalcredentials\/verifier-core\/refs\/heads\/main\/src\/test-fixtures\/status\/(\w+)$/,
      (m) => `statusLists/didkey-ed25519Signature2020/${m[1]}`,
    ],
    [
      /^https:\/\/digitalcredentials\.github\.io\/vc-test-fixtures\/statusLists\/didkey-ed25519Signature2020\/(\w+)$/,
      (m) => `statusLists/didkey-ed25519Signature2020/${m[1]}`,
    ],
    [
      /^https:\/\/digitalcredentials\.github\.io\/vc-test-fixtures\/dids\/(legacy|oidf)\/did\.json$/,
      (m) => `dids/${m[1]}/did.json`,
    ],
  ];
  for (const [pattern, file] of routes) {
    const m = pattern.exec(url);
    if (m) return { body: readFileSync(root + file(m), 'utf8'), contentType: 'application/json' };
  }
  throw Object.assign(new Error(`404 ${url}`), { status: 404 });
};

function listFixtures(dir: string): string[] {
  return readdirSync(root + dir).flatMap((name) => {
    const path = `${dir}/${name}`;
    return statSync(root + path).isDirectory() ? listFixtures(path) : name.endsWith('.json') ? [path] : [];
  });
}

interface Expectation {
  check: string;
  status: string;
  code?: string;
}

/** What the file name `[registry]-[status]-[expiry][-extra].json` states, as checks our verifier must report. */
function expectationsFor(name: string): { verified: boolean; expect: Expectation[] } {
  const expect: Expectation[] = [];
  if (/revoked/i.test(name)) expect.push({ check: 'status', status: 'failed', code: 'ERR_STATUS_REVOKED' });
  if (/tamperedStatus|missingTypeStatus/.test(name))
    expect.push({ check: 'status', status: 'failed', code: 'ERR_STATUS_LIST_INVALID' });
  if (/expiredStatus|notYetValidStatus/.test(name))
    expect.push({ check: 'status', status: 'unknown', code: 'ERR_STATUS_UNAVAILABLE' });
  if (/-expired(?:\.json$|-)/.test(name)) expect.push({ check: 'validity', status: 'failed', code: 'ERR_EXPIRED' });
  if (/-notYetValid\b/.test(name)) expect.push({ check: 'validity', status: 'failed', code: 'ERR_NOT_YET_VALID' });
  if (/-tampered\.json$/.test(name)) expect.push({ check: 'proof', status: 'failed', code: 'ERR_PROOF_INVALID' });
  if (/badDidWeb/.test(name)) expect.push({ check: 'proof', status: 'failed', code: 'ERR_DID_RESOLUTION' });
  if (/badSchema/.test(name)) expect.push({ check: 'schema', status: 'failed', code: 'ERR_SCHEMA_INVALID' });
  return { verified: expect.length === 0, expect };
}

describe('Digital Credentials Consortium fixtures give the outcomes their names state', () => {
  const files = listFixtures('verifiableCredentials/v2');
  it('finds the fixtures', () => expect(files.length).toBeGreaterThanOrEqual(40));

  for (const file of files) {
    const name = file.split('/').pop()!;
    const { verified, expect: expected } = expectationsFor(name);
    it(`${file.replace('verifiableCredentials/v2/', '')}: ${verified ? 'verified' : expected.map((e) => e.code).join(', ')}`, async () => {
      const credential = JSON.parse(readFileSync(root + file, 'utf8')) as JsonObject;
      const result: VerificationResult = await verifyCredential(credential, { fetcher: localWeb, clock });
      const summary = JSON.stringify(result.checks.map((c) => [c.id, c.status, c.code]));
      for (const e of expected) {
        expect(
          result.checks.find((c) => c.id === e.check && c.status === e.status && c.code === e.code),
          summary,
        ).toBeDefined();
      }
      if (name === 'noRegistry-revokedStatus-noExpiry.json' && file.includes('dataIntegrityProof')) {
        // Named "noExpiry", but this file's validUntil is 2010-01-02: the verifier reports what the data says.
        expect(
          result.checks.find((c) => c.id === 'validity'),
          summary,
        ).toMatchObject({ code: 'ERR_EXPIRED' });
      }
      expect(result.verified, summary).toBe(verified);
      if (verified) {
        for (const c of result.checks) expect(['passed', 'skipped'], summary).toContain(c.status);
      }
      // Every signature in these fixtures is genuine except the tampered one.
      if (!/-tampered\.json$|badDidWeb/.test(name)) {
        for (const c of result.checks.filter((c) => c.id === 'proof')) expect(c.status, summary).toBe('passed');
      }
    });
  }
});
