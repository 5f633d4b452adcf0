import type { Kysely } from 'kysely';
import type { Clock, Fetcher } from '@skillproof/core';
import type { Database, Role, AccountKind } from '../db/schema.js';
import type { KeyStore } from '../security/master-key.js';
import type { ScryptParams } from '../security/passwords.js';
import type { Logger } from '../logger.js';
import type { LedgerConfig } from '../domains/ledger/config.js';
import type { RateLimiter } from './rate-limit.js';

/** Everything the app needs from the outside, passed to {@link createApp}; nothing is global. */
export interface AppDeps {
  db: Kysely<Database>;
  clock: Clock;
  /** Seals and opens organisations' private keys. */
  keys: KeyStore;
  logger: Logger;
  /** The origin the instance is reached at, e.g. `https://badges.example.edu` (no trailing slash). */
  publicUrl: string;
  /** Network access for verifying other issuers' credentials; absent: such checks are `unknown`. */
  fetcher?: Fetcher;
  rateLimiter: RateLimiter;
  passwordParams: ScryptParams;
  /** The transparency log's witnesses and anchors, and the logs this instance witnesses; absent: none. */
  ledger?: LedgerConfig;
  /** Runs background work (bulk issuance). Absent: the app only queues it. */
  jobs?: {
    wake(): void;
    /** Aborted when the runner stops (the server is closing): long-lived responses end with it. */
    readonly signal?: AbortSignal;
  };
}

export interface Principal {
  userId: string;
  email: string;
  kind: AccountKind;
  via: 'session' | 'token';
  /** Session: its CSRF token. */
  csrfToken?: string;
  /** Token: its id, scopes and the organisation it is bound to, if any. */
  tokenId?: string;
  scopes?: readonly string[];
  tokenOrgId?: string | null;
}

export interface AppEnv {
  Variables: {
    deps: AppDeps;
    principal: Principal | null;
    /** Set by an `org` access rule: the organisation from the path and the principal's role in it. */
    org: { id: string; role: Role } | undefined;
    requestId: string;
  };
}
