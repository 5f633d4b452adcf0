import { SkillproofError } from '../errors.js';
import type { JsonObject } from '../types.js';
import type { StatusList } from './status-list.js';

/** The `statusPurpose` values Bitstring Status List v1.0 §2.1 defines. */
export type StatusPurpose = 'revocation' | 'suspension' | 'message' | 'refresh';

/** One element of `statusMessage` (Bitstring Status List v1.0 §2.1): `status` is "0x" + hex of the value. */
export interface StatusMessage {
  status: string;
  message: string;
}

/** A `credentialStatus` entry of type `BitstringStatusListEntry` (Bitstring Status List v1.0 §2.1). */
export interface BitstringStatusListEntry {
  id: string;
  type: 'BitstringStatusListEntry';
  statusPurpose: StatusPurpose;
  /** A base-10 integer as a string. */
  statusListIndex: string;
  statusListCredential: string;
  statusSize?: number;
  statusMessage?: StatusMessage[];
  statusReference?: string | string[];
}

/** An unsigned `BitstringStatusListCredential` (Bitstring Status List v1.0 §2.2), ready to be secured. */
export interface BitstringStatusListCredential {
  '@context': (string | JsonObject)[];
  id: string;
  type: ['VerifiableCredential', 'BitstringStatusListCredential'];
  issuer: string | ({ id: string } & JsonObject);
  validFrom?: string;
  validUntil?: string;
  credentialSubject: {
    id: string;
    type: 'BitstringStatusList';
    statusPurpose: StatusPurpose;
    encodedList: string;
    ttl?: number;
    statusSize?: number;
    statusMessage?: StatusMessage[];
  };
}

const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
const STATUS_VOCAB = 'https://www.w3.org/ns/credentials/status#';

// The VC 2.0 context defines `statusSize` and `statusMessage` only inside BitstringStatusListEntry, not on the
// BitstringStatusList subject, although §2.2 asks for them there with the `message` purpose. Unless they are
// defined, a Data Integrity proof over the list fails (safe-mode canonicalization rejects undefined terms), so the
// credential carries this small inline context, mapping them to the same IRIs as the entry's terms.
const SUBJECT_STATUS_TERMS_CONTEXT: JsonObject = {
  statusSize: { '@id': `${STATUS_VOCAB}statusSize`, '@type': 'http://www.w3.org/2001/XMLSchema#integer' },
  statusMessage: {
    '@id': `${STATUS_VOCAB}statusMessage`,
    '@context': { message: `${STATUS_VOCAB}message`, status: `${STATUS_VOCAB}status` },
  },
};

const PURPOSES: readonly string[] = ['revocation', 'suspension', 'message', 'refresh'];

function checkPurpose(statusPurpose: unknown): asserts statusPurpose is StatusPurpose {
  if (typeof statusPurpose !== 'string' || !PURPOSES.includes(statusPurpose)) {
    throw new SkillproofError(
      'ERR_INPUT_INVALID',
      `statusPurpose must be one of ${PURPOSES.join(', ')}, not ${JSON.stringify(statusPurpose)}.`,
    );
  }
}

function checkStatusMessages(statusSize: number, statusMessage: readonly StatusMessage[] | undefined): void {
  if (statusSize > 1 && statusMessage === undefined) {
    throw new SkillproofError('ERR_INPUT_INVALID', 'statusMessage is required when statusSize is greater than 1.');
  }
  if (statusMessage === undefined) return;
  // §2.1: "the length of which MUST equal the number of possible status messages indicated by statusSize".
  if (statusMessage.length !== 2 ** statusSize) {
    throw new SkillproofError(
      'ERR_INPUT_INVALID',
      `statusMessage must have ${2 ** statusSize} elements for statusSize ${statusSize}, not ${statusMessage.length}.`,
    );
  }
  const seen = new Set<number>();
  for (const m of statusMessage) {
    const value = parseStatusHex(m?.status);
    if (value === undefined || value >= 2 ** statusSize || seen.has(value) || typeof m.message !== 'string') {
      throw new SkillproofError(
        'ERR_INPUT_INVALID',
        `Each statusMessage needs a distinct status "0x0".."0x${(2 ** statusSize - 1).toString(16)}" and a message.`,
      );
    }
    seen.add(value);
  }
}

/** Parses a `statusMessage[].status` value ("0x" + hex). */
export function parseStatusHex(status: unknown): number | undefined {
  if (typeof status !== 'string' || !/^0x[0-9a-fA-F]{1,8}$/.test(status)) return undefined;
  return parseInt(status.slice(2), 16);
}

function checkStatusSize(statusSize: unknown): number {
  if (statusSize === undefined) return 1;
  if (typeof statusSize !== 'number' || !Number.isInteger(statusSize) || statusSize < 1 || statusSize > 8) {
    throw new SkillproofError('ERR_INPUT_INVALID', 'statusSize must be an integer from 1 to 8.');
  }
  return statusSize;
}

function toDateTime(value: string | Date, name: string): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new SkillproofError('ERR_DATE_INVALID', `${name} is not a valid date.`);
  }
  return typeof value === 'string' ? value : date.toISOString().replace(/\.000Z$/, 'Z');
}

/** Input of {@link createStatusListCredential}. */
export interface CreateStatusListCredentialInput {
  /** The URL the list credential is published at (the entries' `statusListCredential`). */
  id: string;
  issuer: string | ({ id: string } & JsonObject);
  statusPurpose: StatusPurpose;
  /** The list, or its already encoded `encodedList`. */
  list: StatusList | string;
  validFrom?: string | Date;
  validUntil?: string | Date;
  /** Milliseconds before a verifier SHOULD refresh its copy (§2.2); does not replace the validity period. */
  ttl?: number;
  /** Bits per entry when > 1; taken from `list` when omitted. */
  statusSize?: number;
  statusMessage?: StatusMessage[];
  /** The credential subject's id. Default `${id}#list`. */
  subjectId?: string;
}

/**
 * Builds an unsigned `BitstringStatusListCredential` (Bitstring Status List v1.0 §2.2) with the VC 2.0 context.
 * Secure it (Data Integrity or VC-JWT) before publishing it at `id`.
 *
 * @example
 * ```ts
 * const list = createStatusList();
 * list.set(94567);
 * const unsigned = createStatusListCredential({
 *   id: 'https://example.com/status/3', issuer: 'did:example:12345', statusPurpose: 'revocation', list,
 *   validFrom: '2025-01-01T00:00:00Z',
 * });
 * ```
 */
export function createStatusListCredential(input: CreateStatusListCredentialInput): BitstringStatusListCredential {
  if (typeof input?.id !== 'string' || input.id.length === 0) {
    throw new SkillproofError('ERR_INPUT_INVALID', 'id (the status list credential URL) is required.');
  }
  const issuerId = typeof input.issuer === 'string' ? input.issuer : input.issuer?.id;
  if (typeof issuerId !== 'string' || issuerId.length === 0) {
    throw new SkillproofError('ERR_INPUT_INVALID', 'issuer (a URL or an object with an id) is required.');
  }
  checkPurpose(input.statusPurpose);
  const encodedList = typeof input.list === 'string' ? input.list : input.list.encode();
  const listSize = typeof input.list === 'string' ? undefined : input.list.statusSize;
  const statusSize = checkStatusSize(input.statusSize ?? listSize);
  if (listSize !== undefined && listSize !== statusSize) {
    throw new SkillproofError('ERR_INPUT_INVALID', `statusSize ${statusSize} differs from the list's ${listSize}.`);
  }
  if (input.statusPurpose === 'message' && statusSize === 1 && input.statusMessage === undefined) {
    // §2.2: "credentialSubject.statusSize MUST be specified when this statusPurpose value is used".
    throw new SkillproofError('ERR_INPUT_INVALID', 'The message purpose needs statusSize and statusMessage.');
  }
  checkStatusMessages(statusSize, input.statusMessage);
  if (input.ttl !== undefined && (!Number.isSafeInteger(input.ttl) || input.ttl < 0)) {
    throw new SkillproofError('ERR_INPUT_INVALID', 'ttl must be a non-negative integer (milliseconds).');
  }

  const withSize = statusSize > 1 || input.statusPurpose === 'message';
  const withMessages = input.statusMessage !== undefined;
  const credential: BitstringStatusListCredential = {
    '@context': withSize || withMessages ? [VC_V2_CONTEXT, SUBJECT_STATUS_TERMS_CONTEXT] : [VC_V2_CONTEXT],
    id: input.id,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: input.issuer,
    credentialSubject: {
      id: input.subjectId ?? `${input.id}#list`,
      type: 'BitstringStatusList',
      statusPurpose: input.statusPurpose,
      encodedList,
    },
  };
  if (input.validFrom !== undefined) credential.validFrom = toDateTime(input.validFrom, 'validFrom');
  if (input.validUntil !== undefined) credential.validUntil = toDateTime(input.validUntil, 'validUntil');
  if (input.ttl !== undefined) credential.credentialSubject.ttl = input.ttl;
  if (withSize) credential.credentialSubject.statusSize = statusSize;
  if (withMessages) credential.credentialSubject.statusMessage = input.statusMessage!.map((m) => ({ ...m }));
  return credential;
}

/** Input of {@link createStatusListEntry}. */
export interface CreateStatusListEntryInput {
  /** The status list credential's URL. */
  statusListCredential: string;
  statusListIndex: number;
  statusPurpose: StatusPurpose;
  /** Bits per entry; default 1. When > 1, `statusMessage` is required (§2.1). */
  statusSize?: number;
  statusMessage?: StatusMessage[];
  statusReference?: string | string[];
}

/**
 * Builds the `credentialStatus` entry of a credential (Bitstring Status List v1.0 §2.1):
 * `id` = `${statusListCredential}#${index}`, `statusListIndex` as a base-10 string.
 *
 * @example
 * ```ts
 * const credentialStatus = createStatusListEntry({
 *   statusListCredential: 'https://example.com/status/3', statusListIndex: allocator.allocate(),
 *   statusPurpose: 'revocation',
 * });
 * ```
 */
export function createStatusListEntry(input: CreateStatusListEntryInput): BitstringStatusListEntry {
  if (typeof input?.statusListCredential !== 'string' || input.statusListCredential.length === 0) {
    throw new SkillproofError('ERR_INPUT_INVALID', 'statusListCredential (the list URL) is required.');
  }
  if (!Number.isSafeInteger(input.statusListIndex) || input.statusListIndex < 0) {
    throw new SkillproofError('ERR_STATUS_INDEX', 'statusListIndex must be a non-negative integer.');
  }
  checkPurpose(input.statusPurpose);
  const statusSize = checkStatusSize(input.statusSize);
  checkStatusMessages(statusSize, input.statusMessage);
  const entry: BitstringStatusListEntry = {
    id: `${input.statusListCredential}#${input.statusListIndex}`,
    type: 'BitstringStatusListEntry',
    statusPurpose: input.statusPurpose,
    statusListIndex: String(input.statusListIndex),
    statusListCredential: input.statusListCredential,
  };
  if (statusSize > 1) {
    entry.statusSize = statusSize;
    entry.statusMessage = input.statusMessage!.map((m) => ({ ...m }));
  } else if (input.statusMessage !== undefined) {
    entry.statusMessage = input.statusMessage.map((m) => ({ ...m }));
  }
  if (input.statusReference !== undefined) entry.statusReference = input.statusReference;
  return entry;
}
