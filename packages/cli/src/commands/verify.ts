import {
  createKeyResolver,
  isCredentialBundle,
  isSkillproofError,
  parseVerifierKey,
  verifyCredential,
} from '@skillproof/core';
import type {
  Fetcher,
  JsonObject,
  LedgerCheckOptions,
  TrustedLog,
  VerificationResult,
  VerifyCredentialOptions,
} from '@skillproof/core';
import { createHttpFetcher, readInput, UsageError } from '../io.js';

export interface VerifyOptions {
  json?: boolean;
  offline?: boolean;
  /** Check the issuer's transparency log (implied by the options below and by a bundle input). */
  ledger?: boolean;
  /** A credential whose issuer names no log fails. */
  requireLedger?: boolean;
  /** A tlog-proof file for the (one) credential. */
  proof?: string;
  /** Pinned log verifier keys (repeatable); the key name is the log's origin. */
  logKey?: string | string[];
  /** Witness cosigner keys (repeatable). */
  witness?: string | string[];
  /** How many witnesses must have cosigned (default all). */
  quorum?: number | string;
}

/** Exit codes of `skillproof verify`, a stable contract. */
export const EXIT = { verified: 0, failed: 1, usage: 2, unknown: 3 } as const;

/** 0 when verified, 1 when any check failed, 3 when none failed but one that applies could not be made. */
export function exitCodeOf(result: VerificationResult): number {
  if (result.checks.some((c) => c.status === 'failed')) return EXIT.failed;
  return result.verified ? EXIT.verified : EXIT.unknown;
}

const MARK = { passed: '✓', failed: '✗', unknown: '?', skipped: '-' } as const;

async function load(input: string, fetcher: Fetcher | undefined): Promise<Uint8Array> {
  if (/^https?:\/\//i.test(input)) {
    if (!fetcher) throw new UsageError(`${input} is a URL, and --offline forbids fetching it.`);
    try {
      const res = await fetcher(input, {
        accept:
          'application/vc+ld+json, application/ld+json, application/json, application/jwt, image/png, image/svg+xml',
        signal: AbortSignal.timeout(10_000),
      });
      return typeof res.body === 'string' ? new TextEncoder().encode(res.body) : res.body;
    } catch (e) {
      throw new UsageError(`Cannot fetch ${input}: ${(e as Error).message}`);
    }
  }
  return readInput(input);
}

const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String);

function vkey(value: string, what: string): string {
  try {
    parseVerifierKey(value);
    return value;
  } catch (e) {
    if (isSkillproofError(e)) throw new UsageError(`${what} ${JSON.stringify(value)}: ${e.message}`);
    throw e;
  }
}

/** The ledger check's options from the flags; undefined when none asks for it. */
async function ledgerOptions(options: VerifyOptions, inputs: string[]): Promise<LedgerCheckOptions | undefined> {
  const logKeys = list(options.logKey).map((k) => vkey(k, '--log-key'));
  const witnesses = list(options.witness).map((k) => vkey(k, '--witness'));
  const asked =
    options.ledger === true ||
    options.requireLedger === true ||
    options.proof !== undefined ||
    logKeys.length > 0 ||
    witnesses.length > 0 ||
    options.quorum !== undefined;
  if (!asked) return undefined;
  const ledger: LedgerCheckOptions = {};
  if (options.requireLedger) ledger.required = true;
  if (options.proof !== undefined) {
    if (inputs.length !== 1) throw new UsageError('--proof is the proof of one credential: name exactly one.');
    ledger.proof = new TextDecoder().decode(await readInput(options.proof));
  }
  if (logKeys.length > 0) {
    // A note key's name is the log's origin (C2SP tlog-checkpoint): keys of one name are one log's.
    const logs = new Map<string, TrustedLog>();
    for (const key of logKeys) {
      const origin = parseVerifierKey(key).name;
      const log = logs.get(origin) ?? { origin, logKeys: [] };
      log.logKeys.push(key);
      logs.set(origin, log);
    }
    ledger.logs = [...logs.values()];
  }
  if (witnesses.length > 0) ledger.witnesses = witnesses;
  if (options.quorum !== undefined) {
    const quorum = Number(options.quorum);
    if (!Number.isInteger(quorum) || quorum < 0 || quorum > witnesses.length) {
      throw new UsageError(`--quorum is a whole number from 0 to the ${witnesses.length} --witness keys given.`);
    }
    ledger.witnessQuorum = quorum;
  }
  return ledger;
}

/** A download bundle (`<credential>.bundle.json`) in the input, if it is one. */
function bundleIn(bytes: Uint8Array) {
  const text = new TextDecoder().decode(bytes.subarray(0, 1)) === '{' ? new TextDecoder().decode(bytes) : undefined;
  if (text === undefined) return undefined;
  try {
    const json: unknown = JSON.parse(text);
    return isCredentialBundle(json) ? json : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `skillproof verify <file|url>…`. With `--ledger` (or any of `--proof`, `--log-key`, `--witness`, `--quorum`,
 * `--require-ledger`) the report ends with the ledger check. A download bundle (`.bundle.json`: the credential, its
 * tlog-proof and the issuer's DID document) is always ledger-checked with its proof; offline, its DID document
 * stands in for the issuer's (online, the live one is used, so a key revoked since the download counts).
 */
export async function verify(inputs: string[], options: VerifyOptions): Promise<number> {
  if (inputs.length === 0) throw new UsageError('Name at least one credential file or URL to verify.');
  const fetcher = options.offline ? undefined : createHttpFetcher();
  const ledger = await ledgerOptions(options, inputs);
  const reports: Array<{ input: string; result: VerificationResult }> = [];
  for (const input of inputs) {
    const bytes = await load(input, fetcher);
    const bundle = bundleIn(bytes);
    const verifyOptions: VerifyCredentialOptions = fetcher ? { fetcher } : {};
    if (ledger) verifyOptions.ledger = ledger;
    let credential: Uint8Array | JsonObject = bytes;
    if (bundle) {
      credential = bundle.credential;
      verifyOptions.ledger = { ...ledger, proof: ledger?.proof ?? bundle.tlogProof };
      if (!fetcher && bundle.didDocument) {
        verifyOptions.resolver = createKeyResolver({
          documents: { [bundle.didDocument.id as string]: bundle.didDocument },
        });
      }
    }
    const result = await verifyCredential(credential, verifyOptions);
    reports.push({ input, result });
  }
  if (options.json) {
    const out = reports.map(({ result }) => ({
      verified: result.verified,
      checks: result.checks.map((c) => ({ id: c.id, status: c.status, code: c.code ?? null, message: c.message })),
    }));
    console.log(JSON.stringify(out.length === 1 ? out[0] : out, null, 2));
  } else {
    for (const { input, result } of reports) {
      const code = exitCodeOf(result);
      const verdict =
        code === EXIT.verified
          ? 'VERIFIED'
          : code === EXIT.failed
            ? 'NOT VERIFIED'
            : 'NOT VERIFIED (some checks could not be made)';
      console.log(`${input}: ${verdict}`);
      for (const c of result.checks) {
        console.log(`  ${MARK[c.status]} ${c.id.padEnd(8)} ${c.code ? c.code + ': ' : ''}${c.message}`);
      }
    }
  }
  const codes = reports.map(({ result }) => exitCodeOf(result));
  if (codes.includes(EXIT.failed)) return EXIT.failed;
  return codes.includes(EXIT.unknown) ? EXIT.unknown : EXIT.verified;
}
