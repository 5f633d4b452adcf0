import { resolve } from 'node:path';
import { AppError } from './errors.js';

/** The server's settings, read from the environment once, at start. */
export interface ServerConfig {
  port: number;
  /** PGlite's data folder and the master-key file's home (`./data`, or `DATA_DIR`). */
  dataDir: string;
  /** PostgreSQL instead of PGlite. */
  databaseUrl: string | undefined;
  masterKey: string | undefined;
  /** The origin credentials, DIDs and status lists are published under. Default `http://localhost:<port>`. */
  publicUrl: string;
  smtpUrl: string | undefined;
  mailFrom: string;
  logLevel: string;
  /** Seed the demo organisation and accounts into an empty database (default on; `SKILLPROOF_DEMO=0` turns it off). */
  demo: boolean;
  /** The demo accounts' password (`SKILLPROOF_DEMO_PASSWORD`); default: a random one per account. */
  demoPassword: string | undefined;
  /**
   * Import the shipped ESCO and O*NET as global frameworks after the server listens, when they are missing or changed
   * (default on; `SKILLPROOF_CATALOGUES=off` turns it off, e.g. for tests that start servers).
   */
  catalogues: boolean;
}

export function configFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<ServerConfig> = {},
): ServerConfig {
  const port = overrides.port ?? Number(env['PORT'] ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new AppError('ERR_VALIDATION', `PORT must be a port number, not ${JSON.stringify(env['PORT'])}.`);
  }
  const publicUrl = (overrides.publicUrl ?? env['PUBLIC_URL'] ?? `http://localhost:${port}`).replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(publicUrl);
  } catch {
    throw new AppError('ERR_VALIDATION', `PUBLIC_URL must be an absolute URL, not ${JSON.stringify(publicUrl)}.`);
  }
  if (parsed.pathname !== '/' || parsed.search || parsed.hash) {
    throw new AppError('ERR_VALIDATION', 'PUBLIC_URL must be an origin (scheme, host and port), without a path.');
  }
  return {
    port,
    dataDir: resolve(overrides.dataDir ?? env['DATA_DIR'] ?? './data'),
    databaseUrl: overrides.databaseUrl ?? (env['DATABASE_URL'] || undefined),
    masterKey: overrides.masterKey ?? (env['SKILLPROOF_MASTER_KEY'] || undefined),
    publicUrl: parsed.origin,
    smtpUrl: overrides.smtpUrl ?? (env['SMTP_URL'] || undefined),
    mailFrom: overrides.mailFrom ?? env['MAIL_FROM'] ?? 'Skillproof <no-reply@localhost>',
    logLevel: overrides.logLevel ?? env['LOG_LEVEL'] ?? 'info',
    demo: overrides.demo ?? env['SKILLPROOF_DEMO'] !== '0',
    demoPassword: overrides.demoPassword ?? (env['SKILLPROOF_DEMO_PASSWORD'] || undefined),
    catalogues: overrides.catalogues ?? !['off', '0', 'false', 'no'].includes(env['SKILLPROOF_CATALOGUES'] ?? ''),
  };
}
