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

/**
 * The advisory lock that schema changes on one PostgreSQL database take. Kysely's migrator introspects the tables of
 * every schema (`pg_get_serial_sequence` on each), which fails with "relation … does not exist" when another schema is
 * dropped at that moment: separate deployments or test files sharing a database migrate and drop their own schemas,
 * so the two must not overlap.
 */
const SCHEMA_CHANGE_LOCK = 0x5b111_9400;

async function withSchemaChangeLock<T>(db: Kysely<Database>, work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.connection().execute(async (connection) => {
    await sql`SELECT pg_advisory_lock(${SCHEMA_CHANGE_LOCK})`.execute(connection);
    try {
      return await work(connection);
    } finally {
      await sql`SELECT pg_advisory_unlock(${SCHEMA_CHANGE_LOCK})`.execute(connection);
    }
  });
}

/** Runs every migration not yet applied, in name order, under Kysely's migration lock and the schema-change lock. */
export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationResultSet> {
  return withSchemaChangeLock(db, async (connection) => {
    // Kysely looks for its migration tables in every schema unless told which: a schema migrating beside another
    // (test files each have their own) would see the other's lock table, skip creating its own, and fail.
    const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(connection);
    const migrator = new Migrator({
      db: connection,
      provider: { getMigrations: () => Promise.resolve(migrations) },
      migrationTableSchema: rows[0]!.schema,
    });
    const result = await migrator.migrateToLatest();
    if (result.error) throw result.error;
    return result;
  });
}

/**
 * Drops a PostgreSQL schema and everything in it (a test's or a benchmark's), under the schema-change lock so that no
 * migration elsewhere in the database is introspecting its tables meanwhile.
 *
 * @example
 * ```ts
 * await dropSchema(database.db, 't_3f9a0c1b2d4e');
 * ```
 */
export async function dropSchema(db: Kysely<Database>, schema: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`Not a schema name: ${JSON.stringify(schema)}`);
  await withSchemaChangeLock(db, (connection) => sql.raw(`DROP SCHEMA ${schema} CASCADE`).execute(connection));
}
