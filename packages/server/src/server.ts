import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ed25519Backend, type Fetcher } from '@skillproof/core';
import { createApp, type App } from './app.js';
import type { ServerConfig } from './config.js';
import { migrateToLatest, openDatabase } from './db/database.js';
import type { AppDeps } from './http/env.js';
import { createRateLimiter } from './http/rate-limit.js';
import { startBackgroundJobs } from './jobs/background-jobs.js';
import { createLogger } from './logger.js';
import { createMailDispatcher } from './mail/dispatcher.js';
import { createSmtpMailer } from './mail/mailer.js';
import { createKeyStore, loadMasterKey } from './security/master-key.js';
import { STRONG_SCRYPT } from './security/passwords.js';
import { seedDemo, type DemoAccount } from './seed/demo.js';
import { importCatalogues, type Catalogue, type CatalogueResult } from './domains/frameworks/catalogues.js';

export interface RunningServer {
  url: string;
  /** The demo accounts seeded on this start (first start on an empty database, demo on), with their passwords. */
  demoAccounts: DemoAccount[] | undefined;
  /** The shipped catalogues' import, running in the background once the server listens (undefined when off). */
  catalogues: Promise<CatalogueResult[]> | undefined;
  app: App;
  deps: AppDeps;
  close(): Promise<void>;
}

/**
 * Opens (and migrates) the database, loads the master key, seeds the demo on an empty database, starts the job runner
 * and serves. What `skillproof serve` and `npm start` run.
 */
export async function startServer(
  config: ServerConfig,
  options: { fetcher?: Fetcher; catalogues?: readonly Catalogue[] } = {},
): Promise<RunningServer> {
  const database = await openDatabase(
    config.databaseUrl ? { url: config.databaseUrl } : { dataDir: join(config.dataDir, 'pglite') },
  );
  await migrateToLatest(database.db);
  const logger = createLogger({ level: config.logLevel });
  const masterKey = await loadMasterKey({ env: config.masterKey, keyFile: join(config.dataDir, 'master.key') });
  const deps: AppDeps = {
    db: database.db,
    clock: () => new Date(),
    keys: createKeyStore(masterKey),
    logger,
    publicUrl: config.publicUrl,
    rateLimiter: createRateLimiter(),
    passwordParams: STRONG_SCRYPT,
    ledger: config.ledger,
    ...(options.fetcher && { fetcher: options.fetcher }),
  };
  const demoAccounts = config.demo ? await seedDemo(deps, { password: config.demoPassword }) : undefined;
  if (demoAccounts) await writeDemoAccounts(config.dataDir, demoAccounts);
  const app = createApp(deps);
  const server = serve({ fetch: app.fetch, port: config.port });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  // Started once the server listens, so a failed start leaves no runner behind; until then a confirm only queues.
  const jobs = startBackgroundJobs(deps);
  deps.jobs = jobs;
  // Mail is queued in the outbox by the change it tells of; with SMTP configured, a dispatcher sends it. Without, it
  // stays in the outbox, which the app shows (/dev/outbox).
  const mail = config.smtpUrl
    ? createMailDispatcher({ ...deps, mailer: await createSmtpMailer(config.smtpUrl, config.mailFrom) })
    : undefined;
  mail?.start();
  const port = (server.address() as AddressInfo).port;
  logger.info(
    { port, database: database.kind, publicUrl: config.publicUrl, ed25519: ed25519Backend },
    'Skillproof listening',
  );
  // ESCO and O*NET load in the background: the server answers meanwhile (search finds them once committed), and an
  // unchanged catalogue costs only its content hash. Stopping cancels an import in progress (it rolls back).
  const stopping = new AbortController();
  const catalogues = config.catalogues
    ? importCatalogues(database.db, logger, {
        signal: stopping.signal,
        ...(options.catalogues && { catalogues: options.catalogues }),
      })
    : undefined;
  return {
    url: `http://localhost:${port}`,
    demoAccounts,
    catalogues,
    app,
    deps,
    async close() {
      stopping.abort();
      await Promise.all([jobs.stop(), mail?.stop(), catalogues]);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await database.close();
    },
  };
}

/** Keeps the demo sign-in details beside the master key (mode 0600), for scripts and for people who missed the banner. */
async function writeDemoAccounts(dataDir: string, accounts: DemoAccount[]): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  await writeFile(join(dataDir, 'demo-accounts.json'), JSON.stringify(accounts, null, 2) + '\n', { mode: 0o600 });
}
