import { SkillproofError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import type { Clock } from '../types.js';
import { parseStatusHex } from './status-list-credential.js';
import { decodeStatusList, StatusList, STATUS_LIST_MAX_BYTES, STATUS_LIST_MIN_ENTRIES } from './status-list.js';

/** What a verifier of the status list credential reports (the lead's credential verifier fits this shape). */
export interface StatusListVerification {
  verified: boolean;
  code?: string;
  message?: string;
}

/** Options of {@link checkCredentialStatus}. */
export interface CheckCredentialStatusOptions {
  /**
   * Returns the status list credential published at `url` as a parsed JSON object (for a VC-JWT list, the decoded
   * credential), or throws when it cannot be retrieved. Put caching, allow-lists and timeouts here.
   */
  loadStatusList: (url: string) => Promise<unknown>;
  /**
   * Verifies the list credential's own proof. Strongly recommended: without it the status is only as trustworthy as
   * the channel `loadStatusList` used, and each entry's message says the proof was not checked.
   */
  verifyStatusListCredential?: (listCredential: unknown) => Promise<StatusListVerification>;
  /** The current time, for the list credential's validity period. Default: the system clock. */
  clock?: Clock;
  /**
   * Smallest list accepted, in entries (Bitstring Status List v1.0 §3.2 minimumNumberOfEntries). Default 131,072; an
   * ecosystem that has established a lower bound may lower it (the DCC publishes 100,000-entry lists).
   */
  minimumEntries?: number;
  /** Largest uncompressed list accepted, in bytes. Default and maximum 16 MiB. */
  maxBytes?: number;
}

/** The outcome for one `credentialStatus` entry. */
export interface StatusEntryReport {
  /** Position of the entry in `credentialStatus` (0 when it is a single object). */
  position: number;
  type?: string;
  statusPurpose?: string;
  /** The URL that was (or would have been) loaded. */
  statusListCredential?: string;
  statusListIndex?: number;
  status: 'passed' | 'failed' | 'unknown';
  code?: ErrorCode;
  message: string;
  /** The status value read from the list. */
  value?: number;
  /** The issuer's text for `value` (from `statusMessage`, or "set"/"unset"). */
  statusMessage?: string;
  /** The underlying code when `code` summarises another one (the list verifier's code, ERR_EXPIRED, …). */
  causeCode?: string;
}

/** The outcome of {@link checkCredentialStatus}. */
export interface StatusCheckReport {
  status: 'passed' | 'failed' | 'unknown' | 'skipped';
  code?: ErrorCode;
  message: string;
  entries: StatusEntryReport[];
}

type Json = Record<string, unknown>;
type Outcome = Omit<StatusEntryReport, 'position'>;

const MAX_ENTRIES = 32;
// A list verifier that could not reach a key, DID document or context has not shown the list to be bad.
const UNAVAILABLE_CAUSES = new Set([
  'ERR_OFFLINE',
  'ERR_FETCH_FAILED',
  'ERR_FETCH_TIMEOUT',
  'ERR_DID_RESOLUTION',
  'ERR_CONTEXT_FETCH',
  'ERR_STATUS_UNAVAILABLE',
  'ERR_EXPIRED',
  'ERR_NOT_YET_VALID',
]);
const FAILED_PRIORITY: ErrorCode[] = [
  'ERR_STATUS_REVOKED',
  'ERR_STATUS_SUSPENDED',
  'ERR_STATUS_MESSAGE',
  'ERR_STATUS_LIST_INVALID',
  'ERR_STATUS_INDEX',
];
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const hasType = (v: unknown, type: string): boolean => v === type || (Array.isArray(v) && v.includes(type));
const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

interface BitstringFlavour {
  listType: string;
  subjectType: string;
  sized: boolean;
}
const FLAVOURS: Record<string, BitstringFlavour> = {
  BitstringStatusListEntry: {
    listType: 'BitstringStatusListCredential',
    subjectType: 'BitstringStatusList',
    sized: true,
  },
  StatusList2021Entry: { listType: 'StatusList2021Credential', subjectType: 'StatusList2021', sized: false },
};
const REVOCATION_LIST_1EDTECH = '1EdTechRevocationList';

/**
 * Checks a credential's `credentialStatus` (one entry or an array of `BitstringStatusListEntry`,
 * `StatusList2021Entry` or `1EdTechRevocationList`) following Bitstring Status List v1.0 §3.2. Never throws for
 * bad data: every outcome is a coded report.
 *
 * - `skipped`: the credential has no `credentialStatus`.
 * - `failed`: `ERR_STATUS_REVOKED`, `ERR_STATUS_SUSPENDED`, `ERR_STATUS_MESSAGE` (a non-zero `message` value);
 *   `ERR_STATUS_LIST_INVALID` when the list credential is malformed, of the wrong type, shorter than
 *   `minimumEntries`, lacks the entry's purpose, or its proof does not verify (a list that cannot be authenticated
 *   cannot be trusted either way); `ERR_STATUS_INDEX` when the index is malformed or outside the list;
 *   `ERR_SCHEMA_INVALID` when the entry itself is malformed.
 * - `unknown`: `ERR_STATUS_UNAVAILABLE` when the list cannot be loaded, its proof could not be checked (offline), or
 *   it is outside its validity period (`causeCode` ERR_EXPIRED / ERR_NOT_YET_VALID); `ERR_FORMAT_UNKNOWN` for an
 *   unsupported status type. Never "not revoked".
 *
 * @example
 * ```ts
 * const report = await checkCredentialStatus(credential, {
 *   loadStatusList: async (url) => JSON.parse(await cache.get(url)),
 *   verifyStatusListCredential: (list) => verifyCredential(list, verifierOptions),
 *   clock: () => new Date(),
 * });
 * if (report.status === 'failed' && report.code === 'ERR_STATUS_REVOKED') …
 * ```
 */
export async function checkCredentialStatus(
  credential: unknown,
  options: CheckCredentialStatusOptions,
): Promise<StatusCheckReport> {
  if (!isObject(options) || typeof options.loadStatusList !== 'function') {
    throw new SkillproofError('ERR_INPUT_INVALID', 'checkCredentialStatus needs options.loadStatusList.');
  }
  if (options.verifyStatusListCredential !== undefined && typeof options.verifyStatusListCredential !== 'function') {
    throw new SkillproofError('ERR_INPUT_INVALID', 'options.verifyStatusListCredential must be a function.');
  }
  if (options.clock !== undefined && typeof options.clock !== 'function') {
    throw new SkillproofError('ERR_INPUT_INVALID', 'options.clock must be a function.');
  }
  const minimumEntries = options.minimumEntries ?? STATUS_LIST_MIN_ENTRIES;
  const maxBytes = options.maxBytes ?? STATUS_LIST_MAX_BYTES;
  // Misuse of these two throws now rather than becoming a report for every entry.
  decodeOptionsCheck(minimumEntries, maxBytes);

  if (!isObject(credential)) {
    return {
      status: 'failed',
      code: 'ERR_INPUT_INVALID',
      message: 'The credential is not a JSON object.',
      entries: [],
    };
  }
  const raw = credential.credentialStatus;
  if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) {
    return { status: 'skipped', message: 'The credential has no credentialStatus.', entries: [] };
  }
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length > MAX_ENTRIES) {
    return {
      status: 'failed',
      code: 'ERR_INPUT_TOO_LARGE',
      message: `The credential has ${list.length} credentialStatus entries; at most ${MAX_ENTRIES} are checked.`,
      entries: [],
    };
  }

  const context: CheckContext = {
    options,
    now: (options.clock ?? (() => new Date()))(),
    minimumEntries,
    maxBytes,
    loaded: new Map(),
    decoded: new Map(),
  };
  const entries: StatusEntryReport[] = [];
  for (let position = 0; position < list.length; position++) {
    let outcome: Outcome;
    try {
      outcome = await checkEntry(list[position], credential, context);
    } catch (e) {
      outcome = {
        status: 'unknown',
        code: 'ERR_STATUS_UNAVAILABLE',
        message: `The status could not be checked: ${errorText(e)}`,
      };
    }
    entries.push({ position, ...outcome });
  }
  return summarise(entries);
}

function decodeOptionsCheck(minimumEntries: number, maxBytes: number): void {
  if (!Number.isSafeInteger(minimumEntries) || minimumEntries < 1) {
    throw new SkillproofError('ERR_INPUT_INVALID', 'options.minimumEntries must be a positive integer.');
  }
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1 || maxBytes > STATUS_LIST_MAX_BYTES) {
    throw new SkillproofError('ERR_INPUT_INVALID', `options.maxBytes must be from 1 to ${STATUS_LIST_MAX_BYTES}.`);
  }
}

function summarise(entries: StatusEntryReport[]): StatusCheckReport {
  const failed = entries.filter((e) => e.status === 'failed');
  if (failed.length > 0) {
    const rank = (e: StatusEntryReport): number => {
      const i = FAILED_PRIORITY.indexOf(e.code as ErrorCode);
      return i < 0 ? FAILED_PRIORITY.length : i;
    };
    const worst = failed.reduce((a, b) => (rank(b) < rank(a) ? b : a));
    return { status: 'failed', code: worst.code!, message: worst.message, entries };
  }
  const unknown = entries.find((e) => e.status === 'unknown');
  if (unknown) return { status: 'unknown', code: unknown.code!, message: unknown.message, entries };
  const message =
    entries.length === 1
      ? entries[0]!.message
      : `All ${entries.length} status entries passed: ${entries.map((e) => e.message).join(' ')}`;
  return { status: 'passed', message, entries };
}

interface LoadedList {
  ok: true;
  document: Json;
  proofChecked: boolean;
}
interface CheckContext {
  options: CheckCredentialStatusOptions;
  now: Date;
  minimumEntries: number;
  maxBytes: number;
  loaded: Map<string, Promise<LoadedList | Outcome>>;
  decoded: Map<string, StatusList | Outcome>;
}

async function checkEntry(entry: unknown, credential: Json, context: CheckContext): Promise<Outcome> {
  if (!isObject(entry)) {
    return { status: 'failed', code: 'ERR_SCHEMA_INVALID', message: 'A credentialStatus entry is not an object.' };
  }
  const type = typeof entry.type === 'string' ? entry.type : Array.isArray(entry.type) ? entry.type.join(',') : '';
  const flavourName = Object.keys(FLAVOURS).find((name) => hasType(entry.type, name));
  if (flavourName !== undefined) return checkBitstringEntry(entry, flavourName, FLAVOURS[flavourName]!, context);
  if (hasType(entry.type, REVOCATION_LIST_1EDTECH)) return check1EdTechEntry(entry, credential, context);
  return {
    type,
    status: 'unknown',
    code: 'ERR_FORMAT_UNKNOWN',
    message: `The credentialStatus type ${JSON.stringify(entry.type ?? null)} is not supported; its status is unknown.`,
  };
}

/** statusListIndex: "an arbitrary size integer greater than or equal to 0, expressed as a string in base 10" (§2.1). */
function parseIndex(value: unknown): number | undefined {
  // Some StatusList2021 producers wrote a JSON number; it is unambiguous, so it is accepted.
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string' || !/^[0-9]{1,16}$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

async function checkBitstringEntry(
  entry: Json,
  typeName: string,
  flavour: BitstringFlavour,
  context: CheckContext,
): Promise<Outcome> {
  const base: Outcome = { type: typeName, status: 'failed', message: '' };
  const purpose = entry.statusPurpose;
  const url = entry.statusListCredential;
  if (typeof purpose !== 'string' || purpose.length === 0) {
    return { ...base, code: 'ERR_SCHEMA_INVALID', message: `${typeName} has no statusPurpose.` };
  }
  base.statusPurpose = purpose;
  if (typeof url !== 'string' || url.length === 0) {
    return { ...base, code: 'ERR_SCHEMA_INVALID', message: `${typeName} has no statusListCredential URL.` };
  }
  base.statusListCredential = url;
  const index = parseIndex(entry.statusListIndex);
  if (index === undefined) {
    return {
      ...base,
      code: 'ERR_STATUS_INDEX',
      message: `statusListIndex ${JSON.stringify(entry.statusListIndex ?? null)} is not a base-10 integer ≥ 0.`,
    };
  }
  base.statusListIndex = index;
  let statusSize = 1;
  if (flavour.sized && entry.statusSize !== undefined) {
    const size = entry.statusSize;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
      return { ...base, code: 'ERR_SCHEMA_INVALID', message: 'statusSize must be an integer greater than zero.' };
    }
    if (size > 8) {
      return {
        ...base,
        status: 'unknown',
        code: 'ERR_FORMAT_UNKNOWN',
        message: `statusSize ${size} is not supported (at most 8 bits).`,
      };
    }
    statusSize = size;
  }

  const loaded = await loadList(url, true, context);
  if (!isLoaded(loaded)) return { ...base, ...loaded };
  const listCredential = loaded.document;
  if (!hasType(listCredential.type, flavour.listType)) {
    return {
      ...base,
      code: 'ERR_STATUS_LIST_INVALID',
      message: `The status list credential at ${url} does not have the type ${flavour.listType}.`,
    };
  }
  const period = checkValidity(listCredential, context.now);
  if (period) return { ...base, ...period };
  let subject = listCredential.credentialSubject;
  if (Array.isArray(subject) && subject.length === 1) subject = subject[0];
  if (!isObject(subject) || !hasType(subject.type, flavour.subjectType)) {
    return {
      ...base,
      code: 'ERR_STATUS_LIST_INVALID',
      message: `The status list credential's credentialSubject is not a ${flavour.subjectType}.`,
    };
  }
  // §3.2: "Verify that the status purpose is equal to a statusPurpose value in the statusListCredential."
  if (!hasType(subject.statusPurpose, purpose)) {
    return {
      ...base,
      code: 'ERR_STATUS_LIST_INVALID',
      message: `The status list's statusPurpose ${JSON.stringify(subject.statusPurpose ?? null)} does not match the entry's ${JSON.stringify(purpose)}.`,
    };
  }
  if (subject.statusSize !== undefined && subject.statusSize !== statusSize) {
    return {
      ...base,
      code: 'ERR_STATUS_LIST_INVALID',
      message: `The status list's statusSize ${JSON.stringify(subject.statusSize)} differs from the entry's ${statusSize}.`,
    };
  }
  const list = decodeCached(url, subject.encodedList, statusSize, context);
  if (!(list instanceof StatusList)) return { ...base, ...list };
  if (index >= list.length) {
    return {
      ...base,
      code: 'ERR_STATUS_INDEX',
      message: `statusListIndex ${index} is outside the status list (${list.length} entries).`,
    };
  }
  const value = list.get(index);
  const text = messageFor(value, statusSize, entry.statusMessage, subject.statusMessage);
  const proofNote = loaded.proofChecked ? '' : ' (the status list proof was not checked)';
  const hex = `0x${value.toString(16)}`;
  const done: Outcome = { ...base, value, statusMessage: text };
  if (value === 0) {
    const what =
      purpose === 'revocation'
        ? 'not revoked'
        : purpose === 'suspension'
          ? 'not suspended'
          : `${purpose} status ${hex} (${text})`;
    return { ...done, status: 'passed', message: `The credential is ${what}${proofNote}.` };
  }
  switch (purpose) {
    case 'revocation':
      return { ...done, code: 'ERR_STATUS_REVOKED', message: `The credential has been revoked${proofNote}.` };
    case 'suspension':
      return { ...done, code: 'ERR_STATUS_SUSPENDED', message: `The credential is suspended${proofNote}.` };
    case 'message':
      return {
        ...done,
        code: 'ERR_STATUS_MESSAGE',
        message: `The issuer set status ${hex} on the credential: ${text}${proofNote}.`,
      };
    case 'refresh':
      // §2.1: refresh "does not invalidate the verifiable credential".
      return {
        ...done,
        status: 'passed',
        message: `A refreshed credential is available from the issuer's refresh service${proofNote}.`,
      };
    default:
      return {
        ...done,
        status: 'unknown',
        code: 'ERR_STATUS_MESSAGE',
        message: `Status ${hex} (${text}) is set for the purpose ${JSON.stringify(purpose)}, which this verifier does not interpret.`,
      };
  }
}

function messageFor(value: number, statusSize: number, ...sources: unknown[]): string {
  for (const source of sources) {
    if (!Array.isArray(source)) continue;
    for (const m of source) {
      if (isObject(m) && parseStatusHex(m.status) === value && typeof m.message === 'string') return m.message;
    }
  }
  // §2.1: without statusMessage, "the message values associated with the status bit values of 1 and 0 are "set"
  // and "unset", respectively".
  if (statusSize === 1) return value === 0 ? 'unset' : 'set';
  return `0x${value.toString(16)}`;
}

function decodeCached(
  url: string,
  encodedList: unknown,
  statusSize: number,
  context: CheckContext,
): StatusList | Outcome {
  const key = `${statusSize} ${url}`;
  let cached = context.decoded.get(key);
  if (cached === undefined) {
    try {
      if (typeof encodedList !== 'string') {
        throw new SkillproofError('ERR_STATUS_LIST_INVALID', 'The status list has no encodedList string.');
      }
      cached = decodeStatusList(encodedList, {
        statusSize,
        minimumEntries: context.minimumEntries,
        maxBytes: context.maxBytes,
      });
    } catch (e) {
      cached = {
        status: 'failed',
        code: 'ERR_STATUS_LIST_INVALID',
        message: `The status list at ${url} is invalid: ${errorText(e)}`,
      };
    }
    context.decoded.set(key, cached);
  }
  return cached;
}

const isLoaded = (x: LoadedList | Outcome): x is LoadedList => 'ok' in x;

function loadList(url: string, isCredential: boolean, context: CheckContext): Promise<LoadedList | Outcome> {
  const key = `${isCredential} ${url}`;
  let pending = context.loaded.get(key);
  if (pending === undefined) {
    pending = loadAndVerify(url, isCredential, context.options);
    context.loaded.set(key, pending);
  }
  return pending;
}

async function loadAndVerify(
  url: string,
  isCredential: boolean,
  options: CheckCredentialStatusOptions,
): Promise<LoadedList | Outcome> {
  let document: unknown;
  try {
    document = await options.loadStatusList(url);
  } catch (e) {
    return {
      status: 'unknown',
      code: 'ERR_STATUS_UNAVAILABLE',
      message: `The status list ${url} could not be retrieved (STATUS_RETRIEVAL_ERROR): ${errorText(e)}`,
      ...(e instanceof SkillproofError ? { causeCode: e.code } : {}),
    };
  }
  if (!isObject(document)) {
    return {
      status: 'failed',
      code: 'ERR_STATUS_LIST_INVALID',
      message: `The status list ${url} is not a JSON object.`,
    };
  }
  const verify = options.verifyStatusListCredential;
  // §3.2: "ensure that all proofs verify successfully". A 1EdTech revocation list is a plain document served by the
  // issuer (trusted as far as the channel loadStatusList used); it is only verified when it carries a proof.
  if (verify === undefined || (!isCredential && document.proof === undefined)) {
    return { ok: true, document, proofChecked: false };
  }
  let result: unknown;
  try {
    result = await verify(document);
  } catch (e) {
    return {
      status: 'unknown',
      code: 'ERR_STATUS_UNAVAILABLE',
      message: `The status list ${url} could not be verified: ${errorText(e)}`,
      ...(e instanceof SkillproofError ? { causeCode: e.code } : {}),
    };
  }
  if (isObject(result) && result.verified === true) return { ok: true, document, proofChecked: true };
  const causeCode = isObject(result) && typeof result.code === 'string' ? result.code : undefined;
  const why = isObject(result) && typeof result.message === 'string' ? `: ${result.message}` : '.';
  if (causeCode !== undefined && UNAVAILABLE_CAUSES.has(causeCode)) {
    return {
      status: 'unknown',
      code: 'ERR_STATUS_UNAVAILABLE',
      message: `The status list ${url} could not be verified now${why}`,
      causeCode,
    };
  }
  // §3.2 STATUS_VERIFICATION_ERROR: a list whose proof fails cannot say anything about the credential.
  return {
    status: 'failed',
    code: 'ERR_STATUS_LIST_INVALID',
    message: `The status list credential ${url} does not verify (STATUS_VERIFICATION_ERROR)${why}`,
    ...(causeCode !== undefined ? { causeCode } : {}),
  };
}

function parseDate(value: unknown): Date | undefined {
  if (typeof value !== 'string' || !DATE_TIME.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** VC 2.0 §4.9 validity period of the list credential itself (VC 1.1 issuanceDate/expirationDate also read). */
function checkValidity(document: Json, now: Date): Outcome | undefined {
  const bounds: [string, 'from' | 'until'][] = [
    ['validFrom', 'from'],
    ['issuanceDate', 'from'],
    ['validUntil', 'until'],
    ['expirationDate', 'until'],
  ];
  for (const [name, kind] of bounds) {
    const raw = document[name];
    if (raw === undefined) continue;
    const date = parseDate(raw);
    if (date === undefined) {
      return {
        status: 'failed',
        code: 'ERR_STATUS_LIST_INVALID',
        message: `The status list credential's ${name} ${JSON.stringify(raw)} is not a valid date-time.`,
        causeCode: 'ERR_DATE_INVALID',
      };
    }
    if (kind === 'from' && now < date) {
      return {
        status: 'unknown',
        code: 'ERR_STATUS_UNAVAILABLE',
        message: `The status list credential is not valid before ${raw}; no current status is available.`,
        causeCode: 'ERR_NOT_YET_VALID',
      };
    }
    if (kind === 'until' && now > date) {
      return {
        status: 'unknown',
        code: 'ERR_STATUS_UNAVAILABLE',
        message: `The status list credential expired at ${raw}; no current status is available.`,
        causeCode: 'ERR_EXPIRED',
      };
    }
  }
  return undefined;
}

async function check1EdTechEntry(entry: Json, credential: Json, context: CheckContext): Promise<Outcome> {
  const base: Outcome = { type: REVOCATION_LIST_1EDTECH, status: 'failed', message: '' };
  const url = entry.id;
  if (typeof url !== 'string' || url.length === 0) {
    return { ...base, code: 'ERR_SCHEMA_INVALID', message: '1EdTechRevocationList needs the list URL as its id.' };
  }
  base.statusListCredential = url;
  base.statusPurpose = 'revocation';
  const credentialId = credential.id;
  if (typeof credentialId !== 'string' || credentialId.length === 0) {
    return {
      ...base,
      code: 'ERR_SCHEMA_INVALID',
      message: 'A 1EdTechRevocationList lists credential ids, but the credential has no id.',
    };
  }
  const loaded = await loadList(url, false, context);
  if (!isLoaded(loaded)) return { ...base, ...loaded };
  const document = loaded.document;
  const period = checkValidity(document, context.now);
  if (period) return { ...base, ...period };
  const revoked = document.revokedCredentials ?? document.revokedCredential;
  if (!Array.isArray(revoked)) {
    return {
      ...base,
      code: 'ERR_STATUS_LIST_INVALID',
      message: `The revocation list at ${url} has no revokedCredentials array.`,
    };
  }
  const proofNote = loaded.proofChecked ? '' : ' (the revocation list proof was not checked)';
  for (const item of revoked) {
    const id = typeof item === 'string' ? item : isObject(item) ? item.id : undefined;
    if (id === credentialId) {
      const reason = isObject(item) && typeof item.revocationReason === 'string' ? item.revocationReason : undefined;
      return {
        ...base,
        code: 'ERR_STATUS_REVOKED',
        message: `The credential has been revoked${reason ? `: ${reason}` : ''}${proofNote}.`,
        ...(reason ? { statusMessage: reason } : {}),
      };
    }
  }
  return { ...base, status: 'passed', message: `The credential is not revoked${proofNote}.` };
}
