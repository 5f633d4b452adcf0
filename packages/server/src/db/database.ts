import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CamelCasePlugin, Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely';
import { Migrator, type MigrationResultSet } from 'kysely/migration';
import type { Database } from './schema.js';
import { migrations } from './migrations/index.js';

export type DatabaseKind = 'pglite' | 'postgres';

export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: DatabaseKind;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** `postgres://…`: PostgreSQL through pg. Otherwise PGlite. */
  url?: string | undefined;
  /** PGlite's data folder; `memory://` for a database that lives only in this process. */
  dataDir?: string | undefined;
  /** PostgreSQL only: the schema to use (tests give each file its own). Created if missing. */
  schema?: string | undefined;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
}

/**
 * Opens the database: PostgreSQL when a URL is given, PGlite (embedded PostgreSQL) in `dataDir` otherwise.
 * The SQL is the same for both; PGlite has one connection, and Kysely's dialect serialises queries and transactions on it.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const plugins = [new CamelCasePlugin()];
  if (options.url) {
    const { default: pg } = await import('pg');
    // bigint (count(*), bigserial) as number when safe; our counts never pass 2^53.
    pg.types.setTypeParser(20, (v) => Number(v));
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      ...(options.schema && { options: `-c search_path=${options.schema}` }),
    });
    if (options.schema) {
      if (!/^[a-z_][a-z0-9_]*$/.test(options.schema)) throw new Error(`Bad schema name ${options.schema}`);
      await pool.query(`CREATE SCHEMA IF NOT EXISTS ${options.schema}`);
    }
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const dataDir = options.dataDir ?? 'memory://';
  // PGlite creates its own folder but not the folders above it.
  if (!dataDir.includes('://')) await mkdir(dirname(resolve(dataDir)), { recursive: true });
  const pglite = await PGlite.create(dataDir, {
    parsers: { 20: (v: string) => Number(v) },
  });
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }), plugins });
  return {
    db,
    kind: 'pglite',
    async close() {
      await db.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}

/** Runs every migration not yet applied, in name order, under Kysely's migration lock. */
export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationResultSet> {
  // Kysely looks for its migration tables in every schema unless told which: a schema migrating beside another
  // (test files each have their own) would see the other's lock table, skip creating its own, and fail.
  const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(db);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    migrationTableSchema: rows[0]!.schema,
  });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error;
  return result;
}
