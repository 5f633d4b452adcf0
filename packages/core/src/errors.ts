/**
 * Every error that `@skillproof/core` raises or reports carries one of these stable codes.
 * Messages use the vocabulary of the specifications; callers branch on `code`, never on `message`.
 */
export type ErrorCode =
  // input and format
  | 'ERR_INPUT_INVALID'
  | 'ERR_JSON_PARSE'
  | 'ERR_INPUT_TOO_LARGE'
  | 'ERR_INPUT_TOO_DEEP'
  | 'ERR_FORMAT_UNKNOWN'
  // JSON-LD
  | 'ERR_CONTEXT_UNKNOWN'
  | 'ERR_CONTEXT_FETCH'
  | 'ERR_CONTEXT_INVALID'
  | 'ERR_TERM_UNDEFINED'
  | 'ERR_JSONLD_INVALID'
  // OB 3.0 / VC 2.0 structure
  | 'ERR_SCHEMA_INVALID'
  // proofs
  | 'ERR_PROOF_MISSING'
  | 'ERR_PROOF_MALFORMED'
  | 'ERR_PROOF_INVALID'
  | 'ERR_PROOF_TYPE_UNSUPPORTED'
  | 'ERR_PROOF_PURPOSE'
  | 'ERR_PROOF_EXPIRED'
  | 'ERR_CRYPTOSUITE_UNSUPPORTED'
  // keys and DIDs
  | 'ERR_KEY_INVALID'
  | 'ERR_KEY_NOT_FOUND'
  | 'ERR_KEY_REVOKED'
  | 'ERR_KEY_EXPIRED'
  | 'ERR_KEY_NOT_AUTHORIZED'
  | 'ERR_DID_INVALID'
  | 'ERR_DID_UNSUPPORTED'
  | 'ERR_DID_RESOLUTION'
  | 'ERR_FETCH_FAILED'
  | 'ERR_FETCH_TIMEOUT'
  | 'ERR_OFFLINE'
  // issuer binding
  | 'ERR_ISSUER_MISMATCH'
  | 'ERR_ISSUER_UNCONFIRMED'
  // JWT
  | 'ERR_JWT_MALFORMED'
  | 'ERR_JWT_ALG'
  | 'ERR_JWT_TYP'
  | 'ERR_JWT_SIGNATURE'
  | 'ERR_JWT_CLAIMS'
  // validity period
  | 'ERR_NOT_YET_VALID'
  | 'ERR_EXPIRED'
  | 'ERR_DATE_INVALID'
  // status
  | 'ERR_STATUS_REVOKED'
  | 'ERR_STATUS_SUSPENDED'
  | 'ERR_STATUS_MESSAGE'
  | 'ERR_STATUS_UNAVAILABLE'
  | 'ERR_STATUS_LIST_INVALID'
  | 'ERR_STATUS_INDEX'
  | 'ERR_STATUS_LIST_FULL'
  // baked images
  | 'ERR_IMAGE_INVALID'
  | 'ERR_IMAGE_NOT_BAKED'
  | 'ERR_IMAGE_TOO_LARGE'
  // transparency log (C2SP signed notes, checkpoints, tiles, tlog-proof)
  | 'ERR_NOTE_INVALID'
  | 'ERR_NOTE_UNVERIFIED'
  | 'ERR_CHECKPOINT_INVALID'
  | 'ERR_TILE_PATH_INVALID'
  | 'ERR_TILE_INVALID'
  | 'ERR_LOG_PROOF_INVALID'
  | 'ERR_WITNESS_QUORUM'
  | 'ERR_LEAF_INVALID'
  // the ledger check, audits and witnesses
  /** The log holds no entry for the credential (or key event) it should. */
  | 'ERR_LOG_ENTRY_MISSING'
  /** The log's entry and the credential (or what the instance serves) disagree. */
  | 'ERR_LOG_ENTRY_MISMATCH'
  /** A checkpoint is not consistent with an earlier one of the same log (a rewritten history, or a split view). */
  | 'ERR_LOG_INCONSISTENT'
  /** A witness does not know the log a checkpoint is from. */
  | 'ERR_LOG_UNKNOWN'
  /** A witness's latest size for the log is not the old size the request assumed (C2SP tlog-witness 409). */
  | 'ERR_LOG_CONFLICT';

/**
 * The one error class of `@skillproof/core`.
 *
 * @example
 * ```ts
 * try { await verifyCredential(input) } catch (e) {
 *   if (e instanceof SkillproofError && e.code === 'ERR_INPUT_INVALID') …
 * }
 * ```
 */
export class SkillproofError extends Error {
  override readonly name = 'SkillproofError';
  readonly code: ErrorCode;
  /** Where in the input the problem is, as a JSON path (`$.credentialSubject.achievement.name`), when known. */
  readonly path: string | undefined;
  /** Extra machine-readable facts (the unknown context URL, the list of schema issues, …). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { path?: string; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.path = options.path;
    this.details = options.details;
  }
}

/** True when `e` is a {@link SkillproofError}, optionally with the given code. */
export function isSkillproofError(e: unknown, code?: ErrorCode): e is SkillproofError {
  return e instanceof SkillproofError && (code === undefined || e.code === code);
}

/**
 * Codes that mean a check could not be made (the network, a key or a document was out of reach), as opposed to a
 * finding that something is wrong. Checks that end in one of these are `unknown`, never `failed` or `passed`.
 */
export const UNREACHABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'ERR_OFFLINE',
  'ERR_FETCH_FAILED',
  'ERR_FETCH_TIMEOUT',
  'ERR_CONTEXT_FETCH',
]);
