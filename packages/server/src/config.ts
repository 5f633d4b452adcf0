import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseVerifierKey, isSkillproofError } from '@skillproof/core';
import type { LedgerConfig } from './domains/ledger/config.js';
import { createRfc3161Anchor } from './domains/ledger/rfc3161-anchor.js';
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
  /** The transparency log's witnesses and anchors, and the logs this instance witnesses (all off by default). */
  ledger: LedgerConfig;
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
    ledger: overrides.ledger ?? ledgerFromEnv(env),
  };
}

const invalid = (message: string) => new AppError('ERR_VALIDATION', message);

function verifierKey(vkey: string, variable: string): string {
  try {
    parseVerifierKey(vkey);
    return vkey;
  } catch (e) {
    if (!isSkillproofError(e)) throw e;
    throw invalid(`${variable}: ${JSON.stringify(vkey)} is not a signed-note verifier key (${e.message})`);
  }
}

function positiveInteger(value: string, variable: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1)
    throw invalid(`${variable} must be a positive integer.`);
  return n;
}

/**
 * The ledger settings: `SKILLPROOF_LOG_WITNESSES` (entries `<submission URL> <cosignature vkey>`, separated by `;`
 * or new lines), `SKILLPROOF_LOG_WITNESS_QUORUM`, `SKILLPROOF_WITNESSED_LOGS` (checkpoint vkeys, separated by spaces,
 * commas or new lines), `SKILLPROOF_ANCHOR_RFC3161_URL` with `SKILLPROOF_ANCHOR_RFC3161_CERT` (the TSA's or its CA's
 * certificate, a PEM file), `SKILLPROOF_ANCHOR_INTERVAL` (seconds).
 */
function ledgerFromEnv(env: NodeJS.ProcessEnv): LedgerConfig {
  const ledger: LedgerConfig = {};
  const witnesses = (env['SKILLPROOF_LOG_WITNESSES'] ?? '')
    .split(/[;\n]/)
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [url, vkey, ...rest] = entry.split(/\s+/);
      if (!url || !vkey || rest.length > 0 || !/^https?:\/\//.test(url)) {
        throw invalid(
          `SKILLPROOF_LOG_WITNESSES: each entry is "<submission URL> <vkey>", not ${JSON.stringify(entry)}.`,
        );
      }
      return { url: url.replace(/\/+$/, ''), vkey: verifierKey(vkey, 'SKILLPROOF_LOG_WITNESSES') };
    });
  if (witnesses.length > 0) ledger.witnesses = witnesses;
  const quorum = env['SKILLPROOF_LOG_WITNESS_QUORUM'];
  if (quorum) {
    ledger.witnessQuorum = positiveInteger(quorum, 'SKILLPROOF_LOG_WITNESS_QUORUM');
    if (ledger.witnessQuorum > witnesses.length) {
      throw invalid('SKILLPROOF_LOG_WITNESS_QUORUM is larger than the number of SKILLPROOF_LOG_WITNESSES.');
    }
  }
  const witnessed = (env['SKILLPROOF_WITNESSED_LOGS'] ?? '').split(/[\s,]+/).filter(Boolean);
  if (witnessed.length > 0) ledger.witnessedLogs = witnessed.map((v) => verifierKey(v, 'SKILLPROOF_WITNESSED_LOGS'));
  const tsa = env['SKILLPROOF_ANCHOR_RFC3161_URL'];
  const certFile = env['SKILLPROOF_ANCHOR_RFC3161_CERT'];
  if (tsa || certFile) {
    if (!tsa || !certFile) {
      throw invalid('SKILLPROOF_ANCHOR_RFC3161_URL and SKILLPROOF_ANCHOR_RFC3161_CERT go together.');
    }
    try {
      ledger.anchors = [createRfc3161Anchor({ url: tsa, trust: readFileSync(certFile, 'utf8') })];
    } catch (e) {
      throw invalid(`SKILLPROOF_ANCHOR_RFC3161_CERT: cannot use ${certFile} (${(e as Error).message}).`);
    }
  }
  const interval = env['SKILLPROOF_ANCHOR_INTERVAL'];
  if (interval) ledger.anchorIntervalSeconds = positiveInteger(interval, 'SKILLPROOF_ANCHOR_INTERVAL');
  return ledger;
}
