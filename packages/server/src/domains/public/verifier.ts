import {
  createKeyResolver,
  verifyCredential,
  type Fetcher,
  type JsonObject,
  type LedgerCheckOptions,
  type VerificationResult,
} from '@skillproof/core';
import type { AppDeps } from '../../http/env.js';
import { createSelfFetcher, type InProcessApp } from '../../http/self-fetcher.js';

export interface Verifier {
  /** The app's self-fetcher: this instance's URLs in-process, others through `deps.fetcher`. */
  fetcher(deps: AppDeps): Fetcher;
  /**
   * Verifies a credential (object, JSON or JWT text, image bytes) with status checked, by the app's clock; with
   * `ledger`, also against the issuer's transparency log.
   */
  verify(
    deps: AppDeps,
    input: JsonObject | string | Uint8Array,
    options?: { ledger?: LedgerCheckOptions },
  ): Promise<VerificationResult>;
}

/**
 * One verifier per app. The fetcher is made once, so core's per-fetcher context cache is shared across requests; the
 * key resolver is made per verification, so that a key the issuer revoked a moment ago is seen at once (resolving
 * this instance's own DID documents costs an in-process request, not a network round trip).
 */
export function createVerifier(app: InProcessApp): Verifier {
  let fetcher: Fetcher | undefined;
  const fetcherFor = (deps: AppDeps) => (fetcher ??= createSelfFetcher(app, deps));
  return {
    fetcher: fetcherFor,
    verify(deps, input, options = {}) {
      const f = fetcherFor(deps);
      return verifyCredential(input, {
        fetcher: f,
        clock: deps.clock,
        resolver: createKeyResolver({ fetcher: f }),
        ...(options.ledger && { ledger: options.ledger }),
      });
    },
  };
}
