import { randomBytes } from 'node:crypto';
import { createKeyStore, createLogger, dropSchema, migrateToLatest, openDatabase, type AppDeps } from '../src/index.js';
import { createRateLimiter, NO_RATE_LIMITS } from '../src/http/rate-limit.js';

const url = process.env['DATABASE_URL'] ?? process.env['TEST_DATABASE_URL'];

/** The databases a server benchmark runs on: PGlite always, PostgreSQL too when DATABASE_URL or TEST_DATABASE_URL is set. */
export const benchTargets = (): ('pglite' | 'postgres')[] => (url ? ['pglite', 'postgres'] : ['pglite']);

/**
 * A migrated database (in-memory PGlite, or a schema of its own in PostgreSQL, dropped at `close`) and the app's
 * dependencies over it: the real clock, a fresh master key, quiet logs, no rate limits, cheap scrypt.
 *
 * @example
 * ```ts
 * for (const target of benchTargets()) { const { deps, close } = await openBenchDatabase(target); …; await close(); }
 * ```
 */
export async function openBenchDatabase(
  target: 'pglite' | 'postgres',
  options: { poolSize?: number } = {},
): Promise<{ deps: AppDeps; close(): Promise<void> }> {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const database = await openDatabase(
    target === 'postgres' ? { url: url!, schema, ...options } : { dataDir: 'memory://' },
  );
  await migrateToLatest(database.db);
  const deps: AppDeps = {
    db: database.db,
    clock: () => new Date(),
    keys: createKeyStore(randomBytes(32)),
    logger: createLogger({ level: 'warn' }),
    publicUrl: 'https://bench.skillproof.test',
    rateLimiter: createRateLimiter(NO_RATE_LIMITS),
    passwordParams: { N: 1024, r: 8, p: 1 },
  };
  return {
    deps,
    async close() {
      if (target === 'postgres') await dropSchema(database.db, schema);
      await database.close();
    },
  };
}
