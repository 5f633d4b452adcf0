/**
 * @digitalcredentials/verifier-core (the verifier of the DCC Learner Credential Wallet) run offline. It has no
 * document-loader or fetch option: its bundled loader covers the VC, OB 3.0 and Data Integrity contexts and derives
 * did:key documents itself, but every call tries to download the OB JSON Schema (with the global `fetch`) and logs
 * the failure. So for the duration of a call the global `fetch` refuses and the console is muted.
 */
import { verifyCredential as dccVerifyCredential } from '@digitalcredentials/verifier-core';
import type { JsonObject } from '../../src/index.js';

/** One entry of verifier-core's result log (its `VerificationStep`). */
export interface VerifierCoreStep {
  id: string;
  valid?: boolean;
  error?: { name?: string; message: string };
}

export interface VerifierCoreDetails {
  /** Fatal errors: an invalid signature lands here (with no log), as do malformed credentials. */
  errors?: Array<{ name?: string; message: string }>;
  /** Per-check results: valid_signature, expiration, revocation_status, registered_issuer. */
  log?: VerifierCoreStep[];
  additionalInformation?: unknown[];
}

export interface VerifierCoreResult {
  /** The signature check passed. Expiry, status and registry results are in `details` and do not count here. */
  verified: boolean;
  details: VerifierCoreDetails;
}

// verifier-core logs through console.log/error on every call (the schema download it cannot make); the harness mutes
// exactly these three methods while a call runs and puts the originals back afterwards.
const MUTED = ['log', 'warn', 'error'] as const;
type Muted = (typeof MUTED)[number];

let active = 0;
let saved: { fetch: typeof globalThis.fetch; console: Record<Muted, (...args: unknown[]) => void> } | undefined;
/** URLs the verifier tried to fetch while offline, for tests that want to see them. */
export const refusedFetches: string[] = [];

/* eslint-disable no-console -- muting verifier-core's logging (the three methods above), restored in goOnline */
function goOffline(): void {
  if (active++ > 0) return;
  const originals = {} as Record<Muted, (...args: unknown[]) => void>;
  for (const method of MUTED) {
    originals[method] = console[method];
    console[method] = () => {};
  }
  saved = { fetch: globalThis.fetch, console: originals };
  globalThis.fetch = (input: string | URL | Request): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    refusedFetches.push(url);
    return Promise.reject(new TypeError(`offline test: refused to fetch ${url}`));
  };
}

function goOnline(): void {
  if (--active > 0 || !saved) return;
  globalThis.fetch = saved.fetch;
  for (const method of MUTED) console[method] = saved.console[method];
  saved = undefined;
}
/* eslint-enable no-console */

/** Verifies a credential with verifier-core, offline, trusting no issuer registry (`knownDIDRegistries: []`). */
export async function verifierCoreVerify(credential: JsonObject): Promise<VerifierCoreResult> {
  goOffline();
  let details: VerifierCoreDetails;
  try {
    // verifier-core returns the credential inside its result and may annotate error objects: give it a copy.
    details = (await dccVerifyCredential({
      credential: structuredClone(credential) as unknown as Parameters<typeof dccVerifyCredential>[0]['credential'],
      knownDIDRegistries: [],
    })) as VerifierCoreDetails;
  } finally {
    goOnline();
  }
  const signature = details.log?.find((step) => step.id === 'valid_signature');
  const verified = !details.errors?.length && signature?.valid === true;
  return { verified, details };
}
