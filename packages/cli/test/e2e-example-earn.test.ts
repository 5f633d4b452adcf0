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
import { referenceLoader, type ReadJson } from '../../server/test/issuing-helpers.js';

/**
 * Acceptance 4 of issue 6: `npm run example:earn` drives what `npm start` runs through the HTTP API only (a quiz failed
 * then passed, a graded project, peer review, a pathway issued automatically, a CLR export); every credential it saved
 * and the CLR verify with `skillproof verify`, and the CLR with @digitalbazaar/vc.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('npm start + npm run example:earn', () => {
  let dir: string;
  let server: ServerProcess;
  let out: string;
  let stdout: string;

  beforeAll(async () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['example:earn']).toBe('node --import tsx examples/earn.ts');
    dir = mkdtempSync(join(tmpdir(), 'skillproof-earn-'));
    server = await startServerProcess({ DATA_DIR: join(dir, 'data') }, dir);
    out = join(dir, 'out');
    const example = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(root, 'examples/earn.ts'), '--base', server.url, '--out', out],
      { cwd: root, env: { ...process.env, DATA_DIR: join(dir, 'data') }, encoding: 'utf8', timeout: 240_000 },
    );
    expect(example.stderr).toBe('');
    expect(example.status).toBe(0);
    stdout = example.stdout;
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const credentialFiles = () => readdirSync(join(out, 'credentials')).map((f) => join(out, 'credentials', f));
  const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as JsonObject;
  const achievementName = (c: JsonObject) =>
    ((c['credentialSubject'] as JsonObject)['achievement'] as JsonObject)['name'] as string;

  it('the learner failed the quiz, then passed, and earned the three components and the pathway', () => {
    expect(stdout).toMatch(/quiz: \d+% \(passed: false\), then 100% \(passed: true\)/);
    expect(
      credentialFiles()
        .map((f) => achievementName(read(f)))
        .sort(),
    ).toEqual(['Data Cleaning Project', 'Data Storytelling', 'Junior Data Analyst', 'SQL Fundamentals']);
  });

  it('the pathway credential names its components (related) and carries the credits earned', () => {
    const pathway = credentialFiles()
      .map(read)
      .find((c) => achievementName(c) === 'Junior Data Analyst')!;
    const subject = pathway['credentialSubject'] as JsonObject;
    const related = (subject['achievement'] as JsonObject)['related'] as JsonObject[];
    expect(related).toHaveLength(3);
    expect(subject['creditsEarned']).toBe(5);
  });

  it('every credential and the CLR verify with skillproof verify, online', () => {
    const files = [...credentialFiles(), join(out, 'clr.json')];
    const r = runCli(dir, ['verify', '--json', ...files]);
    expect(r.stderr).toBe('');
    const reports = JSON.parse(r.stdout) as { verified: boolean; checks: { id: string; status: string }[] }[];
    expect(reports).toHaveLength(files.length);
    for (const report of reports) expect(report.verified).toBe(true);
    expect(r.code).toBe(0);
  }, 120_000);

  it('the CLR verifies with @digitalbazaar/vc and embeds the four credentials unchanged', async () => {
    const clr = read(join(out, 'clr.json'));
    const readJson: ReadJson = async (path) => (await (await fetch(`${server.url}${path}`)).json()) as JsonObject;
    const result = await vc.verifyCredential({
      credential: clr,
      suite: new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }),
      documentLoader: referenceLoader(readJson),
    });
    expect(result.verified, JSON.stringify(result.error ?? null)).toBe(true);
    const embedded = (clr['credentialSubject'] as JsonObject)['verifiableCredential'] as JsonObject[];
    const saved = new Map(credentialFiles().map((f) => [read(f)['id'] as string, read(f)]));
    expect(embedded).toHaveLength(4);
    for (const credential of embedded) expect(credential).toEqual(saved.get(credential['id'] as string));
  }, 120_000);
});
