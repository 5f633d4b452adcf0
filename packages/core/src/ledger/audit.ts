import { SkillproofError, isSkillproofError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { bytesEqual } from '../lib/encoding.js';
import { base64Decode, base64Encode } from './bytes.js';
import { parseCheckpoint } from './checkpoint.js';
import type { Checkpoint } from './checkpoint.js';
import { credentialDigest, parseLeaf } from './leaf.js';
import type { LogLeaf } from './leaf.js';
import { createMemoryTree } from './memory-tree.js';
import type { MemoryTree } from './memory-tree.js';
import { emptyRoot, HASH_SIZE, leafHash } from './merkle.js';
import { openNote, parseVerifierKey } from './note.js';
import type { NoteVerifierKey } from './note.js';
import { parseEntryBundle, TILE_WIDTH, tileData, tilePath, tileWidth } from './tiles.js';

/** What {@link AuditGet} answers: any HTTP status (not only 200), the body's bytes and its media type. */
export interface AuditResponse {
  status: number;
  body: Uint8Array;
  contentType?: string;
}

/**
 * Fetches a URL for {@link auditLog}: resolves with the answer whatever its status, rejects only when there is none
 * (network failure, timeout), so a 404 (a finding) is told apart from an unreachable server (a check not made).
 */
export type AuditGet = (url: string, headers?: Record<string, string>) => Promise<AuditResponse>;

/**
 * What an auditor keeps between audits of one log, per origin: the log key it trusts and the last checkpoint it found
 * sound. JSON-serialisable (`rootHash` in base64) so a tool can keep it in a file.
 */
export interface AuditState {
  origin: string;
  /** The log's verifier key (vkey). */
  vkey: string;
  size: number;
  /** Base64 root hash of the tree of `size` leaves. */
  rootHash: string;
  /** The signed checkpoint note, kept as evidence should a later checkpoint contradict it. */
  checkpoint?: string;
}

/** One thing found wrong (or not checkable) by {@link auditLog}. */
export interface AuditFinding {
  code: ErrorCode;
  message: string;
  /** The leaf index the finding is about (the first leaf a tile covers, for a tile). */
  index?: number;
  /** The credential id (URL) the finding is about. */
  credential?: string;
}

/** Options of {@link auditLog}. */
export interface AuditOptions {
  /** The instance's URL (`https://badges.example.edu`); the log is at `<baseUrl>/log/`. */
  baseUrl: string;
  get: AuditGet;
  /** A pinned log key (vkey); else the saved state's, else the one the instance serves (trust on first use). */
  logKey?: string;
  /** The state a previous audit returned as `newState`: the new checkpoint must extend it. */
  state?: AuditState;
  /** Credentials (ids, i.e. URLs, or uuids of this instance) that must each have an issue leaf. */
  credentials?: readonly string[];
  /** Also require an issue leaf for every credential this organisation lists (API token with credentials:read). */
  org?: { id: string; token: string };
  /** Fetch the credential of every credential leaf and compare its digest (default true). */
  checkCredentials?: boolean;
  /** Credential fetches in flight at once (default 8). */
  concurrency?: number;
}

/** The outcome of {@link auditLog}. */
export interface AuditReport {
  /** True when nothing was found wrong and every check could be made. */
  ok: boolean;
  origin: string;
  /** The checkpoint audited, once its signature verified. */
  checkpoint?: Checkpoint & { note: string };
  /** The state to keep for the next audit; only when `ok`. */
  newState?: AuditState;
  findings: AuditFinding[];
  /** Listed credentials without an issue leaf yet, which the instance says are logged but not yet in a checkpoint. */
  pending: string[];
  counts: { entries: number; tiles: number; credentials: number };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CREDENTIAL_CACHE = 4096;

/**
 * Audits an instance's transparency log end to end, as a monitor would: verifies the latest checkpoint's signature
 * with the log key (cosignature lines of other keys are ignored, C2SP signed-note), replays every entry bundle
 * (C2SP tlog-tiles) — parsing each leaf and recomputing every leaf hash and the root — and compares every served hash
 * tile with the tree it recomputed; checks the checkpoint extends the saved `state` (same origin and key, not smaller,
 * the old root recomputed from the replayed leaves); fetches the credential each credential leaf names and compares
 * its id, issuer and RFC 8785 digest with the leaf; and requires an issue leaf for each listed credential (when every
 * entry could be read). Memory is
 * the leaf hashes (32 bytes a leaf, plus about 7%). Throws only for misuse (`ERR_INPUT_INVALID`); everything else is
 * a finding: `ERR_NOTE_UNVERIFIED`, `ERR_CHECKPOINT_INVALID`, `ERR_LOG_INCONSISTENT`, `ERR_LOG_ENTRY_MISSING`,
 * `ERR_LOG_ENTRY_MISMATCH`, `ERR_TILE_INVALID`, `ERR_LEAF_INVALID`, `ERR_KEY_INVALID` or `ERR_FETCH_FAILED`.
 *
 * @example
 * ```ts
 * const report = await auditLog({ baseUrl: 'https://badges.example.edu', get, state: saved });
 * if (report.ok) saved = report.newState;
 * else for (const f of report.findings) console.error(f.code, f.message);
 * ```
 */
export async function auditLog(options: AuditOptions): Promise<AuditReport> {
  const base = baseUrlOf(options.baseUrl);
  if (typeof options.get !== 'function') throw inputError('auditLog needs a get function.');
  const { state } = options;
  const origin = state?.origin ?? `${new URL(base).host}/log`;
  const report: AuditReport = {
    ok: false,
    origin,
    findings: [],
    pending: [],
    counts: { entries: 0, tiles: 0, credentials: 0 },
  };
  const finding = (f: AuditFinding) => void report.findings.push(f);
  const fetchBody = async (url: string, what: string, headers?: Record<string, string>) => {
    try {
      const answer = await options.get(url, headers);
      return answer.status === 200 ? { body: answer.body } : { status: answer.status };
    } catch (e) {
      finding({ code: 'ERR_FETCH_FAILED', message: `${what}: ${url} could not be fetched (${errorText(e)}).` });
      return undefined;
    }
  };

  // The key: pinned, else saved, else served (trust on first use). A served key that differs from the trusted one is
  // a finding in itself: the log's key never changes.
  const servedKey = await fetchBody(`${base}/log/vkey`, 'The log key');
  const served = servedKey?.body ? decodeText(servedKey.body).trim() : undefined;
  const vkey = options.logKey ?? state?.vkey ?? served;
  if (vkey === undefined) {
    if (servedKey?.status)
      finding({ code: 'ERR_FETCH_FAILED', message: `${base}/log/vkey answered ${servedKey.status}.` });
    return done(report);
  }
  if (served !== undefined && served !== vkey) {
    finding({ code: 'ERR_NOTE_UNVERIFIED', message: `The log serves the key ${served}, not the trusted ${vkey}.` });
  }
  let verifier: NoteVerifierKey;
  try {
    verifier = parseVerifierKey(vkey);
  } catch (e) {
    finding({ code: 'ERR_KEY_INVALID', message: `The log key ${vkey} is not a verifier key: ${errorText(e)}` });
    return done(report);
  }

  // Listed before the checkpoint is fetched: every credential listed was committed before the tree audited was signed
  // (though perhaps not yet integrated into it: see `pending`).
  const wanted = new Set((options.credentials ?? []).map((c) => credentialUrl(base, c)));
  if (options.org) await listOrgCredentials(base, options.org, fetchBody, wanted, finding);

  const answer = await fetchBody(`${base}/log/checkpoint`, 'The checkpoint');
  if (!answer?.body) {
    if (answer?.status)
      finding({ code: 'ERR_FETCH_FAILED', message: `${base}/log/checkpoint answered ${answer.status}.` });
    return done(report);
  }
  const note = decodeText(answer.body);
  let checkpoint: Checkpoint;
  try {
    const opened = openNote(note, [verifier]);
    const signature = opened.signatures.find((s) => s.name === verifier.name && s.keyHash === verifier.keyHash >>> 0);
    if (signature?.status !== 'verified') {
      finding({
        code: 'ERR_NOTE_UNVERIFIED',
        message: signature
          ? `The log key's signature on the checkpoint does not verify.`
          : `The checkpoint carries no signature of the log key ${verifier.name}.`,
      });
      return done(report);
    }
    checkpoint = parseCheckpoint(opened.text);
  } catch (e) {
    finding({ code: codeOf(e, 'ERR_NOTE_INVALID'), message: `The checkpoint is malformed: ${errorText(e)}` });
    return done(report);
  }
  report.checkpoint = { ...checkpoint, note };
  if (checkpoint.origin !== origin) {
    finding({ code: 'ERR_CHECKPOINT_INVALID', message: `The checkpoint is from ${checkpoint.origin}, not ${origin}.` });
    return done(report);
  }
  const { size } = checkpoint;
  if (state && state.size > size) {
    finding({
      code: 'ERR_LOG_INCONSISTENT',
      message: `The log went back from ${state.size} to ${size} entries: a checkpoint signed earlier is not a prefix.`,
    });
  }

  // Replay: every entry bundle, every leaf.
  const credentials = createCredentialChecker(base, options, fetchBody, finding, report);
  const found = new Set<string>();
  let entries: MemoryTree | undefined = createMemoryTree();
  let allRead = true;
  for (let bundle = 0; bundle * TILE_WIDTH < size; bundle++) {
    const width = tileWidth(0, bundle, size);
    const first = bundle * TILE_WIDTH;
    const url = `${base}/log/${tilePath('entries', bundle, width)}`;
    const got = await fetchBody(url, `Entries ${first}…${first + width - 1}`);
    let leaves: Uint8Array[] | undefined;
    if (got?.body) {
      try {
        leaves = parseEntryBundle(got.body, width);
      } catch (e) {
        finding({ code: 'ERR_TILE_INVALID', message: `${url}: ${errorText(e)}`, index: first });
      }
    } else if (got) {
      finding({ code: 'ERR_LOG_ENTRY_MISSING', message: `${url} answered ${got.status}.`, index: first });
    }
    if (!leaves) {
      entries = undefined;
      allRead = false;
      continue;
    }
    const checks: Array<() => Promise<void>> = [];
    leaves.forEach((bytes, j) => {
      const index = first + j;
      entries?.append(leafHash(bytes));
      report.counts.entries++;
      let leaf: LogLeaf;
      try {
        leaf = parseLeaf(bytes);
      } catch (e) {
        finding({ code: 'ERR_LEAF_INVALID', message: `Leaf ${index}: ${errorText(e)}`, index });
        return;
      }
      if (!('credential' in leaf)) return;
      if (leaf.type === 'issue' && wanted.has(leaf.credential)) found.add(leaf.credential);
      checks.push(() => credentials.check(leaf as CredentialLeaf, index));
    });
    await inBatches(checks, options.concurrency ?? 8);
  }

  // The root of the replayed leaves, then every hash tile against the tree recomputed. When the entries cannot be
  // replayed or do not give the signed root, a tree of the served level-0 tiles stands in, so the tiles are still
  // checked against each other and the old state can still be compared with what was signed.
  const entriesMatch = entries !== undefined && bytesEqual(entries.root(), checkpoint.rootHash);
  if (entries && !entriesMatch) {
    finding({
      code: 'ERR_LOG_ENTRY_MISMATCH',
      message: `The ${size} entries served do not hash to the checkpoint's root: an entry was altered, removed or moved.`,
    });
  }
  const fromTiles = entriesMatch ? undefined : createMemoryTree();
  const reference = (level: number) => (level === 0 ? entries : entriesMatch ? entries : fromTiles);
  let tilesComplete = true;
  for (let level = 0; Math.floor(size / TILE_WIDTH ** level) > 0; level++) {
    for (let index = 0; tileWidth(level, index, size) > 0; index++) {
      const width = tileWidth(level, index, size);
      const url = `${base}/log/${tilePath(level, index, width)}`;
      const firstLeaf = index * TILE_WIDTH ** (level + 1);
      const got = await fetchBody(url, `Tile ${level}/${index}`);
      report.counts.tiles++;
      if (!got?.body || got.body.length !== width * HASH_SIZE) {
        tilesComplete = false;
        if (got) {
          const why = got.body ? `holds ${got.body.length} bytes, not ${width * HASH_SIZE}` : `answered ${got.status}`;
          finding({ code: 'ERR_TILE_INVALID', message: `${url} ${why}.`, index: firstLeaf });
        }
        continue;
      }
      if (level === 0 && fromTiles && tilesComplete) {
        for (let i = 0; i < width; i++) fromTiles.append(got.body.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
      }
      const tree = reference(level);
      if (!tree || (tree === fromTiles && !tilesComplete)) continue;
      const expected = tileData(level, index, width, tree.read);
      const differs = firstDifference(expected, got.body);
      if (differs !== undefined) {
        finding({
          code: 'ERR_TILE_INVALID',
          message: `${url}: hash ${differs} is not the one the ${tree === entries ? 'entries' : 'tiles below'} give.`,
          index: firstLeaf + differs * TILE_WIDTH ** level,
        });
      }
    }
  }
  const tilesMatch = fromTiles !== undefined && tilesComplete && bytesEqual(fromTiles.root(size), checkpoint.rootHash);
  if (fromTiles && tilesComplete && !tilesMatch) {
    finding({ code: 'ERR_TILE_INVALID', message: `The served tiles do not hash to the checkpoint's root.` });
  }

  // Consistency with the saved state, from the tree that gave the signed root.
  const signed = entriesMatch ? entries : tilesMatch ? fromTiles : undefined;
  if (state && state.size <= size) {
    if (state.vkey !== vkey) {
      finding({ code: 'ERR_LOG_INCONSISTENT', message: `The saved state trusts ${state.vkey}, this audit ${vkey}.` });
    }
    const oldRoot = base64Decode(state.rootHash);
    if (!oldRoot || oldRoot.length !== HASH_SIZE) throw inputError('The saved state has no base64 32-byte root hash.');
    if (signed) {
      const recomputed = state.size === 0 ? emptyRoot() : signed.root(state.size);
      if (!bytesEqual(recomputed, oldRoot)) {
        finding({
          code: 'ERR_LOG_INCONSISTENT',
          message:
            `The first ${state.size} entries of the tree now signed do not give the root of the checkpoint audited ` +
            `before: the log's history was rewritten (or it shows different trees to different readers).`,
        });
      }
    }
  }

  // Listed credentials with no issue leaf: missing, unless the instance says the leaf awaits integration. Only when
  // every entry was read: a bundle not served is already a finding, and would make each credential in it one more.
  for (const url of allRead ? wanted : []) {
    if (found.has(url)) continue;
    const proof = await fetchBody(`${base}/api/v1/log/proof?credential=${encodeURIComponent(url)}`, 'A log proof');
    if (proof?.status === 409) report.pending.push(url);
    else if (proof) {
      finding({ code: 'ERR_LOG_ENTRY_MISSING', message: `The log holds no issuance of ${url}.`, credential: url });
    }
  }

  if (report.findings.length === 0) {
    report.newState = { origin, vkey, size, rootHash: base64Encode(checkpoint.rootHash), checkpoint: note };
  }
  return done(report);
}

type CredentialLeaf = Extract<LogLeaf, { credential: string }>;

/** Checks credential leaves against what the instance serves, fetching each credential once (a bounded cache). */
function createCredentialChecker(
  base: string,
  options: AuditOptions,
  fetchBody: (url: string, what: string, headers?: Record<string, string>) => Promise<FetchResult | undefined>,
  finding: (f: AuditFinding) => void,
  report: AuditReport,
) {
  const served = new Map<string, Promise<{ id?: unknown; issuer?: unknown; sha256: string } | string>>();
  const load = async (url: string) => {
    // The instance serves the signed document at the credential's id, by content negotiation (what it stored and
    // what holders download). Only URLs of the audited instance are fetched: a leaf cannot send the auditor elsewhere.
    if (!url.startsWith(`${base}/`)) return `is not a credential of ${base}`;
    const got = await fetchBody(url, 'A credential', { accept: 'application/vc+ld+json' });
    if (!got) return undefined;
    if (!got.body) return `is not served (HTTP ${got.status})`;
    try {
      const document = JSON.parse(decodeText(got.body)) as Record<string, unknown>;
      const issuer = document['issuer'];
      return {
        id: document['id'],
        issuer: typeof issuer === 'object' && issuer !== null ? (issuer as Record<string, unknown>)['id'] : issuer,
        sha256: credentialDigest(document),
      };
    } catch (e) {
      return `is served as something other than a JSON credential (${errorText(e)})`;
    }
  };
  return {
    async check(leaf: CredentialLeaf, index: number): Promise<void> {
      if (options.checkCredentials === false) return;
      const url = leaf.credential;
      let pending = served.get(url);
      if (!pending) {
        pending = load(url).then((r) => r ?? 'could not be fetched');
        if (served.size >= CREDENTIAL_CACHE) served.delete(served.keys().next().value!);
        served.set(url, pending);
        report.counts.credentials++;
      }
      const document = await pending;
      const mismatch = (message: string) =>
        finding({
          code: 'ERR_LOG_ENTRY_MISMATCH',
          message: `Leaf ${index} (${leaf.type}): ${message}`,
          index,
          credential: url,
        });
      if (document === 'could not be fetched') return; // the fetch failure is its own finding
      if (typeof document === 'string') return mismatch(`the credential ${document}.`);
      if (document.id !== url) return mismatch(`the credential served has the id ${String(document.id)}.`);
      if (document.issuer !== leaf.issuer)
        return mismatch(`the credential served is issued by ${String(document.issuer)}.`);
      // A state change never re-signs the document, so every leaf of a credential states the digest of the one served.
      if (document.sha256 !== leaf.sha256)
        return mismatch(`the credential served has the digest ${document.sha256}, not the logged one.`);
    },
  };
}

type FetchResult = { body: Uint8Array; status?: undefined } | { status: number; body?: undefined };

async function listOrgCredentials(
  base: string,
  org: { id: string; token: string },
  fetchBody: (url: string, what: string, headers?: Record<string, string>) => Promise<FetchResult | undefined>,
  wanted: Set<string>,
  finding: (f: AuditFinding) => void,
): Promise<void> {
  const headers = { authorization: `Bearer ${org.token}`, accept: 'application/json' };
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const url = `${base}/api/v1/orgs/${encodeURIComponent(org.id)}/credentials?limit=100${query}`;
    const got = await fetchBody(url, 'The organisation’s credentials', headers);
    if (!got?.body) {
      if (got) finding({ code: 'ERR_FETCH_FAILED', message: `${url} answered ${got.status}.` });
      return;
    }
    let page: { credentials?: Array<{ url?: unknown }>; nextCursor?: unknown };
    try {
      page = JSON.parse(decodeText(got.body)) as typeof page;
    } catch {
      finding({ code: 'ERR_FETCH_FAILED', message: `${url} answered no JSON.` });
      return;
    }
    for (const c of page.credentials ?? []) if (typeof c.url === 'string') wanted.add(c.url);
    cursor = typeof page.nextCursor === 'string' ? page.nextCursor : null;
  } while (cursor !== null);
}

function done(report: AuditReport): AuditReport {
  report.ok = report.findings.length === 0 && report.newState !== undefined;
  return report;
}

function baseUrlOf(value: unknown): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw inputError(`The base URL ${JSON.stringify(value)} is not a URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw inputError('The base URL is http(s).');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function credentialUrl(base: string, credential: string): string {
  return UUID.test(credential) ? `${base}/credentials/${credential.toLowerCase()}` : credential;
}

function firstDifference(a: Uint8Array, b: Uint8Array): number | undefined {
  for (let i = 0; i < a.length; i += HASH_SIZE) {
    if (!bytesEqual(a.subarray(i, i + HASH_SIZE), b.subarray(i, i + HASH_SIZE))) return i / HASH_SIZE;
  }
  return undefined;
}

async function inBatches(tasks: Array<() => Promise<void>>, concurrency: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, tasks.length)) }, worker));
}

function decodeText(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function codeOf(e: unknown, fallback: ErrorCode): ErrorCode {
  return isSkillproofError(e) ? e.code : fallback;
}

function inputError(message: string): SkillproofError {
  return new SkillproofError('ERR_INPUT_INVALID', message);
}
