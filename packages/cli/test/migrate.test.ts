import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

describe('skillproof migrate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skillproof-migrate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // From `dir`, so the default DATA_DIR (./data) is a fresh folder there.
  const migrate = () => runCli(dir, ['migrate', '--json']);

  it('creates the PGlite database in a fresh ./data and applies every migration, then has nothing to do', () => {
    const first = migrate();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const { database, applied } = JSON.parse(first.stdout) as { database: string; applied: string[] };
    expect(database).toBe('pglite');
    expect(applied).toContain('2026-11-30T0500_initial');
    const second = migrate();
    expect(JSON.parse(second.stdout)).toEqual({ database: 'pglite', applied: [] });
  }, 120_000);
});
