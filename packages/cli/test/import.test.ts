import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '@skillproof/server';
import { createProgressBar, renderProgress } from '../src/progress-bar.js';
import { runCli } from './helpers/cli.js';
import { runMain } from './helpers/main-in-process.js';

const ESCO_MINI = fileURLToPath(new URL('../../server/test/fixtures/esco-mini', import.meta.url));

/**
 * What the esco-mini fixture holds, counted in its CSV files: skills_en.csv 97 rows; skillGroups_en.csv 124 + the 2
 * groups only skillsHierarchy_en.csv defines; occupations_en.csv 13; ISCOGroups_en.csv 30; occupationSkillRelations.csv
 * 92 rows of which 91 name a defined occupation; skillSkillRelations.csv 7; broaderRelationsSkillPillar.csv 254.
 */
const ESCO_MINI_COUNTS = {
  skills: 97,
  skillGroups: 126,
  occupations: 13,
  iscoGroups: 30,
  relations: 91,
  skillRelations: 7,
  hierarchy: 254,
};

/** Everything an import writes, with ids and update times: equal snapshots mean nothing was touched. */
async function snapshot(dataDir: string) {
  const database = await openDatabase({ dataDir: join(dataDir, 'pglite') });
  try {
    const db = database.db;
    return {
      frameworks: await db
        .selectFrom('frameworks')
        .select(['id', 'identifier', 'updatedAt', 'contentHash'])
        .orderBy('id')
        .execute(),
      items: await db.selectFrom('frameworkItems').select(['id', 'identifier', 'updatedAt']).orderBy('id').execute(),
      associations: await db.selectFrom('frameworkAssociations').select(['id', 'updatedAt']).orderBy('id').execute(),
      occupations: await db.selectFrom('occupations').select(['id', 'updatedAt']).orderBy('id').execute(),
      occupationSkills: await db
        .selectFrom('occupationSkills')
        .select(['occupationId', 'itemId', 'weight'])
        .orderBy('occupationId')
        .orderBy('itemId')
        .execute(),
    };
  } finally {
    await database.close();
  }
}

describe('skillproof import', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skillproof-import-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // From `dir`, so the default DATA_DIR (./data) is a fresh folder there. A real process for one run of each exit
  // status (0, 1, 2); the others call the same main() in this process (`here`), sparing a Node start, a tsx load and a
  // PGlite start each.
  const cli = (...args: string[]) => runCli(dir, ['import', ...args], undefined, { timeout: 240_000 });
  const here = (...args: string[]) => runMain(dir, ['import', ...args]);
  const dataDir = join(dir, 'data');

  it('imports the ESCO mini fixture into a fresh database and prints the counts it holds; again changes nothing', async () => {
    const first = cli('esco', ESCO_MINI, '--json');
    // Not a terminal: no progress bar; only the row the fixture keeps from ESCO's own inconsistency is reported.
    expect(first.stderr).toMatch(
      /^skillproof: 1 source rows left out, e\.g\. occupationSkillRelations\.csv line \d+: occupation http:\/\/data\.europa\.eu\/esco\/occupation\/a9e54177-a185-404d-b6e6-15663d31137e is not defined by ESCO's files\.\n$/,
    );
    expect(first.code).toBe(0);
    expect(first.lines).toHaveLength(1);
    expect(JSON.parse(first.stdout)).toEqual(ESCO_MINI_COUNTS);
    const before = await snapshot(dataDir);
    expect(before.frameworks).toHaveLength(1);
    expect(before.items).toHaveLength(97 + 126);

    const again = await here('esco', ESCO_MINI, '--json');
    expect([again.code, again.stderr]).toEqual([0, '']);
    expect(JSON.parse(again.stdout)).toEqual(ESCO_MINI_COUNTS);
    // --force compares every row instead of stopping at the content hash: still nothing to change.
    const forced = await here('esco', ESCO_MINI, '--force');
    expect(forced.code).toBe(0);
    expect(forced.stderr).toMatch(/^skillproof: 1 source rows left out/);
    expect(forced.lines[0]).toMatch(/\(global\): unchanged in \d+\.\d s\.$/);
    expect(await snapshot(dataDir)).toEqual(before);
  }, 900_000);

  it('refuses a malformed source with its code, file and line, and leaves the database as it was', async () => {
    const before = await snapshot(dataDir);
    // The last occupation–skill relation gets a stray quote: read after the items and associations were written.
    const broken = join(dir, 'esco-broken');
    cpSync(ESCO_MINI, broken, { recursive: true });
    const file = join(broken, 'occupationSkillRelations.csv');
    const lines = readFileSync(file, 'utf8').split('\n');
    const last = lines.findLastIndex((line) => line.trim() !== '');
    lines[last] = lines[last]!.replace(',essential,', ',ess"ential,').replace(',optional,', ',opt"ional,');
    writeFileSync(file, lines.join('\n'));

    const result = cli('esco', broken, '--json');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      new RegExp(`^skillproof: ERR_IMPORT_CSV: occupationSkillRelations\\.csv line ${last + 1}: .*quote`),
    );
    expect(await snapshot(dataDir)).toEqual(before);
  }, 900_000);

  it('answers usage errors with exit code 2', async () => {
    const kind = cli('excel', ESCO_MINI);
    expect([kind.code, kind.stderr.trim()]).toEqual([
      2,
      'skillproof: Import what? Use skillproof import esco|onet|case <path>.',
    ]);
    const org = await here('esco', ESCO_MINI, '--org', 'no-such-org');
    expect([org.code, org.stderr.trim()]).toEqual([
      2,
      'skillproof: There is no organisation with the slug "no-such-org".',
    ]);
  }, 900_000);
});

describe('the progress bar', () => {
  it('draws on a terminal at most ten times a second, and nothing elsewhere', () => {
    let now = 0;
    const written: string[] = [];
    const tty = { isTTY: true, columns: 100, write: (text: string) => written.push(text) };
    const bar = createProgressBar(tty, { label: 'esco 1.1.1', now: () => now });
    const progress = { phase: 'items', records: 1000, bytesRead: 2_500_000, bytesTotal: 10_000_000 };
    bar.update(progress);
    now = 50;
    bar.update({ ...progress, records: 2000 }); // within 100 ms: skipped
    now = 120;
    bar.update({ ...progress, phase: 'occupations', records: 3000, bytesRead: 10_000_000 });
    bar.done();
    expect(written).toEqual([
      `\resco 1.1.1 [${'#'.repeat(8)}${'-'.repeat(22)}]  25% 2.5/10.0 MB  items  1,000 records  0.0 s\x1b[K`,
      `\resco 1.1.1 [${'#'.repeat(30)}] 100% 10.0/10.0 MB  occupations  3,000 records  0.1 s\x1b[K`,
      '\r\x1b[K',
    ]);
    const pipe = { isTTY: false, write: (text: string) => written.push(text) };
    const silent = createProgressBar(pipe, { label: 'esco' });
    silent.update(progress);
    silent.done();
    expect(written).toHaveLength(3);
  });

  it('never draws wider than the terminal', () => {
    const progress = { phase: 'occupationSkills', records: 123_456, bytesRead: 1, bytesTotal: 3 };
    for (const columns of [20, 40, 60, 80, 200]) {
      expect(renderProgress(progress, 'onet 29.2', 12.3, columns).length).toBeLessThan(columns);
    }
    expect(renderProgress({ phase: 'items', records: 5 }, 'case', 1, 80)).toBe('case  items  5 records  1.0 s');
  });
});
