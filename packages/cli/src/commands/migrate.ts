import { join } from 'node:path';
import { configFromEnv, migrateToLatest, openDatabase } from '@skillproof/server';

/** `skillproof migrate`: applies pending migrations to the database the environment names, then exits. */
export async function migrate(options: { json?: boolean }): Promise<number> {
  const config = configFromEnv();
  const database = await openDatabase(
    config.databaseUrl ? { url: config.databaseUrl } : { dataDir: join(config.dataDir, 'pglite') },
  );
  try {
    const { results = [] } = await migrateToLatest(database.db);
    const applied = results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
    if (options.json) console.log(JSON.stringify({ database: database.kind, applied }));
    else if (applied.length === 0) console.log(`The ${database.kind} database is up to date.`);
    else for (const name of applied) console.log(`applied ${name}`);
    return 0;
  } finally {
    await database.close();
  }
}
