import { isSkillproofError } from '../errors.js';
import type { ErrorCode, SkillproofError } from '../errors.js';
import type { KeyResolver } from '../keys/resolve-key.js';
import { fetchWithTimeout } from '../lib/fetch-with-timeout.js';
import { credentialDigest, parseLeaf } from '../ledger/leaf.js';
import type { LogLeaf } from '../ledger/leaf.js';
import { parseVerifierKey } from '../ledger/note.js';
import { parseTlogProof, verifyTlogProof } from '../ledger/proof.js';
import type { TlogProof } from '../ledger/proof.js';
import type { Fetcher, JsonObject, JsonValue } from '../types.js';
import { check } from './checks.js';
import type { VerificationCheck } from './checks.js';

/** A transparency log a verifier trusts: its checkpoint origin and verifier keys (C2SP signed-note vkeys). */
export interface TrustedLog {
  /** The checkpoint origin, e.g. `badges.example.edu/log`. */
  origin: string;
  /** The log's verifier keys; one signature from them must verify. */
  logKeys: string[];
  /** Where the log serves `/proof?credential=…`; default `https://<origin>` (C2SP logs name their origin so). */
  url?: string;
}

/**
 * The ledger check of {@link verifyCredential}: that the issuer's transparency log holds the credential's issuance,
 * with the digest of this very document. Without this option the report has no `ledger` check.
 */
export interface LedgerCheckOptions {
  /**
   * A C2SP tlog-proof@v1 of the credential's issuance (its leaf in the `extra` line), e.g. from a download bundle.
   * Without it, the proof is fetched from the log the issuer's DID document names (which needs the fetcher).
   */
  proof?: string;
  /**
   * Logs to trust, pinned. Without them, the log (origin, verifier key, endpoint) is the one the issuer's DID document
   * names in its `TransparencyLog` service, trusted as far as that document is.
   */
  logs?: TrustedLog[];
  /** Witness cosigner keys (vkeys, type 0x04); `witnessQuorum` of them must have cosigned the checkpoint. */
  witnesses?: string[];
  /** How many of `witnesses` must have cosigned; default all of them. */
  witnessQuorum?: number;
  /** A credential whose issuer names no log fails (`ERR_LOG_ENTRY_MISSING`) instead of being skipped. */
  required?: boolean;
}

/** The `TransparencyLog` service of a DID document (see the server's DID documents). */
export interface LogService {
  /** The log's URL prefix: `<serviceEndpoint>/checkpoint`, `/tile/…`, `/proof?credential=…`. */
  serviceEndpoint: string;
  origin: string;
  verifierKey: string;
}

/** The DID document service type that names an issuer's transparency log. */
export const TRANSPARENCY_LOG_SERVICE = 'TransparencyLog';

/**
 * The transparency log a DID (or controller) document names: the first `service` of type `TransparencyLog` with a
 * string `serviceEndpoint`, `origin` and `verifierKey`; undefined when there is none.
 *
 * @example
 * ```ts
 * const log = findLogService(await resolver.resolveController('did:web:badges.example.edu:orgs:physics'));
 * if (log) console.log(log.origin, log.verifierKey);
 * ```
 */
export function findLogService(document: JsonObject): LogService | undefined {
  const services = Array.isArray(document.service) ? document.service : [];
  for (const s of services) {
    if (!s || typeof s !== 'object' || Array.isArray(s)) continue;
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (!types.includes(TRANSPARENCY_LOG_SERVICE)) continue;
    const { serviceEndpoint, origin, verifierKey } = s;
    if (typeof serviceEndpoint === 'string' && typeof origin === 'string' && typeof verifierKey === 'string') {
      return { serviceEndpoint: serviceEndpoint.replace(/\/+$/, ''), origin, verifierKey };
    }
  }
  return undefined;
}

/**
 * Throws on options that are misuse, not findings about a credential: malformed pinned keys (`ERR_KEY_INVALID`), an
 * impossible quorum (TypeError).
 *
 * @example
 * ```ts
 * assertLedgerOptions({ witnesses: [vkey], witnessQuorum: 2 }); // throws: 2 of 1 witness
 * ```
 */
export function assertLedgerOptions(options: LedgerCheckOptions): void {
  if (options === null || typeof options !== 'object') throw new TypeError('The ledger option is an object.');
  if (options.proof !== undefined && typeof options.proof !== 'string') {
    throw new TypeError('ledger.proof is the text of a tlog-proof.');
  }
  for (const log of options.logs ?? []) {
    if (typeof log?.origin !== 'string' || !Array.isArray(log.logKeys) || log.logKeys.length === 0) {
      throw new TypeError('Each of ledger.logs has an origin and at least one log key.');
    }
    log.logKeys.forEach(parseVerifierKey);
  }
  (options.witnesses ?? []).forEach(parseVerifierKey);
  const quorum = options.witnessQuorum ?? options.witnesses?.length ?? 0;
  if (!Number.isInteger(quorum) || quorum < 0 || quorum > (options.witnesses?.length ?? 0)) {
    throw new TypeError('ledger.witnessQuorum is an integer from 0 to the number of witnesses.');
  }
}

const ledger = (
  status: 'passed' | 'failed' | 'unknown' | 'skipped',
  message: string,
  code?: ErrorCode,
  detail?: { [key: string]: JsonValue },
) => check('ledger', status, message, code, detail);

function issuerIdOf(credential: JsonObject): string | undefined {
  const { issuer } = credential;
  if (typeof issuer === 'string') return issuer;
  if (issuer && typeof issuer === 'object' && !Array.isArray(issuer) && typeof issuer.id === 'string') return issuer.id;
  return undefined;
}

/** What fetching the proof came to: its text, or the check to report instead. */
async function fetchProof(
  fetcher: Fetcher | undefined,
  endpoint: string,
  credentialId: string,
): Promise<string | VerificationCheck> {
  const url = `${endpoint}/proof?credential=${encodeURIComponent(credentialId)}`;
  if (!fetcher) {
    return ledger('unknown', `Fetching the credential's proof from ${url} needs the network.`, 'ERR_OFFLINE', { url });
  }
  try {
    const res = await fetchWithTimeout(fetcher, url, 'text/plain', 10_000);
    return typeof res.body === 'string' ? res.body : new TextDecoder().decode(res.body);
  } catch (cause) {
    const status = (cause as { status?: unknown } | null)?.status;
    if (status === 404) {
      // The log answered: it holds no issuance of this credential. That is a finding, not an outage.
      return ledger('failed', `The issuer's log holds no issuance of ${credentialId}.`, 'ERR_LOG_ENTRY_MISSING', {
        url,
      });
    }
    if (status === 409) {
      // The server's ERR_STATE: logged, but not yet in a signed checkpoint (the log integrates within seconds).
      return ledger(
        'unknown',
        'The credential is in the log but not yet in a signed checkpoint; verify again in a few seconds.',
        'ERR_FETCH_FAILED',
        { url },
      );
    }
    const timedOut = cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError');
    if (isSkillproofError(cause, 'ERR_OFFLINE')) return ledger('unknown', cause.message, 'ERR_OFFLINE', { url });
    return ledger(
      'unknown',
      `Could not fetch the credential's proof from ${url}.`,
      timedOut ? 'ERR_FETCH_TIMEOUT' : 'ERR_FETCH_FAILED',
      { url },
    );
  }
}

/**
 * The `ledger` check: finds the issuer's log (its DID document's `TransparencyLog` service, or `options.logs`), gets
 * the credential's tlog-proof (`options.proof`, or online from the log), verifies it (log signature, witnesses'
 * cosignatures, inclusion of the leaf its `extra` line carries) and then compares the leaf with the credential: an
 * `issue` event of this credential id by this issuer, whose `sha256` is {@link credentialDigest} of the document.
 * `digestApplies` is false for a VC-JWT: the leaf digests the Data Integrity document the issuer stored, which a JWT
 * does not contain, so only the id and issuer are compared (the detail says `digestCompared: false`).
 *
 * @example
 * ```ts
 * const c = await checkLedger(credential, true, { required: true }, { fetcher, resolver });
 * if (c.status === 'failed') console.warn(c.code, c.message);
 * ```
 */
export async function checkLedger(
  credential: JsonObject,
  digestApplies: boolean,
  options: LedgerCheckOptions,
  context: { fetcher?: Fetcher; resolver: KeyResolver },
): Promise<VerificationCheck> {
  const issuerId = issuerIdOf(credential);
  const credentialId = typeof credential.id === 'string' ? credential.id : undefined;

  // The log the issuer names. Resolving is cached: the proof check has already resolved the issuer's document.
  let service: LogService | undefined;
  let resolution: SkillproofError | undefined;
  if (issuerId !== undefined) {
    try {
      service = findLogService(await context.resolver.resolveController(issuerId));
    } catch (e) {
      if (!isSkillproofError(e)) throw e;
      resolution = e;
    }
  }
  const logs: TrustedLog[] =
    options.logs ??
    (service ? [{ origin: service.origin, logKeys: [service.verifierKey], url: service.serviceEndpoint }] : []);
  const noLog = () =>
    resolution
      ? ledger('unknown', `Could not learn which log the issuer uses: ${resolution.message}`, resolution.code)
      : options.required
        ? ledger('failed', 'The issuer names no transparency log, and one is required.', 'ERR_LOG_ENTRY_MISSING')
        : ledger('skipped', 'The issuer names no transparency log.');

  let proofText = options.proof;
  if (proofText === undefined) {
    const endpoint =
      service?.serviceEndpoint ?? (logs.length === 1 ? (logs[0]!.url ?? `https://${logs[0]!.origin}`) : undefined);
    if (endpoint === undefined) return noLog();
    if (credentialId === undefined) {
      return ledger('failed', 'The credential has no id, so no log can record it.', 'ERR_LOG_ENTRY_MISSING');
    }
    const fetched = await fetchProof(context.fetcher, endpoint.replace(/\/+$/, ''), credentialId);
    if (typeof fetched !== 'string') return fetched;
    proofText = fetched;
  }

  let proof: TlogProof;
  try {
    proof = parseTlogProof(proofText);
  } catch (e) {
    if (!isSkillproofError(e)) throw e;
    return ledger('failed', e.message, e.code);
  }
  if (proof.extra === undefined) {
    return ledger('failed', 'The tlog-proof carries no leaf (its "extra" line) to compare.', 'ERR_LOG_PROOF_INVALID');
  }
  // The proof's checkpoint names its log on its first line; a pinned set of logs may hold several.
  const origin = proof.checkpoint.slice(0, proof.checkpoint.indexOf('\n'));
  const log = logs.find((l) => l.origin === origin) ?? logs[0];
  if (!log) {
    return resolution
      ? noLog()
      : ledger('unknown', `The proof is from the log ${origin}, whose key is not known.`, 'ERR_LOG_UNKNOWN', {
          origin,
        });
  }
  let verified: ReturnType<typeof verifyTlogProof>;
  try {
    verified = verifyTlogProof(proof, proof.extra, {
      origin: log.origin,
      logKeys: log.logKeys,
      ...(options.witnesses && { witnesses: options.witnesses }),
      ...(options.witnessQuorum !== undefined && { witnessQuorum: options.witnessQuorum }),
    });
  } catch (e) {
    // Only a malformed key can throw here, and pinned keys were checked: this one is the DID document's.
    if (!isSkillproofError(e)) throw e;
    return ledger('failed', `The log key the issuer publishes is unusable: ${e.message}`, e.code);
  }
  if (!verified.verified) return ledger('failed', verified.message, verified.code, { origin: log.origin });

  let leaf: LogLeaf;
  try {
    leaf = parseLeaf(proof.extra);
  } catch (e) {
    if (!isSkillproofError(e)) throw e;
    return ledger('failed', e.message, e.code);
  }
  const where = {
    origin: log.origin,
    index: verified.index,
    checkpointSize: verified.checkpoint.size,
    witnesses: verified.witnesses.map((w) => w.name),
  };
  const mismatch = (field: string, logged: string, actual: string | undefined, message: string) =>
    ledger('failed', message, 'ERR_LOG_ENTRY_MISMATCH', { ...where, field, logged, actual: actual ?? null });
  if (leaf.type !== 'issue') {
    return mismatch('type', leaf.type, 'issue', `The log entry at ${verified.index} is a ${leaf.type}, not an issue.`);
  }
  if (leaf.credential !== credentialId) {
    return mismatch(
      'credential',
      leaf.credential,
      credentialId,
      'The log entry is the issuance of another credential.',
    );
  }
  if (leaf.issuer !== issuerId) {
    return mismatch('issuer', leaf.issuer, issuerId, 'The log entry names another issuer.');
  }
  if (digestApplies) {
    let digest: string;
    try {
      digest = credentialDigest(credential);
    } catch (e) {
      if (!isSkillproofError(e)) throw e;
      return ledger('failed', e.message, e.code);
    }
    if (digest !== leaf.sha256) {
      return mismatch(
        'sha256',
        leaf.sha256,
        digest,
        'The credential is not the document the issuer logged: its digest differs from the log entry’s.',
      );
    }
  }
  const cosigned = where.witnesses.length > 0 ? `, cosigned by ${where.witnesses.join(', ')}` : '';
  return ledger(
    'passed',
    `Logged at ${leaf.at} as entry ${verified.index} of ${log.origin} (checkpoint of ${verified.checkpoint.size}` +
      `${cosigned})${digestApplies ? '' : '; a JWT: its id and issuer compared, not the digest of the stored document'}.`,
    undefined,
    { ...where, loggedAt: leaf.at, digestCompared: digestApplies },
  );
}
