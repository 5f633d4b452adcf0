import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configFromEnv, createLogger, openDatabase, startServer, type RunningServer } from '../src/index.js';
import { importCatalogues, SHIPPED_CATALOGUES } from '../src/domains/frameworks/catalogues.js';
import { ESCO_MINI_DIR } from './helpers/frameworks.js';

/** esco-mini's counts, from its CSV files (see packages/cli/test/import.test.ts). */
const ESCO_MINI_SUMMARY = {
  skills: 97,
  skillGroups: 126,
  occupations: 13,
  iscoGroups: 30,
  relations: 91,
  skillRelations: 7,
  hierarchy: 254,
};

describe('shipped catalogues at server start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skillproof-catalogues-'));
  const servers: RunningServer[] = [];
  afterAll(async () => {
    for (const server of servers) await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const config = (env: Record<string, string> = {}) =>
    configFromEnv({ DATA_DIR: join(dir, 'data'), PORT: '0', SKILLPROOF_DEMO: '0', LOG_LEVEL: 'silent', ...env });

  it('are on by default and SKILLPROOF_CATALOGUES=off turns them off', () => {
    expect(config().catalogues).toBe(true);
    expect(config({ SKILLPROOF_CATALOGUES: 'off' }).catalogues).toBe(false);
    expect(SHIPPED_CATALOGUES.map((c) => [c.kind, c.dir.replace(/^.*\/packages\/server\//, '')])).toEqual([
      ['esco', 'data/esco-1.1.1'],
      ['onet', 'data/onet-29.2'],
    ]);
  });

  it('are imported in the background once the server listens, and only once', async () => {
    const catalogues = [{ kind: 'esco' as const, dir: ESCO_MINI_DIR }];
    const first = await startServer(config(), { catalogues });
    servers.push(first);
    const [result] = (await first.catalogues)!;
    expect(result).toMatchObject({ kind: 'esco', outcome: 'imported', summary: ESCO_MINI_SUMMARY });
    const documents = (await (await fetch(`${first.url}/ims/case/v1p1/CFDocuments`)).json()) as {
      CFDocuments: { title: string }[];
    };
    expect(documents.CFDocuments.map((d) => d.title)).toEqual([
      'ESCO: European Skills, Competences, Qualifications and Occupations',
    ]);
    const stored = await first.deps.db.selectFrom('frameworks').select(['id', 'updatedAt']).execute();
    await first.close();
    servers.pop();

    const second = await startServer(config(), { catalogues });
    servers.push(second);
    const [again] = (await second.catalogues)!;
    expect(again).toMatchObject({ outcome: 'unchanged', frameworkId: result!.frameworkId, summary: ESCO_MINI_SUMMARY });
    expect(await second.deps.db.selectFrom('frameworks').select(['id', 'updatedAt']).execute()).toEqual(stored);
    await second.close();
    servers.pop();

    const off = await startServer(config({ SKILLPROOF_CATALOGUES: 'off' }), { catalogues });
    servers.push(off);
    expect(off.catalogues).toBeUndefined();
  }, 300_000);

  it('skip a missing directory and stop when cancelled, writing nothing', async () => {
    const database = await openDatabase({ dataDir: join(dir, 'data', 'pglite') });
    try {
      const logger = createLogger({ level: 'silent' });
      const missing = await importCatalogues(database.db, logger, {
        catalogues: [{ kind: 'onet', dir: join(dir, 'no-such-dir') }],
      });
      expect(missing.map((r) => r.outcome)).toEqual(['missing']);
      const stopped = new AbortController();
      stopped.abort();
      const cancelled = await importCatalogues(database.db, logger, {
        catalogues: [{ kind: 'onet', dir: SHIPPED_CATALOGUES[1]!.dir }],
        signal: stopped.signal,
      });
      expect(cancelled.map((r) => r.outcome)).toEqual(['cancelled']);
      const kinds = await database.db.selectFrom('frameworks').select('source').execute();
      expect(kinds).toEqual([{ source: 'esco' }]);
    } finally {
      await database.close();
    }
  }, 120_000);
});
