import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Kysely } from 'kysely';
import {
  createApp,
  createKeyStore,
  createLogger,
  createRateLimiter,
  dropSchema,
  migrateToLatest,
  openDatabase,
  type App,
  type AppDeps,
  type Database,
  type DatabaseHandle,
} from '../../src/index.js';
import { NO_RATE_LIMITS } from '../../src/http/rate-limit.js';

/**
 * The databases the storage and API suites run on: PGlite always, PostgreSQL when TEST_DATABASE_URL is set.
 * Under CI=true a missing TEST_DATABASE_URL is an error, not a skip.
 */
export function databaseTargets(): { name: 'pglite' | 'postgres'; url?: string }[] {
  const url = process.env['TEST_DATABASE_URL'];
  if (!url && process.env['CI'] === 'true') {
    throw new Error('CI=true but TEST_DATABASE_URL is not set: the PostgreSQL suites must run in CI.');
  }
  return url ? [{ name: 'pglite' }, { name: 'postgres', url }] : [{ name: 'pglite' }];
}

export interface TestContext {
  app: App;
  deps: AppDeps;
  db: Kysely<Database>;
  database: DatabaseHandle;
  /** Every line the app logged, as written. */
  logLines: string[];
  /** Moves the test clock. */
  setNow(date: Date | string): void;
  close(): Promise<void>;
}

/**
 * A migrated database (in-memory PGlite, or a fresh schema in PostgreSQL) and an app over it, with a settable clock,
 * the outbox mailer, cheap scrypt parameters and no rate limits. Share one per test file: PGlite takes ~3 s to
 * create; tests keep apart by creating their own organisations and accounts. `poolSize`: PostgreSQL connections
 * (default 4), for tests of concurrency.
 */
export async function createTestContext(
  target: { name: 'pglite' | 'postgres'; url?: string },
  overrides: Partial<AppDeps> = {},
  options: { poolSize?: number } = {},
): Promise<TestContext> {
  const schema = target.url ? `t_${randomBytes(6).toString('hex')}` : undefined;
  const database = await openDatabase(
    target.url ? { url: target.url, schema, poolSize: options.poolSize ?? 4 } : { dataDir: 'memory://' },
  );
  await migrateToLatest(database.db);
  let now = new Date('2026-06-01T12:00:00Z');
  const logLines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const deps: AppDeps = {
    db: database.db,
    clock: () => now,
    keys: createKeyStore(randomBytes(32)),
    logger: createLogger({ level: 'debug', destination }),
    publicUrl: 'https://skillproof.test',
    rateLimiter: createRateLimiter(NO_RATE_LIMITS),
    passwordParams: { N: 1024, r: 8, p: 1 },
    ...overrides,
  };
  return {
    app: createApp(deps),
    deps,
    db: database.db,
    database,
    logLines,
    setNow(date) {
      now = new Date(date);
    },
    async close() {
      if (schema && target.url) await dropSchema(database.db, schema);
      await database.close();
    },
  };
}
